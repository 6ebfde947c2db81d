"""GIS files as planners get them, written with GDAL (pyogrio) and the csv module: foreign schemas, CRSs, names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

# UTM zone 50S over Makassar: fixtures are drawn in metres and written in the CRS a real file would use
UTM = "EPSG:32750"
X0, Y0 = 766_000.0, 9_431_000.0
TO_WGS84 = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
# UTM's scale factor about 265 km east of zone 50's central meridian: grid metres are 1.00047 true metres
UTM_SCALE = 1.000_47
SPACING_M = 60.0
N = 10  # nodes per side of the street grid


def to_wgs84(g: Any) -> Any:
    return shapely.transform(g, lambda xy: np.column_stack(TO_WGS84.transform(xy[:, 0], xy[:, 1])))


def write_layer(
    path: Path, layer: str, geoms: list, fields: dict[str, list], crs: str, gtype: str, *, driver: str | None = None
) -> None:
    import pyogrio.raw

    drivers = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".fgb": "FlatGeobuf"}
    pyogrio.raw.write(
        path,
        geometry=shapely.to_wkb(np.array(geoms, dtype=object)),
        field_data=[_column(v) for v in fields.values()],
        fields=list(fields),
        layer=layer,
        driver=driver or drivers[path.suffix],
        geometry_type=gtype,
        crs=crs,
        append=path.exists() and path.suffix == ".gpkg",
    )


def _column(values: list) -> np.ndarray:
    """Numbers as a numeric field (GDAL writes an object array as text), anything else as text."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.array(values)
    return np.array(values, dtype=object)


def node(i: int, j: int) -> tuple[float, float]:
    return (X0 + SPACING_M * i, Y0 + SPACING_M * j)


def grid_segments() -> list[tuple[str, int, int, shapely.LineString]]:
    """The 180 street segments of a 10 x 10 node grid: ('h'|'v', i, j, line in UTM)."""
    out = []
    for j in range(N):
        for i in range(N - 1):
            out.append(("h", i, j, shapely.LineString([node(i, j), node(i + 1, j)])))
    for i in range(N):
        for j in range(N - 1):
            out.append(("v", i, j, shapely.LineString([node(i, j), node(i, j + 1)])))
    return out


def footpaths() -> list[shapely.LineString]:
    """Five diagonal footpaths across grid cells."""
    return [shapely.LineString([node(k, 2), node(k + 1, 3)]) for k in range(1, 6)]


def block_buildings() -> list[tuple[shapely.Polygon, int]]:
    """40 buildings, 20 x 15 m, in the grid's cells, with 1-4 levels."""
    out = []
    for k in range(40):
        i, j = k % 8, k // 8
        x, y = node(i, j)
        out.append((shapely.box(x + 20, y + 20, x + 40, y + 35), 1 + k % 4))
    return out


def exposure_gpkg(path: Path) -> dict[str, int]:
    """A disaster-risk exposure GeoPackage (WGS84): buildings and 185 roads with TYPE/OSM_TYPE fields.

    Returns the number of features written per layer.
    """
    segs = grid_segments()
    types, osm_types = [], []
    for kind, i, j, _line in segs:
        if (kind == "h" and j == 0) or (kind == "v" and i == 0):
            types.append("Primary road")
            osm_types.append("primary")
        elif kind == "h" and j == N - 1:
            types.append("Secondary")
            osm_types.append(None)  # the label alone, as some exports leave OSM_TYPE empty
        elif (i + j) % 7 == 3:
            types.append("Road, residential, living street, etc.")
            osm_types.append("living_street")
        else:
            types.append("Road, residential, living street, etc.")
            osm_types.append("residential")
    lines = [s[3] for s in segs] + footpaths()
    types += ["Cycleway, footpath, etc."] * 5
    osm_types += ["footway"] * 5
    write_layer(
        path,
        "roads",
        [to_wgs84(g) for g in lines],
        {
            "OSM_ID": [str(100000 + k) for k in range(len(lines))],
            "TYPE": types,
            "OSM_TYPE": osm_types,
            "NAME": [f"Jalan {k}" if k % 3 else None for k in range(len(lines))],
        },
        "EPSG:4326",
        "LineString",
    )
    bs = block_buildings()
    write_layer(
        path,
        "buildings",
        [to_wgs84(b) for b, _lv in bs],
        {
            "OSM_ID": [str(200000 + k) for k in range(len(bs))],
            "TYPE": ["Residential" if k % 5 else "School" for k in range(len(bs))],
            "OSM_TYPE": ["house" if k % 5 else "school" for k in range(len(bs))],
            "LEVELS": [lv for _b, lv in bs],
            "NAME": [None] * len(bs),
        },
        "EPSG:4326",
        "Polygon",
    )
    # an exposure package also carries its admin boundary: a polygon layer that is not buildings
    x0, y0 = node(0, 0)
    x1, y1 = node(N - 1, N - 1)
    write_layer(
        path,
        "admin_boundary",
        [to_wgs84(shapely.box(x0 - 5, y0 - 5, x1 + 5, y1 + 5))],
        {"KEL_NAME": ["Mariso"], "KEC_NAME": ["Mariso"], "POP_2020": [56_000]},
        "EPSG:4326",
        "Polygon",
    )
    return {"roads": len(lines), "buildings": len(bs), "admin_boundary": 1}


def write_csv(path: Path, header: list[str], rows: list[list[Any]], *, delimiter: str = ",") -> None:
    text = delimiter.join(header) + "\n" + "\n".join(delimiter.join(str(c) for c in r) for r in rows) + "\n"
    path.write_text(text, encoding="utf-8")


def write_json(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# the example files shipped in assets/examples/import (README's city import commands)
# ---------------------------------------------------------------------------------------------
EAST_ROADS = (("Jalan Arteri", 0), ("Jalan Lokal", 4), ("Jalan Lingkungan", 9))


def jalan_east(path: Path) -> int:
    """Roads of the district east of the grid, from another office: UTM, Indonesian names, 5 x 60 m each."""
    lines, kls, names = [], [], []
    for value, j in EAST_ROADS:
        for k in range(5):
            x, y = node(N - 1 + k, j)
            lines.append(shapely.LineString([(x, y), (x + SPACING_M, y)]))
            kls.append(value)
            names.append(f"Jl. Timur {j}")
    x, y = node(N - 1, 2)
    lines.append(shapely.LineString([(x, y), (x + 40, y + 40)]))
    kls.append("Jalan Setapak")
    names.append("")
    write_layer(path, "jalan", lines, {"NAMA_JLN": names, "KLS_JALAN": kls}, UTM, "LineString")
    return len(lines)


def titik_cctv(path: Path) -> int:
    """A camera spreadsheet as an office keeps it: ';'-separated, decimal commas, Indonesian headers."""
    rows = []
    for k in range(12):
        i, j = (k % 4) * 3, (k // 4) * 4
        x, y = node(i, j)
        lon, lat = (float(v) for v in to_wgs84(shapely.Point(x + 30, y + 3)).coords[0])
        rows.append([f"CCTV-{k + 1:03d}", f"Simpang {k + 1}", f"{lat:.7f}".replace(".", ","),
                     f"{lon:.7f}".replace(".", ","), (45 * k) % 360, "7,5" if k % 2 else "6"])
    write_csv(path, ["Kode", "Nama Lokasi", "Lintang", "Bujur", "Arah", "Tinggi"], rows, delimiter=";")
    return len(rows)


def gedung_cityjson(path: Path) -> int:
    """Three LoD2 gable houses (walls 6 m, ridge 10 m: 8 m as a prism) in UTM 50S, CityJSON 2.0."""
    verts: list[list[int]] = []
    index: dict[tuple[int, int, int], int] = {}

    def v(x: float, y: float, z: float) -> int:
        key = (round((x - X0) * 1000), round((y - Y0) * 1000), round(z * 1000))
        if key not in index:
            index[key] = len(verts)
            verts.append(list(key))
        return index[key]

    objects = {}
    for k in range(3):
        x0, y0 = node(N - 1, 5)
        x0, y0, x1, y1 = x0 + 20 + 60 * k, y0 + 10, x0 + 30 + 60 * k, y0 + 18
        ym, z0, ze, zr = (y0 + y1) / 2, 0.0, 6.0, 10.0
        faces = [
            ("GroundSurface", [(x0, y0, z0), (x0, y1, z0), (x1, y1, z0), (x1, y0, z0)]),
            ("WallSurface", [(x0, y0, z0), (x1, y0, z0), (x1, y0, ze), (x0, y0, ze)]),
            ("WallSurface", [(x1, y1, z0), (x0, y1, z0), (x0, y1, ze), (x1, y1, ze)]),
            ("WallSurface", [(x0, y1, z0), (x0, y0, z0), (x0, y0, ze), (x0, ym, zr), (x0, y1, ze)]),
            ("WallSurface", [(x1, y0, z0), (x1, y1, z0), (x1, y1, ze), (x1, ym, zr), (x1, y0, ze)]),
            ("RoofSurface", [(x0, y0, ze), (x1, y0, ze), (x1, ym, zr), (x0, ym, zr)]),
            ("RoofSurface", [(x1, y1, ze), (x0, y1, ze), (x0, ym, zr), (x1, ym, zr)]),
        ]
        kinds = ["GroundSurface", "RoofSurface", "WallSurface"]
        objects[f"rumah-{k + 1}"] = {
            "type": "Building",
            "attributes": {"name": f"Rumah {k + 1}"},
            "geometry": [{
                "type": "Solid", "lod": "2.2",
                "boundaries": [[[[v(*p) for p in f]] for _kind, f in faces]],
                "semantics": {
                    "surfaces": [{"type": t} for t in kinds],
                    "values": [[kinds.index(t) for t, _f in faces]],
                },
            }],
        }
    write_json(path, {
        "type": "CityJSON", "version": "2.0",
        "transform": {"scale": [0.001, 0.001, 0.001], "translate": [X0, Y0, 0.0]},
        "metadata": {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/32750"},
        "CityObjects": objects, "vertices": verts,
    })
    return len(objects)


def write_examples(out: Path) -> dict[str, int]:
    """Write the example files of README's ``showroom city import`` commands; returns features per layer."""
    out.mkdir(parents=True, exist_ok=True)
    # only the files this writes (a GeoPackage is appended to, so the old one must go first)
    for name in ("exposure.gpkg", "titik_cctv.csv", "gedung.city.json"):
        (out / name).unlink(missing_ok=True)
    for part in out.glob("jalan.*"):
        part.unlink()
    n = exposure_gpkg(out / "exposure.gpkg")
    n["jalan"] = jalan_east(out / "jalan.shp")
    n["titik_cctv"] = titik_cctv(out / "titik_cctv.csv")
    n["CityObjects"] = gedung_cityjson(out / "gedung.city.json")
    return n


if __name__ == "__main__":
    import sys

    print(write_examples(Path(sys.argv[1] if len(sys.argv) > 1 else "assets/examples/import")))
