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
