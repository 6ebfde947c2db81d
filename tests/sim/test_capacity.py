"""The capacity model against closed forms: storage, utilisation, failover, reconnects, rebuilds, Erlang."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.capacity import CAUSES, CapacityConfig, Fault, build_topology, plan_capacity, simulate
from sim.capacity._analytics import run_mmc
from sim.operators import Roster
from sim.queueing import erlang_b, mmc_mean_wait_s
from sim.streams import PROFILES, StreamProfile
from twin import Camera, ServerRoom, TwinError

FLAT = PROFILES["flat"]
QUIET = CapacityConfig(days=1.0, profile=FLAT, faults="none", investigations_per_day=0.0)
C = {c: k for k, c in enumerate(CAUSES)}


def cams(n: int, kbps: float | list[float] = 4000.0, **kw) -> list[Camera]:
    rates = kbps if isinstance(kbps, list) else [kbps] * n
    return [Camera(id=f"C{i:03d}", x=10.0 * i, y=(i % 7) * 300.0, bitrate_kbps=rates[i], **kw) for i in range(n)]


def test_storage_is_bitrate_times_time_plus_overhead() -> None:
    rates = [1000.0 + 250.0 * i for i in range(20)]
    room = ServerRoom(servers=2, failover_servers=1)
    r = simulate(cams(20, rates), room, config=QUIET, seed=1)
    # hand-computed: (kbps + 70 kbit/s container) * 1000 / 8 bytes/s * 86,400 s, in TB
    want_tb = sum((k + 70.0) * 1000.0 / 8.0 * 86400.0 for k in rates) / 1e12
    assert r.written_tb.sum() == pytest.approx(want_tb, rel=1e-9)
    assert r.camera_tb.sum() == pytest.approx(want_tb, rel=1e-9)  # offered = written when nothing fails
    assert r.written_tb[2] == 0.0  # the idle failover server wrote nothing
    assert np.all(r.loss_s == 0.0)


def test_storage_with_scene_activity_matches_its_mean_within_one_percent() -> None:
    # no busy scenes; day 06-18 at 1.0, night 1.25; 6 events/day of 300 s at 2x
    prof = StreamProfile(busy_share=0.0)
    cfg = dataclasses.replace(QUIET, days=7.0, profile=prof)
    rates = [2000.0 + 100.0 * (i % 30) for i in range(216)]
    r = simulate(cams(216, rates), ServerRoom(servers=3), config=cfg, seed=7)
    day_night = 0.5 * 1.0 + 0.5 * 1.25
    events = 1.0 + (6 * 300.0 / 86400.0) * (2.0 - 1.0)
    want_tb = sum(k * day_night * events + 70.0 for k in rates) * 1000.0 / 8.0 * 7 * 86400.0 / 1e12
    assert r.written_tb.sum() == pytest.approx(want_tb, rel=0.01)


def test_utilisation_is_offered_load_over_capacity() -> None:
    room = ServerRoom(servers=2, failover_servers=0, disks_per_server=8, disk_write_mb_s=100.0, raid="raid6",
                      nic_gbps=10.0, uplink_gbps=1.0, cameras_per_switch=10, core_gbps=10.0)
    cameras = cams(20, 5000.0)
    r = simulate(cameras, room, config=QUIET, seed=2)
    rated = 8 * 100.0 * 8.0 / 6  # Mbit/s: disks x MB/s x 8 bit / RAID-6 write penalty 6 (< the 10 Gbit/s NIC)
    per_server = 10 * (5000.0 + 70.0) / 1000.0
    np.testing.assert_allclose(r.intake_mean, per_server / rated, rtol=1e-9)
    np.testing.assert_allclose(r.intake_peak, per_server / rated, rtol=1e-9)
    np.testing.assert_allclose(r.uplink_peak, 10 * 5.07 / 1000.0, rtol=1e-9)
    assert r.core_peak == pytest.approx(20 * 5.07 / 10000.0)


def test_failover_loses_detection_plus_reassignment_and_nobody_else_loses() -> None:
    room = ServerRoom(servers=3, failover_servers=1)
    cameras = cams(30, 4000.0)
    cfg = dataclasses.replace(QUIET, detection_s=30.0, reassign_s=12.5)
    crash = Fault("server", target=0, at_s=3600.0, duration_s=7200.0)
    r = simulate(cameras, room, config=cfg, seed=3, faults=[crash])
    home = build_topology(cameras, room, cfg, seed=0).home
    hit = home == 0
    assert hit.sum() == 10
    np.testing.assert_allclose(r.loss_s[hit, C["failover"]], 42.5, rtol=1e-12)
    assert r.loss_s[hit].sum() == pytest.approx(42.5 * 10)
    assert np.all(r.loss_s[~hit] == 0.0)
    # the spare recorded the group from the end of the gap until the primary came back (fail-back without a gap)
    spare_tb = 10 * 4.07e6 / 8.0 * (7200.0 - 42.5) / 1e12
    assert r.written_tb[3] == pytest.approx(spare_tb, rel=1e-9)
    # retention is sized on what the cameras offer, wherever it was recorded: a full day for everyone
    np.testing.assert_allclose(r.camera_tb, 4.07e6 / 8.0 * 86400.0 / 1e12, rtol=1e-9)


def test_a_crash_with_no_spare_left_is_loss_beyond_failover() -> None:
    room = ServerRoom(servers=3, failover_servers=1)
    cfg = dataclasses.replace(QUIET, detection_s=20.0, reassign_s=10.0)
    # server 0 dies, the spare takes over; server 1 dies while the spare is busy
    faults = [Fault("server", 0, 1000.0, 5000.0), Fault("server", 1, 2000.0, 1000.0)]
    cameras = cams(30)
    r = simulate(cameras, room, config=cfg, seed=4, faults=faults)
    home = build_topology(cameras, room, cfg, seed=0).home
    np.testing.assert_allclose(r.loss_s[home == 0, C["failover"]], 30.0)
    # server 1's cameras: the 30 s gap, then nobody to record them until 3000 s
    np.testing.assert_allclose(r.loss_s[home == 1, C["failover"]], 30.0)
    np.testing.assert_allclose(r.loss_s[home == 1, C["unprotected"]], 1000.0 - 30.0)
    assert np.all(r.loss_s[home == 2] == 0.0)


def test_power_cut_then_reconnect_storm_queues_at_each_server() -> None:
    room = ServerRoom(servers=2, failover_servers=0)
    cfg = dataclasses.replace(QUIET, boot_s=60.0, connect_s=0.5, connect_workers=2)
    cameras = cams(20)
    r = simulate(cameras, room, config=cfg, seed=5, faults=[Fault("power", 0, 1000.0, 600.0)])
    np.testing.assert_allclose(r.loss_s[:, C["power"]], 660.0)
    # each server sets up 10 cameras, 2 at a time, 0.5 s each: waits 0.5, 0.5, 1.0, 1.0, ..., 2.5, 2.5
    per_server = sorted(0.5 * (j // 2 + 1) for j in range(10))
    assert sorted(r.reconnect_s.tolist()) == pytest.approx(sorted(per_server * 2))
    assert r.loss_s[:, C["reconnect"]].sum() == pytest.approx(2 * sum(per_server))


def test_uplink_outage_and_camera_fault_touch_only_their_cameras() -> None:
    room = ServerRoom(servers=2, failover_servers=1, cameras_per_switch=8)
    cfg = dataclasses.replace(QUIET, connect_s=0.25, connect_workers=1)
    cameras = cams(24)
    topo = build_topology(cameras, room, cfg, seed=0)
    on = topo.switch == 1
    k = int(np.flatnonzero(~on)[0])  # a camera behind another switch
    faults = [Fault("uplink", 1, 500.0, 900.0), Fault("camera", k, 100.0, 50.0)]
    r = simulate(cameras, room, config=cfg, seed=8, faults=faults)
    assert on.sum() == 8
    np.testing.assert_allclose(r.loss_s[on, C["network"]], 900.0)
    # after the outage the 8 cameras queue at their servers, one set-up of 0.25 s at a time
    waits = {}
    for s in (0, 1):
        m = int((on & (topo.home == s)).sum())
        waits[s] = [0.25 * (j + 1) for j in range(m)]
    assert sorted(r.reconnect_s.tolist()) == pytest.approx(sorted(waits[0] + waits[1]))
    assert r.loss_s[k].tolist() == [0.0, 0.0, 50.0, 0.0, 0.0, 0.0, 0.0]
    others = ~on
    others[k] = False
    assert np.all(r.loss_s[others] == 0.0)


def test_raid_rebuild_that_slows_writes_below_intake_loses_the_excess() -> None:
    # 4 disks RAID-10 at 50 MB/s: 4 x 50 x 8 / 2 = 800 Mbit/s; a rebuild leaves half, 400 Mbit/s
    room = ServerRoom(servers=1, failover_servers=0, disks_per_server=4, raid="raid10", disk_write_mb_s=50.0,
                      disk_tb=1.0, cameras_per_server=100)
    cfg = dataclasses.replace(QUIET, rebuild_mb_s=100.0, rebuild_write_factor=0.5)  # 1 TB at 100 MB/s: 10,000 s
    cameras = cams(100, 4930.0)  # 100 x 5 Mbit/s with the container = 500 Mbit/s
    r = simulate(cameras, room, config=cfg, seed=6, faults=[Fault("disk", 0, 20000.0)])
    lost_share = 1.0 - 400.0 / 500.0
    np.testing.assert_allclose(r.loss_s[:, C["overload"]], lost_share * 10000.0, rtol=1e-9)
    assert r.disk_peak[0] == pytest.approx(1.0)
    written = 500.0 * (86400.0 - 10000.0) + 400.0 * 10000.0
    assert r.written_tb[0] == pytest.approx(written / 8.0 / 1e6, rel=1e-9)


def test_same_seed_same_numbers_bit_for_bit() -> None:
    cfg = CapacityConfig(days=1.0)
    cameras = cams(60, 3000.0)
    room = ServerRoom(servers=2)
    a = simulate(cameras, room, config=cfg, seed=11)
    b = simulate(cameras, room, config=cfg, seed=11)
    c = simulate(cameras, room, config=cfg, seed=12)
    for f in ("loss_s", "written_tb", "intake_peak", "latency_hist", "series_written_tb", "exports_s", "reconnect_s"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
    assert a.faults == b.faults and a.analytics == b.analytics
    assert not np.array_equal(a.written_tb, c.written_tb)


def test_analytics_queue_matches_erlang_c_mean_wait() -> None:
    lam, mu, c = 3.0, 1.0, 5
    want = mmc_mean_wait_s(lam, mu, c)  # C(5,3) / (5 - 3) = 0.118076
    # 8 x 50,000 jobs: the standard error of the mean wait is about 2.3%, so 5% is a real check
    waits = [run_mmc(lam, mu, c, jobs=50000, seed=s, warmup_jobs=500)["mean_wait_s"] for s in range(8)]
    assert np.mean(waits) == pytest.approx(want, rel=0.05)


def test_analytics_queue_with_no_room_to_wait_drops_as_erlang_b() -> None:
    r = run_mmc(3.0, 1.0, 5, jobs=100000, seed=9, warmup_jobs=500, capacity=5)
    assert r["drop_share"] == pytest.approx(erlang_b(5, 3.0), rel=0.05)


def test_auto_finds_the_smallest_room_that_survives_a_rebuild() -> None:
    # rated 320 Mbit/s a server (4 x 20 MB/s RAID-10, no spare bays); 60 x 5.57 Mbit/s = 334 Mbit/s.
    # A static sum says 2 servers (167 < 0.8 x 320) but a rebuild halves writes to 160 < 167: 3 servers.
    room = ServerRoom(servers=1, failover_servers=1, cameras_per_server=100, disks_per_server=4, disk_slots=4,
                      raid="raid10", disk_write_mb_s=20.0, disk_tb=16.0, retention_days=1.0)
    cfg = CapacityConfig(days=1.0, profile=FLAT, faults="design", investigations_per_day=0.0)
    plan = plan_capacity(cams(60, 5500.0), room, servers="auto", config=cfg, seed=1, replications=2)
    rows = {r["servers"]: r for r in plan.search}
    assert rows[2]["intake_utilisation"]["pass"] and not rows[2]["loss_beyond_failover_s"]["pass"]
    assert plan.evaluation.room.servers == 3 and plan.evaluation.passed
    assert min(rows) == 2  # the analytic lower bound


def test_auto_stops_when_only_a_failover_server_would_help() -> None:
    room = ServerRoom(servers=1, failover_servers=0, retention_days=1.0)
    cfg = CapacityConfig(days=0.5, profile=FLAT, faults="design", investigations_per_day=0.0)
    plan = plan_capacity(cams(20), room, servers="auto", config=cfg, seed=2, replications=1)
    assert len(plan.search) == 1 and plan.exhausted and not plan.evaluation.passed
    assert "set failover_servers >= 1" in plan.search[0]["why"]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: simulate(cams(4), ServerRoom(servers=0), config=QUIET), r"servers must be >= 1"),
        (lambda: simulate(cams(4), ServerRoom(retention_days=0), config=QUIET), r"retention_days must be > 0"),
        (lambda: simulate(cams(4, -1.0), ServerRoom(), config=QUIET), r"camera 'C000': bitrate_kbps must be > 0"),
        (lambda: simulate(cams(4, codec="vp9"), ServerRoom(), config=QUIET), r"camera 'C000': codec must be one of"),
        (lambda: simulate(cams(200), ServerRoom(servers=2), config=QUIET), r"at least 3 servers"),
        (lambda: simulate([], ServerRoom(), config=QUIET), r"camera list is empty"),
        (lambda: simulate(cams(4), ServerRoom(raid="raid7"), config=QUIET), r"raid must be one of"),
        (lambda: CapacityConfig(faults="sometimes"), r"faults must be"),
        (lambda: Fault("meteor"), r"fault kind"),
        (lambda: simulate(cams(4), ServerRoom(), config=QUIET, faults=[Fault("server", 9)]), r"out of range"),
        (lambda: plan_capacity(cams(4), ServerRoom(), servers=0, config=QUIET), r"whole number >= 1 or 'auto'"),
        (lambda: Roster(count=0), r"count must be a whole number >= 1"),
    ],
)
def test_bad_input_is_a_clear_twin_error(make, match: str) -> None:  # noqa: ANN001
    with pytest.raises(TwinError, match=match):
        make()
