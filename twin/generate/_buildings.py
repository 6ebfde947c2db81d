"""Blocks, zones and buildings of the generated district (internal to :mod:`twin.generate._district`).

Blocks are the land left between the road ribbons (each road buffered by half its width). Buildings
are lots along each block's edges, oriented to the street they face and set back from it, plus a
few towers in the middle of large commercial blocks. Lots that would stick out of the block or come
closer than :data:`MIN_GAP_M` to another building are dropped, so no footprint overlaps a road
ribbon or another footprint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from twin.model import Building

#: Minimum clear distance between two buildings, metres.
MIN_GAP_M = 1.0


@dataclass(frozen=True)
class BuildingRule:
    """How a land use builds: footprint sizes and storeys (heights are ``levels * storey_m``)."""

    tags: tuple[str, ...]
    levels: tuple[int, int]
    level_p: tuple[float, ...] | None
    storey_m: float
    width_m: tuple[float, float]
    depth_m: tuple[float, float]
    gap_m: tuple[float, float]
    setback_m: tuple[float, float]
    keep: float
    l_shape_p: float = 0.0
    terrace_p: float = 0.0  # share of lots that are a row of attached houses mapped as one building
    terrace_width_m: tuple[float, float] = (24.0, 42.0)
    inner_rows: int = 0  # rows of lots inside the street front (warehouse yards)


#: Buildings by land use. Houses are 1-3 storeys at 3 m (a fifth of them rows of attached houses,
#: ``building=terrace``, as OSM maps them); shops, offices and hotels 4-12 storeys at 4 m (taller
#: floor-to-floor heights); government offices 2-6 storeys; warehouses 1-2 levels of 6 m (a high
#: single hall). ``keep`` thins the lots (vacant plots, yards, the kampung behind the street front),
#: which holds the district to 3,000-6,000 buildings.
BUILDING_RULES: dict[str, BuildingRule] = {
    "residential": BuildingRule(
        ("house",), (1, 3), (0.35, 0.45, 0.20), 3.0, (10.0, 18.0), (12.0, 20.0), (1.0, 3.5), (1.5, 4.0), 0.8,
        0.25, 0.2,
    ),
    "commercial": BuildingRule(
        ("commercial", "retail", "office"), (4, 12), None, 4.0, (14.0, 30.0), (14.0, 26.0), (2.0, 6.0), (1.0, 3.0),
        0.9, 0.2,
    ),
    "government": BuildingRule(
        ("government", "civic"), (2, 6), None, 4.0, (25.0, 55.0), (16.0, 30.0), (6.0, 15.0), (6.0, 12.0), 0.9, 0.3
    ),
    "industrial": BuildingRule(
        ("warehouse", "industrial"), (1, 2), (0.7, 0.3), 6.0, (20.0, 50.0), (18.0, 35.0), (5.0, 12.0),
        (4.0, 10.0), 0.9, inner_rows=1,
    ),
    "port": BuildingRule(
        ("warehouse",), (1, 2), (0.8, 0.2), 6.0, (25.0, 60.0), (20.0, 40.0), (6.0, 14.0), (5.0, 10.0), 0.95,
        inner_rows=2,
    ),
}
#: A few towers (hotels along the waterfront, offices) in large commercial blocks: 15-40 storeys at 4 m.
TOWER_LEVELS = (15, 40)
TOWER_TAGS = ("office", "hotel", "apartments")
TOWER_SIDE_M = (24.0, 38.0)
TOWER_COUNT = (8, 14)


def _levels(rule: BuildingRule, rng: np.random.Generator) -> int:
    lo, hi = rule.levels
    if rule.level_p is not None:
        return int(rng.choice(np.arange(lo, hi + 1), p=np.asarray(rule.level_p)))
    # skewed to the low end: most commercial buildings are 4-7 storeys, a few reach 12
    return lo + int(rng.binomial(hi - lo, 0.3))


def _lot_shape(w: float, dep: float, l_shape: bool, notch: float) -> np.ndarray:
    """A footprint in lot coordinates (s along the street, r inward), counter-clockwise."""
    if not l_shape:
        return np.array([(0.0, 0.0), (w, 0.0), (w, dep), (0.0, dep)])
    # an L: the back corner on the right is left open (a yard)
    return np.array([(0.0, 0.0), (w, 0.0), (w, dep * notch), (w * 0.55, dep * notch), (w * 0.55, dep), (0.0, dep)])


def frontage_lots(
    block: shapely.Polygon, rule: BuildingRule, rng: np.random.Generator
) -> list[tuple[shapely.Polygon, int, str]]:
    """Lots along every edge of a block: (footprint, levels, tag) before the overlap check."""
    ring = shapely.orient_polygons(block.simplify(1.0)).exterior
    xy = np.asarray(ring.coords)
    out = []
    for p0, p1 in zip(xy[:-1], xy[1:], strict=True):
        d = p1 - p0
        length = float(np.hypot(*d))
        if length < rule.width_m[0] + 4.0:
            continue
        d = d / length
        n = np.array([-d[1], d[0]])  # interior side of a counter-clockwise ring
        s = rng.uniform(1.0, 4.0)
        while True:
            terrace = bool(rng.random() < rule.terrace_p)
            w = rng.uniform(*(rule.terrace_width_m if terrace else rule.width_m))
            if s + w > length - 1.0:
                break
            dep = rng.uniform(*rule.depth_m)
            sb = rng.uniform(*rule.setback_m)
            l_shape = bool(rng.random() < rule.l_shape_p)
            local = _lot_shape(w, dep, l_shape, rng.uniform(0.45, 0.7))
            world = p0 + np.outer(local[:, 0] + s, d) + np.outer(local[:, 1] + sb, n)
            levels = _levels(rule, rng)
            tag = "terrace" if terrace else rule.tags[int(rng.integers(0, len(rule.tags)))]
            if rng.random() < rule.keep:
                out.append((shapely.Polygon(world), levels, tag))
            s += w + rng.uniform(*rule.gap_m)
    return out


def tower(block: shapely.Polygon, rng: np.random.Generator) -> shapely.Polygon | None:
    """A square-ish tower in the middle of a block, aligned with the block, or None if it does not fit."""
    mrr = shapely.oriented_envelope(block)
    c = np.asarray(mrr.exterior.coords)[:4]
    e = c[1] - c[0]
    ang = float(np.arctan2(e[1], e[0]))
    side_a, side_b = rng.uniform(*TOWER_SIDE_M), rng.uniform(*TOWER_SIDE_M)
    centre = shapely.get_coordinates(shapely.point_on_surface(block))[0]
    centroid = shapely.get_coordinates(shapely.centroid(block))[0]
    if shapely.contains(block, shapely.Point(centroid)):
        centre = centroid
    ca, sa = np.cos(ang), np.sin(ang)
    loc = np.array([(-side_a, -side_b), (side_a, -side_b), (side_a, side_b), (-side_a, side_b)]) / 2.0
    world = centre + loc @ np.array([[ca, sa], [-sa, ca]])
    poly = shapely.Polygon(world)
    inner = block.buffer(-4.0)
    if inner.is_empty or not inner.contains(poly):
        return None
    return poly


def place_buildings(
    blocks: list[shapely.Polygon], landuse: list[str], rng: np.random.Generator
) -> list[Building]:
    """All buildings of the district: towers first, then the frontage lots, overlap-free."""
    cand: list[tuple[shapely.Polygon, int, str, float, int]] = []  # footprint, levels, tag, storey, block
    commercial = [k for k, u in enumerate(landuse) if u == "commercial"]
    big = sorted(commercial, key=lambda k: -blocks[k].area)[: max(1, len(commercial) // 2)]
    n_towers = int(rng.integers(TOWER_COUNT[0], TOWER_COUNT[1] + 1))
    picks = rng.permutation(big)[:n_towers] if big else []
    for k in sorted(int(v) for v in picks):
        poly = tower(blocks[k], rng)
        if poly is not None:
            # most towers are 18-28 storeys, the odd one reaches 40
            levels = TOWER_LEVELS[0] + int(rng.binomial(TOWER_LEVELS[1] - TOWER_LEVELS[0], 0.35))
            cand.append((poly, levels, TOWER_TAGS[int(rng.integers(0, len(TOWER_TAGS)))], 4.0, k))
    n_first = len(cand)
    for k, (block, use) in enumerate(zip(blocks, landuse, strict=True)):
        rule = BUILDING_RULES.get(use)
        if rule is None:
            continue
        rings = [block]
        step = rule.setback_m[1] + rule.depth_m[1] + rule.gap_m[1]
        for r in range(1, rule.inner_rows + 1):
            rings += [p for p in shapely.get_parts(block.buffer(-r * step, join_style="mitre")) if p.area > 200.0]
        for ring in rings:
            for poly, levels, tag in frontage_lots(ring, rule, rng):
                cand.append((poly, levels, tag, rule.storey_m, k))
    if not cand:
        return []
    polys = np.array([c[0] for c in cand], dtype=object)
    owner = np.array([blocks[c[4]] for c in cand], dtype=object)
    shapely.prepare(owner)
    inside = shapely.contains_properly(owner, polys) & shapely.is_valid(polys)
    # towers first, then lots in a random order, so no side of a block is favoured
    order = np.concatenate([np.arange(n_first), n_first + rng.permutation(len(cand) - n_first)])
    order = order[inside[order]]
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="dwithin", distance=MIN_GAP_M)
    conflicts: dict[int, list[int]] = {}
    for i, j in zip(a.tolist(), b.tolist(), strict=True):
        if i != j:
            conflicts.setdefault(i, []).append(j)
    taken = np.zeros(len(cand), dtype=bool)
    blocked = np.zeros(len(cand), dtype=bool)
    for i in order.tolist():
        if blocked[i]:
            continue
        taken[i] = True
        for j in conflicts.get(i, ()):
            blocked[j] = True
    out = []
    for i in np.flatnonzero(taken).tolist():
        poly, levels, tag, storey, _ = cand[i]
        out.append(Building("", poly, round(levels * storey, 3), float(levels), tag))
    # stable ids in a spatial order (west to east within 100 m bands from the south)
    cx = shapely.get_coordinates(shapely.centroid(np.array([b.footprint for b in out], dtype=object)))
    key = np.lexsort((cx[:, 0], np.floor(cx[:, 1] / 100.0)))
    ordered = [out[i] for i in key]
    for n, b in enumerate(ordered, start=1):
        b.id = f"B{n:05d}"
    return ordered
