"""The sweep engine on a real Dask LocalCluster (2 worker processes): same table as serial, a worker
killed mid-sweep, the shared data sent once per worker, --resume, and the CLI through --scheduler.

One cluster serves the whole module (a start costs seconds on this machine).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import showroom
from sim.sweep import parse_sweep, run_sweep

from . import sweep_fixtures

distributed = pytest.importorskip("distributed")


def normal_spec(**fixed) -> dict:
    return {
        "model": "test-normal",
        "replications": 3,
        "seed": 2024,
        "params": {"x": {"start": 0, "stop": 7, "step": 1}, "offset": [0.0, 10.0]},
        "fixed": fixed,
    }


def table(out: Path) -> str:
    return (out / "results.csv").read_text()


def log_ids(out: Path) -> list[str]:
    return [json.loads(ln)["task"] for ln in (out / "tasks.jsonl").read_text().splitlines()]


def test_dask_table_equals_serial(client, tmp_path: Path) -> None:
    # 96 tasks: more than the engine keeps in flight (64), so the window's top-up is exercised too
    spec = parse_sweep(normal_spec() | {"replications": 6})
    sweep_fixtures.PREPARED.clear()
    serial = run_sweep(spec, tmp_path / "serial", serial=True, progress=False)
    assert len(sweep_fixtures.PREPARED) == 2  # once per value of the prepare-stage parameter `offset`
    sweep_fixtures.PREPARED.clear()
    dask = run_sweep(spec, tmp_path / "dask", client=client, progress=False)
    assert len(sweep_fixtures.PREPARED) == 2
    assert dask["executor"]["slots"] == 2 and serial["executor"]["kind"] == "serial"
    assert dask["complete"] and dask["tasks"]["done"] == 96
    assert table(tmp_path / "dask") == table(tmp_path / "serial")
    assert (tmp_path / "dask" / "summary.csv").read_text() == (tmp_path / "serial" / "summary.csv").read_text()
    # 7 tasks a job (a job never mixes prepare groups): the same table again
    batched = run_sweep(spec, tmp_path / "batched", client=client, batch=7, progress=False)
    assert batched["complete"] and table(tmp_path / "batched") == table(tmp_path / "serial")
    # both workers took part, and the finishing order was not the grid order the table is in
    workers = {json.loads(ln)["worker"] for ln in (tmp_path / "dask" / "tasks.jsonl").read_text().splitlines()}
    assert len(workers) == 2
    # the prepare-stage value reached the model: offset 10 shifts the means by 10
    means = {(c["params"]["x"], c["params"]["offset"]): c["metrics"]["mean"]["mean"] for c in dask["summary"]}
    assert means[(3, 10.0)] - means[(3, 0.0)] == pytest.approx(10.0, abs=1.0)


def test_shared_data_reaches_each_worker_once(client, tmp_path: Path) -> None:
    spec = parse_sweep(
        {
            "model": "test-probe",
            "replications": 10,
            "params": {"x": [1.0, 2.0]},
            "fixed": {"payload_n": 2_000_000, "sleep_s": 0.01},  # 16 MB: it would show if it travelled per task
        }
    )
    doc = run_sweep(spec, tmp_path / "p", client=client, progress=False)
    rows = [json.loads(ln)["metrics"] for ln in (tmp_path / "p" / "tasks.jsonl").read_text().splitlines()]
    per_pid = Counter(int(r["pid"]) for r in rows)
    assert sum(per_pid.values()) == 20 and all(r["payload_sum"] == 2_000_000 for r in rows)
    for pid, n in per_pid.items():
        # one object per worker process, used by each of its tasks in turn: counts 1..n, never a fresh copy
        assert sorted(int(r["uses"]) for r in rows if int(r["pid"]) == pid) == list(range(1, n + 1))
    assert doc["timing"]["scatter_s"] >= 0


def test_resume_on_dask_after_an_interrupted_run(client, tmp_path: Path) -> None:
    spec = parse_sweep(normal_spec())
    run_sweep(spec, tmp_path / "ref", serial=True, progress=False)
    first = run_sweep(spec, tmp_path / "o", client=client, max_tasks=17, progress=False)
    assert not first["complete"] and first["tasks"]["done"] == 17 and first["tasks"]["left"] == 31
    second = run_sweep(spec, tmp_path / "o", client=client, resume=True, progress=False)
    assert second["complete"] and second["tasks"]["stored_before"] == 17 and second["tasks"]["run_now"] == 31
    assert table(tmp_path / "o") == table(tmp_path / "ref")
    ids = log_ids(tmp_path / "o")
    assert len(ids) == len(set(ids)) == 48


def test_cli_through_scheduler_address(client, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("model: test-normal\nreplications: 2\nseed: 9\nparams:\n  x: [0, 1, 2]\n", encoding="utf-8")
    addr = client.scheduler.address
    assert showroom.main(["sweep", str(p), "--scheduler", addr, "--out", str(tmp_path / "o")]) == 0
    assert f"on 2 Dask workers ({addr})" in capsys.readouterr().out
    assert showroom.main(["sweep", str(p), "--serial", "--out", str(tmp_path / "ref")]) == 0
    assert table(tmp_path / "o") == table(tmp_path / "ref")
    assert showroom.main(["sweep", str(p), "--scheduler", addr, "--workers", "2", "--out", str(tmp_path / "x")]) == 2


def test_city_model_on_dask_equals_serial(client, tmp_path: Path) -> None:
    """The fire model's shared data (city, travel matrices, plan) pickles, travels once and gives the same table."""
    city_dir = Path(__file__).resolve().parents[2] / "assets" / "city"
    if not (city_dir / "buildings.geojson").exists():
        pytest.skip("the default city is not written")
    import twin

    city = twin.load(city_dir)
    spec = parse_sweep(
        {
            "model": "fire",
            "replications": 2,
            "seed": 3,
            "params": {"added_cameras": [0, 2]},
            "fixed": {"max_added": 2, "resolution_m": 8.0, "plan_headings": 4, "days": 20, "rate_scale": 4.0},
        }
    )
    run_sweep(spec, tmp_path / "serial", twin=city, city_path=city_dir, serial=True, progress=False)
    doc = run_sweep(spec, tmp_path / "dask", twin=city, city_path=city_dir, client=client, progress=False)
    assert doc["complete"] and doc["executor"]["slots"] == 2
    assert table(tmp_path / "dask") == table(tmp_path / "serial")


def test_cli_default_starts_its_own_local_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The default path of `showroom sweep`: a LocalCluster of its own, closed at the end."""
    p = tmp_path / "s.yaml"
    p.write_text(
        "model: mmc\nreplications: 3\nparams: {servers: [1, 2], arrival_rate_per_s: 0.5}\n"
        "fixed: {customers: 200, warmup: 10}\n",
        encoding="utf-8",
    )
    assert showroom.main(["sweep", str(p), "--workers", "1", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "6 tasks run on 1 Dask workers (tcp://127.0.0.1:" in out
    assert showroom.main(["sweep", str(p), "--serial", "--out", str(tmp_path / "ref")]) == 0
    assert table(tmp_path / "o") == table(tmp_path / "ref")


def test_a_model_error_fails_only_its_task_in_a_batch(client, tmp_path: Path) -> None:
    spec = parse_sweep(
        {
            "model": "test-normal",
            "replications": 3,
            "params": {"x": [0.0, 1.0, 2.0]},
            "fixed": {"fail_dir": str(tmp_path), "crash_x": 1.0},
        }
    )
    doc = run_sweep(spec, tmp_path / "o", client=client, batch=4, progress=False)
    assert (doc["tasks"]["done"], doc["tasks"]["failed"]) == (8, 1)
    assert doc["failures"][0]["error"] == "TwinError: x=1.0 is too hot"
    fail = json.loads((tmp_path / "o" / "failures.jsonl").read_text())
    assert fail["params"] == {"x": 1.0} and "too hot" in fail["traceback"]
    again = run_sweep(spec, tmp_path / "o", client=client, resume=True, progress=False)
    assert again["complete"] and again["tasks"]["run_now"] == 1


def test_worker_killed_mid_sweep_loses_and_duplicates_nothing(client, tmp_path: Path) -> None:
    """Last in the module: it kills a worker (the nanny starts a new one)."""
    crash = tmp_path / "crash"
    crash.mkdir()
    spec = parse_sweep(normal_spec(sleep_s=0.05, crash_dir=str(crash), crash_x=3.0))
    pids_before = set(client.run(lambda: __import__("os").getpid()).values())
    doc = run_sweep(spec, tmp_path / "o", client=client, progress=False)
    died = int((crash / "crashed").read_text())
    assert died in pids_before  # a worker process really died mid-sweep
    assert doc["complete"] and doc["tasks"]["failed"] == 0
    ids = log_ids(tmp_path / "o")
    assert len(ids) == len(set(ids)) == 48
    # the same sweep in this process (the marker exists, so nothing dies) gives the same table
    run_sweep(spec, tmp_path / "ref", serial=True, progress=False)
    assert table(tmp_path / "o") == table(tmp_path / "ref")
    assert died not in set(client.run(lambda: __import__("os").getpid()).values())  # the nanny replaced it
