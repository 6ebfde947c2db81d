"""Reading the layers of one input file, each reprojected to WGS84: GIS files by GDAL, tables by hand.

A :class:`SourceLayer` is what every reader hands on: the geometries in lon/lat (None where a row
has none), the fields under their own names, and where they came from. GIS files (GeoPackage,
Shapefile, GeoJSON, FlatGeobuf, ...) are read with pyogrio; a spreadsheet (``.csv``/``.tsv``/
``.txt`` by Python's csv module, ``.xlsx``/``.ods`` by GDAL) becomes points from its longitude and
latitude columns (or x/y in the CRS given with ``--crs``), or shapes from a WKT ``geometry``
column (Google's Open Buildings CSVs).
"""

from __future__ import annotations

__all__ = ["SPREADSHEET_SUFFIXES", "SourceLayer", "read_gdal", "read_gzip", "read_table", "value_text"]

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from .._errors import TwinError

SPREADSHEET_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".ods")
_WGS84 = CRS.from_epsg(4326)

#: Column names of a longitude / latitude (or projected x / y) in a spreadsheet, lower case, first wins.
LON_COLUMNS = ("lon", "lng", "long", "longitude", "lon_deg", "bujur", "x", "easting", "x_coord", "koordinat_x")
LAT_COLUMNS = ("lat", "latitude", "lat_deg", "lintang", "y", "northing", "y_coord", "koordinat_y")
WKT_COLUMNS = ("geometry", "wkt", "geom", "the_geom")


@dataclass
class SourceLayer:
    """One layer of one input file, in WGS84, with its fields under their own names."""

    file: str
    name: str
    label: str
    format: str
    crs: str
    geoms: np.ndarray
    malformed: np.ndarray
    fields: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        """Number of rows (features) in the layer."""
        return len(self.geoms)


def _crs(text: str | None, label: str, given: str | None) -> CRS:
    if not text:
        if given is None:
            raise TwinError(
                f"{label}: has no CRS (a Shapefile needs its .prj): add one, or give --crs (e.g. --crs EPSG:32750)"
            )
        text = given
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise TwinError(f"{label}: unknown CRS {text!r}") from None


def to_wgs84(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    """Geometries reprojected from ``crs`` to lon/lat (always x = east), horizontal part only."""
    if crs.is_compound:
        crs = crs.sub_crs_list[0]
    if crs.equals(_WGS84):
        return geoms
    tr = Transformer.from_crs(crs, _WGS84, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def read_gdal(path: Path, *, crs: str | None = None, xy: tuple[str, str] | None = None) -> list[SourceLayer]:
    """Every layer of a file GDAL reads; an attribute table with lon/lat columns becomes points."""
    import pyogrio
    import pyogrio.raw

    name = path.name
    try:
        layers = [str(n) for n, _t in pyogrio.list_layers(path)]
    except Exception as e:  # pyogrio raises DataSourceError and GDAL's own errors
        raise TwinError(f"{name}: cannot be read by GDAL: {e}") from None
    out = []
    for layer in layers:
        label = f"{name}:{layer}" if len(layers) > 1 else name
        try:
            meta, _fids, geoms, field_data = pyogrio.raw.read(path, layer=layer)
        except Exception as e:
            raise TwinError(f"{label}: cannot be read by GDAL: {e}") from None
        fields = {str(f): np.asarray(col) for f, col in zip(meta["fields"], field_data, strict=True)}
        n = len(next(iter(fields.values()))) if geoms is None and fields else (0 if geoms is None else len(geoms))
        fmt = path.suffix.lower().lstrip(".")
        if geoms is None:
            # a sheet without a geometry column: points from its coordinate columns, if it has them
            out.append(_table_layer(name, layer, label, fmt, fields, n, crs, xy))
            continue
        shp = shapely.from_wkb(geoms, on_invalid="ignore")
        # a ring of fewer than 4 points (GDAL writes them from broken OSM areas) reads as None
        malformed = np.array([a is not None and b is None for a, b in zip(geoms, shp, strict=True)], dtype=bool)
        if n:
            c = _crs(meta.get("crs"), label, crs)
            shp = to_wgs84(shp, c)
            crs_name = c.to_string()
        else:
            crs_name = str(meta.get("crs") or "")
        out.append(SourceLayer(name, layer, label, fmt, crs_name, shp, malformed, fields))
    return out


def read_gzip(path: Path, *, crs: str | None = None, xy: tuple[str, str] | None = None) -> list[SourceLayer]:
    """A gzipped file: GeoJSON features one a line, or a gzipped spreadsheet.

    Microsoft's global building footprints ship as ``.csv.gz`` files that hold GeoJSON lines.
    """
    import gzip

    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as e:
        raise TwinError(f"{path.name}: cannot be read as gzip: {e}") from None
    text = _decode(data)
    if text.lstrip().startswith("{"):
        return [_geojson_lines(path, text)]
    inner = Path(path.name[: -len(".gz")])
    if inner.suffix.lower() not in (".csv", ".tsv", ".txt"):
        raise TwinError(f"{path.name}: a gzipped file must hold GeoJSON features one a line, or a .csv/.tsv/.txt")
    return [_table_from_text(path.name, inner.stem, text, inner.suffix.lower().lstrip("."), crs, xy)]


def _geojson_lines(path: Path, text: str) -> SourceLayer:
    """GeoJSON features (or geometries) one a line, in WGS84 as GeoJSON is."""
    import json

    geoms, props = [], []
    malformed = []
    for k, line in enumerate(ln for ln in text.splitlines() if ln.strip()):
        try:
            doc = json.loads(line.strip().lstrip("\x1e"))
        except ValueError as e:
            raise TwinError(f"{path.name} line {k + 1}: is not a GeoJSON feature: {e}") from None
        geom = doc.get("geometry") if doc.get("type") == "Feature" else doc
        try:
            g = None if geom is None else shapely.from_geojson(json.dumps(geom))
            malformed.append(False)
        except shapely.errors.GEOSException:
            g = None
            malformed.append(True)
        geoms.append(g)
        props.append(doc.get("properties") or {} if doc.get("type") == "Feature" else {})
    names = list(dict.fromkeys(k for p in props for k in p))
    fields = {
        n: np.array([json.dumps(p[n]) if isinstance(p.get(n), dict | list) else p.get(n) for p in props], dtype=object)
        for n in names
    }
    stem = path.name.split(".")[0]
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    bad = np.array(malformed, dtype=bool)
    return SourceLayer(path.name, stem, path.name, "geojsonl", "EPSG:4326", arr, bad, fields)


def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def read_table(path: Path, *, crs: str | None = None, xy: tuple[str, str] | None = None) -> list[SourceLayer]:
    """A spreadsheet as one layer: ``.csv``/``.tsv``/``.txt`` here, ``.xlsx``/``.ods`` through GDAL.

    The delimiter (``,`` ``;`` tab ``|``) is sniffed from the header; with ``;`` a decimal comma in
    a coordinate (``119,4123``) reads as a decimal point, as spreadsheets in many locales write it.
    """
    if path.suffix.lower() in (".xlsx", ".ods"):
        return read_gdal(path, crs=crs, xy=xy)
    fmt = path.suffix.lower().lstrip(".")
    return [_table_from_text(path.name, path.stem, _decode(path.read_bytes()), fmt, crs, xy)]


def _table_from_text(
    name: str, stem: str, text: str, fmt: str, crs: str | None, xy: tuple[str, str] | None
) -> SourceLayer:
    """A delimited text table (delimiter sniffed from the header) as one layer."""
    first = text.splitlines()[0] if text.strip() else ""
    delim = max((",", ";", "\t", "|"), key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise TwinError(f"{name}: is empty (no header row)")
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    for i, r in enumerate(body):
        if len(r) != len(header):
            raise TwinError(
                f"{name} row {i + 2}: has {len(r)} cells but the header has {len(header)} "
                f"(delimiter {delim!r}); quote cells that hold the delimiter"
            )
    fields = {h: np.array([r[j].strip() or None for r in body], dtype=object) for j, h in enumerate(header)}
    return _table_layer(name, stem, name, fmt, fields, len(body), crs, xy)


def _column(fields: dict[str, np.ndarray], names: tuple[str, ...]) -> str | None:
    low = {re.sub(r"[\s\-]+", "_", k.strip().lower()): k for k in fields}
    for n in names:
        if n in low:
            return low[n]
    return None


def _numbers(col: np.ndarray) -> np.ndarray:
    out = np.full(len(col), np.nan)
    for i, v in enumerate(col):
        if v is None:
            continue
        if isinstance(v, int | float) and not isinstance(v, bool):
            out[i] = float(v)
            continue
        s = str(v).strip().replace(" ", "")
        if s.count(",") == 1 and "." not in s:
            s = s.replace(",", ".")
        try:
            out[i] = float(s)
        except ValueError:
            pass
    return out


def _table_layer(
    file: str,
    layer: str,
    label: str,
    fmt: str,
    fields: dict[str, np.ndarray],
    n: int,
    crs: str | None,
    xy: tuple[str, str] | None = None,
) -> SourceLayer:
    """Rows of a table as geometries: WKT column first, else x/y columns; rows with neither have None.

    ``xy`` names the x and y columns when a ``--map`` rule gave them (``cameras.lon=KOORD_X``).
    """
    geoms = np.full(n, None, dtype=object)
    malformed = np.zeros(n, dtype=bool)
    wkt = _column(fields, WKT_COLUMNS)
    xc, yc = _column(fields, LON_COLUMNS), _column(fields, LAT_COLUMNS)
    if xy is not None:
        xc = _column(fields, (re.sub(r"[\s\-]+", "_", xy[0].strip().lower()),)) or xc
        yc = _column(fields, (re.sub(r"[\s\-]+", "_", xy[1].strip().lower()),)) or yc
    if wkt is not None:
        for i, v in enumerate(fields[wkt]):
            if v is None:
                continue
            try:
                geoms[i] = shapely.from_wkt(str(v))
            except shapely.errors.GEOSException:
                malformed[i] = True
        fields = {k: v for k, v in fields.items() if k != wkt}
        c = _crs(None, label, crs or "EPSG:4326")
    elif xc is not None and yc is not None:
        x, y = _numbers(fields[xc]), _numbers(fields[yc])
        ok = np.isfinite(x) & np.isfinite(y)
        given = [a is not None or b is not None for a, b in zip(fields[xc], fields[yc], strict=True)]
        bad_text = ~ok & np.array(given, dtype=bool)
        malformed |= bad_text
        c = _crs(None, label, crs or "EPSG:4326")
        if crs is None and ok.any():
            lon_bad = np.abs(x[ok]) > 180.0
            lat_bad = np.abs(y[ok]) > 90.0
            if lon_bad.any() or lat_bad.any():
                i = int(np.flatnonzero(ok)[np.flatnonzero(lon_bad | lat_bad)[0]])
                if abs(x[i]) <= 90.0 and abs(y[i]) <= 180.0:
                    raise TwinError(
                        f"{label} row {i + 2}: {xc}={fields[xc][i]}, {yc}={fields[yc][i]}: longitude and latitude "
                        f"look swapped ({yc} is read as the latitude, {xc} as the longitude); swap the column "
                        f"names, or name them with --map cameras.lon={yc} --map cameras.lat={xc}"
                    )
                raise TwinError(
                    f"{label} row {i + 2}: {xc}={fields[xc][i]}, {yc}={fields[yc][i]} is not a longitude/latitude: "
                    "the coordinates look projected; give their CRS, e.g. --crs EPSG:32750"
                )
        pts = np.full(n, None, dtype=object)
        pts[ok] = shapely.points(x[ok], y[ok])
        geoms = pts
    else:
        c = _WGS84
    if wkt is not None or (xc is not None and yc is not None):
        has = np.array([g is not None for g in geoms], dtype=bool)
        if has.any():
            geoms[has] = to_wgs84(geoms[has], c)
    return SourceLayer(file, layer, label, fmt, c.to_string(), geoms, malformed, fields)


def value_text(v: Any) -> str | None:
    """A cell as trimmed text: None for empty and NaN, whole floats without ``.0``."""
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float) and v == int(v):
        v = int(v)
    s = str(v).strip()
    return s or None
