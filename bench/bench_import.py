"""Time `showroom city import` (twin.gis.import_city): the Helsinki extract if present, else a synthetic one.

Prints the import time (best and median of --repeat runs), the per-stage times of the best run, and
as a baseline measured in the same run the time of one bare pyosmium pass over the same file with
node locations (what any importer must at least pay), with the ratio import / baseline.
Also times saving the city and loading it back (what `showroom city info` pays).

    .venv/bin/python bench/bench_import.py [FILE] [--repeat 5] [--synthetic N]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import osmium  # noqa: E402

import twin  # noqa: E402
from twin.gis import import_city  # noqa: E402

HELSINKI = ROOT.parent / "shared" / "data" / "helsinki-osm" / "Helsinki.osm.pbf"


def synthetic_pbf(path: Path, blocks: int) -> Path:
    """A blocks x blocks street grid with 4 buildings a block, cameras at every other crossing."""
    from osmium.osm.mutable import Node, Relation, Way

    lon0, lat0, step = 119.40, -5.15, 0.001  # about 110 m blocks
    nid, wid = 1, 1
    with osmium.SimpleWriter(str(path)) as w:
        ways = []
        grid: dict[tuple[int, int], int] = {}
        for i in range(blocks + 1):
            for j in range(blocks + 1):
                tags = {"man_made": "surveillance", "camera:direction": str((i * 37 + j * 11) % 360)}
                w.add_node(Node(id=nid, location=(lon0 + i * step, lat0 + j * step), tags=tags if (i + j) % 2 else {}))
                grid[(i, j)] = nid
                nid += 1
        for i in range(blocks + 1):
            ways.append(Way(id=wid, nodes=[grid[(i, j)] for j in range(blocks + 1)], tags={"highway": "secondary"}))
            wid += 1
            ways.append(Way(id=wid, nodes=[grid[(j, i)] for j in range(blocks + 1)], tags={"highway": "residential"}))
            wid += 1
        for i in range(blocks):
            for j in range(blocks):
                for qi in (0, 1):
                    for qj in (0, 1):
                        x = lon0 + (i + 0.1 + qi * 0.45) * step
                        y = lat0 + (j + 0.1 + qj * 0.45) * step
                        ids = []
                        for dx, dy in ((0, 0), (0.35, 0), (0.35, 0.35), (0, 0.35)):
                            w.add_node(Node(id=nid, location=(x + dx * step, y + dy * step)))
                            ids.append(nid)
                            nid += 1
                        levels = ["2", "3.5", "10+", "4-7"][(i + j + qi + qj) % 4]
                        ways.append(
                            Way(id=wid, nodes=[*ids, ids[0]], tags={"building": "yes", "building:levels": levels})
                        )
                        wid += 1
        for way in ways:
            w.add_way(way)
        w.add_relation(
            Relation(id=1, members=[("w", 999_999_999, "outer")], tags={"type": "multipolygon", "building": "yes"})
        )
    return path


def plot(report: twin.osm.ImportReport, png: Path) -> None:
    """A map of the imported city: buildings by where their height came from, roads, cameras, stations."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection, PolyCollection

    t = report.twin
    fig, ax = plt.subplots(figsize=(7.5, 10), dpi=110)
    colours = {"height": "#1b7837", "building:levels": "#5aae61", "default": "#c2a5cf"}
    for src, colour in colours.items():
        polys = []
        for b in t.buildings:
            if report.height_source[b.id] != src:
                continue
            for p in getattr(b.footprint, "geoms", [b.footprint]):
                polys.append(list(p.exterior.coords))
        n = len(polys)
        ax.add_collection(
            PolyCollection(polys, facecolor=colour, edgecolor="#333", linewidth=0.2, label=f"{src} ({n})")
        )
    segs = [list(d["geometry"].coords) for _, _, d in t.roads.edges(data=True)]
    ax.add_collection(LineCollection(segs, colors="#777", linewidths=0.6, label=f"drivable roads ({len(segs)} edges)"))
    known = [c for c in t.cameras if c.heading_deg != 0.0]
    ax.scatter(
        [c.x for c in t.cameras],
        [c.y for c in t.cameras],
        s=6,
        c="#2166ac",
        zorder=3,
        label=f"cameras ({len(t.cameras)})",
    )
    ax.quiver(
        [c.x for c in known],
        [c.y for c in known],
        [math.sin(math.radians(c.heading_deg)) for c in known],
        [math.cos(math.radians(c.heading_deg)) for c in known],
        color="#2166ac",
        scale=40,
        width=0.002,
        zorder=3,
        label=f"heading known ({len(known)})",
    )
    if t.fire_stations:
        ax.scatter(
            [s.x for s in t.fire_stations],
            [s.y for s in t.fire_stations],
            s=80,
            marker="^",
            c="#d7301f",
            zorder=4,
            label=f"fire stations ({len(t.fire_stations)})",
        )
    sk = report.as_dict()["skipped_total"]
    ax.set_title(
        f"{report.source}: imported in {report.timings_s['total']:.2f} s; skipped "
        + ", ".join(f"{v} {k}" for k, v in sk.items())
        + "\nbuilding colour = where its height came from. Data (c) OpenStreetMap contributors, ODbL",
        fontsize=8,
    )
    ax.set_aspect("equal")
    ax.autoscale()
    ax.set_xlabel("x east (m)")
    ax.set_ylabel("y north (m)")
    ax.legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    fig.savefig(png)
    print(f"wrote {png}")


def bare_pass(path: Path) -> float:
    t0 = time.perf_counter()
    n = 0
    for _ in osmium.FileProcessor(path).with_locations():
        n += 1
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", help="an .osm.pbf/.osm/.gpkg (default: Helsinki if present, else synthetic)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--synthetic",
        type=int,
        default=None,
        metavar="N",
        help="use a synthetic N x N block grid (default 30 if no file)",
    )
    ap.add_argument("--plot", metavar="PNG", help="also draw the imported city")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.file:
            path = Path(args.file)
        elif HELSINKI.exists() and args.synthetic is None:
            path = HELSINKI
        else:
            n = args.synthetic or 30
            if not HELSINKI.exists():
                print(f"(Helsinki extract not found at {HELSINKI})")
            print(f"synthetic {n} x {n} block grid")
            path = synthetic_pbf(Path(tmp) / f"synthetic-{n}.osm.pbf", n)
        print(f"file: {path} ({path.stat().st_size / 1e6:.2f} MB)")
        runs = []
        report = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            rep = import_city(path)
            dt = time.perf_counter() - t0
            if not runs or dt < min(runs):
                report = rep
            runs.append(dt)
        assert report is not None
        base = min(bare_pass(path) for _ in range(args.repeat)) if path.suffix in (".pbf", ".osm") else None
        i = report.imported
        print(
            f"imported: {i['buildings']} buildings, {i['road_features']} road features "
            f"({i['road_edges']} edges), {i['cameras']} cameras, {i['fire_stations']} fire stations"
        )
        print(
            f"import time: best {min(runs):.3f} s, median {statistics.median(runs):.3f} s over {len(runs)} runs"
            f" (target: under 30 s)"
        )
        print("stages of the best run:")
        for k, v in report.timings_s.items():
            print(f"  {k:22s} {v:8.3f} s")
        if base is not None:
            ratio = min(runs) / base
            print(
                f"baseline: one bare pyosmium pass with node locations {base:.3f} s; import / baseline = {ratio:.1f}x"
            )
        out = Path(tmp) / "city"
        t0 = time.perf_counter()
        twin.save(report.twin, out)
        t_save = time.perf_counter() - t0
        t0 = time.perf_counter()
        twin.load(out)
        t_load = time.perf_counter() - t0
        print(f"save {t_save:.3f} s, load back {t_load:.3f} s")
        if args.plot:
            plot(report, Path(args.plot))
    return 0


if __name__ == "__main__":
    sys.exit(main())
