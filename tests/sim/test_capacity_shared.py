"""The shared pieces: operators in shifts, failure-repair processes, the scene-activity rate process."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.faults import FAULT_RATES, FaultRate, availability, camera_fault_rate, failure_repair, outage_intervals
from sim.operators import OperatorDesk, Roster
from sim.streams import (
    PROFILES,
    StreamProfile,
    day_night_changes,
    event_intervals,
    load_profile,
    main_kbps,
    mean_multiplier,
    storage_bytes,
)
from twin import Camera, Operators, TwinError


# ---- operators ---------------------------------------------------------------------------------
def test_forty_staff_in_three_shifts() -> None:
    r = Roster.from_twin(Operators(count=40, shifts=3, tiles_per_operator=9))
    assert r.staff_per_shift() == (14, 13, 13)
    # shifts start at 07:00, 15:00, 23:00
    assert r.on_duty(np.array([6.99, 7.0, 14.99, 15.0, 22.99, 23.0]) * 3600).tolist() == [13, 14, 14, 13, 13, 13]
    assert r.tiles(8 * 3600) == 14 * 9
    assert r.changes(86400.0) == [(0.0, 13), (7 * 3600.0, 14), (15 * 3600.0, 13)]
    assert r.mean_on_duty() == pytest.approx(40 / 3)


def test_operator_desk_capacity_follows_the_shifts() -> None:
    env = simpy.Environment()
    desk = OperatorDesk(env, Roster(count=5, shifts=2, tiles_per_operator=4, first_shift_h=0.0))  # 3 then 2
    got: list[tuple[float, int]] = []

    def task(t0: float, hold: float):  # noqa: ANN202
        yield env.timeout(t0)
        with desk.request() as req:
            yield req
            got.append((env.now, desk.busy))
            yield env.timeout(hold)

    for _ in range(3):
        env.process(task(11 * 3600.0, 2 * 3600.0))  # three tasks at 11:00, 2 h each, crossing the 12:00 change
    env.process(task(12.5 * 3600.0, 60.0))  # at 12:30 only 2 seats, and they are busy until 13:00
    env.run(until=86400.0)
    assert [t for t, _ in got[:3]] == [11 * 3600.0] * 3
    assert got[3][0] == 13 * 3600.0  # waited for a busy operator to finish; the third seat went off duty


# ---- faults ------------------------------------------------------------------------------------
def test_long_run_availability_matches_mtbf_over_mtbf_plus_mttr() -> None:
    rate = FaultRate(mtbf_s=900.0, mttr_s=100.0, repair="lognormal", repair_cv=0.7)
    horizon = 2e6
    o = outage_intervals(np.random.default_rng(1), 200, horizon, rate)
    up = 1.0 - o.down_time_s(200, horizon).sum() / (200 * horizon)
    assert up == pytest.approx(availability(rate), rel=0.002)  # 0.9
    assert availability(rate, detection_s=100.0) == pytest.approx(900 / 1100)
    # intervals of one unit never overlap and are sorted
    u0 = o.unit == 0
    assert np.all(o.start_s[u0][1:] >= o.end_s[u0][:-1])
    assert np.all(np.diff(o.start_s) >= 0)


def test_failure_repair_process_and_seeding() -> None:
    def run(seed: int) -> list[tuple[str, float]]:
        env = simpy.Environment()
        log: list[tuple[str, float]] = []
        env.process(failure_repair(env, np.random.default_rng(seed), FaultRate(50.0, 5.0, "fixed"),
                                   on_fail=lambda: log.append(("fail", env.now)),
                                   on_repair=lambda: log.append(("repair", env.now))))
        env.run(until=1000.0)
        return log

    a = run(3)
    assert a == run(3) and a != run(4)
    fails = [t for k, t in a if k == "fail"]
    repairs = [t for k, t in a if k == "repair"]
    np.testing.assert_allclose(np.array(repairs) - np.array(fails[: len(repairs)]), 5.0)


def test_fault_rate_tables_and_errors() -> None:
    assert camera_fault_rate("ptz").mtbf_s < camera_fault_rate("fixed").mtbf_s
    assert FAULT_RATES["disk"].mtbf_s == pytest.approx(8760 * 3600 / 0.015)
    with pytest.raises(TwinError, match="no fault rate for camera type 'thermal'"):
        camera_fault_rate("thermal")
    with pytest.raises(TwinError, match="mtbf_s must be > 0"):
        FaultRate(0.0, 1.0)


# ---- streams -----------------------------------------------------------------------------------
def test_ten_point_eight_gigabytes_a_day_per_megabit() -> None:
    assert storage_bytes(1000.0, 86400.0, overhead_kbps=0.0) == pytest.approx(10.8e9)
    assert storage_bytes([1000.0, 2000.0], 3600.0) == pytest.approx((1070 + 2070) * 125 * 3600)


def test_planning_bitrates_and_bad_cameras() -> None:
    c = [Camera(id="a", x=0, y=0, width_px=1920, height_px=1080, fps=30),
         Camera(id="b", x=0, y=0, fps=15, codec="h265"), Camera(id="c", x=0, y=0, bitrate_kbps=1234.0)]
    np.testing.assert_allclose(main_kbps(c), [5500.0, 5500.0 * 0.5 * 0.85, 1234.0])
    # a bad camera never reaches the model: Camera checks its rules once, when it is built
    with pytest.raises(TwinError, match=r"camera 'x': codec must be one of \['h264', 'h265', 'mjpeg'\], got 'av1'"):
        Camera(id="x", x=0, y=0, codec="av1")


def test_activity_process_time_shares() -> None:
    p = PROFILES["planning"]
    assert day_night_changes(p, 86400.0) == [(0.0, 1.25), (6 * 3600.0, 1.0), (18 * 3600.0, 1.25)]
    ev = event_intervals(np.random.default_rng(2), 300, 20 * 86400.0, p)
    share = ev.down_time_s(300, 20 * 86400.0).sum() / (300 * 20 * 86400.0)
    assert share == pytest.approx(6 * 300 / 86400, rel=0.03)
    starts_per_day = len(ev) / (300 * 20)
    assert starts_per_day == pytest.approx(6.0, rel=0.03)
    assert mean_multiplier(p, 1.5) == pytest.approx(1.5 * 1.125 * (1 + 6 * 300 / 86400))
    assert mean_multiplier(PROFILES["flat"]) == 1.0


def test_profile_from_file_and_errors(tmp_path) -> None:  # noqa: ANN001
    f = tmp_path / "measured.yaml"
    f.write_text("night_factor: 1.6\nevents_per_day: 10\n")
    p = load_profile(f)
    assert p.name == "measured" and p.night_factor == 1.6 and p.events_per_day == 10
    (tmp_path / "bad.yaml").write_text("nite_factor: 2\n")
    with pytest.raises(TwinError, match=r"unknown stream profile field\(s\) \['nite_factor'\]"):
        load_profile(tmp_path / "bad.yaml")
    with pytest.raises(TwinError, match="unknown stream profile 'loud'"):
        load_profile("loud")
    with pytest.raises(TwinError, match="do not fit in a day"):
        StreamProfile(events_per_day=300, event_mean_s=300)
