"""``showroom capacity``: simulate the video system and size the recording servers and storage."""

from __future__ import annotations

import argparse
import sys

from showroom_cli.common import DEFAULT_SEED, cameras_arg, city_arg, load_city, out_dir, pick_cameras, write_json


def _cmd_capacity(args: argparse.Namespace) -> int:
    import twin
    from sim.capacity.report import run_capacity

    servers: int | str = "auto"
    if args.servers != "auto":
        try:
            servers = int(args.servers)
        except ValueError:
            raise twin.TwinError(f"--servers must be a whole number >= 1 or 'auto', got {args.servers!r}") from None
    if args.replications < 1:
        raise twin.TwinError(f"--replications must be >= 1, got {args.replications}")
    city = load_city(args.city)
    pick_cameras(city, args.cameras)  # a bad --cameras is one clear error before any output
    out = out_dir(args.out)
    tty = sys.stderr.isatty()
    doc = run_capacity(
        city,
        out,
        cameras=args.cameras,
        servers=servers,
        retention_days=args.retention_days,
        days=args.days,
        seed=args.seed,
        replications=args.replications,
        faults=args.faults,
        profile=args.profile,
        progress=(lambda m: print(f"\r{m:<70}", end="", file=sys.stderr, flush=True)) if tty else None,
    )
    if tty:
        print(file=sys.stderr)
    write_json(out / "summary.json", doc)
    for sc in doc["scenarios"].values():
        st, sv, lv = sc["storage"], sc["servers"], sc["service_levels"]
        verdict = "meets every service level" if sc["pass"] else "FAILS: " + ", ".join(
            k for k, v in lv.items() if not v["pass"])
        if sc["search_exhausted"]:
            verdict += f" (no room up to {sv['recording']} servers meets them all; see search in summary.json)"
        print(
            f"{sc['label']}: {sc['cameras']} cameras, {sc['total_planned_bitrate_mbps']:.0f} Mbit/s planned -> "
            f"{sv['recording']}+{sv['failover']} recording servers, {st['disks_per_server']} x {st['disk_tb']:g} TB "
            f"{st['raid']} each ({st['usable_tb_total']:g} TB usable, {st['raw_tb_total']:g} TB raw); "
            f"p95 live {lv['p95_live_latency_ms']['figure']:.0f} ms, retention {lv['retention_days']['figure']:.1f} d, "
            f"peak intake {lv['intake_utilisation']['figure']:.0%}; {verdict}"
        )
    m = doc["inputs"].get("measured_profile")
    if m:
        print(f"measured bitrates for {m['cameras_measured']} camera(s) from {m['file']}, planning figures for "
              f"{m['cameras_planning']}" + (f"; not in the city: {', '.join(m['not_in_city'][:5])}"
                                             if m["not_in_city"] else ""))
    print(f"wrote {out} in {doc['run_time_s']:.1f} s")
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser("capacity", help="simulate the video system and size the recording servers and storage")
    city_arg(p)
    cameras_arg(p, "all", "the cameras after (today is always the existing ones)")
    p.add_argument("--servers", default="auto", metavar="N|auto",
                   help="recording servers to check, or auto: the smallest number meeting every service level")
    p.add_argument("--retention-days", type=float, metavar="D", help="override the city's retention_days")
    p.add_argument("--days", type=float, default=7.0, metavar="S", help="simulated days per replication (default 7)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--replications", type=int, default=5, metavar="R", help="independent replications (default 5)")
    p.add_argument("--faults", default="both", choices=("both", "design", "random", "none"),
                   help="design-basis faults, random MTBF/MTTR faults, both (default) or none")
    p.add_argument("--profile", default="planning", metavar="NAME|FILE",
                   help="stream profile: planning (default), flat, a YAML/JSON file of factors, or the measured "
                   "profile `showroom feeds profile` writes (its bitrates per camera, planning elsewhere)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_cmd_capacity)
