"""Benchmark of the capacity model: 7 simulated days with faults for 216, 500 and 2,000 cameras.

Prints simulated days per wall second, SimPy events per wall second and the growth against the
216-camera baseline measured in the same run; also a bare SimPy timeout loop for scale.

    .venv/bin/python bench/bench_capacity.py [--days 7] [--sizes 216 500 2000]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.capacity import CapacityConfig, simulate  # noqa: E402
from twin import Camera, ServerRoom  # noqa: E402

RES = [(1920, 1080), (2560, 1440), (1280, 720), (3840, 2160)]


def synthetic_cameras(n: int, seed: int = 0) -> list[Camera]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        w, h = RES[int(rng.choice(4, p=[0.6, 0.2, 0.15, 0.05]))]
        out.append(Camera(id=f"S{i:05d}", x=float(rng.uniform(0, 2500)), y=float(rng.uniform(0, 2500)),
                          width_px=w, height_px=h, fps=float(rng.choice([15.0, 25.0, 30.0])),
                          codec=str(rng.choice(["h264", "h265"])), type=str(rng.choice(["fixed", "dome", "ptz"],
                                                                                          p=[0.6, 0.25, 0.15]))))
    return out


def bare_simpy(n: int = 300_000) -> float:
    env = simpy.Environment()

    def p():  # noqa: ANN202
        for _ in range(n):
            yield env.timeout(1.0)

    env.process(p())
    t = time.perf_counter()
    env.run()
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--sizes", type=int, nargs="+", default=[216, 500, 2000])
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    print(f"bare SimPy timeout loop: {bare_simpy() / 1e6:.2f} M events/s on this core")
    cfg = CapacityConfig(days=a.days, faults="both")
    base = None
    print(f"{'cameras':>8} {'servers':>8} {'wall s':>8} {'events':>9} {'M ev/s':>7} {'sim days/s':>10} "
          f"{'x wall vs 216':>13} {'x cameras':>9} {'faults':>6}")
    for n in a.sizes:
        cams = synthetic_cameras(n)
        room = ServerRoom(servers=math.ceil(n / 75), cameras_per_server=75, failover_servers=max(1, n // 500))
        t = time.perf_counter()
        r = simulate(cams, room, config=cfg, seed=a.seed)
        wall = time.perf_counter() - t
        if base is None:
            base = (n, wall)
        print(f"{n:>8} {room.servers:>5}+{room.failover_servers:<2} {wall:>8.2f} {r.events:>9} "
              f"{r.events / wall / 1e6:>7.2f} {a.days / wall:>10.2f} {wall / base[1]:>13.2f} {n / base[0]:>9.2f} "
              f"{len(r.faults):>6}")


if __name__ == "__main__":
    main()
