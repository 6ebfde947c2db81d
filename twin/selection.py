"""Which cameras a command means: ``none | existing | planned | all | FILE``, decided here and nowhere else.

The rule, written once (every command and the 3D view call :func:`select_cameras`):

=============  =========================================================================================
``none``       no cameras
``existing``   the cameras in service (status ``existing``)
``planned``    the cameras the city has planned (status ``planned``), without the existing ones
``all``        existing and planned together. Candidate sites (status ``candidate``) are places a
               camera could go, not cameras, and are never selected by a word
FILE           a cameras layer (``.geojson``, ``.gpkg``, ``.shp``, ``.fgb``, or ``.json`` holding a
               GeoJSON object; e.g. the ``plan.geojson``
               that ``showroom plan`` writes): ``all`` plus the file's cameras, a file camera replacing
               the city's camera of the same id (so a file can re-aim or re-lens a camera); a GeoJSON
               feature whose ``edit`` property is ``delete`` (a plan saved by a planning session,
               :class:`sim.planning.PlanSession`) removes the camera of its id instead
FILE           any other file: camera ids, one a line (``#`` comments, anything after a comma
               ignored) or a JSON list: exactly those cameras of the city, in the file's order
=============  =========================================================================================

The result never holds two cameras with one id: where ids repeat, the later camera replaces the
earlier one in its place.
"""

from __future__ import annotations

__all__ = ["CAMERA_SPECS", "LAYER_SUFFIXES", "dedupe_cameras", "deleted_ids", "select_cameras"]

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._errors import TwinError

if TYPE_CHECKING:
    from .model import Camera, Twin

#: The words a camera selection may be (besides a file).
CAMERA_SPECS = ("none", "existing", "planned", "all")
#: File suffixes read as a cameras layer (anything else is a list of camera ids).
LAYER_SUFFIXES = (".geojson", ".json.geojson", ".gpkg", ".shp", ".fgb")

_HOW = "a camera selection is none, existing, planned, all, a cameras layer (e.g. plan.geojson) or a file of camera ids"


def dedupe_cameras(cameras: Sequence[Camera]) -> list[Camera]:
    """The cameras with one per id: a later camera with an id already seen replaces the earlier in its place."""
    slot: dict[str, int] = {}
    out: list[Camera] = []
    for c in cameras:
        k = slot.get(c.id)
        if k is None:
            slot[c.id] = len(out)
            out.append(c)
        else:
            out[k] = c
    return out


def _is_geojson(p: Path) -> bool:
    """A ``.json`` file that holds an object (a FeatureCollection) rather than a list of ids."""
    if p.suffix.lower() != ".json":
        return False
    with open(p, "rb") as fh:
        return fh.read(4096).lstrip().startswith(b"{")


def deleted_ids(path: str | os.PathLike[str]) -> set[str]:
    """Ids of the features of a GeoJSON cameras layer marked ``"edit": "delete"`` (cameras a plan removes).

    Other formats carry no deletions (an empty set).
    """
    p = Path(path)
    if not (p.name.lower().endswith((".geojson", ".json")) and _is_geojson_text(p)):
        return set()
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return set()  # the layer reader has already said what is wrong with the file
    feats = doc.get("features", []) if isinstance(doc, dict) else []
    return {str(f["properties"]["id"]) for f in feats if isinstance(f, dict)
            and isinstance(f.get("properties"), dict) and f["properties"].get("edit") == "delete"
            and f["properties"].get("id") is not None}


def _is_geojson_text(p: Path) -> bool:
    with open(p, "rb") as fh:
        return fh.read(4096).lstrip().startswith(b"{")


def _read_ids(p: Path) -> list[str]:
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise TwinError(f"{p}: a file of camera ids must be UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise TwinError(f"{p}: cannot be read: {e.strerror}") from None
    if text.lstrip().startswith("["):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise TwinError(f"{p}: is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
        bad = [x for x in doc if not isinstance(x, str | int) or isinstance(x, bool)]
        if bad:
            raise TwinError(f"{p}: a JSON list of camera ids holds strings, got {bad[0]!r}")
        ids = [str(x) for x in doc]
    else:
        ids = [ln.split(",")[0].strip() for ln in text.splitlines()]
        ids = [i for i in ids if i and not i.startswith("#")]
    if not ids:
        raise TwinError(f"{p}: holds no camera ids (one a line, or a JSON list)")
    return ids


def select_cameras(twin: Twin, spec: str | os.PathLike[str] | Sequence[Camera]) -> list[Camera]:
    """The cameras ``spec`` means for this city (see the module docstring for the rule).

    Args:
        twin: the city.
        spec: ``"none"``, ``"existing"``, ``"planned"``, ``"all"``, a path to a cameras layer or
            to a file of camera ids, or a list of cameras (returned de-duplicated).

    Raises:
        TwinError: a word that is none of these and no file; a file of ids naming cameras the city
            lacks, or holding none; a cameras layer that breaks a rule (``CityError``, naming the
            file, the feature and the rule).
    """
    if not isinstance(spec, str | os.PathLike):
        return dedupe_cameras(list(spec))
    if isinstance(spec, str):
        word = spec.strip().lower()
        if word == "none":
            return []
        if word == "existing":
            return dedupe_cameras(twin.cameras_by_status("existing"))
        if word == "planned":
            return dedupe_cameras(twin.cameras_by_status("planned"))
        if word == "all":
            return dedupe_cameras(twin.cameras_by_status("existing", "planned"))
    p = Path(spec)
    if not p.is_file():
        what = "is a directory, not a file" if p.is_dir() else "is no such file"
        raise TwinError(f"cameras {str(spec)!r} {what}: {_HOW}")
    if p.name.lower().endswith(LAYER_SUFFIXES) or _is_geojson(p):
        from .cityio import load_cameras

        extra = load_cameras(p, twin.frame)
        gone = deleted_ids(p)
        return [c for c in dedupe_cameras(twin.cameras_by_status("existing", "planned") + extra) if c.id not in gone]
    ids = _read_ids(p)
    known = {c.id: c for c in twin.cameras}
    missing = [i for i in ids if i not in known]
    if missing:
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise TwinError(f"{p}: camera ids not in the city {twin.name!r}: {missing[:10]}{more}")
    return dedupe_cameras([known[i] for i in ids])
