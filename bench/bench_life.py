"""Street-life benchmark: what vehicles and pedestrians cost a 1280x720 frame of the default city at a busy hour.

Per frame, for the default city at 08:00 (the morning peak): the life model's step (sim time
advanced by one frame at the clock's speed), taking its state (positions along the polylines), and
handing it to the scene (the vertex buffers rebuilt and uploaded), against the frame itself drawn
(the same view, same run, frame after frame in turn) with life and with empty streets: the
baseline. Prints ms per frame, the agents drawn, and life's share of the frame. Run:
``.venv/bin/python bench/bench_life.py [--frames N] [--speed X] [--size WxH]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import twin  # noqa: E402
from scenes.render import OffscreenRenderer  # noqa: E402
from showroom_cli.life import StreetLife  # noqa: E402

CITY = Path(__file__).resolve().parents[1] / "assets" / "city"


def main() -> int:
    """Run the benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--speed", type=float, default=1.0, help="sim seconds per wall second (the showroom's 1x/60x)")
    ap.add_argument("--fps", type=float, default=30.0, help="frame rate the sim step is sized for")
    ap.add_argument("--size", default="1280x720")
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    city = twin.load(CITY)
    t0 = time.perf_counter()
    street = StreetLife(city, seed=0, hour=8.0)
    street.set_speed(args.speed)  # the step the showroom takes at this speed
    model = street.model
    build_s = time.perf_counter() - t0
    r = OffscreenRenderer(city, size=(w, h))
    # a street-level view over the busy centre: an arterial with its queues in the frame
    xmin, ymin, xmax, ymax = city.bounds()
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    r.look(np.array([cx - 250.0, cy - 300.0, 120.0]), np.array([cx, cy, 0.0]))
    for _ in range(3):  # warm: shaders, depth maps, first uploads
        r.scene.push_life(model.state())
        r.render()
    dt = args.speed / args.fps
    step_ms, state_ms, push_ms, frame_life_ms, frame_empty_ms = [], [], [], [], []
    life_root = r.scene.life.root
    for _ in range(args.frames):
        t0 = time.perf_counter()
        model.env.run(until=model.env.now + dt)
        t1 = time.perf_counter()
        st = model.state()
        t2 = time.perf_counter()
        r.scene.push_life(st)
        t3 = time.perf_counter()
        r.render()
        t4 = time.perf_counter()
        # the baseline frame, interleaved so a busy machine's drift hits both alike: the same view, streets empty
        life_root.stash()
        t5 = time.perf_counter()
        r.render()
        t6 = time.perf_counter()
        life_root.unstash()
        step_ms.append((t1 - t0) * 1e3)
        state_ms.append((t2 - t1) * 1e3)
        push_ms.append((t3 - t2) * 1e3)
        frame_life_ms.append((t4 - t3) * 1e3)
        frame_empty_ms.append((t6 - t5) * 1e3)
    counts = model.counts()
    r.close()
    series = {"step": step_ms, "state": state_ms, "push": push_ms, "draw_life": frame_life_ms,
              "draw_empty": frame_empty_ms}  # fmt: skip
    med = {k: float(np.median(v)) for k, v in series.items()}
    life_cpu = med["step"] + med["state"] + med["push"]
    draw_extra = med["draw_life"] - med["draw_empty"]
    frame_with = life_cpu + med["draw_life"]
    print(f"default city at 08:00, {w}x{h}, {args.frames} frames, speed {args.speed:g}x at {args.fps:g} fps "
          f"(life step {model.step_s:g} s; model built in {build_s:.2f} s)")  # fmt: skip
    print(f"agents: {counts['vehicles']} vehicles ({counts['motorcycle']} motorcycles, {counts['car']} cars, "
          f"{counts['bus']} buses), {counts['pedestrians']} pedestrians")  # fmt: skip
    print("median ms per frame:")
    mean_step = float(np.mean(step_ms))
    print(f"  life step (env.run)      {med['step']:8.2f}   (mean {mean_step:.2f}; a step each {model.step_s:g} s)")
    print(f"  life state (positions)   {med['state']:8.2f}")
    print(f"  scene push (buffers)     {med['push']:8.2f}")
    print(f"  draw, streets full       {med['draw_life']:8.2f}")
    print(f"  draw, streets empty      {med['draw_empty']:8.2f}   (baseline: same view, frames in turn)")
    print(f"life on the CPU: {life_cpu:.2f} ms = {life_cpu / frame_with:.1%} of the frame; extra draw "
          f"{draw_extra:+.2f} ms; frame with life / without: {frame_with / med['draw_empty']:.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
