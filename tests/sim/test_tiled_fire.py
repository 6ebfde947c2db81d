"""The fire model with its camera sighting in tiles on a real Dask LocalCluster equals the untiled model.

One 2-worker cluster (tests/sim/conftest.py) serves the module. The reference is the untiled code
path (:func:`sim.fire.coverage_sightings`: one raster of the whole city), an independent
computation of the same pairs; the tiles cut the default city into 9-16 cores, so many fires and
cameras sit near a core's edge.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

import showroom
import twin
from sim.fire import coverage_sightings
from sim.tiled import TiledSightings

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def city() -> twin.Twin:
    return twin.load("assets/city")


def test_tiled_sightings_equal_the_whole_city_raster(client, city: twin.Twin) -> None:
    cams = twin.select_cameras(city, "all")
    rng = np.random.default_rng(11)
    (x0, y0, x1, y1) = city.bounds()
    pts = shapely.points(rng.uniform(x0, x1, 300), rng.uniform(y0, y1, 300))
    inside = shapely.STRtree(city.footprints).query(pts, predicate="intersects")[0]
    open_pts = pts[np.setdiff1d(np.arange(300), inside)]  # fires in the open
    targets = np.concatenate([np.asarray(city.footprints, dtype=object), np.asarray(open_pts, dtype=object)])
    ref = coverage_sightings(city, cams, targets)
    sighter = TiledSightings(client, tile_m=700.0)
    got = sighter(city, cams, targets)
    assert sighter.stats["tiles_with_fires"] >= 9
    # a real test: hundreds of (target, camera) pairs, from most of the city's cameras, across every tile edge
    assert ref.cam.size > 250 and np.unique(ref.cam).size > 50
    np.testing.assert_array_equal(got.ptr, ref.ptr)
    np.testing.assert_array_equal(got.cam, ref.cam)
    np.testing.assert_array_equal(got.ppm, ref.ppm)


def _run(args: list[str], out: Path) -> dict:
    assert showroom.main(["fire", *args, "--out", str(out)]) == 0
    return json.loads((out / "summary.json").read_text())


def test_showroom_fire_tiles_equals_untiled(client, tmp_path: Path, capsys) -> None:
    args = ["--cameras", "all", "--rate-scale", "8", "--seed", "5"]
    want = _run(args, tmp_path / "whole")
    got = _run([*args, "--tiles", "--tile-size", "800", "--scheduler", client.scheduler.address], tmp_path / "tiled")
    assert "camera sighting in" in capsys.readouterr().out
    tiles = got.pop("tiles")
    assert tiles["tiles"] >= 9 and tiles["cluster"]["kind"] == "scheduler"
    assert all(v > 0 for v in tiles["peak_rss_mb_per_worker"].values())
    for s in (want, got):
        s.pop("timing_s")
    assert got == want
    assert want["camera_set"]["incidents_seen"] >= 10  # the cameras matter in this run (12 fires seen)
    # every other output (incidents CSV with each fire's detection and times, plots) byte for byte
    names = sorted(p.name for p in (tmp_path / "whole").iterdir() if p.name != "summary.json")
    assert names == sorted(p.name for p in (tmp_path / "tiled").iterdir() if p.name != "summary.json")
    for n in names:
        assert (tmp_path / "whole" / n).read_bytes() == (tmp_path / "tiled" / n).read_bytes(), n
