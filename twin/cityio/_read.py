"""Reading a city's layers: any source (GeoJSON, GDAL formats) to raw features, then to the local frame."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from pyproj import CRS
from pyproj.exceptions import CRSError

from .._errors import CityError, Problem
from ..geo import LocalFrame

LAYERS = ("buildings", "roads", "cameras", "fire_stations", "zones")
_GDAL_SUFFIXES = (".gpkg", ".shp", ".fgb", ".gml", ".kml", ".sqlite", ".json", ".geojson")
#: How far outside the extent of buildings, roads and zones a camera may stand (a pole across the road).
CAMERA_MARGIN_M = 50.0
_COORD_DECIMALS = 9  # 1e-9 degree is about 0.1 mm


class CityRepairWarning(UserWarning):
    """Defects that loading repaired (counted, with the features named)."""


#: Every property name the city format reads; GDAL formats with short or restricted field names
#: (a Shapefile keeps 10 characters and no ':') carry them "laundered", which the reader maps back.
KNOWN_PROPERTIES = (
    "id",
    "name",
    "building",
    "height",
    "building:levels",
    "highway",
    "maxspeed",
    "oneway",
    "status",
    "camera:type",
    "camera:direction",
    "tilt_deg",
    "hfov_deg",
    "focal_mm",
    "sensor_width_mm",
    "resolution",
    "width_px",
    "height_px",
    "fps",
    "codec",
    "bitrate_kbps",
    "stream_main",
    "stream_sub",
    "privacy_masks",
    "presets",
    "k1",
    "k2",
    "pose_correction",
    "cost",
    "ir_range_m",
    "trucks",
    "turnout_s",
    "landuse",
    "priority",
    "fire_rate_per_year",
)
_LAUNDERED = {k.replace(":", "_")[:10].lower(): k for k in KNOWN_PROPERTIES}
_LAUNDERED.update({k.replace(":", "_").lower(): k for k in KNOWN_PROPERTIES})


def _unlaunder(props: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in props.items():
        key = k if k in KNOWN_PROPERTIES else _LAUNDERED.get(k.lower(), k)
        if key not in out or out[key] is None:
            out[key] = v
    return out


class _Raw:
    """A feature as read from any source, still in its source CRS."""

    __slots__ = ("index", "geometry", "props")

    def __init__(self, index: int, geometry: Any, props: dict[str, Any]):
        self.index = index
        self.geometry = geometry
        self.props = props


# ---------------------------------------------------------------------------------------------
# reading raw layers
# ---------------------------------------------------------------------------------------------
def _read_geojson(path: Path) -> tuple[list[_Raw], CRS]:
    name = path.name
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise CityError(Problem(name, f"is not UTF-8 text ({e.reason} at byte {e.start})")) from None
    except json.JSONDecodeError as e:
        raise CityError(Problem(name, f"is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}")) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise CityError(Problem(name, 'must be a GeoJSON FeatureCollection ({"type": "FeatureCollection", ...})'))
    crs = CRS.from_epsg(4326)
    if "crs" in doc and doc["crs"] is not None:
        try:
            crs_name = doc["crs"]["properties"]["name"]
            crs = CRS.from_user_input(crs_name)
        except (KeyError, TypeError, CRSError):
            raise CityError(
                Problem(name, f"unknown CRS {json.dumps(doc['crs'])}: use an EPSG code such as EPSG:4326 or drop it")
            ) from None
    feats = doc.get("features")
    if not isinstance(feats, list):
        raise CityError(Problem(name, '"features" must be a list'))
    out: list[_Raw] = []
    problems: list[Problem] = []
    for i, f in enumerate(feats):
        if not isinstance(f, dict) or f.get("type") != "Feature":
            problems.append(Problem(name, "is not a GeoJSON Feature", i))
            continue
        props = f.get("properties") or {}
        if not isinstance(props, dict):
            problems.append(Problem(name, '"properties" must be an object', i))
            continue
        if "id" not in props and f.get("id") is not None:
            props = dict(props, id=f["id"])
        g = f.get("geometry")
        geom = None
        if g is not None:
            try:
                geom = shapely.geometry.shape(g)
            except Exception as e:  # shapely raises several types for malformed coordinates
                problems.append(Problem(name, f"geometry is malformed: {e}", i, _fid(props)))
                continue
        out.append(_Raw(i, geom, props))
    if problems:
        raise CityError(problems)
    return out, crs


def _read_gdal(path: Path, layer: str | None, label: str) -> tuple[list[_Raw], CRS]:
    import pyogrio.raw

    try:
        meta, _fids, geoms, field_data = pyogrio.raw.read(path, layer=layer)
    except Exception as e:  # pyogrio's DataSourceError/DataLayerError and GDAL's own
        raise CityError(Problem(label, f"cannot be read by GDAL: {e}")) from None
    crs_text = meta.get("crs")
    if not crs_text:
        raise CityError(Problem(label, "has no CRS (a Shapefile needs its .prj): add one, e.g. EPSG:4326"))
    try:
        crs = CRS.from_user_input(crs_text)
    except CRSError:
        raise CityError(Problem(label, f"unknown CRS {crs_text!r}")) from None
    names = list(meta["fields"])
    shp = shapely.from_wkb(geoms)
    out = []
    for i in range(len(shp)):
        props = {}
        for n, col in zip(names, field_data, strict=True):
            v = col[i]
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, float) and math.isnan(v):
                v = None
            if isinstance(v, str) and v[:1] in "[{":
                try:
                    v = json.loads(v)  # nested values (masks, presets) travel as JSON text in GDAL formats
                except json.JSONDecodeError:
                    pass
            props[n] = v
        out.append(_Raw(i, shp[i], _unlaunder(props)))
    return out, crs


def _find_layers(path: Path) -> dict[str, tuple[Path, str | None, str]]:
    """Map each layer present to (file, layer name inside it or None, label for messages)."""
    found: dict[str, tuple[Path, str | None, str]] = {}
    if path.is_file():
        container = path
    else:
        container = None
        for layer in LAYERS:
            for suf in (".geojson", ".json", ".gpkg", ".shp", ".fgb"):
                p = path / f"{layer}{suf}"
                if p.exists():
                    found[layer] = (p, None, p.name)
                    break
        gpkgs = sorted(path.glob("*.gpkg"))
        if gpkgs and not found:
            container = gpkgs[0]
    if container is not None:
        import pyogrio

        try:
            names = [str(n) for n in pyogrio.list_layers(container)[:, 0]]
        except Exception as e:
            raise CityError(Problem(container.name, f"cannot be read by GDAL: {e}")) from None
        for layer in LAYERS:
            if layer in names:
                found[layer] = (container, layer, f"{container.name}:{layer}")
    return found


def _read_layer(file: Path, layer: str | None, label: str) -> tuple[list[_Raw], CRS]:
    if layer is None and file.suffix.lower() in (".geojson", ".json"):
        return _read_geojson(file)
    return _read_gdal(file, layer, label)


# ---------------------------------------------------------------------------------------------
# turning raw features into the model
# ---------------------------------------------------------------------------------------------
def _fid(props: dict[str, Any]) -> str | None:
    v = props.get("id")
    return None if v is None else str(v)


def _to_local(raws: list[_Raw], crs: CRS, frame: LocalFrame) -> None:
    """Reproject all geometries of a layer at once (one pyproj call per layer)."""
    geoms = np.array([r.geometry for r in raws], dtype=object)
    if not len(geoms):
        return
    mask = np.array([g is not None for g in geoms])
    if mask.any():
        if crs.equals(CRS.from_epsg(4326)):
            local = frame.geoms_to_local(geoms[mask])
        else:
            from pyproj import Transformer

            tr = Transformer.from_crs(crs, frame.crs, always_xy=True)
            local = shapely.transform(geoms[mask], lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
        for r, g in zip((r for r, m in zip(raws, mask, strict=True) if m), local, strict=True):
            r.geometry = g


def _wgs84_bounds(layers: dict[str, tuple[list[_Raw], CRS]]) -> tuple[float, float, float, float] | None:
    from pyproj import Transformer

    boxes = []
    for raws, crs in layers.values():
        geoms = np.array([r.geometry for r in raws if r.geometry is not None], dtype=object)
        if not len(geoms):
            continue
        b = shapely.total_bounds(geoms)
        if not np.all(np.isfinite(b)):
            continue
        if not crs.equals(CRS.from_epsg(4326)):
            tr = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
            b = tr.transform_bounds(*b)
        boxes.append(b)
    if not boxes:
        return None
    a = np.array(boxes)
    return float(a[:, 0].min()), float(a[:, 1].min()), float(a[:, 2].max()), float(a[:, 3].max())


def _expect(raw: _Raw, label: str, kinds: tuple[str, ...], problems: list[Problem]) -> bool:
    g = raw.geometry
    if g is None or g.is_empty:
        problems.append(Problem(label, "has no geometry", raw.index, _fid(raw.props)))
        return False
    if g.geom_type not in kinds:
        problems.append(
            Problem(label, f"geometry must be {' or '.join(kinds)}, got {g.geom_type}", raw.index, _fid(raw.props))
        )
        return False
    return True



def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != "" and v != [] and v != {}}

