"""Planning mode in the showroom window: release-to-panel time and the frame rate while dragging a camera.

Runs ``showroom view --plan`` on the default city (coverage at ``--resolution``, 1 m by default) in a
real window under Xvfb (Mesa's llvmpipe, no GPU), places a camera with a scripted click and drags its
pole ``--drags`` times (pointer moved every frame's worth of time for a second, then released). The
engine recomputes on release; while dragging only the drawing and the inset follow the pointer.
From the window's trace it prints:

- release -> panel and ground overlay updated: the session's edit (incremental coverage, panel
  figures) plus the scene's part (changed drape tiles, markers, panel text), per release;
- release -> servers figure and fire minutes updated (the session's background work);
- frame time while dragging against the same window's idle frames in the same run (the baseline).

    .venv/bin/python bench/bench_planning_ui.py [--drags 5] [--size 1280x720] [--resolution 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_showroom import start_xvfb

ROOT = Path(__file__).resolve().parents[1]


def street_points(city_dir: str | None, size: tuple[int, int]) -> tuple[list[float], list[float]]:
    """Two street points ~20 m apart near where film point (0, -0.3) of the starting view meets the ground."""
    import math

    import numpy as np

    import twin
    from twin.raster import build_raster

    city = twin.load(city_dir or ROOT / "assets" / "city")
    xmin, ymin, xmax, ymax = city.bounds()
    eye = np.array([(xmin + xmax) / 2, ymin - 0.25 * (ymax - ymin), 0.3 * (ymax - ymin)])
    p, th = math.radians(30.0), math.tan(math.radians(30.0))
    tv = th * size[1] / size[0]
    d = np.array([0.0, math.cos(p), -math.sin(p)]) - 0.3 * tv * np.array([0.0, math.sin(p), math.cos(p)])
    aim = eye + eye[2] / -d[2] * d
    r = build_raster(city, resolution_m=2.0)
    flat = np.flatnonzero((r.public & ~r.building).ravel())
    x, y = r.centres(flat)
    a = int(np.argmin(np.hypot(x - aim[0], y - aim[1])))
    b = int(np.argmin(np.abs(np.hypot(x - x[a], y - y[a]) - 20.0) + 1e3 * (np.hypot(x - aim[0], y - aim[1]) > 80)))
    return [float(x[a]), float(y[a]), 0.0], [float(x[b]), float(y[b]), 0.0]


def script(drags: int, a: list[float], b: list[float], screenshot: str | None = None) -> list[dict]:
    """Place a camera on a street at ``a``, then drag its pole to ``b`` and back, ``drags`` times."""
    steps: list[dict] = [
        {"t": 4.0, "pointer_at": a},
        {"t": 4.2, "press": "mouse1"},
        {"t": 4.4, "release": "mouse1"},
    ]
    t = 6.0
    for k in range(drags):
        src, dst = (a, b) if k % 2 == 0 else (b, a)
        steps += [{"t": t, "pointer_at_camera": "@selected"}, {"t": t + 0.2, "press": "mouse1"}]
        # a second of dragging: the pointer walks 20 steps from the pole to the other street point
        for i in range(1, 21):
            f = i / 20
            at = [s0 + f * (s1 - s0) for s0, s1 in zip(src, dst, strict=True)]
            steps.append({"t": t + 0.2 + 0.05 * i, "pointer_at": at})
        steps.append({"t": t + 1.4, "release": "mouse1"})
        t += 4.0
    if screenshot:
        steps.append({"t": t + 4.0, "screenshot": screenshot})
    steps += [{"t": t + 6.0, "key": "escape"}]
    return steps


def main() -> int:
    """Run the window once and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drags", type=int, default=5)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--resolution", type=float, default=1.0)
    ap.add_argument("--city", default=None, help="a city folder (default: the default city)")
    ap.add_argument("--screenshot", default=None, help="save the window after the last drag (a PNG path)")
    args = ap.parse_args()
    xvfb, display = start_xvfb()
    try:
        with tempfile.TemporaryDirectory() as tmpdir:
            tmp = Path(tmpdir)
            shot = str(Path(args.screenshot).resolve()) if args.screenshot else None
            w, h = map(int, args.size.split("x"))
            a, b = street_points(args.city, (w, h))
            (tmp / "script.json").write_text(json.dumps(script(args.drags, a, b, shot)))
            cmd = [
                sys.executable, str(ROOT / "showroom.py"), "view", "--xr", "off", "--plan",
                "--plan-resolution", str(args.resolution), "--size", args.size, "--seconds", "300",
                "--script", str(tmp / "script.json"), "--trace", str(tmp / "trace.json"), "--out", str(tmp / "out"),
            ]
            if args.city:
                cmd += ["--city", args.city]
            r = subprocess.run(cmd, env=dict(os.environ, DISPLAY=display), capture_output=True, text=True)
            if r.returncode != 0:
                print(r.stderr[-3000:], file=sys.stderr)
                return 1
            trace = json.loads((tmp / "trace.json").read_text())
    finally:
        xvfb.terminate()
        xvfb.wait()
    plan = trace["plan"]
    moves = [t for t in plan["timings_ms"] if t["action"] == "move_to"]
    edit = [t["edit_ms"] for t in moves]
    scene = [t["scene_ms"] for t in moves]
    total = [a + b for a, b in zip(edit, scene, strict=True)]
    drag, idle = plan["frame_ms"]["dragging"], plan["frame_ms"]["idle"][5:]
    med = statistics.median
    print(f"planning mode, {args.size}, coverage at {args.resolution:g} m, {len(moves)} drag releases")
    print(f"  release -> panel + ground overlay: median {med(total):.1f} ms, max {max(total):.1f} ms "
          f"(session edit {med(edit):.1f} ms, scene {med(scene):.1f} ms)")
    for k, v in plan["background_ms"].items():
        if v:
            print(f"  release -> {k} figure: median {med(v):.0f} ms ({len(v)} of {len(plan['timings_ms'])} edits)")
        else:
            print(f"  release -> {k} figure: none landed in the run")
    print(f"  frame while dragging: median {med(drag):.1f} ms ({1000 / med(drag):.1f} fps), {len(drag)} frames; "
          f"idle baseline {med(idle):.1f} ms ({1000 / med(idle):.1f} fps): ratio {med(drag) / med(idle):.2f}x")
    print(f"  drag preview work per frame: median {med(plan['drag_frames_ms']):.2f} ms")
    if plan["suggest_ms"]:
        print(f"  the optimiser's suggestion, in the frame after a release: median {med(plan['suggest_ms']):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
