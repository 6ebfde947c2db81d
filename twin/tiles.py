"""A city cut into tiles for coverage on many processes: the tiles, their halo, one tile's answer, the merge.

The city's raster grid (:func:`twin.raster.city_grid`, the very grid an untiled run builds) is cut
into square *cores* of whole cells. Each tile is computed on a *window*: its core plus a halo of
``halo_m`` (the longest camera range at the weakest level, so every camera that sees a core cell and
every building between it and the cell lie in the window). A tile keeps only its core's cells, so
every cell is answered exactly once and the tiled answer equals the untiled one cell for cell.

This module is pure geometry and arithmetic: what runs where (Dask) is :mod:`sim.tiled`'s business.
One tile's answer (:class:`TileCoverage`) carries the cell triples of its core and the raw sums the
summary and the per-camera table are made of; :func:`merge_summary` adds them up into the same
``summary.json`` and :func:`merge_per_camera` into the same ``per_camera.csv`` as an untiled run.
"""

from __future__ import annotations

__all__ = [
    "TileCoverage",
    "TiledCellIndex",
    "TileSpec",
    "cameras_reaching",
    "cut_city",
    "load_kernels",
    "load_tiled_cells",
    "merge_blind_spots",
    "merge_per_camera",
    "merge_summary",
    "tile_coverage",
    "tile_specs",
]

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from ._errors import TwinError
from .coverage import CellIndex, camera_rows, compute_coverage, seen_by
from .raster import GridSpec, build_raster

if TYPE_CHECKING:
    from .model import Camera, Twin
    from .profiles import DoriProfile


@dataclass(frozen=True)
class TileSpec:
    """One tile: its index, its core and its window (core plus halo) as row/column ranges of the city grid."""

    row: int
    col: int
    core: tuple[int, int, int, int]  # r0, r1, c0, c1 (end exclusive)
    window: tuple[int, int, int, int]

    @property
    def id(self) -> str:
        """A file-name-safe id, ``t<row>_<col>``."""
        return f"t{self.row:03d}_{self.col:03d}"

    def core_grid(self, grid: GridSpec) -> GridSpec:
        """The core as a grid."""
        return grid.window(*self.core)

    def window_grid(self, grid: GridSpec) -> GridSpec:
        """The window as a grid."""
        return grid.window(*self.window)

    def core_box(self, grid: GridSpec) -> tuple[float, float, float, float]:
        """The core's (xmin, ymin, xmax, ymax)."""
        g = self.core_grid(grid)
        return (g.xmin, g.ymax - g.rows * g.res_m, g.xmin + g.cols * g.res_m, g.ymax)


def tile_specs(grid: GridSpec, *, tile_m: float, halo_m: float, step: int = 1) -> list[TileSpec]:
    """Cut ``grid`` into square cores of at most about ``tile_m`` (whole multiples of ``step`` cells), ``halo_m`` halo.

    The cores are as equal as whole cells allow: the longest side is split into as many tiles as
    ``tile_m`` asks (allowing 5% more), not into full tiles and a thin remainder.

    Raises:
        TwinError: a tile size or halo that is not a positive number / not >= 0.
    """
    if not (math.isfinite(tile_m) and tile_m > 0):
        raise TwinError(f"tile size must be > 0 m, got {tile_m!r}")
    if not (math.isfinite(halo_m) and halo_m >= 0):
        raise TwinError(f"tile halo must be >= 0 m, got {halo_m!r}")
    want = max(tile_m / grid.res_m, 1.0)
    # as many tiles a side as the longest side needs (a 5% longer tile rather than a sliver), all alike
    k = max(int(math.ceil(max(grid.rows, grid.cols) / (1.05 * want))), 1)
    n = int(math.ceil(max(grid.rows, grid.cols) / k / step)) * step
    h = int(math.ceil(halo_m / grid.res_m)) + 1
    out = []
    for ti, r0 in enumerate(range(0, grid.rows, n)):
        for tj, c0 in enumerate(range(0, grid.cols, n)):
            r1, c1 = min(r0 + n, grid.rows), min(c0 + n, grid.cols)
            win = (max(r0 - h, 0), min(r1 + h, grid.rows), max(c0 - h, 0), min(c1 + h, grid.cols))
            out.append(TileSpec(ti, tj, (r0, r1, c0, c1), win))
    return out


def cameras_reaching(grid: GridSpec, tile: TileSpec, xy: np.ndarray, reach_m: np.ndarray) -> np.ndarray:
    """Indices of the cameras at ``xy`` whose horizontal reach comes within ``reach_m`` of the tile's core."""
    x0, y0, x1, y1 = tile.core_box(grid)
    dx = np.maximum(np.maximum(x0 - xy[:, 0], xy[:, 0] - x1), 0.0)
    dy = np.maximum(np.maximum(y0 - xy[:, 1], xy[:, 1] - y1), 0.0)
    return np.flatnonzero(np.hypot(dx, dy) <= reach_m + grid.res_m)


def cut_city(twin: Twin, grid: GridSpec, tile: TileSpec, cameras: list[Camera], *, trees: dict | None = None) -> Twin:
    """The part of ``twin`` a tile's window needs: buildings, road edges and zones meeting it, and ``cameras``.

    Road lines are kept whole, so their street samples fall where the whole city's do. ``trees`` caches
    the spatial indexes between calls (pass the same dict for every tile of a city).
    """
    from .model import Twin

    trees = {} if trees is None else trees
    if "b" not in trees:
        trees["b"] = shapely.STRtree(twin.footprints)
        edges = list(twin.roads.edges(keys=True, data=True)) if twin.roads is not None else []
        trees["e"] = edges
        trees["r"] = shapely.STRtree([d["geometry"] for *_, d in edges])
        trees["z"] = shapely.STRtree([z.polygon for z in twin.zones])
    g = tile.window_grid(grid)
    box = shapely.box(g.xmin, g.ymax - g.rows * g.res_m, g.xmin + g.cols * g.res_m, g.ymax)
    bi = np.sort(trees["b"].query(box, predicate="intersects"))
    ei = np.sort(trees["r"].query(box, predicate="intersects"))
    zi = np.sort(trees["z"].query(box, predicate="intersects"))
    roads = None
    if twin.roads is not None:
        keep = [trees["e"][k][:3] for k in ei.tolist()]
        roads = twin.roads.edge_subgraph(keep).copy()
        # a road's other direction too, so road_edges() keeps the same road ids in the same order
        roads = twin.roads.edge_subgraph([e for e in twin.roads.edges(keys=True) if roads.has_edge(*e)]).copy()
    return Twin(
        frame=twin.frame,
        name=f"{twin.name} [{tile.id}]",
        buildings=[twin.buildings[k] for k in bi.tolist()],
        roads=roads,
        zones=[twin.zones[k] for k in zi.tolist()],
        cameras=list(cameras),
        standards=twin.standards,
        extent=twin.extent,
        source=twin.source,
    )


@dataclass
class TileCoverage:
    """One tile's coverage answer: its core's (cell, camera, level) triples and the raw sums to merge.

    ``cells`` are flat indices of the city grid and ``camera`` indices into the city's camera list.
    """

    tile: TileSpec
    cells: np.ndarray
    camera: np.ndarray
    level: np.ndarray
    sums: dict[str, Any] = field(default_factory=dict)
    thumb: np.ndarray | None = None
    polygons: list[Any] = field(default_factory=list)
    blind: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


def tile_coverage(
    part: Twin,
    grid: GridSpec,
    tile: TileSpec,
    camera_index: np.ndarray,
    *,
    profile: DoriProfile,
    target_height_m: float,
    night: bool = False,
    thumb_step: int = 1,
) -> TileCoverage:
    """Coverage of one tile: the window rasterised and computed, the core kept (see the module docstring).

    ``part`` is :func:`cut_city`'s piece with the cameras reaching the tile, ``camera_index`` their
    indices in the whole city's camera list.
    """
    import time

    from scipy import ndimage

    t0 = time.perf_counter()
    wg = tile.window_grid(grid)
    raster = build_raster(part, window=wg)
    res = compute_coverage(part, part.cameras, raster=raster, profile=profile, target_height_m=target_height_m,
                           night=night)
    r0, r1, c0, c1 = tile.core
    wr0, _, wc0, _ = tile.window
    sl = (slice(r0 - wr0, r1 - wr0), slice(c0 - wc0, c1 - wc0))
    wi, wj = np.divmod(res.cells, wg.cols)
    inside = (wi >= r0 - wr0) & (wi < r1 - wr0) & (wj >= c0 - wc0) & (wj < c1 - wc0)
    gi, gj = wi[inside] + wr0, wj[inside] + wc0
    cells = gi * grid.cols + gj
    cam_local = res.camera[inside]
    level = res.level[inside]
    best, count = res.best[sl], res.count[sl]
    public, building, prio = raster.public[sl], raster.building[sl], raster.priority[sl]
    n_lev = len(profile.levels)
    hist = np.bincount(best.ravel(), minlength=n_lev + 1)
    pb = best[public]
    pw = prio[public].astype(np.float64)
    si, sj = np.divmod(raster.street_cells, wg.cols)
    s_in = (si >= r0 - wr0) & (si < r1 - wr0) & (sj >= c0 - wc0) & (sj < c1 - wc0)
    s_lev = res.best[si[s_in], sj[s_in]]
    s_len = raster.street_len_m[s_in]
    # per camera, over the core: cells at each level, public cells, cells no other camera sees
    n_cam = len(part.cameras)
    li_, lj_ = gi - r0, gj - c0
    cam_hist = np.bincount(cam_local * (n_lev + 1) + level, minlength=n_cam * (n_lev + 1)).reshape(n_cam, n_lev + 1)
    cam_pub = np.bincount(cam_local[public[li_, lj_]], minlength=n_cam)
    cam_excl = np.bincount(cam_local[count[li_, lj_] == 1], minlength=n_cam)
    sums = {
        "hist": hist,
        "pub_hist": np.bincount(pb, minlength=n_lev + 1),
        "pw_hist": np.bincount(pb, weights=pw, minlength=n_lev + 1),
        "n_pub": int(public.sum()),
        "w_pub": float(pw.sum()),
        "street_hist": np.bincount(s_lev, weights=s_len, minlength=n_lev + 1),
        "street_len": float(s_len.sum()),
        "overlap": int((count >= 2).sum()),
        "overlap_pub": int((count[public] >= 2).sum()),
        "cam_index": np.asarray(camera_index, dtype=np.int64),
        "cam_hist": cam_hist,
        "cam_pub": cam_pub,
        "cam_excl": cam_excl,
    }
    cg = tile.core_grid(grid)
    polys = _level_polygons(best, n_lev, cg.xmin, cg.ymax, cg.res_m)
    st = max(int(thumb_step), 1)
    thumb = np.where(building[::st, ::st], -1, np.where(public[::st, ::st], 0, -2)).astype(np.int8)
    b_st = best[::st, ::st]
    thumb[b_st > 0] = b_st[b_st > 0]
    # blind spots: 8-connected pieces of unseen public space, with what their merge across tiles needs
    blind = public & (best == 0)
    lab, k = ndimage.label(blind, structure=np.ones((3, 3), dtype=bool))
    flat_lab = lab.ravel()
    ii, jj = np.divmod(np.arange(flat_lab.size), c1 - c0)
    on = flat_lab > 0
    gflat = (ii[on] + r0) * grid.cols + (jj[on] + c0)
    bl = {
        "size": np.bincount(flat_lab[on], minlength=k + 1)[1:],
        "sum_i": np.bincount(flat_lab[on], weights=ii[on] + r0, minlength=k + 1)[1:],
        "sum_j": np.bincount(flat_lab[on], weights=jj[on] + c0, minlength=k + 1)[1:],
        "first": np.full(k, np.iinfo(np.int64).max, dtype=np.int64),
        "top": lab[0].copy(),
        "bottom": lab[-1].copy(),
        "left": lab[:, 0].copy(),
        "right": lab[:, -1].copy(),
    }
    np.minimum.at(bl["first"], flat_lab[on] - 1, gflat)
    order = np.lexsort((level, cam_local, cells))
    return TileCoverage(
        tile=tile,
        cells=cells[order],
        camera=np.asarray(camera_index, dtype=np.int32)[cam_local[order]],
        level=level[order],
        sums=sums,
        thumb=thumb,
        polygons=polys,
        blind=bl,
        seconds=time.perf_counter() - t0,
    )


def _level_polygons(best: np.ndarray, n_lev: int, xmin: float, ymax: float, res: float) -> list:
    """:func:`twin.raster.level_polygons` of ``best == q`` for every level q, from one pass of row runs.

    The boxes of each level come in the same (row-major) order, so each union is the same geometry.
    """
    rows, cols = best.shape
    change = np.ones((rows, cols + 1), dtype=bool)
    change[:, 1:cols] = best[:, 1:] != best[:, :-1]
    ri, start = np.nonzero(change[:, :cols])
    flat_start = ri * (cols + 1) + start
    nxt = np.flatnonzero(change.ravel())
    # each run ends where the next change in its row is (the sentinel column closes the last one)
    end_flat = nxt[np.searchsorted(nxt, flat_start, side="right")]
    end = end_flat - ri * (cols + 1)
    vals = best[ri, start]
    out = []
    for q in range(1, n_lev + 1):
        m = vals == q
        if not m.any():
            out.append(shapely.MultiPolygon())
            continue
        boxes = shapely.box(xmin + start[m] * res, ymax - (ri[m] + 1) * res, xmin + end[m] * res, ymax - ri[m] * res)
        u = shapely.union_all(boxes)
        out.append(shapely.MultiPolygon([u]) if u.geom_type == "Polygon" else u)
    return out


def merge_blind_spots(tiles: list[TileCoverage], grid: GridSpec, n: int = 10) -> list[dict[str, Any]]:
    """The ``n`` largest blind spots of the whole city: tile pieces joined across tile borders (8-connected)."""
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(a: tuple[int, int]) -> tuple[int, int]:
        while parent.get(a, a) != a:
            parent[a] = parent.get(parent[a], parent[a])
            a = parent[a]
        return a

    def join(ta: int, la: np.ndarray, tb: int, lb: np.ndarray) -> None:
        m = (la > 0) & (lb > 0)
        for x, y in set(zip(la[m].tolist(), lb[m].tolist(), strict=True)):
            ra, rb = find((ta, x)), find((tb, y))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

    at = {(t.tile.row, t.tile.col): q for q, t in enumerate(tiles)}
    for q, t in enumerate(tiles):
        for side, mine, theirs in (((0, 1), "right", "left"), ((1, 0), "bottom", "top")):
            o = at.get((t.tile.row + side[0], t.tile.col + side[1]))
            if o is None:
                continue
            a, b = t.blind[mine], tiles[o].blind[theirs]
            for off in (-1, 0, 1):  # a cell touches the three cells beside it across the border
                lo, hi = max(0, -off), min(len(a), len(b) - off)
                join(q, a[lo:hi], o, b[lo + off : hi + off])
        o = at.get((t.tile.row + 1, t.tile.col + 1))  # corner to corner
        if o is not None:
            join(q, t.blind["bottom"][-1:], o, tiles[o].blind["top"][:1])
        o = at.get((t.tile.row + 1, t.tile.col - 1))
        if o is not None:
            join(q, t.blind["bottom"][:1], o, tiles[o].blind["top"][-1:])
    size: dict[tuple[int, int], float] = {}
    si: dict[tuple[int, int], float] = {}
    sj: dict[tuple[int, int], float] = {}
    first: dict[tuple[int, int], int] = {}
    for q, t in enumerate(tiles):
        b = t.blind
        for lab in range(len(b["size"])):
            r = find((q, lab + 1))
            size[r] = size.get(r, 0) + int(b["size"][lab])
            si[r] = si.get(r, 0.0) + float(b["sum_i"][lab])
            sj[r] = sj.get(r, 0.0) + float(b["sum_j"][lab])
            first[r] = min(first.get(r, np.iinfo(np.int64).max), int(b["first"][lab]))
    top = sorted(size, key=lambda r: (-size[r], first[r]))[:n]
    a = grid.res_m * grid.res_m
    out = []
    for r in top:
        ci, cj = si[r] / size[r], sj[r] / size[r]
        out.append(
            {
                "area_m2": round(float(size[r]) * a, 1),
                "x": round(grid.xmin + (cj + 0.5) * grid.res_m, 1),
                "y": round(grid.ymax - (ci + 0.5) * grid.res_m, 1),
            }
        )
    return out


def merge_summary(
    tiles: list[TileCoverage],
    grid: GridSpec,
    profile: DoriProfile,
    cameras: list[Camera],
    *,
    target_height_m: float,
    blind_spots: int = 10,
) -> dict[str, Any]:
    """The summary of the whole city from its tiles: :meth:`twin.coverage.CoverageResult.summary`'s keys and sums."""
    names = profile.names
    a = grid.res_m * grid.res_m

    def total(key: str) -> Any:
        return sum(t.sums[key] for t in tiles)

    hist = total("hist")
    at_least = np.cumsum(hist[::-1])[::-1]
    p_at = np.cumsum(total("pub_hist")[::-1])[::-1]
    pw_at = np.cumsum(total("pw_hist")[::-1])[::-1]
    s_at = np.cumsum(total("street_hist")[::-1])[::-1]
    n_pub_raw = total("n_pub")
    n_pub = max(n_pub_raw, 1)
    w_pub = max(total("w_pub"), 1e-12)
    status: dict[str, int] = {}
    for c in cameras:
        status[c.status] = status.get(c.status, 0) + 1
    return {
        "profile": profile.name,
        "levels_ppm": {n: v for n, v in profile.levels},
        "target_height_m": target_height_m,
        "raster": {"resolution_m": grid.res_m, "rows": grid.rows, "cols": grid.cols, "cells": grid.rows * grid.cols},
        "cameras": len(cameras),
        "cameras_by_status": status,
        "area_m2": {n: round(float(at_least[q + 1]) * a, 1) for q, n in enumerate(names)},
        "area_best_m2": {n: round(float(hist[q + 1]) * a, 1) for q, n in enumerate(names)},
        "public_area_m2": round(float(n_pub_raw) * a, 1),
        "public_share": {n: round(float(p_at[q + 1]) / n_pub, 5) for q, n in enumerate(names)},
        "public_share_priority_weighted": {n: round(float(pw_at[q + 1]) / w_pub, 5) for q, n in enumerate(names)},
        "street_length_m": round(float(total("street_len")), 1),
        "street_seen_m": {n: round(float(s_at[q + 1]), 1) for q, n in enumerate(names)},
        "overlap_area_m2": round(float(total("overlap")) * a, 1),
        "overlap_public_share": round(float(total("overlap_pub")) / n_pub, 5),
        "blind_spots": merge_blind_spots(tiles, grid, blind_spots),
    }


def merge_per_camera(tiles: list[TileCoverage], grid: GridSpec, profile: DoriProfile, cameras: list[Camera]) -> list:
    """Per camera rows of :meth:`twin.coverage.CoverageResult.per_camera`, summed over the tiles."""
    n_cam, n_lev = len(cameras), len(profile.levels)
    hist = np.zeros((n_cam, n_lev + 1), dtype=np.int64)
    pub = np.zeros(n_cam, dtype=np.int64)
    excl = np.zeros(n_cam, dtype=np.int64)
    for t in tiles:
        idx = t.sums["cam_index"]
        np.add.at(hist, idx, t.sums["cam_hist"])
        np.add.at(pub, idx, t.sums["cam_pub"])
        np.add.at(excl, idx, t.sums["cam_excl"])
    at_least = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1]
    return camera_rows(cameras, profile, at_least, pub, excl, grid.res_m * grid.res_m)


@dataclass
class TiledCellIndex:
    """The per-cell answer of a tiled run (``cells/`` of one ``.npz`` per tile): which cameras see a spot."""

    root: Path
    grid: GridSpec
    tiles: list[dict[str, Any]]
    camera_ids: list[str]
    level_names: list[str]

    def at(self, x: float, y: float) -> list[tuple[str, str]]:
        """[(camera id, level name)] seeing the point, best level first."""
        g = self.grid
        j = math.floor((x - g.xmin) / g.res_m)
        i = math.floor((g.ymax - y) / g.res_m)
        for t in self.tiles:
            r0, r1, c0, c1 = t["core"]
            if r0 <= i < r1 and c0 <= j < c1:
                with np.load(self.root / t["file"]) as z:
                    flat = z["row"].astype(np.int64) * g.cols + z["col"]
                    m = flat == i * g.cols + j
                    return seen_by(z["level"][m], z["camera"][m], self.camera_ids, self.level_names)
        return []

    def as_index(self) -> CellIndex:
        """All tiles in one :class:`twin.coverage.CellIndex` (for cities that fit in memory)."""
        flats, cams, levs = [], [], []
        for t in self.tiles:
            with np.load(self.root / t["file"]) as z:
                flats.append(z["row"].astype(np.int64) * self.grid.cols + z["col"])
                cams.append(z["camera"])
                levs.append(z["level"])
        flat = np.concatenate(flats)
        order = np.argsort(flat, kind="stable")
        return CellIndex(self.grid.xmin, self.grid.ymax, self.grid.res_m, self.grid.cols, flat[order],
                         np.concatenate(cams)[order], np.concatenate(levs)[order], self.camera_ids, self.level_names)


def write_tile_cells(root: Path, t: TileCoverage, grid: GridSpec) -> dict[str, Any]:
    """Write one tile's triples as ``root/<tile id>.npz`` (rows and columns of the city grid)."""
    root.mkdir(parents=True, exist_ok=True)
    name = f"{t.tile.id}.npz"
    np.savez_compressed(
        root / name,
        row=(t.cells // grid.cols).astype(np.int32),
        col=(t.cells % grid.cols).astype(np.int32),
        camera=t.camera.astype(np.int32),
        level=t.level.astype(np.int8),
    )
    return {"id": t.tile.id, "core": list(t.tile.core), "file": name, "triples": int(len(t.cells))}


def write_cells_index(root: Path, grid: GridSpec, tiles: list[dict[str, Any]], camera_ids: list[str],
                      level_names: tuple[str, ...]) -> None:
    """Write ``root/index.json``: the grid, the tiles' cores and files, the camera ids and level names."""
    doc = {
        "grid": {"xmin": grid.xmin, "ymax": grid.ymax, "res_m": grid.res_m, "rows": grid.rows, "cols": grid.cols},
        "tiles": tiles,
        "camera_ids": camera_ids,
        "level_names": list(level_names),
    }
    (root / "index.json").write_text(json.dumps(doc), encoding="utf-8")


def load_tiled_cells(root: str | Path) -> TiledCellIndex:
    """Read a tiled run's ``cells/`` folder (see :func:`write_cells_index`).

    Raises:
        TwinError: the folder has no readable ``index.json``.
    """
    root = Path(root)
    try:
        doc = json.loads((root / "index.json").read_text(encoding="utf-8"))
        g = doc["grid"]
        grid = GridSpec(float(g["xmin"]), float(g["ymax"]), float(g["res_m"]), int(g["rows"]), int(g["cols"]))
    except (OSError, ValueError, KeyError) as e:
        raise TwinError(f"{root}: not a tiled cell lookup (index.json unreadable: {e})") from None
    return TiledCellIndex(root, grid, doc["tiles"], list(doc["camera_ids"]), list(doc["level_names"]))


def load_kernels() -> float:
    """Run each compiled kernel once on a tiny input (numba loads its cache then); seconds taken.

    A worker calls it before its first tile so that no tile's time includes the load.
    """
    import time

    from . import _rasterize, _visibility

    t0 = time.perf_counter()
    d = np.zeros((8, 8), dtype=np.float32)
    p = np.zeros((1, 19))
    p[0, :3] = (4.0, 4.0, 6.0)
    p[0, 3:6] = (0.0, 1.0, 0.0)
    p[0, 6:9] = (1.0, 0.0, 0.0)
    p[0, 9:12] = (0.0, 0.0, 1.0)
    p[0, 12:19] = (1.0, 0.5625, 0.0, 960.0, 3.0, 0.0, 6.3)
    tz = d + np.float32(1.6)
    _visibility.poses_levels(d, tz, 0.0, 8.0, 1.0, p, np.array([12.5]))
    _visibility.visible_sector(d, tz, 0.0, 8.0, 1.0, 4.0, 4.0, 6.0, 3.0, 0.0, 7.0)
    _visibility.aggregate(np.zeros(1, np.int64), np.ones(1, np.int8), 4)
    _rasterize.burn([shapely.box(1, 1, 3, 3)], np.ones(1), d, 0.0, 8.0, 1.0, how="max")
    return time.perf_counter() - t0
