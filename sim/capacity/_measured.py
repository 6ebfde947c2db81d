"""Measured stream profiles: the bitrates cameras really sent (``showroom feeds profile``), not planning figures.

A measured profile is a JSON file of kind ``measured-stream-profile`` (written by ``showroom feeds
profile``; its format is documented in :mod:`feeds.profile`). Each camera it measured gets its main
stream's measured ``bitrate_kbps`` as its base bitrate; every other camera keeps its planning figure
(its own ``bitrate_kbps`` when the city has one, else the planning table). The scene factors of the
profile's ``base_profile`` (night noise, busy scenes, events) still apply to every camera: a
measurement at one time of day does not see the night or the events.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin import TwinError

if TYPE_CHECKING:
    from twin import Camera

__all__ = ["MEASURED_KIND", "MeasuredProfile", "apply_measured", "is_measured_profile", "load_measured"]

MEASURED_KIND = "measured-stream-profile"


@dataclass(frozen=True)
class MeasuredProfile:
    """Per camera id, the main stream's measured bitrate (kbit/s); the scene profile to apply on top."""

    path: str
    main_kbps: dict[str, float]
    base_profile: str
    seconds: float


def is_measured_profile(name_or_path: str | Path) -> bool:
    """Whether ``name_or_path`` is a JSON file of kind ``measured-stream-profile``."""
    p = Path(str(name_or_path))
    if not p.is_file() or p.suffix.lower() != ".json":
        return False
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("kind") == MEASURED_KIND


def load_measured(path: str | Path) -> MeasuredProfile:
    """Read and check a measured stream profile.

    Raises:
        TwinError: naming the file, the camera and the rule broken.
    """
    p = Path(path)
    try:
        doc: Any = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise TwinError(f"{p}: cannot be read as a measured stream profile: {e}") from None
    if not isinstance(doc, dict) or doc.get("kind") != MEASURED_KIND:
        raise TwinError(f"{p}: not a measured stream profile (kind must be {MEASURED_KIND!r})")
    if doc.get("version") != 1:
        raise TwinError(f"{p}: version {doc.get('version')!r} is not supported (1 is)")
    cams = doc.get("cameras")
    if not isinstance(cams, dict):
        raise TwinError(f"{p}: 'cameras' must be a mapping of camera id -> streams")
    out: dict[str, float] = {}
    for cid, streams in cams.items():
        where = f"{p}: camera {cid!r}"
        if not isinstance(streams, dict):
            raise TwinError(f"{where}: must be a mapping of stream name -> figures")
        main = streams.get("main")
        if main is None:
            continue  # only the sub stream measured: the recorded (main) stream keeps its planning figure
        kbps = main.get("bitrate_kbps") if isinstance(main, dict) else None
        if isinstance(kbps, bool) or not isinstance(kbps, int | float) or not math.isfinite(kbps) or kbps <= 0:
            raise TwinError(f"{where}: main bitrate_kbps must be a number > 0, got {kbps!r}")
        out[str(cid)] = float(kbps)
    base = doc.get("base_profile", "planning")
    if not isinstance(base, str):
        raise TwinError(f"{p}: base_profile must be a profile name, got {base!r}")
    return MeasuredProfile(str(p), out, base, float(doc.get("seconds") or 0.0))


def apply_measured(cameras: list[Camera], measured: MeasuredProfile) -> list[Camera]:
    """The cameras with the measured main bitrate where the profile has one (the others unchanged)."""
    return [
        dataclasses.replace(c, bitrate_kbps=measured.main_kbps[c.id]) if c.id in measured.main_kbps else c
        for c in cameras
    ]
