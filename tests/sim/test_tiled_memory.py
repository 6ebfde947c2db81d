"""A tiled plan's memory per worker is bounded by the tile, not by the city (a real 1-worker LocalCluster).

Measured here (one worker, 1 km tiles, street poles x 8 headings as candidates): a 2 x 2 km city
(4 tiles) peaked at 350 MiB and a 4 x 4 km city (16 tiles, 3.9x the candidate matrix's nonzeros)
at 373 MiB, +7%; the worker's anonymous memory (what cannot be paged out) 155 -> 162 MiB, +4%.
Before the tile state was mapped from files and the tiles' city parts released, the same two ran
368 -> 466 MiB (+26%): every tile a worker held stayed in its memory.
"""

from __future__ import annotations

import pytest

from sim.tiled import dask_client, tiled_plan
from twin.generate import generate_metropolis

pytest.importorskip("distributed")


def test_plan_peak_per_worker_does_not_grow_with_the_city() -> None:
    runs = {}
    with dask_client(workers=1) as (cl, _):
        for km in (2.0, 4.0):
            city = generate_metropolis(width_km=km, height_km=km, seed=3)
            s = tiled_plan(city, int(1.6 * km * km) + 1, tile_m=1000.0, client=cl)
            runs[km] = (s["tiles"]["tiles"], max(s["tiles"]["peak_rss_mb_per_worker"].values()),
                        max(s["tiles"]["anon_mb_per_worker"].values()), s["instance"]["nonzeros"])
    (n2, peak2, anon2, nnz2), (n4, peak4, anon4, nnz4) = runs[2.0], runs[4.0]
    assert (n2, n4) == (4, 16) and nnz4 > 3.5 * nnz2  # four times the tiles and the matrix on one worker
    assert peak4 <= 1.15 * peak2, runs
    assert anon4 <= 1.10 * anon2, runs
