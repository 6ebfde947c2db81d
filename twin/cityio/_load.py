"""Loading a city: its layers and ``city.yaml``, validated together into one :class:`~twin.Twin`."""

from __future__ import annotations

import math
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from .._errors import CityError, Problem
from ..geo import LocalFrame
from ..model import (
    CommandCenter,
    Operators,
    ServerRoom,
    Standards,
    Twin,
    data_bounds,
)
from ..roads import build_road_graph
from ._cameras import _cameras
from ._layers import _buildings, _roads, _stations, _zones
from ._read import CAMERA_MARGIN_M, LAYERS, _find_layers, _Raw, _read_layer, _to_local, _wgs84_bounds


# ---------------------------------------------------------------------------------------------
# city.yaml
# ---------------------------------------------------------------------------------------------
def _read_settings(path: Path) -> dict[str, Any]:
    p = path / "city.yaml" if path.is_dir() else path.with_name("city.yaml")
    if not p.exists():
        return {}
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise CityError(Problem("city.yaml", f"is not valid YAML: {e}")) from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise CityError(Problem("city.yaml", "must be a mapping of settings (name, origin, command_center, ...)"))
    return doc


def _section(doc: dict[str, Any], key: str, cls: type, problems: list[Problem]) -> Any:
    d = doc.get(key) or {}
    if not isinstance(d, dict):
        problems.append(Problem("city.yaml", f"{key} must be a mapping"))
        return cls()
    names = set(cls.__dataclass_fields__)
    unknown = set(d) - names
    if unknown:
        problems.append(Problem("city.yaml", f"{key}: unknown setting(s) {sorted(unknown)}; known: {sorted(names)}"))
        return cls()
    try:
        obj = cls(**d)
    except TypeError as e:
        problems.append(Problem("city.yaml", f"{key}: {e}"))
        return cls()
    for f, v in asdict(obj).items():
        if isinstance(v, int | float) and not isinstance(v, bool) and v < 0:
            problems.append(Problem("city.yaml", f"{key}.{f} must be >= 0, got {v}"))
    return obj


# ---------------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------------
def load(path: str | os.PathLike[str]) -> Twin:
    """Load and validate a city: a folder of layers (+ city.yaml) or one GeoPackage with named layers.

    Raises:
        CityError: listing every problem found (file, feature index and id, rule).
    """
    path = Path(path)
    if not path.exists():
        raise CityError(Problem(str(path), "does not exist"))
    settings = _read_settings(path)
    found = _find_layers(path)
    if not found:
        raise CityError(
            Problem(str(path), f"holds no city layer: expected one of {', '.join(f'{n}.geojson' for n in LAYERS)}")
        )
    raw_layers = {layer: _read_layer(*found[layer]) for layer in LAYERS if layer in found}
    labels = {layer: found[layer][2] for layer in found}

    problems: list[Problem] = []
    origin = settings.get("origin")
    if origin is not None:
        try:
            frame = LocalFrame(float(origin["lon"]), float(origin["lat"]))
        except (KeyError, TypeError, ValueError) as e:
            raise CityError(Problem("city.yaml", f"origin must be {{lon: DEG, lat: DEG}} in WGS84: {e}")) from None
    else:
        b = _wgs84_bounds(raw_layers)
        if b is None:
            raise CityError(Problem(str(path), "no layer holds a geometry, so the city has no place on Earth"))
        frame = LocalFrame((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
    for raws, crs in raw_layers.values():
        _to_local(raws, crs, frame)

    def get(layer: str) -> list[_Raw]:
        return raw_layers[layer][0] if layer in raw_layers else []

    buildings = _buildings(get("buildings"), labels.get("buildings", ""), problems)
    road_feats = _roads(get("roads"), labels.get("roads", ""), problems)
    cameras = _cameras(get("cameras"), labels.get("cameras", ""), problems)
    stations = _stations(get("fire_stations"), labels.get("fire_stations", ""), problems)
    zones = _zones(get("zones"), labels.get("zones", ""), problems)

    cc_doc = settings.get("command_center") or {}
    cc_problems: list[Problem] = []
    server_room = _section(cc_doc, "server_room", ServerRoom, cc_problems) if isinstance(cc_doc, dict) else ServerRoom()
    operators = _section(cc_doc, "operators", Operators, cc_problems) if isinstance(cc_doc, dict) else Operators()
    standards = _section(settings, "standards", Standards, cc_problems)
    problems += cc_problems

    twin = Twin(
        frame=frame,
        name=str(settings.get("name", path.stem)),
        buildings=buildings,
        roads=build_road_graph(road_feats),
        cameras=cameras,
        fire_stations=stations,
        zones=zones,
        standards=standards,
        source=str(path),
    )
    ext = settings.get("extent")
    if ext is not None:
        try:
            lon0, lat0, lon1, lat1 = (float(v) for v in ext)
            x0, y0 = frame.to_local(lon0, lat0)
            x1, y1 = frame.to_local(lon1, lat1)
            twin.extent = (float(x0), float(y0), float(x1), float(y1))
        except (TypeError, ValueError):
            problems.append(Problem("city.yaml", "extent must be [lon_min, lat_min, lon_max, lat_max]"))
    if isinstance(cc_doc, dict) and "lon" in cc_doc and "lat" in cc_doc:
        cx, cy = frame.to_local(float(cc_doc["lon"]), float(cc_doc["lat"]))
    else:
        b = twin.bounds()
        cx, cy = (b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0
    twin.command_center = CommandCenter(
        float(cx),
        float(cy),
        str(cc_doc.get("name", "Command Center")) if isinstance(cc_doc, dict) else "Command Center",
        server_room,
        operators,
    )
    problems += _check_cameras_inside(twin, labels.get("cameras", ""), get("cameras"))
    if problems:
        raise CityError(problems)
    return twin


def _check_cameras_inside(twin: Twin, label: str, raws: list[_Raw]) -> list[Problem]:
    if not twin.cameras:
        return []
    has_extent = twin.extent is not None
    xmin, ymin, xmax, ymax = twin.extent if has_extent else data_bounds(twin)
    if not has_extent and xmin == xmax == ymin == ymax == 0.0:
        return []  # a city of cameras only: nothing to be outside of
    m = 0.0 if has_extent else CAMERA_MARGIN_M
    index = {str(r.props.get("id")): r.index for r in raws}
    out = []
    for c in twin.cameras:
        if not (xmin - m <= c.x <= xmax + m and ymin - m <= c.y <= ymax + m):
            dx = max(xmin - c.x, c.x - xmax, 0.0)
            dy = max(ymin - c.y, c.y - ymax, 0.0)
            out.append(
                Problem(
                    label,
                    f"camera is outside the city: {math.hypot(dx, dy):.0f} m beyond its extent "
                    f"(buildings, roads and zones, plus {m:g} m)",
                    index.get(c.id),
                    c.id,
                )
            )
    return out


