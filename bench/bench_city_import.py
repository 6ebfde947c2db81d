"""Time `showroom city import` of several files in foreign schemas (twin.gis.import_files).

Writes, once, N Microsoft-style building footprints (GeoPackage, UTM, height -1 for a third of
them), a street grid with an exposure layer's TYPE/OSM_TYPE fields (Shapefile, UTM) and a camera
spreadsheet (CSV, decimal commas), then times the import (best and median of --repeat runs) with
its stages. The baseline, measured in the same run: GDAL reading the same layers (pyogrio's raw
read plus shapely decoding the geometries and pyproj reprojecting them to WGS84), which any
importer pays; the ratio import / baseline says what recognising schemas, accounting for every
feature and building the city cost on top.

    .venv/bin/python bench/bench_city_import.py [--buildings 20000] [--repeat 3]
    .venv/bin/python bench/bench_city_import.py --plot docs/img/city-import-examples.png

``--plot PNG`` instead draws the city README's commands import from assets/examples/import, each
feature coloured by the file it came from.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import shapely  # noqa: E402

from tests.twin import gis_fixtures as F  # noqa: E402
from twin.gis import import_files  # noqa: E402


def write_inputs(d: Path, n_buildings: int) -> list[Path]:
    side = int(np.ceil(np.sqrt(n_buildings)))
    k = np.arange(n_buildings)
    x = F.X0 + (k % side) * 20.0
    y = F.Y0 + (k // side) * 20.0
    gpkg = d / "footprints.gpkg"
    F.write_layer(
        gpkg,
        "footprints",
        list(shapely.box(x + 2, y + 2, x + 14, y + 12)),
        {"height": list(np.where(k % 3 == 0, -1.0, 3.0 + k % 20)), "confidence": list(np.full(n_buildings, 0.9))},
        F.UTM,
        "Polygon",
    )
    lines = []
    for j in range(0, side + 1, 5):  # a street every 5 rows and columns of buildings (100 m blocks)
        for i in range(0, side, 5):
            x0, y0 = F.X0 + i * 20.0, F.Y0 + j * 20.0
            lines.append(shapely.LineString([(x0, y0), (x0 + 100.0, y0)]))  # east-west
            xv, yv = F.X0 + j * 20.0, F.Y0 + i * 20.0
            lines.append(shapely.LineString([(xv, yv), (xv, yv + 100.0)]))  # north-south
    types = ["residential"] * len(lines)
    shp = d / "roads.shp"
    labels = ["Road, residential, living street, etc."] * len(lines)
    F.write_layer(shp, "roads", lines, {"TYPE": labels, "OSM_TYPE": types}, F.UTM, "LineString")
    csv = d / "cctv.csv"
    rows = []
    for c in range(200):
        p = F.to_wgs84(shapely.Point(F.X0 + (c % 20) * 100.0 + 50.0, F.Y0 + (c // 20) * 100.0 + 2.0))
        rows.append([f"C{c}", f"{p.y:.7f}".replace(".", ","), f"{p.x:.7f}".replace(".", ","), (c * 37) % 360])
    F.write_csv(csv, ["Kode", "Lintang", "Bujur", "Arah"], rows, delimiter=";")
    return [gpkg, shp, csv]


def baseline(paths: list[Path]) -> float:
    """GDAL's read of the GIS layers, decoded and reprojected: the floor any importer pays."""
    import pyogrio.raw
    from pyproj import Transformer

    t = time.perf_counter()
    tr = Transformer.from_crs(F.UTM, "EPSG:4326", always_xy=True)
    for p in paths[:2]:
        _meta, _fids, geoms, _fields = pyogrio.raw.read(p)
        g = shapely.from_wkb(geoms)
        shapely.transform(g, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    return time.perf_counter() - t


EXAMPLES = ROOT / "assets" / "examples" / "import"
README_MAPS = [
    "roads.class=KLS_JALAN",
    "roads.class:Jalan Arteri=primary",
    "roads.class:Jalan Lokal=tertiary",
    "roads.class:Jalan Lingkungan=residential",
]


def plot(png: Path) -> None:
    """The README's example import drawn by source file, with what was left out in the title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection, PolyCollection

    files = ["exposure.gpkg", "jalan.shp", "titik_cctv.csv", "gedung.city.json"]
    rep = import_files([EXAMPLES / f for f in files], maps=README_MAPS)
    t = rep.twin
    fig, ax = plt.subplots(figsize=(9, 7), dpi=110)
    src = {"buildings": ("exposure.gpkg:buildings", "#8c6bb1"), "rumah": ("gedung.city.json (LoD2)", "#e08214"),
           "roads": ("exposure.gpkg:roads", "#737373"), "jalan": ("jalan.shp (--map)", "#1b7837")}
    for prefix, (label, colour) in src.items():
        polys = [list(b.footprint.exterior.coords) for b in t.buildings if b.id.split("-")[0] == prefix]
        if polys:
            ax.add_collection(PolyCollection(polys, facecolor=colour, edgecolor="#333", linewidth=0.3,
                                             label=f"{label}: {len(polys)} buildings"))
        segs = {d["road_id"]: list(d["geometry"].coords) for _u, _v, d in t.roads.edges(data=True)
                if d["road_id"].split("-")[0] == prefix}
        if segs:
            ax.add_collection(LineCollection(list(segs.values()), colors=colour, linewidths=1.6,
                                             label=f"{label}: {len(segs)} road pieces"))
    ax.scatter([c.x for c in t.cameras], [c.y for c in t.cameras], s=18, c="#2166ac", zorder=3,
               label=f"titik_cctv.csv: {len(t.cameras)} cameras")
    f = rep.as_dict()["features"]
    ax.set_title(f"{len(files)} files, 4 schemas, one city: {f['read']} features read, {f['imported']} imported, "
                 f"{f['left_out']} left out (each with its reason)\n{rep.left_out_line()[:150]}...", fontsize=7)
    ax.set_aspect("equal")
    ax.autoscale()
    ax.set_xlabel("x east (m)")
    ax.set_ylabel("y north (m)")
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    fig.savefig(png)
    print(f"wrote {png}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--buildings", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--plot", metavar="PNG", help="draw the README's example import instead of timing")
    args = ap.parse_args()
    if args.plot:
        plot(Path(args.plot))
        return
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        paths = write_inputs(d, args.buildings)
        runs, bases, best = [], [], None
        for _ in range(args.repeat):
            bases.append(baseline(paths))
            t = time.perf_counter()
            rep = import_files(paths)
            runs.append(time.perf_counter() - t)
            if best is None or runs[-1] <= min(runs):
                best = rep
        assert best is not None
        f = best.as_dict()["features"]
        print(f"inputs: {args.buildings} footprints (GeoPackage), {best.inputs[1].features} road lines "
              f"(Shapefile), 200 cameras (CSV); {f['read']} read, {f['imported']} imported, {f['left_out']} left out")
        print(f"import  best {min(runs):.3f} s  median {statistics.median(runs):.3f} s  ({args.repeat} runs)")
        print("stages  " + "  ".join(f"{k} {v:.3f}" for k, v in best.timings_s.items()))
        print(f"baseline (GDAL read + decode + reproject of the same layers) best {min(bases):.3f} s")
        print(f"ratio import / baseline: {min(runs) / min(bases):.1f}x; "
              f"{min(runs) / f['read'] * 1e6:.1f} us a feature")


if __name__ == "__main__":
    main()
