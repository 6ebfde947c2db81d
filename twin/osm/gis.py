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
``id`` / ``osm_id`` / ``osm_way_id`` / ``fid`` (the first one set), prefixed with the layer name,
else the row number. A GeoPackage made from an OSM extract by GDAL (``ogr2ogr city.gpkg
city.osm.pbf``) keeps most tags in an ``other_tags`` field (``"height"=>"12","building:levels"=>"3"``):
those are read too, so it imports like the extract itself (less the ``type=surveillance`` relations).
Cameras and fire stations mapped as lines or polygons stand at a representative point.
"""

from __future__ import annotations

__all__ = ["GIS_SUFFIXES", "read_gis"]

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from twin._errors import TwinError
from twin.osm.raw import RawData, RawFeature
from twin.profiles import DRIVABLE_CLASSES

GIS_SUFFIXES = (".gpkg", ".shp", ".fgb", ".gml", ".kml", ".sqlite", ".geojson", ".json")

#: OSM tag -> the field names a GIS layer may use for it (case-insensitive, first present wins).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "osm_id", "osm_way_id", "fid"),
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


_HSTORE_RE = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')


def _unescape(s: str) -> str:
    return s.replace('\\"', '"').replace("\\\\", "\\")


def parse_other_tags(text: str) -> dict[str, str]:
    """GDAL's OSM ``other_tags`` (hstore text ``"k"=>"v","k2"=>"v2"``) as a dict."""
    return {_unescape(k): _unescape(v) for k, v in _HSTORE_RE.findall(text)}


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
        layers = [str(n) for n, _t in pyogrio.list_layers(path)]
    except Exception as e:  # pyogrio raises DataSourceError and GDAL's own errors
        raise TwinError(f"{name}: cannot be read by GDAL: {e}") from None
    raw.notes["layers"] = {}
    for layer in layers:
        label = f"{name}:{layer}" if len(layers) > 1 else name
        try:
            meta, _fids, geoms, field_data = pyogrio.raw.read(path, layer=layer)
        except Exception as e:
            raise TwinError(f"{label}: cannot be read by GDAL: {e}") from None
        if not len(geoms):
            raw.notes["layers"][layer] = "empty"
            continue
        crs_text = meta.get("crs")
        if not crs_text:
            raise TwinError(f"{label}: has no CRS (a Shapefile needs its .prj): add one, e.g. EPSG:4326")
        try:
            crs = CRS.from_user_input(crs_text)
        except CRSError:
            raise TwinError(f"{label}: unknown CRS {crs_text!r}") from None
        # a ring of fewer than 4 points (GDAL writes them from broken OSM areas) reads as None
        shp = shapely.from_wkb(geoms, on_invalid="ignore")
        malformed = np.array([a is not None and b is None for a, b in zip(geoms, shp, strict=True)], dtype=bool)
        if not crs.equals(CRS.from_epsg(4326)):
            tr = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
            shp = shapely.transform(shp, lambda xy, tr=tr: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
        fields = {str(f).lower(): col for f, col in zip(meta["fields"], field_data, strict=True)}
        raw.notes["layers"][layer] = _layer(raw, layer, shp, fields, malformed)
    return raw


class _Rows:
    """Per-row OSM tags of a layer: mapped fields first, then GDAL's ``other_tags``."""

    def __init__(self, layer: str, fields: dict[str, Any]):
        self.layer = layer
        self.cols = {tag: [fields[a] for a in aliases if a in fields] for tag, aliases in FIELD_ALIASES.items()}
        self.other = fields.get("other_tags")
        self.has = {tag for tag, cols in self.cols.items() if cols}

    def tags(self, i: int) -> dict[str, str]:
        out = parse_other_tags(str(self.other[i])) if self.other is not None and self.other[i] else {}
        for tag, cols in self.cols.items():
            if tag == "id":
                continue
            for col in cols:
                v = _value(col[i])
                if v is not None:
                    out[tag] = v
                    break
        return out

    def fid(self, i: int) -> str:
        for col in self.cols["id"]:
            v = _value(col[i])
            if v is not None:
                return f"{self.layer}-{v}"
        return f"{self.layer}-{i}"


def _layer(raw: RawData, layer: str, shp: np.ndarray, fields: dict[str, Any], malformed: np.ndarray) -> str:
    """Turn one layer's rows into features; returns what the layer gave (for the report)."""
    rows = _Rows(layer, fields)
    types = shapely.get_type_id(shp)
    has_building_field = "building" in rows.has
    has_highway = "highway" in rows.has or rows.other is not None
    got: Counter[str] = Counter()
    for i in range(len(shp)):
        kind = int(types[i])
        g = shp[i]
        if malformed[i]:
            raw.tally("gis_rows_skipped", f"{layer}: malformed geometry (e.g. a ring of under 4 points)")
            continue
        if kind < 0 or g.is_empty:
            raw.tally("gis_rows_skipped", f"{layer}: no geometry")
            continue
        t = rows.tags(i)
        fid = rows.fid(i)
        if kind not in _POLY and kind not in _LINE and kind not in _POINT:
            raw.tally("gis_rows_skipped", f"{layer}: {g.geom_type} is neither a polygon, a line nor a point")
            continue
        used = False
        pt = g if kind == int(shapely.GeometryType.POINT) else g.representative_point()
        if t.get("man_made") == "surveillance":
            raw.cameras.append(RawFeature(fid, pt, t))
            got["cameras"] += 1
            used = True
        if t.get("amenity") == "fire_station":
            raw.fire_stations.append(RawFeature(fid, pt, t))
            got["fire stations"] += 1
            used = True
        if kind in _POLY:
            if has_building_field and t.get("building", "no") == "no":
                if used:
                    pass
                elif "building" in t:
                    raw.skip("buildings", "polygon has building=no", fid)
                else:
                    raw.tally("gis_rows_skipped", f"{layer}: polygons that are not buildings (building field empty)")
                continue
            t.setdefault("building", "yes")
            raw.buildings.append(RawFeature(fid, g, t))
            got["buildings"] += 1
        elif kind in _LINE:
            hw = t.get("highway")
            if hw is None:
                if not used:
                    why = (
                        "lines that are not roads (no highway class)"
                        if has_highway
                        else "lines without a highway field"
                    )
                    raw.tally("gis_rows_skipped", f"{layer}: {why}")
                continue
            if hw not in DRIVABLE_CLASSES:
                raw.tally("non_drivable_highway", hw)
                continue
            ow = t.get("oneway")
            if ow in _GEOFABRIK_ONEWAY:
                t["oneway"] = _GEOFABRIK_ONEWAY[ow]
            parts = [p for p in shapely.get_parts(g) if len(p.coords) >= 2 and p.length > 0]
            if not parts:
                raw.skip("roads", "line has fewer than 2 distinct points", fid)
            for k, p in enumerate(parts):
                raw.roads.append(RawFeature(fid if len(parts) == 1 else f"{fid}.{k}", p, t))
            got["roads"] += len(parts)
        elif not used:
            raw.tally("gis_rows_skipped", f"{layer}: points neither man_made=surveillance nor amenity=fire_station")
    return ", ".join(f"{n} {k}" for k, n in got.items()) or "nothing used"
