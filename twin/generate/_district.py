"""The default city: a seeded generator of a dense coastal district like central Makassar.

``generate_city(seed=...)`` builds a 2.5 x 2.5 km district around lon 119.42, lat -5.14 with the sea
on the west (like Losari beach): a jittered arterial grid with names, irregular local streets
(staggered, slanted, kinked, a few dead ends and diagonals), a waterfront road along a wavy shore
with a promenade and a port on reclaimed land; 3,000-6,000 buildings whose heights follow land
use; land-use zones with a coverage priority and a fire rate; 115 existing cameras and over a
thousand candidate sites; fire stations; and the command center with its server room and operators.

Only ``numpy.random.Generator(seed)`` draws numbers, so one seed always gives the same city, byte
for byte once saved. The tables below are the documented assumptions; change them to make
another kind of district.

Fire rates: Makassar reports 138-395 fires a year over its 175.8 km^2, 0.8-2.2 fires/km^2 a year
on average. The old centre (Wajo, Bontoala, Makassar, Mariso, Ujung Pandang) houses people three to
four times denser than the city average, and fires follow people and buildings, so dense housing is
taken at 6 fires/km^2 a year (about 3 x the upper city figure) and other land uses relative to it.
The district then expects a few tens of fires a year (``expected_fires_per_year``).
"""

from __future__ import annotations

__all__ = [
    "BUILDING_RULES",
    "LANDUSE",
    "LANDUSE_GRID",
    "ROAD_WIDTH_M",
    "TOWER_LEVELS",
    "LanduseSpec",
    "expected_fires_per_year",
    "generate_city",
]

from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
import shapely

from twin._errors import TwinError
from twin.generate._buildings import BUILDING_RULES, TOWER_LEVELS, place_buildings
from twin.generate._cameras import (
    EXISTING_CAMERAS,
    MIN_SITE_SPACING_M,
    Site,
    StreetPoses,
    bearing_deg,
    candidate_camera,
    candidate_sites,
    clear_of,
    make_camera,
    thin,
)
from twin.generate._streets import (
    HALF_M,
    Coast,
    Lattice,
    Points,
    Street,
    Superblock,
    _Names,
    arterial_streets,
    fill_superblock,
    make_coast,
    make_lattice,
    port_streets,
)
from twin.geo import LocalFrame
from twin.model import Building, Camera, CommandCenter, FireStation, Operators, ServerRoom, Twin, Zone
from twin.roads import RoadFeature, _key, build_road_graph

#: Geographic origin of the local frame (central Makassar, a little inland of Losari beach).
ORIGIN_LON, ORIGIN_LAT = 119.42, -5.14

#: Road ribbon widths by class, metres (carriageway plus kerbs; buildings stay outside them).
ROAD_WIDTH_M: dict[str, float] = {
    "primary": 20.0,
    "secondary": 16.0,
    "tertiary": 12.0,
    "residential": 8.0,
    "service": 8.0,
}


@dataclass(frozen=True)
class LanduseSpec:
    """A land use's coverage priority weight and fire density (fires per km^2 a year)."""

    priority: float
    fires_per_km2_year: float
    why: str


#: Land uses of the zones. Priorities weight coverage (1 = ordinary housing); fire densities are
#: relative to dense housing at 6 fires/km^2 a year (see the module docstring).
LANDUSE: dict[str, LanduseSpec] = {
    "residential": LanduseSpec(1.0, 6.0, "dense kampung housing: cooking fires, wiring; the bulk of urban fires"),
    "commercial": LanduseSpec(2.5, 5.0, "shops, markets, hotels: crowds and valuables; market fires are common"),
    "industrial": LanduseSpec(1.5, 5.0, "warehouses and workshops: fewer people, large fire loads"),
    "port": LanduseSpec(2.0, 3.0, "port sheds and quays: goods, gates, a security interest"),
    "government": LanduseSpec(3.0, 1.5, "city hall and offices: the command center's own neighbourhood"),
    "park": LanduseSpec(2.0, 0.8, "Losari promenade and Karebosi field: crowds in the evening; grass fires"),
    "water": LanduseSpec(0.0, 0.0, "the sea: no buildings, no fires"),
}

#: Land use of each superblock, north row first; columns run west (the waterfront) to east.
LANDUSE_GRID: tuple[tuple[str, ...], ...] = (
    ("industrial", "industrial", "residential", "residential", "residential", "residential"),
    ("industrial", "commercial", "residential", "residential", "commercial", "residential"),
    ("commercial", "commercial", "government", "residential", "residential", "residential"),
    ("commercial", "park", "commercial", "commercial", "residential", "residential"),
    ("commercial", "commercial", "residential", "residential", "residential", "residential"),
    ("residential", "residential", "residential", "residential", "residential", "residential"),
    ("residential", "residential", "residential", "residential", "residential", "residential"),
)
#: Neighbourhood names for zones (kelurahan of central Makassar, reused).
ZONE_NAMES = (
    "Mariso", "Losari", "Maloku", "Baru", "Bulogading", "Pattunuang", "Melayu", "Ende", "Wajo", "Butung",
    "Mampu", "Pisang Utara", "Pisang Selatan", "Lajangiru", "Sawerigading", "Bontoala", "Gaddong",
    "Timungan Lompoa", "Baraya", "Malimongan", "Tamalabba", "Kampung Buyang", "Bara-Baraya", "Maradekaya",
    "Sambung Jawa", "Kunjung Mae", "Mangkura", "Tamparang Keke", "Mamajang Dalam", "Labuang Baji",
    "Bontobiraeng", "Karang Anyar", "Parang", "Bontorannu", "Panambungan", "Tanjung Merdeka", "Mandala",
    "Sinrijala", "Pannampu", "Lette", "Kampung Pisang", "Bontoa",
)
#: Small neighbourhood parks carved out of residential blocks.
SMALL_PARKS = 6

#: Fire stations: (name, target x, target y, trucks or None to draw 2-3, turnout s or None to draw 75-115).
FIRE_STATIONS = (
    ("Markas Pemadam Kebakaran Kota", -150.0, -150.0, 4, 60.0),
    ("Pos Damkar Wajo", -550.0, 650.0, None, None),
    ("Pos Damkar Mamajang", 450.0, -700.0, None, None),
    ("Pos Damkar Bontoala", 750.0, 700.0, None, None),
)

#: The server room and the video-wall staff (about 40 operators in 3 shifts). Three recording
#: servers of 50 cameras each carry today's 115 cameras at 77% (planning keeps intake at 70-80% of
#: the rated load), with one failover server; 12 x 8 TB in RAID-6 each give 240 TB usable, which
#: holds the 115 cameras' 30 days (about 150 TB). The 101 new cameras will not fit: sizing that is
#: the capacity model's question.
SERVER_ROOM = ServerRoom(
    servers=3, cameras_per_server=50, nic_gbps=10.0, disks_per_server=12, disk_tb=8.0, raid="raid6",
    retention_days=30.0, failover_servers=1,
)
OPERATORS = Operators(count=40, shifts=3, tiles_per_operator=9)


def expected_fires_per_year(twin: Twin) -> float:
    """Fires a year the zones expect in total (the fire model's Poisson rates added up)."""
    return float(sum(z.fire_rate_per_year for z in twin.zones))


# ---------------------------------------------------------------------------------------------
# the generator
# ---------------------------------------------------------------------------------------------
def generate_city(*, seed: int) -> Twin:
    """Generate the district for ``seed`` (the same seed gives the same city, bit for bit).

    Raises:
        TwinError: when ``seed`` is not a non-negative integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise TwinError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    pts = Points()
    coast = make_coast(rng)
    lat = make_lattice(pts, coast, rng)
    names = _Names()
    superblocks = []
    n_rows = lat.ny - 1
    for row in range(n_rows):
        for col in range(lat.nx - 1):
            use = LANDUSE_GRID[n_rows - 1 - row][col]
            superblocks.append(fill_superblock(pts, lat, col, row, use, rng, names))
    streets: list[Street] = port_streets(pts, lat, rng)
    for sb in superblocks:
        streets.extend(sb.streets)
    streets = arterial_streets(lat) + streets
    xy = pts.array()
    features = []
    for n, st in enumerate(streets, start=1):
        chain = [i for k, i in enumerate(st.points) if k == 0 or i != st.points[k - 1]]
        if len(chain) < 2:
            continue
        features.append(RoadFeature(f"R{n:04d}", shapely.LineString(xy[chain]), st.highway, name=st.name))
    roads = build_road_graph(features)

    # land, ribbons and blocks
    box = shapely.box(-HALF_M, -HALF_M, HALF_M, HALF_M)
    shore = np.column_stack([coast.shore_x, coast.y])
    land = shapely.Polygon(np.vstack([shore, [(HALF_M, HALF_M), (HALF_M, -HALF_M)]]))
    sea = shapely.Polygon(np.vstack([[(-HALF_M, -HALF_M)], shore, [(-HALF_M, HALF_M)]]))
    lines = np.array([f.line for f in features], dtype=object)
    half = np.array([ROAD_WIDTH_M[f.highway] / 2.0 for f in features])
    ribbons = shapely.union_all(shapely.buffer(lines, half, quad_segs=4))
    free = shapely.difference(shapely.intersection(land, box), ribbons)

    zones, city_hall_sb, karebosi, promenade, _port = _zones(superblocks, land, sea, coast, streets, xy)
    blocks, block_use, zones = _blocks(free, zones, rng)
    buildings = place_buildings(blocks, block_use, rng)

    frame = LocalFrame(ORIGIN_LON, ORIGIN_LAT)
    twin = Twin(frame=frame, name="makassar-like coastal district (synthetic)", buildings=buildings, roads=roads,
                zones=zones, extent=(-HALF_M, -HALF_M, HALF_M, HALF_M), source=f"twin.generate._district seed={seed}")
    half_width = {k: v / 2.0 for k, v in ROAD_WIDTH_M.items()}
    sp = StreetPoses(roads, half_width)
    node_of = _node_index(roads)
    city_hall = _city_hall(buildings, city_hall_sb.outline) if city_hall_sb is not None else None
    twin.cameras = _cameras(rng, sp, lat, xy, node_of, buildings, karebosi, promenade, city_hall, coast)
    twin.fire_stations = _stations(rng, sp, lat, xy, node_of)
    cx, cy = shapely.get_coordinates(city_hall.footprint.centroid)[0] if city_hall else (0.0, 0.0)
    if city_hall is not None:
        city_hall.name = "Balai Kota (City Hall)"
    twin.command_center = CommandCenter(float(cx), float(cy), "Command Center (War Room), Balai Kota",
                                        replace(SERVER_ROOM), replace(OPERATORS))
    return twin


def _polygons(g: shapely.Geometry) -> list[shapely.Polygon]:
    parts = shapely.get_parts(g)
    return [p for p in parts if p.geom_type == "Polygon"]


def _node_index(g: nx.MultiDiGraph) -> dict[tuple[int, int], int]:
    """Graph node by the road graph's own junction key (coordinates to the centimetre)."""
    return {_key(d["x"], d["y"]): n for n, d in g.nodes(data=True)}


def _zones(
    superblocks: list[Superblock], land: shapely.Polygon, sea: shapely.Polygon, coast: Coast,
    streets: list[Street], xy: np.ndarray,
) -> tuple[list[Zone], Superblock | None, Superblock | None, shapely.Geometry, shapely.Geometry]:
    """Zones: the sea, the promenade and port strip west of the coastal road, one per superblock."""
    zones: list[Zone] = [Zone("Z00", sea, "water", name="Selat Makassar (sea)")]
    # the strip between the shore and the coastal road's centreline
    road_xy = np.vstack([xy[s.points] for s in streets[:2]])  # the coastal road's two named parts
    road_xy = road_xy[np.argsort(road_xy[:, 1], kind="stable")]
    shore = np.column_stack([coast.shore_x, coast.y])
    strip = shapely.make_valid(shapely.Polygon(np.vstack([shore, road_xy[::-1]])))
    strip = shapely.union_all(_polygons(strip))
    split = coast.port_y
    promenade = shapely.intersection(strip, shapely.box(-HALF_M, -HALF_M, HALF_M, split))
    port = shapely.intersection(strip, shapely.box(-HALF_M, split, HALF_M, HALF_M))
    zones.append(Zone("Z01", promenade, "park", name="Pantai Losari (promenade)"))
    zones.append(Zone("Z02", port, "port", name="Pelabuhan (port)"))
    karebosi = city_hall_sb = None
    k = 0
    for sb in superblocks:
        poly = shapely.intersection(sb.outline, land)
        if sb.landuse == "park" and karebosi is None:
            name, karebosi = "Lapangan Karebosi", sb
        elif sb.landuse == "government" and city_hall_sb is None:
            name, city_hall_sb = "Balai Kota", sb
        else:
            name = ZONE_NAMES[k % len(ZONE_NAMES)]
            k += 1
        zones.append(Zone(f"Z{len(zones):02d}", poly, sb.landuse, name=name))
    return zones, city_hall_sb, karebosi, promenade, port


def _blocks(
    free: shapely.Geometry, zones: list[Zone], rng: np.random.Generator
) -> tuple[list[shapely.Polygon], list[str], list[Zone]]:
    """Blocks (the land off the road ribbons, cut by zone) with their land use; carve small parks.

    Also sets each zone's priority and fire rate from :data:`LANDUSE`.
    """
    blocks: list[shapely.Polygon] = []
    use: list[str] = []
    which: list[int] = []
    for k, z in enumerate(zones):
        if z.landuse == "water":
            continue
        for p in _polygons(shapely.intersection(z.polygon, free)):
            if p.area > 50.0:
                blocks.append(p)
                use.append(z.landuse)
                which.append(k)
    # small parks: mid-sized residential blocks
    small = [i for i, u in enumerate(use) if u == "residential" and 2500.0 < blocks[i].area < 9000.0]
    for n, i in enumerate(sorted(int(v) for v in rng.permutation(small)[:SMALL_PARKS]), start=1):
        use[i] = "park"
        z = zones[which[i]]
        z.polygon = shapely.difference(z.polygon, blocks[i])
        zones.append(Zone(f"Z{len(zones):02d}", blocks[i], "park", name=f"Taman {z.name} {n}"))
    for z in zones:
        spec = LANDUSE[z.landuse]
        z.priority = spec.priority
        z.fire_rate_per_year = round(spec.fires_per_km2_year * z.polygon.area / 1e6, 3)
    return blocks, use, zones


def _city_hall(buildings: list[Building], outline: shapely.Polygon) -> Building | None:
    gov = [b for b in buildings if b.use in ("government", "civic") and outline.contains(b.footprint.centroid)]
    return max(gov, key=lambda b: (b.footprint.area, b.id)) if gov else None


def _lattice_node(lat: Lattice, xy: np.ndarray, node_of: dict[tuple[int, int], int], i: int, j: int) -> int:
    x, y = xy[lat.nodes[i][j]]
    return node_of[_key(x, y)]


def _cameras(
    rng: np.random.Generator, sp: StreetPoses, lat: Lattice, xy: np.ndarray, node_of: dict[tuple[int, int], int],
    buildings: list[Building], karebosi: Superblock | None, promenade: shapely.Geometry, city_hall: Building | None,
    coast: Coast,
) -> list[Camera]:
    """115 existing cameras (squares, arterial junctions, local junctions), then the candidate sites."""
    tree = shapely.STRtree([b.footprint for b in buildings])
    sites: list[Site] = []
    # squares: the Losari promenade
    y0, y1 = promenade.bounds[1] + 60.0, coast.port_y - 80.0
    kinds = ["ptz", "fixed", "fisheye", "fixed", "dome", "fixed", "ptz", "fixed"]
    for n, (y, kind) in enumerate(zip(np.linspace(y0, y1, len(kinds)), kinds, strict=True), start=1):
        sx, rx = float(np.interp(y, coast.y, coast.shore_x)), float(np.interp(y, coast.y, coast.road_x))
        x = 0.5 * (sx + rx - ROAD_WIDTH_M["primary"] / 2.0)
        heading = float(rng.choice([0.0, 180.0, 270.0]))
        presets = [(270.0, "sea"), (0.0, "promenade north"), (180.0, "promenade south"), (90.0, "Jalan Penghibur")]
        sites.append(Site(x, float(y), heading, kind, f"Pantai Losari {n}", presets if kind == "ptz" else []))
    # Karebosi field: four corners looking in, a PTZ and a fisheye in the middle
    if karebosi is not None:
        ol = karebosi.outline
        c = np.asarray(ol.centroid.coords[0])
        corners = [np.asarray(e) for e in (lat.horizontal[karebosi.col][karebosi.row].shape[0],
                                           lat.horizontal[karebosi.col][karebosi.row].shape[-1],
                                           lat.horizontal[karebosi.col][karebosi.row + 1].shape[-1],
                                           lat.horizontal[karebosi.col][karebosi.row + 1].shape[0])]
        for n, p in enumerate(corners, start=1):
            v = (c - p) / np.hypot(*(c - p))
            q = p + v * 25.0
            sites.append(Site(float(q[0]), float(q[1]), _bearing(c - q), "fixed", f"Lapangan Karebosi {n}"))
        presets = [(_bearing(p - c), f"corner {n}") for n, p in enumerate(corners, start=1)]
        sites.append(Site(float(c[0]), float(c[1]), presets[0][0], "ptz", "Lapangan Karebosi PTZ", presets))
        sites.append(Site(float(c[0]) + 20.0, float(c[1]), 0.0, "fisheye", "Lapangan Karebosi 360"))
    # the city-hall forecourt: between the hall and its street
    if city_hall is not None:
        fp = city_hall.footprint
        c = np.asarray(fp.centroid.coords[0])
        # nearest road point to the hall
        node = min(sp.g.nodes, key=lambda n: (sp.g.nodes[n]["x"] - c[0]) ** 2 + (sp.g.nodes[n]["y"] - c[1]) ** 2)
        p = np.array([sp.g.nodes[node]["x"], sp.g.nodes[node]["y"]])
        v = (p - c) / np.hypot(*(p - c))
        front = np.asarray(shapely.shortest_line(fp, shapely.Point(p)).coords[0])
        for n, (off, kind) in enumerate(((3.0, "ptz"), (5.0, "dome"), (8.0, "fixed")), start=1):
            q = front + v * off + np.array([-v[1], v[0]]) * (n - 2) * 6.0
            presets = [(_bearing(v), "street"), (_bearing(-v), "hall entrance"), (_bearing((-v[1], v[0])), "forecourt")]
            sites.append(Site(float(q[0]), float(q[1]), _bearing(-v if kind != "ptz" else v), kind,
                              f"Balai Kota {n}", presets if kind == "ptz" else [], fallback=(float(p[0]), float(p[1]))))
    # port gates: where the port roads leave the coastal road
    port_edges = [d for _, _, d in sp.g.edges(data=True) if d["highway"] == "service"]
    port_edges = sorted(port_edges, key=lambda d: (d["road_id"], d["geometry"].coords[0]))
    gates = [d for d in port_edges if d["geometry"].coords[0][0] > d["geometry"].coords[-1][0]]
    for n, d in enumerate(gates, start=1):
        x, y, hd = sp.pose(d, 10.0, 1, 0.8)
        kind = "ptz" if n == 1 else "fixed"
        presets = [(hd, "into the port"), ((hd + 180.0) % 360.0, "gate road")]
        sites.append(Site(x, y, hd, kind, f"Gerbang Pelabuhan {n}", presets if kind == "ptz" else []))
    # arterial junctions: one or two poles looking down the arterials, PTZs at three primary crossings
    arterial = []
    for i in range(0, lat.nx - 1):
        for j in range(1, lat.ny - 1):
            arterial.append(_lattice_node(lat, xy, node_of, i, j))
    ptz_at = set(int(v) for v in rng.choice(len(arterial), 3, replace=False))
    for k, node in enumerate(arterial):
        es = [d for d in sp.out_edges(node) if d["highway"] in ("primary", "secondary")]
        street_names = sorted({d["name"] for d in es})
        label = " x ".join(n.replace("Jalan ", "Jl. ") for n in street_names)
        if k in ptz_at:
            d = es[0]
            x, y, hd = sp.pose(d, 4.0, 1, 0.8)
            sites.append(Site(x, y, hd, "ptz", f"{label} PTZ", [(sp.direction(e)[2], e["name"]) for e in es]))
            continue
        primaries = sum(d["highway"] == "primary" for d in es)
        n_cams = 2 if primaries >= 3 or rng.random() < 0.5 else 1
        for m in rng.permutation(len(es))[:n_cams]:
            d = es[int(m)]
            back = bool(rng.random() < 0.15)
            s = float(rng.uniform(18.0, 28.0)) if back else float(rng.uniform(3.0, 8.0))
            x, y, hd = sp.pose(d, s, 1 if rng.random() < 0.5 else -1, 0.8, back=back)
            sites.append(Site(x, y, hd, "fixed", f"{label} ({d['name'].replace('Jalan ', 'Jl. ')})"))
    # settle squares that landed in a building onto the street
    placed = []
    for s in sites:
        if not clear_of(tree, np.array([[s.x, s.y]]))[0]:
            if s.fallback is None:
                continue
            s.x, s.y = s.fallback
        placed.append(s)
    # local junctions fill up to 115, spread at least 90 m from each other and from the rest
    und = sp.g.to_undirected(as_view=True)
    lattice_nodes = set(arterial)
    local = [n for n in sp.g.nodes if und.degree(n) >= 3 and n not in lattice_nodes]
    n_domes = 8
    for node in rng.permutation(local).tolist():
        if len(placed) >= EXISTING_CAMERAS:
            break
        p = np.array([sp.g.nodes[node]["x"], sp.g.nodes[node]["y"]])
        have = np.array([(s.x, s.y) for s in placed])
        if len(have) and np.min(np.hypot(*(have - p).T)) < 90.0:
            continue
        es = sp.out_edges(node)
        d = es[int(rng.integers(0, len(es)))]
        x, y, hd = sp.pose(d, float(rng.uniform(2.0, 5.0)), 1 if rng.random() < 0.5 else -1, 0.7)
        if not clear_of(tree, np.array([[x, y]]))[0]:
            continue
        kind = "dome" if n_domes > 0 else "fixed"
        n_domes -= 1
        placed.append(Site(x, y, hd, kind, f"{d['name'].replace('Jalan ', 'Jl. ')} (local)"))
    placed = placed[:EXISTING_CAMERAS]
    cams = [make_camera(s, f"CAM-{n:03d}", rng) for n, s in enumerate(placed, start=1)]

    cand = candidate_sites(sp, rng)
    cxy = np.array([(x, y) for x, y, _, _ in cand])
    ok = clear_of(tree, cxy)
    cand = [c for c, k in zip(cand, ok, strict=True) if k]
    allxy = np.vstack([np.array([(c.x, c.y) for c in cams]), np.array([(x, y) for x, y, _, _ in cand])])
    kept = thin(allxy, len(cams), MIN_SITE_SPACING_M)
    kept = kept[kept >= len(cams)] - len(cams)
    for n, k in enumerate(kept.tolist(), start=1):
        x, y, hd, name = cand[k]
        cams.append(candidate_camera(f"CAND-{n:04d}", x, y, hd, name))
    return cams


def _bearing(v: np.ndarray | tuple[float, float]) -> float:
    return bearing_deg(float(v[0]), float(v[1]))


def _stations(
    rng: np.random.Generator, sp: StreetPoses, lat: Lattice, xy: np.ndarray, node_of: dict[tuple[int, int], int]
) -> list[FireStation]:
    """Fire stations at the arterial junctions nearest their targets, on the kerb of an arterial."""
    out = []
    cands = [(i, j) for i in range(0, lat.nx - 1) for j in range(1, lat.ny - 1)]
    for n, (name, tx, ty, trucks, turnout) in enumerate(FIRE_STATIONS, start=1):
        i, j = min(cands, key=lambda ij: float(np.hypot(*(xy[lat.nodes[ij[0]][ij[1]]] - (tx, ty)))))
        node = _lattice_node(lat, xy, node_of, i, j)
        es = [d for d in sp.out_edges(node) if d["highway"] in ("primary", "secondary")]
        d = es[int(rng.integers(0, len(es)))]
        x, y, _ = sp.pose(d, 30.0, 1, 0.9)
        t = int(rng.integers(2, 4)) if trucks is None else trucks
        turn = float(5 * rng.integers(15, 24)) if turnout is None else turnout
        out.append(FireStation(f"FS{n}", x, y, name, t, turn))
    return out

