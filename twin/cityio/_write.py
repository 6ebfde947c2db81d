"""Writing a city folder (GeoJSON layers + ``city.yaml``) and JSON reports."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.geometry
import yaml

from ..geo import LocalFrame
from ..model import (
    Twin,
)
from ._cameras import camera_properties
from ._read import _COORD_DECIMALS, _clean


# ---------------------------------------------------------------------------------------------
# save
# ---------------------------------------------------------------------------------------------
def _ring_coords(coords: Any, frame: LocalFrame) -> list[list[float]]:
    a = np.asarray(coords)[:, :2]
    lon, lat = frame.to_wgs84(a[:, 0], a[:, 1])
    return np.round(np.column_stack([lon, lat]), _COORD_DECIMALS).tolist()


def _geom_json(g: Any, frame: LocalFrame) -> dict[str, Any]:
    t = g.geom_type
    if t == "Point":
        lon, lat = frame.to_wgs84(g.x, g.y)
        return {
            "type": "Point",
            "coordinates": [round(float(lon), _COORD_DECIMALS), round(float(lat), _COORD_DECIMALS)],
        }
    if t == "LineString":
        return {"type": "LineString", "coordinates": _ring_coords(g.coords, frame)}
    if t == "Polygon":
        rings = [g.exterior, *g.interiors]
        return {"type": "Polygon", "coordinates": [_ring_coords(r.coords, frame) for r in rings]}
    if t == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [[_ring_coords(r.coords, frame) for r in (p.exterior, *p.interiors)] for p in g.geoms],
        }
    raise ValueError(f"cannot write geometry {t}")


def feature_collection(features: list[tuple[Any, dict[str, Any]]], frame: LocalFrame) -> dict[str, Any]:
    """A GeoJSON FeatureCollection in WGS84 of (local-frame shapely geometry, properties) pairs."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": _geom_json(g, frame)} for g, props in features
        ],
    }




def json_safe(o: Any) -> Any:
    """A document JSON can hold: numpy scalars as plain numbers, NaN and infinities as null."""
    if isinstance(o, dict):
        return {str(k): json_safe(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [json_safe(v) for v in o]
    if isinstance(o, np.generic):
        o = o.item()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


def write_json(path: str | os.PathLike[str], doc: dict[str, Any]) -> None:
    """Write a report's JSON (indented, UTF-8) atomically: a reader never sees half a file."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_geojson(path: Path, doc: dict[str, Any]) -> None:
    """Write a GeoJSON document compactly and atomically (never a half-written layer)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # never leave a half-written layer behind


def save(twin: Twin, path: str | os.PathLike[str]) -> None:
    """Write a city folder (GeoJSON layers in WGS84 + city.yaml) that :func:`load` reads back exactly."""
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    f = twin.frame
    write_geojson(
        out / "buildings.geojson",
        feature_collection(
            [
                (
                    b.footprint,
                    _clean(
                        {
                            "id": b.id,
                            "building": b.use,
                            "height": round(b.height_m, 3),
                            "building:levels": b.levels,
                            "name": b.name,
                        }
                    ),
                )
                for b in twin.buildings
            ],
            f,
        ),
    )
    roads = []
    if twin.roads is not None:
        done: set[str] = set()
        for _, _, d in twin.roads.edges(data=True):
            if d["road_id"] in done:
                continue
            done.add(d["road_id"])
            roads.append(
                (
                    d["geometry"],
                    _clean(
                        {
                            "id": d["road_id"],
                            "highway": d["highway"],
                            "maxspeed": round(d["speed_kph"], 3),
                            "oneway": "yes" if d["oneway"] else None,
                            "name": d["name"],
                        }
                    ),
                )
            )
    write_geojson(out / "roads.geojson", feature_collection(roads, f))
    cams = [(shapely.Point(c.x, c.y), camera_properties(c)) for c in twin.cameras]
    write_geojson(out / "cameras.geojson", feature_collection(cams, f))
    write_geojson(
        out / "fire_stations.geojson",
        feature_collection(
            [
                (
                    shapely.Point(s.x, s.y),
                    _clean({"id": s.id, "name": s.name, "trucks": s.trucks, "turnout_s": s.turnout_s}),
                )
                for s in twin.fire_stations
            ],
            f,
        ),
    )
    write_geojson(
        out / "zones.geojson",
        feature_collection(
            [
                (
                    z.polygon,
                    _clean(
                        {
                            "id": z.id,
                            "name": z.name,
                            "landuse": z.landuse,
                            "priority": z.priority,
                            "fire_rate_per_year": z.fire_rate_per_year,
                        }
                    ),
                )
                for z in twin.zones
            ],
            f,
        ),
    )
    cc = twin.command_center
    lon, lat = f.to_wgs84(cc.x, cc.y)
    settings: dict[str, Any] = {
        "name": twin.name,
        "origin": {"lon": f.origin_lon, "lat": f.origin_lat},
        "command_center": {
            "name": cc.name,
            "lon": round(float(lon), _COORD_DECIMALS),
            "lat": round(float(lat), _COORD_DECIMALS),
            "server_room": asdict(cc.server_room),
            "operators": asdict(cc.operators),
        },
        "standards": asdict(twin.standards),
    }
    if twin.extent is not None:
        lo = f.to_wgs84(twin.extent[0], twin.extent[1])
        hi = f.to_wgs84(twin.extent[2], twin.extent[3])
        settings["extent"] = [round(float(v), _COORD_DECIMALS) for v in (*lo, *hi)]
    tmp = out / "city.yaml.tmp"
    tmp.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
    os.replace(tmp, out / "city.yaml")
