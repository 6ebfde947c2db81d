"""Planning by hand on the default city at 1 m: from releasing a dragged camera to the panel updated.

Run: ``.venv/bin/python bench/bench_plan_session.py [--city assets/city] [--moves 40]``

A :class:`sim.planning.PlanSession` over the city's cameras; one placed camera is dragged and
released ``--moves`` times (a few metres each, some re-aims). Prints, as medians and 95th
percentiles over the releases:

* move -> panel coverage updated (``PlanSession.move`` then ``PlanSession.panel()``: the incremental
  coverage in the moved camera's window, the figures, bitrate and storage), against a full recompute
  of the same camera set in the same run (:func:`twin.compute_coverage` and its summary figures);
* move -> server figure updated: the sizing is cached per camera-count band, so within a band the
  panel's figure is already the current plan's (``servers_status == "done"``); a place that crosses
  a band starts a sizing in the background, timed until it lands;
* edit -> fire minutes saved updated (the background paired fire run), for the record.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import twin  # noqa: E402
from sim.planning import Panel, PlanSession  # noqa: E402


def _stats(ms: list[float]) -> str:
    a = np.array(ms)
    return f"median {np.median(a):.1f} ms, p95 {np.percentile(a, 95):.1f} ms, max {a.max():.1f} ms (n={len(a)})"


def _until(s: PlanSession, done: Callable[[Panel], bool], timeout_s: float = 300.0) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        if done(s.panel()):
            return time.perf_counter() - t0
        time.sleep(0.01)
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--city", default=str(ROOT / "assets" / "city"))
    ap.add_argument("--moves", type=int, default=40)
    args = ap.parse_args()
    city = twin.load(args.city)
    t0 = time.perf_counter()
    s = PlanSession(city, resolution_m=1.0, seed=0)
    print(f"city {city.name!r}: raster {s.raster.shape[0]} x {s.raster.shape[1]} cells at 1 m, "
          f"{len(s.cameras)} cameras; session ready in {time.perf_counter() - t0:.2f} s")
    s.wait(300)
    cand = city.cameras_by_status("candidate")
    c0 = cand[len(cand) // 2]
    cid = s.place(c0.x, c0.y, heading_deg=90.0)
    s.panel()
    rng = np.random.default_rng(0)
    inc_ms, full_ms, srv_ms = [], [], []
    for k in range(args.moves):
        c = s.camera(cid)
        t1 = time.perf_counter()
        if k % 4 == 3:
            s.move(cid, heading_deg=float(rng.uniform(0, 360)))
        else:
            s.move(cid, x_m=c.x + float(rng.uniform(-8, 8)), y_m=c.y + float(rng.uniform(-8, 8)))
        p = s.panel()
        t2 = time.perf_counter()
        inc_ms.append((t2 - t1) * 1000.0)
        if p.servers_status == "done":
            srv_ms.append((t2 - t1) * 1000.0)
        # the baseline: the same camera set from scratch, same figures
        t3 = time.perf_counter()
        full = twin.compute_coverage(city, s.cameras, raster=s.raster)
        best = full.best
        hist = np.bincount(best.ravel(), minlength=len(full.level_names) + 1)
        _ = np.cumsum(hist[::-1])[::-1]
        full_ms.append((time.perf_counter() - t3) * 1000.0)
        assert np.array_equal(best, s.levels), "incremental coverage differs from the full recompute"
    print(f"move -> panel coverage updated (incremental): {_stats(inc_ms)}")
    print(f"full recompute of the same cameras (baseline):  {_stats(full_ms)}")
    print(f"speed-up (medians): {np.median(full_ms) / np.median(inc_ms):.1f}x; "
          f"goal < 100 ms: {'met' if np.median(inc_ms) < 100 else 'NOT met'}")
    print(f"move -> server figure updated (same band, cached): {len(srv_ms)}/{len(inc_ms)} releases had it at once; "
          + (_stats(srv_ms) if srv_ms else "none"))
    # crossing a band: place cameras until the count enters the next band, then wait for the sizing
    n = len(s.cameras)
    top = s.consequences.band_key(s.cameras)[0]
    q = 0
    while s.consequences.band_key(s.cameras)[0] == top:
        c = cand[(len(cand) // 3 + 7 * q) % len(cand)]
        s.place(c.x, c.y, heading_deg=0.0)
        q += 1
    wait_s = _until(s, lambda p: p.servers_status == "done")
    print(f"place crossing a camera band ({n} -> {len(s.cameras)} cameras, band {s.consequences.band}): "
          f"server figure {wait_s:.2f} s after the edit, worked out in the background (servers {s.panel().servers})")
    fire_s = _until(s, lambda p: p.fire.status == "done")
    f = s.panel().fire
    print(f"edit -> fire minutes saved updated (background paired run, {s.consequences.fire_days:g} days): "
          f"{fire_s:.2f} s; {f.minutes_saved:.3f} min per fire [{f.ci_low:.3f}, {f.ci_high:.3f}] "
          f"over {f.incidents} fires")
    s.close()


if __name__ == "__main__":
    main()
