"""What the cameras really see, and at which DORI level: coverage with occlusion and pixel density.

The model (docs/coverage.md states it in full): a target point at ground + ``target_height_m`` in
the centre of a raster cell is seen by a camera pose when

(a) it projects inside the image of the pose's lens (:mod:`twin.optics`: a pinhole with the pose's
    heading, tilt, roll, horizontal FOV and the resolution's aspect ratio; a lens of 180 degrees or
    more, a 360-degree dome among them, is a fisheye that sees the hemisphere below the lens);
(b) the straight segment from the lens to it passes no building (prisms of their height on the
    :class:`~twin.raster.HeightRaster`); and
(c) its pixel density (:func:`twin.optics.focal_px` over the slant distance ``d``; a pinhole's
    ``width_px / (2 d tan(hfov / 2))``) reaches the level.

A PTZ camera with presets sees the union of its presets (each cell at the best level a preset
gives); without presets it is a fixed camera at its home pose. Cells inside buildings hold no
target. Every camera's work is limited to the sector of its frustum within its range.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_TARGET_HEIGHT_M",
    "CellIndex",
    "CoverageResult",
    "Pose",
    "camera_poses",
    "compute_coverage",
    "load_cells",
    "viewshed",
]

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import optics
from ._errors import TwinError
from .optics import Pose, camera_poses
from .profiles import DoriProfile, dori_profile
from .raster import HeightRaster, build_raster
from .selection import select_cameras

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .model import Camera, Twin

#: Height of the target above the ground, metres: a person's face (REFERENCE.md).
DEFAULT_TARGET_HEIGHT_M = 1.6


def target_heights(raster: HeightRaster, target_height_m: float) -> np.ndarray:
    """Target height per cell: ground + ``target_height_m`` on open ground, NaN inside buildings.

    Kept with the raster for the last target height asked: a raster from :func:`~twin.raster.build_raster`
    is read-only, so the building cells it is made from cannot change under it; the array is read-only too.
    """
    cache = raster.__dict__.setdefault("_tz_cache", {})
    key = float(target_height_m)
    if key not in cache:
        tz = np.full(raster.shape, np.float32(target_height_m), dtype=np.float32)
        tz[raster.building] = np.nan
        tz.flags.writeable = False
        cache.clear()
        cache[key] = tz
    return cache[key]


def pose_params(poses: list[Pose], ppm_min: float, max_slant_m: np.ndarray | None = None) -> np.ndarray:
    """The (n, 19) parameter table the compiled kernel reads (see :func:`twin._visibility.poses_levels`).

    Orientation, frustum sector and range are computed for all poses at once.
    """
    n = len(poses)
    out = np.zeros((n, 19), dtype=np.float64)
    if n == 0:
        return out
    a = np.array(
        [(p.x, p.y, p.z, p.heading_deg, p.tilt_deg, p.roll_deg, p.hfov_deg, p.width_px, p.height_px) for p in poses],
        dtype=np.float64,
    )
    f, right, up = optics.axes(a[:, 3], a[:, 4], a[:, 5])
    th, tv = optics.tan_half(a[:, 6], a[:, 7], a[:, 8])
    fish = np.asarray(optics.is_fisheye(a[:, 6]))
    focal = optics.focal_px(a[:, 6], a[:, 7], a[:, 8])
    rng = optics.range_m(focal, ppm_min)
    if max_slant_m is not None:
        rng = np.minimum(rng, max_slant_m)
    # the frustum's azimuths: all round when the nadir or zenith is inside it, else the hull of its edges
    full = fish.copy()
    for vert in (-1.0, 1.0):
        cf, crr, cu = vert * f[:, 2], vert * right[:, 2], vert * up[:, 2]
        full |= (cf > 0) & (np.abs(crr) <= cf * th) & (np.abs(cu) <= cf * tv)
    az_f = np.arctan2(f[:, 0], f[:, 1])
    rel = []
    for sa in (-1.0, 1.0):
        for sb in (-1.0, 1.0):
            d = f + (sa * th)[:, None] * right + (sb * tv)[:, None] * up
            rel.append((np.arctan2(d[:, 0], d[:, 1]) - az_f + np.pi) % (2 * np.pi) - np.pi)
    rel_a = np.column_stack(rel)
    lo, hi = rel_a.min(axis=1), rel_a.max(axis=1)
    full |= (hi - lo) >= np.pi
    out[:, 0:3] = a[:, 0:3]
    out[:, 3:6] = f
    out[:, 6:9] = right
    out[:, 9:12] = up
    out[:, 12] = th
    out[:, 13] = tv
    out[:, 14] = fish
    out[:, 15] = focal
    out[:, 16] = rng
    out[:, 17] = np.where(full, 0.0, az_f + lo)
    out[:, 18] = np.where(full, 2 * np.pi, hi - lo)
    return out


def pose_levels(
    pose: Pose,
    raster: HeightRaster,
    tz: np.ndarray,
    thresholds: np.ndarray,
    *,
    max_slant_m: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cells one pose sees (flat index) and the level each reaches (1 = weakest level of the profile)."""
    from ._visibility import poses_levels

    ms = None if max_slant_m is None else np.array([max_slant_m])
    params = pose_params([pose], float(thresholds[0]), ms)
    _, cells, lev = poses_levels(raster.dsm, tz, raster.xmin, raster.ymax, raster.res_m, params, thresholds)
    return cells, lev


def seen_by(level: np.ndarray, camera: np.ndarray, camera_ids: Sequence[str],
            level_names: Sequence[str]) -> list[tuple[str, str]]:
    """The (level, camera index) pairs of one cell as [(camera id, level name)], best level first."""
    pairs = sorted(zip(level.tolist(), camera.tolist(), strict=True), key=lambda p: (-p[0], p[1]))
    return [(camera_ids[c], level_names[lv - 1]) for lv, c in pairs]


def camera_rows(cameras: list[Camera], profile: DoriProfile, at_least: np.ndarray, public: np.ndarray,
                exclusive: np.ndarray, cell_area_m2: float) -> list[dict[str, Any]]:
    """The per-camera rows of :meth:`CoverageResult.per_camera` from per-camera cell counts.

    ``at_least[k, q]``: cells camera ``k`` sees at level ``q`` or better (column 0 unused);
    ``public``/``exclusive``: its public cells and the cells no other camera sees.
    """
    a = cell_area_m2
    thr0 = profile.levels[0][1]
    rows = []
    for k, c in enumerate(cameras):
        row: dict[str, Any] = {
            "id": c.id,
            "status": c.status,
            "type": c.type,
            "poses": len(camera_poses(c)),
            "range_m": round(optics.camera_range_m(c, thr0), 2),
        }
        for q, name in enumerate(profile.names):
            row[f"area_m2_{name}"] = round(float(at_least[k, q + 1]) * a, 2)
        row["public_area_m2"] = round(float(public[k]) * a, 2)
        row["exclusive_area_m2"] = round(float(exclusive[k]) * a, 2)
        rows.append(row)
    return rows


@dataclass
class CoverageResult:
    """Coverage of a set of cameras: per cell, which cameras see it and at which level.

    ``cells``, ``camera``, ``level`` are parallel arrays of (flat cell index, camera index into
    ``cameras``, level 1..L) triples, one per camera that sees a cell; ``best`` is each cell's best
    level (0 unseen) and ``count`` how many cameras see it at any level.
    """

    raster: HeightRaster
    profile: DoriProfile
    cameras: list[Camera]
    cells: np.ndarray
    camera: np.ndarray
    level: np.ndarray
    best: np.ndarray
    count: np.ndarray
    target_height_m: float
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def level_names(self) -> tuple[str, ...]:
        """Level names, weakest first (level 1 is the first)."""
        return self.profile.names

    def level_index(self, name: str) -> int:
        """1-based index of a level name (case-insensitive); TwinError if the profile has none such."""
        return self.profile.level_index(name)

    def cameras_at(self, x: float, y: float) -> list[tuple[str, str]]:
        """Which cameras see the point (x, y) and at which level: [(camera id, level name)], best first."""
        i, j = self.raster.cell_of(x, y)
        if not self.raster.inside(i, j):
            return []
        flat = int(i) * self.raster.shape[1] + int(j)
        m = self.cells == flat
        return seen_by(self.level[m], self.camera[m], [c.id for c in self.cameras], self.level_names)

    # ---- metrics -------------------------------------------------------------------------------
    def per_camera(self) -> list[dict[str, Any]]:
        """Per camera: area seen at each level (this camera alone), public area, area no other camera sees."""
        n_cam, n_lev = len(self.cameras), len(self.level_names)
        a = self.raster.cell_area_m2
        hist = np.bincount(self.camera * (n_lev + 1) + self.level, minlength=n_cam * (n_lev + 1))
        at_least = np.cumsum(hist.reshape(n_cam, n_lev + 1)[:, ::-1], axis=1)[:, ::-1]
        pub = self.raster.public.ravel()[self.cells]
        phist = np.bincount(self.camera[pub], minlength=n_cam)
        only = self.count.ravel()[self.cells] == 1
        ohist = np.bincount(self.camera[only], minlength=n_cam)
        return camera_rows(self.cameras, self.profile, at_least, phist, ohist, a)

    def blind_spots(self, n: int = 10) -> list[dict[str, Any]]:
        """The ``n`` largest connected pieces of public space no camera sees (8-connected)."""
        from scipy import ndimage

        blind = self.raster.public & (self.best == 0)
        lab, k = ndimage.label(blind, structure=np.ones((3, 3), dtype=bool))
        if k == 0:
            return []
        sizes = np.bincount(lab.ravel())[1:]
        top = np.argsort(-sizes, kind="stable")[:n] + 1
        com = ndimage.center_of_mass(blind, lab, top)
        out = []
        r = self.raster
        for lab_id, (ci, cj) in zip(top.tolist(), com, strict=True):
            x = r.xmin + (cj + 0.5) * r.res_m
            y = r.ymax - (ci + 0.5) * r.res_m
            out.append(
                {"area_m2": round(float(sizes[lab_id - 1]) * r.cell_area_m2, 1), "x": round(x, 1), "y": round(y, 1)}
            )
        return out

    def summary(self, *, blind_spots: int = 10) -> dict[str, Any]:
        """The metrics of the issue, JSON-ready (keys documented in docs/coverage.md and the README)."""
        r = self.raster
        a = r.cell_area_m2
        names = self.level_names
        best = self.best
        hist = np.bincount(best.ravel(), minlength=len(names) + 1)
        at_least = np.cumsum(hist[::-1])[::-1]
        pub = r.public
        pb = best[pub]
        pw = r.priority[pub].astype(np.float64)
        phist = np.bincount(pb, minlength=len(names) + 1)
        pwhist = np.bincount(pb, weights=pw, minlength=len(names) + 1)
        p_at = np.cumsum(phist[::-1])[::-1]
        pw_at = np.cumsum(pwhist[::-1])[::-1]
        n_pub = max(int(pub.sum()), 1)
        w_pub = max(float(pw.sum()), 1e-12)
        sl = best.ravel()[r.street_cells]
        s_hist = np.bincount(sl, weights=r.street_len_m, minlength=len(names) + 1)
        s_at = np.cumsum(s_hist[::-1])[::-1]
        cnt = self.count
        status: dict[str, int] = {}
        for c in self.cameras:
            status[c.status] = status.get(c.status, 0) + 1
        return {
            "profile": self.profile.name,
            "levels_ppm": {n: v for n, v in self.profile.levels},
            "target_height_m": self.target_height_m,
            "raster": {"resolution_m": r.res_m, "rows": r.shape[0], "cols": r.shape[1], "cells": r.cells},
            "cameras": len(self.cameras),
            "cameras_by_status": status,
            "area_m2": {n: round(float(at_least[q + 1]) * a, 1) for q, n in enumerate(names)},
            "area_best_m2": {n: round(float(hist[q + 1]) * a, 1) for q, n in enumerate(names)},
            "public_area_m2": round(float(pub.sum()) * a, 1),
            "public_share": {n: round(float(p_at[q + 1]) / n_pub, 5) for q, n in enumerate(names)},
            "public_share_priority_weighted": {n: round(float(pw_at[q + 1]) / w_pub, 5) for q, n in enumerate(names)},
            "street_length_m": round(float(r.street_len_m.sum()), 1),
            "street_seen_m": {n: round(float(s_at[q + 1]), 1) for q, n in enumerate(names)},
            "overlap_area_m2": round(float((cnt >= 2).sum()) * a, 1),
            "overlap_public_share": round(float((cnt[pub] >= 2).sum()) / n_pub, 5),
            "blind_spots": self.blind_spots(blind_spots),
            "timings_s": {k: round(v, 4) for k, v in self.timings_s.items()},
        }

    def save_cells(self, path: str) -> None:
        """Write the per-cell answer (cell, camera, level triples, the grid and camera ids) to a .npz."""
        r = self.raster
        np.savez_compressed(
            path,
            row=(self.cells // r.shape[1]).astype(np.int32),
            col=(self.cells % r.shape[1]).astype(np.int32),
            camera=self.camera.astype(np.int32),
            level=self.level.astype(np.int8),
            camera_ids=np.array([c.id for c in self.cameras]),
            level_names=np.array(self.level_names),
            grid=np.array([r.xmin, r.ymax, r.res_m, r.shape[0], r.shape[1]], dtype=np.float64),
        )


@dataclass
class CellIndex:
    """The per-cell answer read back from :meth:`CoverageResult.save_cells`: which cameras see a spot."""

    xmin: float
    ymax: float
    res_m: float
    cols: int
    flat: np.ndarray
    camera: np.ndarray
    level: np.ndarray
    camera_ids: list[str]
    level_names: list[str]

    def at(self, x: float, y: float) -> list[tuple[str, str]]:
        """[(camera id, level name)] seeing the point, best level first."""
        j = math.floor((x - self.xmin) / self.res_m)
        i = math.floor((self.ymax - y) / self.res_m)
        if j < 0 or j >= self.cols or i < 0:
            return []
        lo = np.searchsorted(self.flat, i * self.cols + j, side="left")
        hi = np.searchsorted(self.flat, i * self.cols + j, side="right")
        return seen_by(self.level[lo:hi], self.camera[lo:hi], self.camera_ids, self.level_names)


def load_cells(path: str) -> CellIndex:
    """Read a per-cell coverage file written by :meth:`CoverageResult.save_cells`."""
    with np.load(path) as z:
        xmin, ymax, res, _rows, cols = z["grid"].tolist()
        flat = z["row"].astype(np.int64) * int(cols) + z["col"]
        order = np.argsort(flat, kind="stable")
        return CellIndex(
            xmin=xmin,
            ymax=ymax,
            res_m=res,
            cols=int(cols),
            flat=flat[order],
            camera=z["camera"][order],
            level=z["level"][order],
            camera_ids=[str(s) for s in z["camera_ids"]],
            level_names=[str(s) for s in z["level_names"]],
        )


def _best_of_presets(
    camera: np.ndarray, cells: np.ndarray, level: np.ndarray, poses_per_camera: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (camera, cell) once at its best level, in (camera, cell) order, from the kernel's triples.

    The kernel gives a camera's triples in one block (its poses are consecutive), and a one-pose
    camera's block is already in cell order with no cell twice: only a PTZ's block is sorted.
    """
    starts = np.searchsorted(camera, np.arange(len(poses_per_camera) + 1))
    counts = np.diff(starts)
    parts_c, parts_l = [], []
    done = 0
    for k in np.flatnonzero(poses_per_camera > 1).tolist():
        a, b = int(starts[k]), int(starts[k + 1])
        parts_c.append(cells[done:a])
        parts_l.append(level[done:a])
        c, lv = cells[a:b], level[a:b]
        order = np.lexsort((-lv, c))
        c, lv = c[order], lv[order]
        first = np.ones(len(c), dtype=bool)
        first[1:] = c[1:] != c[:-1]
        parts_c.append(c[first])
        parts_l.append(lv[first])
        counts[k] = int(first.sum())
        done = b
    parts_c.append(cells[done:])
    parts_l.append(level[done:])
    camera = np.repeat(np.arange(len(poses_per_camera), dtype=np.int32), counts)
    return camera, np.concatenate(parts_c).astype(np.int64), np.concatenate(parts_l)


def compute_coverage(
    twin: Twin,
    cameras: list[Camera] | None = None,
    *,
    raster: HeightRaster | None = None,
    resolution_m: float = 1.0,
    profile: str | DoriProfile | None = None,
    target_height_m: float = DEFAULT_TARGET_HEIGHT_M,
    night: bool = False,
) -> CoverageResult:
    """Coverage of ``cameras`` (default: the city's existing and planned ones) over the city.

    Args:
        twin: the city.
        cameras: the cameras to count; default the city's ``all`` (:func:`twin.select_cameras`).
        raster: a height raster already built (else one is built at ``resolution_m``).
        resolution_m: cell size when the raster is built here.
        profile: DORI profile name or object (default the city's ``standards.dori``).
        target_height_m: target height above the ground (a face: 1.6 m).
        night: cut each camera at its ``ir_range_m`` (slant metres) where it has one.

    Raises:
        TwinError: unknown profile, bad resolution, negative target height.
    """
    from ._visibility import aggregate, poses_levels  # numba loads on first use, not on ``import twin``

    t0 = time.perf_counter()
    prof = profile if isinstance(profile, DoriProfile) else dori_profile(profile or twin.standards.dori)
    if not (math.isfinite(target_height_m) and target_height_m >= 0):
        raise TwinError(f"target height must be >= 0 m, got {target_height_m!r}")
    cams = list(cameras) if cameras is not None else select_cameras(twin, "all")
    if raster is None:
        raster = build_raster(twin, resolution_m=resolution_m)
    t1 = time.perf_counter()
    tz = target_heights(raster, target_height_m)
    thresholds = np.array([v for _, v in prof.levels], dtype=np.float64)
    poses, owner, cuts = [], [], []
    for k, cam in enumerate(cams):
        cut = cam.ir_range_m if (night and cam.ir_range_m) else np.inf
        for pose in camera_poses(cam):
            poses.append(pose)
            owner.append(k)
            cuts.append(cut)
    params = pose_params(poses, float(thresholds[0]), np.array(cuts) if night else None)
    pidx, cells, level = poses_levels(raster.dsm, tz, raster.xmin, raster.ymax, raster.res_m, params, thresholds)
    owner_a = np.array(owner, dtype=np.int32)
    camera = owner_a[pidx] if len(owner_a) else np.empty(0, dtype=np.int32)
    if len(poses) > len(cams):  # a PTZ's presets overlap: keep each (camera, cell) once at its best level
        camera, cells, level = _best_of_presets(camera, cells, level, np.bincount(owner_a, minlength=len(cams)))
    t2 = time.perf_counter()
    best, count = aggregate(cells, level, raster.cells)
    t3 = time.perf_counter()
    return CoverageResult(
        raster=raster,
        profile=prof,
        cameras=cams,
        cells=cells,
        camera=camera,
        level=level,
        best=best.reshape(raster.shape),
        count=count.reshape(raster.shape),
        target_height_m=float(target_height_m),
        timings_s={"raster": t1 - t0, "visibility": t2 - t1, "aggregate": t3 - t2},
    )


def viewshed(
    raster: HeightRaster,
    x: float,
    y: float,
    *,
    observer_height_m: float,
    target_height_m: float = DEFAULT_TARGET_HEIGHT_M,
    range_m: float,
    targets_on_roofs: bool = True,
) -> np.ndarray:
    """All-round line of sight from one observer, as GIS viewshed tools compute it (part b alone).

    The observer stands ``observer_height_m`` above the top surface of its cell (as GDAL's
    ``ViewshedGenerate``); a target is ``target_height_m`` above the top surface of its cell
    (``targets_on_roofs``) or above the ground (then cells inside buildings are never visible).

    Returns:
        (rows, cols) bool: cells within ``range_m`` (horizontal) whose target the observer sees.
    """
    from ._visibility import visible_sector

    if range_m <= 0:
        raise TwinError(f"viewshed range must be > 0 m, got {range_m:g}")
    i, j = raster.cell_of(x, y)
    z0 = float(raster.dsm[i, j]) if raster.inside(i, j) else 0.0
    if targets_on_roofs:
        tz = (raster.dsm + np.float32(target_height_m)).astype(np.float32)
    else:
        tz = target_heights(raster, target_height_m)
    cells, _, _, _ = visible_sector(
        raster.dsm,
        tz,
        raster.xmin,
        raster.ymax,
        raster.res_m,
        float(x),
        float(y),
        z0 + observer_height_m,
        float(range_m),
        0.0,
        2.0 * math.pi,
    )
    out = np.zeros(raster.shape, dtype=bool)
    out.ravel()[cells] = True
    return out
