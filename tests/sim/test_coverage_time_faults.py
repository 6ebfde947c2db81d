"""Coverage over time, availability: one camera against MTBF / (MTBF + detection + travel + MTTR); many
cameras and a crew against the machine-repair queue; district outages take a zone down together."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.covtime import CoverageTimeConfig, prepare, simulate
from sim.faults import FaultRate, availability
from sim.queueing import machine_repair
from twin import Camera, Zone

from .covtime_fixtures import open_ground, raster

HOUR = 3600.0
# no wall, no light changes: the horizon is long and only the faults matter
LONG = dict(daylight="day", operators=1, shifts=1, tile_dwell_s=1e9, districts=False, takeovers_per_ptz_day=0.0)


def test_machine_repair_oracle_by_hand():
    # 2 units, MTBF 10 h, repair 1 h, one crew: p ~ (1, 2 * 0.1, 2 * 0.1 * 0.1) = (100, 20, 2) / 122
    m = machine_repair(2, 1 / 10, 1.0, 1)
    np.testing.assert_allclose(m.p_down, np.array([100, 20, 2]) / 122)
    assert m.mean_down == pytest.approx(24 / 122)
    assert m.mean_queue == pytest.approx(2 / 122)
    assert m.availability == pytest.approx(1 - 12 / 122)
    # with as many crews as units nobody waits: each unit is an independent MTBF / (MTBF + MTTR)
    m2 = machine_repair(5, 1 / 10, 1.0, 5)
    assert m2.mean_wait_s == pytest.approx(0.0, abs=1e-15)
    assert m2.availability == pytest.approx(10 / 11)


def test_single_camera_availability_includes_detection_and_travel():
    rate = FaultRate(100 * HOUR, 20 * HOUR, "lognormal", 0.6)
    cam = Camera("C", 900.0, 0.0)  # 900 m from the depot (the command center at 0, 0)
    city = open_ground([cam], half_m=950.0)
    cfg = CoverageTimeConfig(
        days=1e6 / 24,
        detection="periodic",
        check_interval_s=10 * HOUR,
        fault_rates={"camera_fixed": rate},
        bin_s=1e9,
        **LONG,
    )
    ss = prepare(city, [cam], config=cfg, raster=raster(city, 25.0))
    run = simulate(city, ss, config=cfg, seed=2014)
    travel_s = 900.0 * cfg.road_factor / (cfg.crew_speed_kph / 3.6)
    # a periodic check at fixed clock times finds a failure half an interval later on average
    expected = availability(rate, detection_s=5 * HOUR + travel_s)
    got = run.cam_up_s[0] / run.horizon_s
    assert got == pytest.approx(expected, rel=0.02)
    assert abs(got - rate.mtbf_s / (rate.mtbf_s + rate.mttr_s)) > 0.02  # the detection delay is visible
    reps = run.repairs
    assert len(reps) > 5000
    assert np.mean([r["detect_s"] for r in reps]) == pytest.approx(5 * HOUR, rel=0.03)
    assert all(r["wait_s"] == 0.0 for r in reps)  # one camera never queues


@pytest.mark.parametrize("crews", [1, 2])
def test_repair_queue_matches_the_machine_repair_model(crews):
    # 20 cameras, exponential MTBF 50 h and repair 5 h, instant detection and travel: M/M/c//20
    rate = FaultRate(50 * HOUR, 5 * HOUR, "exponential")
    cams = [Camera(f"C{k}", float(k), 0.0) for k in range(20)]
    city = open_ground(cams)
    cfg = CoverageTimeConfig(
        days=1.5e5 / 24,
        detection="feed",
        feed_timeout_s=1e-6,
        crew_speed_kph=1e12,
        crews=crews,
        fault_rates={"camera_fixed": rate},
        bin_s=1e9,
        **LONG,
    )
    ss = prepare(city, cams, config=cfg, raster=raster(city, 20.0))
    run = simulate(city, ss, config=cfg, seed=99)
    m = machine_repair(20, 1 / rate.mtbf_s, 1 / rate.mttr_s, crews)
    got = run.cam_up_s.sum() / (20 * run.horizon_s)
    assert got == pytest.approx(m.availability, rel=0.01)
    wait = np.mean([r["wait_s"] for r in run.repairs])
    assert wait == pytest.approx(m.mean_wait_s, rel=0.06)
    assert m.mean_wait_s > 0.5 * HOUR  # a real queue, not an empty one
    rate_seen = len(run.repairs) / run.horizon_s
    assert rate_seen == pytest.approx(m.failure_rate, rel=0.02)


def test_a_district_outage_takes_every_camera_of_the_zone_down_together():
    import shapely

    cams = [Camera("A1", -50.0, 0.0), Camera("A2", -30.0, 10.0), Camera("B1", 50.0, 0.0)]
    city = open_ground(cams)
    city.zones = [Zone("west", shapely.box(-100, -100, 0, 100)), Zone("east", shapely.box(0, -100, 100, 100))]
    power = FaultRate(10 * HOUR, 1 * HOUR, "exponential")
    cfg = CoverageTimeConfig(
        days=2000.0,
        daylight="day",
        operators=1,
        shifts=1,
        tile_dwell_s=1e9,
        faults=False,
        districts=True,
        district_rates=("power",),
        fault_rates={"power": power},
        bin_s=1e9,
        takeovers_per_ptz_day=0.0,
    )
    ss = prepare(city, cams, config=cfg, raster=raster(city, 10.0))
    run = simulate(city, ss, config=cfg, seed=8)
    assert ss.cam_zone.tolist() == [0, 0, 1]
    assert run.cam_up_s[0] == run.cam_up_s[1] != run.cam_up_s[2]
    a = run.cam_up_s / run.horizon_s
    assert a[0] == pytest.approx(10 / 11, rel=0.01) and a[2] == pytest.approx(10 / 11, rel=0.01)
    kinds = {o["zone"] for o in run.district_outages}
    assert kinds == {"west", "east"}
    assert math.isclose(
        sum(o["cameras"] for o in run.district_outages if o["zone"] == "west") / 2,
        sum(1 for o in run.district_outages if o["zone"] == "west"),
    )


def test_operator_desk_with_one_shift_lets_time_run():
    # regression: with nothing ever changing on the roster the desk's shift process looped without yielding
    import simpy

    from sim.operators import OperatorDesk, Roster

    env = simpy.Environment()
    desk = OperatorDesk(env, Roster(count=3, shifts=1, tiles_per_operator=4))
    env.run(until=900 * 86400.0)
    assert desk.on_duty == 3 and env.now == 900 * 86400.0
