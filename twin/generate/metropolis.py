"""A large synthetic city (a metropolis) with the density and road hierarchy of the default district.

``generate_metropolis(width_km=25, height_km=25, seed=...)`` lays the default district's jittered
arterial lattice (superblocks of about 370 m, primary and secondary arterials in the default's
pattern) over the whole extent, fills every superblock with the default district's local streets
(:func:`twin.generate._streets.fill_superblock`) and its buildings
(:func:`twin.generate._buildings.place_buildings`, one call per 2.5 km district so towers come at
the default's rate), draws land use per superblock with the default district's shares, and puts
existing cameras at street junctions (16 per km^2 by default: 10,000 on 25 x 25 km; the default
district has 18) and a fire station every 2.5 km. It is inland (no coast): the sea and the port are
what make the default district Makassar, and a metropolis is mostly not shore.

No candidate cameras are written: the planner then takes every street pole
(:func:`twin.placement.street_candidates`) as a candidate, as a planner of a new city would.
Only ``numpy.random.Generator(seed)`` draws numbers: one seed, one city.
"""

from __future__ import annotations

__all__ = ["CAMERAS_PER_KM2", "LANDUSE_SHARES", "generate_metropolis"]

import math
from dataclasses import replace

import numpy as np
import shapely
from scipy.spatial import cKDTree

from twin._errors import TwinError
from twin.generate._buildings import place_buildings
from twin.generate._cameras import Site, StreetPoses, clear_of, make_camera
from twin.generate._district import (
    LANDUSE,
    LANDUSE_GRID,
    OPERATORS,
    ORIGIN_LAT,
    ORIGIN_LON,
    ROAD_WIDTH_M,
    SERVER_ROOM,
    ZONE_NAMES,
)
from twin.generate._streets import Edge, Grid, Points, Street, _join, _Names, fill_superblock
from twin.geo import LocalFrame
from twin.model import CommandCenter, FireStation, Twin, Zone
from twin.roads import RoadFeature, build_road_graph

#: Mean arterial spacing, metres (the default district's lattice: about 370 m).
ARTERIAL_SPACING_M = 375.0
#: Arterial classes in the default district's order (north-south lines, then east-west lines).
NS_CLASSES = ("secondary", "primary", "primary", "secondary", "primary")
EW_CLASSES = ("secondary", "primary", "secondary", "primary", "secondary", "secondary")
#: Share of superblocks of each land use: the default district's 42 superblocks, less the sea.
LANDUSE_SHARES: dict[str, float] = {
    u: sum(row.count(u) for row in LANDUSE_GRID) / sum(len(row) for row in LANDUSE_GRID)
    for u in sorted({u for row in LANDUSE_GRID for u in row})
}
#: Existing cameras per km^2 (10,000 on 25 x 25 km; the default district has 115 on 6.25 km^2).
CAMERAS_PER_KM2 = 16.0
#: Least distance between two existing cameras, metres (as the default district's local junctions).
CAMERA_SPACING_M = 90.0
#: One fire station per square of this side, metres (the default district: 4 on 2.5 x 2.5 km).
STATION_SPACING_M = 1250.0
#: Superblocks per building district (one :func:`place_buildings` call): about 2.5 km square.
DISTRICT_SUPERBLOCKS = 7
#: Small parks carved out of residential blocks per district (as the default's ``SMALL_PARKS``).
SMALL_PARKS = 6


def _lines(half_m: float) -> np.ndarray:
    n = max(int(round(2.0 * half_m / ARTERIAL_SPACING_M)), 1)
    return np.linspace(-half_m, half_m, n + 1)


def _lattice(pts: Points, hx: float, hy: float, rng: np.random.Generator) -> Grid:
    xs, ys = _lines(hx), _lines(hy)
    nxl, nyl = len(xs), len(ys)
    dx = rng.uniform(-30.0, 30.0, nxl)
    dy = rng.uniform(-30.0, 30.0, nyl)
    dx[[0, -1]] = 0.0
    dy[[0, -1]] = 0.0
    jit = rng.uniform(-12.0, 12.0, (nxl, nyl, 2))
    jit[[0, -1], :, 0] = 0.0
    jit[:, [0, -1], 1] = 0.0
    xy = np.stack(np.meshgrid(xs + dx, ys + dy, indexing="ij"), axis=-1) + jit
    nodes = [[pts.add(*xy[i, j]) for j in range(nyl)] for i in range(nxl)]
    vertical = [
        [Edge(pts, xy[i, j : j + 2], nodes[i][j], nodes[i][j + 1], road=0 < i < nxl - 1) for j in range(nyl - 1)]
        for i in range(nxl)
    ]
    horizontal = [
        [Edge(pts, xy[i : i + 2, j], nodes[i][j], nodes[i + 1][j], road=0 < j < nyl - 1) for j in range(nyl)]
        for i in range(nxl - 1)
    ]
    return Grid(nodes, vertical, horizontal)


def _arterials(lat: Grid) -> list[Street]:
    out = []
    for i in range(1, lat.nx - 1):
        chain = _join([lat.vertical[i][j].chain() for j in range(lat.ny - 1)])
        out.append(Street(chain, NS_CLASSES[(i - 1) % len(NS_CLASSES)], f"Jalan Arteri Utara {i}"))
    for j in range(1, lat.ny - 1):
        chain = _join([lat.horizontal[i][j].chain() for i in range(lat.nx - 1)])
        out.append(Street(chain, EW_CLASSES[(j - 1) % len(EW_CLASSES)], f"Jalan Arteri Timur {j}"))
    return out


def generate_metropolis(
    *, width_km: float, height_km: float, seed: int, cameras_per_km2: float | None = None
) -> Twin:
    """Generate a ``width_km`` x ``height_km`` city for ``seed`` (see the module docstring).

    Raises:
        TwinError: a size outside (0.5, 200] km, a negative seed or camera density.
    """
    for name, v in (("width", width_km), ("height", height_km)):
        if not (isinstance(v, int | float) and math.isfinite(v) and 0.5 <= v <= 200.0):
            raise TwinError(f"--size-km {name} must be between 0.5 and 200 km, got {v!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise TwinError(f"seed must be a non-negative integer, got {seed!r}")
    if cameras_per_km2 is None:
        cameras_per_km2 = CAMERAS_PER_KM2
    if not (math.isfinite(cameras_per_km2) and cameras_per_km2 >= 0):
        raise TwinError(f"cameras per km2 must be >= 0, got {cameras_per_km2!r}")
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    hx, hy = 500.0 * width_km, 500.0 * height_km
    pts = Points()
    lat = _lattice(pts, hx, hy, rng)
    uses = list(LANDUSE_SHARES)
    shares = np.array([LANDUSE_SHARES[u] for u in uses])
    use_of = rng.choice(len(uses), size=(lat.nx - 1, lat.ny - 1), p=shares / shares.sum())
    names = _Names()
    sbs = [
        fill_superblock(pts, lat, c, r, uses[int(use_of[c, r])], rng, names)  # type: ignore[arg-type]
        for c in range(lat.nx - 1)
        for r in range(lat.ny - 1)
    ]
    streets = _arterials(lat) + [s for sb in sbs for s in sb.streets]
    xy = pts.array()
    feats = []
    for n, st in enumerate(streets, start=1):
        chain = [i for k, i in enumerate(st.points) if k == 0 or i != st.points[k - 1]]
        if len(chain) >= 2:
            feats.append(RoadFeature(f"R{n:06d}", shapely.LineString(xy[chain]), st.highway, name=st.name))
    roads = build_road_graph(feats)
    zones, buildings = _zones_and_buildings(lat, sbs, feats, rng)
    twin = Twin(
        frame=LocalFrame(ORIGIN_LON, ORIGIN_LAT),
        name=f"synthetic metropolis {width_km:g} x {height_km:g} km",
        buildings=buildings,
        roads=roads,
        zones=zones,
        extent=(-hx, -hy, hx, hy),
        source=f"twin.metropolis size={width_km:g}x{height_km:g}km seed={seed}",
    )
    sp = StreetPoses(roads, {k: v / 2.0 for k, v in ROAD_WIDTH_M.items()})
    n_cams = int(round(cameras_per_km2 * width_km * height_km))
    twin.cameras = _cameras(sp, twin, n_cams, rng)
    twin.fire_stations = _stations(sp, hx, hy, rng)
    twin.command_center = CommandCenter(0.0, 0.0, "Command Center (War Room)", replace(SERVER_ROOM), replace(OPERATORS))
    return twin


def _zones_and_buildings(
    lat: Grid, sbs: list, feats: list[RoadFeature], rng: np.random.Generator
) -> tuple[list[Zone], list]:
    """One zone per superblock; blocks are its land off the road ribbons; buildings per 2.5 km district."""
    lines = np.array([f.line for f in feats], dtype=object)
    ribbons = shapely.buffer(lines, np.array([ROAD_WIDTH_M[f.highway] / 2.0 for f in feats]), quad_segs=4)
    tree = shapely.STRtree(ribbons)
    zones: list[Zone] = []
    buildings: list = []
    d = DISTRICT_SUPERBLOCKS
    for dc in range(0, lat.nx - 1, d):
        for dr in range(0, lat.ny - 1, d):
            group = [sb for sb in sbs if dc <= sb.col < dc + d and dr <= sb.row < dr + d]
            blocks, use, owner = [], [], []
            for sb in group:
                zones.append(Zone(f"Z{len(zones):05d}", sb.outline, sb.landuse, name=ZONE_NAMES[len(zones) % 42]))
                if sb.landuse == "park":
                    continue
                near = tree.query(sb.outline, predicate="intersects")
                free = shapely.difference(sb.outline, shapely.union_all(ribbons[near]))
                for p in shapely.get_parts(free):
                    if p.geom_type == "Polygon" and p.area > 50.0:
                        blocks.append(p)
                        use.append(sb.landuse)
                        owner.append(len(zones) - 1)
            small = [i for i, u in enumerate(use) if u == "residential" and 2500.0 < blocks[i].area < 9000.0]
            for i in sorted(int(v) for v in rng.permutation(small)[:SMALL_PARKS]):
                use[i] = "park"
                z = zones[owner[i]]
                z.polygon = shapely.difference(z.polygon, blocks[i])
                zones.append(Zone(f"Z{len(zones):05d}", blocks[i], "park", name=f"Taman {z.name}"))
            buildings.extend(place_buildings(blocks, use, rng))
    for z in zones:
        spec = LANDUSE[z.landuse]
        z.priority = spec.priority
        z.fire_rate_per_year = round(spec.fires_per_km2_year * z.polygon.area / 1e6, 3)
    for n, b in enumerate(buildings, start=1):
        b.id = f"B{n:07d}"
    return zones, buildings


def _cameras(sp: StreetPoses, twin: Twin, n: int, rng: np.random.Generator) -> list:
    """``n`` existing cameras at junctions at least :data:`CAMERA_SPACING_M` apart, on the kerb, in no building."""
    if n == 0:
        return []
    g = sp.g
    und = g.to_undirected(as_view=True)
    junctions = np.array(sorted(v for v, deg in und.degree() if deg >= 3))
    order = junctions[rng.permutation(len(junctions))]
    xy = np.array([(g.nodes[v]["x"], g.nodes[v]["y"]) for v in order])
    tree = cKDTree(xy)
    blocked = np.zeros(len(order), dtype=bool)
    picks = []
    for k in range(len(order)):
        if blocked[k]:
            continue
        picks.append(k)
        blocked[tree.query_ball_point(xy[k], CAMERA_SPACING_M)] = True
    fp_tree = shapely.STRtree(twin.footprints)
    sites = []
    kinds = rng.choice(4, size=len(picks), p=[0.82, 0.12, 0.04, 0.02])  # fixed, dome, ptz, fisheye
    for k, kind in zip(picks, kinds.tolist(), strict=True):
        es = sp.out_edges(int(order[k]))
        e = es[int(rng.integers(0, len(es)))]
        x, y, hd = sp.pose(e, float(rng.uniform(2.0, 6.0)), 1 if rng.random() < 0.5 else -1, 0.8)
        label = (e["name"] or e["highway"]).replace("Jalan ", "Jl. ")
        kname = ("fixed", "dome", "ptz", "fisheye")[kind]
        presets = [(sp.direction(d)[2], d["name"]) for d in es] if kname == "ptz" else []
        sites.append(Site(x, y, hd, kname, label, presets))
        if len(sites) >= int(1.2 * n) + 10:
            break
    ok = clear_of(fp_tree, np.array([(s.x, s.y) for s in sites]))
    sites = [s for s, k in zip(sites, ok, strict=True) if k][:n]
    if len(sites) < n:
        raise TwinError(
            f"a metropolis this size has room for {len(sites)} cameras {CAMERA_SPACING_M:g} m apart at its "
            f"junctions, not {n}: lower the camera density"
        )
    return [make_camera(s, f"CAM-{q:05d}", rng) for q, s in enumerate(sites, start=1)]


def _stations(sp: StreetPoses, hx: float, hy: float, rng: np.random.Generator) -> list[FireStation]:
    """A station on an arterial junction near the centre of every :data:`STATION_SPACING_M` square."""
    g = sp.g
    art = [v for v in g.nodes if sum(d["highway"] in ("primary", "secondary") for d in sp.out_edges(v)) >= 3]
    if not art:
        return []
    axy = np.array([(g.nodes[v]["x"], g.nodes[v]["y"]) for v in art])
    tree = cKDTree(axy)
    nx_, ny_ = max(int(round(2 * hx / STATION_SPACING_M)), 1), max(int(round(2 * hy / STATION_SPACING_M)), 1)
    out, used = [], set()
    for i in range(nx_):
        for j in range(ny_):
            tx = -hx + (i + 0.5) * 2 * hx / nx_
            ty = -hy + (j + 0.5) * 2 * hy / ny_
            k = int(tree.query((tx, ty))[1])
            if k in used:
                continue
            used.add(k)
            es = [d for d in sp.out_edges(art[k]) if d["highway"] in ("primary", "secondary")]
            x, y, _ = sp.pose(es[int(rng.integers(0, len(es)))], 30.0, 1, 0.9)
            n = len(out) + 1
            trucks, turnout_s = int(rng.integers(2, 4)), float(5 * rng.integers(15, 24))
            out.append(FireStation(f"FS{n:03d}", x, y, f"Pos Damkar {n}", trucks, turnout_s))
    return out
