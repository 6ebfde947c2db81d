"""``showroom feeds profile``: measure what each camera really sends and write a stream profile for capacity."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from showroom_cli.common import DEFAULT_CITY, city_arg, load_city, write_json


def _cmd_feeds_profile(args: argparse.Namespace) -> int:
    import feeds
    import twin

    if args.urls and args.city:
        raise twin.TwinError("give either --city or stream URLs, not both")
    streams = ("main", "sub") if args.stream == "both" else (args.stream,)
    if args.urls:
        specs = [feeds.stream_from_url(u, transport=args.transport) for u in args.urls]
        hub = feeds.FeedHub([feeds.FeedConfig(f"url{i + 1}", {"main": s}) for i, s in enumerate(specs)])
        streams = ("main",)
    else:
        city = load_city(args.city)
        cams = [c for c in city.cameras if c.status in args.status]
        hub = feeds.FeedHub.from_cameras(cams)
        if not hub.configs:
            hub.close()
            raise twin.TwinError(f"{args.city or DEFAULT_CITY}: no camera has stream_main or stream_sub to measure")
    live = sys.stdout.isatty()

    def tick(healths: list, elapsed: float) -> None:
        print("\x1b[H\x1b[J" + feeds.format_table(healths, elapsed_s=elapsed), flush=True)

    try:
        doc = feeds.measure_profile(hub, seconds=args.seconds, streams=streams, base_profile=args.base_profile,
                                    on_tick=tick if live else None)
    finally:
        hub.close()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, doc)
    for cid, per in doc["cameras"].items():
        for name, r in per.items():
            gop = f"{r['gop_s']:.1f} s" if r["gop_s"] is not None else (
                f">= {r['gop_at_least_s']:.0f} s" if r["gop_at_least_s"] is not None else "-")
            print(f"{cid:<14} {name:<5} {r['codec'] or '-':<6} {r['width_px']}x{r['height_px']} "
                  f"{r['fps']:5.1f} fps {r['bitrate_kbps']:8.0f} kbit/s  GOP {gop}")
    for key, why in doc["not_measured"].items():
        print(f"{key:<20} not measured: {why}", file=sys.stderr)
    print(f"wrote {out}: {sum(len(v) for v in doc['cameras'].values())} stream(s) measured over "
          f"{doc['seconds']:.0f} s, {len(doc['not_measured'])} not")
    return 1 if doc["not_measured"] else 0


def add_profile(fsub: argparse._SubParsersAction) -> None:
    """Add ``feeds profile`` to the ``feeds`` subparsers."""
    q = fsub.add_parser("profile", help="measure each camera's bitrate, GOP and resolution into a stream profile")
    q.add_argument("urls", nargs="*", metavar="URL", help="stream URLs (measured as cameras url1, url2, ...)")
    city_arg(q)
    q.add_argument("--seconds", type=float, default=60.0, help="how long to measure (default 60)")
    q.add_argument("--stream", default="main", choices=["main", "sub", "both"],
                   help="with --city: which stream of each camera (default main, the recorded one)")
    q.add_argument("--transport", default="tcp", choices=["tcp", "udp"], help="RTSP transport for URLs (default tcp)")
    q.add_argument("--status", nargs="+", default=["existing", "planned"], metavar="S",
                   help="with --city: which cameras (default: existing planned)")
    q.add_argument("--base-profile", default="planning", metavar="NAME",
                   help="scene factors capacity applies on top of the measured bitrates (default planning)")
    q.add_argument("--out", required=True, metavar="FILE", help="the stream profile to write (JSON)")
    q.set_defaults(func=_cmd_feeds_profile)
