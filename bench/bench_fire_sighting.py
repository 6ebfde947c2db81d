"""The fire model's camera sightings on the default city: pairs and time, and the cache against a changed city.

Run: ``.venv/bin/python bench/bench_fire_sighting.py [--city assets/city] [--rate-scale 20]``

Prints, for a year of fires (the zones' rates times ``--rate-scale``, seed 1) and the existing
cameras: the (fire, camera) pairs and the fires seen with each visibility model (``coverage``: the
coverage model's frustum and raster occlusion; ``cone``: heading/hfov cones to the Detect distance
with 2.5-D sight lines), with the time each took; then the same city with every camera raised to
30 m and given a 4K sensor, asked in the same process after the first answer (a sighting cache
keyed without mount height or resolution would return the first answer again). The imports also
work on a checkout from before issue 17 (sim/_fire_*.py), so the same script measures before and after.
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
from sim.fire import camera_pairs  # noqa: E402
from sim.travel import TravelModel  # noqa: E402

try:
    from sim.fire import FireParams, generate_incidents
except ImportError:  # before issue 17's subpackages
    from sim._fire_incidents import generate_incidents  # type: ignore[no-redef]
    from sim._fire_params import FireParams  # type: ignore[no-redef]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--city", default=str(ROOT / "assets" / "city"))
    ap.add_argument("--rate-scale", type=float, default=20.0)
    args = ap.parse_args()
    city = twin.load(args.city)
    cams = city.cameras_by_status("existing")
    p = FireParams()
    travel = TravelModel(city.roads, city.fire_stations, p.travel)
    inc = generate_incidents(city, travel, days=365, params=p, rng=np.random.default_rng(1), rate_scale=args.rate_scale)
    print(f"{len(inc)} fires in a year, {len(cams)} existing cameras")
    print("visibility  pairs  fires_seen  time_s")
    for vis in ("coverage", "cone"):
        t0 = time.perf_counter()
        pi, _, _ = camera_pairs(city, cams, inc, dataclasses.replace(p, visibility=vis))
        print(f"{vis:<10}  {pi.size:>5}  {np.unique(pi).size:>10}  {time.perf_counter() - t0:>6.2f}")
    hi = [dataclasses.replace(c, mount_height_m=30.0, width_px=3840, height_px=2160) for c in cams]
    t0 = time.perf_counter()
    pi, _, _ = camera_pairs(city, hi, inc, dataclasses.replace(p, visibility="coverage"))
    print(f"every camera at 30 m and 4K, asked after the first answer (coverage): {pi.size} pairs, "
          f"{np.unique(pi).size} fires seen, {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
