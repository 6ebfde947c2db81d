"""``showroom plan``: site K new cameras (maximal covering, lazy greedy, exact MILP gap)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from showroom_cli.common import city_arg, load_city, out_dir
from showroom_cli.tiled import add_tile_args


def _cmd_plan(args: argparse.Namespace) -> int:
    from showroom_cli.coverage_report import write_plan
    from twin.cityio import load_cameras
    from twin.placement import load_lenses, plan_cameras

    t0 = time.perf_counter()
    city = load_city(args.city)
    kw: dict[str, Any] = dict(
        level=args.level,
        headings=args.headings,
        lenses=load_lenses(args.lenses) if args.lenses else None,
        budget=args.budget,
        min_spacing_m=args.min_spacing,
        exclude=[s for s in (args.exclude or "").split(",") if s],
        backup_weight=args.backup_weight,
        exact=args.exact,
        time_limit_s=args.time_limit,
        resolution_m=args.resolution,
        profile=args.profile,
        candidates=load_cameras(args.candidates, city.frame) if args.candidates else None,
        pole_spacing_m=args.pole_spacing,
    )
    if args.tiles:
        from showroom_cli.tiled import tiled_plan_command

        return tiled_plan_command(args, city, **kw)
    plan = plan_cameras(city, args.add, **kw)
    s = write_plan(plan, city, out_dir(args.out))
    b, a = s["before"]["public_share"][plan.level], s["after"]["public_share"][plan.level]
    print(f"added {s['added']} cameras: public space seen at {plan.level} {100 * b:.1f}% -> {100 * a:.1f}%")
    if s["exact"] is not None:
        ex = s["exact"]
        if ex["bound"] is None:
            print(f"greedy {ex['greedy_value']:.0f}; MILP: {ex['bound_note']}")
        else:
            print(f"greedy {ex['greedy_value']:.0f} vs MILP {ex['value']:.0f} (bound {ex['bound']:.0f}, "
                  f"optimal={ex['optimal']}): gap {100 * (s['gap'] or 0):.2f}%")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser("plan", help="site K new cameras: maximal covering (lazy greedy, exact MILP gap)")
    p.add_argument("--add", type=int, required=True, metavar="K", help="cameras to add")
    city_arg(p)
    p.add_argument("--level", default="Observe", metavar="NAME", help="DORI level to plan for (default Observe)")
    p.add_argument("--headings", type=int, default=8, metavar="N", help="headings tried per site (default 8)")
    p.add_argument("--budget", type=float, default=None, metavar="X", help="total cost allowed (site cost + lens cost)")
    p.add_argument("--exact", action="store_true", help="also solve the MILP (HiGHS) and report the greedy's gap")
    p.add_argument("--time-limit", type=float, default=120.0, metavar="S", help="HiGHS time limit (default 120 s)")
    p.add_argument("--min-spacing", type=float, default=0.0, metavar="M", help="least distance between new sites")
    p.add_argument("--exclude", metavar="ID,ID", help="candidate sites not to use")
    p.add_argument("--backup-weight", type=float, default=0.0, metavar="W",
                   help="worth of a second camera over high-priority zones (priority >= 2), relative to the first")
    p.add_argument("--candidates", metavar="FILE", help="a cameras GeoJSON of candidate sites to use instead")
    p.add_argument("--pole-spacing", type=float, default=50.0, metavar="M",
                   help="pole spacing along streets when the city has no candidates (default 50 m)")
    p.add_argument("--lenses", metavar="FILE", help="lens catalogue (JSON/YAML list of name, hfov_deg, width_px, ...)")
    p.add_argument("--resolution", type=float, default=1.0, metavar="M", help="raster cell size in metres (default 1)")
    p.add_argument("--profile", default=None, metavar="NAME", help="DORI profile (default the city's)")
    p.add_argument("--out", required=True, metavar="DIR")
    add_tile_args(p)
    p.set_defaults(func=_cmd_plan)
