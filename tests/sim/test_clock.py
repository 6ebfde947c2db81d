"""The sim clock a render loop drives: sim time = wall time x speed, pausable, never skipping events."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.clock import SimClock
from twin import TwinError


def _ticker(env: simpy.Environment, seen: list[float], every_s: float) -> simpy.events.Event:
    def proc():  # noqa: ANN202
        while True:
            yield env.timeout(every_s)
            seen.append(env.now)

    return env.process(proc())


def test_sim_time_follows_wall_time_times_speed_within_one_frame() -> None:
    env = simpy.Environment()
    clock = SimClock(env, speed=60.0)
    rng = np.random.default_rng(7)
    dts = rng.uniform(1 / 90, 1 / 20, size=500)  # jittery frame times, 20-90 Hz
    for dt in dts:
        clock.tick(float(dt))
    expected = float(np.sum(dts)) * 60.0
    assert abs(env.now - expected) <= float(np.max(dts)) * 60.0
    assert clock.frames == 500


def test_pause_stops_sim_time_and_resume_continues() -> None:
    env = simpy.Environment()
    clock = SimClock(env, speed=10.0)
    for _ in range(10):
        clock.tick(0.1)
    at_pause = env.now
    assert at_pause == pytest.approx(10.0)
    clock.pause()
    for _ in range(50):
        clock.tick(0.1)
    assert env.now == at_pause
    clock.resume()
    clock.tick(0.1)
    assert env.now == pytest.approx(11.0)


def test_a_slow_frame_processes_every_event_in_order() -> None:
    env = simpy.Environment()
    seen: list[float] = []
    _ticker(env, seen, 1.0)
    clock = SimClock(env, speed=600.0)
    clock.tick(1 / 60)  # 10 sim seconds
    clock.tick(2.0)  # a 2 s hitch at 600x: 1,200 sim seconds in one frame
    assert seen == [float(k) for k in range(1, 1211)]  # 1,210 s reached, events at 1,210 s included
    assert np.all(np.diff(seen) == 1.0)


def test_snapshots_bracket_the_current_time_for_interpolation() -> None:
    env = simpy.Environment()
    pos = {"x": 0.0}

    def mover():  # noqa: ANN202
        while True:
            yield env.timeout(0.5)
            pos["x"] = env.now * 2.0  # 2 m per sim second

    env.process(mover())
    clock = SimClock(env, speed=1.0, snapshot_step_s=1.0, snapshot=lambda: dict(pos))
    for _ in range(25):
        clock.tick(0.1)  # 2.5 s
    a, b, w = clock.blend()
    assert (a["x"], b["x"]) == (2.0, 4.0)
    assert w == pytest.approx(0.5)
    x = a["x"] + w * (b["x"] - a["x"])
    assert x == pytest.approx(3.0)  # one snapshot behind the sim, interpolated smoothly


def test_bad_speed_and_negative_frame() -> None:
    env = simpy.Environment()
    with pytest.raises(TwinError, match="speed must be > 0, got 0"):
        SimClock(env, speed=0)
    with pytest.raises(TwinError, match="a frame cannot last -1 s"):
        SimClock(env).tick(-1.0)
