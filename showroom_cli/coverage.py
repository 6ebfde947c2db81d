"""``showroom coverage [--over-time]``: what the cameras see, at which DORI level, and through time."""

from __future__ import annotations

import argparse
import time

from showroom_cli.common import DEFAULT_SEED, cameras_arg, city_arg, load_city, out_dir, pick_cameras
from showroom_cli.tiled import add_tile_args


def _cmd_coverage(args: argparse.Namespace) -> int:
    if getattr(args, "over_time", False):  # coverage over time (sim.covtime), below
        return _cmd_coverage_over_time(args)
    from showroom_cli.coverage_report import write_coverage
    from twin.coverage import compute_coverage

    t0 = time.perf_counter()
    city = load_city(args.city)
    cams = pick_cameras(city, args.cameras)
    if args.tiles:
        from showroom_cli.tiled import tiled_coverage_command

        return tiled_coverage_command(args, city, cams)
    res = compute_coverage(
        city, cams, resolution_m=args.resolution, profile=args.profile, target_height_m=args.target_height,
        night=args.night,
    )
    s = write_coverage(res, city, out_dir(args.out), extra={"run_time_s": round(time.perf_counter() - t0, 3)})
    share = ", ".join(f"{n} {100 * v:.1f}%" for n, v in s["public_share"].items())
    print(f"{len(cams)} cameras over {s['public_area_m2'] / 1e6:.3f} km2 of public space: {share}")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser("coverage", help="what the cameras see, and at which DORI level (occlusion, pixel density)")
    city_arg(p)
    cameras_arg(p, "all")
    p.add_argument("--resolution", type=float, default=1.0, metavar="M", help="raster cell size in metres (default 1)")
    p.add_argument("--profile", default=None, metavar="NAME",
                   help="DORI profile: EN62676-4:2015 (default) or IEC62676-4:2025")
    p.add_argument("--target-height", type=float, default=1.6, metavar="M", help="target height (default 1.6 m)")
    p.add_argument("--night", action="store_true", help="cut each camera at its IR range")
    p.add_argument("--out", required=True, metavar="DIR")
    add_tile_args(p)
    _coverage_over_time_args(p)
    p.set_defaults(func=_cmd_coverage)


# ---- showroom coverage --over-time ----
def _coverage_over_time_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("coverage over time (--over-time)")
    g.add_argument("--over-time", action="store_true",
                   help="simulate coverage through time: faults and repair crews, PTZ patrols, night, the wall")
    g.add_argument("--days", type=float, default=None, metavar="D", help="simulated days (default 7)")
    g.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="N", help="random seed")
    g.add_argument("--operators", type=int, default=None, metavar="N", help="wall staff in all shifts (default: city)")
    g.add_argument("--rotation", default=None, metavar="NAME",
                   help="wall rotation: round_robin (default), priority_zones or alarm_driven")
    g.add_argument("--crews", type=int, default=None, metavar="N", help="repair crews (default 1)")
    g.add_argument("--settings", default=None, metavar="FILE",
                   help="YAML of sim.covtime.CoverageTimeConfig fields (fault rates, night profiles, ...); "
                        "the options above override it")
    g.add_argument("--replications", type=int, default=3, metavar="N", help="independent runs (default 3)")
    g.add_argument("--compare", default="crews,rotation,cameras", metavar="LIST",
                   help="policies to compare: crews, rotation, cameras (comma-separated) or none")


def _cmd_coverage_over_time(args: argparse.Namespace) -> int:
    import dataclasses

    from sim.covtime import CoverageTimeConfig, compare_policies, load_settings, parse_policies, run_coverage_time
    from sim.covtime.report import write_coverage_time

    t0 = time.perf_counter()
    base = load_settings(args.settings) if args.settings else CoverageTimeConfig()
    given = {k: getattr(args, k) for k in ("days", "operators", "rotation", "crews") if getattr(args, k) is not None}
    cfg = dataclasses.replace(base, **given)
    compare = parse_policies(args.compare)
    city = load_city(args.city)
    cams = pick_cameras(city, args.cameras)
    existing = pick_cameras(city, "existing")
    every = pick_cameras(city, "all")
    others = None  # the other camera set to compare: with or without the cameras beyond the existing ones
    if len(cams) > len(existing):
        others = (f"existing {len(existing)} cameras only (without the {len(cams) - len(existing)} added)", existing)
    elif len(every) > len(existing):
        others = (f"with the {len(every) - len(existing)} planned cameras", every)
    res = run_coverage_time(
        city, cams, config=cfg, seed=args.seed, replications=args.replications, resolution_m=args.resolution,
        profile=args.profile, target_height_m=args.target_height,
    )
    policies = compare_policies(city, res, compare=compare, other_cameras=others) if compare else None
    s = write_coverage_time(res, city, out_dir(args.out), policies=policies)
    lv = next(iter(s["levels"]))
    b = s["levels"][lv]
    print(f"{len(cams)} cameras over {cfg.days:g} days x {args.replications}: public space {lv} or better: "
          f"static {100 * b['static']:.1f}%, seen {100 * b['seen']['mean']:.1f}%, "
          f"watched {100 * b['watched']['mean']:.1f}%; camera availability "
          f"{100 * s['availability']['camera']['mean']:.2f}%")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0
