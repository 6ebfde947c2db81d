"""``showroom city info | import | generate``: the city files."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from showroom_cli.common import DEFAULT_SEED, city_arg, load_city, write_json


def _cmd_city_info(args: argparse.Namespace) -> int:
    import twin

    t0 = time.perf_counter()
    t = load_city(args.city)
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
    from twin.generate import generate_city, generate_metropolis

    t0 = time.perf_counter()
    if args.size_km is not None:
        w, h = args.size_km
        t = generate_metropolis(width_km=w, height_km=h, seed=args.seed, cameras_per_km2=args.cameras_per_km2)
    elif args.cameras_per_km2 is not None:
        raise twin.TwinError("--cameras-per-km2 sets the density of a metropolis: give --size-km W H too")
    else:
        t = generate_city(seed=args.seed)
    twin.save(t, args.out)
    info = twin.city_info(t)
    print(
        f"wrote {args.out}: {info['counts']['buildings']} buildings, {info['counts']['road_edges']} road edges, "
        f"{info['cameras_by_status']['existing']} existing cameras, {info['cameras_by_status']['candidate']} "
        f"candidate sites, {info['counts']['fire_stations']} fire stations in {time.perf_counter() - t0:.1f} s"
    )
    return 0


def _cmd_city_import(args: argparse.Namespace) -> int:
    import twin
    from twin.gis import (
        ImportSettings,
        import_files,
        previous_settings,
        read_import_settings,
        write_import_settings,
    )

    out = Path(args.out)
    previous = previous_settings(out)
    if args.files:
        settings = ImportSettings(
            files=[Path(f) for f in args.files], maps=list(args.map or []), clip=args.clip, crs=args.crs,
            min_confidence=args.min_confidence,
        )
    else:
        # a re-import: what city.yaml recorded, with any new --map rules (and options) on top
        settings = read_import_settings(out)
        settings.maps += [m for m in args.map or [] if m not in settings.maps]
        settings.clip = args.clip if args.clip is not None else settings.clip
        settings.crs = args.crs if args.crs is not None else settings.crs
        if args.min_confidence is not None:
            settings.min_confidence = args.min_confidence
        print(f"re-importing {', '.join(str(f) for f in settings.files)} as recorded in {out / 'city.yaml'}")
    report = import_files(
        settings.files, maps=settings.maps, clip=settings.clip, crs=settings.crs,
        min_confidence=settings.min_confidence,
    )
    twin.save(report.twin, out)
    write_import_settings(out, settings, previous=previous)
    write_json(out / "import_report.json", report.as_dict())
    for w in report.warnings():
        print(f"warning: {w}", file=sys.stderr)
    print(report.summary(warnings=False))
    print(f"wrote {out} (re-import with: showroom city import --out {out})")
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser("city", help="city files: info, import from OpenStreetMap/GIS, generate a synthetic city")
    csub = p.add_subparsers(dest="city_command", required=True, metavar="{info,import,generate}")
    q = csub.add_parser("info", help="extent, counts per layer and camera status, planned bitrate")
    city_arg(q)
    q.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    q.set_defaults(func=_cmd_city_info)
    q = csub.add_parser(
        "import",
        help="merge OSM extracts, GIS files, CityJSON and spreadsheets into a city folder (docs/city-import.md)",
    )
    q.add_argument(
        "files", nargs="*", metavar="FILE",
        help=".osm.pbf/.osm, .gpkg/.shp/.geojson/... (any GDAL vector file), .city.json(l), .csv/.xlsx; "
        "none: re-import what DIR/city.yaml records",
    )
    q.add_argument("--out", required=True, metavar="DIR")
    q.add_argument(
        "--map", action="append", metavar="RULE",
        help="LAYER.FIELD=THEIRFIELD, LAYER.FIELD:THEIRVALUE=OURVALUE or LAYER=THEIRLAYER (repeat; kept in city.yaml)",
    )
    q.add_argument(
        "--clip", nargs=4, type=float, metavar=("W", "S", "E", "N"), help="keep only what lies in this lon/lat box"
    )
    q.add_argument("--crs", metavar="CRS", help="CRS of inputs that carry none (a spreadsheet's x/y, e.g. EPSG:32750)")
    q.add_argument("--min-confidence", type=float, metavar="X",
                   help="leave out building footprints (Microsoft, Google) whose confidence is below X")
    q.set_defaults(func=_cmd_city_import)
    q = csub.add_parser("generate", help="write a seeded synthetic city: the coastal district (the default city) "
                        "or, with --size-km, a metropolis of that size with the district's density and road hierarchy")
    q.add_argument("--seed", type=int, default=DEFAULT_SEED)
    q.add_argument("--size-km", nargs=2, type=float, default=None, metavar=("W", "H"),
                   help="a W x H km metropolis (inland; all street poles are the planner's candidates)")
    q.add_argument("--cameras-per-km2", type=float, default=None, metavar="N",
                   help="existing cameras per km2 of a metropolis (default 16: 10,000 on 25 x 25 km)")
    q.add_argument("--out", required=True, metavar="DIR")
    q.set_defaults(func=_cmd_city_generate)
