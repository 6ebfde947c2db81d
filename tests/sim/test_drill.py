"""Drills: the three shipped scenarios with their seeds, decisions (ask by a pipe, file, auto), scoring,
replay that reproduces the run, TRAINING on every output, and bad drill files refused before anything runs."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import showroom
import twin
from showroom_cli.drill_prompt import TerminalPrompt
from sim.drill import DrillError, read_scenario, replay_drill, run_drill
from sim.drill.report import replay_lines, write_outputs

ROOT = Path(__file__).resolve().parents[2]
DRILLS = ROOT / "assets" / "drills"


@pytest.fixture(scope="module")
def city() -> twin.Twin:
    return twin.load(ROOT / "assets" / "city")


def _events(res) -> list[dict]:
    return [r for r in replay_lines(res) if r["type"] not in ("header", "end")]


def _check_training(paths: dict[str, Path]) -> None:
    for key, p in paths.items():
        if key == "map":
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # its title says TRAINING
            continue
        assert "TRAINING" in p.read_text(encoding="utf-8")[:4000], p.name
    head = json.loads(paths["replay"].read_text().splitlines()[0])
    assert head["training"] is True and head["schema"] == "fire-drill-replay/1"


def test_market_fire_rush_hour(city: twin.Twin, tmp_path: Path) -> None:
    sc = read_scenario(DRILLS / "market_fire_rush_hour.yaml")
    res = run_drill(sc, city, decisions="auto", city_ref="default")
    by = {d.incident: d for d in res.decisions}
    assert set(by) == {"F1", "F2", "F3"}
    # both FS2 engines broke down at 11 min: FS2 is not on offer for F2 or F3
    for fid in ("F2", "F3"):
        assert "FS2" not in [o["station"] for o in by[fid].options]
    # the trainer's expected action, written in the scenario file (FS1: nearest after the broken-down FS2),
    # is what the nearest-free-truck policy does
    (exp,) = sc.expected
    assert (exp["incident"], exp["dispatch"]) == ("F2", "FS1")
    assert by["F2"].choice == exp["dispatch"] == by["F2"].options[0]["station"]
    sco = res.score
    assert sco["expected_met"] == 1
    assert sco["hindsight_minutes_total"] <= sco["minutes_to_water_total"] + 1e-9
    assert sco["hindsight_runs"] == 5**3 and 0 < sco["score"] <= 100
    kinds = [r["type"] for r in _events(res)]
    assert kinds.count("inject") >= 3  # rain, breakdown, repair, rain over
    paths = write_outputs(res, tmp_path)
    _check_training(paths)
    # the same seed gives the same run, event for event
    assert _events(run_drill(sc, city, decisions="auto", score=False)) == _events(res)


def test_night_road_closure(city: twin.Twin, tmp_path: Path) -> None:
    sc = read_scenario(DRILLS / "night_road_closure.yaml")
    res = run_drill(sc, city, decisions="auto")
    recs = _events(res)
    closure = next(r for r in recs if r["type"] == "inject" and r["inject"] == "road_closure")
    assert closure["t"] == 0.0 and closure["edges"] > 0
    # CAM-101 is dark: the fire is found by a call; with the camera on, the wall operator finds it first
    det = next(r for r in recs if r["type"] == "detected" and r["incident"] == "N1")
    assert det["source"] == "call"
    sc_cam = read_scenario(DRILLS / "night_road_closure.yaml")
    sc_cam.injects = [e for e in sc_cam.injects if e["type"] != "camera_offline"]
    lit = run_drill(sc_cam, city, decisions="auto", score=False)
    assert lit.outcome.source[0] > 0 and lit.outcome.t_detect[0] < res.outcome.t_detect[0]
    # the hindsight choice, searched here through the public API (every option tried, minutes from
    # ignition to water summed by hand), independently of the drill's own scorer
    total = {}
    for o in res.decisions[0].options:
        alt = run_drill(sc, city, decisions={"N1": o["station"]}, score=False)
        k = alt.incidents.ids.index("N1")
        total[o["station"]] = float(alt.outcome.t_water[k] - alt.outcome.t_ignite[k]) / 60.0
    best = min(total, key=total.get)
    # the scenario file's expected action (FS1: FS3 is nearest by road, but its detour and turnout lose)
    (exp,) = sc.expected
    assert best == exp["dispatch"] == "FS1"
    assert res.score["hindsight_choices"] == {"N1": best}
    # the policy sends the nearest by road, FS3: the expected action is missed, at this many minutes
    assert res.decisions[0].choice == "FS3" != best
    assert res.score["expected_met"] == 0
    assert res.score["decisions"][0]["minutes_lost"] == pytest.approx(total["FS3"] - total[best], abs=0.006)
    # the trucks' routes avoid the closed road: FS3's ETA is longer than with the road open
    sc_open = read_scenario(DRILLS / "night_road_closure.yaml")
    sc_open.injects = [e for e in sc_open.injects if e["type"] != "road_closure"]
    res_open = run_drill(sc_open, city, decisions="auto", score=False)
    eta = {o["station"]: o["eta_s"] for o in res.decisions[0].options}
    eta_open = {o["station"]: o["eta_s"] for o in res_open.decisions[0].options}
    assert eta["FS3"] > eta_open["FS3"]
    assert res.decisions[0].t_s == pytest.approx(res_open.decisions[0].t_s)  # same draws, same detection
    _check_training(write_outputs(res, tmp_path, fmt="html"))


def test_afternoon_many_fires(city: twin.Twin, tmp_path: Path) -> None:
    sc = read_scenario(DRILLS / "afternoon_many_fires.yaml")
    res = run_drill(sc, city, decisions="auto")
    sco = res.score
    assert [d.incident for d in res.decisions if d.incident.startswith("A")] == ["A1", "A2", "A3", "A4"]
    assert sco["hindsight_minutes_total"] <= sco["policy_minutes_total"] + 1e-9
    # each decision's cost is the change in the total when that one decision is swapped for the hindsight choice
    for row in sco["decisions"]:
        if row["chosen"] == row["hindsight"]:
            assert row["minutes_lost"] == 0.0
    # FS1 starts with one engine away
    first = res.decisions[0]
    assert next(o for o in first.options if o["station"] == "FS1")["free_trucks"] == 3
    _check_training(write_outputs(res, tmp_path))


def test_decisions_from_a_file_and_replay_reproduces_the_run(city: twin.Twin, tmp_path: Path) -> None:
    sc = read_scenario(DRILLS / "market_fire_rush_hour.yaml")
    dec = tmp_path / "decisions.yaml"
    dec.write_text("F1: FS4\nF3: mutual_aid\n", encoding="utf-8")
    res = run_drill(sc, city, decisions=str(dec))
    by = {d.incident: d for d in res.decisions}
    assert (by["F1"].choice, by["F1"].by) == ("FS4", "file")
    assert (by["F2"].choice, by["F2"].by) == ("FS1", "auto")
    assert by["F3"].choice == "mutual_aid"
    lost = {r["incident"]: r for r in res.score["decisions"]}
    assert lost["F3"]["minutes_lost"] > 0  # 20 minutes of mutual aid against an engine 4 minutes away
    paths = write_outputs(res, tmp_path / "run")
    again = replay_drill(paths["replay"], city)
    assert _events(again) == _events(res)
    logged = [json.loads(x) for x in paths["replay"].read_text().splitlines()]
    assert [r for r in logged if r["type"] not in ("header", "end")] == json.loads(json.dumps(_events(res)))


def test_ask_reads_answers_from_a_pipe(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "showroom.py"), "drill", str(DRILLS / "market_fire_rush_hour.yaml"),
         "--decisions", "ask", "--out", str(out)],
        input="2\nxx\ns\nFS4\n\n", capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("[TRAINING]") >= 4
    assert "'xx' is not an option" in proc.stdout
    assert "trucks: " in proc.stdout and "FS1-E1" in proc.stdout  # the status asked with "s"
    # the second option offered for F1 is what "2" chose
    f1_block = proc.stdout.split("fire F1")[1].split("dispatch which")[0]
    second = f1_block.splitlines()[2].split(")")[1].split()[0]
    s = json.loads((out / "summary.json").read_text())
    chosen = {d["incident"]: (d["choice"], d["by"]) for d in s["decisions"]}
    assert chosen["F1"] == (second, "trainee")
    assert chosen["F2"] == ("FS4", "trainee")
    assert s["training"] is True
    # the replay log's decisions drive a non-interactive rerun to the same events
    out2 = tmp_path / "out2"
    assert showroom.main(["drill", str(DRILLS / "market_fire_rush_hour.yaml"), "--decisions",
                          str(out / "replay.jsonl"), "--out", str(out2)]) == 0
    a = [x for x in (out / "replay.jsonl").read_text().splitlines()[1:-1]]
    b = [x for x in (out2 / "replay.jsonl").read_text().splitlines()[1:-1]]
    assert a == b


BASE = """drill: test
city: default
seed: 1
start: "08:00"
duration_min: 60
incidents:
  - id: F1
    at_min: 2
    building: B02116
    growth: fast
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("injects:\n  - type: truck_breakdown\n    at_min: 5\n    station: FS9\n", "station 'FS9' does not exist"),
        ("injects:\n  - type: heavy_rain\n    at_min: -3\n", "before the drill's start"),
        ("background_rate_per_hour: -0.5\n", "background_rate_per_hour` must be a number >= 0"),
        ("injects:\n  - type: heavy_rain\n    at_min: 3\n    travel_factor: -1\n",
         "travel_factor must be a number > 0"),
        ("surprise: 1\n", "unknown key 'surprise'"),
        ("expected:\n  - incident: F7\n    dispatch: FS1\n", "not an incident of this drill"),
    ],
)
def test_bad_drills_are_refused_before_anything_runs(city: twin.Twin, tmp_path: Path, extra: str,
                                                     message: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(BASE + extra, encoding="utf-8")
    with pytest.raises(DrillError, match=message) as e:
        run_drill(read_scenario(f), city)
    assert "bad.yaml" in str(e.value) and "nothing was run" in str(e.value)
    out = tmp_path / "out"
    assert showroom.main(["drill", str(f), "--out", str(out)]) == 2
    assert not out.exists()


def test_yaml_that_constructs_objects_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "evil.yaml"
    f.write_text(BASE + "seed: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    with pytest.raises(DrillError, match="refused a YAML tag that would construct an object"):
        read_scenario(f)
    out = tmp_path / "out"
    assert showroom.main(["drill", str(f), "--out", str(out)]) == 2
    assert not out.exists()


def test_ask_prompt_in_process(city: twin.Twin) -> None:
    sc = read_scenario(DRILLS / "night_road_closure.yaml")
    out = io.StringIO()
    res = run_drill(sc, city, decisions="ask", ask=TerminalPrompt(io.StringIO(""), out), score=False)
    # no input at all: the policy decides and says so
    assert "no more input" in out.getvalue()
    assert res.decisions[0].choice == res.decisions[0].options[0]["station"]
    assert res.decisions[0].by == "trainee"


def test_ask_needs_an_ask_function_and_gets_each_decision_point(city: twin.Twin) -> None:
    # the model never reads a terminal: "ask" without a function is refused, and the function sees
    # each scripted fire's decision with its options
    sc = read_scenario(DRILLS / "night_road_closure.yaml")
    with pytest.raises(twin.TwinError, match="needs an ask function"):
        run_drill(sc, city, decisions="ask", score=False)
    seen = []

    def last_option(point) -> int:
        seen.append(point)
        return len(point.options) - 1

    res = run_drill(sc, city, decisions="ask", ask=last_option, score=False)
    asked = [d for d in res.decisions if d.by == "trainee"]
    assert [p.incident for p in seen] == [d.incident for d in asked] and seen
    for p, d in zip(seen, asked, strict=True):
        # the last option on offer is always mutual aid, and the choice is recorded as such
        assert p.options[-1].station_id == d.choice == "mutual_aid"
        assert p.kw_now >= 0 and p.detected_after_s >= 0 and len(p.clock) == 5


def test_live_drill_snapshots_match_the_replay_ticks(city: twin.Twin) -> None:
    # the showroom drives a drill frame by frame (sim.clock); what it draws must be what the log replays
    from sim.clock import SimClock
    from sim.drill import live_drill

    sc = read_scenario(DRILLS / "market_fire_rush_hour.yaml")
    res = run_drill(sc, city, decisions="auto", score=False)
    ticks = {r["t"]: r for r in replay_lines(res) if r["type"] == "tick"}
    eng = live_drill(sc, city, decisions="auto")
    clock = SimClock(eng.env, speed=60.0)
    compared = 0
    for _ in range(90):
        clock.tick(1.0)  # one wall second: a sim minute
        t = round(eng.env.now, 2)
        if t in ticks:
            snap = eng.snapshot()
            for name, st in ticks[t]["trucks"].items():
                assert snap["trucks"][name]["state"] == st["state"], (t, name)
                np.testing.assert_allclose(snap["trucks"][name]["xy"], st["xy"], atol=0.02)
            assert snap["fires"] == ticks[t]["fires"]
            compared += 1
    assert compared >= 60


def test_a_drill_on_the_built_in_grid_town(tmp_path: Path) -> None:
    f = tmp_path / "town.yaml"
    f.write_text("""drill: grid town
city: grid-town
seed: 4
start: "12:00"
duration_min: 45
incidents:
  - {id: G1, at_min: 1, building: b3_3_0_0, growth: fast}
  - {id: G2, at_min: 4, xy: [500, 300], growth: medium}
injects:
  - {type: truck_breakdown, at_min: 0, station: ST1, trucks: 2}
expected:
  - {incident: G1, dispatch: ST2}
""", encoding="utf-8")
    out = tmp_path / "out"
    assert showroom.main(["drill", str(f), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    # both ST1 engines are out: G1 goes to ST2, G2 (ST2's only other engine, or mutual aid) follows
    assert s["decisions"][0] == {"incident": "G1", "t_s": s["decisions"][0]["t_s"], "choice": "ST2", "by": "auto"}
    assert s["score"]["expected_met"] == 1
    assert s["fires"]["G2"]["station"] in ("ST2", "mutual_aid")
