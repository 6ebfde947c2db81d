"""Planner speed on the default city: ``plan --add 101`` over all candidate sites x 8 headings.

Run: ``.venv/bin/python bench/bench_plan.py [--city assets/city]``

Prints the whole command's wall time (a fresh process, as a user runs it, maps included), the
in-process breakdown (raster, existing coverage, site sight lines, greedy), the exact MILP's
optimum and the greedy's gap, and how time grows with the number of candidate sites.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import twin  # noqa: E402
from twin.placement import plan_cameras  # noqa: E402
from twin.raster import build_raster  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--city", default=str(ROOT / "assets" / "city"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "showroom.py"), "plan", "--add", "101", "--city", args.city, "--out", tmp],
            check=True,
            capture_output=True,
        )
        cli = time.perf_counter() - t0
    print(f"showroom plan --add 101 (fresh process, all candidates x 8 headings, maps written): {cli:.2f} s wall")
    city = twin.load(args.city)
    plan_cameras(city, 5)  # warm numba's cache and the imports
    p = plan_cameras(city, 101, exact=True, time_limit_s=300)
    t = p.timings_s
    print(
        f"in process: {p.instance['sites']} sites x 8 = {p.instance['poses']} poses, {p.instance['cells']:,} cells, "
        f"{p.instance['nonzeros']:,} pose-cell pairs"
    )
    print(
        "  " + ", ".join(f"{k} {v:.2f} s" for k, v in t.items() if k != "milp")
        + f" (total without MILP {t['total'] - t['milp']:.2f} s)"
    )
    ex = p.exact
    print(
        f"  MILP (HiGHS): {ex.elements:,} elements, {ex.seconds:.1f} s, optimal={ex.optimal}, value {ex.value:.1f}, "
        + (f"bound {ex.bound:.1f}; greedy {sum(p.gains):.1f}: gap {100 * p.gap:.3f}%" if ex.has_bound
           else f"no dual bound returned; greedy {sum(p.gains):.1f}: gap unknown")
    )
    g = build_raster(city, resolution_m=1.0)
    sites = city.cameras_by_status("candidate")
    rng = np.random.default_rng(1)
    print("\nsites  poses   site_visibility_s  greedy_s  total_s (raster shared)")
    for n in (250, 500, 1000, len(sites)):
        sel = [sites[i] for i in np.sort(rng.choice(len(sites), n, replace=False))]
        q = plan_cameras(city, min(101, n), candidates=sel, raster=g)
        tt = q.timings_s
        print(
            f"{n:>5}  {q.instance['poses']:>6}  {tt['site_visibility']:>17.2f}  {tt['greedy']:>8.3f}  "
            f"{tt['total']:>7.2f}"
        )


if __name__ == "__main__":
    main()
