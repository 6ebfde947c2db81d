"""``showroom city import FILE [FILE ...]``: several files, several schemas, one city, every feature accounted for.

Each file is read by its kind (an OSM extract by pyosmium, CityJSON here, a spreadsheet by the csv
module, any other vector file by GDAL), each layer reprojected from its own CRS to WGS84 and read
through the schemas and the user's ``--map`` rules into OSM-tagged features. The features of all
files are merged, clipped, projected into one local frame centred on the city and built into a
:class:`~twin.Twin`; then every input feature is settled as imported or left out with a reason.
"""

from __future__ import annotations

__all__ = ["import_files"]

import math
import os
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .._errors import TwinError
from ..cityio import CAMERA_MARGIN_M
from ..geo import LocalFrame, repair_polygon
from ..model import CommandCenter, Twin, Zone, data_bounds
from ..osm import (
    OSM_SUFFIXES,
    RawData,
    RawFeature,
    build_buildings,
    build_cameras,
    build_fire_stations,
    build_roads,
    read_osm,
)
from ..roads import build_road_graph, graph_length_m
from ._cityjson import is_cityjson, read_cityjson
from ._convert import convert_layer, norm
from ._ledger import LayerAccount, TrackedRaw, settle
from ._maps import FieldMaps, parse_maps
from ._report import ImportReport, left_out_line
from ._source import SPREADSHEET_SUFFIXES, read_gdal, read_gzip, read_table

#: Vector formats handed to GDAL (any other suffix GDAL reads works too, by its content).
GIS_SUFFIXES = (
    ".gpkg", ".shp", ".zip", ".fgb", ".gml", ".kml", ".sqlite", ".geojson", ".json", ".geojsonl", ".gpx",
)
_LAYERS = ("buildings", "roads", "cameras", "fire_stations", "zones")


def _check_clip(clip: Any) -> tuple[float, float, float, float] | None:
    if clip is None:
        return None
    try:
        w, s, e, n = (float(v) for v in clip)
    except (TypeError, ValueError):
        raise TwinError(f"clip must be four numbers W S E N (lon/lat degrees), got {clip!r}") from None
    if not (-180.0 <= w < e <= 180.0 and -90.0 <= s < n <= 90.0):
        raise TwinError(
            f"clip box W S E N = {w:g} {s:g} {e:g} {n:g} is not a lon/lat box: "
            "need -180 <= W < E <= 180 and -90 <= S < N <= 90"
        )
    return (w, s, e, n)


def _merge_osm(raw: TrackedRaw, osm: RawData, index: int, path: Path) -> LayerAccount:
    """Add an OSM extract's features to ``raw``; its account has one row per feature or skip it counted."""
    n_feats = sum(len(getattr(osm, k)) for k in _LAYERS)
    read_skips = [(f"{layer}: {r}", n) for layer, c in osm.skipped.items() for r, n in c.items()]
    non_drivable = list(osm.counts.get("non_drivable_highway", Counter()).items())
    total = n_feats + sum(n for _r, n in read_skips) + sum(n for _c, n in non_drivable)
    acc = LayerAccount(
        label=path.name, file=path.name, layer="", format=osm.format, crs="EPSG:4326", features=total, schema="osm"
    )
    row = 0
    for k in _LAYERS:
        for f in getattr(osm, k):
            f.extra["src"] = (index, row)
            getattr(raw, k).append(f)
            row += 1
    for reason, n in read_skips:
        for _ in range(n):
            acc.leave_out(row, reason)
            row += 1
    for cls, n in non_drivable:
        for _ in range(n):
            acc.leave_out(row, f"not a drivable road class: {cls}")
            row += 1
    acc.read_as = [k for k in _LAYERS if getattr(osm, k)]
    acc.geometry = {k: len(getattr(osm, k)) for k in _LAYERS}
    for layer, c in osm.skipped.items():
        raw.skipped.setdefault(layer, Counter()).update(c)
    for layer, d in osm.examples.items():
        for reason, ids in d.items():
            raw.examples.setdefault(layer, {}).setdefault(reason, []).extend(ids)
    for group, c in osm.counts.items():
        raw.counts.setdefault(group, Counter()).update(c)
    raw.notes.setdefault("osm", {})[path.name] = osm.notes
    return acc


def _read_file(path: Path, index0: int, maps: FieldMaps, raw: TrackedRaw, *, crs: str | None,
               min_confidence: float | None) -> list[LayerAccount]:
    name = path.name.lower()
    if any(name.endswith(s) for s in OSM_SUFFIXES):
        return [_merge_osm(raw, read_osm(path), index0, path)]
    if is_cityjson(path):
        return read_cityjson(path, index0, raw, crs=crs)
    xy = None
    for layer in ("cameras", "fire_stations"):
        x, y = maps.field_for(layer, "lon"), maps.field_for(layer, "lat")
        if x is not None or y is not None:
            xy = (x or "lon", y or "lat")
    if path.suffix.lower() == ".gz":
        layers = read_gzip(path, crs=crs, xy=xy)
    elif path.suffix.lower() in SPREADSHEET_SUFFIXES:
        layers = read_table(path, crs=crs, xy=xy)
    elif path.suffix.lower() in GIS_SUFFIXES:
        layers = read_gdal(path, crs=crs, xy=xy)
    else:
        raise TwinError(
            f"{path.name}: unknown file type {''.join(path.suffixes) or '(no extension)'!r}: use an OpenStreetMap "
            f"extract ({', '.join(OSM_SUFFIXES)}), a GIS file ({', '.join(GIS_SUFFIXES)}), CityJSON "
            f"(.city.json), a spreadsheet ({', '.join(SPREADSHEET_SUFFIXES)}) or GeoJSON lines (.gz)"
        )
    return [
        convert_layer(src, index0 + k, maps, raw, min_confidence=min_confidence) for k, src in enumerate(layers)
    ]


def _clip(raw: RawData, box: tuple[float, float, float, float]) -> None:
    """Keep what lies in the box: buildings whole (by a point inside them), roads cut at its edge."""
    w, s, e, n = box
    poly = shapely.box(w, s, e, n)

    def inside(feats: list[RawFeature], layer: str, *, area: bool) -> list[RawFeature]:
        if not feats:
            return feats
        g = np.array([f.geometry for f in feats], dtype=object)
        pts = shapely.point_on_surface(g) if area else g
        keep = shapely.contains_xy(poly, shapely.get_x(pts), shapely.get_y(pts))
        for f, k in zip(feats, keep, strict=True):
            if not k:
                raw.skip(layer, "outside the clip box", f.id)
        return [f for f, k in zip(feats, keep, strict=True) if k]

    raw.buildings = inside(raw.buildings, "buildings", area=True)
    raw.zones = inside(raw.zones, "zones", area=True)
    raw.cameras = inside(raw.cameras, "cameras", area=False)
    raw.fire_stations = inside(raw.fire_stations, "fire_stations", area=False)
    if raw.roads:
        lines = np.array([f.geometry for f in raw.roads], dtype=object)
        cut = shapely.intersection(lines, poly)
        kept = []
        for f, c, orig in zip(raw.roads, cut, lines, strict=True):
            parts = [p for p in shapely.get_parts(c) if p.geom_type == "LineString" and p.length > 0]
            if not parts:
                raw.skip("roads", "outside the clip box", f.id)
                continue
            if len(parts) > 1 or not parts[0].equals(orig):
                raw.tally("roads", "cut at the clip box")
            for k, p in enumerate(parts):
                kept.append(RawFeature(f.id if len(parts) == 1 else f"{f.id}~{k}", p, f.tags, f.extra))
        raw.roads = kept


def _project(feats: list[RawFeature], frame: LocalFrame) -> None:
    if not feats:
        return
    g = np.array([f.geometry for f in feats], dtype=object)
    for f, local in zip(feats, frame.geoms_to_local(g), strict=True):
        f.geometry = local


def _unique_ids(feats: list[RawFeature], raw: RawData, layer: str) -> None:
    seen: Counter[str] = Counter()
    for f in feats:
        seen[f.id] += 1
        if seen[f.id] > 1:
            f.id = f"{f.id}~dup{seen[f.id]}"
            raw.tally(layer, "duplicate id renamed")


def _clip_extent(box: tuple[float, float, float, float], frame: LocalFrame) -> tuple[float, float, float, float]:
    """The local bounding box of a lon/lat box (its edges bow in a transverse Mercator frame)."""
    ring = shapely.segmentize(shapely.box(*box), max_segment_length=min(box[2] - box[0], box[3] - box[1]) / 64.0)
    xy = shapely.get_coordinates(ring)
    x, y = frame.to_local(xy[:, 0], xy[:, 1])
    pad = 0.01  # a centimetre, so a camera on the box's edge stays inside after a save/load round trip
    return (float(x.min()) - pad, float(y.min()) - pad, float(x.max()) + pad, float(y.max()) + pad)


def _drop_far_cameras(twin: Twin, raw: RawData) -> list[RawFeature]:
    """Leave out cameras farther outside the buildings, roads and stations than the loader allows."""
    xmin, ymin, xmax, ymax = data_bounds(twin)
    if xmin == xmax == ymin == ymax == 0.0:
        return raw.cameras  # a city of cameras only: nothing for them to be outside of
    m = CAMERA_MARGIN_M
    kept = []
    for f in raw.cameras:
        x, y = f.geometry.x, f.geometry.y
        if xmin - m <= x <= xmax + m and ymin - m <= y <= ymax + m:
            kept.append(f)
        else:
            raw.skip("cameras", f"more than {m:g} m outside the buildings and roads imported", f.id)
    return kept


def import_files(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    maps: Sequence[str] | FieldMaps = (),
    clip: tuple[float, float, float, float] | list[float] | None = None,
    crs: str | None = None,
    min_confidence: float | None = None,
) -> ImportReport:
    """Import buildings, roads, cameras and fire stations from one or several files into one city.

    Args:
        paths: OSM extracts, GIS files, CityJSON files and spreadsheets, in any mix.
        maps: ``--map`` rules (see :func:`twin.gis.parse_maps`), as text or parsed.
        clip: optional lon/lat box ``(W, S, E, N)``: buildings whose inside point lies in it are kept
            whole, roads are cut at its edge, cameras and stations outside are left out; it becomes
            the city's extent.
        crs: the CRS of files that carry none (a spreadsheet's x/y, a Shapefile without ``.prj``,
            a CityJSON file without ``referenceSystem``).
        min_confidence: leave out building footprints (Microsoft, Google) below this ``confidence``.

    Returns:
        The report; ``report.twin`` is the city, ``report.inputs`` the account of every input layer.

    Raises:
        TwinError: a file is missing, of an unknown type or unreadable, a rule is malformed, or
            nothing at all could be imported; the message names the file.
    """
    t0 = time.perf_counter()
    plist = [Path(paths)] if isinstance(paths, str | os.PathLike) else [Path(p) for p in paths]
    if not plist:
        raise TwinError("no file to import: give one or more files")
    fmaps = maps if isinstance(maps, FieldMaps) else parse_maps(maps)
    for p in plist:
        if not p.exists():
            raise TwinError(f"{p}: does not exist")
        if p.is_dir():
            raise TwinError(f"{p}: is a folder; give an .osm.pbf, .osm, .gpkg, .shp, .csv or .city.json file")
    box = _check_clip(clip)
    timings: dict[str, float] = {}
    raw = TrackedRaw(format="+".join(_fmt(p) for p in plist))
    accounts: list[LayerAccount] = []
    for p in plist:
        accounts += _read_file(p, len(accounts), fmaps, raw, crs=crs, min_confidence=min_confidence)
    _check_maps_used(fmaps, accounts)
    timings["read"] = time.perf_counter() - t0
    for layer in _LAYERS:
        _unique_ids(getattr(raw, layer), raw, layer)
    handed = {k: list(getattr(raw, k)) for k in _LAYERS}

    t = time.perf_counter()
    if box is not None:
        _clip(raw, box)
    everything = [f.geometry for f in (*raw.buildings, *raw.roads, *raw.cameras, *raw.fire_stations, *raw.zones)]
    label = ", ".join(p.name for p in plist)
    if not everything:
        where = " inside the clip box" if box is not None else ""
        left = left_out_line(accounts)
        raise TwinError(
            f"{label}: holds no buildings, drivable roads, cameras or fire stations{where} to import"
            + ("" if left.startswith("left out nothing") else f"; {left}")
        )
    if box is not None:
        lon0, lat0 = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
    else:
        # centre the frame on the city itself, not on a stray camera far outside it
        core = [f.geometry for f in (*raw.buildings, *raw.roads, *raw.fire_stations)] or everything
        b = shapely.total_bounds(np.array(core, dtype=object))
        lon0, lat0 = float(b[0] + b[2]) / 2.0, float(b[1] + b[3]) / 2.0
    frame = LocalFrame(lon0, lat0)
    for layer in _LAYERS:
        _project(getattr(raw, layer), frame)
    timings["clip_and_project"] = time.perf_counter() - t

    t = time.perf_counter()
    buildings, bstats = build_buildings(raw.buildings, raw)
    height_source = bstats.pop("_by_id")
    timings["buildings"] = time.perf_counter() - t

    t = time.perf_counter()
    road_feats, rstats = build_roads(raw.roads)
    graph = build_road_graph(road_feats)
    timings["roads"] = time.perf_counter() - t

    t = time.perf_counter()
    stations, sstats = build_fire_stations(raw.fire_stations, raw)
    zones = _build_zones(raw.zones, raw)
    first = plist[0]
    twin = Twin(
        frame=frame,
        name=first.name.split(".")[0] or first.stem,
        buildings=buildings,
        roads=graph,
        fire_stations=stations,
        zones=zones,
        extent=None if box is None else _clip_extent(box, frame),
        source=", ".join(str(p) for p in plist),
    )
    if box is None:
        raw.cameras = _drop_far_cameras(twin, raw)
    twin.cameras, cstats = build_cameras(raw.cameras, raw)
    xmin, ymin, xmax, ymax = twin.bounds()
    twin.command_center = CommandCenter((xmin + xmax) / 2.0, (ymin + ymax) / 2.0)
    timings["cameras_and_stations"] = time.perf_counter() - t

    kept = {
        "buildings": {b.id for b in twin.buildings},
        "roads": {d["feature"] for _u, _v, d in graph.edges(data=True)},
        "cameras": {c.id for c in twin.cameras},
        "fire_stations": {s.id for s in twin.fire_stations},
        "zones": {z.id for z in twin.zones},
    }
    final = {k: handed[k] + getattr(raw, k) for k in _LAYERS}
    settle(accounts, final, kept, raw.reason_by_id)
    timings["total"] = time.perf_counter() - t0

    rstats["length_km"] = round(graph_length_m(graph) / 1000.0, 3)
    rstats["cut"] = dict(raw.counts.get("roads", Counter()))
    details: dict[str, Any] = {
        "buildings": bstats,
        "roads": rstats,
        "non_drivable_highway": dict(raw.counts.get("non_drivable_highway", Counter()).most_common()),
        "cameras": cstats,
        "fire_stations": sstats,
    }
    if "surveillance_relations" in raw.counts:
        details["cameras"]["surveillance_relations"] = dict(raw.counts["surveillance_relations"])
    if raw.notes:
        details["reader"] = raw.notes
    return ImportReport(
        twin=twin,
        source=label,
        format=raw.format,
        clip=box,
        imported={
            "buildings": len(twin.buildings),
            "road_features": len(road_feats),
            "road_edges": graph.number_of_edges(),
            "road_nodes": graph.number_of_nodes(),
            "cameras": len(twin.cameras),
            "fire_stations": len(twin.fire_stations),
            "zones": len(twin.zones),
        },
        details=details,
        skipped={k: dict(sorted(v.items(), key=lambda kv: -kv[1])) for k, v in raw.skipped.items()},
        skipped_examples=raw.examples,
        timings_s=timings,
        height_source=height_source,
        inputs=accounts,
        maps=list(fmaps.texts),
    )


def _build_zones(feats: list[RawFeature], raw: RawData) -> list[Zone]:
    """Zones with their land use, priority and fire rate (the city format's defaults where absent)."""
    out = []
    for f in feats:
        t = f.tags
        try:
            prio = float(str(t.get("priority", 1.0)).replace(",", "."))
            rate = float(str(t.get("fire_rate_per_year", 0.0)).replace(",", "."))
        except ValueError:
            raw.skip("zones", "priority or fire_rate_per_year is not a number", f.id)
            continue
        if not (math.isfinite(prio) and prio >= 0.0 and math.isfinite(rate) and rate >= 0.0):
            raw.skip("zones", "priority and fire_rate_per_year must be numbers >= 0", f.id)
            continue
        g = f.geometry if f.geometry.is_valid else repair_polygon(f.geometry)
        if g is None:
            raw.skip("zones", "zone polygon is invalid and cannot be repaired", f.id)
            continue
        out.append(Zone(f.id, g, str(t.get("landuse", "residential")), prio, rate, str(t.get("name", ""))))
    return out


def _fmt(p: Path) -> str:
    name = p.name.lower()
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return "osm.pbf"
    if name.endswith(".city.json") or name.endswith(".city.jsonl"):
        return "cityjson"
    return p.suffix.lower().lstrip(".") or "?"


def _check_maps_used(maps: FieldMaps, accounts: list[LayerAccount]) -> None:
    """A ``--map`` naming a field or layer that no input has is a typo: say so instead of ignoring it."""
    fields = {norm(f) for a in accounts for f in a.fields}
    for (layer, ours), theirs in maps.fields.items():
        if norm(theirs) not in fields:
            known = sorted({f for a in accounts for f in a.fields})
            raise TwinError(
                f"--map {layer}.{ours}={theirs}: no input layer has a field {theirs!r}; "
                f"fields present: {', '.join(known[:30]) or '(none)'}"
            )
    names = set()
    for a in accounts:
        stem = a.file.split(".")[0].lower()
        lay = a.layer.lower()
        names |= {lay, a.file.lower(), stem, f"{a.file.lower()}:{lay}", f"{stem}:{lay}"}
    for theirs, layer in maps.layers.items():
        if theirs not in names:
            known = sorted({a.layer or a.file for a in accounts})
            raise TwinError(f"--map {layer}={theirs}: no input layer is called {theirs!r}; layers: {', '.join(known)}")
