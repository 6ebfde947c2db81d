"""One input layer to OSM-tagged features of our layers, each row imported or left out with a reason.

What a layer becomes is decided from its geometry, its field names and values (the schemas of
:mod:`twin.gis._schemas`), its name (``cctv.csv``, ``bangunan``, ``jalan``) and the user's
``--map`` rules, in that order of weight: a ``--map`` always wins.
"""

from __future__ import annotations

__all__ = ["convert_layer"]

import json
import re
from collections import Counter
from typing import Any

import numpy as np
import shapely

from ..osm import RawFeature
from ..profiles import DRIVABLE_CLASSES
from ._ledger import LayerAccount, TrackedRaw, samples
from ._maps import FieldMaps
from ._schemas import (
    ALIASES,
    CAMERA_STATUS,
    COMPASS_WORDS,
    NON_DRIVABLE_HIGHWAY,
    PASS_THROUGH,
    detect_schema,
    layer_hint,
    overture_category,
    overture_name,
    road_class,
)
from ._source import SourceLayer, value_text
from ._suggest import suggest

_POLY = {int(shapely.GeometryType.POLYGON), int(shapely.GeometryType.MULTIPOLYGON)}
_LINE = {int(shapely.GeometryType.LINESTRING), int(shapely.GeometryType.MULTILINESTRING)}
_POINT = {int(shapely.GeometryType.POINT), int(shapely.GeometryType.MULTIPOINT)}
_POINT_ID = int(shapely.GeometryType.POINT)
_LINE_ID = int(shapely.GeometryType.LINESTRING)
_GEOFABRIK_ONEWAY = {"F": "yes", "T": "-1", "B": "no"}
_HSTORE_RE = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
#: Geofabrik POI classes that are ours.
_GEOFABRIK_POI = {"camera_surveillance": "cameras", "fire_station": "fire_stations"}
#: OSM tag each of our fields is handed on as (the builders read OSM tags).
_TAG = {
    ("buildings", "height"): "height",
    ("buildings", "levels"): "building:levels",
    ("buildings", "use"): "building",
    ("buildings", "name"): "name",
    ("roads", "maxspeed"): "maxspeed",
    ("roads", "oneway"): "oneway",
    ("roads", "name"): "name",
    ("cameras", "heading"): "camera:direction",
    ("cameras", "height"): "height",
    ("cameras", "type"): "camera:type",
    ("cameras", "name"): "name",
    ("fire_stations", "name"): "name",
}
def norm(name: str) -> str:
    """A field name as aliases are written: lower case, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _kind(t: int) -> str:
    if t < 0:
        return "none"
    return "polygon" if t in _POLY else "line" if t in _LINE else "point" if t in _POINT else "other"


class _Layer:
    """A source layer's columns resolved to our fields (``--map`` first, then the schema aliases)."""

    def __init__(self, src: SourceLayer, maps: FieldMaps, acc: LayerAccount):
        self.src = src
        self.maps = maps
        self.acc = acc
        self.low = {norm(k): k for k in src.fields}
        self.other = self.col("other_tags")
        self._text: dict[str, list[str | None]] = {}
        self._first: dict[tuple[str, ...], list[str | None]] = {}
        self._cand: dict[tuple[str, str], list[str]] = {}

    def text(self, name: str) -> list[str | None]:
        """A field's values as trimmed text (None when empty), converted once."""
        if name not in self._text:
            self._text[name] = _texts(self.src.fields[name])
        return self._text[name]

    def first(self, names: list[str]) -> list[str | None]:
        """Per row, the first of these fields that has a value."""
        key = tuple(names)
        if key not in self._first:
            cols = [self.text(n) for n in names]
            if not cols:
                out: list[str | None] = [None] * self.src.n
            elif len(cols) == 1:
                out = cols[0]
            else:
                out = [next((v for v in vs if v is not None), None) for vs in zip(*cols, strict=True)]
            self._first[key] = out
        return self._first[key]

    def col(self, lower_name: str) -> np.ndarray | None:
        name = self.low.get(lower_name)
        return None if name is None else self.src.fields[name]

    def candidates(self, layer: str, ours: str) -> list[str]:
        """Their field names for ``layer.ours``: the user's, else the aliases present, in order."""
        key = (layer, ours)
        if key not in self._cand:
            self._cand[key] = self._candidates(layer, ours)
        return self._cand[key]

    def _candidates(self, layer: str, ours: str) -> list[str]:
        mapped = self.maps.field_for(layer, ours)
        if mapped is not None and norm(mapped) in self.low:
            return [self.low[norm(mapped)]]
        # a rule for a field this layer lacks is for another input: this layer keeps its own schema
        return [self.low[a] for a in ALIASES.get((layer, ours), ()) if a in self.low]

    def mapped(self, layer: str, ours: str) -> bool:
        """True when a ``--map`` rule reads ``layer.ours`` from a field of this layer."""
        theirs = self.maps.field_for(layer, ours)
        return theirs is not None and norm(theirs) in self.low

    def user_mapped(self, layer: str) -> bool:
        return any(
            lay == layer and norm(theirs) in self.low for (lay, _o), theirs in self.maps.fields.items()
        )


def _class_columns(lay: _Layer) -> list[tuple[str, float]]:
    """Road-class candidate fields with the share of their values read as a road class, best first."""
    out = []
    for name in lay.candidates("roads", "class"):
        vals = [v for v in lay.text(name) if v is not None]
        distinct = set(vals)
        ok = {
            v for v in distinct
            if road_class(v)[0] is not None or lay.maps.value("roads", "class", v, wildcard=False)
        }
        share = sum(1 for v in vals if v in ok) / len(vals) if vals else 0.0
        out.append((name, share))
    if lay.mapped("roads", "class"):
        return out  # the user's field is read even when none of its values are known yet
    return sorted((c for c in out if c[1] > 0.0), key=lambda c: -c[1])


def _texts(col: np.ndarray) -> list[str | None]:
    """A column as trimmed text, None for empty and NaN (whole floats without ``.0``)."""
    vals = col.tolist()
    if col.dtype.kind == "f":
        return [None if v != v else (str(int(v)) if v.is_integer() else repr(v)) for v in vals]
    if col.dtype.kind in "iu":
        return [str(v) for v in vals]
    return [value_text(v) for v in vals]


def convert_layer(src: SourceLayer, index: int, maps: FieldMaps, raw: TrackedRaw, *,
                  min_confidence: float | None = None) -> LayerAccount:
    """Hand on the features of one layer to ``raw`` and return its account (reasons for the rest).

    Args:
        src: the layer as read (WGS84).
        index: its index among the import's layers (features carry ``extra["src"] = (index, row)``).
        maps: the user's ``--map`` rules.
        raw: where features go, with the later stages' reasons.
        min_confidence: leave out building footprints whose ``confidence`` is below this.
    """
    types = shapely.get_type_id(src.geoms).astype(int) if src.n else np.zeros(0, dtype=int)
    empty = shapely.is_empty(src.geoms) if src.n else np.zeros(0, dtype=bool)
    names = {norm(k) for k in src.fields}
    smp = samples(src.fields)
    schema = detect_schema(names, {norm(k): [str(v) for v in vs] for k, vs in smp.items()})
    if src.format in ("csv", "tsv", "txt", "xlsx", "ods") and schema == "generic":
        schema = "table"
    acc = LayerAccount(
        label=src.label, file=src.file, layer=src.name, format=src.format, crs=src.crs, features=src.n,
        schema=schema, fields=list(src.fields), samples=smp,
    )
    kinds = Counter(_kind(int(t)) for t in types)
    acc.geometry = dict(kinds)
    lay = _Layer(src, maps, acc)
    assigned = maps.layer_for(src.file, src.name)
    hint = layer_hint(src.name, src.file)

    # OSM tags as one JSON object a row (HOT's raw-data API, some Overpass exports), parsed once
    json_tags = [_json_tags(v) if v else {} for v in lay.text(lay.low["tags"])] if "tags" in lay.low else None
    json_keys = set().union(*json_tags) if json_tags else set()

    # which of our layers each geometry kind of this layer feeds
    b_fields = {f: lay.candidates("buildings", f) for f in ("id", "name", "height", "levels", "use", "confidence")}
    has_building_field = "building" in names
    building_in_tags = not has_building_field and "building" in json_keys
    poly_is_buildings = assigned == "buildings" or (
        assigned is None
        and (
            has_building_field
            or building_in_tags
            or bool(b_fields["height"] or b_fields["levels"] or b_fields["confidence"])
            or lay.user_mapped("buildings")
            or hint == "buildings"
            # Geofabrik's buildings layer classes every row "building" (its landuse layer does not)
            or (schema == "geofabrik" and "building" in lay.text(lay.low["fclass"]))
            or (schema == "overture" and bool(names & {"has_parts", "is_underground", "roof_shape"}))
            or (schema == "exposure" and "osm_type" in names)
        )
    )
    cls_cols = _class_columns(lay) if kinds.get("line") else []
    star = maps.value("roads", "class", None)
    lines_are_roads = assigned == "roads" or (
        assigned is None
        and (bool(cls_cols) or lay.user_mapped("roads") or hint == "roads" or "highway" in json_keys)
    )
    point_layer = assigned if assigned in ("cameras", "fire_stations") else (
        hint if assigned is None and hint in ("cameras", "fire_stations") else None
    )
    zone_layer = assigned == "zones" or (assigned is None and hint == "zones")
    if zone_layer:
        poly_is_buildings = False
    z_vals = {f: lay.first(lay.candidates("zones", f)) for f in ("id", "name", "landuse", "priority",
                                                                  "fire_rate_per_year")} if zone_layer else {}
    if zone_layer and kinds.get("polygon"):
        acc.read_as.append("zones")
        for f in ("name", "landuse", "priority", "fire_rate_per_year", "id"):
            c = lay.candidates("zones", f)
            if c:
                acc.mapping[f"zones.{f}"] = c[0]
    if poly_is_buildings and kinds.get("polygon"):
        acc.read_as.append("buildings")
        for f in ("height", "levels", "use", "name", "id", "confidence"):
            if b_fields[f]:
                acc.mapping[f"buildings.{f}"] = b_fields[f][0]
    if lines_are_roads and kinds.get("line"):
        acc.read_as.append("roads")
        if cls_cols:
            acc.mapping["roads.class"] = cls_cols[0][0]
        for f in ("maxspeed", "oneway", "name", "id"):
            c = lay.candidates("roads", f)
            if c:
                acc.mapping[f"roads.{f}"] = c[0]
    if point_layer is not None:
        acc.read_as.append(point_layer)
        for f in ("heading", "height", "type", "name", "id"):
            c = lay.candidates(point_layer, f) if f in ("name", "id") or point_layer == "cameras" else []
            if c:
                acc.mapping[f"{point_layer}.{f}"] = c[0]

    fclass = lay.text(lay.low["fclass"]) if schema == "geofabrik" and "fclass" in lay.low else None
    subtype = lay.text(lay.low["subtype"]) if schema == "overture" and "subtype" in lay.low else None
    categories = lay.text(lay.low["categories"]) if "categories" in lay.low else None
    pass_cols = {tag: [lay.low[a] for a in aliases if a in lay.low] for tag, aliases in PASS_THROUGH.items()}
    pass_cols = {tag: cols for tag, cols in pass_cols.items() if cols}
    seen_ids: Counter[str] = Counter()
    # every field's values per row, resolved once (the loop below only indexes lists)
    pass_vals = {tag: lay.first(cols) for tag, cols in pass_cols.items()}
    b_vals = {f: lay.first(cols) for f, cols in b_fields.items()}
    id_vals = {t: lay.first(lay.candidates(t, "id")) for t in ("buildings", "roads", "cameras", "fire_stations")}
    road_cols = {f: lay.candidates("roads", f) for f in ("maxspeed", "oneway", "name", "id")}
    road_vals = {f: lay.first(cols) for f, cols in road_cols.items()}
    cls_names = [c for c, _s in cls_cols]
    for i in range(src.n):
        t = int(types[i])
        g = src.geoms[i]
        if src.malformed[i]:
            acc.leave_out(i, "malformed geometry (e.g. a ring of under 4 points, or unreadable coordinates)")
            continue
        if t < 0 or empty[i]:
            acc.leave_out(i, "no geometry")
            continue
        if t not in _POLY and t not in _LINE and t not in _POINT:
            acc.leave_out(i, f"{g.geom_type} is neither a polygon, a line nor a point")
            continue
        tags: dict[str, str] = {}
        if lay.other is not None and lay.other[i]:
            tags.update({k: v for k, v in _HSTORE_RE.findall(str(lay.other[i]))})
        if json_tags is not None:
            tags.update(json_tags[i])
        for tag, vals in pass_vals.items():
            v = vals[i]
            if v is not None:
                tags[tag] = v
        fc = fclass[i] if fclass is not None else None
        as_cam = tags.get("man_made") == "surveillance" or _GEOFABRIK_POI.get(fc or "") == "cameras"
        as_station = (
            tags.get("amenity") == "fire_station"
            or _GEOFABRIK_POI.get(fc or "") == "fire_stations"
            or (categories is not None and overture_category(categories[i]) == "fire_station")
        )
        if point_layer == "cameras" and (t in _POINT or assigned == "cameras"):
            as_cam = True
        if point_layer == "fire_stations" and (t in _POINT or assigned == "fire_stations"):
            as_station = True
        used = False
        pt = g if t == _POINT_ID or not (as_cam or as_station) else g.representative_point()
        for target, want in (("cameras", as_cam), ("fire_stations", as_station)):
            if not want:
                continue
            ft = dict(tags)
            extra: dict[str, Any] = {"src": (index, i)}
            for ours in ("heading", "height", "type", "name"):
                if target == "fire_stations" and ours != "name":
                    continue
                v = lay.first(lay.candidates(target, ours))[i]
                if v is not None and ours in ("type", "heading"):
                    v = maps.value(target, ours, v) or v
                if v is not None and ours == "heading" and v.strip().lower() in COMPASS_WORDS:
                    v = f"{COMPASS_WORDS[v.strip().lower()]:g}"
                if v is not None:
                    ft[_TAG[(target, ours)]] = overture_name(v) if ours == "name" else v
            if target == "cameras":
                extra["status"] = _camera_status(lay, maps, acc, i)
            raw_list = raw.cameras if target == "cameras" else raw.fire_stations
            raw_list.append(RawFeature(_fid(src.name, id_vals[target][i], i, seen_ids), pt, ft, extra))
            used = True
        if t in _POLY and zone_layer:
            zt = {}
            for ours in ("name", "landuse", "priority", "fire_rate_per_year"):
                v = z_vals[ours][i]
                if v is not None and ours == "landuse":
                    v = maps.value("zones", "landuse", v) or v.lower()
                if v is not None:
                    zt[ours] = overture_name(v) if ours == "name" else v
            raw.zones.append(RawFeature(_fid(src.name, z_vals["id"][i], i, seen_ids), g, zt, {"src": (index, i)}))
        elif t in _POLY:
            if not poly_is_buildings:
                if not used:
                    acc.leave_out(i, "polygons of a layer that maps to none of ours (no building fields)")
                continue
            bt = dict(tags)
            if has_building_field or building_in_tags:
                bv = lay.text(lay.low["building"])[i] if has_building_field else tags.get("building")
                if bv is None or bv.lower() == "no":
                    if not used:
                        acc.leave_out(i, "polygon has building=no" if bv else "polygon has no building value")
                    continue
            if b_fields["confidence"]:
                cv = b_vals["confidence"][i]
                try:
                    conf = float(cv) if cv is not None else None
                except ValueError:
                    conf = None
                if conf is not None and conf < 0:
                    acc.note("confidence -1 (unknown): kept")
                elif min_confidence is not None and conf is not None and conf < min_confidence:
                    acc.leave_out(i, f"confidence below --min-confidence {min_confidence:g}")
                    continue
            for ours in ("height", "levels", "use", "name"):
                v = b_vals[ours][i]
                if v is None:
                    continue
                if ours in ("height", "levels"):
                    try:
                        num = float(v.replace(",", "."))
                    except ValueError:
                        num = None
                    if num is not None and num <= 0:
                        acc.note(f"{ours} {v} (unknown): the next source is used")
                        continue
                    if num is not None and v.replace(".", "", 1).isdigit():
                        bt[_TAG[("buildings", ours)]] = num  # a plain number: no need to parse it again
                        continue
                if ours == "use":
                    v = maps.value("buildings", "use", v) or v.lower()
                    if schema == "geofabrik" and v == "building":
                        v = "yes"
                if ours == "name":
                    v = overture_name(v)
                bt[_TAG[("buildings", ours)]] = v
            bt.setdefault("building", "yes")
            fid = _fid(src.name, id_vals["buildings"][i], i, seen_ids)
            raw.buildings.append(RawFeature(fid, g, bt, {"src": (index, i)}))
        elif t in _LINE:
            if not lines_are_roads:
                if not used:
                    acc.leave_out(i, "lines of a layer that maps to none of ours (no road class field)")
                continue
            cls, theirs, how = None, None, "empty"
            for n in cls_names:
                v = lay.text(n)[i]
                if v is None:
                    continue
                theirs = theirs or v
                mv = maps.value("roads", "class", v, wildcard=False)
                if mv is not None:
                    cls, how = mv, "map"
                    break
                c, how = road_class(v)
                if c is not None:
                    cls = c
                    break
            if cls is None and not cls_names and tags.get("highway"):
                theirs = tags["highway"]
                cls, how = road_class(theirs)
            if cls is None and star is not None:
                cls, how = star, "map *"
            if cls is None:
                if used:
                    continue
                if theirs is not None:
                    acc.leave_out(i, f"road class not recognised: {theirs!r}")
                elif (cls_names and not lay.mapped("roads", "class")) or "highway" in json_keys:
                    # a layer that classes its lines leaves the class empty on lines that are not roads
                    acc.leave_out(i, f"line without a {cls_names[0] if cls_names else 'highway'} value (not a road)")
                else:
                    acc.leave_out(i, "no road class (empty)")
                continue
            if subtype is not None:
                st = subtype[i]
                if st is not None and st.lower() != "road":
                    if not used:
                        acc.leave_out(i, f"Overture segment of subtype {st!r}, not a road")
                    continue
            if cls not in NON_DRIVABLE_HIGHWAY and cls not in DRIVABLE_CLASSES:
                if not used:
                    acc.leave_out(i, f"road class not recognised: {cls!r}")
                continue
            if cls in NON_DRIVABLE_HIGHWAY:
                raw.tally("non_drivable_highway", cls)
                if not used:
                    acc.leave_out(i, f"not a drivable road class: {cls}")
                continue
            acc.note(f"road class read: {how}")
            rt = dict(tags)
            rt["highway"] = cls
            for ours in ("maxspeed", "oneway", "name"):
                v = road_vals[ours][i]
                if v is None:
                    continue
                if ours == "oneway":
                    v = maps.value("roads", "oneway", v) or _GEOFABRIK_ONEWAY.get(v, v)
                if ours == "name":
                    v = overture_name(v)
                rt[_TAG[("roads", ours)]] = v
            parts = [g] if t == _LINE_ID else list(shapely.get_parts(g))
            parts = [p for p in parts if p.length > 0]
            if not parts:
                if not used:
                    acc.leave_out(i, "line has fewer than 2 distinct points")
                continue
            fid = _fid(src.name, id_vals["roads"][i], i, seen_ids)
            for k, p in enumerate(parts):
                raw.roads.append(RawFeature(fid if len(parts) == 1 else f"{fid}.{k}", p, rt, {"src": (index, i)}))
        elif not used:
            acc.leave_out(i, "point is neither a camera (man_made=surveillance) nor a fire station")
    acc.suggestions = suggest(acc, src)
    return acc


def _json_tags(text: str) -> dict[str, str]:
    """A JSON object of OSM tags as text values; anything else gives nothing."""
    if not text.startswith("{"):
        return {}
    try:
        doc = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in doc.items() if v is not None} if isinstance(doc, dict) else {}


def _camera_status(lay: _Layer, maps: FieldMaps, acc: LayerAccount, i: int) -> str:
    """A camera's status from its status field (a value map first), ``existing`` when it has none."""
    v = lay.first(lay.candidates("cameras", "status"))[i]
    if v is None:
        return "existing"
    mapped = maps.value("cameras", "status", v)
    s = (mapped or v).strip().lower()
    if s in CAMERA_STATUS:
        return CAMERA_STATUS[s]
    acc.note(f"camera status {v!r} not recognised: existing assumed")
    return "existing"


def _fid(layer: str, v: str | None, i: int, seen: Counter[str]) -> str:
    """The feature id: the layer's name and the row's id (else its row number), unique in the layer."""
    base = f"{layer}-{v if v is not None else i}"
    seen[base] += 1
    return base if seen[base] == 1 else f"{base}~dup{seen[base]}"
