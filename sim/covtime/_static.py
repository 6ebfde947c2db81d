"""The static part of coverage over time: each camera pose's cells, computed once, grouped by signature.

Occlusion and pixel density come from :mod:`twin.coverage` (one visibility pass per pose, the same
compiled kernel as the static coverage). From each pose's (cell, level) list two *variants* are
derived without any new line-of-sight work: by day (pixel density times the camera's day factor) and
by night (times its night factor, cut at its infrared reach). A factor only lowers pixel density, so
each variant is a subset of the pose's cells at lower or equal levels.

Cells are then grouped by *signature*, the exact set of (variant, level) pairs that see them: every
cell of a signature is seen by the same variants at the same levels, so it is seen at a level for
exactly the same time. The time integration runs over signatures (a few per cent of the cells) and
the per-cell answer is read back through ``sig_of_cell``.
"""

from __future__ import annotations

__all__ = ["StaticSets", "build_static_sets"]

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely

from twin import optics
from twin.coverage import camera_poses, pose_levels, target_heights

if TYPE_CHECKING:
    from twin import Camera, Twin
    from twin.profiles import DoriProfile
    from twin.raster import HeightRaster

#: Fixed seed of the random 64-bit keys whose sums identify a cell's signature (not a model input).
_SIG_KEY_SEED = 0x51C0


@dataclass
class StaticSets:
    """Per-pose coverage of a camera set, as variants and signatures (see the module docstring).

    Variant ``v = 2 * pose + night`` (night 0 by day, 1 by night). ``var_ptr``/``ent_sig``/``ent_lev``
    list, per variant, the signatures it sees and at which level (CSR). ``cells`` are the flat raster
    indices of every cell some variant sees, ``sig_of_cell`` their signature.
    """

    raster: HeightRaster
    profile: DoriProfile
    cameras: list[Camera]
    pose_first: np.ndarray
    pose_cam: np.ndarray
    pose_dwell_s: np.ndarray
    cells: np.ndarray
    sig_of_cell: np.ndarray
    n_sig: int
    var_ptr: np.ndarray
    ent_sig: np.ndarray
    ent_lev: np.ndarray
    cell_public: np.ndarray
    cell_zone: np.ndarray
    sig_public: np.ndarray
    sig_priority: np.ndarray
    static_best: np.ndarray
    zone_ids: list[str]
    zone_public_cells: np.ndarray
    n_public: int
    public_priority_sum: float
    cam_zone: np.ndarray
    cam_score: np.ndarray
    target_height_m: float = 1.6
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def n_levels(self) -> int:
        """Levels of the DORI profile."""
        return len(self.profile.levels)

    @property
    def n_poses(self) -> int:
        """Poses of all cameras (a PTZ camera has one per preset)."""
        return len(self.pose_cam)

    def static_public_share(self) -> np.ndarray:
        """Share of public cells seen at each level or better by the static coverage (every pose at once)."""
        b = self.static_best[self.cell_public]
        return np.array([(b >= q).sum() for q in range(1, self.n_levels + 1)], dtype=float) / max(self.n_public, 1)


def _variant_levels(
    cells: np.ndarray,
    lev: np.ndarray,
    raster: HeightRaster,
    tz: np.ndarray,
    pos: tuple[float, float, float],
    focal_px: float,
    thresholds: np.ndarray,
    factor: float,
    cut_m: float,
) -> np.ndarray:
    """Levels of a pose's cells with pixel density times ``factor`` and a horizontal cut at ``cut_m``."""
    if factor == 1.0 and not math.isfinite(cut_m):
        return lev
    cx, cy = raster.centres(cells)
    dx = cx - pos[0]
    dy = cy - pos[1]
    dz = tz.ravel()[cells].astype(np.float64) - pos[2]
    d2h = dx * dx + dy * dy
    ppm = optics.pixel_density_ppm(focal_px * factor, np.sqrt(d2h + dz * dz))
    out = np.searchsorted(thresholds, ppm, side="right").astype(np.int8)
    # a factor only lowers pixel density: never above the pose's own level
    out = np.minimum(out, lev)
    out[d2h > cut_m * cut_m] = 0
    return out


def _zone_of_points(zones: list, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index of the zone holding each point (the highest priority where zones overlap), -1 outside all."""
    out = np.full(len(x), -1, dtype=np.int32)
    best = np.full(len(x), -np.inf)
    for k, z in enumerate(zones):
        bx0, by0, bx1, by1 = z.polygon.bounds
        m = np.flatnonzero((x >= bx0) & (x <= bx1) & (y >= by0) & (y <= by1))
        if not len(m):
            continue
        inside = m[shapely.contains_xy(z.polygon, x[m], y[m])]
        take = inside[z.priority > best[inside]]
        out[take] = k
        best[take] = z.priority
    return out


def build_static_sets(
    twin: Twin,
    cameras: list[Camera],
    raster: HeightRaster,
    profile: DoriProfile,
    *,
    target_height_m: float,
    day_factor: np.ndarray,
    night_factor: np.ndarray,
    ir_range_m: np.ndarray,
) -> StaticSets:
    """Compute every pose's coverage once and group the cells by signature.

    Args:
        twin: the city (zones become districts and per-zone figures).
        cameras: the cameras, in the order the model indexes them.
        raster: the height raster.
        profile: the DORI profile (levels).
        target_height_m: target height above the ground.
        day_factor: per camera, pixel-density factor by day, in (0, 1].
        night_factor: per camera, pixel-density factor by night, in (0, 1].
        ir_range_m: per camera, horizontal reach at night (inf for none).
    """
    t0 = time.perf_counter()
    tz = target_heights(raster, target_height_m)
    thresholds = np.array([v for _, v in profile.levels], dtype=np.float64)
    pose_first = [0]
    pose_cam, dwell = [], []
    e_cell, e_var, e_lev = [], [], []
    static_cells, static_lev = [], []
    pose_ix = 0
    for k, cam in enumerate(cameras):
        poses = camera_poses(cam)
        is_tour = cam.type == "ptz" and len(cam.presets) > 0
        for q, pose in enumerate(poses):
            cells, lev = pose_levels(pose, raster, tz, thresholds)
            cells = cells.astype(np.int64)
            static_cells.append(cells)
            static_lev.append(lev)
            for night in (0, 1):
                f = float(night_factor[k] if night else day_factor[k])
                cut = float(ir_range_m[k]) if night else math.inf
                xyz = (pose.x, pose.y, pose.z)
                lv = _variant_levels(cells, lev, raster, tz, xyz, pose.focal_px, thresholds, f, cut)
                m = lv > 0
                e_cell.append(cells[m])
                e_var.append(np.full(int(m.sum()), 2 * pose_ix + night, dtype=np.int64))
                e_lev.append(lv[m])
            pose_cam.append(k)
            dwell.append(float(cam.presets[q].dwell_s) if is_tour else math.nan)
            pose_ix += 1
        pose_first.append(pose_ix)
    t1 = time.perf_counter()
    n_var = 2 * pose_ix
    cell = np.concatenate(e_cell) if e_cell else np.empty(0, np.int64)
    var = np.concatenate(e_var) if e_var else np.empty(0, np.int64)
    lev = (np.concatenate(e_lev) if e_lev else np.empty(0, np.int8)).astype(np.int64)
    n_lev = len(thresholds)
    # signature of a cell: the sum (mod 2**64) of random keys of its (variant, level) pairs
    keys = np.random.default_rng(_SIG_KEY_SEED).integers(0, 2**63, size=max(n_var, 1) * (n_lev + 1), dtype=np.uint64)
    order = np.lexsort((var, cell))
    cell, var, lev = cell[order], var[order], lev[order]
    if len(cell):
        starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        cells_u = cell[starts]
        with np.errstate(over="ignore"):
            h = np.add.reduceat(keys[var * (n_lev + 1) + lev], starts)
        _, first, sig_of_cell = np.unique(h, return_index=True, return_inverse=True)
        n_sig = len(first)
        # entries of one representative cell per signature
        rep = np.zeros(len(cells_u), dtype=bool)
        rep[first] = True
        cell_run = np.repeat(np.arange(len(cells_u)), np.diff(np.r_[starts, len(cell)]))
        keep = rep[cell_run]
        ent_var, ent_sig, ent_lev = var[keep], sig_of_cell[cell_run[keep]], lev[keep]
    else:
        cells_u = np.empty(0, np.int64)
        sig_of_cell = np.empty(0, np.int64)
        n_sig = 0
        ent_var = ent_sig = ent_lev = np.empty(0, np.int64)
    o = np.argsort(ent_var, kind="stable")
    ent_var, ent_sig, ent_lev = ent_var[o], ent_sig[o], ent_lev[o]
    var_ptr = np.searchsorted(ent_var, np.arange(n_var + 1)).astype(np.int64)
    # the static coverage: every pose at once, at the level the kernel gives (factor 1, no cut)
    sc = np.concatenate(static_cells) if static_cells else np.empty(0, np.int64)
    sl = np.concatenate(static_lev) if static_lev else np.empty(0, np.int8)
    best_all = np.zeros(raster.cells, dtype=np.int8)
    if len(sc):
        np.maximum.at(best_all, sc, sl)
    # every cell any variant sees lies in the static set; static cells no variant sees are added too
    seen_static = np.flatnonzero(best_all)
    extra = np.setdiff1d(seen_static, cells_u, assume_unique=True)
    all_cells = np.concatenate([cells_u, extra])
    sig_all = np.concatenate([sig_of_cell, np.full(len(extra), n_sig, dtype=np.int64)])  # n_sig: "never seen"
    o = np.argsort(all_cells)
    all_cells, sig_all = all_cells[o], sig_all[o]
    t2 = time.perf_counter()
    pub_all = raster.public.ravel()
    pri_all = raster.priority.ravel().astype(np.float64)
    cell_public = pub_all[all_cells]
    cell_pri = np.where(cell_public, pri_all[all_cells], 0.0)
    sig_public = np.bincount(sig_all, weights=cell_public.astype(float), minlength=n_sig + 1)
    sig_priority = np.bincount(sig_all, weights=cell_pri, minlength=n_sig + 1)
    # zones: of the public cells (figures per zone) and of the cameras (districts)
    zones = list(twin.zones)
    pub_flat = np.flatnonzero(pub_all)
    px, py = raster.centres(pub_flat)
    pz = _zone_of_points(zones, px, py) if zones else np.full(len(pub_flat), -1, np.int32)
    zone_public_cells = np.bincount(pz[pz >= 0], minlength=len(zones)).astype(float)
    cell_zone = np.full(len(all_cells), -1, dtype=np.int32)
    if len(pub_flat):
        pos = np.searchsorted(pub_flat, all_cells)
        hit = (pos < len(pub_flat)) & (pub_flat[np.minimum(pos, len(pub_flat) - 1)] == all_cells)
        cell_zone[hit] = pz[pos[hit]]
    cx = np.array([c.x for c in cameras], dtype=float)
    cy = np.array([c.y for c in cameras], dtype=float)
    if zones:
        cam_zone = _zone_of_points(zones, cx, cy)
        for k in np.flatnonzero(cam_zone < 0):  # a camera outside every zone takes the nearest one's grid
            pt = shapely.Point(cx[k], cy[k])
            cam_zone[k] = int(np.argmin([z.polygon.distance(pt) for z in zones]))
    else:
        cam_zone = np.full(len(cameras), -1, dtype=np.int32)
    # a camera's score for "priority zones first": priority-weighted public cells its poses see
    pc = np.asarray(pose_cam, dtype=np.int64)
    score = np.zeros(len(cameras))
    for p in range(pose_ix):
        c_ = static_cells[p]
        score[pc[p]] += float((pub_all[c_] * pri_all[c_]).sum())
    t3 = time.perf_counter()
    return StaticSets(
        raster=raster,
        profile=profile,
        cameras=list(cameras),
        pose_first=np.asarray(pose_first, dtype=np.int64),
        pose_cam=pc,
        pose_dwell_s=np.asarray(dwell, dtype=float),
        cells=all_cells,
        sig_of_cell=sig_all,
        n_sig=n_sig,
        var_ptr=var_ptr,
        ent_sig=ent_sig.astype(np.int64),
        ent_lev=ent_lev.astype(np.int64),
        cell_public=cell_public,
        cell_zone=cell_zone,
        sig_public=sig_public,
        sig_priority=sig_priority,
        static_best=best_all[all_cells],
        zone_ids=[z.id for z in zones],
        zone_public_cells=zone_public_cells,
        n_public=int(pub_all.sum()),
        public_priority_sum=float(pri_all[pub_all].sum()),
        cam_zone=cam_zone,
        cam_score=score,
        target_height_m=float(target_height_m),
        timings_s={"visibility": t1 - t0, "signatures": t2 - t1, "zones": t3 - t2},
    )
