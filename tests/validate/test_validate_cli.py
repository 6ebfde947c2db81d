"""showroom validate: the table on the tree, its files, a deliberately broken model on a scratch copy, GDAL absent."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import showroom

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("validate") / "out"
    return showroom.main(["validate", "--quick", "--out", str(out)]), out


def test_every_model_is_within_its_tolerance_on_the_tree(quick_run):
    rc, out = quick_run
    s = json.loads((out / "summary.json").read_text())
    failed = [c["figure"] for c in s["checks"] if c["status"] == "fail"]
    assert rc == 0 and s["pass"] and not failed, failed
    models = {c["model"] for c in s["checks"]}
    assert models == {"coverage", "planner", "capacity", "fire", "hypercube", "coverage over time", "detector"}
    # every row carries the model's figure, the reference, the agreement and the tolerance
    for c in s["checks"]:
        assert c["reference"] and c["tolerance"] and c["status"] in ("pass", "fail", "unavailable")
        if c["status"] == "pass":
            assert c["value"] is not None and c["agreement"] is not None
    # the hypercube is held to the book's per-unit workloads in both modes
    hc = [c for c in s["checks"] if c["model"] == "hypercube" and "workload of unit" in c["figure"]]
    assert sum("loss mode" in c["figure"] for c in hc) == 2 and sum("queue mode" in c["figure"] for c in hc) == 6
    assert s["counts"]["pass"] + s["counts"]["fail"] + s["counts"]["unavailable"] == len(s["checks"])


def test_the_table_files_hold_the_same_rows(quick_run):
    _, out = quick_run
    s = json.loads((out / "summary.json").read_text())
    with (out / "validation.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["figure"] for r in rows] == [c["figure"] for c in s["checks"]]
    md = (out / "validation.md").read_text()
    assert md.count("\n|") == len(s["checks"]) + 1  # header rule and one line per row
    assert "Larson & Odoni" in md and "GDAL" in md
    html = (out / "validation.html").read_text()
    assert html.count("<tr class=") == len(s["checks"])
    for name in ("hypercube.png", "latency.png"):
        assert (out / name).stat().st_size > 10_000


def _scratch_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "tree"
    keep = ("twin", "sim", "validate", "showroom_cli", "feeds", "scenes")
    for name in keep:
        shutil.copytree(ROOT / name, dst / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(ROOT / "showroom.py", dst / "showroom.py")
    shutil.copytree(ROOT / "assets" / "city", dst / "assets" / "city")
    return dst


def _run(tree: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(tree))
    return subprocess.run([sys.executable, "-c", "import sys, showroom; sys.exit(showroom.main(sys.argv[1:]))",
                           *args], cwd=tree, env=env, capture_output=True, text=True, timeout=600)


BREAKS = [
    # (group, file, text, broken text, the row that must fail)
    ("fire-growth", "sim/firegrowth.py", '"fast": 0.0469,', '"fast": 0.0569,', "'fast'"),
    ("hypercube", "sim/hypercube.py", "mu_arr = np.broadcast_to(np.asarray(mu, dtype=float), (n,)).copy()",
     "mu_arr = 1.02 * np.broadcast_to(np.asarray(mu, dtype=float), (n,)).copy()", "loss mode"),
    ("capacity-latency", "sim/capacity/latency.py", "mean_wait_ms = s_ms * (1.0 + scv) / (2.0 * (1.0 - r))",
     "mean_wait_ms = s_ms * (1.0 + scv) / (2.0 * (1.0 - r)) * 0.2", "model / simulation"),
]


@pytest.mark.parametrize("group,path,text,broken,row", BREAKS, ids=[b[0] for b in BREAKS])
def test_a_broken_model_on_a_scratch_copy_fails_validation(tmp_path, group, path, text, broken, row):
    tree = _scratch_copy(tmp_path)
    target = tree / path
    src = target.read_text()
    assert text in src
    target.write_text(src.replace(text, broken, 1))
    res = _run(tree, "validate", "--quick", "--only", group, "--out", str(tmp_path / "out"))
    assert res.returncode == 1, res.stdout + res.stderr
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert not s["pass"]
    assert any(c["status"] == "fail" and row in c["figure"] for c in s["checks"]), s["checks"]
    # and the unbroken file passes the same group in the same copy (the copy, not the installed tree, ran)
    target.write_text((ROOT / path).read_text())
    ok = _run(tree, "validate", "--quick", "--only", group, "--out", str(tmp_path / "ok"))
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_without_gdal_the_reference_is_unavailable_and_says_why(tmp_path, capsys):
    out = tmp_path / "out"
    rc = showroom.main(["validate", "--quick", "--only", "coverage-gdal", "--gdal-python", "/nonexistent/python3",
                        "--out", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0  # an unavailable reference is reported, not counted as a failure ...
    s = json.loads((out / "summary.json").read_text())
    assert s["counts"] == {"pass": 0, "fail": 0, "unavailable": 1} and not s["complete"]
    assert "GDAL's Python bindings (osgeo) were not found in /nonexistent/python3" in printed
    assert "pip install --no-build-isolation" in printed
    # ... unless every reference is required
    rc = showroom.main(["validate", "--quick", "--only", "coverage-gdal", "--gdal-python", "/nonexistent/python3",
                        "--require-all", "--out", str(out)])
    assert rc == 1


def test_bad_options_are_clear_errors(tmp_path, capsys):
    assert showroom.main(["validate", "--only", "coverage,nope", "--out", str(tmp_path)]) == 2
    assert "unknown check group(s) ['coverage', 'nope']" in capsys.readouterr().err
    assert showroom.main(["validate", "--detector-summary", str(tmp_path / "none.json"), "--out", str(tmp_path)]) == 2
    assert "none.json: no such file" in capsys.readouterr().err
    assert showroom.main(["validate", "--list"]) == 0
    assert "hypercube" in capsys.readouterr().out
