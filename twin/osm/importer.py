"""Import a city from OpenStreetMap (``.osm.pbf``, ``.osm``) or a GIS file (GeoPackage, Shapefile).

:func:`import_city` reads buildings, drivable roads, cameras (``man_made=surveillance``) and fire
stations (``amenity=fire_station``), optionally clipped to a lon/lat box, into a :class:`~twin.Twin`
in a local frame centred on the data, and returns an :class:`ImportReport` that counts everything
imported, every interpretation of a messy tag value and everything skipped, with the reason.
What each tag becomes and every choice made is documented in docs/osm-import.md.
"""

from __future__ import annotations

__all__ = ["ImportReport", "import_city"]

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from twin._errors import TwinError
from twin.cityio import CAMERA_MARGIN_M
from twin.geo import LocalFrame
from twin.model import CommandCenter, Twin, data_bounds
from twin.osm.build import build_buildings, build_cameras, build_fire_stations, build_roads
from twin.osm.gis import GIS_SUFFIXES, read_gis
from twin.osm.pbf import OSM_SUFFIXES, read_osm
from twin.osm.raw import RawData, RawFeature
from twin.roads import build_road_graph, graph_length_m


@dataclass
class ImportReport:
    """The imported city and an account of the import: counts, interpretations, skips with reasons."""

    twin: Twin
    source: str
    format: str
    clip: tuple[float, float, float, float] | None
    imported: dict[str, int]
    details: dict[str, Any]
    skipped: dict[str, dict[str, int]]
    skipped_examples: dict[str, dict[str, list[str]]]
    timings_s: dict[str, float] = field(default_factory=dict)
    #: building id -> where its height came from (``height``, ``building:levels`` or ``default``)
    height_source: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as one JSON-ready object (``import_report.json``; keys in the README)."""
        f = self.twin.frame
        return {
            "source": self.source,
            "format": self.format,
            "clip": None if self.clip is None else list(self.clip),
            "origin": {"lon": f.origin_lon, "lat": f.origin_lat},
            "imported": dict(self.imported),
            "skipped": {k: dict(v) for k, v in self.skipped.items()},
            "skipped_total": {k: int(sum(v.values())) for k, v in self.skipped.items()},
            "skipped_examples": self.skipped_examples,
            **self.details,
            "timings_s": {k: round(v, 4) for k, v in self.timings_s.items()},
        }

    def summary(self) -> str:
        """A few lines a person reads after an import."""
        i = self.imported
        d = self.details
        b = d["buildings"]
        hs = b["height_source"]
        lines = [
            f"imported {self.source} ({self.format}) in {self.timings_s.get('total', 0.0):.2f} s"
            + (f", clipped to {list(self.clip)}" if self.clip else ""),
            f"  buildings      {i['buildings']:6d}  height from height {hs['height']}, "
            f"building:levels {hs['building:levels']}, default {hs['default']}; "
            f"{b['messy_values_interpreted']} messy value(s) interpreted",
        ]
        for it in b["interpreted"][:8]:
            how = ", ".join(it["how"])
            lines.append(f"{'':25s}{it['tag']}={it['value']!r} -> {it['read_as']} ({how}) x{it['count']}")
        r = d["roads"]
        nd = d["non_drivable_highway"]
        lines.append(
            f"  roads          {i['road_features']:6d}  features -> {i['road_edges']} edges, {i['road_nodes']} nodes, "
            f"{r['length_km']} km; {sum(nd.values())} non-drivable highway ways left out"
            + (f" ({', '.join(f'{k} {v}' for k, v in list(nd.items())[:6])})" if nd else "")
        )
        c = d["cameras"]
        lines.append(
            f"  cameras        {i['cameras']:6d}  heading from: "
            + ", ".join(f"{k} {v}" for k, v in c["heading_from"].items())
        )
        lines.append(f"  fire stations  {i['fire_stations']:6d}")
        if any(self.skipped.values()):
            lines.append("skipped:")
            for layer, reasons in self.skipped.items():
                for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
                    lines.append(f"  {layer:14s} {n:6d}  {reason}")
        else:
            lines.append("skipped: nothing")
        return "\n".join(lines)


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


def _read(path: Path) -> RawData:
    name = path.name.lower()
    if any(name.endswith(s) for s in OSM_SUFFIXES):
        return read_osm(path)
    if path.suffix.lower() in GIS_SUFFIXES:
        return read_gis(path)
    raise TwinError(
        f"{path.name}: unknown file type {''.join(path.suffixes) or '(no extension)'!r}: use an OpenStreetMap "
        f"extract ({', '.join(OSM_SUFFIXES)}) or a GIS file ({', '.join(GIS_SUFFIXES)})"
    )


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


def import_city(
    path: str | os.PathLike[str], *, clip: tuple[float, float, float, float] | list[float] | None = None
) -> ImportReport:
    """Import buildings, roads, cameras and fire stations from an OSM extract or a GIS file.

    Args:
        path: an ``.osm.pbf``/``.osm`` extract, or a GeoPackage/Shapefile (any vector file GDAL reads).
        clip: optional lon/lat box ``(W, S, E, N)``: buildings whose inside point lies in it are kept
            whole, roads are cut at its edge, cameras and stations outside are left out; it becomes
            the city's extent.

    Returns:
        The report; ``report.twin`` is the city.

    Raises:
        TwinError: the file is missing, of an unknown type, unreadable or holds nothing to import;
            the message names the file.
    """
    t0 = time.perf_counter()
    p = Path(path)
    if not p.exists():
        raise TwinError(f"{p}: does not exist")
    if p.is_dir():
        raise TwinError(f"{p}: is a folder; give an .osm.pbf, .osm, .gpkg or .shp file")
    box = _check_clip(clip)
    timings: dict[str, float] = {}
    raw = _read(p)
    timings["read"] = time.perf_counter() - t0

    t = time.perf_counter()
    if box is not None:
        _clip(raw, box)
    everything = [f.geometry for f in (*raw.buildings, *raw.roads, *raw.cameras, *raw.fire_stations)]
    if not everything:
        where = " inside the clip box" if box is not None else ""
        raise TwinError(f"{p.name}: holds no buildings, drivable roads, cameras or fire stations{where} to import")
    if box is not None:
        lon0, lat0 = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
    else:
        # centre the frame on the city itself, not on a stray camera far outside it
        core = [f.geometry for f in (*raw.buildings, *raw.roads, *raw.fire_stations)] or everything
        b = shapely.total_bounds(np.array(core, dtype=object))
        lon0, lat0 = float(b[0] + b[2]) / 2.0, float(b[1] + b[3]) / 2.0
    frame = LocalFrame(lon0, lat0)
    for layer, feats in (
        ("buildings", raw.buildings),
        ("roads", raw.roads),
        ("cameras", raw.cameras),
        ("fire_stations", raw.fire_stations),
    ):
        _unique_ids(feats, raw, layer)
        _project(feats, frame)
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
    twin = Twin(
        frame=frame,
        name=p.name.split(".")[0] or p.stem,
        buildings=buildings,
        roads=graph,
        fire_stations=stations,
        extent=None if box is None else _clip_extent(box, frame),
        source=str(p),
    )
    if box is None:
        raw.cameras = _drop_far_cameras(twin, raw)
    twin.cameras, cstats = build_cameras(raw.cameras, raw)
    xmin, ymin, xmax, ymax = twin.bounds()
    twin.command_center = CommandCenter((xmin + xmax) / 2.0, (ymin + ymax) / 2.0)
    timings["cameras_and_stations"] = time.perf_counter() - t
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
    other = {
        k: dict(v)
        for k, v in raw.counts.items()
        if k.startswith("gis_") or k in ("buildings", "cameras", "fire_stations")
    }
    if other:
        details["other"] = other
    if raw.notes:
        details["reader"] = raw.notes
    return ImportReport(
        twin=twin,
        source=p.name,
        format=raw.format,
        clip=box,
        imported={
            "buildings": len(twin.buildings),
            "road_features": len(road_feats),
            "road_edges": graph.number_of_edges(),
            "road_nodes": graph.number_of_nodes(),
            "cameras": len(twin.cameras),
            "fire_stations": len(twin.fire_stations),
        },
        details=details,
        skipped={k: dict(sorted(v.items(), key=lambda kv: -kv[1])) for k, v in raw.skipped.items()},
        skipped_examples=raw.examples,
        timings_s=timings,
        height_source=height_source,
    )


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
