"""Small seeded cities the checks run on: a grid of blocks with streets, a park and a priority zone."""

from __future__ import annotations

import numpy as np
import shapely

from twin import Building, Camera, LocalFrame, Twin, Zone
from twin.roads import RoadFeature, build_road_graph

#: Near the default city's origin (Makassar); only the local metres matter to the checks.
FRAME = LocalFrame(119.43, -5.14)
#: Storeys of a Makassar-like district: mostly 1-4 storeys, a few towers (metres, and their shares).
HEIGHTS_M = (4.0, 7.0, 10.0, 14.0, 30.0)
HEIGHT_P = (0.25, 0.35, 0.2, 0.15, 0.05)


def block_city(*, size_m: float = 400.0, block_m: float = 60.0, street_m: float = 20.0, seed: int = 7,
               n_candidates: int = 0) -> Twin:
    """A grid of blocks with 4 random buildings each, residential streets between them, a park and a market.

    ``n_candidates`` candidate poles stand at the kerb of random streets (status ``candidate``).
    """
    rng = np.random.default_rng(seed)
    pitch = block_m + street_m
    n = int(size_m // pitch)
    buildings = []
    for a in range(n):
        for b in range(n):
            if (a, b) == (1, 1):
                continue  # the park
            x0, y0 = a * pitch + street_m / 2, b * pitch + street_m / 2
            for _ in range(4):
                w, h = rng.uniform(8, 25, 2)
                px, py = x0 + rng.uniform(0, block_m - w), y0 + rng.uniform(0, block_m - h)
                height = float(rng.choice(HEIGHTS_M, p=HEIGHT_P))
                buildings.append(Building(f"b{len(buildings)}", shapely.box(px, py, px + w, py + h), height))
    feats = []
    for a in range(n + 1):
        c = a * pitch
        for line in (shapely.LineString([(c, 0), (c, n * pitch)]), shapely.LineString([(0, c), (n * pitch, c)])):
            feats.append(RoadFeature(id=f"r{len(feats)}", line=line, highway="residential"))
    park = shapely.box(pitch + street_m / 2, pitch + street_m / 2, 2 * pitch - street_m / 2, 2 * pitch - street_m / 2)
    zones = [
        Zone("park", park, landuse="park", priority=1.0),
        Zone("market", shapely.box(0, 0, 2 * pitch, pitch), landuse="commercial", priority=3.0),
    ]
    cams = []
    for q in range(n_candidates):
        a = int(rng.integers(0, n + 1))
        t = float(rng.uniform(5, n * pitch - 5))
        x, y = (a * pitch + 4.0, t) if q % 2 else (t, a * pitch + 4.0)
        cams.append(Camera(f"c{q}", x, y, status="candidate", tilt_deg=20.0))
    return Twin(frame=FRAME, name="blocks", buildings=buildings, roads=build_road_graph(feats), zones=zones,
                cameras=cams)
