"""``showroom feeds check``: open the cameras' streams for a while and report their health."""

from __future__ import annotations

import argparse
import json
import sys

from showroom_cli.common import DEFAULT_CITY, ROOT, cameras_arg, city_arg, load_city, out_dir, pick_cameras, write_json
from showroom_cli.feeds_profile import add_profile


def _cmd_feeds_check(args: argparse.Namespace) -> int:
    import feeds
    import twin

    retry = feeds.RetryPolicy()
    if args.urls and args.city:
        raise twin.TwinError("give either --city or stream URLs, not both")
    if args.urls:
        specs = [feeds.stream_from_url(u, transport=args.transport) for u in args.urls]
        hub = feeds.FeedHub([feeds.FeedConfig(f"url{i + 1}", {"main": s}) for i, s in enumerate(specs)], retry=retry)
    else:
        city = load_city(args.city)
        cams = pick_cameras(city, args.cameras)
        hub = feeds.FeedHub.from_cameras(cams, retry=retry, synthetic_missing=args.synthetic_missing)
        if not hub.configs:
            hub.close()
            raise twin.TwinError(f"{args.city or DEFAULT_CITY}: no camera has stream_main or stream_sub to check")
    live = sys.stdout.isatty() and not args.json

    def tick(healths: list, elapsed: float) -> None:
        print("\x1b[H\x1b[J" + feeds.format_table(healths, elapsed_s=elapsed), flush=True)

    try:
        report = feeds.check_feeds(hub, seconds=args.seconds, tier=args.tier, on_tick=tick if live else None)
    finally:
        hung = hub.close()
    report["hung_threads"] = hung
    if args.out:
        write_json(out_dir(args.out) / "summary.json", report)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    elif not live:
        print(feeds.format_table(report["feeds"], elapsed_s=report["seconds"]))
    never = report["summary"]["never_online"]
    if never:
        print(f"error: {len(never)} feed(s) never came online: {', '.join(never[:20])}", file=sys.stderr)
        return 1
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    from showroom_cli import feeds_evaluate

    p = sub.add_parser("feeds", help="live CCTV feeds: check that cameras stream; evaluate the smoke/fire detector")
    fsub = p.add_subparsers(dest="feeds_command", required=True, metavar="{check,evaluate,profile}")
    feeds_evaluate.add(fsub)
    q = fsub.add_parser("check", help="open feeds for a while; live table of state, fps, frame age, reconnects")
    q.add_argument("urls", nargs="*", metavar="URL", help="stream URLs (rtsp://, http://, file, synthetic://)")
    city_arg(q)
    q.add_argument("--seconds", type=float, default=10.0, help="how long to watch (default 10)")
    q.add_argument("--tier", default="low", choices=["thumb", "low", "high", "full", "max"],
                   help="resolution tier: the cheapest stream serving it is opened (default low: the sub stream)")
    q.add_argument("--transport", default="tcp", choices=["tcp", "udp"], help="RTSP transport for URLs (default tcp)")
    cameras_arg(q, "all", "with --city: the cameras whose streams are checked")
    q.add_argument("--synthetic-missing", action="store_true",
                   help="with --city: cameras without stream URLs get a test pattern (no network to the cameras)")
    q.add_argument("--json", action="store_true", help="print the report as one JSON object")
    q.add_argument("--out", metavar="DIR", help="also write DIR/summary.json")
    q.set_defaults(func=_cmd_feeds_check)
    add_profile(fsub)


# ---- showroom view ----
DEFAULT_SHOW = ROOT / "assets" / "drills" / "afternoon_many_fires.yaml"
