"""The city in tiles on a real Dask LocalCluster: coverage equal to untiled, the plan within 0.5% of
untiled with per-district MILP gaps, the CLI through --scheduler, and memory bounded by the tile.

One 2-worker cluster serves the module (a start costs seconds on this machine).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

import showroom
import twin
from sim.tiled import dask_client, tiled_coverage, tiled_plan
from twin.coverage import compute_coverage
from twin.placement import plan_cameras
from twin.tiles import load_tiled_cells

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def city() -> twin.Twin:
    return twin.load("assets/city")


def test_tiled_coverage_on_dask_equals_untiled(client, city: twin.Twin, tmp_path: Path) -> None:
    res = tiled_coverage(city, cells_dir=tmp_path / "cells", tile_m=1000.0, client=client)
    ref = compute_coverage(city)
    want = ref.summary()
    want.pop("timings_s")
    got = {k: v for k, v in res.summary.items() if k in want}
    assert got == want
    assert res.per_camera == ref.per_camera()
    idx = load_tiled_cells(tmp_path / "cells").as_index()
    a, b = np.lexsort((idx.level, idx.camera, idx.flat)), np.lexsort((ref.level, ref.camera, ref.cells))
    assert np.array_equal(idx.flat[a], ref.cells[b]) and np.array_equal(idx.camera[a], ref.camera[b])
    # the lookup answers a spot as the untiled one does
    x, y = city.cameras[0].x + 4.0, city.cameras[0].y + 1.0
    assert load_tiled_cells(tmp_path / "cells").at(x, y) == ref.cameras_at(x, y)
    tb = res.summary["tiles"]
    assert tb["tiles"] == 9 and tb["halo_m"] > 500.0  # the longest camera range (a zoomed PTZ at Monitor)
    assert len(tb["peak_rss_mb_per_worker"]) == 2 and all(v > 0 for v in tb["peak_rss_mb_per_worker"].values())


def test_tiled_plan_within_half_a_percent_with_district_gaps(client, city: twin.Twin) -> None:
    k = 30
    ref = plan_cameras(city, k)
    s = tiled_plan(city, k, tile_m=1000.0, exact=True, time_limit_s=60.0, client=client)
    assert s["added"] == k and len(s["cameras"]) == k
    assert s["objective_before"] == pytest.approx(ref.base_value, abs=0.01)
    assert abs(s["objective_after"] - ref.value) <= 0.005 * ref.value
    d = s["districts"]
    rows = d["districts"]
    assert sum(r["cameras"] for r in rows) == k and len(rows) >= 2  # the picks fall in several districts
    for r in rows:
        # the MILP proves the greedy within (1 - 1/e) of the district's optimum, and the bound above both
        assert 0.0 <= r["gap"] <= 1.0 - 1.0 / math.e
        assert r["bound"] >= r["value"] - 1e-6 >= r["greedy"] - 1e-3
        assert r["optimal"]
    g, b = sum(r["greedy"] for r in rows), sum(r["bound"] for r in rows)
    assert d["gap_total"] == pytest.approx((b - g) / b, abs=1e-6)
    assert g == pytest.approx(sum(x["gain_m2"] for x in s["gains"]), rel=1e-6)


def test_cli_tiles_through_scheduler(client, city: twin.Twin, tmp_path: Path, capsys) -> None:
    out = tmp_path / "cov"
    rc = showroom.main(["coverage", "--tiles", "--tile-size", "1300", "--scheduler", client.scheduler.address,
                        "--out", str(out)])
    assert rc == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["tiles"]["cluster"]["kind"] == "scheduler" and s["tiles"]["tiles"] == 4
    with open(out / "per_camera.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(city.cameras_by_status("existing", "planned"))
    gj = json.loads((out / "coverage.geojson").read_text())
    assert {f["properties"]["tile"] for f in gj["features"]} == {"t000_000", "t000_001", "t001_000", "t001_001"}
    assert (out / "coverage.png").stat().st_size > 10_000 and (out / "cells" / "index.json").exists()
    printed = capsys.readouterr().out
    # 2,541 cells a side in two cores, a whole number of map pixels (2 cells) each: 1,272 cells
    assert "4 tiles of 1272 m" in printed, printed
    out = tmp_path / "plan"
    rc = showroom.main(["plan", "--add", "5", "--tiles", "--tile-size", "1300", "--scheduler",
                        client.scheduler.address, "--out", str(out)])
    assert rc == 0
    assert len(json.loads((out / "plan.geojson").read_text())["features"]) == 5
    rc = showroom.main(["coverage", "--tiles", "--scheduler", client.scheduler.address, "--workers", "2",
                        "--out", str(tmp_path / "bad")])
    assert rc == 2 and "a --scheduler cluster has its own" in capsys.readouterr().err


def _untiled(city: twin.Twin) -> float:
    from sim.tiled._cluster import peak_rss_mb

    compute_coverage(city).summary()
    return peak_rss_mb()


def test_memory_is_bounded_by_the_tile(tmp_path: Path) -> None:
    import dask

    from twin.generate import generate_metropolis

    city = generate_metropolis(width_km=3.0, height_km=3.0, seed=3)
    limit_mb = 500
    # measured here: a worker idles at about 220 MiB; the whole 3 km city untiled peaks at about
    # 640 MiB, in 760 m tiles at about 380 MiB
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with dask_client(workers=1, memory_limit=f"{limit_mb}MiB") as (cl, _):
            res = tiled_coverage(city, cells_dir=tmp_path / "cells", tile_m=750.0, client=cl)
            peak = max(res.summary["tiles"]["peak_rss_mb_per_worker"].values())
            assert peak < limit_mb, res.summary["tiles"]
            # the same worker limit kills the untiled run
            with pytest.raises(distributed.scheduler.KilledWorker):
                cl.submit(_untiled, city, pure=False).result()
    assert res.summary["tiles"]["tiles"] == 16  # 3,040 cells a side: four cores of 760
    assert res.summary["public_share"]["Monitor"] > 0.02
