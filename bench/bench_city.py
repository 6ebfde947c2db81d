"""Default city: generation, save and load times, against the bare JSON parse of the same files.

Run: ``.venv/bin/python bench/bench_city.py [--repeat N] [--seed N]``. Prints one line per figure
and a JSON summary on the last line. The issue asks that loading the default city takes under 2 s.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import showroom  # noqa: E402
import twin  # noqa: E402
from twin.generate import generate_city  # noqa: E402


def _best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def _parse_only(city: Path) -> None:
    for p in sorted(city.glob("*.geojson")):
        json.loads(p.read_text(encoding="utf-8"))


def _load_stages(city: Path) -> list[tuple[str, float]]:
    """Cumulative time of the load path's main functions (one profiled load)."""
    prof = cProfile.Profile()
    prof.enable()
    twin.load(city)
    prof.disable()
    stats = pstats.Stats(prof)
    wanted = {
        "_read_geojson": "read GeoJSON (json + shapely.shape)",
        "_to_local": "project to the local frame",
        "_buildings": "validate buildings",
        "_cameras": "validate cameras",
        "build_road_graph": "build the road graph",
        "_zones": "validate zones",
    }
    out = []
    for (file, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if name in wanted and "twin" in file:
            out.append((wanted[name], row[3]))
    return sorted(out, key=lambda r: -r[1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=showroom.DEFAULT_SEED)
    ap.add_argument("--city", type=Path, default=ROOT / "assets" / "city", help="the city to load")
    args = ap.parse_args()

    gen_s, t = _best(lambda: generate_city(seed=args.seed), args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        save_s, _ = _best(lambda: twin.save(t, tmp), args.repeat)
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
    parse_s, _ = _best(lambda: _parse_only(args.city), args.repeat)
    load_times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        loaded = twin.load(args.city)
        load_times.append(time.perf_counter() - t0)
    load_s = min(load_times)
    info = twin.city_info(loaded)

    print(f"generate_city(seed={args.seed}):   {gen_s:7.3f} s  (best of {args.repeat})")
    print(f"twin.save:                    {save_s:7.3f} s  ({size_mb:.2f} MB written)")
    print(f"json.loads of the layers:     {parse_s:7.3f} s  (baseline: the bare parse)")
    print(
        f"twin.load({args.city.name}):          {load_s:7.3f} s  (median {statistics.median(load_times):.3f} s; "
        f"{load_s / parse_s:.1f} x the bare parse; limit 2 s)"
    )
    print(
        f"  {info['counts']['buildings']} buildings, {info['counts']['road_edges']} road edges, "
        f"{info['counts']['cameras']} cameras ({info['cameras_by_status']['existing']} existing, "
        f"{info['cameras_by_status']['candidate']} candidates), {info['counts']['fire_stations']} fire stations"
    )
    stages = _load_stages(args.city)
    print("load stages (one profiled load, cumulative, profiler overhead included):")
    for name, s in stages:
        print(f"  {name:40s} {s:7.3f} s")
    print(
        json.dumps(
            {
                "generate_s": round(gen_s, 3),
                "save_s": round(save_s, 3),
                "parse_s": round(parse_s, 3),
                "load_s": round(load_s, 3),
                "load_over_parse": round(load_s / parse_s, 2),
                "files_mb": round(size_mb, 2),
                "load_under_2s": load_s < 2.0,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
