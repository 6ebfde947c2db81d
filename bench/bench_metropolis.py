"""A metropolis on a Dask LocalCluster: tiled coverage and a tiled plan, and how time grows with the city.

Run: ``.venv/bin/python bench/bench_metropolis.py [--sizes 2.5 10 25] [--workers 2] [--city-dir DIR]``

For each size S (km): a generated S x S km city (``showroom city generate --size-km S S``; 16 existing
cameras a km2, so 10,000 at 25 km), read from ``--city-dir/S`` when there, else generated and written
there. Then, on one LocalCluster of ``--workers`` single-threaded workers: the coverage of every
existing camera in 2.5 km tiles (halo: the longest camera range), and a plan of 1.6 new cameras a km2
(1,000 at 25 km) with every street pole as a candidate (8 headings each), and a year of the fire model
with the existing cameras, its camera sighting in tiles (``showroom fire --tiles``). Prints wall times
per stage, the peak memory of each worker (the plan also its anonymous memory after each tile: what
cannot be paged out, its greedy state being mapped from files), and a table of time against size.
The baseline in the same run: the untiled coverage and plan of the smallest city in this process (the tiles' overhead).

The machine's load average is printed before and after: on a shared machine the figures are upper bounds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import twin  # noqa: E402
from sim.tiled import dask_client, tiled_coverage, tiled_fire, tiled_plan  # noqa: E402
from twin.generate import generate_metropolis  # noqa: E402

#: New cameras planned per km2 (1,000 on 25 x 25 km, as the issue asks).
ADD_PER_KM2 = 1.6


def city_of(size: float, city_dir: Path, seed: int) -> tuple[twin.Twin, float, str]:
    d = city_dir / f"{size:g}km"
    t0 = time.perf_counter()
    if (d / "city.yaml").exists():
        return twin.load(d), time.perf_counter() - t0, "loaded"
    c = generate_metropolis(width_km=size, height_km=size, seed=seed)
    gen = time.perf_counter() - t0
    twin.save(c, d)
    return c, gen, "generated"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=float, nargs="+", default=[2.5, 10.0, 25.0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tile-m", type=float, default=2500.0)
    ap.add_argument("--city-dir", default="/tmp/metropolis-bench")
    ap.add_argument("--seed", type=int, default=20141015)
    ap.add_argument("--out", default="/tmp/metropolis-bench/out")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()}  ({os.cpu_count()} CPUs)")
    rows = []
    with dask_client(workers=args.workers) as (client, info):
        print(f"cluster: {info['workers']} workers x 1 thread, {info['address']}")
        for size in args.sizes:
            city, load_s, how = city_of(size, Path(args.city_dir), args.seed)
            k = max(int(round(ADD_PER_KM2 * size * size)), 1)
            print(f"\n{size:g} x {size:g} km: {len(city.buildings):,} buildings, {city.roads.number_of_edges():,} "
                  f"road edges, {len(city.cameras):,} cameras ({how} in {load_s:.1f} s)")
            out = Path(args.out) / f"{size:g}km"
            t0 = time.perf_counter()
            cov = tiled_coverage(city, cells_dir=out / "cells", tile_m=args.tile_m, client=client)
            cov_s = time.perf_counter() - t0
            tb = cov.summary["tiles"]
            cov_peak = max(tb["peak_rss_mb_per_worker"].values())
            print(f"  coverage: {tb['tiles']} tiles of {tb['tile_m']:g} m (halo {tb['halo_m']:g} m) in {cov_s:.1f} s; "
                  f"peak per worker {cov_peak:.0f} MiB; public space at Monitor "
                  f"{100 * cov.summary['public_share']['Monitor']:.1f}%")
            t0 = time.perf_counter()
            plan = tiled_plan(city, k, tile_m=args.tile_m, client=client)
            plan_s = time.perf_counter() - t0
            pt = plan["timings_s"]
            plan_peak = max(plan["tiles"]["peak_rss_mb_per_worker"].values())
            print(f"  plan of {k}: {plan['instance']['sites']:,} street poles x 8 headings = "
                  f"{plan['instance']['poses']:,} poses in {plan_s:.1f} s (poles {pt['sites_s']:.1f} s, tiles "
                  f"{pt['tiles_s']:.1f} s, greedy {pt['greedy_s']:.1f} s); peak per worker {plan_peak:.0f} MiB; "
                  f"Observe {100 * plan['before']['public_share']['Observe']:.2f}% -> "
                  f"{100 * plan['after']['public_share']['Observe']:.2f}%")
            anon = max(plan["tiles"].get("anon_mb_per_worker", {"-": 0.0}).values())
            t0 = time.perf_counter()
            fire = tiled_fire(city, cameras="existing", days=365.0, seed=args.seed, tile_m=args.tile_m, client=client)
            fire_s = time.perf_counter() - t0
            ft = fire.summary.get("tiles", {})
            fire_peak = max(ft.get("peak_rss_mb_per_worker", {"-": 0.0}).values())
            w = fire.summary["with_cameras"]
            print(f"  fire: {w['incidents']} fires in a year, {fire.summary['camera_set']['incidents_seen']} seen by a "
                  f"camera; sighting in {ft.get('tiles_with_fires', 0)} tiles in "
                  f"{ft.get('timings_s', {}).get('tiles_s', 0):.1f} s; "
                  f"total {fire_s:.1f} s (travel {fire.summary['timing_s']['travel_precompute']:.1f} s, engine "
                  f"{fire.summary['timing_s']['simulate']:.1f} s); peak per worker {fire_peak:.0f} MiB")
            rows.append((size, len(city.cameras), k, cov_s, plan_s, fire_s, cov_peak, plan_peak, anon, fire_peak))
            del city, cov, plan, fire
    if rows:
        s0 = rows[0]
        print(f"\nbaseline in this process: the {s0[0]:g} km city untiled")
        c, _, _ = city_of(s0[0], Path(args.city_dir), args.seed)
        from twin.coverage import compute_coverage
        from twin.placement import plan_cameras

        t0 = time.perf_counter()
        compute_coverage(c)
        ucov = time.perf_counter() - t0
        t0 = time.perf_counter()
        plan_cameras(c, s0[2])
        uplan = time.perf_counter() - t0
        print(f"  coverage {ucov:.1f} s (tiled {s0[3]:.1f} s), plan {uplan:.1f} s (tiled {s0[4]:.1f} s)")
    print("\nsize_km  area_km2  cameras  added  coverage_s  plan_s  fire_s  total_s  s_per_km2  "
          "peak_MiB_per_worker(cov/plan/fire)  plan_anon_MiB_after_tile")
    for size, n_cam, k, cs, ps, fs, cp, pp, an, fp in rows:
        a = size * size
        tot = cs + ps + fs
        print(f"{size:>7g}  {a:>8.2f}  {n_cam:>7,}  {k:>5}  {cs:>10.1f}  {ps:>6.1f}  {fs:>6.1f}  {tot:>7.1f}  "
              f"{tot / a:>9.2f}  {f'{cp:.0f} / {pp:.0f} / {fp:.0f}':>34}  {an:>24.0f}")
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
