"""What every command shares: the default city and seed, loading a city, the output folder, JSON out."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CITY = ROOT / "assets" / "city"
DEFAULT_SEED = 20141015  # the day Makassar's War Room opened its doors to the press, as a memorable seed


def load_city(path: str | None) -> Any:
    """Load the city at ``path`` (the default city when None); repair warnings go to stderr."""
    import twin

    p = Path(path) if path else DEFAULT_CITY
    if path is None and not p.exists():
        raise twin.TwinError(
            f"the default city is missing from {p}: run `showroom city generate --out {p}` to write it"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", twin.CityRepairWarning)
        t = twin.load(p)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    return t


def out_dir(path: str) -> Path:
    """The output folder, made if missing."""
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_json(path: Path, doc: dict[str, Any]) -> None:
    """Write a JSON report atomically (:func:`twin.cityio.write_json`)."""
    from twin.cityio import write_json

    write_json(path, doc)


def city_arg(p: argparse.ArgumentParser) -> None:
    """The ``--city DIR`` option."""
    p.add_argument("--city", metavar="DIR", help="city folder or GeoPackage (default: the embedded default city)")


#: What ``--cameras`` means, for every command's help (the rule itself is twin.select_cameras).
CAMERAS_HELP = (
    "none; existing; planned (the city's planned cameras only); all = existing + planned (candidate sites are "
    "never cameras); a cameras layer such as plan.geojson (all plus its cameras, same ids replaced); or a file of "
    "camera ids"
)


def cameras_arg(p: argparse.ArgumentParser, default: str, what: str = "cameras") -> None:
    """The ``--cameras none|existing|planned|all|FILE`` option, one meaning for every command."""
    p.add_argument("--cameras", default=default, metavar="none|existing|planned|all|FILE",
                   help=f"{what}: {CAMERAS_HELP} (default {default})")


def pick_cameras(city: Any, spec: str) -> list[Any]:
    """The cameras ``--cameras SPEC`` means for ``city`` (:func:`twin.select_cameras`), its errors naming the option."""
    import twin

    try:
        return twin.select_cameras(city, spec)
    except twin.CityError:
        raise  # names the file, the feature and the rule already
    except twin.TwinError as e:
        raise twin.TwinError(f"--cameras: {e}") from None
