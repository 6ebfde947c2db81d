"""``showroom fire``: fire response with the cameras in the loop."""

from __future__ import annotations

import argparse
import sys

from showroom_cli.common import DEFAULT_SEED, city_arg, load_city, out_dir


def _cmd_fire(args: argparse.Namespace) -> int:
    from sim.fire import FireParams, run_fire
    from sim.fire.report import write_fire_outputs

    city = load_city(args.city)
    out = out_dir(args.out)
    study = run_fire(city, cameras=args.cameras, days=args.days, seed=args.seed, standard=args.standard,
                     rate_scale=args.rate_scale, params=FireParams(visibility=args.visibility))
    write_fire_outputs(city, study, out)
    s = study.summary
    w = s["with_cameras"]
    tot = w["times_s"]["total"]
    sav = s.get("camera_minutes_saved", {})
    if w["incidents"] == 0:
        print(f"no fire was drawn in {s['days']:g} days: simulate more --days or raise --rate-scale", file=sys.stderr)
    p90 = tot.get("p90", float("nan")) / 60.0
    print(f"{w['incidents']} fires in {s['days']:g} days; notification -> water p90 {p90:.1f} min; "
          f"{s['standard']} {'met' if w['compliance']['met'] else 'NOT met'}; flashover {w['flashover_share']:.0%}; "
          f"mutual aid {w['mutual_aid_share']:.1%}")
    if sav.get("n"):
        print(f"cameras ({s['camera_set']['cameras']}) save {sav['mean']:.2f} min a fire on average, "
              f"{sav['total_minutes']:.0f} min in all; {sav['incidents_helped']} fires helped, "
              f"{sav['flashovers_avoided']} flashovers avoided")
    print(f"wrote {out} in {s['timing_s']['total']:.1f} s")
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser(
        "fire", help="fire response with the cameras in the loop: response times, standards, minutes saved"
    )
    city_arg(p)
    p.add_argument("--cameras", default="existing", metavar="existing|planned|all|none|FILE",
                   help="cameras watching: existing (default), planned (existing + planned), all, none, a cameras "
                        "GeoJSON (a plan, added to the existing) or a file of camera ids")
    p.add_argument("--days", type=float, default=365.0, metavar="D", help="simulated days (default 365)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--standard", metavar="NAME", help="indonesia or nfpa1710 (default: the city's standards.fire)")
    p.add_argument("--rate-scale", type=float, default=1.0, metavar="K",
                   help="multiply every zone's fire rate (e.g. 100 for all fire-service calls; default 1)")
    p.add_argument("--visibility", default="coverage", choices=("coverage", "cone"),
                   help="what a camera sees: the coverage model (default) or the quick view cone")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_cmd_fire)
