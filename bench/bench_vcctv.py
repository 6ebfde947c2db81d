"""Virtual CCTV as the projected picture: its cost per camera, and frame time as cameras in view grow.

    .venv/bin/python bench/bench_vcctv.py [--city assets/city] [--size 1280x720] [--frames 3]

The default city with 216 cameras (its 115 existing ones and 101 candidate sites made planned, as
bench_render.py picks them), one 1280x720 view along five tour poses, all in one run and
interleaved pose by pose so that load from other processes hits every configuration alike:

- ``pattern``: today's look, every camera a test pattern (a new frame every frame, upload budget 32);
- ``vcctv``: every camera's picture virtual CCTV within the default budget (4 renders, 0.25 MP a
  frame), rendered into the projector's texture on the GPU, privacy overlay in the buffer;
- ``readback``: the same budget, read back to numpy, bent by the lens, masked and uploaded;
- per camera: the extra ms a frame of one virtual CCTV render per size class (128, 256, 512 px wide),
  from 4 renders a frame against the pattern baseline;
- growth: 8, 32, 108 and 216 of the cameras on virtual CCTV (the rest patterns) with the budget,
  and 8 and 32 without it (every camera in view rendered every frame).

Prints ms per frame (median over poses and frames), cameras in view, renders a frame, and the
ratios against ``pattern``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from panda3d.core import NodePath, PerspectiveLens

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_render import pick_cameras  # noqa: E402

import scenes  # noqa: E402
import twin  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--city", default=str(ROOT / "assets" / "city"))
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--frames", type=int, default=3, help="timed frames per pose and configuration (default 3)")
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    city = twin.load(args.city)
    cams = pick_cameras(city, 216)
    eng = scenes.HeadlessEngine()
    print(f"city: {city.name}: {len(city.buildings)} buildings, {len(cams)} cameras; {eng.gsg.get_driver_renderer()}")
    render = NodePath("render")
    scene = scenes.CityScene(city, render, eng.graphics, cameras=cams)
    scene.set_overlay("markers", False)
    ids = list(scene.projectors.projectors)
    lens = PerspectiveLens()
    lens.set_fov(60.0, float(np.degrees(2 * np.arctan(np.tan(np.radians(30)) * h / w))))
    view = scenes.OffscreenView(eng.graphics, render, w, h, lens=lens)
    tour = scenes.TourPath.over(city, 10.0)
    poses = [tour.pose_at(t) for t in (1.0, 3.0, 5.0, 7.0, 9.0)]
    patterns = {cid: [scenes.pattern_frame(cid, t) for t in (0.0, 1.0)] for cid in ids}
    # growth: the cameras on virtual CCTV are spread evenly over the 216
    subsets = {k: [ids[i] for i in np.linspace(0, len(ids) - 1, k).round().astype(int)] for k in (8, 32, 108, 216)}

    configs: dict[str, tuple[list[str], scenes.VcctvSettings | None]] = {"pattern": ([], None)}
    configs["vcctv"] = (ids, scenes.VcctvSettings())
    configs["readback"] = (ids, scenes.VcctvSettings(mode="readback"))
    for cw in (128, 256, 512):
        configs[f"per-camera {cw}px"] = (ids, scenes.VcctvSettings(widths_px=(cw,), max_fps=None, max_megapixels=10.0))
    for k, sub in subsets.items():
        configs[f"{k} on vcctv, budget"] = (sub, scenes.VcctvSettings())
    for k in (8, 32):
        configs[f"{k} on vcctv, no budget"] = (subsets[k], scenes.VcctvSettings(max_renders=k, max_megapixels=1e3,
                                                                                  max_fps=None))  # fmt: skip
    ms: dict[str, list[float]] = {name: [] for name in configs}
    cpu: dict[str, list[float]] = {name: [] for name in configs}
    renders: dict[str, list[int]] = {name: [] for name in configs}
    in_view: dict[str, list[int]] = {name: [] for name in configs}
    k_frame = 0

    def frame() -> float:
        nonlocal k_frame
        k_frame += 1
        t0, c0 = time.perf_counter(), time.process_time()
        for cid, pair in patterns.items():  # cameras not on virtual CCTV: a new pattern every frame
            scene.submit_frame(cid, pair[k_frame % 2], seq=k_frame)
        st = scene.update(view.camera, view.lens, (w, h))
        eng.render_frame()
        dt = (time.perf_counter() - t0) * 1000.0
        frame.stats = st
        frame.cpu_ms = (time.process_time() - c0) * 1000.0
        return dt

    t_start = time.perf_counter()
    for eye, target in poses:
        view.camera.set_pos(*eye)
        view.camera.look_at(*target)
        view.lens.set_near_far(max(1.0, float(eye[2]) / 60.0), 8000.0)
        for name, (sub, settings) in configs.items():
            if scene.vcctv_source is not None:
                scene.vcctv_source.destroy()
                scene.vcctv_source = None
            if sub:
                scene.use_virtual_cctv(sub, settings=settings)
            frame()  # warm: depth maps, pool buffers, the first renders
            frame()
            for _ in range(args.frames):
                ms[name].append(frame())
                cpu[name].append(frame.cpu_ms)
                vc = frame.stats.vcctv
                renders[name].append(len(vc.rendered) if vc else 0)
                in_view[name].append(vc.in_view if vc else frame.stats.uploads.visible)
    base = statistics.median(ms["pattern"])
    base_cpu = statistics.median(cpu["pattern"])
    print(f"{w}x{h}, {len(poses)} tour poses x {args.frames} frames each ({time.perf_counter() - t_start:.0f} s)")
    print("wall ms: elapsed per frame; CPU ms: this process's CPU time per frame, all threads (llvmpipe's")
    print("rasteriser threads included): the figure a busy machine disturbs least")
    cols = ("wall ms", "x pat", "CPU ms", "x pat", "in view", "renders")
    print(f"{'configuration':28s} " + " ".join(f"{c:>8s}" for c in cols))
    for name in configs:
        m, c = statistics.median(ms[name]), statistics.median(cpu[name])
        print(f"{name:28s} {m:8.1f} {m / base:8.2f} {c:8.1f} {c / base_cpu:8.2f} {np.mean(in_view[name]):8.1f} "
              f"{np.mean(renders[name]):8.2f}")  # fmt: skip
    print("virtual CCTV cost per camera per frame: (CPU ms over pattern) / renders per frame")
    for name in [n for n in configs if n.startswith("per-camera") or n in ("vcctv", "readback")]:
        r = np.mean(renders[name])
        extra = statistics.median(cpu[name]) - base_cpu
        print(f"  {name:26s} {extra / r if r else math.nan:6.1f} CPU ms ({r:.2f} renders/frame)")
    flat = [statistics.median(cpu[f"{k} on vcctv, budget"]) for k in subsets]
    print(f"with the budget, 216 vs 8 cameras on virtual CCTV: {flat[-1] / flat[0]:.2f}x the CPU time a frame")
    free = [statistics.median(cpu[f"{k} on vcctv, no budget"]) for k in (8, 32)]
    print(f"without it, 32 vs 8: {free[1] / free[0]:.2f}x")
    view.destroy()
    scene.destroy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
