"""Resuming a sweep: after --max-tasks, after a torn log line, after Ctrl-C; and what resume refuses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import showroom
from sim.sweep import SweepError, parse_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[2]

DOC = {
    "model": "mmc",
    "replications": 4,
    "seed": 3,
    "params": {"servers": [1, 2, 3], "arrival_rate_per_s": [0.5, 0.8]},
    "fixed": {"customers": 300, "warmup": 20},
}


def test_resume_after_max_tasks_equals_uninterrupted(tmp_path: Path) -> None:
    spec = parse_sweep(DOC)
    run_sweep(spec, tmp_path / "ref", serial=True, progress=False)
    part = run_sweep(spec, tmp_path / "o", serial=True, max_tasks=10, progress=False)
    assert (part["complete"], part["tasks"]["done"], part["tasks"]["left"]) == (False, 10, 14)
    # results.csv of a partial run holds exactly the stored tasks
    assert len((tmp_path / "o" / "results.csv").read_text().splitlines()) == 11
    done = run_sweep(spec, tmp_path / "o", serial=True, resume=True, progress=False)
    assert done["complete"] and done["tasks"]["run_now"] == 14 and done["tasks"]["stored_before"] == 10
    assert (tmp_path / "o" / "results.csv").read_text() == (tmp_path / "ref" / "results.csv").read_text()
    again = run_sweep(spec, tmp_path / "o", serial=True, resume=True, progress=False)
    assert again["tasks"]["run_now"] == 0 and again["complete"]


def test_resume_repairs_a_torn_last_line(tmp_path: Path) -> None:
    spec = parse_sweep(DOC)
    run_sweep(spec, tmp_path / "ref", serial=True, progress=False)
    run_sweep(spec, tmp_path / "o", serial=True, max_tasks=5, progress=False)
    log = tmp_path / "o" / "tasks.jsonl"
    with open(log, "a", encoding="utf-8") as fh:
        fh.write('{"task":"c1-r1","cell":1,"rep":1,"met')  # a crash in the middle of a write
    doc = run_sweep(spec, tmp_path / "o", serial=True, resume=True, progress=False)
    assert doc["tasks"]["log_repaired_bytes"] == len('{"task":"c1-r1","cell":1,"rep":1,"met')
    assert doc["complete"] and doc["tasks"]["run_now"] == 19
    assert (tmp_path / "o" / "results.csv").read_text() == (tmp_path / "ref" / "results.csv").read_text()
    ids = [json.loads(ln)["task"] for ln in log.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 24


def test_resume_refuses_another_sweep_and_run_refuses_to_overwrite(tmp_path: Path) -> None:
    spec = parse_sweep(DOC)
    run_sweep(spec, tmp_path / "o", serial=True, max_tasks=2, progress=False)
    before = (tmp_path / "o" / "tasks.jsonl").read_bytes()
    with pytest.raises(SweepError, match=r"already holds a sweep: resume it"):
        run_sweep(spec, tmp_path / "o", serial=True, progress=False)
    other = parse_sweep(DOC | {"seed": 4})
    with pytest.raises(SweepError, match=r"was written by a different sweep \(changed: seed\)"):
        run_sweep(other, tmp_path / "o", serial=True, resume=True, progress=False)
    assert (tmp_path / "o" / "tasks.jsonl").read_bytes() == before


def test_a_failing_task_is_logged_and_retried_on_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from . import sweep_fixtures  # noqa: F401

    sweep = tmp_path / "s.yaml"
    sweep.write_text(
        f"model: test-normal\nreplications: 3\nparams: {{x: [0.0, 1.0, 2.0]}}\n"
        f"fixed: {{fail_dir: '{tmp_path}', crash_x: 1.0}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    assert showroom.main(["sweep", str(sweep), "--serial", "--out", str(out)]) == 1
    assert "1 tasks failed, first: TwinError: x=1.0 is too hot" in capsys.readouterr().err
    fails = [json.loads(ln) for ln in (out / "failures.jsonl").read_text().splitlines()]
    assert [(f["cell"], f["params"]) for f in fails] == [(1, {"x": 1.0})] and "too hot" in fails[0]["traceback"]
    doc = json.loads((out / "summary.json").read_text())
    assert (doc["complete"], doc["tasks"]["done"], doc["tasks"]["failed"]) == (False, 8, 1)
    assert showroom.main(["sweep", str(sweep), "--serial", "--resume", "--out", str(out)]) == 0
    assert not (out / "failures.jsonl").exists()
    assert showroom.main(["sweep", str(sweep), "--serial", "--out", str(tmp_path / "ref")]) == 0
    assert (out / "results.csv").read_text() == (tmp_path / "ref" / "results.csv").read_text()


def test_ctrl_c_loses_only_the_task_in_flight(tmp_path: Path) -> None:
    sweep = tmp_path / "s.yaml"
    sweep.write_text(
        "model: mmc\nreplications: 30\nseed: 5\nparams: {servers: 2, arrival_rate_per_s: 1.0}\n"
        "fixed: {customers: 12000, warmup: 100}\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "showroom.py"), "sweep", str(sweep), "--serial", "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = out / "tasks.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.exists() and log.read_text().count("\n") >= 3:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    stored = log.read_text().count("\n")
    assert 3 <= stored < 30, "the run finished before Ctrl-C; make the tasks longer"
    assert showroom.main(["sweep", str(sweep), "--serial", "--resume", "--out", str(out)]) == 0
    assert showroom.main(["sweep", str(sweep), "--serial", "--out", str(tmp_path / "ref")]) == 0
    assert (out / "results.csv").read_text() == (tmp_path / "ref" / "results.csv").read_text()
    doc = json.loads((out / "summary.json").read_text())
    assert doc["tasks"]["stored_before"] == stored and doc["tasks"]["run_now"] == 30 - stored
    assert os.path.getsize(log) > 0
