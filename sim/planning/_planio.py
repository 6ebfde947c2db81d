"""A planning session's plan as a cameras GeoJSON: every camera of the plan, and the city's cameras it removed.

Each feature carries the camera's properties (:func:`twin.cityio.camera_properties`, so every
``--cameras FILE`` reads it) and who changed what: ``edited_by``, ``edit`` (the last edit:
``place``, ``move``, ``aim``, ``lens``, ``fill``, ``lock``, ..., or ``delete``), ``edited_at`` (the
session's edit sequence number: deterministic, no clock) and ``edits`` (how many edits touched it),
plus ``locked``. A city camera the plan deleted is written with ``"edit": "delete"``, which
:func:`twin.select_cameras` reads as a removal. Unedited cameras carry no edit properties.
"""

from __future__ import annotations

__all__ = ["read_marks", "snap_xy", "write_plan"]

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely

from twin.cityio import COORD_DECIMALS, camera_properties, feature_collection, write_geojson

if TYPE_CHECKING:
    import os

    from twin import LocalFrame


def snap_xy(frame: LocalFrame, x_m: float, y_m: float) -> tuple[float, float]:
    """The local position a saved plan reads back for (x, y): the file's WGS84 grid, back in metres.

    A session keeps its cameras on that grid, so a saved plan's coverage is the session's cell for cell.
    """
    lon, lat = frame.to_wgs84(x_m, y_m)
    x, y = frame.to_local(round(float(lon), COORD_DECIMALS), round(float(lat), COORD_DECIMALS))
    return float(x), float(y)


def write_plan(session: Any, path: str | os.PathLike[str]) -> None:
    """Write a :class:`~sim.planning.PlanSession`'s plan to ``path`` (see the module docstring)."""
    last: dict[str, Any] = {}
    edits: dict[str, int] = {}
    for r in session.history:
        last[r.camera_id] = r
        edits[r.camera_id] = edits.get(r.camera_id, 0) + 1
    feats = []
    for c in session.cameras:
        props = camera_properties(c)
        if c.id in last:
            r = last[c.id]
            props.update(edited_by=r.by, edit=r.edit, edited_at=r.seq, edits=edits[c.id])
        if session.is_locked(c.id):
            props["locked"] = True
        feats.append((shapely.Point(c.x, c.y), props))
    # the city's cameras a plain selection would add back: written as removals
    import twin

    present = {c.id for c in session.cameras}
    for c in twin.select_cameras(session.city, "all"):
        if c.id not in present:
            r = last.get(c.id)
            props = camera_properties(c)
            props.update(edit="delete", edited_by=r.by if r else "planner", edited_at=r.seq if r else 0,
                         edits=edits.get(c.id, 0))
            feats.append((shapely.Point(c.x, c.y), props))
    doc = feature_collection(feats, session.city.frame)
    doc["name"] = "plan"
    write_geojson(Path(path), doc)


def read_marks(path: str | os.PathLike[str]) -> dict[str, set[str]]:
    """The session marks of a saved plan: ``{"locked": ids}`` (empty for any other cameras layer)."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {"locked": set()}
    feats = doc.get("features", []) if isinstance(doc, dict) else []
    locked = {str(f["properties"]["id"]) for f in feats if isinstance(f, dict) and isinstance(f.get("properties"), dict)
              and f["properties"].get("locked") is True and f["properties"].get("id") is not None}
    return {"locked": locked}
