"""Small synthetic cities for the coverage and placement tests (builders only; no tests here)."""

from __future__ import annotations

import numpy as np
import shapely

from twin import Building, Camera, LocalFrame, Twin, Zone
from twin.roads import RoadFeature, build_road_graph

FRAME = LocalFrame(119.43, -5.14)
#: Storeys of a Makassar-like district: mostly 1-4 storeys, a few towers.
HEIGHTS_M = (4.0, 7.0, 10.0, 14.0, 30.0)
HEIGHT_P = (0.25, 0.35, 0.2, 0.15, 0.05)


def empty_city(cameras: list[Camera] | None = None, *, extent=(-100.0, -100.0, 100.0, 100.0)) -> Twin:
    """Open ground: no buildings, no roads, no zones."""
    return Twin(frame=FRAME, name="open", cameras=list(cameras or []), extent=extent)


def block_city(
    *, size_m: float = 400.0, block_m: float = 60.0, street_m: float = 20.0, seed: int = 7, n_candidates: int = 0
) -> Twin:
    """A grid of blocks with random buildings, streets between them, a park and a priority zone."""
    rng = np.random.default_rng(seed)
    buildings = []
    pitch = block_m + street_m
    n = int(size_m // pitch)
    k = 0
    for a in range(n):
        for b in range(n):
            x0 = a * pitch + street_m / 2
            y0 = b * pitch + street_m / 2
            if (a, b) == (1, 1):
                continue  # the park
            for _ in range(4):
                w, h = rng.uniform(8, 25, 2)
                px = x0 + rng.uniform(0, block_m - w)
                py = y0 + rng.uniform(0, block_m - h)
                buildings.append(
                    Building(f"b{k}", shapely.box(px, py, px + w, py + h), float(rng.choice(HEIGHTS_M, p=HEIGHT_P)))
                )
                k += 1
    feats = []
    rid = 0
    for a in range(n + 1):
        c = a * pitch
        for line in (shapely.LineString([(c, 0), (c, n * pitch)]), shapely.LineString([(0, c), (n * pitch, c)])):
            feats.append(RoadFeature(id=f"r{rid}", line=line, highway="residential"))
            rid += 1
    zones = [
        Zone(
            "park",
            shapely.box(pitch + street_m / 2, pitch + street_m / 2, 2 * pitch - street_m / 2, 2 * pitch - street_m / 2),
            landuse="park",
            priority=1.0,
        ),
        Zone("market", shapely.box(0, 0, 2 * pitch, pitch), landuse="commercial", priority=3.0),
    ]
    cams = []
    for q in range(n_candidates):
        # poles along the streets, at the kerb
        a = rng.integers(0, n + 1)
        t = rng.uniform(5, n * pitch - 5)
        x, y = (a * pitch + 4.0, t) if q % 2 else (t, a * pitch + 4.0)
        cams.append(Camera(f"c{q}", float(x), float(y), status="candidate", tilt_deg=20.0))
    return Twin(
        frame=FRAME, name="blocks", buildings=buildings, roads=build_road_graph(feats), zones=zones, cameras=cams
    )
