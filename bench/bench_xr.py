"""VR on a real OpenXR runtime: does the showroom keep up with the runtime's frame timing?

Monado's null compositor paces frames at a fixed 20 Hz (50 ms) for the simulated HMD (320 x 240
per eye); Panda3D renders on Mesa's llvmpipe (no GPU) under Xvfb. Three runs, in this one process
run, on the same machine state:

1. the OpenXR loop alone: ``tests/scenes/xr_probe.py`` (a 10 cm marker, nothing else) on the
   runtime: the loop's own cost and whether it holds 20 Hz;
2. the showroom in VR: ``showroom view --xr on`` with the default city (cameras projecting, the
   fire drill live at 60x), its frame split from the trace (sim, feeds, scene, render, the wait in
   ``xrWaitFrame``, the submit: copy to the swapchains and ``xrEndFrame``), frames late;
3. the baseline: the same showroom on the desktop (``--xr off``) at 640 x 240, the pixels of both
   eyes in one view, so the ratio says what the second eye and the OpenXR calls add.

"Late" counts display periods the app missed: the runtime's predicted display time moved on by
more than one period between two waits. A machine shared with other work makes llvmpipe slower:
say so next to the figures.

    .venv/bin/python bench/bench_xr.py [--seconds 25]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.monado import monado_env, xvfb  # noqa: E402 - the same runtime set-up the tests use


def _showroom(env: dict, tmp: Path, name: str, seconds: float, *args: str) -> dict:
    trace = tmp / f"{name}.json"
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, str(ROOT / "showroom.py"), "view", "--seconds", str(seconds), "--speed", "60"]
        + ["--trace", str(trace), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 300,
    )
    if r.returncode != 0:
        raise SystemExit(f"{name}: exit {r.returncode}\n{r.stderr[-2000:]}")
    out = json.loads(trace.read_text())
    out["wall_s"] = time.perf_counter() - t0
    return out


def _probe(env: dict, tmp: Path, frames: int) -> dict:
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "scenes" / "xr_probe.py"), "capture", str(tmp), str(frames - 1)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if r.returncode != 0:
        raise SystemExit(f"probe: exit {r.returncode}\n{r.stderr[-2000:]}")
    out = json.loads((tmp / "probe.json").read_text())
    out["wall_s"] = time.perf_counter() - t0
    return out


def _late_share(c: dict) -> float:
    """Missed display periods as a share of all periods the session spanned."""
    return c["late"] / max(c["waited"] + c["late"], 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=25.0)
    a = ap.parse_args()
    with xvfb() as display, tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        env = monado_env(display)
        loop = _probe(env, tmp, frames=int(a.seconds * 20))
        vr = _showroom(env, tmp, "vr", a.seconds, "--xr", "on", "--size", "640x240")
        desk = _showroom(dict(os.environ, DISPLAY=display), tmp, "desk", a.seconds, "--xr", "off", "--size", "640x240")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lc, vc = loop["counters"], vr["xr_frames"]
    rt = vr["xr_runtime"]
    print(f"runtime: {rt['runtime']} {rt['runtime_version']}, {rt['system']}, {rt['eye_size'][0]}x{rt['eye_size'][1]} "
          f"per eye, swapchain {rt['swapchain_format']}; llvmpipe, Xvfb; load average {load} on {os.cpu_count()} CPUs")
    print(f"{'':34s}{'waited':>7s}{'rendered':>9s}{'skipped':>8s}{'late':>6s}{'late %':>8s}")
    for label, c in (("OpenXR loop alone (marker)", lc), ("showroom in VR (default city)", vc)):
        print(f"{label:34s}{c['waited']:7d}{c['rendered']:9d}{c['skipped']:8d}{c['late']:6d}"
              f"{100 * _late_share(c):7.1f}%")
    b, db = vr["budget_ms"], desk["budget_ms"]
    print("per-frame split, ms (mean of the last 60 frames; the VR frame is the step of the runtime's predicted")
    print("display time, i.e. the display period x (1 + periods missed)):")
    print(f"{'':22s}{'frame':>8s}{'fps':>6s}{'sim':>6s}{'feeds':>7s}{'scene':>7s}{'render':>8s}{'xr wait':>9s}"
          f"{'xr submit':>10s}")
    for label, m in (("VR 2 x 320x240", b), ("baseline desktop 640x240", db)):
        print(f"{label:22s}{m['frame_ms']:8.1f}{m['fps']:6.1f}{m['sim_ms']:6.1f}{m['feeds_ms']:7.1f}{m['scene_ms']:7.1f}"
              f"{m['render_ms']:8.1f}{m.get('xr_wait_ms', 0.0):9.1f}{m.get('xr_submit_ms', 0.0):10.1f}")
    work_ms = b["frame_ms"] - b.get("xr_wait_ms", 0.0)
    # the rolling window's frame is period x (1 + missed): its mean gives the periods missed in those 60 frames
    period_ms = 1000.0 / rt["refresh_hz"] if rt.get("refresh_hz") else 50.0
    late_steady = max(0.0, (b["frame_ms"] / period_ms - 1.0) * 60.0)
    print(f"periods missed: {vc['late']} over the whole run (start-up included: shaders, depth maps), "
          f"{late_steady:.0f} in the last 60 frames")
    print(f"VR work per frame (frame minus wait): {work_ms:.1f} ms against the runtime's {period_ms:.1f} ms period; "
          f"steady state: {'keeps up' if late_steady < 0.5 else 'misses'} ({100 * late_steady / 60:.1f} % of periods)")
    print(f"ratio VR work / desktop frame: {work_ms / db['frame_ms']:.2f}")
    print("GPU target (2 x 2016x2240, 216 cameras, 11.1 ms at 90 Hz): not measured, no GPU machine lent to this task")


if __name__ == "__main__":
    main()
