"""CityJSON (1.0, 1.1, 2.0, and CityJSONSeq ``.city.jsonl``): buildings with footprints and heights from the geometry.

Each top-level ``Building`` (with its ``BuildingPart`` children) becomes one building:

- geometry: of each object, the geometry of the highest LoD (``"2.2"`` over ``"1.2"`` over ``"0"``);
  vertices are integers scaled and translated by the file's ``transform`` (1.1 and 2.0), or real
  coordinates (1.0 without a transform);
- footprint: the union of the surfaces marked ``GroundSurface`` when the geometry has semantics,
  else of every surface that is not vertical, projected on the ground plane (walls add nothing);
- height: ``measuredHeight`` when the building has a positive one; else, for closed solids, the
  volume divided by the footprint area (the prism of the same volume: for LoD1 blocks that is top
  minus ground exactly, for an LoD2 gable roof it is eaves plus half the roof), else top minus ground;
  a flat LoD0 footprint gets ``storeysAboveGround`` x 3 m or the default height, as any other source;
- CRS: ``metadata.referenceSystem`` (``https://www.opengis.net/def/crs/EPSG/0/7415`` or the 1.0 URN
  form); its horizontal part is used, the heights are the file's own.

Other city objects (roads, terrain, water, vegetation, bridges, ...) are counted and left out, each
under its type; geometry templates (``GeometryInstance``) are not read. What cannot be read at all
(not JSON, not CityJSON, an unknown version, a vertex index past the end) is one error naming the file.
"""

from __future__ import annotations

__all__ = ["is_cityjson", "read_cityjson"]

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from .._errors import TwinError
from ..osm import RawFeature
from ._ledger import LayerAccount, TrackedRaw
from ._source import to_wgs84

VERSIONS = ("1.0", "1.1", "2.0")
#: Ring depth of each geometry type's ``boundaries`` (surface -> ring -> vertex indices).
_DEPTH = {"MultiSurface": 2, "CompositeSurface": 2, "Solid": 3, "MultiSolid": 4, "CompositeSolid": 4}
_SOLIDS = ("Solid", "MultiSolid", "CompositeSolid")
#: City object types that are parts of a building's shell (their geometry joins the building's).
_PARTS = ("Building", "BuildingPart")
_EPSG_RE = re.compile(r"EPSG(?:/\d+/|::?|:)(\d+)", re.IGNORECASE)
#: A surface whose normal's vertical share is below this is a wall (seen edge-on from above).
_WALL_NZ = 1e-3


def is_cityjson(path: Path) -> bool:
    """True for ``.city.json``/``.city.jsonl`` files and ``.json`` files whose start says ``"CityJSON"``."""
    name = path.name.lower()
    if name.endswith((".city.json", ".city.jsonl", ".jsonl")) and not name.endswith(".geojsonl"):
        return True
    if path.suffix.lower() != ".json":
        return False
    with open(path, "rb") as fh:
        head = fh.read(4096)
    return b'"CityJSON"' in head


def _crs(doc: dict[str, Any], name: str, given: str | None) -> CRS:
    ref = (doc.get("metadata") or {}).get("referenceSystem")
    if isinstance(ref, dict):  # a few writers nest it
        ref = ref.get("name") or ref.get("href")
    if not ref:
        if given is None:
            raise TwinError(f"{name}: has no metadata.referenceSystem: give its CRS, e.g. --crs EPSG:7415")
        ref = given
    m = _EPSG_RE.search(str(ref))
    try:
        return CRS.from_epsg(int(m.group(1))) if m else CRS.from_user_input(str(ref))
    except CRSError:
        raise TwinError(f"{name}: metadata.referenceSystem {ref!r} is not a CRS pyproj knows") from None


def _load(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The CityJSON header and its city objects' documents (one for a file, one per line for a sequence)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise TwinError(f"{name}: is not UTF-8 text: {e}") from None
    lines = [ln for ln in text.splitlines() if ln.strip()]
    try:
        if name.lower().endswith("l") and len(lines) > 1:
            docs = [json.loads(ln) for ln in lines]
        else:
            docs = [json.loads(text)]
    except json.JSONDecodeError as e:
        raise TwinError(f"{name}: is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    head = docs[0]
    if not isinstance(head, dict) or head.get("type") != "CityJSON":
        kind = head.get("type") if isinstance(head, dict) else None
        raise TwinError(f'{name}: is not CityJSON (its "type" is {kind!r}, not "CityJSON")')
    version = str(head.get("version", ""))
    if version not in VERSIONS:
        raise TwinError(f"{name}: CityJSON version {version!r} is not read (versions read: {', '.join(VERSIONS)})")
    for k, d in enumerate(docs[1:], start=2):
        if not isinstance(d, dict) or d.get("type") != "CityJSONFeature":
            raise TwinError(f"{name} line {k}: is not a CityJSONFeature")
    return head, (docs[1:] if len(docs) > 1 else [head])


def _transform(head: dict[str, Any], name: str) -> tuple[np.ndarray, np.ndarray]:
    tr = head.get("transform")
    if tr is None:
        if head.get("version") != "1.0":
            raise TwinError(f"{name}: CityJSON {head.get('version')} needs a transform (scale and translate)")
        return np.ones(3), np.zeros(3)
    try:
        scale = np.asarray(tr["scale"], dtype=float).reshape(3)
        translate = np.asarray(tr["translate"], dtype=float).reshape(3)
    except (KeyError, TypeError, ValueError):
        raise TwinError(f"{name}: transform must hold scale [sx, sy, sz] and translate [tx, ty, tz]") from None
    return scale, translate


def _vertices(doc: dict[str, Any], scale: np.ndarray, translate: np.ndarray, name: str) -> np.ndarray:
    try:
        v = np.asarray(doc.get("vertices", []), dtype=float)
    except (TypeError, ValueError):
        raise TwinError(f"{name}: vertices must be a list of [x, y, z] numbers") from None
    if v.size == 0:
        return np.zeros((0, 3))
    if v.ndim != 2 or v.shape[1] != 3:
        raise TwinError(f"{name}: vertices must be a list of [x, y, z], got shape {list(v.shape)}")
    return v * scale + translate


def _rings(bounds: Any, depth: int, sem: Any, name: str, oid: str) -> list[tuple[list[list[int]], Any]]:
    """The surfaces of a boundary array as (rings of vertex indices, semantic value) pairs."""
    if depth == 2:
        out = []
        for k, surface in enumerate(bounds):
            if not isinstance(surface, list) or not all(isinstance(r, list) for r in surface):
                raise TwinError(f"{name}: CityObject {oid!r}: a surface must be a list of rings of vertex indices")
            out.append((surface, sem[k] if isinstance(sem, list) and k < len(sem) else None))
        return out
    out = []
    for k, b in enumerate(bounds):
        out += _rings(b, depth - 1, sem[k] if isinstance(sem, list) and k < len(sem) else None, name, oid)
    return out


def _lod(g: dict[str, Any]) -> float:
    try:
        return float(g.get("lod", 0))
    except (TypeError, ValueError):
        return 0.0


def _shape(
    obj: dict[str, Any], verts: np.ndarray, name: str, oid: str, acc: LayerAccount
) -> tuple[list[Any], float, float, float, bool] | None:
    """One object's footprint pieces (local CRS), volume, zmin, zmax and whether it was a closed solid."""
    geoms = [g for g in obj.get("geometry") or [] if isinstance(g, dict)]
    if any(g.get("type") == "GeometryInstance" for g in geoms):
        acc.note("GeometryInstance (template) not read")
    geoms = [g for g in geoms if g.get("type") in _DEPTH]
    if not geoms:
        return None
    g = max(geoms, key=_lod)
    acc.note(f"LoD {g.get('lod')} {g['type']}")
    sem = g.get("semantics") or {}
    kinds = [s.get("type") for s in sem.get("surfaces", []) if isinstance(s, dict)]
    surfaces = _rings(g.get("boundaries") or [], _DEPTH[g["type"]], sem.get("values"), name, oid)
    n = len(verts)
    ground, flat = [], []
    volume = 0.0
    zs = []
    ref = None
    for rings, sv in surfaces:
        area_vec = np.zeros(3)
        polys = []
        for ring in rings:
            idx = np.asarray(ring, dtype=np.int64)
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                bad = int(idx[(idx < 0) | (idx >= n)][0])
                raise TwinError(f"{name}: CityObject {oid!r}: vertex index {bad} is out of range ({n} vertices)")
            p = verts[idx]
            if len(p) < 3:
                continue
            if ref is None:
                ref = p[0]
            q = p - ref
            area_vec += 0.5 * np.cross(q, np.roll(q, -1, axis=0)).sum(axis=0)
            polys.append(p)
            zs.append(p[:, 2])
        if not polys:
            continue
        volume += float(np.dot(polys[0][0] - ref, area_vec)) / 3.0
        norm = float(np.linalg.norm(area_vec))
        if norm == 0.0 or abs(area_vec[2]) / norm < _WALL_NZ:
            continue
        poly = shapely.Polygon(polys[0][:, :2], [h[:, :2] for h in polys[1:]])
        if not poly.is_valid:
            poly = shapely.make_valid(poly)
        kind = kinds[sv] if isinstance(sv, int) and 0 <= sv < len(kinds) else None
        (ground if kind == "GroundSurface" else flat).append(poly)
    if not zs:
        return None
    z = np.concatenate(zs)
    return (ground or flat), abs(volume), float(z.min()), float(z.max()), g["type"] in _SOLIDS


def _positive(v: Any) -> float | None:
    if isinstance(v, dict):  # CityJSON 2.0 allows {"value": 12.3, "uom": "m"}
        v = v.get("value")
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and f > 0 else None


def read_cityjson(path: Path, index: int, raw: TrackedRaw, *, crs: str | None = None) -> list[LayerAccount]:
    """Hand on the buildings of a CityJSON file to ``raw``; the account counts every top-level city object."""
    name = path.name
    head, docs = _load(path)
    scale, translate = _transform(head, name)
    src_crs = _crs(head, name, crs)
    objects: list[tuple[str, dict[str, Any], dict[str, Any], np.ndarray]] = []
    for d in docs:
        verts = _vertices(d, scale, translate, name)
        cos = d.get("CityObjects")
        if not isinstance(cos, dict):
            raise TwinError(f"{name}: CityObjects must be a mapping of id -> city object")
        for oid, obj in cos.items():
            if isinstance(obj, dict) and not obj.get("parents"):
                objects.append((str(oid), obj, cos, verts))
    acc = LayerAccount(
        label=name, file=name, layer="CityObjects", format=f"cityjson {head.get('version')}", crs=src_crs.to_string(),
        features=len(objects), schema="cityjson",
    )
    types: dict[str, int] = {}
    pieces_all, meta = [], []
    for row, (oid, obj, cos, verts) in enumerate(objects):
        otype = str(obj.get("type"))
        types[otype] = types.get(otype, 0) + 1
        if otype != "Building":
            acc.leave_out(row, f"CityObject type {otype} is not imported")
            continue
        parts = [obj] + [cos[c] for c in _descendants(obj, cos) if cos[c].get("type") in _PARTS]
        pieces, volume, zmin, zmax, closed = [], 0.0, math.inf, -math.inf, False
        for part in parts:
            s = _shape(part, verts, name, oid, acc)
            if s is None:
                continue
            pieces += s[0]
            zmin, zmax = min(zmin, s[2]), max(zmax, s[3])
            if s[4]:
                # only solids hold a volume; a part's flat LoD0 outline (3DBAG puts one on the parent)
                # adds to the footprint, not to the volume
                volume += s[1]
                closed = True
        if not pieces:
            acc.leave_out(row, "building without a geometry that has a footprint")
            continue
        attrs = obj.get("attributes") or {}
        pieces_all.append(shapely.union_all(pieces))
        meta.append((row, oid, attrs, volume, zmin, zmax, closed))
    acc.geometry = types
    if not pieces_all:
        return [acc]
    wgs = to_wgs84(np.array(pieces_all, dtype=object), src_crs)
    for fp_local, fp, (row, oid, attrs, volume, zmin, zmax, closed) in zip(pieces_all, wgs, meta, strict=True):
        measured = _positive(attrs.get("measuredHeight"))
        area = float(fp_local.area)
        if measured is not None:
            h, how = measured, "measuredHeight"
        elif closed and area > 0 and volume > 0:
            h, how = volume / area, "geometry: volume / footprint area"
        else:
            h, how = zmax - zmin, "geometry: top - ground"
        tags = {"building": str(attrs.get("function") or attrs.get("type") or "yes")}
        if h > 0:
            tags["height"] = repr(round(h, 4))
            acc.note(f"height from {how}")
        else:
            # an LoD0 footprint: flat; storeysAboveGround or the default height, as for any other source
            acc.note("flat geometry (LoD0) without measuredHeight: levels or the default height")
        if attrs.get("name"):
            tags["name"] = str(attrs["name"])
        levels = _positive(attrs.get("storeysAboveGround"))
        if levels is not None:
            tags["building:levels"] = repr(levels)
        raw.buildings.append(RawFeature(oid, fp, tags, {"src": (index, row), "ground_z_m": zmin}))
    acc.read_as = ["buildings"]
    return [acc]


def _descendants(obj: dict[str, Any], cos: dict[str, Any]) -> list[str]:
    out, todo = [], list(obj.get("children") or [])
    while todo:
        c = todo.pop()
        if c in cos and c not in out:
            out.append(c)
            todo += list(cos[c].get("children") or [])
    return out
