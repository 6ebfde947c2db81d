"""The city sweep models (coverage, plan, capacity, fire) on the default city, coarse and short."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

import twin
from sim.sweep import SweepError, parse_sweep, run_sweep

CITY = Path(__file__).resolve().parents[2] / "assets" / "city"
pytestmark = pytest.mark.skipif(not (CITY / "buildings.geojson").exists(), reason="the default city is not written")

COARSE = {"max_added": 4, "resolution_m": 8.0, "plan_headings": 4}


@pytest.fixture(scope="module")
def city() -> twin.Twin:
    return twin.load(CITY)


def rows(out: Path) -> list[dict[str, str]]:
    with open(out / "results.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_coverage_grows_with_added_cameras_and_matches_a_direct_plan(city: twin.Twin, tmp_path: Path) -> None:
    from twin.coverage import compute_coverage
    from twin.placement import plan_cameras
    from twin.raster import build_raster

    spec = parse_sweep(
        {"model": "coverage", "replications": 1, "params": {"added_cameras": [0, 2, 4]}, "fixed": COARSE}
    )
    doc = run_sweep(spec, tmp_path / "o", twin=city, city_path=CITY, serial=True, progress=False)
    assert doc["complete"] and doc["main_metric"] == "public_share_weighted"
    r = rows(tmp_path / "o")
    n0 = len(city.cameras_by_status("existing", "planned"))
    assert [int(float(x["cameras"])) for x in r] == [n0, n0 + 2, n0 + 4]
    share = [float(x["public_share"]) for x in r]
    assert share[0] <= share[1] <= share[2] and share[2] > share[0]  # adding cameras never hides anything
    # the first 2 of a plan for 4 are the plan for 2 (greedy picks in order): same coverage, computed directly
    raster = build_raster(city, resolution_m=8.0)
    two = plan_cameras(city, 2, headings=4, raster=raster).cameras
    direct = compute_coverage(city, city.cameras_by_status("existing", "planned") + two, raster=raster).summary()
    assert float(r[1]["public_share"]) == direct["public_share"]["Observe"]
    assert float(r[1]["street_seen_m"]) == direct["street_seen_m"]["Observe"]


def test_plan_value_is_base_plus_gain_with_diminishing_returns(city: twin.Twin, tmp_path: Path) -> None:
    spec = parse_sweep(
        {
            "model": "plan",
            "replications": 1,
            "params": {"add": [1, 3, 6]},
            "fixed": {"resolution_m": 8.0, "headings": 4},
        }
    )
    run_sweep(spec, tmp_path / "o", twin=city, city_path=CITY, serial=True, progress=False)
    r = rows(tmp_path / "o")
    gains = [float(x["gain_m2"]) for x in r]
    last = [float(x["last_gain_m2"]) for x in r]
    base = {round(float(x["value_m2"]) - float(x["gain_m2"]), 6) for x in r}
    assert len(base) == 1  # the same existing coverage under every K
    assert gains[0] < gains[1] < gains[2]
    assert last[0] >= last[1] >= last[2]  # greedy on a submodular objective: each camera adds no more
    assert all(x["gap"] == "" for x in r)  # no MILP asked for


def test_capacity_auto_and_fixed_rooms(city: twin.Twin, tmp_path: Path) -> None:
    spec = parse_sweep(
        {
            "model": "capacity",
            "replications": 2,
            "seed": 4,
            "params": {"added_cameras": [0, 4], "servers": [0, 6]},
            "fixed": COARSE | {"days": 0.25},
        }
    )
    doc = run_sweep(spec, tmp_path / "o", twin=city, city_path=CITY, serial=True, progress=False)
    assert doc["complete"] and doc["tasks"]["done"] == 8
    room = city.command_center.server_room
    for x in rows(tmp_path / "o"):
        cams, servers = float(x["cameras"]), float(x["servers"])
        assert servers >= math.ceil(cams / room.cameras_per_server)
        if x["servers"] and int(x["cell"]) % 2 == 1:  # servers: 6 given
            assert servers == 6
        # storage of every server, primaries and the failover pool
        assert float(x["usable_tb_total"]) <= float(x["raw_tb_total"])
        assert x["passed"] in ("true", "false")


def test_fire_common_random_numbers_same_fires_in_every_cell(city: twin.Twin, tmp_path: Path) -> None:
    from sim.fire import run_fire
    from sim.sweep import task_seed

    spec = parse_sweep(
        {
            "model": "fire",
            "replications": 2,
            "seed": 8,
            "common_random_numbers": True,
            "params": {"added_cameras": [0, 4]},
            "fixed": COARSE | {"days": 30, "rate_scale": 4.0},
        }
    )
    run_sweep(spec, tmp_path / "o", twin=city, city_path=CITY, serial=True, progress=False)
    r = rows(tmp_path / "o")
    by_rep: dict[str, set[str]] = {}
    for x in r:
        by_rep.setdefault(x["replication"], set()).add(x["incidents"])
    assert all(len(v) == 1 for v in by_rep.values())
    # the adapter's numbers are run_fire's for the same cameras and seed
    seed = task_seed(8, {"added_cameras": 0}, 0, common_random_numbers=True)
    direct = run_fire(city, cameras="all", days=30, seed=seed, rate_scale=4.0, compare=True).summary
    assert float(r[0]["incidents"]) == direct["with_cameras"]["incidents"]
    assert float(r[0]["mean_ignition_to_water_s"]) == direct["with_cameras"]["times_s"]["ignition_to_water"]["mean"]


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        (
            {"model": "coverage", "replications": 1, "params": {"added_cameras": [0, 120]}},
            r"params\.added_cameras: 120 is more than max_added = 101: raise max_added "
            r"\(in the cell added_cameras=120\)",
        ),
        ({"model": "coverage", "replications": 3}, r"replications: model coverage is deterministic"),
        (
            {"model": "fire", "replications": 1, "fixed": {"plan_level": "Glimpse"}},
            r"fixed\.plan_level: unknown DORI level 'Glimpse'",
        ),
        ({"model": "fire", "replications": 1, "params": {"standard": ["nfpa"]}}, r"params\.standard\[0\]: must be one"),
        ({"model": "capacity", "replications": 1, "fixed": {"faults": "often"}}, r"fixed\.faults: must be one of"),
        ({"model": "capacity", "replications": 1, "fixed": {"profile": "loud"}}, r"unknown stream profile 'loud'"),
        ({"model": "plan", "replications": 1}, r"params\.add: required by model plan"),
    ],
)
def test_city_models_refuse_bad_sweeps(doc: dict, match: str) -> None:
    with pytest.raises(SweepError, match=match):
        parse_sweep(doc, source="x.yaml")


def test_city_model_without_a_city_is_an_error(tmp_path: Path) -> None:
    spec = parse_sweep({"model": "coverage", "replications": 1})
    with pytest.raises(SweepError, match=r"city: model coverage needs a city"):
        run_sweep(spec, tmp_path / "o", serial=True, progress=False)


def test_coverage_time_watched_within_seen_and_equal_to_a_direct_run(city: twin.Twin, tmp_path: Path) -> None:
    from sim.covtime import prepare, simulate
    from sim.sweep import task_seed
    from twin.placement import plan_cameras
    from twin.raster import build_raster

    spec = parse_sweep(
        {
            "model": "coverage_time",
            "replications": 2,
            "seed": 5,
            "params": {"added_cameras": [0, 3]},
            "fixed": COARSE | {"max_added": 3, "days": 0.5},
        }
    )
    doc = run_sweep(spec, tmp_path / "o", twin=city, city_path=CITY, serial=True, progress=False)
    assert doc["complete"] and doc["main_metric"] == "watched_share"
    r = rows(tmp_path / "o")
    for x in r:
        assert 0.0 <= float(x["watched_share"]) <= float(x["seen_share"]) + 1e-12 <= 1.0
        assert 0.0 < float(x["camera_availability"]) <= 1.0
    # the last task, run directly: the first 3 planned cameras, the same raster and seed
    raster = build_raster(city, resolution_m=8.0)
    cams = city.cameras_by_status("existing", "planned") + plan_cameras(city, 3, headings=4, raster=raster).cameras
    from sim.covtime._config import CoverageTimeConfig

    ss = prepare(city, cams, raster=raster)
    run = simulate(city, ss, config=CoverageTimeConfig(days=0.5), seed=task_seed(5, {"added_cameras": 3}, 1))
    assert float(r[-1]["seen_share"]) == float(run.public_share(ss, 0)[1])  # Detect, the second EN level
    assert float(r[-1]["watched_share"]) == float(run.public_share(ss, 1)[1])
