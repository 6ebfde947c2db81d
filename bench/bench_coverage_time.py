"""Coverage over time: 7 simulated days of 216 cameras, 40 operators, faults and PTZ tours, on one core.

Run: ``.venv/bin/python bench/bench_coverage_time.py [--city assets/city] [--resolution 1] [--days 7]
[--planner | --all-candidates] [--replications 3]``

The 216 cameras are the city's 115 existing ones and 101 more: every 20th street candidate (sorted by
id, deterministic) or, with ``--planner``, the 101 that ``twin.placement.plan_cameras`` picks.
Prints the figures of the issue (static beside time-weighted seen and watched coverage per level,
availability, repairs, the wall), the time of each stage, and two baselines measured in the same run:
the static coverage computed once (``twin.coverage.compute_coverage``, what one map costs) and the
cost of recomputing it at every state change (state changes x that time), which the model avoids by
reusing each pose's cells.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import twin  # noqa: E402
from sim.covtime import CoverageTimeConfig, prepare, run_coverage_time, simulate  # noqa: E402
from twin.coverage import compute_coverage  # noqa: E402
from twin.raster import build_raster  # noqa: E402


def cameras_216(city, planner: bool, raster, all_candidates: bool = False):
    existing = city.cameras_by_status("existing")
    if all_candidates:  # the scale check: every candidate site as a planned camera
        return existing + [dataclasses.replace(c, status="planned") for c in city.cameras_by_status("candidate")]
    if planner:
        from twin.placement import plan_cameras

        t0 = time.perf_counter()
        plan = plan_cameras(city, 101, raster=raster)
        print(f"planner: 101 cameras in {time.perf_counter() - t0:.1f} s")
        extra = [dataclasses.replace(c, status="planned") for c in plan.cameras]
    else:
        cand = sorted(city.cameras_by_status("candidate"), key=lambda c: c.id)
        extra = [dataclasses.replace(c, status="planned") for c in cand[::20][:101]]
    return existing + extra


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--city", default=str(ROOT / "assets" / "city"))
    ap.add_argument("--resolution", type=float, default=1.0)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--seed", type=int, default=20141015)
    ap.add_argument("--planner", action="store_true")
    ap.add_argument("--all-candidates", action="store_true", help="scale check: existing + every candidate")
    ap.add_argument("--replications", type=int, default=0, help="also run N replications for 95%% intervals")
    ap.add_argument("--write", metavar="DIR", help="with --replications: write the full report (and policies) there")
    a = ap.parse_args()

    city = twin.load(a.city)
    t0 = time.perf_counter()
    raster = build_raster(city, resolution_m=a.resolution)
    t_raster = time.perf_counter() - t0
    cams = cameras_216(city, a.planner, raster, a.all_candidates)
    ptz = sum(1 for c in cams if c.type == "ptz")
    print(f"{len(cams)} cameras ({ptz} PTZ with tours), raster {raster.shape[0]} x {raster.shape[1]} at "
          f"{a.resolution:g} m (built in {t_raster:.2f} s, not counted below)")

    compute_coverage(city, cams[:2], raster=raster)  # load the compiled kernels once, outside every timing
    w0, c0 = time.perf_counter(), time.process_time()
    ref = compute_coverage(city, cams, raster=raster)
    t_static, c_static = time.perf_counter() - w0, time.process_time() - c0

    cfg = CoverageTimeConfig(days=a.days, operators=40)
    w0, c0 = time.perf_counter(), time.process_time()
    ss = prepare(city, cams, config=cfg, raster=raster)
    t_prep, c_prep = time.perf_counter() - w0, time.process_time() - c0
    # the first run also loads (or compiles) the integrator; the second is the steady figure
    w0 = time.perf_counter()
    simulate(city, ss, config=cfg, seed=a.seed)
    t_cold = time.perf_counter() - w0
    w0, c0 = time.perf_counter(), time.process_time()
    run = simulate(city, ss, config=cfg, seed=a.seed)
    t_sim, c_sim = time.perf_counter() - w0, time.process_time() - c0
    total, ctotal = t_prep + t_sim, c_prep + c_sim

    names = ss.profile.names
    seen, watched = run.public_share(ss, 0), run.public_share(ss, 1)
    static = ss.static_public_share()
    ref_share = np.array([(ref.best[raster.public] >= q).mean() for q in range(1, len(names) + 1)])
    print(f"\n{a.days:g} days, 40 operators ({cfg.rotation}), faults, district outages, PTZ tours and takeovers")
    print(f"{'level':<11}{'static':>9}{'seen':>9}{'watched':>9}")
    for q, n in enumerate(names):
        print(f"{n:<11}{100 * static[q]:8.2f}%{100 * seen[q]:8.2f}%{100 * watched[q]:8.2f}%")
    assert np.allclose(static, ref_share), "static sets disagree with compute_coverage"
    print(f"camera availability {100 * run.cam_up_s.mean() / run.horizon_s:.3f}%, repairs {len(run.repairs)}, "
          f"district outages {len(run.district_outages)}, PTZ takeovers {run.takeovers}, "
          f"cameras on the wall {100 * run.cam_shown_s.mean() / run.horizon_s:.1f}% of the time")
    print(f"poses {ss.n_poses}, signatures {ss.n_sig} for {len(ss.cells):,} cells, records {run.records:,}, "
          f"wall steps {run.wall_steps:,}")

    print("\ntimes (wall s / cpu s)")
    print(f"  static coverage once (compute_coverage)   {t_static:7.3f} / {c_static:7.3f}")
    print(f"  per-pose sets + signatures (prepare)      {t_prep:7.3f} / {c_prep:7.3f}   {ss.timings_s}")
    print(f"  simulate, first run (loads the kernel)    {t_cold:7.3f}")
    print(f"  simulate {a.days:g} days                         {t_sim:7.3f} / {c_sim:7.3f}   "
          f"{ {k: round(v, 3) for k, v in run.timings_s.items()} }")
    print(f"  total (prepare + simulate)                {total:7.3f} / {ctotal:7.3f}   target < 15 s: "
          f"{'met' if total < 15 else 'NOT met'}")
    changes = run.records
    naive = changes * t_static
    print("\nbaselines measured in this run")
    print(f"  total / one static coverage               {total / t_static:7.1f} x")
    print(f"  recomputing static coverage at each of the {changes:,} state changes (estimated: changes x the "
          f"static time above): {naive:,.0f} s, {naive / total:,.0f} x the model")

    if a.replications:
        w0 = time.perf_counter()
        res = run_coverage_time(city, cams, config=cfg, seed=a.seed, replications=a.replications, static=ss)
        f = res.figures()
        print(f"\n{a.replications} replications in {time.perf_counter() - w0:.1f} s (mean +- 95% half-width)")
        for n in names[:4]:
            s, w = f["seen_public_share"][n], f["watched_public_share"][n]
            print(f"  {n:<10} seen {100 * s['mean']:.2f} +- {100 * s['ci95']:.2f}%   "
                  f"watched {100 * w['mean']:.2f} +- {100 * w['ci95']:.2f}%")
        if a.write:
            from sim.covtime import compare_policies
            from sim.covtime.report import write_coverage_time

            w0 = time.perf_counter()
            existing = city.cameras_by_status("existing")
            pol = compare_policies(city, res, compare=["crews", "rotation", "cameras"],
                                   other_cameras=(f"existing {len(existing)} cameras only", existing))
            print(f"policies in {time.perf_counter() - w0:.1f} s:")
            for p in pol:
                s, w = p["seen"][names[0]], p["watched"][names[0]]
                dw = p["watched_change"][names[0]]
                print(f"  {p['change']:<45} seen {100 * s['mean']:.2f}%  watched {100 * w['mean']:.2f}% "
                      f"(change {100 * dw['mean']:+.2f} +- {100 * dw['ci95']:.2f} points)")
            write_coverage_time(res, city, Path(a.write), policies=pol)
            print(f"wrote {a.write}")


if __name__ == "__main__":
    main()
