"""``showroom city info | import | generate``: the city files."""

from __future__ import annotations

import argparse
import json
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
    write_json(Path(args.out) / "import_report.json", report.as_dict())
    print(report.summary())
    print(f"wrote {args.out}")
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser("city", help="city files: info, import from OpenStreetMap/GIS, generate a synthetic city")
    csub = p.add_subparsers(dest="city_command", required=True, metavar="{info,import,generate}")
    q = csub.add_parser("info", help="extent, counts per layer and camera status, planned bitrate")
    city_arg(q)
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
