"""Cameras from feature properties and back: the city format's camera fields and their rules."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .._errors import CameraError, CityError, Problem
from .._props import PropError, integer, number, text
from ..geo import LocalFrame
from ..model import (
    Camera,
    PoseCorrection,
    PosePreset,
)
from ..profiles import RESOLUTIONS
from ._read import _clean, _expect, _fid, _Raw, _read_layer, _to_local

_OSM_CAMERA_TYPES = {"fixed": "fixed", "ptz": "ptz", "panning": "ptz", "dome": "dome"}


#: The file's name of a Camera field, where the two differ (a rule broken is reported in the file's words).
_PROPERTY_OF_FIELD = {
    "mount_height_m": "height (mount height)",
    "heading_deg": "camera:direction",
    "type": "camera:type",
}


def camera_from_properties(fid: str, x: float, y: float, p: dict[str, Any]) -> Camera:
    """A camera from its feature properties (see docs/city-format.md); raises PropError on a broken rule.

    This reads the properties (numbers, OSM's names, the resolution, masks, presets and correction as
    structures); the rules on the values are :class:`twin.Camera`'s own, checked when it is built and
    reported here with the property's name.
    """
    ctype_raw = text(p, "camera:type", "fixed").lower() or "fixed"
    ctype = _OSM_CAMERA_TYPES.get(ctype_raw)
    if ctype is None:
        raise PropError(f"camera:type must be one of {sorted(_OSM_CAMERA_TYPES)}, got {ctype_raw!r}")
    focal = number(p, "focal_mm")
    hfov = number(p, "hfov_deg")
    if hfov is None and focal is None:
        hfov = 90.0
    corr = p.get("pose_correction") or {}
    if not isinstance(corr, dict):
        raise PropError("pose_correction must be an object of heading_deg, tilt_deg, roll_deg, dx_m, dy_m, dz_m")
    try:
        correction = PoseCorrection(**{k: float(v) for k, v in corr.items()})
    except (TypeError, ValueError) as e:
        raise PropError(f"pose_correction is malformed: {e}") from None
    w, h = _resolution(p)
    try:
        return Camera(
            id=fid,
            x=x,
            y=y,
            mount_height_m=number(p, "height", 6.0),
            heading_deg=number(p, "camera:direction", 0.0) % 360.0,
            tilt_deg=number(p, "tilt_deg", 15.0),
            hfov_deg=hfov,
            focal_mm=focal,
            sensor_width_mm=number(p, "sensor_width_mm"),
            width_px=w,
            height_px=h,
            fps=number(p, "fps", 25.0),
            codec=text(p, "codec", "h264").lower() or "h264",
            bitrate_kbps=number(p, "bitrate_kbps"),
            type=ctype,
            status=text(p, "status", "existing").lower() or "existing",
            name=text(p, "name"),
            stream_main=p.get("stream_main") or None,
            stream_sub=p.get("stream_sub") or None,
            privacy_masks=_masks(p.get("privacy_masks")),
            presets=_presets(p.get("presets")),
            k1=number(p, "k1", 0.0),
            k2=number(p, "k2", 0.0),
            correction=correction,
            cost=number(p, "cost", 1.0),
            ir_range_m=number(p, "ir_range_m"),
        )
    except CameraError as e:
        raise PropError(f"{_PROPERTY_OF_FIELD.get(e.field, e.field)} {e.rule}") from None


def _resolution(p: dict[str, Any]) -> tuple[int, int]:
    r = p.get("resolution")
    if r is not None:
        s = str(r).strip()
        if s in RESOLUTIONS:
            return RESOLUTIONS[s]
        parts = s.lower().split("x")
        if len(parts) == 2 and all(q.strip().isdigit() for q in parts):
            w, h = int(parts[0]), int(parts[1])
            if w > 0 and h > 0:
                return w, h
        raise PropError(f"resolution must be WIDTHxHEIGHT (e.g. 1920x1080) or one of {list(RESOLUTIONS)}, got {r!r}")
    w = integer(p, "width_px", 1920)
    h = integer(p, "height_px", 1080)
    if w <= 0 or h <= 0:
        raise PropError(f"width_px and height_px must be > 0, got {w}x{h}")
    return w, h


def _masks(v: Any) -> list[list[tuple[float, float]]]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise PropError("privacy_masks must be a list of polygons, each a list of [u, v] pixel points")
    out = []
    for k, poly in enumerate(v):
        try:
            pts = [(float(a), float(b)) for a, b in poly]
        except (TypeError, ValueError):
            raise PropError(f"privacy_masks[{k}] must be a list of [u, v] pixel points") from None
        out.append(pts)
    return out


def _presets(v: Any) -> list[PosePreset]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise PropError("presets must be a list of {heading_deg, tilt_deg, dwell_s, hfov_deg?}")
    out = []
    for k, d in enumerate(v):
        if not isinstance(d, dict):
            raise PropError(f"presets[{k}] must be an object")
        try:
            pr = PosePreset(
                heading_deg=float(d["heading_deg"]) % 360.0,
                tilt_deg=float(d.get("tilt_deg", 15.0)),
                dwell_s=float(d.get("dwell_s", 30.0)),
                hfov_deg=None if d.get("hfov_deg") is None else float(d["hfov_deg"]),
                name=str(d.get("name", "")),
            )
        except (KeyError, TypeError, ValueError):
            raise PropError(f"presets[{k}] needs a numeric heading_deg (and numeric tilt_deg, dwell_s)") from None
        out.append(pr)
    return out


def _cameras(raws: list[_Raw], label: str, problems: list[Problem]) -> list[Camera]:
    out = []
    seen: dict[str, int] = {}
    for r in raws:
        fid = _fid(r.props)
        if not _expect(r, label, ("Point",), problems):
            continue
        if fid is None or not fid.strip():
            problems.append(Problem(label, "camera has no id (property 'id' is required)", r.index))
            continue
        if fid in seen:
            problems.append(Problem(label, f"duplicate camera id {fid!r} (first at feature {seen[fid]})", r.index, fid))
            continue
        seen[fid] = r.index
        try:
            out.append(camera_from_properties(fid, float(r.geometry.x), float(r.geometry.y), r.props))
        except PropError as e:
            problems.append(Problem(label, str(e), r.index, fid))
    return out




def load_cameras(path: str | os.PathLike[str], frame: LocalFrame) -> list[Camera]:
    """Cameras of one cameras layer file (GeoJSON or any GDAL format) in a city's local ``frame``.

    For a plan or a list of sites made outside the city folder (a planner's ``plan.geojson``).

    Raises:
        CityError: listing every broken camera (file, feature index and id, rule).
    """
    p = Path(path)
    if not p.is_file():
        raise CityError(Problem(str(p), "does not exist (expected a cameras layer, e.g. a GeoJSON file)"))
    raws, crs = _read_layer(p, None, p.name)
    _to_local(raws, crs, frame)
    problems: list[Problem] = []
    cams = _cameras(raws, p.name, problems)
    if problems:
        raise CityError(problems)
    return cams


def camera_properties(c: Camera) -> dict[str, Any]:
    """A camera's feature properties, as :func:`camera_from_properties` reads them back."""
    corr = None if c.correction.is_zero() else asdict(c.correction)
    return _clean(
        {
            "id": c.id,
            "name": c.name,
            "status": c.status,
            "camera:type": c.type,
            "camera:direction": c.heading_deg,
            "height": c.mount_height_m,
            "tilt_deg": c.tilt_deg,
            "hfov_deg": c.hfov_deg,
            "focal_mm": c.focal_mm,
            "sensor_width_mm": c.sensor_width_mm,
            "resolution": f"{c.width_px}x{c.height_px}",
            "fps": c.fps,
            "codec": c.codec,
            "bitrate_kbps": c.bitrate_kbps,
            "stream_main": c.stream_main,
            "stream_sub": c.stream_sub,
            "privacy_masks": [[list(p) for p in m] for m in c.privacy_masks],
            "presets": [_clean(asdict(p)) for p in c.presets],
            "k1": c.k1 or None,
            "k2": c.k2 or None,
            "pose_correction": corr,
            "cost": None if c.cost == 1.0 else c.cost,
            "ir_range_m": c.ir_range_m,
        }
    )


