"""Coverage speed against GDAL's viewshed, in the same process, and how time grows with cameras and cells.

Run: ``.venv/bin/python bench/bench_coverage.py [--city assets/city] [--repeats 5]``

Prints, for 216 cameras (the city's 115 existing + 101 planned by ``plan_cameras``) at 1 m and 0.5 m:
our full coverage (frustum, occlusion, pixel density, per-cell levels and counts) and GDAL's
``ViewshedGenerate`` run for the same observers, heights and ranges (all-round, no FOV or density),
best of N, wall and CPU time, and their ratio. Then numba's cold compile and warm cache load, the
agreement of our line of sight with GDAL's on the same observers, and scaling tables.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import twin  # noqa: E402
from twin.coverage import camera_poses, compute_coverage, viewshed  # noqa: E402
from twin.raster import build_raster  # noqa: E402


def best_of(fn, repeats):
    walls, cpus = [], []
    out = None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), out


def gdal_runs(g, cams, thr0, target_m, cap_m=None):
    from osgeo import gdal

    ds = gdal.GetDriverByName("MEM").Create("", g.shape[1], g.shape[0], 1, gdal.GDT_Float32)
    ds.SetGeoTransform(g.geotransform)
    ds.GetRasterBand(1).WriteArray(g.dsm)
    obs = []
    for c in cams:
        for p in camera_poses(c):
            i, j = g.cell_of(p.x, p.y)
            ground = float(g.dsm[i, j]) if g.inside(i, j) else 0.0
            r = p.range_m(thr0) if cap_m is None else min(p.range_m(thr0), cap_m)
            obs.append((p.x, p.y, max(p.z - ground, 0.1), r))

    def run(ds=ds):  # the band lives only as long as its dataset: keep ds referenced
        band = ds.GetRasterBand(1)
        outs = []
        for x, y, h, r in obs:
            v = gdal.ViewshedGenerate(
                band, "MEM", "", [], x, y, h, target_m, 255, 0, 0, -1, 0, gdal.GVM_Edge, r, None, None,
                gdal.GVOT_NORMAL,
            )
            outs.append(v)
        return outs

    return run, obs


def agreement(g, obs, outs):
    agree = total = 0
    for (x, y, h, r), v in zip(obs, outs, strict=True):
        gt = v.GetGeoTransform()
        a = v.GetRasterBand(1).ReadAsArray() > 0
        i0 = int(round((g.ymax - gt[3]) / g.res_m))
        j0 = int(round((gt[0] - g.xmin) / g.res_m))
        ours = viewshed(g, x, y, observer_height_m=h, target_height_m=1.6, range_m=r)
        win = ours[i0 : i0 + a.shape[0], j0 : j0 + a.shape[1]]
        ii, jj = np.mgrid[i0 : i0 + a.shape[0], j0 : j0 + a.shape[1]]
        cx = g.xmin + (jj + 0.5) * g.res_m
        cy = g.ymax - (ii + 0.5) * g.res_m
        inr = (cx - x) ** 2 + (cy - y) ** 2 <= r * r
        agree += int((win == a)[inr].sum())
        total += int(inr.sum())
    return agree / max(total, 1), total


def numba_cold_warm():
    code = (
        "import time; t0=time.perf_counter(); import twin._visibility as v; import numpy as np; "
        "d=np.zeros((50,50),np.float32); p=np.zeros((1,19)); p[0,:3]=(25,25,6); p[0,3:6]=(0,1,0); "
        "p[0,6:9]=(1,0,0); p[0,9:12]=(0,0,1); p[0,12:14]=(1,.5625); p[0,15]=960; p[0,16]=20; p[0,18]=6.3; "
        "v.poses_levels(d,d+1.6,0.,50.,1.,p,np.array([12.5])); "
        "v.visible_sector(d,d+1.6,0.,50.,1.,25.,25.,6.,20.,0.,7.); "
        "v.aggregate(np.zeros(1,np.int64),np.ones(1,np.int8),10); print(time.perf_counter()-t0)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=tmp, PYTHONPATH=str(ROOT))
        cold = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout)
        warm = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout)
    return cold, warm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--city", default=str(ROOT / "assets" / "city"))
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    city = twin.load(args.city)
    from twin.placement import plan_cameras

    t0 = time.perf_counter()
    plan = plan_cameras(city, 101)
    print(f"planned 101 cameras in {time.perf_counter() - t0:.2f} s (to have the 216 of the issue)")
    cams = city.cameras_by_status("existing", "planned") + plan.cameras
    prof = twin.dori_profile(city.standards.dori)
    thr0 = prof.levels[0][1]
    print(f"{len(cams)} cameras, {sum(len(camera_poses(c)) for c in cams)} poses, profile {prof.name}")
    print()
    header = ("resolution  cells       raster_s  ours_wall  ours_cpu  gdal_wall  gdal_cpu  ratio_wall  ratio_cpu  "
              "agree_los")
    print(header)
    for res in (1.0, 0.5):
        t0 = time.perf_counter()
        g = build_raster(city, resolution_m=res)
        raster_s = time.perf_counter() - t0
        compute_coverage(city, cams, raster=g)  # warm: numba cache loaded, target heights cached
        ow, oc, _ = best_of(lambda g=g: compute_coverage(city, cams, raster=g), args.repeats)
        run, obs = gdal_runs(g, cams, thr0, 1.6)
        gw, gc, outs = best_of(run, args.repeats)
        agree, total = agreement(g, obs, outs)
        print(f"{res:>8.2f} m  {g.cells:>10,}  {raster_s:>8.2f}  {ow:>9.3f}  {oc:>8.3f}  {gw:>9.3f}  {gc:>8.3f}  "
              f"{ow / gw:>10.2f}  {oc / gc:>9.2f}  {100 * agree:>7.2f}% of {total:,}")
    # the reference: the same 216 observers with every range capped at 80 m (GDAL took 0.08 s there)
    capped = [dataclasses.replace(c, ir_range_m=80.0) for c in cams]
    print("\nranges capped at 80 m (slant for us, the same for GDAL):")
    print(header)
    for res in (1.0, 0.5):
        g = build_raster(city, resolution_m=res)
        compute_coverage(city, capped, raster=g, night=True)
        ow, oc, _ = best_of(lambda g=g: compute_coverage(city, capped, raster=g, night=True), args.repeats)
        run, obs = gdal_runs(g, capped, thr0, 1.6, cap_m=80.0)
        gw, gc, outs = best_of(run, args.repeats)
        agree, total = agreement(g, obs, outs)
        print(f"{res:>8.2f} m  {g.cells:>10,}  {'':>8}  {ow:>9.3f}  {oc:>8.3f}  {gw:>9.3f}  {gc:>8.3f}  "
              f"{ow / gw:>10.2f}  {oc / gc:>9.2f}  {100 * agree:>7.2f}% of {total:,}")
    cold, warm = numba_cold_warm()
    print(f"\nnumba: first call with an empty cache (compile) {cold:.2f} s; with the cache on disk {warm:.2f} s")

    # time against cameras: existing, then candidates with seeded headings, at 1 m
    rng = np.random.default_rng(20141015)
    pool = city.cameras_by_status("existing") + city.cameras_by_status("candidate")
    g = build_raster(city, resolution_m=1.0)
    print("\ncameras  poses  ours_wall_s  ours_cpu_s  per_camera_ms  triples")
    for n in (100, 500, 2000):
        sel = [pool[i] for i in rng.choice(len(pool), min(n, len(pool)), replace=False)]
        for c in sel:
            if c.status == "candidate":
                c.heading_deg = float(rng.uniform(0, 360))
        w, cpu, r = best_of(lambda sel=sel: compute_coverage(city, sel, raster=g), max(2, args.repeats // 2))
        print(f"{len(sel):>7}  {sum(len(camera_poses(c)) for c in sel):>5}  {w:>11.3f}  {cpu:>10.3f}  "
              f"{1000 * cpu / len(sel):>13.3f}  {len(r.cells):>8,}")
    # time against raster cells, 216 cameras
    print("\nresolution  cells        ours_wall_s  ours_cpu_s  ns_per_cell")
    for res in (2.0, 1.0, 0.5, 0.25):
        gr = build_raster(city, resolution_m=res)
        compute_coverage(city, cams, raster=gr)
        w, cpu, _ = best_of(lambda gr=gr: compute_coverage(city, cams, raster=gr), max(2, args.repeats // 2))
        print(f"{res:>8.2f} m  {gr.cells:>11,}  {w:>11.3f}  {cpu:>10.3f}  {1e9 * cpu / gr.cells:>11.2f}")


if __name__ == "__main__":
    main()
