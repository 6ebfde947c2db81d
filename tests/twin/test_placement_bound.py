"""The MILP's proof: a missing dual bound is reported as missing, never as the solution's own value."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import OptimizeResult

sys.path.insert(0, str(Path(__file__).parent))
from test_coverage_cities import block_city  # noqa: E402

from showroom_cli.coverage_report import write_plan  # noqa: E402
from twin._placement_milp import result_from_highs  # noqa: E402
from twin.placement import plan_cameras  # noqa: E402


def _highs(*, status: int, fun: float, bound: float | None) -> OptimizeResult:
    # the shape scipy.optimize.milp answers with: objective minimised, x over poses then elements
    return OptimizeResult(x=np.array([1.0, 0.0, 1.0, 0.3]), fun=fun, status=status, mip_dual_bound=bound,
                          message="Time limit reached" if status == 1 else "Optimization terminated successfully")


def test_no_dual_bound_is_nan_not_the_value():
    r = result_from_highs(_highs(status=1, fun=-120.0, bound=None), 3, 7, 0.5)
    assert r.value == 120.0 and r.poses == [0, 2] and not r.optimal
    assert math.isnan(r.bound) and not r.has_bound
    # an infinite bound (HiGHS stopped before the root relaxation) proves nothing either
    r = result_from_highs(_highs(status=1, fun=-120.0, bound=-np.inf), 3, 7, 0.5)
    assert not r.has_bound


def test_a_proven_bound_is_kept_and_an_optimal_status_is_its_own_bound():
    r = result_from_highs(_highs(status=1, fun=-120.0, bound=-131.5), 3, 7, 0.5)
    assert r.bound == 131.5 and r.has_bound
    r = result_from_highs(_highs(status=0, fun=-120.0, bound=None), 3, 7, 0.5)
    assert r.optimal and r.bound == 120.0


def test_plan_without_a_bound_reports_an_unknown_gap(tmp_path):
    t = block_city(size_m=320, n_candidates=20, seed=6)
    plan = plan_cameras(t, 3, headings=4, exact=True)
    assert plan.exact is not None and plan.exact.has_bound and plan.gap is not None
    greedy = float(sum(plan.gains))
    # the same plan, had HiGHS stopped on its time limit with a solution and no bound
    stopped = result_from_highs(_highs(status=1, fun=-greedy, bound=None), 3, plan.exact.elements, 1.0)
    blind = dataclasses.replace(plan, exact=stopped)
    assert blind.gap is None  # before this fix: (value - greedy) / value = 0
    s = write_plan(blind, t, tmp_path)
    assert s["gap"] is None and s["exact"]["bound"] is None
    assert "no dual bound" in s["exact"]["bound_note"]
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk["exact"]["bound"] is None and on_disk["gap"] is None
    # with the bound HiGHS proved, the gap is a number and the note is absent
    s = write_plan(plan, t, tmp_path / "proved")
    assert s["exact"]["bound"] == pytest.approx(plan.exact.bound, abs=0.01) and s["exact"]["bound_note"] is None


def test_highs_stopped_by_its_time_limit_reports_no_value_no_bound_no_gap(tmp_path, capsys):
    # a real HiGHS run given no time at all: it stops before any solution or bound
    import twin
    from showroom import main

    t = block_city(size_m=320, n_candidates=20, seed=6)
    for c in t.cameras[:3]:
        c.status = "existing"
    twin.save(t, tmp_path / "city")
    out = tmp_path / "plan"
    argv = ["plan", "--city", str(tmp_path / "city"), "--add", "4", "--exact", "--time-limit", "0", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    s = json.loads((out / "summary.json").read_text(), parse_constant=lambda c: pytest.fail(f"{c} in summary.json"))
    ex = s["exact"]
    assert ex["optimal"] is False and "Time limit" in ex["status"]
    assert ex["value"] is None and ex["bound"] is None and s["gap"] is None and ex["gap"] is None
    assert "no solution and no bound" in ex["bound_note"] and "gap is unknown" in printed
    assert s["added"] == 4  # the greedy plan stands on its own
