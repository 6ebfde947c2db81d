"""``showroom render``: the 3D city with projected feeds to PNG frames and an MP4, headless."""

from __future__ import annotations

import argparse
import sys
import time

from showroom_cli.common import cameras_arg, city_arg, load_city, out_dir, pick_cameras, write_json
from showroom_cli.sources import make_sources, parse_sources, source_args


def parse_size(text: str) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` (the ``--size`` option) as (width, height) in pixels; a clear error otherwise."""
    import twin

    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise twin.TwinError(f"--size must be WIDTHxHEIGHT in pixels, e.g. 1280x720; got {text!r}") from None
    if not (16 <= w <= 7680 and 16 <= h <= 4320):
        raise twin.TwinError(f"--size {w}x{h} is out of range: each side 16..7680 (width) / 4320 (height)")
    return w, h


def _cmd_render(args: argparse.Namespace) -> int:
    import scenes
    import twin
    from scenes.render import OffscreenRenderer, render_sequence
    from showroom_cli.life import StreetLife

    size = parse_size(args.size)
    if args.story or args.stills:
        return _cmd_render_story(args, size)
    args.seconds = 10.0 if args.seconds is None else args.seconds
    hour = scenes.DEFAULT_CLOCK.hour + scenes.DEFAULT_CLOCK.minute / 60.0 if args.hour is None else args.hour
    if not 0.0 <= hour < 24.0:
        raise twin.TwinError(f"--hour must be in [0, 24), got {hour:g}")
    clock = scenes.DEFAULT_CLOCK.replace(hour=int(hour), minute=int(round(hour % 1 * 60)) % 60)
    if args.seconds <= 0 or args.fps <= 0:
        raise twin.TwinError(f"--seconds and --fps must be > 0, got {args.seconds:g} and {args.fps:g}")
    overlays = {o for spec in args.overlay or [] for o in spec.split(",") if o}
    unknown = overlays - {"coverage", "frustums"}
    if unknown:
        raise twin.TwinError(f"--overlay takes coverage and/or frustums, got {', '.join(sorted(unknown))}")
    city = load_city(args.city)
    cams = pick_cameras(city, args.cameras)
    if args.path != "tour" and args.path not in {c.id for c in cams}:
        raise twin.TwinError(
            f"--path {args.path!r} is neither 'tour' nor the id of one of the {len(cams)} cameras shown "
            f"(--cameras {args.cameras})"
        )
    specs = _source_specs(args)
    choice = parse_sources(specs, [c.id for c in cams], clips=args.clips is not None)
    default_source = parse_sources([s for s in specs if "=" not in s], ["-"], clips=args.clips is not None)["-"]
    out = out_dir(args.out)
    t0 = time.perf_counter()
    settings = scenes.SceneSettings(projectors=scenes.ProjectorSettings(upload_budget=args.upload_budget))
    renderer = OffscreenRenderer(city, size=size, settings=settings, cameras=cams)
    try:
        if "coverage" in overlays:
            from twin.coverage import compute_coverage

            cov = compute_coverage(city, cams, resolution_m=args.coverage_resolution)
            renderer.scene.set_coverage(cov.best.reshape(cov.raster.shape), cov.raster.geotransform)
        renderer.scene.set_overlay("frustums", "frustums" in overlays)
        renderer.scene.set_clock(clock)  # one time of day for the sun, the night lights and the streets
        from tqdm import tqdm

        life = None if args.no_life else StreetLife(city, seed=args.seed, hour=hour)
        from showroom_cli.sources import CameraSources

        sources = CameraSources(renderer.scene, choice, clips_dir=args.clips, budget=args.upload_budget,
                                video_fps=args.fps)  # fmt: skip
        streamed = bool(sources.streamed)
        n = max(1, round(args.seconds * args.fps))
        try:
            with tqdm(total=n, unit="frame", disable=not sys.stderr.isatty()) as bar:
                summary = render_sequence(
                    renderer, out, path=args.path, seconds=args.seconds, fps=args.fps,
                    frames=sources.frame, feed_fps=None if streamed else 5.0,
                    on_view=sources.view, realtime=streamed,
                    on_frame=life.on_frame(renderer.scene) if life else None,
                    progress=lambda k, total: bar.update(1),
                )
        finally:
            configured = len(sources.hub.configs)
            summary_sources = sources.close()
            sources.hub.close(timeout_s=2.0)
    finally:
        renderer.close()
    summary["feeds"] = args.feeds or default_source
    summary["sources"] = summary_sources
    if streamed:
        summary["live"] = {"configured": configured, "frames_taken": summary_sources["frames_taken"]}
    summary["overlays"] = sorted(overlays)
    summary["clock"] = clock.isoformat()
    summary["life"] = None if life is None else {"hour": hour, "seed": args.seed, **life.model.counts()}
    summary["cameras"] = args.cameras
    summary["run_time_s"] = round(time.perf_counter() - t0, 3)
    write_json(out / "summary.json", summary)
    print(
        f"rendered {summary['frames']} frames at {summary['size'][0]}x{summary['size'][1]} "
        f"({summary['frame_ms_mean']:.0f} ms/frame, {summary['scene']['cameras_projecting']} cameras projecting) "
        f"to {out}/frames and {out}/render.mp4"
    )
    return 0


def _cmd_render_story(args: argparse.Namespace, size: tuple[int, int]) -> int:
    """``--story`` / ``--stills``: the guided tour with its live fire, each caption's claims checked."""
    import twin
    from showroom_cli import viewing

    if args.path != "tour":
        raise twin.TwinError(f"--story and --stills render the guided tour: drop --path {args.path}")
    if (args.seconds is not None and args.seconds <= 0) or args.fps <= 0:
        raise twin.TwinError(f"--seconds and --fps must be > 0, got {args.seconds} and {args.fps:g}")
    stops = [k for k in args.stops.split(",") if k] if args.stops else None
    if stops is not None:
        from scenes import load_story

        known = [st.key for st in load_story().stops]
        if bad := [k for k in stops if k not in known]:
            raise twin.TwinError(f"--stops {','.join(bad)}: not stops of the tour; its stops are {', '.join(known)}")
    city = load_city(args.city)
    cams = pick_cameras(city, args.cameras)
    out = out_dir(args.out)
    stills = out_dir(args.stills) if args.stills else None
    parse_sources(_source_specs(args), [c.id for c in cams], clips=args.clips is not None)  # bad --source: exit 2 now
    sources = make_sources(_source_specs(args), args.clips, video_fps=args.fps)
    return viewing.render_tour(city, out, seconds=args.seconds, lang=args.lang, size=size, fps=args.fps,
                               cameras=cams, stills=stills, video=bool(args.story), life=not args.no_life,
                               seed=args.seed, sources=sources, stops=stops)  # fmt: skip


def _source_specs(args: argparse.Namespace) -> list[str]:
    """``--source`` values, after the older ``--feeds`` (its kind as the default)."""
    return ([{"patterns": "pattern", "live": "live"}[args.feeds]] if args.feeds else []) + (args.source or [])


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser("render", help="render the 3D city with projected feeds to PNG frames and an MP4, headless")
    city_arg(p)
    cameras_arg(p, "all", "the cameras shown (their video projected, their markers drawn)")
    p.add_argument("--path", default="tour", metavar="tour|CAMERA_ID",
                   help="the visitors' fly-over (default) or a camera's own view (one of the cameras shown)")
    p.add_argument("--seconds", type=float, default=None, metavar="S",
                   help="video length (default 10; with --story the story's own, 3-5 minutes)")
    p.add_argument("--story", action="store_true",
                   help="the guided tour: captions, its fire running live, each caption's claims checked against "
                        "its frame (summary.json captions)")
    p.add_argument("--stills", metavar="DIR",
                   help="write each story stop's key frame, captioned, to DIR (without --story: key frames only, "
                        "no video)")
    p.add_argument("--stops", metavar="KEY,...",
                   help="with --stills: only these stops' key frames (e.g. city,found,war_room,server_room,night)")
    p.add_argument("--lang", choices=("id", "en"), default="id", help="the story's captions (default id)")
    p.add_argument("--fps", type=float, default=10.0, metavar="F", help="frames per second (default 10)")
    p.add_argument("--size", default="1280x720", metavar="WxH", help="frame size (default 1280x720)")
    p.add_argument("--overlay", action="append", metavar="NAME",
                   help="coverage (the DORI heatmap on the ground) and/or frustums; repeat or comma-separate")
    p.add_argument("--coverage-resolution", type=float, default=4.0, metavar="M",
                   help="coverage raster cell size for --overlay coverage (default 4 m)")
    source_args(p)
    p.add_argument("--feeds", choices=("patterns", "live"),
                   help="older spelling of --source pattern / --source live")
    p.add_argument("--upload-budget", type=int, default=32, metavar="N",
                   help="most feed frames uploaded per frame; the furthest cameras keep their still")
    p.add_argument("--hour", type=float, default=None, metavar="H",
                   help="local time of day, 0-24 (e.g. 8 or 21.5): the sun, the night lights and the street life's "
                        "density (by the traffic profile); default the scene's clock, 10:00")
    p.add_argument("--no-life", action="store_true", help="empty streets: no vehicles, no pedestrians")
    p.add_argument("--seed", type=int, default=0, help="street life's seed (default 0)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_cmd_render)
