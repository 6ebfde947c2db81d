"""Showroom frame time on the desktop: the default city at 1280x720, 115 cameras projecting, the fire drill live.

Runs ``showroom view`` in a real window under Xvfb (Mesa's llvmpipe, no GPU) for a fixed time and
reads the frame-budget split (sim step, feeds, scene update, render) from its trace. The baseline,
measured in the same run: the same window with the video overlay off from the first frame (no
projector texturing), so the ratio is the cost of projecting live video.

    .venv/bin/python bench/bench_showroom.py [--seconds 25] [--size 1280x720]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_xvfb() -> tuple[subprocess.Popen, str]:
    for n in range(140, 180):
        if not Path(f"/tmp/.X{n}-lock").exists():
            break
    p = subprocess.Popen(
        [shutil.which("Xvfb"), f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        time.sleep(0.1)
    return p, f":{n}"


def run(display: str, seconds: float, size: str, script: list[dict], tmp: Path, name: str) -> dict:
    (tmp / f"{name}.json").write_text(json.dumps(script))
    trace = tmp / f"{name}-trace.json"
    env = dict(os.environ, DISPLAY=display)
    t0 = time.perf_counter()
    r = subprocess.run(
        [
            sys.executable,
            str(ROOT / "showroom.py"),
            "view",
            "--xr",
            "off",
            "--size",
            size,
            "--seconds",
            str(seconds),
            "--speed",
            "60",
            "--script",
            str(tmp / f"{name}.json"),
            "--trace",
            str(trace),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 300,
    )
    if r.returncode != 0:
        raise SystemExit(r.stderr[-2000:])
    out = json.loads(trace.read_text())
    out["wall_s"] = time.perf_counter() - t0
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=25.0)
    ap.add_argument("--size", default="1280x720")
    a = ap.parse_args()
    xv, display = start_xvfb()
    try:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            # warm-up frames (the first ones build shaders and depth maps) are outside the rolling window
            video = run(display, a.seconds, a.size, [], tmp, "video")
            base = run(display, a.seconds, a.size, [{"t": 0.0, "key": "v"}], tmp, "novideo")
    finally:
        xv.terminate()
    print(f"showroom view, default city, {a.size}, llvmpipe, fire drill live at 60x, last 60 frames averaged")
    print(
        f"cameras projecting: {video['scene']['cameras_projecting']}, feeds decoded: {len(video['feeds_subscribed'])}"
    )
    print(f"{'':22s}{'frame ms':>10s}{'fps':>7s}{'sim':>7s}{'feeds':>7s}{'scene':>7s}{'render':>8s}")
    for label, t in (("video projected", video), ("baseline: video off", base)):
        b = t["budget_ms"]
        print(
            f"{label:22s}{b['frame_ms']:10.1f}{b['fps']:7.1f}{b['sim_ms']:7.1f}{b['feeds_ms']:7.1f}"
            f"{b['scene_ms']:7.1f}{b['render_ms']:8.1f}"
        )
    print(f"ratio video / baseline: {video['budget_ms']['frame_ms'] / base['budget_ms']['frame_ms']:.2f}")
    print(f"sim time reached: {video['sim_time_s']:.0f} s in {video['frames']} frames")


if __name__ == "__main__":
    main()
