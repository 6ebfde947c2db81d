"""Reading an OpenStreetMap extract (``.osm.pbf`` or ``.osm`` XML) with pyosmium.

One pass over relations finds the building and fire-station multipolygons and the
``type=surveillance`` relations (a camera node with the ``extent``/``visible`` points it watches);
then pyosmium's :class:`osmium.FileProcessor` reads the file again with node locations and area
assembly, so closed ways and multipolygon relations arrive as areas. A clipped extract leaves ways
whose nodes are missing and relations whose member ways are missing; those produce no area, and
each is counted here with the reason, so the import reports what it left out.
"""

from __future__ import annotations

__all__ = ["OSM_SUFFIXES", "read_osm"]

import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from twin._errors import TwinError
from twin.osm._raw import RawData, RawFeature
from twin.profiles import DRIVABLE_CLASSES

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2")

#: Tag keys an object needs for the import to look at it at all (pyosmium filters the rest in C++).
_KEYS = ("building", "highway", "man_made", "amenity")
#: Roles of a ``type=surveillance`` relation's members that mark what the camera sees.
_SEEN_ROLES = ("extent", "visible", "")


def _is_building(tags: Any) -> bool:
    v = tags.get("building")
    return v is not None and v != "no"


class _MemberWays:
    """Records, for the member ways of interesting relations, whether all their node locations exist.

    Member ways of a multipolygon usually carry no tags, so the tag filter drops them; pyosmium hands
    filtered objects to this handler, which only looks at the ways it was asked about.
    """

    def __init__(self, wanted: set[int]):
        self.wanted = wanted
        self.complete: dict[int, bool] = {}

    def way(self, w: Any) -> None:
        if w.id in self.wanted:
            self.complete[w.id] = all(n.location.valid() for n in w.nodes)


def _coords(w: Any) -> tuple[list[tuple[float, float] | None], int]:
    out: list[tuple[float, float] | None] = []
    missing = 0
    for n in w.nodes:
        loc = n.location
        if loc.valid():
            out.append((loc.lon, loc.lat))
        else:
            out.append(None)
            missing += 1
    return out, missing


def _runs(coords: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Maximal runs of consecutive nodes whose locations are present."""
    runs: list[list[tuple[float, float]]] = []
    cur: list[tuple[float, float]] = []
    for c in coords:
        if c is None:
            if len(cur) >= 2:
                runs.append(cur)
            cur = []
        else:
            cur.append(c)
    if len(cur) >= 2:
        runs.append(cur)
    return runs


def _point_of(coords: list[tuple[float, float]], closed: bool) -> shapely.Point:
    """A representative point of a way: inside it when it is a ring, on it when it is a line."""
    if closed and len(coords) >= 4:
        poly = shapely.Polygon(coords)
        if poly.is_valid and poly.area > 0:
            return poly.representative_point()
    if len(coords) >= 2:
        return shapely.LineString(coords).interpolate(0.5, normalized=True)
    return shapely.Point(coords[0])


def _view_heading_deg(cam: tuple[float, float], targets: list[tuple[float, float]]) -> float | None:
    """Heading (clockwise from north) to the middle of the narrowest arc that holds every target."""
    lon0, lat0 = cam
    k = math.cos(math.radians(lat0))
    pts = np.array([t for t in targets if t != cam], dtype=float).reshape(-1, 2)
    b = np.sort(np.degrees(np.arctan2((pts[:, 0] - lon0) * k, pts[:, 1] - lat0)) % 360.0)
    if not len(b):
        return None
    gaps = np.diff(np.append(b, b[0] + 360.0))
    i = int(np.argmax(gaps))
    start = b[(i + 1) % len(b)]
    span = 360.0 - float(gaps[i])
    return float((start + span / 2.0) % 360.0)


def read_osm(path: Path) -> RawData:
    """Read buildings, drivable roads, cameras and fire stations from an OSM extract."""
    name = path.name
    fmt = "osm.pbf" if name.lower().endswith(".pbf") else "osm"
    raw = RawData(format=fmt)
    try:
        return _read(path, raw)
    except TwinError:
        raise
    except (RuntimeError, ValueError, OSError) as e:  # libosmium reports corrupt input as RuntimeError
        raise TwinError(f"{name}: cannot be read as OpenStreetMap {fmt} data: {e}") from None


def _read(path: Path, raw: RawData) -> RawData:
    import osmium  # pyosmium loads on first use, not on ``import twin``
    import osmium.filter
    import osmium.geom

    # ---- pass 1: relations only -------------------------------------------------------------
    area_rels: dict[int, tuple[str, dict[str, str], list[int]]] = {}
    surveillance: list[tuple[list[int], list[int]]] = []
    for r in osmium.FileProcessor(path, osmium.osm.RELATION):
        t = r.tags
        rtype = t.get("type", "")
        if _is_building(t) or t.get("amenity") == "fire_station":
            kind = "building" if _is_building(t) else "fire_station"
            fid = f"osm-r{r.id}"
            if rtype not in ("multipolygon", "boundary"):
                raw.skip(
                    "buildings" if kind == "building" else "fire_stations",
                    f"relation type={rtype or '(none)'} is not an area (its outline way is read on its own)",
                    fid,
                )
                continue
            area_rels[r.id] = (kind, dict(t), [m.ref for m in r.members if m.type == "w"])
        elif rtype == "surveillance":
            cams = [m.ref for m in r.members if m.type == "n" and m.role == "camera"]
            seen = [m.ref for m in r.members if m.type == "n" and m.role in _SEEN_ROLES]
            surveillance.append((cams, seen))
    member_ways = _MemberWays({w for _, _, ws in area_rels.values() for w in ws})

    # ---- pass 2: everything, with node locations and areas ----------------------------------
    fp = (
        osmium.FileProcessor(path)
        .with_locations()
        .with_areas(osmium.filter.KeyFilter("building", "amenity"))
        .with_filter(osmium.filter.KeyFilter(*_KEYS))
        .handler_for_filtered(member_ways)
    )
    building_ways: dict[int, tuple[dict[str, str], bool, int, int]] = {}
    areas: dict[tuple[str, int], tuple[str, dict[str, str]]] = {}
    station_rel_areas: list[tuple[int, str, dict[str, str]]] = []
    wkb = osmium.geom.WKBFactory()
    camera_nodes: dict[int, RawFeature] = {}
    for o in fp:
        if o.is_area():
            t = o.tags
            src = "w" if o.from_way() else "r"
            if _is_building(t):
                try:
                    areas[(src, o.orig_id())] = (wkb.create_multipolygon(o), dict(t))
                except RuntimeError:
                    pass  # no ring survived assembly; counted below as a building without area
            if src == "r" and t.get("amenity") == "fire_station":
                try:
                    station_rel_areas.append((o.orig_id(), wkb.create_multipolygon(o), dict(t)))
                except RuntimeError:
                    pass
            continue
        if o.is_node():
            t = o.tags
            mm = t.get("man_made")
            am = t.get("amenity")
            if _is_building(t) and t.get("building") != "entrance":
                raw.skip("buildings", "building mapped as a node (no footprint)", f"osm-n{o.id}")
            if mm != "surveillance" and am != "fire_station":
                continue
            fid = f"osm-n{o.id}"
            if not o.location.valid():
                raw.skip("cameras" if mm == "surveillance" else "fire_stations", "node has no location", fid)
                continue
            pt = shapely.Point(o.location.lon, o.location.lat)
            if mm == "surveillance":
                f = RawFeature(fid, pt, dict(t))
                raw.cameras.append(f)
                camera_nodes[o.id] = f
            if am == "fire_station":
                raw.fire_stations.append(RawFeature(fid, pt, dict(t)))
            continue
        if not o.is_way():
            continue
        t = o.tags
        closed = len(o.nodes) >= 2 and o.nodes[0].ref == o.nodes[-1].ref
        if _is_building(t):
            missing = sum(1 for n in o.nodes if not n.location.valid())
            building_ways[o.id] = (dict(t), closed, len(o.nodes), missing)
        hw = t.get("highway")
        if hw is not None:
            _road(o, hw, t, raw)
        for key, val, layer, bucket in (
            ("man_made", "surveillance", "cameras", raw.cameras),
            ("amenity", "fire_station", "fire_stations", raw.fire_stations),
        ):
            if t.get(key) == val:
                fid = f"osm-w{o.id}"
                coords = [c for c in _coords(o)[0] if c is not None]
                if not coords:
                    raw.skip(layer, "way has none of its nodes in the extract", fid)
                    continue
                bucket.append(RawFeature(fid, _point_of(coords, closed), dict(t), {"from": "way"}))

    _resolve_buildings(raw, building_ways, area_rels, areas, member_ways.complete)
    for rid, geom_wkb, t in station_rel_areas:
        raw.fire_stations.append(
            RawFeature(f"osm-r{rid}", shapely.from_wkb(geom_wkb).representative_point(), t, {"from": "relation"})
        )
    got = {int(f.id[5:]) for f in raw.fire_stations if f.id.startswith("osm-r")}
    for rid, (kind, _t, ws) in area_rels.items():
        if kind == "fire_station" and rid not in got:
            raw.skip("fire_stations", _relation_reason(ws, member_ways.complete), f"osm-r{rid}")
    _surveillance_headings(raw, surveillance, camera_nodes, fp.node_location_storage)
    return raw


def _road(w: Any, hw: str, t: Any, raw: RawData) -> None:
    fid = f"osm-w{w.id}"
    if hw not in DRIVABLE_CLASSES:
        raw.tally("non_drivable_highway", hw)
        return
    if t.get("area") == "yes":
        raw.skip("roads", "highway area (area=yes) is a paved surface, not a road line", fid)
        return
    coords, missing = _coords(w)
    runs = _runs(coords)
    if not runs:
        raw.skip("roads", "fewer than 2 of its nodes are in the extract (clipped at the edge)", fid)
        return
    tags = dict(t)
    if missing:
        raw.tally("roads", "ways cut where nodes are missing (clipped at the edge)")
    for k, run in enumerate(runs):
        rid = fid if len(runs) == 1 else f"{fid}.{k}"
        raw.roads.append(RawFeature(rid, shapely.LineString(run), tags))


def _relation_reason(ways: list[int], complete: dict[int, bool]) -> str:
    if any(w not in complete for w in ways):
        return "multipolygon has member ways missing from the extract (clipped at the edge)"
    if not all(complete[w] for w in ways):
        return "multipolygon member ways have nodes missing from the extract (clipped at the edge)"
    return "multipolygon rings do not close or they cross (area assembly failed)"


def _resolve_buildings(
    raw: RawData,
    building_ways: dict[int, tuple[dict[str, str], bool, int, int]],
    area_rels: dict[int, tuple[str, dict[str, str], list[int]]],
    areas: dict[tuple[str, int], tuple[str, dict[str, str]]],
    complete: dict[int, bool],
) -> None:
    keys: list[tuple[str, int]] = []
    for wid, (_t, closed, n, missing) in building_ways.items():
        fid = f"osm-w{wid}"
        if ("w", wid) in areas:
            keys.append(("w", wid))
        elif missing:
            raw.skip("buildings", "ring has nodes missing from the extract (clipped at the edge)", fid)
        elif not closed:
            raw.skip("buildings", "ring is not closed (first and last node differ)", fid)
        elif n < 4:
            raw.skip("buildings", "ring has fewer than 4 nodes", fid)
        else:
            raw.skip("buildings", "ring is invalid (area assembly failed)", fid)
    for rid, (kind, _t, ws) in area_rels.items():
        if kind != "building":
            continue
        if ("r", rid) in areas:
            keys.append(("r", rid))
        else:
            raw.skip("buildings", _relation_reason(ws, complete), f"osm-r{rid}")
    if not keys:
        return
    geoms = shapely.from_wkb(np.array([areas[k][0] for k in keys], dtype=object))
    for (src, oid), g in zip(keys, geoms, strict=True):
        if len(g.geoms) == 1:
            g = g.geoms[0]
        raw.buildings.append(RawFeature(f"osm-{src}{oid}", g, areas[(src, oid)][1], {"from": src}))


def _surveillance_headings(
    raw: RawData, rels: list[tuple[list[int], list[int]]], cams: dict[int, RawFeature], store: Any
) -> None:
    """Headings for cameras from ``type=surveillance`` relations (camera -> the points it sees)."""
    for cam_ids, seen in rels:
        targets = []
        for nid in seen:
            try:
                loc = store.get(nid)
            except KeyError:
                continue
            targets.append((loc.lon, loc.lat))
        for cid in cam_ids:
            f = cams.get(cid)
            if f is None:
                raw.tally("surveillance_relations", "camera node not in the extract")
                continue
            if not targets:
                raw.tally("surveillance_relations", "no seen point in the extract")
                continue
            h = _view_heading_deg((f.geometry.x, f.geometry.y), targets)
            if h is None:
                continue
            f.extra["relation_heading_deg"] = h
            raw.tally("surveillance_relations", "gave a camera its heading")
