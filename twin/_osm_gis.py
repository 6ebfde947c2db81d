"""Reading buildings, roads, cameras and fire stations from a GIS file (GeoPackage, Shapefile, ...).

Every layer is read with pyogrio and sorted by what its geometries are and which fields it has
(field names match case-insensitively; the first alias present wins):

============================  ================================================================
layer                         becomes
============================  ================================================================
polygons                      buildings (rows whose ``building`` field is empty or ``no`` are
                              not buildings, when the layer has that field); rows with
                              ``amenity=fire_station`` also become fire stations
lines with ``highway``        roads (``fclass``, Geofabrik's name for the class, also works);
                              non-drivable classes are counted and left out
points                        cameras where ``man_made=surveillance``, fire stations where
                              ``amenity=fire_station``; other points are counted and left out
============================  ================================================================

Building height fields: ``height`` / ``height_m`` / ``building:height``; levels:
``building:levels`` / ``building_levels`` / ``building_l`` (a Shapefile's 10-character cut) /
``levels`` / ``floors`` / ``storeys``. Roads: ``maxspeed``; ``oneway`` as OSM writes it or as
Geofabrik does (``F`` forward, ``T`` against the line, ``B`` both ways); ``name``. Ids come from
``id`` / ``osm_id`` / ``fid``, prefixed with the layer name, else the row number.
"""

from __future__ import annotations

__all__ = ["GIS_SUFFIXES", "read_gis"]

import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from ._errors import TwinError
from ._osm_raw import RawData, RawFeature
from .profiles import DRIVABLE_CLASSES

GIS_SUFFIXES = (".gpkg", ".shp", ".fgb", ".gml", ".kml", ".sqlite", ".geojson", ".json")

#: OSM tag -> the field names a GIS layer may use for it (case-insensitive, first present wins).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "osm_id", "fid"),
    "name": ("name",),
    "building": ("building",),
    "height": ("height", "height_m", "building:height"),
    "building:levels": ("building:levels", "building_levels", "building_l", "levels", "floors", "storeys"),
    "highway": ("highway", "fclass"),
    "maxspeed": ("maxspeed", "max_speed"),
    "oneway": ("oneway",),
    "man_made": ("man_made",),
    "amenity": ("amenity",),
    "surveillance": ("surveillance",),
    "surveillance:type": ("surveillance:type", "surveillance_type", "surveillan"),
    "camera:type": ("camera:type", "camera_type"),
    "camera:direction": ("camera:direction", "camera_direction", "camera_dir"),
    "direction": ("direction",),
}
#: Geofabrik's ``oneway`` codes in OSM's words.
_GEOFABRIK_ONEWAY = {"F": "yes", "T": "-1", "B": "no"}
_POLY = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
_LINE = (shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING)
_POINT = (shapely.GeometryType.POINT, shapely.GeometryType.MULTIPOINT)


def _value(v: Any) -> str | None:
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float) and v == int(v):
        v = int(v)
    s = str(v).strip()
    return s or None


def read_gis(path: Path) -> RawData:
    """Read every layer of a GIS file into OSM-tagged features in WGS84."""
    import pyogrio
    import pyogrio.raw

    name = path.name
    raw = RawData(format=path.suffix.lower().lstrip("."))
    try:
        layers = [(str(n), str(t)) for n, t in pyogrio.list_layers(path)]
    except Exception as e:  # pyogrio raises DataSourceError and GDAL's own errors
        raise TwinError(f"{name}: cannot be read by GDAL: {e}") from None
    raw.notes["layers"] = {}
    for layer, _gtype in layers:
        label = f"{name}:{layer}" if len(layers) > 1 else name
        try:
            meta, _fids, geoms, field_data = pyogrio.raw.read(path, layer=layer)
        except Exception as e:
            raise TwinError(f"{label}: cannot be read by GDAL: {e}") from None
        crs_text = meta.get("crs")
        if not crs_text:
            raise TwinError(f"{label}: has no CRS (a Shapefile needs its .prj): add one, e.g. EPSG:4326")
        try:
            crs = CRS.from_user_input(crs_text)
        except CRSError:
            raise TwinError(f"{label}: unknown CRS {crs_text!r}") from None
        shp = shapely.from_wkb(geoms)
        if not crs.equals(CRS.from_epsg(4326)):
            tr = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
            shp = shapely.transform(shp, lambda xy, tr=tr: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
        fields = {str(f).lower(): col for f, col in zip(meta["fields"], field_data, strict=True)}
        cols = {tag: next((fields[a] for a in aliases if a in fields), None) for tag, aliases in FIELD_ALIASES.items()}
        raw.notes["layers"][layer] = _layer(raw, layer, shp, cols)
    return raw


def _layer(raw: RawData, layer: str, shp: np.ndarray, cols: dict[str, Any]) -> str:
    """Turn one layer's rows into features; returns what the layer became (for the report)."""
    types = shapely.get_type_id(shp)
    present = types[types >= 0]
    if not len(present):
        raw.tally("gis_layers_skipped", f"{layer}: no geometry")
        return "skipped: no geometry"
    n = len(shp)

    def tags(i: int) -> dict[str, str]:
        out = {}
        for tag, col in cols.items():
            if col is not None and tag != "id":
                v = _value(col[i])
                if v is not None:
                    out[tag] = v
        return out

    def fid(i: int) -> str:
        col = cols["id"]
        v = None if col is None else _value(col[i])
        return f"{layer}-{v if v is not None else i}"

    kinds = {int(t) for t in present}
    became = []
    if kinds & {int(t) for t in _POLY}:
        has_building = cols["building"] is not None
        for i in range(n):
            if int(types[i]) not in _POLY:
                continue
            t = tags(i)
            if t.get("amenity") == "fire_station":
                raw.fire_stations.append(RawFeature(fid(i), shp[i].representative_point(), t))
            if has_building and t.get("building", "no") == "no":
                if t.get("amenity") != "fire_station":
                    raw.skip("buildings", "polygon is not a building (building field empty or 'no')", fid(i))
                continue
            t.setdefault("building", "yes")
            if shp[i].is_empty:
                raw.skip("buildings", "polygon is empty", fid(i))
                continue
            raw.buildings.append(RawFeature(fid(i), shp[i], t))
        became.append("buildings")
    if kinds & {int(t) for t in _LINE}:
        if cols["highway"] is None:
            raw.tally("gis_layers_skipped", f"{layer}: lines without a highway (or fclass) field")
        else:
            for i in range(n):
                if int(types[i]) not in _LINE:
                    continue
                t = tags(i)
                hw = t.get("highway")
                if hw is None:
                    raw.skip("roads", "line has no highway class", fid(i))
                    continue
                if hw not in DRIVABLE_CLASSES:
                    raw.tally("non_drivable_highway", hw)
                    continue
                ow = t.get("oneway")
                if ow in _GEOFABRIK_ONEWAY:
                    t["oneway"] = _GEOFABRIK_ONEWAY[ow]
                g = shp[i]
                parts = list(g.geoms) if g.geom_type == "MultiLineString" else [g]
                parts = [p for p in parts if not p.is_empty and len(p.coords) >= 2]
                if not parts:
                    raw.skip("roads", "line has fewer than 2 points", fid(i))
                for k, p in enumerate(parts):
                    raw.roads.append(RawFeature(fid(i) if len(parts) == 1 else f"{fid(i)}.{k}", p, t))
            became.append("roads")
    if kinds & {int(t) for t in _POINT}:
        used = 0
        for i in range(n):
            if int(types[i]) not in _POINT:
                continue
            t = tags(i)
            g = shp[i]
            pt = g if g.geom_type == "Point" else g.centroid
            if t.get("man_made") == "surveillance":
                raw.cameras.append(RawFeature(fid(i), pt, t))
                used += 1
            if t.get("amenity") == "fire_station":
                raw.fire_stations.append(RawFeature(fid(i), pt, t))
                used += 1
            if t.get("man_made") != "surveillance" and t.get("amenity") != "fire_station":
                raw.tally("gis_points_skipped", f"{layer}: neither man_made=surveillance nor amenity=fire_station")
        became.append("cameras/fire stations" if used else "points (none used)")
    return ", ".join(became)
