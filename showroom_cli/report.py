"""``showroom report``: the main job (coverage, the next K cameras, servers and fires) in one report."""

from __future__ import annotations

import argparse
import sys

from showroom_cli.common import DEFAULT_CITY, DEFAULT_SEED, city_arg, load_city, out_dir
from showroom_cli.fire import detection_args


def _cmd_report(args: argparse.Namespace) -> int:
    from showroom_cli.fire import detection_options
    from showroom_cli.main_report import ReportSettings, run_report

    over = {"add": args.add, "seed": args.seed, "fire_days": args.days,
            "fire_options": tuple(detection_options(args).items())}
    settings = ReportSettings.quick_settings(**over) if args.quick else ReportSettings(
        **{k: v for k, v in over.items() if v is not None})
    city = load_city(args.city)
    out = out_dir(args.out)
    s = run_report(city, out, settings=settings, city_label=args.city or str(DEFAULT_CITY),
                   progress=lambda m: print(m, file=sys.stderr, flush=True))
    cam, cap, fire, lvl = s["cameras"], s["capacity"], s["fire"], s["plan"]["level"]
    print(f"cameras {cam['today']} -> {cam['after']}; public space at {lvl} "
          f"{100 * s['coverage']['today']['public_share'][lvl]:.1f}% -> "
          f"{100 * s['coverage']['after']['public_share'][lvl]:.1f}%; servers {cap['today']['servers_total']} -> "
          f"{cap['after']['servers_total']}, raw {cap['today']['raw_tb_total']:g} -> "
          f"{cap['after']['raw_tb_total']:g} TB; "
          f"cameras save {fire['minutes_saved']['today']['mean'] or 0:.2f} -> "
          f"{fire['minutes_saved']['after']['mean'] or 0:.2f} min a fire")
    print(f"wrote {out / 'report.html'} in {s['run_time_s']:.1f} s")
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser("report", help="the main job: coverage, the next K cameras, servers and fires in one report")
    city_arg(p)
    p.add_argument("--add", type=int, default=101, metavar="K", help="new cameras to plan (default 101)")
    p.add_argument("--days", type=float, default=None, metavar="D",
                   help="simulated days of fires (default 3650, ten years; --quick 1095)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--quick", action="store_true",
                   help="coarser settings (2 m raster, 4 headings, 2 days x 2 capacity replications, 3 years of fires)")
    detection_args(p)
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_cmd_report)
