"""The command-center twin's composition root and command line.

``showroom`` parses a command, loads a :class:`twin.Twin`, wires the sim models, feeds and scenes,
and runs. It computes nothing itself: every figure comes from ``twin``, ``sim``, ``feeds`` or ``scenes``.
Run ``showroom --help`` for the commands.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
DEFAULT_CITY = ROOT / "assets" / "city"
DEFAULT_SEED = 20141015  # the day Makassar's War Room opened its doors to the press, as a memorable seed


# ---------------------------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------------------------
def _load_city(path: str | None) -> Any:
    import twin

    p = Path(path) if path else DEFAULT_CITY
    if path is None and not p.exists():
        raise twin.TwinError(
            f"the default city is missing from {p}: run `showroom city generate --out {p}` to write it"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", twin.CityRepairWarning)
        t = twin.load(p)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    return t


def _out_dir(path: str) -> Path:
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    from twin.cityio import write_json

    write_json(path, doc)


def _city_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--city", metavar="DIR", help="city folder or GeoPackage (default: the embedded default city)")


# ---------------------------------------------------------------------------------------------
# showroom city ...
# ---------------------------------------------------------------------------------------------
def _cmd_city_info(args: argparse.Namespace) -> int:
    import twin

    t0 = time.perf_counter()
    t = _load_city(args.city)
    info = twin.city_info(t)
    info["load_s"] = round(time.perf_counter() - t0, 3)
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    c = info["counts"]
    s = info["cameras_by_status"]
    print(f"{info['name']}  ({info['source']})")
    ext = info["extent_m"]
    print(f"  extent      {ext['width']:.0f} x {ext['height']:.0f} m, bbox {info['bbox_wgs84']}")
    print(f"  buildings   {c['buildings']}")
    print(f"  roads       {c['road_edges']} edges, {c['road_nodes']} nodes, {info['road_length_km']} km")
    print(f"  cameras     {c['cameras']}: {s['existing']} existing, {s['planned']} planned, {s['candidate']} candidate")
    print(f"  stations    {c['fire_stations']} fire stations, {info['fire_trucks']} trucks")
    print(f"  zones       {c['zones']}")
    br = info["planned_bitrate_mbps"]
    print(f"  bitrate     {br['existing']} Mbit/s existing, {br['existing_plus_planned']} Mbit/s with planned")
    print(f"  loaded in   {info['load_s']} s")
    return 0


def _cmd_city_generate(args: argparse.Namespace) -> int:
    import twin
    from twin.generate import generate_city

    t = generate_city(seed=args.seed)
    twin.save(t, args.out)
    info = twin.city_info(t)
    print(
        f"wrote {args.out}: {info['counts']['buildings']} buildings, {info['cameras_by_status']['existing']} "
        f"existing cameras, {info['cameras_by_status']['candidate']} candidate sites, "
        f"{info['counts']['fire_stations']} fire stations"
    )
    return 0


def _cmd_city_import(args: argparse.Namespace) -> int:
    import twin
    from twin.osm import import_city

    report = import_city(args.file, clip=args.clip)
    twin.save(report.twin, args.out)
    _write_json(Path(args.out) / "import_report.json", report.as_dict())
    print(report.summary())
    print(f"wrote {args.out}")
    return 0


def _add_city(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("city", help="city files: info, import from OpenStreetMap/GIS, generate a synthetic city")
    csub = p.add_subparsers(dest="city_command", required=True, metavar="{info,import,generate}")
    q = csub.add_parser("info", help="extent, counts per layer and camera status, planned bitrate")
    _city_arg(q)
    q.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    q.set_defaults(func=_cmd_city_info)
    q = csub.add_parser("import", help="turn an .osm.pbf/.osm extract or a GeoPackage/Shapefile into a city folder")
    q.add_argument("file", help=".osm.pbf, .osm, .gpkg or .shp")
    q.add_argument("--out", required=True, metavar="DIR")
    q.add_argument(
        "--clip", nargs=4, type=float, metavar=("W", "S", "E", "N"), help="keep only what lies in this lon/lat box"
    )
    q.set_defaults(func=_cmd_city_import)
    q = csub.add_parser("generate", help="write a seeded synthetic coastal district (the default city's generator)")
    q.add_argument("--seed", type=int, default=DEFAULT_SEED)
    q.add_argument("--out", required=True, metavar="DIR")
    q.set_defaults(func=_cmd_city_generate)


# ---- showroom sweep ----
def _cmd_sweep(args: argparse.Namespace) -> int:
    from sim.sweep import load_sweep, run_sweep

    spec = load_sweep(args.sweep)
    twin = city_path = None
    if spec.model.needs_city:
        city_path = args.city or spec.city or str(DEFAULT_CITY)
        twin = _load_city(args.city or spec.city)
    doc = run_sweep(
        spec,
        args.out,
        twin=twin,
        city_path=city_path,
        serial=args.serial,
        scheduler=args.scheduler,
        workers=args.workers,
        resume=args.resume,
        max_tasks=args.max_tasks,
        batch=args.batch,
    )
    t, tm = doc["tasks"], doc["timing"]
    ex = doc["executor"]
    where = "in this process" if ex["kind"] == "serial" else f"on {ex['slots']} Dask workers ({ex['address']})"
    print(
        f"{doc['model']}: {t['run_now']} tasks run {where} in {tm['run_wall_s']} s; "
        f"{t['done']}/{t['total']} done, {t['failed']} failed; wrote {args.out}"
    )
    if t["failed"]:
        print(
            f"error: {t['failed']} tasks failed, first: {doc['failures'][0]['error']} (see failures.jsonl; "
            "--resume retries them)",
            file=sys.stderr,
        )
        return 1
    if t["left"]:
        print(f"{t['left']} tasks left: rerun with --resume to finish", file=sys.stderr)
    return 0


def _add_sweep(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run a parameter grid x replications of a model on Dask (resumable)")
    p.add_argument("sweep", metavar="SWEEP.yaml", help="the sweep file (see docs/sweeps.md)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786", help="a running Dask scheduler (default: a local cluster)")
    p.add_argument("--workers", type=int, metavar="N", help="local cluster worker processes (default: one per CPU)")
    p.add_argument("--serial", action="store_true", help="no Dask: run every task in this process, one by one")
    p.add_argument("--resume", action="store_true", help="continue the sweep in --out, skipping its finished tasks")
    p.add_argument("--max-tasks", type=int, metavar="N", help="stop after N new tasks (finish later with --resume)")
    p.add_argument("--batch", type=int, default=1, metavar="N", help="tasks per Dask job, for very short tasks")
    _city_arg(p)
    p.set_defaults(func=_cmd_sweep)


# ---- showroom capacity ----
def _cmd_capacity(args: argparse.Namespace) -> int:
    import twin
    from sim.capacity import run_capacity

    servers: int | str = "auto"
    if args.servers != "auto":
        try:
            servers = int(args.servers)
        except ValueError:
            raise twin.TwinError(f"--servers must be a whole number >= 1 or 'auto', got {args.servers!r}") from None
    city = _load_city(args.city)
    out = _out_dir(args.out)
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
    _write_json(out / "summary.json", doc)
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
    print(f"wrote {out} in {doc['run_time_s']:.1f} s")
    return 0


def _add_capacity(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("capacity", help="simulate the video system and size the recording servers and storage")
    _city_arg(p)
    p.add_argument("--cameras", default="all", metavar="existing|all|FILE",
                   help="existing; all = existing + planned (default); or a cameras GeoJSON (e.g. a plan) to add")
    p.add_argument("--servers", default="auto", metavar="N|auto",
                   help="recording servers to check, or auto: the smallest number meeting every service level")
    p.add_argument("--retention-days", type=float, metavar="D", help="override the city's retention_days")
    p.add_argument("--days", type=float, default=7.0, metavar="S", help="simulated days per replication (default 7)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--replications", type=int, default=5, metavar="R", help="independent replications (default 5)")
    p.add_argument("--faults", default="both", choices=("both", "design", "random", "none"),
                   help="design-basis faults, random MTBF/MTTR faults, both (default) or none")
    p.add_argument("--profile", default="planning", metavar="NAME|FILE",
                   help="stream profile: planning (default), flat, or a YAML/JSON file of measured factors")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_cmd_capacity)


# ---- showroom coverage ----
def _coverage_cameras(city: Any, spec: str) -> list[Any]:
    import twin
    from twin.cityio import load_cameras

    if spec == "existing":
        return city.cameras_by_status("existing")
    base = city.cameras_by_status("existing", "planned")
    if spec == "all":
        return base
    if not Path(spec).exists():
        raise twin.TwinError(f"--cameras must be existing, all or a cameras file; {spec} does not exist")
    return base + load_cameras(spec, city.frame)


def _cmd_coverage(args: argparse.Namespace) -> int:
    if getattr(args, "over_time", False):  # coverage over time (sim.coverage_time), below
        return _cmd_coverage_over_time(args)
    from twin._coverage_report import write_coverage
    from twin.coverage import compute_coverage

    t0 = time.perf_counter()
    city = _load_city(args.city)
    cams = _coverage_cameras(city, args.cameras)
    res = compute_coverage(
        city, cams, resolution_m=args.resolution, profile=args.profile, target_height_m=args.target_height,
        night=args.night,
    )
    s = write_coverage(res, city, _out_dir(args.out), extra={"run_time_s": round(time.perf_counter() - t0, 3)})
    share = ", ".join(f"{n} {100 * v:.1f}%" for n, v in s["public_share"].items())
    print(f"{len(cams)} cameras over {s['public_area_m2'] / 1e6:.3f} km2 of public space: {share}")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


def _add_coverage(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("coverage", help="what the cameras see, and at which DORI level (occlusion, pixel density)")
    _city_arg(p)
    p.add_argument("--cameras", default="all", metavar="existing|all|FILE",
                   help="existing; all = existing + planned (default); or a cameras GeoJSON (e.g. a plan) to add")
    p.add_argument("--resolution", type=float, default=1.0, metavar="M", help="raster cell size in metres (default 1)")
    p.add_argument("--profile", default=None, metavar="NAME",
                   help="DORI profile: EN62676-4:2015 (default) or IEC62676-4:2025")
    p.add_argument("--target-height", type=float, default=1.6, metavar="M", help="target height (default 1.6 m)")
    p.add_argument("--night", action="store_true", help="cut each camera at its IR range")
    p.add_argument("--out", required=True, metavar="DIR")
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
                   help="YAML of sim.coverage_time.CoverageTimeConfig fields (fault rates, night profiles, ...); "
                        "the options above override it")
    g.add_argument("--replications", type=int, default=3, metavar="N", help="independent runs (default 3)")
    g.add_argument("--compare", default="crews,rotation,cameras", metavar="LIST",
                   help="policies to compare: crews, rotation, cameras (comma-separated) or none")


def _cmd_coverage_over_time(args: argparse.Namespace) -> int:
    import dataclasses

    from sim._covtime_report import write_coverage_time
    from sim.coverage_time import CoverageTimeConfig, compare_policies, load_settings, parse_policies, run_coverage_time

    t0 = time.perf_counter()
    base = load_settings(args.settings) if args.settings else CoverageTimeConfig()
    given = {k: getattr(args, k) for k in ("days", "operators", "rotation", "crews") if getattr(args, k) is not None}
    cfg = dataclasses.replace(base, **given)
    compare = parse_policies(args.compare)
    city = _load_city(args.city)
    cams = _coverage_cameras(city, args.cameras)
    existing = city.cameras_by_status("existing")
    others = None  # the other camera set to compare: with or without the cameras beyond the existing ones
    if len(cams) > len(existing):
        others = (f"existing {len(existing)} cameras only (without the {len(cams) - len(existing)} added)", existing)
    elif city.cameras_by_status("planned"):
        plus = existing + city.cameras_by_status("planned")
        others = (f"with the {len(plus) - len(existing)} planned cameras", plus)
    res = run_coverage_time(
        city, cams, config=cfg, seed=args.seed, replications=args.replications, resolution_m=args.resolution,
        profile=args.profile, target_height_m=args.target_height,
    )
    policies = compare_policies(city, res, compare=compare, other_cameras=others) if compare else None
    s = write_coverage_time(res, city, _out_dir(args.out), policies=policies)
    lv = next(iter(s["levels"]))
    b = s["levels"][lv]
    print(f"{len(cams)} cameras over {cfg.days:g} days x {args.replications}: public space {lv} or better: "
          f"static {100 * b['static']:.1f}%, seen {100 * b['seen']['mean']:.1f}%, "
          f"watched {100 * b['watched']['mean']:.1f}%; camera availability "
          f"{100 * s['availability']['camera']['mean']:.2f}%")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


# ---- showroom plan ----
def _cmd_plan(args: argparse.Namespace) -> int:
    from twin._coverage_report import write_plan
    from twin.cityio import load_cameras
    from twin.placement import load_lenses, plan_cameras

    t0 = time.perf_counter()
    city = _load_city(args.city)
    plan = plan_cameras(
        city,
        args.add,
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
    s = write_plan(plan, city, _out_dir(args.out))
    b, a = s["before"]["public_share"][plan.level], s["after"]["public_share"][plan.level]
    print(f"added {s['added']} cameras: public space seen at {plan.level} {100 * b:.1f}% -> {100 * a:.1f}%")
    if s["exact"] is not None:
        ex = s["exact"]
        print(f"greedy {ex['greedy_value']:.0f} vs MILP {ex['value']:.0f} (bound {ex['bound']:.0f}, "
              f"optimal={ex['optimal']}): gap {100 * (s['gap'] or 0):.2f}%")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


def _add_plan(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="site K new cameras: maximal covering (lazy greedy, exact MILP gap)")
    p.add_argument("--add", type=int, required=True, metavar="K", help="cameras to add")
    _city_arg(p)
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
    p.set_defaults(func=_cmd_plan)


# ---- showroom render ----
def _parse_size(text: str) -> tuple[int, int]:
    import twin

    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise twin.TwinError(f"--size must be WIDTHxHEIGHT in pixels, e.g. 1280x720; got {text!r}") from None
    if not (16 <= w <= 7680 and 16 <= h <= 4320):
        raise twin.TwinError(f"--size {w}x{h} is out of range: each side 16..7680 (width) / 4320 (height)")
    return w, h


class _LiveFeeds:
    """The feed hub watched from the scene: the nearest cameras in view, their newest frames."""

    def __init__(self, city: Any, most: int):
        import feeds

        cams = city.cameras_by_status("existing", "planned")
        # cameras without a stream URL get the feed library's synthetic streams (paced, real capture path)
        self.hub = feeds.FeedHub.from_cameras(cams, synthetic_missing=True)
        self.watch = feeds.Watch(self.hub)
        self.most = most
        self.frames = 0

    def view(self, visible_ids: list[str]) -> None:
        # the nearest few at 360p (the projector textures are 320 px wide), the rest as thumbnails
        near = [c for c in visible_ids if c in self.hub.configs][: self.most]
        self.watch.set({c: "low" if k < 8 else "thumb" for k, c in enumerate(near)})

    def frame(self, camera_id: str, t: float) -> Any:
        f = self.watch.latest(camera_id)
        if f is None:
            return None
        self.frames += 1
        return f.image, f.seq

    def close(self) -> dict[str, Any]:
        self.watch.close()
        self.hub.close()
        return {"configured": len(self.hub.configs), "frames_taken": self.frames}


def _cmd_render(args: argparse.Namespace) -> int:
    import scenes
    import twin
    from scenes.render import OffscreenRenderer, render_sequence

    size = _parse_size(args.size)
    if args.seconds <= 0 or args.fps <= 0:
        raise twin.TwinError(f"--seconds and --fps must be > 0, got {args.seconds:g} and {args.fps:g}")
    overlays = {o for spec in args.overlay or [] for o in spec.split(",") if o}
    unknown = overlays - {"coverage", "frustums"}
    if unknown:
        raise twin.TwinError(f"--overlay takes coverage and/or frustums, got {', '.join(sorted(unknown))}")
    city = _load_city(args.city)
    if args.path != "tour" and args.path not in {c.id for c in city.cameras}:
        raise twin.TwinError(f"--path {args.path!r} is neither 'tour' nor a camera id of {city.name}")
    out = _out_dir(args.out)
    t0 = time.perf_counter()
    settings = scenes.SceneSettings(projectors=scenes.ProjectorSettings(upload_budget=args.upload_budget))
    renderer = OffscreenRenderer(city, size=size, settings=settings)
    try:
        if "coverage" in overlays:
            from twin.coverage import compute_coverage

            cov = compute_coverage(city, resolution_m=args.coverage_resolution)
            renderer.scene.set_coverage(cov.best.reshape(cov.raster.shape), cov.raster.geotransform)
        renderer.scene.set_overlay("frustums", "frustums" in overlays)
        from tqdm import tqdm

        live = _LiveFeeds(city, args.upload_budget) if args.feeds == "live" else None
        n = max(1, round(args.seconds * args.fps))
        try:
            with tqdm(total=n, unit="frame", disable=not sys.stderr.isatty()) as bar:
                summary = render_sequence(
                    renderer, out, path=args.path, seconds=args.seconds, fps=args.fps,
                    frames=live.frame if live else None, feed_fps=None if live else 5.0,
                    on_view=live.view if live else None, realtime=live is not None,
                    progress=lambda k, total: bar.update(1),
                )
        finally:
            live_summary = live.close() if live else None
    finally:
        renderer.close()
    summary["feeds"] = args.feeds
    if live_summary is not None:
        summary["live"] = live_summary
    summary["overlays"] = sorted(overlays)
    summary["run_time_s"] = round(time.perf_counter() - t0, 3)
    _write_json(out / "summary.json", summary)
    print(
        f"rendered {summary['frames']} frames at {summary['size'][0]}x{summary['size'][1]} "
        f"({summary['frame_ms_mean']:.0f} ms/frame, {summary['scene']['cameras_projecting']} cameras projecting) "
        f"to {out}/frames and {out}/render.mp4"
    )
    return 0


def _add_render(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render the 3D city with projected feeds to PNG frames and an MP4, headless")
    _city_arg(p)
    p.add_argument("--path", default="tour", metavar="tour|CAMERA_ID",
                   help="the visitors' fly-over (default) or a camera's own view")
    p.add_argument("--seconds", type=float, default=10.0, metavar="S", help="video length (default 10)")
    p.add_argument("--fps", type=float, default=10.0, metavar="F", help="frames per second (default 10)")
    p.add_argument("--size", default="1280x720", metavar="WxH", help="frame size (default 1280x720)")
    p.add_argument("--overlay", action="append", metavar="NAME",
                   help="coverage (the DORI heatmap on the ground) and/or frustums; repeat or comma-separate")
    p.add_argument("--coverage-resolution", type=float, default=4.0, metavar="M",
                   help="coverage raster cell size for --overlay coverage (default 4 m)")
    p.add_argument("--feeds", choices=("patterns", "live"), default="patterns",
                   help="patterns: test patterns in video time (default); live: the cameras' streams through the "
                        "feed hub, the nearest in view (synthetic streams for cameras without a URL)")
    p.add_argument("--upload-budget", type=int, default=32, metavar="N",
                   help="most feed frames uploaded per frame; the furthest cameras keep their still")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_cmd_render)


# ---- showroom fire ----
def _cmd_fire(args: argparse.Namespace) -> int:
    from sim._fire_report import write_fire_outputs
    from sim.fire import FireParams, run_fire

    city = _load_city(args.city)
    out = _out_dir(args.out)
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


def _add_fire(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fire", help="fire response with the cameras in the loop: response times, standards, minutes saved"
    )
    _city_arg(p)
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


# ---- showroom drill ----
def _cmd_drill(args: argparse.Namespace) -> int:
    from sim._fire_town import grid_town
    from sim.drill import read_scenario, run_drill, write_outputs

    sc = read_scenario(args.scenario)
    ref = args.city or sc.city
    city = grid_town() if ref == "grid-town" else _load_city(None if ref in (None, "default") else ref)
    res = run_drill(sc, city, decisions=args.decisions, city_ref=ref)
    paths = write_outputs(res, _out_dir(args.out), fmt=args.format)
    sco = res.score
    print(f"[TRAINING] {sc.title}: score {sco['score']:g}/100 ({sco['minutes_to_water_total']:.1f} min to water; "
          f"hindsight {sco['hindsight_minutes_total']:.1f}); expected actions met {sco['expected_met']}/"
          f"{len(sco['expected_actions'])}")
    print(f"wrote {paths['report']}, {paths['replay'].name}, {paths['events'].name}, summary.json")
    return 0


def _add_drill(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "drill", help="run a fire-response drill (TRAINING): scripted injects, decisions, score, replay"
    )
    p.add_argument("scenario", metavar="SCENARIO.yaml",
                   help="a drill file, e.g. assets/drills/market_fire_rush_hour.yaml")
    _city_arg(p)
    p.add_argument("--decisions", default="auto", metavar="ask|auto|FILE",
                   help="ask: the trainee decides at a prompt; auto: nearest free truck (default); FILE: a YAML "
                        "mapping fire -> station, or a replay.jsonl to re-use its decisions")
    p.add_argument("--format", default="md", choices=("md", "html"), help="after-action report format")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_cmd_drill)


# ---- showroom feeds ----
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
        city = _load_city(args.city)
        cams = [c for c in city.cameras if c.status in args.status]
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
        _write_json(_out_dir(args.out) / "summary.json", report)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    elif not live:
        print(feeds.format_table(report["feeds"], elapsed_s=report["seconds"]))
    never = report["summary"]["never_online"]
    if never:
        print(f"error: {len(never)} feed(s) never came online: {', '.join(never[:20])}", file=sys.stderr)
        return 1
    return 0


def _add_feeds(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("feeds", help="live CCTV feeds: check that cameras stream")
    fsub = p.add_subparsers(dest="feeds_command", required=True, metavar="{check}")
    q = fsub.add_parser("check", help="open feeds for a while; live table of state, fps, frame age, reconnects")
    q.add_argument("urls", nargs="*", metavar="URL", help="stream URLs (rtsp://, http://, file, synthetic://)")
    _city_arg(q)
    q.add_argument("--seconds", type=float, default=10.0, help="how long to watch (default 10)")
    q.add_argument("--tier", default="low", choices=["thumb", "low", "high", "full", "max"],
                   help="resolution tier: the cheapest stream serving it is opened (default low: the sub stream)")
    q.add_argument("--transport", default="tcp", choices=["tcp", "udp"], help="RTSP transport for URLs (default tcp)")
    q.add_argument("--status", nargs="+", default=["existing", "planned"], metavar="S",
                   help="with --city: which cameras (default: existing planned)")
    q.add_argument("--synthetic-missing", action="store_true",
                   help="with --city: cameras without stream URLs get a test pattern (no network to the cameras)")
    q.add_argument("--json", action="store_true", help="print the report as one JSON object")
    q.add_argument("--out", metavar="DIR", help="also write DIR/summary.json")
    q.set_defaults(func=_cmd_feeds_check)


# ---- showroom view ----
DEFAULT_SHOW = ROOT / "assets" / "drills" / "afternoon_many_fires.yaml"


def _has_display() -> bool:
    import os

    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _cmd_view(args: argparse.Namespace) -> int:
    import _showroom_app as app
    import twin
    from scenes.xr import SimulatedHeadset, open_provider
    from sim.live import LiveCity, ReplayLog

    size = _parse_size(args.size)
    city = _load_city(args.city)
    if args.xr == "simulated":
        provider, why = SimulatedHeadset(scale=0.25), "VR: simulated headset (quest3 fields of view)"
    else:
        provider, why = open_provider(args.xr)
    if provider is None and not _has_display():
        out = Path(args.out)
        print(f"{why}; no display either: rendering the guided tour to a video instead ({out}/render.mp4)")
        return app.render_tour(city, out, seconds=args.seconds or 30.0, lang=args.lang, size=size)
    print(why)
    if args.speed <= 0:
        raise twin.TwinError(f"--speed must be > 0, got {args.speed:g}")
    live = ReplayLog(args.replay) if args.replay else LiveCity(city, args.scenario, seed=args.seed)
    opts = app.ViewOptions(
        size=size, speed=args.speed, lang=args.lang, tour=args.tour, feed_budget=args.feeds,
        script=app.load_script(args.script) if args.script else [], quit_after_s=args.seconds,
        training=live.training, trace=args.trace,
    )
    return app.run_view(city, live, opts, provider)


def _add_view(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "view", help="walk the 3D city in VR or a window, live cameras projected, the simulation running alongside"
    )
    _city_arg(p)
    p.add_argument("--xr", choices=["auto", "on", "off", "simulated"], default="auto",
                   help="VR through OpenXR: auto falls back to the desktop window (simulated: a scripted headset)")
    p.add_argument("--speed", type=float, default=60.0, help="sim seconds per wall second (keys 1/2/3: 1x/60x/600x)")
    p.add_argument("--replay", metavar="DRILL.jsonl", help="play a drill's replay log back instead of a live run")
    p.add_argument("--scenario", default=str(DEFAULT_SHOW), help="the fire scenario run live (a drill YAML)")
    p.add_argument("--lang", choices=["id", "en"], default="id", help="tour captions: Bahasa Indonesia or English")
    p.add_argument("--tour", action="store_true", help="start on the guided tour (key t toggles it)")
    p.add_argument("--feeds", type=int, default=16, help="cameras whose video is decoded at once (nearest first)")
    p.add_argument("--size", default="1280x720", help="window size WxH")
    p.add_argument("--seconds", type=float, help="quit after this many seconds (demos, tests; the video's length "
                   "when there is no display)")
    p.add_argument("--script", metavar="FILE", help="scripted key/mouse input (JSON), for tests and demos")
    p.add_argument("--trace", metavar="FILE", help="write what the session did (JSON) on exit")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--out", default="out/showroom", metavar="DIR", help="where the tour video goes without a display")
    p.set_defaults(func=_cmd_view)


# ---- showroom report ----
def _cmd_report(args: argparse.Namespace) -> int:
    from _showroom_report import ReportSettings, run_report

    over = {"add": args.add, "seed": args.seed, "fire_days": args.days}
    settings = ReportSettings.quick_settings(**over) if args.quick else ReportSettings(
        **{k: v for k, v in over.items() if v is not None})
    city = _load_city(args.city)
    out = _out_dir(args.out)
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


def _add_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="the main job: coverage, the next K cameras, servers and fires in one report")
    _city_arg(p)
    p.add_argument("--add", type=int, default=101, metavar="K", help="new cameras to plan (default 101)")
    p.add_argument("--days", type=float, default=None, metavar="D",
                   help="simulated days of fires (default 3650, ten years; --quick 1095)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--quick", action="store_true",
                   help="coarser settings (2 m raster, 4 headings, 2 days x 2 capacity replications, 3 years of fires)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=_cmd_report)


# ---------------------------------------------------------------------------------------------
# parser and entry point
# ---------------------------------------------------------------------------------------------
#: Each entry adds one top-level subcommand, in the order ``--help`` lists them: the main job, the
#: planners' commands, the trainers', the video and 3D ones.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_report, _add_city, _add_coverage, _add_plan, _add_capacity, _add_fire, _add_sweep, _add_drill,
    _add_feeds, _add_render, _add_view,
]


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (one subparser per command)."""
    parser = argparse.ArgumentParser(
        prog="showroom",
        description="The command-center twin: plan cameras, servers and fire response; drill; walk the city in 3D. "
        "Without a command: the showroom (showroom view).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the process exit code (0 ok, 2 bad input)."""
    import twin

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        # no command: the showroom itself (VR, else a window, else the tour rendered to a video)
        args = parser.parse_args(["view", *(argv or [])])
    try:
        return int(args.func(args) or 0)
    except twin.TwinError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
