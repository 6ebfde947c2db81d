"""Sweep files: schema, grid expansion, seeds, statistics, and the errors a user sees (no Dask here)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import showroom
from sim.sweep import SweepError, load_sweep, parse_sweep, run_sweep, task_seed
from sim.sweep._tables import cell_stats
from twin import TwinError

from . import sweep_fixtures  # noqa: F401  (registers the test models)


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ---- grid expansion ------------------------------------------------------------------------
def test_lists_ranges_and_product_order() -> None:
    spec = parse_sweep(
        {
            "model": "mmc",
            "replications": 2,
            "params": {"servers": {"start": 2, "stop": 6, "step": 2}, "arrival_rate_per_s": [0.5, 1.0]},
        }
    )
    assert spec.axes == {"servers": [2, 4, 6], "arrival_rate_per_s": [0.5, 1.0]}
    cells = spec.cells()
    assert [(c["servers"], c["arrival_rate_per_s"]) for c in cells] == [
        (2, 0.5), (2, 1.0), (4, 0.5), (4, 1.0), (6, 0.5), (6, 1.0)
    ]  # fmt: skip
    tasks = spec.tasks()
    assert len(tasks) == spec.n_tasks == 12
    assert [t.id for t in tasks[:3]] == ["c0-r0", "c0-r1", "c1-r0"]
    # defaults and fixed values are in every task's parameters
    assert tasks[0].params["customers"] == 20_000 and tasks[0].params["service_rate_per_s"] == 1.0


def test_float_step_includes_stop_without_drift() -> None:
    spec = parse_sweep(
        {
            "model": "mmc",
            "replications": 1,
            "params": {"servers": 1, "arrival_rate_per_s": {"start": 0.1, "stop": 0.5, "step": 0.1}},
        }
    )
    assert spec.axes["arrival_rate_per_s"] == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert spec.axes["servers"] == [1]


def test_num_linear_and_log() -> None:
    lin = parse_sweep(
        {
            "model": "mmc",
            "replications": 1,
            "params": {"servers": {"start": 1, "stop": 101, "num": 5}, "arrival_rate_per_s": 1},
        }
    )
    assert lin.axes["servers"] == [1, 26, 51, 76, 101]
    log = parse_sweep(
        {
            "model": "mmc",
            "replications": 1,
            "params": {"servers": 1, "arrival_rate_per_s": {"start": 0.01, "stop": 100, "num": 5, "log": True}},
        }
    )
    assert log.axes["arrival_rate_per_s"] == [0.01, 0.1, 1.0, 10.0, 100.0]


def test_yaml_exponent_without_dot_is_a_number(tmp_path: Path) -> None:
    # YAML 1.1 reads 1e-3 as a string; a numeric parameter accepts it anyway
    spec = load_sweep(
        write(tmp_path, "model: mmc\nreplications: 1\nparams:\n  servers: 2\n  arrival_rate_per_s: 1e-3\n")
    )
    assert spec.axes["arrival_rate_per_s"] == [0.001]


# ---- seeds ---------------------------------------------------------------------------------
def test_seed_is_the_documented_seedsequence() -> None:
    cell = {"servers": 3, "arrival_rate_per_s": 1.5}
    key = int.from_bytes(__import__("hashlib").sha256(b'{"arrival_rate_per_s":1.5,"servers":3}').digest()[:8])
    want = int(np.random.SeedSequence(42, spawn_key=(key, 7)).generate_state(1, np.uint64)[0]) >> 1
    assert task_seed(42, cell, 7) == want
    assert 0 <= want < 2**63


def test_seeds_distinct_and_stable_when_the_grid_grows() -> None:
    small = parse_sweep(
        {"model": "mmc", "replications": 3, "seed": 5, "params": {"servers": [2, 3], "arrival_rate_per_s": 1}}
    )
    big = parse_sweep(
        {"model": "mmc", "replications": 3, "seed": 5, "params": {"servers": [1, 2, 3, 4], "arrival_rate_per_s": 1}}
    )
    s_small = {(t.swept["servers"], t.rep): t.seed for t in small.tasks()}
    s_big = {(t.swept["servers"], t.rep): t.seed for t in big.tasks()}
    assert all(s_big[k] == v for k, v in s_small.items())
    assert len(set(s_big.values())) == len(s_big)
    other = parse_sweep(
        {"model": "mmc", "replications": 3, "seed": 6, "params": {"servers": [2, 3], "arrival_rate_per_s": 1}}
    )
    assert not set(s_small.values()) & {t.seed for t in other.tasks()}


def test_common_random_numbers_share_seeds_across_cells() -> None:
    spec = parse_sweep(
        {
            "model": "mmc",
            "replications": 2,
            "common_random_numbers": True,
            "params": {"servers": [2, 3], "arrival_rate_per_s": 1},
        }
    )
    by_rep: dict[int, set[int]] = {}
    for t in spec.tasks():
        by_rep.setdefault(t.rep, set()).add(t.seed)
    assert all(len(s) == 1 for s in by_rep.values()) and by_rep[0] != by_rep[1]


# ---- statistics against hand-computed values -------------------------------------------------
def test_student_t_interval() -> None:
    s = cell_stats([1.0, 2.0, 3.0, 4.0], kind="mean", confidence=0.95)
    # mean 2.5, sd sqrt(5/3) = 1.2909944, t(0.975, 3) = 3.1824463
    half = 3.1824463 * 1.2909944 / 2
    assert s["mean"] == 2.5 and s["std"] == pytest.approx(1.2909944, rel=1e-7)
    assert s["ci_low"] == pytest.approx(2.5 - half, rel=1e-6) and s["ci_high"] == pytest.approx(2.5 + half, rel=1e-6)


def test_wilson_interval_and_missing_values() -> None:
    s = cell_stats([True] * 8 + [False] * 2, kind="proportion", confidence=0.95)
    # Wilson 8/10 at 95 %: [0.4901625, 0.9433178] (z = 1.959964)
    assert s["mean"] == 0.8
    assert s["ci_low"] == pytest.approx(0.4901625, abs=2e-6) and s["ci_high"] == pytest.approx(0.9433178, abs=2e-6)
    m = cell_stats([1.0, float("nan"), 3.0], kind="mean", confidence=0.9)
    assert m["n"] == 2 and m["n_missing"] == 1 and m["mean"] == 2.0


def test_mmc_sweep_matches_erlang_c(tmp_path: Path) -> None:
    # M/M/5 with a = 3 Erlang: C(5,3) = 0.236152, Wq = C / (c mu - lambda) = 0.118076 s (REFERENCE.md)
    spec = parse_sweep(
        {
            "model": "mmc",
            "replications": 8,
            "seed": 11,
            "params": {"servers": 5, "arrival_rate_per_s": 3.0},
            "fixed": {"customers": 12_000, "warmup": 1_000},
        }
    )
    doc = run_sweep(spec, tmp_path / "o", serial=True, progress=False)
    m = doc["summary"][0]["metrics"]
    assert m["mean_wait_s"]["mean"] == pytest.approx(0.118076, rel=0.06)
    assert m["mean_wait_s"]["ci_low"] < 0.118076 < m["mean_wait_s"]["ci_high"]
    assert m["share_waited"]["mean"] == pytest.approx(0.236152, rel=0.04)
    assert m["utilisation"]["mean"] == pytest.approx(0.6, rel=0.02)
    assert m["erlang_c_wait_s"]["mean"] == pytest.approx(0.118076, abs=1e-6)  # the closed form, reported beside


# ---- bad input -----------------------------------------------------------------------------
H = "model: mmc\nreplications: 1\n"  # a valid head
P = "params: {servers: 2, arrival_rate_per_s: 1}\n"  # valid parameters
R = "  arrival_rate_per_s: 1\n"
BAD = [
    ("model: nope\nreplications: 1\n", r"s\.yaml: model: unknown model 'nope'"),
    ("replications: 1\n", r"s\.yaml: model: missing"),
    (H + "params:\n  servers: 2\n  bogus: [1]\n", r"s\.yaml: params\.bogus: model mmc has no parameter 'bogus'"),
    (H + P + "fixed:\n  nope: 1\n", r"fixed\.nope: model mmc has no"),
    (H + "params:\n  servers: {start: 5, stop: 1, step: 1}\n" + R, r"params\.servers: empty range"),
    (H + "params:\n  servers: []\n" + R, r"params\.servers: empty list"),
    ("model: mmc\nreplications: 0\n" + P, r"s\.yaml: replications: must be an integer >= 1, got 0"),
    ("model: mmc\nreplications: -3\n" + P, r"replications: must be an integer >= 1, got -3"),
    ("model: mmc\n" + P, r"replications: missing"),
    (H + "params:\n  servers: [2, 0]\n" + R, r"params\.servers\[1\]: must be an integer in \[1, 10000\], got 0"),
    (H + "params:\n  servers: 2.5\n" + R, r"params\.servers: must be an integer"),
    (H + "params:\n  servers: 2\n  arrival_rate_per_s: 0\n", r"arrival_rate_per_s: must be a number > 0, got 0"),
    (H + "params:\n  servers: 2\n", r"params\.arrival_rate_per_s: required by model mmc"),
    (H + "params: {servers: [2, 2], arrival_rate_per_s: 1}\n", r"params\.servers: repeats a value"),
    (H + P + "fixed: {servers: 3}\n", r"fixed\.servers: is also under params"),
    (H + "params: {servers: {start: 1, stop: 3}, arrival_rate_per_s: 1}\n", r"servers: a range needs exactly one of"),
    (H + "params: {servers: {start: 1, stop: 3, num: 9}, arrival_rate_per_s: 1}\n", r"repeat integers"),
    (H + "params: {servers: {start: 1, stop: 3, by: 1}, arrival_rate_per_s: 1}\n", r"servers\.by: unknown range key"),
    (H + "seed: -1\n" + P, r"seed: must be an integer >= 0"),
    (H + "metric: speed\n" + P, r"metric: model mmc reports"),
    ("model: mmc\nreplicates: 1\n", r"s\.yaml: replicates: unknown key"),
    ("- model: mmc\n", r"s\.yaml: a sweep file is a mapping"),
    ("model: mmc\nreplications: [1\n", r"s\.yaml: line \d+, column \d+: not valid YAML"),
    ("model: !!python/object/apply:os.system ['echo x']\n", r"s\.yaml: line 1: .*tags that build Python objects"),
]


@pytest.mark.parametrize(("text", "match"), BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_sweep_files_name_file_and_key(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(SweepError, match=match) as e:
        load_sweep(write(tmp_path, text))
    assert isinstance(e.value, TwinError) and isinstance(e.value, ValueError)


def test_deterministic_model_refuses_replications() -> None:
    from sim.sweep import Metric, ModelAdapter, Param

    det = ModelAdapter(
        name="det",
        doc="",
        params=(Param("k", "int", 0),),
        metrics=(Metric("y"),),
        main_metric="y",
        run=lambda shared, params, seed: {"y": params["k"]},
        stochastic=False,
    )
    from sim.sweep import MODELS

    MODELS["det"] = det
    try:
        with pytest.raises(
            SweepError, match=r"replications: model det is deterministic: replications must be 1, got 3"
        ):
            parse_sweep({"model": "det", "replications": 3})
    finally:
        del MODELS["det"]


def test_cli_bad_input_exits_2_and_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, "model: mmc\nreplications: 0\nparams: {servers: 2, arrival_rate_per_s: 1}\n")
    assert showroom.main(["sweep", str(p), "--serial", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "s.yaml: replications: must be an integer >= 1, got 0" in err
    assert not (tmp_path / "o").exists()
    assert showroom.main(["sweep", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert "missing.yaml: cannot read the sweep file" in capsys.readouterr().err
    ok = write(tmp_path, "model: mmc\nreplications: 1\nparams: {servers: 2, arrival_rate_per_s: 1}\n", "ok.yaml")
    assert showroom.main(["sweep", str(ok), "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--workers must be >= 1" in capsys.readouterr().err


# ---- the CLI, serial -----------------------------------------------------------------------
def test_cli_serial_writes_every_artifact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(
        tmp_path,
        "model: mmc\nreplications: 3\nseed: 1\nparams:\n  servers: [2, 3]\n"
        "  arrival_rate_per_s: {start: 1, stop: 1.5, step: 0.5}\n"
        "fixed: {customers: 500, warmup: 50}\n",
    )
    out = tmp_path / "o"
    assert showroom.main(["sweep", str(p), "--serial", "--out", str(out)]) == 0
    assert "12/12 done, 0 failed" in capsys.readouterr().out
    doc = json.loads((out / "summary.json").read_text())
    assert doc["complete"] and doc["tasks"]["done"] == 12 and doc["cells"] == 4
    assert {"results.csv", "summary.csv", "plot_servers.png", "plot_arrival_rate_per_s.png"} <= set(doc["files"])
    for f in doc["files"]:
        assert (out / f).exists(), f
    lines = (out / "results.csv").read_text().splitlines()
    assert lines[0] == (
        "cell,replication,seed,servers,arrival_rate_per_s,mean_wait_s,share_waited,utilisation,max_queue,"
        "target_met,erlang_c_wait_s"
    )
    assert len(lines) == 13
    # the per-cell mean in summary.csv is the mean of that cell's rows in results.csv
    rows = [ln.split(",") for ln in lines[1:]]
    cell0 = [float(r[5]) for r in rows if r[0] == "0"]
    assert doc["summary"][0]["metrics"]["mean_wait_s"]["mean"] == pytest.approx(sum(cell0) / 3, rel=1e-12)
    assert math.isfinite(doc["timing"]["overhead_per_task_s"])


def test_docs_list_every_model_parameter_and_metric() -> None:
    from sim.sweep import MODELS, model_adapter

    model_adapter("mmc")  # loads the built-in models
    docs = (Path(__file__).resolve().parents[2] / "docs" / "sweeps.md").read_text(encoding="utf-8")
    for name, a in MODELS.items():
        if name.startswith("test-"):
            continue
        assert f"### `{name}`" in docs, name
        section = docs.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        for p in a.params:
            assert f"| `{p.name}` |" in section, (name, p.name)
        for m in a.metrics:
            assert f"| `{m.name}`" in section, (name, m.name)


def test_common_random_numbers_add_paired_differences(tmp_path: Path) -> None:
    from sim.sweep._tables import paired_diff

    base = [{"rep": r, "metrics": {"y": v}} for r, v in enumerate([10.0, 20.0, 30.0])]
    cell = [{"rep": r, "metrics": {"y": v}} for r, v in enumerate([11.0, 22.0, 33.0])]
    d = paired_diff(cell, base, "y", confidence=0.95)
    # differences 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.3026527
    assert d["mean"] == 2.0 and d["ci_low"] == pytest.approx(2 - 4.3026527 / 3**0.5, rel=1e-6)
    spec = parse_sweep(
        {
            "model": "mmc",
            "replications": 4,
            "common_random_numbers": True,
            "params": {"servers": [2, 3], "arrival_rate_per_s": 1.0},
            "fixed": {"customers": 300, "warmup": 10},
        }
    )
    doc = run_sweep(spec, tmp_path / "o", serial=True, progress=False)
    first, second = doc["summary"]
    assert first["vs_first"]["mean_wait_s"]["mean"] == 0.0
    rows = [ln.split(",") for ln in (tmp_path / "o" / "results.csv").read_text().splitlines()[1:]]
    w = {(int(r[0]), int(r[1])): float(r[5]) for r in rows}
    want = sum(w[(1, r)] - w[(0, r)] for r in range(4)) / 4
    assert second["vs_first"]["mean_wait_s"]["mean"] == pytest.approx(want, rel=1e-12)
    assert "mean_wait_s_vs_first_mean" in (tmp_path / "o" / "summary.csv").read_text().splitlines()[0]
