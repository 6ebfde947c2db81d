"""``showroom view`` (and ``showroom`` alone): the city in VR or a window, the sim running alongside."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from showroom_cli.common import DEFAULT_SEED, ROOT, cameras_arg, city_arg, load_city, pick_cameras
from showroom_cli.sources import make_sources, parse_sources, source_args

DEFAULT_SHOW = ROOT / "assets" / "drills" / "afternoon_many_fires.yaml"


def _has_display() -> bool:
    import os

    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _cmd_view(args: argparse.Namespace) -> int:
    import showroom_cli.app as app
    import twin
    from scenes.xr import SimulatedHeadset, XRUnavailable, open_provider
    from showroom_cli import viewing
    from showroom_cli.render import parse_size
    from sim.live import LiveCity, ReplayLog

    size = parse_size(args.size)
    city = load_city(args.city)
    cams = pick_cameras(city, args.cameras)
    parse_sources(args.source, [c.id for c in cams], clips=args.clips is not None)  # bad --source: exit 2 now
    if args.xr == "simulated":
        provider, why = SimulatedHeadset(scale=0.25), "VR: simulated headset (quest3 fields of view)"
    else:
        try:
            provider, why = open_provider(args.xr)
        except XRUnavailable as e:  # --xr on and no headset: one line, exit 3
            print(f"error: {e}", file=sys.stderr)
            return 3
        if provider is not None and not _has_display():
            # OpenXR's OpenGL binding here is Xlib: without an X display there is no context to bind
            provider.close()
            if args.xr == "on":
                print("error: VR needs an X display here (OpenXR's OpenGL Xlib binding); set DISPLAY", file=sys.stderr)
                return 3
            provider, why = None, "VR unavailable: no X display for OpenXR's OpenGL binding"
    if args.plan and args.fill is not None and args.fill < 1:
        raise twin.TwinError(f"--fill must be at least 1 camera, got {args.fill}")
    if provider is None and not _has_display() and args.plan:
        # planning is interactive: a tour video instead would quietly drop what was asked for
        print(f"error: {why}; no display either: the planning mode (--plan) needs a window or a headset "
              "(set DISPLAY; without one, plan through the Python API: sim.planning.PlanSession)", file=sys.stderr)
        return 3
    if provider is None and not _has_display():
        out = Path(args.out)
        print(f"{why}; no display either: rendering the guided tour to a video instead ({out}/render.mp4)")
        return viewing.render_tour(city, out, seconds=args.seconds, lang=args.lang, size=size, cameras=cams,
                                   sources=make_sources(args.source, args.clips, video_fps=10.0))  # fmt: skip
    print(why)
    if args.speed <= 0:
        raise twin.TwinError(f"--speed must be > 0, got {args.speed:g}")
    session = None
    if args.plan:
        from showroom_cli.planning_mode import open_session, scene_cameras

        print(f"planning mode: the coverage of {args.cameras!r} at {args.plan_resolution:g} m ...", flush=True)
        session = open_session(city, args.cameras, resolution_m=args.plan_resolution, seed=args.seed)
        cams = scene_cameras(session)
    live = ReplayLog(args.replay) if args.replay else LiveCity(city, args.scenario, seed=args.seed)
    opts = viewing.ViewOptions(
        size=size, speed=args.speed, lang=args.lang, tour=args.tour, feed_budget=args.feeds,
        script=viewing.load_script(args.script) if args.script else [], quit_after_s=args.seconds,
        training=live.training, trace=args.trace, xr_mode=args.xr, cameras=cams,
        plan_session=session, plan_out=str(Path(args.out) / "plan.geojson"), plan_fill=args.fill,
        sources=args.source, clips=args.clips,
    )
    return app.run_view(city, live, opts, provider)


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser(
        "view", help="walk the 3D city in VR or a window, live cameras projected, the simulation running alongside"
    )
    city_arg(p)
    cameras_arg(p, "all", "the cameras shown (their video projected, their markers drawn)")
    p.add_argument("--xr", choices=["auto", "on", "off", "simulated"], default="auto",
                   help="VR through OpenXR: auto falls back to the desktop window (simulated: a scripted headset)")
    p.add_argument("--speed", type=float, default=60.0, help="sim seconds per wall second (keys 1/2/3: 1x/60x/600x)")
    p.add_argument("--replay", metavar="DRILL.jsonl", help="play a drill's replay log back instead of a live run")
    p.add_argument("--scenario", default=str(DEFAULT_SHOW), help="the fire scenario run live (a drill YAML)")
    p.add_argument("--lang", choices=["id", "en"], default="id", help="tour captions: Bahasa Indonesia or English")
    p.add_argument("--tour", action="store_true", help="start on the guided tour (key t toggles it)")
    p.add_argument("--feeds", type=int, default=16, help="cameras whose video is decoded at once (nearest first)")
    source_args(p)
    p.add_argument("--size", default="1280x720", help="window size WxH")
    p.add_argument("--seconds", type=float, help="quit after this many seconds (demos, tests; the video's length "
                   "when there is no display)")
    p.add_argument("--script", metavar="FILE", help="scripted key/mouse input (JSON), for tests and demos")
    p.add_argument("--trace", metavar="FILE", help="write what the session did (JSON) on exit")
    p.add_argument("--plan", action="store_true", help="planning mode: place, aim, move and delete cameras and see "
                   "their coverage, cost and fire minutes at once (start from a plan with --cameras plan.geojson)")
    p.add_argument("--plan-resolution", type=float, default=1.0, metavar="M",
                   help="planning mode: coverage raster cell size in metres")
    p.add_argument("--fill", type=int, default=None, metavar="K",
                   help="planning mode: cameras the optimiser places on shift+F around the locked ones (default: as "
                   "many as the unlocked plan cameras it replaces)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--out", default="out/showroom", metavar="DIR",
                   help="where the tour video goes without a display; planning mode saves DIR/plan.geojson (Ctrl+S)")
    p.set_defaults(func=_cmd_view)
