"""A small, seeded grid town for fire-response tests, examples and quick drills.

It is a real :class:`twin.Twin` (road graph built by :func:`twin.roads.build_road_graph`, buildings,
zones, stations, cameras), only small: a square street grid with arterials, one row of buildings
along each block face, four land-use zones. Use it where the default city is too big or absent.
"""

from __future__ import annotations

__all__ = ["grid_town"]

import numpy as np
import shapely

from twin import Building, Camera, FireStation, LocalFrame, Twin, Zone
from twin.roads import RoadFeature, build_road_graph


def grid_town(
    *,
    blocks: int = 8,
    block_m: float = 120.0,
    stations: list[tuple[str, float, float, int]] | None = None,
    cameras: int = 24,
    fire_rate_per_year: float = 200.0,
    seed: int = 7,
) -> Twin:
    """A ``blocks x blocks`` street grid, ``block_m`` apart, with buildings, zones, stations and cameras.

    Args:
        blocks: blocks per side (``blocks + 1`` streets each way).
        block_m: street spacing in metres.
        stations: ``(id, x, y, trucks)`` per station; default two stations on opposite corners.
        cameras: how many existing cameras to place at street corners (heading along a street).
        fire_rate_per_year: fires a year in the whole town, shared by the zones by area.
        seed: seed of the building layout and camera placement.

    Returns:
        A Twin in the local frame of Makassar's centre.
    """
    rng = np.random.default_rng(seed)
    size = blocks * block_m
    feats = []
    for i in range(blocks + 1):
        c = i * block_m
        hw = "primary" if i % 4 == 0 else "residential"
        feats.append(RoadFeature(f"h{i}", shapely.LineString([(x, c) for x in np.arange(0, size + 1, block_m)]), hw))
        feats.append(RoadFeature(f"v{i}", shapely.LineString([(c, y) for y in np.arange(0, size + 1, block_m)]), hw))
    roads = build_road_graph(feats)
    buildings = []
    setback, depth, width = 8.0, 14.0, 12.0
    for bx in range(blocks):
        for by in range(blocks):
            x0, y0 = bx * block_m, by * block_m
            # one row of houses along the south and north faces of each block
            for k in range(int((block_m - 2 * setback) // (width + 2))):
                x = x0 + setback + k * (width + 2)
                for yy, ii in ((y0 + setback, 0), (y0 + block_m - setback - depth, 1)):
                    h = float(rng.choice([4.0, 7.0, 10.0, 16.0], p=[0.4, 0.35, 0.2, 0.05]))
                    buildings.append(
                        Building(f"b{bx}_{by}_{k}_{ii}", shapely.box(x, yy, x + width, yy + depth), height_m=h)
                    )
    half = size / 2.0
    uses = [("residential", 1.0), ("commercial", 1.5), ("residential", 1.0), ("industrial", 1.2)]
    zones = []
    for q, (x0, y0) in enumerate(((0, 0), (half, 0), (0, half), (half, half))):
        use, prio = uses[q]
        zones.append(
            Zone(f"z{q}", shapely.box(x0, y0, x0 + half, y0 + half), landuse=use, priority=prio,
                 fire_rate_per_year=fire_rate_per_year / 4.0)
        )
    if stations is None:
        stations = [("ST1", block_m * 1, block_m * 1, 2), ("ST2", size - block_m, size - block_m, 2)]
    st = [FireStation(sid, x, y, name=sid, trucks=n) for sid, x, y, n in stations]
    cams = []
    corners = [(i * block_m, j * block_m) for i in range(blocks + 1) for j in range(blocks + 1)]
    pick = rng.choice(len(corners), size=min(cameras, len(corners)), replace=False)
    for k, ci in enumerate(sorted(pick)):
        x, y = corners[ci]
        # on a pole 3 m into the block from the corner, never outside the town
        cx, cy = (x + 3.0 if x < half else x - 3.0), (y + 3.0 if y < half else y - 3.0)
        cams.append(Camera(f"CAM-{k:03d}", cx, cy, mount_height_m=8.0,
                           heading_deg=float(rng.choice([0, 90, 180, 270]) + 45.0), hfov_deg=90.0))
    return Twin(
        frame=LocalFrame(119.4327, -5.1477),
        name=f"grid town {blocks}x{blocks}",
        buildings=buildings,
        roads=roads,
        cameras=cams,
        fire_stations=st,
        zones=zones,
        extent=(0.0, 0.0, size, size),
        source="sim.fire._town.grid_town",
    )
