"""What the showroom runs alongside: a drill live, a replay log played back, rack loads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import twin
from sim.clock import SimClock
from sim.live import LiveCity, ReplayLog
from sim.snapshot import SceneSnapshot

ROOT = Path(__file__).resolve().parents[2]
DRILL = ROOT / "assets" / "drills" / "night_road_closure.yaml"


@pytest.fixture(scope="module")
def city() -> twin.Twin:
    return twin.load(ROOT / "assets" / "city")


@pytest.fixture(scope="module")
def replay_log(tmp_path_factory: pytest.TempPathFactory, city: twin.Twin) -> Path:
    from sim.drill import run_drill
    from sim.drill._schema import read_scenario
    from sim.drill.report import write_outputs

    res = run_drill(read_scenario(DRILL), city, decisions="auto")
    out = tmp_path_factory.mktemp("drill")
    write_outputs(res, out)
    return out / "replay.jsonl"


def test_replay_hits_every_tick_exactly_and_blends_between(replay_log: Path) -> None:
    rp = ReplayLog(replay_log)
    lines = [json.loads(x) for x in replay_log.read_text().splitlines()]
    ticks = [x for x in lines if x["type"] == "tick"]
    assert rp.training and len(rp.ticks) == len(ticks) > 10
    # at a tick's own time the replay shows that tick
    k = len(ticks) // 2
    s = rp.state_at(ticks[k]["t"])
    for tid, v in ticks[k]["trucks"].items():
        assert s["trucks"][tid]["xy"] == pytest.approx(v["xy"])
    # halfway between two ticks a truck is halfway between its two positions
    a, b = ticks[k], ticks[k + 1]
    mid = rp.state_at((a["t"] + b["t"]) / 2)
    for tid in a["trucks"]:
        want = (np.array(a["trucks"][tid]["xy"]) + np.array(b["trucks"][tid]["xy"])) / 2
        assert mid["trucks"][tid]["xy"] == pytest.approx(want.tolist())


def test_replay_is_driven_by_the_clock_like_a_live_run(replay_log: Path) -> None:
    rp = ReplayLog(replay_log)
    clock = SimClock(rp.env, speed=60.0, snapshot=rp.snapshot)
    for _ in range(90):
        clock.tick(1 / 30)  # 3 s of wall time at 60x: 180 s of drill
    assert rp.env.now == pytest.approx(180.0)
    snap = rp.snapshot()
    assert isinstance(snap, SceneSnapshot)
    assert snap.t == pytest.approx(180.0)
    assert {t.id for t in snap.trucks} == set(rp.ticks[0]["trucks"])
    # fires carry their building's position from the log's header, so the scene can draw them
    for f in snap.fires:
        hdr = next(h for h in rp.header["fires"] if h["id"] == f.id)
        assert (f.x, f.y) == (hdr["x"], hdr["y"])


def test_not_a_replay_log(tmp_path: Path) -> None:
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"type": "tick", "t": 0}\n')
    with pytest.raises(twin.TwinError, match="x.jsonl: not a drill replay log"):
        ReplayLog(bad)
    bad.write_text("{not json\n")
    with pytest.raises(twin.TwinError, match="x.jsonl: not a readable replay log"):
        ReplayLog(bad)


def test_live_city_equals_the_drill_engine_and_racks_stay_in_range(city: twin.Twin, replay_log: Path) -> None:
    live = LiveCity(city, DRILL)
    clock = SimClock(live.env, speed=600.0, snapshot=live.snapshot)
    ticks = {round(x["t"]): x for x in map(json.loads, replay_log.read_text().splitlines()) if x["type"] == "tick"}
    for _ in range(60):
        clock.tick(0.1)  # 3,600 s
    assert live.env.now == pytest.approx(3600.0)
    snap = live.snapshot()
    # the live engine at a tick's time stands where the replay log's tick says (auto decisions both)
    tick = ticks[3600]
    for tr in snap.trucks:
        assert [tr.x, tr.y] == pytest.approx(tick["trucks"][tr.id]["xy"], abs=0.01)
    racks = snap.racks
    assert len(racks) == city.command_center.server_room.servers + city.command_center.server_room.failover_servers
    assert all(0.0 <= r.load <= 1.0 for r in racks)
    assert any(r.load > 0 for r in racks)


def test_replay_jumps_back_and_on_and_lists_its_timeline(replay_log: Path) -> None:
    rp = ReplayLog(replay_log)
    clock = SimClock(rp.env, speed=60.0, snapshot=rp.snapshot)
    for _ in range(60):
        clock.tick(1.0)  # 3,600 s of drill
    at = rp.snapshot()
    clock.rebind(rp.seek(600.0))
    assert rp.env.now == 600.0 and clock.env is rp.env
    clock.tick(0.0)
    assert rp.snapshot().t == 600.0
    clock.rebind(rp.seek(3600.0))
    clock.tick(0.0)
    again = rp.snapshot()
    # a replay is a function of time: coming back to 3,600 s shows exactly what was there before
    assert again.trucks == at.trucks
    assert rp.seek(-50.0).now == 0.0 and rp.seek(1e9).now == rp.duration_s
    lines = rp.timeline(3600.0, n=4)
    events = [e for e in rp.events if e["t"] <= 3600.0][-4:]
    assert len(lines) == len(events) and all(e["type"] in line for e, line in zip(events, lines, strict=True))
