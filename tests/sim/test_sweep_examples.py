"""The sweeps shipped in assets/sweeps: each is valid, and each runs (shrunk: coarse raster, short runs)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import twin
from sim.sweep import load_sweep, parse_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[2]
SWEEPS = sorted((ROOT / "assets" / "sweeps").glob("*.yaml"))
CITY = ROOT / "assets" / "city"
# what makes a shipped sweep quick enough for the suite; the grid and the seeds stay as shipped
SHRINK = {
    "coverage": {"resolution_m": 8.0, "plan_headings": 4},
    "fire": {"resolution_m": 8.0, "plan_headings": 4, "days": 20},
    "capacity": {"resolution_m": 8.0, "plan_headings": 4, "days": 0.1},
    "plan": {"resolution_m": 8.0},
    "mmc": {"customers": 200, "warmup": 20},
}


def test_the_examples_are_there() -> None:
    names = {p.name for p in SWEEPS}
    assert {"coverage_vs_cameras.yaml", "fire_vs_cameras.yaml", "servers_vs_cameras.yaml"} <= names


@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_shipped_sweep_is_valid_and_runs(path: Path, tmp_path: Path) -> None:
    spec = load_sweep(path)
    assert spec.n_tasks >= 2 and spec.name
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    # the first two values of each swept parameter, and a plan only as long as they need
    doc["params"] = {k: v[:2] for k, v in spec.axes.items()}
    doc["fixed"] = (doc.get("fixed") or {}) | SHRINK[spec.model.name]
    if "added_cameras" in spec.axes:
        doc["fixed"]["max_added"] = max(doc["params"]["added_cameras"])
    small = parse_sweep(doc, source=str(path))
    assert small.seed == spec.seed and small.replications == spec.replications
    city = twin.load(CITY) if small.model.needs_city else None
    out = run_sweep(small, tmp_path / "o", twin=city, city_path=CITY, serial=True, max_tasks=2, progress=False)
    assert out["tasks"]["done"] == 2 and out["tasks"]["failed"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_shipped_sweep_runs_in_full(path: Path, tmp_path: Path) -> None:
    spec = load_sweep(path)
    city = twin.load(CITY) if spec.model.needs_city else None
    out = run_sweep(spec, tmp_path / "o", twin=city, city_path=CITY, workers=2, progress=False)
    assert out["complete"] and out["tasks"]["failed"] == 0
