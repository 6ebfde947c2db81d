"""City files: a folder of GeoJSON layers plus ``city.yaml``, or any vector format GDAL reads.

The format is documented in docs/city-format.md. Loading validates everything and raises one
:class:`~twin.CityError` listing every problem (file, feature index and id, rule); repairable
defects (self-intersecting footprints) are repaired and reported with a :class:`CityRepairWarning`.
"""

from __future__ import annotations

__all__ = [
    "json_safe",
    "write_json",
    "LAYERS",
    "CityRepairWarning",
    "load",
    "save",
    "camera_properties",
    "camera_from_properties",
    "load_cameras",
]

import json
import math
import os
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.geometry
import yaml
from pyproj import CRS
from pyproj.exceptions import CRSError

from ._errors import CityError, Problem
from ._props import PropError, integer, number, text
from .geo import LocalFrame, repair_polygon
from .model import (
    CAMERA_STATUSES,
    Building,
    Camera,
    CommandCenter,
    FireStation,
    Operators,
    PoseCorrection,
    PosePreset,
    ServerRoom,
    Standards,
    Twin,
    Zone,
    data_bounds,
)
from .profiles import CODEC_FACTOR, DEFAULT_BUILDING_HEIGHT_M, LEVEL_HEIGHT_M, RESOLUTIONS
from .roads import RoadFeature, build_road_graph

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


def building_height_m(props: dict[str, Any]) -> tuple[float, float | None]:
    """Height and levels of a building from ``height``, else ``building:levels`` x 3 m, else the default."""
    levels = number(props, "building:levels")
    h = number(props, "height")
    if h is not None:
        return h, levels
    if levels is not None:
        return levels * LEVEL_HEIGHT_M, levels
    return DEFAULT_BUILDING_HEIGHT_M, None


def _buildings(raws: list[_Raw], label: str, problems: list[Problem]) -> list[Building]:
    out = []
    repaired: list[int] = []
    seen: set[str] = set()
    for r in raws:
        if not _expect(r, label, ("Polygon", "MultiPolygon"), problems):
            continue
        fid = _fid(r.props) or f"b{r.index}"
        if fid in seen:
            problems.append(Problem(label, f"duplicate id {fid!r}", r.index, fid))
            continue
        seen.add(fid)
        try:
            h, levels = building_height_m(r.props)
        except PropError as e:
            problems.append(Problem(label, str(e), r.index, fid))
            continue
        if h < 0:
            problems.append(Problem(label, f"height must be >= 0 m, got {h:g}", r.index, fid))
            continue
        g = r.geometry
        if not g.is_valid:
            g = repair_polygon(g)
            if g is None:
                problems.append(Problem(label, "footprint is invalid and cannot be repaired", r.index, fid))
                continue
            repaired.append(r.index)
        out.append(Building(fid, g, float(h), levels, text(r.props, "building", "yes"), text(r.props, "name")))
    if repaired:
        shown = ", ".join(str(i) for i in repaired[:10]) + (" ..." if len(repaired) > 10 else "")
        warnings.warn(
            CityRepairWarning(f"{label}: repaired {len(repaired)} self-intersecting footprint(s) (features {shown})"),
            stacklevel=3,
        )
    return out


def _roads(raws: list[_Raw], label: str, problems: list[Problem]) -> list[RoadFeature]:
    out = []
    for r in raws:
        if not _expect(r, label, ("LineString", "MultiLineString"), problems):
            continue
        fid = _fid(r.props) or f"r{r.index}"
        parts = list(r.geometry.geoms) if r.geometry.geom_type == "MultiLineString" else [r.geometry]
        for k, line in enumerate(parts):
            if len(line.coords) < 2 or line.length <= 0:
                continue
            out.append(
                RoadFeature(
                    fid if len(parts) == 1 else f"{fid}.{k}",
                    line,
                    highway=text(r.props, "highway", "residential"),
                    maxspeed=r.props.get("maxspeed"),
                    oneway=r.props.get("oneway"),
                    name=text(r.props, "name"),
                )
            )
    return out


_OSM_CAMERA_TYPES = {"fixed": "fixed", "ptz": "ptz", "panning": "ptz", "dome": "dome"}


def camera_from_properties(fid: str, x: float, y: float, p: dict[str, Any]) -> Camera:
    """A camera from its feature properties (see docs/city-format.md); raises PropError on a broken rule."""
    ctype_raw = text(p, "camera:type", "fixed").lower() or "fixed"
    ctype = _OSM_CAMERA_TYPES.get(ctype_raw)
    if ctype is None:
        raise PropError(f"camera:type must be one of {sorted(_OSM_CAMERA_TYPES)}, got {ctype_raw!r}")
    status = text(p, "status", "existing").lower() or "existing"
    if status not in CAMERA_STATUSES:
        raise PropError(f"status must be one of {list(CAMERA_STATUSES)}, got {status!r}")
    heading = number(p, "camera:direction", 0.0)
    tilt = number(p, "tilt_deg", 15.0)
    if not -90.0 <= tilt <= 90.0:
        raise PropError(f"tilt_deg must be in [-90, 90], got {tilt:g}")
    mount = number(p, "height", 6.0)
    if mount <= 0:
        raise PropError(f"height (mount height) must be > 0 m, got {mount:g}")
    focal = number(p, "focal_mm")
    sensor = number(p, "sensor_width_mm")
    hfov = number(p, "hfov_deg")
    if hfov is None and focal is None:
        hfov = 90.0
    if hfov is not None:
        panoramic = ctype == "dome" and hfov == 360.0
        if not (0.0 < hfov <= 180.0 or panoramic):
            raise PropError(f"hfov_deg must be in (0, 180] (360 only for a dome fisheye), got {hfov:g}")
    else:
        if focal is None or focal <= 0:
            raise PropError(f"focal_mm must be > 0, got {focal}")
        if sensor is None or sensor <= 0:
            raise PropError("sensor_width_mm must be > 0 when the lens is given by focal_mm")
    w, h = _resolution(p)
    fps = number(p, "fps", 25.0)
    if fps <= 0:
        raise PropError(f"fps must be > 0, got {fps:g}")
    codec = text(p, "codec", "h264").lower() or "h264"
    if codec not in CODEC_FACTOR:
        raise PropError(f"codec must be one of {sorted(CODEC_FACTOR)}, got {codec!r}")
    bitrate = number(p, "bitrate_kbps")
    if bitrate is not None and bitrate <= 0:
        raise PropError(f"bitrate_kbps must be > 0, got {bitrate:g}")
    masks = _masks(p.get("privacy_masks"))
    presets = _presets(p.get("presets"))
    corr = p.get("pose_correction") or {}
    if not isinstance(corr, dict):
        raise PropError("pose_correction must be an object of heading_deg, tilt_deg, roll_deg, dx_m, dy_m, dz_m")
    try:
        correction = PoseCorrection(**{k: float(v) for k, v in corr.items()})
    except (TypeError, ValueError) as e:
        raise PropError(f"pose_correction is malformed: {e}") from None
    cost = number(p, "cost", 1.0)
    if cost < 0:
        raise PropError(f"cost must be >= 0, got {cost:g}")
    ir = number(p, "ir_range_m")
    return Camera(
        id=fid,
        x=x,
        y=y,
        mount_height_m=mount,
        heading_deg=heading % 360.0,
        tilt_deg=tilt,
        hfov_deg=hfov,
        focal_mm=focal,
        sensor_width_mm=sensor,
        width_px=w,
        height_px=h,
        fps=fps,
        codec=codec,
        bitrate_kbps=bitrate,
        type=ctype,
        status=status,
        name=text(p, "name"),
        stream_main=p.get("stream_main") or None,
        stream_sub=p.get("stream_sub") or None,
        privacy_masks=masks,
        presets=presets,
        k1=number(p, "k1", 0.0),
        k2=number(p, "k2", 0.0),
        correction=correction,
        cost=cost,
        ir_range_m=ir,
    )


def _resolution(p: dict[str, Any]) -> tuple[int, int]:
    r = p.get("resolution")
    if r is not None:
        s = str(r).strip()
        if s in RESOLUTIONS:
            return RESOLUTIONS[s]
        parts = s.lower().split("x")
        if len(parts) == 2 and all(q.strip().isdigit() for q in parts):
            w, h = int(parts[0]), int(parts[1])
            if w > 0 and h > 0:
                return w, h
        raise PropError(f"resolution must be WIDTHxHEIGHT (e.g. 1920x1080) or one of {list(RESOLUTIONS)}, got {r!r}")
    w = integer(p, "width_px", 1920)
    h = integer(p, "height_px", 1080)
    if w <= 0 or h <= 0:
        raise PropError(f"width_px and height_px must be > 0, got {w}x{h}")
    return w, h


def _masks(v: Any) -> list[list[tuple[float, float]]]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise PropError("privacy_masks must be a list of polygons, each a list of [u, v] pixel points")
    out = []
    for k, poly in enumerate(v):
        try:
            pts = [(float(a), float(b)) for a, b in poly]
        except (TypeError, ValueError):
            raise PropError(f"privacy_masks[{k}] must be a list of [u, v] pixel points") from None
        if len(pts) < 3:
            raise PropError(f"privacy_masks[{k}] needs at least 3 points, got {len(pts)}")
        out.append(pts)
    return out


def _presets(v: Any) -> list[PosePreset]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise PropError("presets must be a list of {heading_deg, tilt_deg, dwell_s, hfov_deg?}")
    out = []
    for k, d in enumerate(v):
        if not isinstance(d, dict):
            raise PropError(f"presets[{k}] must be an object")
        try:
            pr = PosePreset(
                heading_deg=float(d["heading_deg"]) % 360.0,
                tilt_deg=float(d.get("tilt_deg", 15.0)),
                dwell_s=float(d.get("dwell_s", 30.0)),
                hfov_deg=None if d.get("hfov_deg") is None else float(d["hfov_deg"]),
                name=str(d.get("name", "")),
            )
        except (KeyError, TypeError, ValueError):
            raise PropError(f"presets[{k}] needs a numeric heading_deg (and numeric tilt_deg, dwell_s)") from None
        if pr.dwell_s <= 0:
            raise PropError(f"presets[{k}].dwell_s must be > 0, got {pr.dwell_s:g}")
        out.append(pr)
    return out


def _cameras(raws: list[_Raw], label: str, problems: list[Problem]) -> list[Camera]:
    out = []
    seen: dict[str, int] = {}
    for r in raws:
        fid = _fid(r.props)
        if not _expect(r, label, ("Point",), problems):
            continue
        if fid is None or not fid.strip():
            problems.append(Problem(label, "camera has no id (property 'id' is required)", r.index))
            continue
        if fid in seen:
            problems.append(Problem(label, f"duplicate camera id {fid!r} (first at feature {seen[fid]})", r.index, fid))
            continue
        seen[fid] = r.index
        try:
            out.append(camera_from_properties(fid, float(r.geometry.x), float(r.geometry.y), r.props))
        except PropError as e:
            problems.append(Problem(label, str(e), r.index, fid))
    return out


def _negatives(label: str, r: _Raw, fid: str, problems: list[Problem], **values: float) -> bool:
    """Record a problem for the first value below 0; True when all are >= 0."""
    for name, v in values.items():
        if v < 0:
            problems.append(Problem(label, f"{name} must be >= 0, got {v:g}", r.index, fid))
            return False
    return True


def _stations(raws: list[_Raw], label: str, problems: list[Problem]) -> list[FireStation]:
    out = []
    for r in raws:
        if not _expect(r, label, ("Point", "Polygon", "MultiPolygon"), problems):
            continue
        fid = _fid(r.props) or f"fs{r.index}"
        pt = r.geometry if r.geometry.geom_type == "Point" else r.geometry.representative_point()
        try:
            trucks = integer(r.props, "trucks", 2)
            turnout = number(r.props, "turnout_s", 80.0)
        except PropError as e:
            problems.append(Problem(label, str(e), r.index, fid))
            continue
        if not _negatives(label, r, fid, problems, trucks=trucks, turnout_s=turnout):
            continue
        out.append(FireStation(fid, float(pt.x), float(pt.y), text(r.props, "name"), trucks, turnout))
    return out


def _zones(raws: list[_Raw], label: str, problems: list[Problem]) -> list[Zone]:
    out = []
    for r in raws:
        if not _expect(r, label, ("Polygon", "MultiPolygon"), problems):
            continue
        fid = _fid(r.props) or f"z{r.index}"
        try:
            prio = number(r.props, "priority", 1.0)
            rate = number(r.props, "fire_rate_per_year", 0.0)
        except PropError as e:
            problems.append(Problem(label, str(e), r.index, fid))
            continue
        if not _negatives(label, r, fid, problems, priority=prio, fire_rate_per_year=rate):
            continue
        g = r.geometry if r.geometry.is_valid else repair_polygon(r.geometry)
        if g is None:
            problems.append(Problem(label, "zone polygon is invalid and cannot be repaired", r.index, fid))
            continue
        out.append(Zone(fid, g, text(r.props, "landuse", "residential"), prio, rate, text(r.props, "name")))
    return out


# ---------------------------------------------------------------------------------------------
# city.yaml
# ---------------------------------------------------------------------------------------------
def _read_settings(path: Path) -> dict[str, Any]:
    p = path / "city.yaml" if path.is_dir() else path.with_name("city.yaml")
    if not p.exists():
        return {}
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise CityError(Problem("city.yaml", f"is not valid YAML: {e}")) from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise CityError(Problem("city.yaml", "must be a mapping of settings (name, origin, command_center, ...)"))
    return doc


def _section(doc: dict[str, Any], key: str, cls: type, problems: list[Problem]) -> Any:
    d = doc.get(key) or {}
    if not isinstance(d, dict):
        problems.append(Problem("city.yaml", f"{key} must be a mapping"))
        return cls()
    names = set(cls.__dataclass_fields__)
    unknown = set(d) - names
    if unknown:
        problems.append(Problem("city.yaml", f"{key}: unknown setting(s) {sorted(unknown)}; known: {sorted(names)}"))
        return cls()
    try:
        obj = cls(**d)
    except TypeError as e:
        problems.append(Problem("city.yaml", f"{key}: {e}"))
        return cls()
    for f, v in asdict(obj).items():
        if isinstance(v, int | float) and not isinstance(v, bool) and v < 0:
            problems.append(Problem("city.yaml", f"{key}.{f} must be >= 0, got {v}"))
    return obj


# ---------------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------------
def load(path: str | os.PathLike[str]) -> Twin:
    """Load and validate a city: a folder of layers (+ city.yaml) or one GeoPackage with named layers.

    Raises:
        CityError: listing every problem found (file, feature index and id, rule).
    """
    path = Path(path)
    if not path.exists():
        raise CityError(Problem(str(path), "does not exist"))
    settings = _read_settings(path)
    found = _find_layers(path)
    if not found:
        raise CityError(
            Problem(str(path), f"holds no city layer: expected one of {', '.join(f'{n}.geojson' for n in LAYERS)}")
        )
    raw_layers = {layer: _read_layer(*found[layer]) for layer in LAYERS if layer in found}
    labels = {layer: found[layer][2] for layer in found}

    problems: list[Problem] = []
    origin = settings.get("origin")
    if origin is not None:
        try:
            frame = LocalFrame(float(origin["lon"]), float(origin["lat"]))
        except (KeyError, TypeError, ValueError) as e:
            raise CityError(Problem("city.yaml", f"origin must be {{lon: DEG, lat: DEG}} in WGS84: {e}")) from None
    else:
        b = _wgs84_bounds(raw_layers)
        if b is None:
            raise CityError(Problem(str(path), "no layer holds a geometry, so the city has no place on Earth"))
        frame = LocalFrame((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
    for raws, crs in raw_layers.values():
        _to_local(raws, crs, frame)

    def get(layer: str) -> list[_Raw]:
        return raw_layers[layer][0] if layer in raw_layers else []

    buildings = _buildings(get("buildings"), labels.get("buildings", ""), problems)
    road_feats = _roads(get("roads"), labels.get("roads", ""), problems)
    cameras = _cameras(get("cameras"), labels.get("cameras", ""), problems)
    stations = _stations(get("fire_stations"), labels.get("fire_stations", ""), problems)
    zones = _zones(get("zones"), labels.get("zones", ""), problems)

    cc_doc = settings.get("command_center") or {}
    cc_problems: list[Problem] = []
    server_room = _section(cc_doc, "server_room", ServerRoom, cc_problems) if isinstance(cc_doc, dict) else ServerRoom()
    operators = _section(cc_doc, "operators", Operators, cc_problems) if isinstance(cc_doc, dict) else Operators()
    standards = _section(settings, "standards", Standards, cc_problems)
    problems += cc_problems

    twin = Twin(
        frame=frame,
        name=str(settings.get("name", path.stem)),
        buildings=buildings,
        roads=build_road_graph(road_feats),
        cameras=cameras,
        fire_stations=stations,
        zones=zones,
        standards=standards,
        source=str(path),
    )
    ext = settings.get("extent")
    if ext is not None:
        try:
            lon0, lat0, lon1, lat1 = (float(v) for v in ext)
            x0, y0 = frame.to_local(lon0, lat0)
            x1, y1 = frame.to_local(lon1, lat1)
            twin.extent = (float(x0), float(y0), float(x1), float(y1))
        except (TypeError, ValueError):
            problems.append(Problem("city.yaml", "extent must be [lon_min, lat_min, lon_max, lat_max]"))
    if isinstance(cc_doc, dict) and "lon" in cc_doc and "lat" in cc_doc:
        cx, cy = frame.to_local(float(cc_doc["lon"]), float(cc_doc["lat"]))
    else:
        b = twin.bounds()
        cx, cy = (b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0
    twin.command_center = CommandCenter(
        float(cx),
        float(cy),
        str(cc_doc.get("name", "Command Center")) if isinstance(cc_doc, dict) else "Command Center",
        server_room,
        operators,
    )
    problems += _check_cameras_inside(twin, labels.get("cameras", ""), get("cameras"))
    if problems:
        raise CityError(problems)
    return twin


def _check_cameras_inside(twin: Twin, label: str, raws: list[_Raw]) -> list[Problem]:
    if not twin.cameras:
        return []
    has_extent = twin.extent is not None
    xmin, ymin, xmax, ymax = twin.extent if has_extent else data_bounds(twin)
    if not has_extent and xmin == xmax == ymin == ymax == 0.0:
        return []  # a city of cameras only: nothing to be outside of
    m = 0.0 if has_extent else CAMERA_MARGIN_M
    index = {str(r.props.get("id")): r.index for r in raws}
    out = []
    for c in twin.cameras:
        if not (xmin - m <= c.x <= xmax + m and ymin - m <= c.y <= ymax + m):
            dx = max(xmin - c.x, c.x - xmax, 0.0)
            dy = max(ymin - c.y, c.y - ymax, 0.0)
            out.append(
                Problem(
                    label,
                    f"camera is outside the city: {math.hypot(dx, dy):.0f} m beyond its extent "
                    f"(buildings, roads and zones, plus {m:g} m)",
                    index.get(c.id),
                    c.id,
                )
            )
    return out


# ---------------------------------------------------------------------------------------------
# save
# ---------------------------------------------------------------------------------------------
def _ring_coords(coords: Any, frame: LocalFrame) -> list[list[float]]:
    a = np.asarray(coords)[:, :2]
    lon, lat = frame.to_wgs84(a[:, 0], a[:, 1])
    return np.round(np.column_stack([lon, lat]), _COORD_DECIMALS).tolist()


def _geom_json(g: Any, frame: LocalFrame) -> dict[str, Any]:
    t = g.geom_type
    if t == "Point":
        lon, lat = frame.to_wgs84(g.x, g.y)
        return {
            "type": "Point",
            "coordinates": [round(float(lon), _COORD_DECIMALS), round(float(lat), _COORD_DECIMALS)],
        }
    if t == "LineString":
        return {"type": "LineString", "coordinates": _ring_coords(g.coords, frame)}
    if t == "Polygon":
        rings = [g.exterior, *g.interiors]
        return {"type": "Polygon", "coordinates": [_ring_coords(r.coords, frame) for r in rings]}
    if t == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [[_ring_coords(r.coords, frame) for r in (p.exterior, *p.interiors)] for p in g.geoms],
        }
    raise ValueError(f"cannot write geometry {t}")


def _fc(features: list[tuple[Any, dict[str, Any]]], frame: LocalFrame) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": _geom_json(g, frame)} for g, props in features
        ],
    }


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != "" and v != [] and v != {}}


def load_cameras(path: str | os.PathLike[str], frame: LocalFrame) -> list[Camera]:
    """Cameras of one cameras layer file (GeoJSON or any GDAL format) in a city's local ``frame``.

    For a plan or a list of sites made outside the city folder (a planner's ``plan.geojson``).

    Raises:
        CityError: listing every broken camera (file, feature index and id, rule).
    """
    p = Path(path)
    if not p.is_file():
        raise CityError(Problem(str(p), "does not exist (expected a cameras layer, e.g. a GeoJSON file)"))
    raws, crs = _read_layer(p, None, p.name)
    _to_local(raws, crs, frame)
    problems: list[Problem] = []
    cams = _cameras(raws, p.name, problems)
    if problems:
        raise CityError(problems)
    return cams


def camera_properties(c: Camera) -> dict[str, Any]:
    """A camera's feature properties, as :func:`camera_from_properties` reads them back."""
    corr = None if c.correction.is_zero() else asdict(c.correction)
    return _clean(
        {
            "id": c.id,
            "name": c.name,
            "status": c.status,
            "camera:type": c.type,
            "camera:direction": c.heading_deg,
            "height": c.mount_height_m,
            "tilt_deg": c.tilt_deg,
            "hfov_deg": c.hfov_deg,
            "focal_mm": c.focal_mm,
            "sensor_width_mm": c.sensor_width_mm,
            "resolution": f"{c.width_px}x{c.height_px}",
            "fps": c.fps,
            "codec": c.codec,
            "bitrate_kbps": c.bitrate_kbps,
            "stream_main": c.stream_main,
            "stream_sub": c.stream_sub,
            "privacy_masks": [[list(p) for p in m] for m in c.privacy_masks],
            "presets": [_clean(asdict(p)) for p in c.presets],
            "k1": c.k1 or None,
            "k2": c.k2 or None,
            "pose_correction": corr,
            "cost": None if c.cost == 1.0 else c.cost,
            "ir_range_m": c.ir_range_m,
        }
    )


def json_safe(o: Any) -> Any:
    """A document JSON can hold: numpy scalars as plain numbers, NaN and infinities as null."""
    if isinstance(o, dict):
        return {str(k): json_safe(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [json_safe(v) for v in o]
    if isinstance(o, np.generic):
        o = o.item()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


def write_json(path: str | os.PathLike[str], doc: dict[str, Any]) -> None:
    """Write a report's JSON (indented, UTF-8) atomically: a reader never sees half a file."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _dump(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # never leave a half-written layer behind


def save(twin: Twin, path: str | os.PathLike[str]) -> None:
    """Write a city folder (GeoJSON layers in WGS84 + city.yaml) that :func:`load` reads back exactly."""
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    f = twin.frame
    _dump(
        out / "buildings.geojson",
        _fc(
            [
                (
                    b.footprint,
                    _clean(
                        {
                            "id": b.id,
                            "building": b.use,
                            "height": round(b.height_m, 3),
                            "building:levels": b.levels,
                            "name": b.name,
                        }
                    ),
                )
                for b in twin.buildings
            ],
            f,
        ),
    )
    roads = []
    if twin.roads is not None:
        done: set[str] = set()
        for _, _, d in twin.roads.edges(data=True):
            if d["road_id"] in done:
                continue
            done.add(d["road_id"])
            roads.append(
                (
                    d["geometry"],
                    _clean(
                        {
                            "id": d["road_id"],
                            "highway": d["highway"],
                            "maxspeed": round(d["speed_kph"], 3),
                            "oneway": "yes" if d["oneway"] else None,
                            "name": d["name"],
                        }
                    ),
                )
            )
    _dump(out / "roads.geojson", _fc(roads, f))
    _dump(out / "cameras.geojson", _fc([(shapely.Point(c.x, c.y), camera_properties(c)) for c in twin.cameras], f))
    _dump(
        out / "fire_stations.geojson",
        _fc(
            [
                (
                    shapely.Point(s.x, s.y),
                    _clean({"id": s.id, "name": s.name, "trucks": s.trucks, "turnout_s": s.turnout_s}),
                )
                for s in twin.fire_stations
            ],
            f,
        ),
    )
    _dump(
        out / "zones.geojson",
        _fc(
            [
                (
                    z.polygon,
                    _clean(
                        {
                            "id": z.id,
                            "name": z.name,
                            "landuse": z.landuse,
                            "priority": z.priority,
                            "fire_rate_per_year": z.fire_rate_per_year,
                        }
                    ),
                )
                for z in twin.zones
            ],
            f,
        ),
    )
    cc = twin.command_center
    lon, lat = f.to_wgs84(cc.x, cc.y)
    settings: dict[str, Any] = {
        "name": twin.name,
        "origin": {"lon": f.origin_lon, "lat": f.origin_lat},
        "command_center": {
            "name": cc.name,
            "lon": round(float(lon), _COORD_DECIMALS),
            "lat": round(float(lat), _COORD_DECIMALS),
            "server_room": asdict(cc.server_room),
            "operators": asdict(cc.operators),
        },
        "standards": asdict(twin.standards),
    }
    if twin.extent is not None:
        lo = f.to_wgs84(twin.extent[0], twin.extent[1])
        hi = f.to_wgs84(twin.extent[2], twin.extent[3])
        settings["extent"] = [round(float(v), _COORD_DECIMALS) for v in (*lo, *hi)]
    tmp = out / "city.yaml.tmp"
    tmp.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
    os.replace(tmp, out / "city.yaml")
