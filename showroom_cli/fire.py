"""``showroom fire``: fire response with the cameras in the loop."""

from __future__ import annotations

import argparse
import sys

from showroom_cli.common import DEFAULT_SEED, cameras_arg, city_arg, load_city, out_dir, pick_cameras
from showroom_cli.tiled import add_tile_args


def _cmd_fire(args: argparse.Namespace) -> int:
    from sim.fire import FireParams, run_fire
    from sim.fire.report import write_fire_outputs

    city = load_city(args.city)
    params = FireParams(visibility=args.visibility, **detection_options(args))
    cams = pick_cameras(city, args.cameras)
    out = out_dir(args.out)
    if getattr(args, "tiles", False):
        from showroom_cli.tiled import tiled_fire_study

        study = tiled_fire_study(args, city, cameras=cams, days=args.days, seed=args.seed, standard=args.standard,
                                 rate_scale=args.rate_scale, params=params)
    else:
        study = run_fire(city, cameras=cams, days=args.days, seed=args.seed, standard=args.standard,
                         rate_scale=args.rate_scale, params=params)
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
    sens = s.get("operator_notice_sensitivity")
    if sens:
        print("operator notices a fire on a tile with p = " + ", ".join(
            f"{sens[k]['operator_p_notice']:g} ({k}): {sens[k]['minutes_saved_mean']:.2f} min saved a fire"
            for k in ("low", "central", "high")))
    fa = s["false_alarms"]
    print(f"analytics false alarms: {fa['count']:,} ({fa['per_camera_hour']:.2f} per camera-hour on "
          f"{fa['analytics_cameras']} cameras), {fa['operator_minutes']:,.0f} operator min to verify "
          f"({100 * (fa['operator_share_of_duty_time'] or 0):.1f}% of duty time)"
          + (f", {fa['truck_minutes']:,.0f} truck min on false trips" if fa["policy"] == "dispatch" else ""))
    tb = s.get("tiles")
    if tb and "tiles" in tb:
        peak = max(tb["peak_rss_mb_per_worker"].values(), default=0.0)
        print(f"camera sighting in {tb['tiles_with_fires']} of {tb['tiles']} tiles of {tb['tile_m']:g} m "
              f"(halo {tb['halo_m']:g} m) on {tb['cluster']['slots']} workers; peak memory per worker {peak:.0f} MiB")
    print(f"wrote {out} in {s['timing_s']['total']:.1f} s")
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser(
        "fire", help="fire response with the cameras in the loop: response times, standards, minutes saved"
    )
    city_arg(p)
    cameras_arg(p, "existing", "the cameras watching")
    p.add_argument("--days", type=float, default=365.0, metavar="D", help="simulated days (default 365)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--standard", metavar="NAME", help="indonesia or nfpa1710 (default: the city's standards.fire)")
    p.add_argument("--rate-scale", type=float, default=1.0, metavar="K",
                   help="multiply every zone's fire rate (e.g. 100 for all fire-service calls; default 1)")
    p.add_argument("--visibility", default="coverage", choices=("coverage", "cone"),
                   help="what a camera sees: the coverage model (default) or the quick view cone")
    detection_args(p)
    p.add_argument("--out", required=True, metavar="DIR")
    add_tile_args(p, what="camera sighting")
    p.set_defaults(func=_cmd_fire)


def detection_args(p: argparse.ArgumentParser) -> None:
    """The options on how cameras detect fires (shared by ``fire`` and ``report``)."""
    p.add_argument("--detection-profile", metavar="FILE",
                   help="detection_profile.json from `showroom feeds evaluate` (default: the profile measured on "
                        "the shared real clips, sim/fire/detection_profile.json)")
    p.add_argument("--detection-mode", default="sample", choices=("sample", "central"),
                   help="sample: the profile's numbers drawn from their evidence per run (seeded, default); "
                        "central: their posterior means")
    p.add_argument("--operator-notice", type=float, nargs=3, metavar=("LOW", "CENTRAL", "HIGH"),
                   help="chance an operator notices a fire on a wall tile per showing: the central value and the "
                        "sensitivity range (default 0.2 0.5 0.85, an assumption)")
    p.add_argument("--false-alarm-policy", default="verify", choices=("verify", "dispatch"),
                   help="an analytics alarm is verified first (default) or also sends a truck at once")


def detection_options(args: argparse.Namespace) -> dict:
    """FireParams fields from :func:`detection_args` options."""
    from sim.fire import load_profile

    opts: dict = {"detection_mode": args.detection_mode, "false_alarm_policy": args.false_alarm_policy}
    if args.detection_profile:
        opts["detection"] = load_profile(args.detection_profile)
    if args.operator_notice:
        lo, mid, hi = args.operator_notice
        opts["operator_p_notice"], opts["operator_p_notice_range"] = mid, (lo, hi)
    return opts
