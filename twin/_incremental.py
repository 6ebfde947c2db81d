"""Coverage kept up to date under edits: place, move or delete one camera, recompute only its reach.

:func:`twin.compute_coverage` answers "what do these cameras see" from scratch. A planner moving
one camera wants the answer again at once, so :class:`CoverageState` keeps

* for every camera a *patch*: the DORI levels it alone sees (:func:`twin._visibility.poses_levels`,
  the production kernel, a PTZ's presets merged at their best level) on the bounding window of the
  cells it sees;
* per cell, the best level over all cameras (``best``) and how many cameras see it (``count``);
* the histograms of ``best`` behind the coverage figures (all cells, public cells, priority-weighted
  public cells, cells seen twice), so a figure is read without touching the whole raster.

Adding a camera takes the maximum of its patch into its window; removing one subtracts its count
and recomputes the maximum of the other patches over its window only; a move is a removal and an
addition. The histograms are updated by subtracting the window's old contribution and adding its new
one. Every camera is computed by the same kernel on the same raster as a full recompute, and a pose's
cells depend on that pose alone, so the state equals :func:`twin.compute_coverage` cell for cell.
"""

from __future__ import annotations

__all__ = ["CameraPatch", "CoverageState"]

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._errors import TwinError
from .coverage import DEFAULT_TARGET_HEIGHT_M, pose_params, target_heights
from .optics import camera_poses
from .profiles import DoriProfile, dori_profile

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .model import Camera
    from .raster import HeightRaster


@dataclass(frozen=True)
class CameraPatch:
    """The levels one camera alone sees, on the bounding window of its cells (0 = not seen).

    ``i0``/``j0`` are the window's first row and column on the raster; an empty patch (a camera that
    sees nothing) has a 0 x 0 ``level``.
    """

    i0: int
    j0: int
    level: np.ndarray

    @property
    def i1(self) -> int:
        """One past the window's last row."""
        return self.i0 + self.level.shape[0]

    @property
    def j1(self) -> int:
        """One past the window's last column."""
        return self.j0 + self.level.shape[1]

    @property
    def empty(self) -> bool:
        """Whether the camera sees no cell."""
        return self.level.size == 0


def _patch_from(cells: np.ndarray, level: np.ndarray, cols: int) -> CameraPatch:
    if cells.size == 0:
        return CameraPatch(0, 0, np.zeros((0, 0), dtype=np.int8))
    i, j = np.divmod(cells, cols)
    i0, j0 = int(i.min()), int(j.min())
    out = np.zeros((int(i.max()) - i0 + 1, int(j.max()) - j0 + 1), dtype=np.int8)
    # a PTZ's presets may see a cell twice: keep its best level
    np.maximum.at(out, (i - i0, j - j0), level)
    return CameraPatch(i0, j0, out)


class CoverageState:
    """Per-cell coverage of a changing set of cameras, updated in the moved camera's window only.

    Args:
        raster: the height raster (its cells are the coverage cells).
        profile: DORI profile name or object (default EN 62676-4:2015's).
        target_height_m: target height above the ground (a face: 1.6 m).
        cameras: cameras to start with, keyed by their ids.

    Attributes:
        best: (rows, cols) int8, each cell's best level (0 unseen); read-only to callers.
        count: (rows, cols) uint16, cameras that see each cell.
        last_window: the (i0, i1, j0, j1) window the last edit touched (None before any edit).
    """

    def __init__(self, raster: HeightRaster, *, profile: str | DoriProfile | None = None,
                 target_height_m: float = DEFAULT_TARGET_HEIGHT_M, cameras: Iterable[Camera] = ()) -> None:
        self.raster = raster
        self.profile = profile if isinstance(profile, DoriProfile) else dori_profile(profile)
        self.target_height_m = float(target_height_m)
        self._tz = target_heights(raster, target_height_m)
        self._thr = np.array([v for _, v in self.profile.levels], dtype=np.float64)
        self.best = np.zeros(raster.shape, dtype=np.int8)
        self.count = np.zeros(raster.shape, dtype=np.uint16)
        self._patches: dict[str, CameraPatch] = {}
        self._pub = raster.public
        self._prio = raster.priority.astype(np.float64)
        n = len(self.profile.levels) + 1
        self._hist = np.zeros(n, dtype=np.int64)
        self._phist = np.zeros(n, dtype=np.int64)
        self._pwhist = np.zeros(n, dtype=np.float64)
        self._overlap = np.zeros(2, dtype=np.int64)  # cells seen twice or more: all, public
        self._boxes: np.ndarray | None = None
        self._box_ids: list[str] = []
        self.last_window: tuple[int, int, int, int] | None = None
        cams = list(cameras)
        for cid, patch in zip([c.id for c in cams], self.patches(cams), strict=True):
            self._add_patch(cid, patch)
        self._reset_figures()

    # ---- patches ---------------------------------------------------------------------------------
    def patches(self, cameras: list[Camera]) -> list[CameraPatch]:
        """The patches of ``cameras`` (one kernel call for all their poses); changes nothing."""
        from ._visibility import poses_levels  # numba loads on first use

        poses, owner = [], []
        for k, cam in enumerate(cameras):
            for pose in camera_poses(cam):
                poses.append(pose)
                owner.append(k)
        r = self.raster
        params = pose_params(poses, float(self._thr[0]))
        pidx, cells, level = poses_levels(r.dsm, self._tz, r.xmin, r.ymax, r.res_m, params, self._thr)
        own = np.asarray(owner, dtype=np.int32)[pidx] if len(owner) else np.empty(0, dtype=np.int32)
        order = np.argsort(own, kind="stable")
        own, cells, level = own[order], cells[order], level[order]
        bounds = np.searchsorted(own, np.arange(len(cameras) + 1))
        cols = r.shape[1]
        return [_patch_from(cells[a:b], level[a:b], cols) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    @property
    def target_z(self) -> np.ndarray:
        """Per-cell height of the target a camera must see (the raster's ground plus the target height)."""
        return self._tz

    def patch(self, cam_id: str) -> CameraPatch:
        """The patch of a camera in the state."""
        try:
            return self._patches[cam_id]
        except KeyError:
            raise TwinError(f"camera {cam_id!r} is not in the coverage state") from None

    @property
    def camera_ids(self) -> list[str]:
        """Ids of the cameras in the state, in the order they were added."""
        return list(self._patches)

    # ---- edits -------------------------------------------------------------------------------------
    def add(self, cam_id: str, camera: Camera | CameraPatch) -> tuple[int, int, int, int]:
        """Add a camera (or its precomputed patch); returns the window touched (i0, i1, j0, j1)."""
        if cam_id in self._patches:
            raise TwinError(f"camera {cam_id!r} is already in the coverage state")
        patch = camera if isinstance(camera, CameraPatch) else self.patches([camera])[0]
        win = (patch.i0, patch.i1, patch.j0, patch.j1)
        self._with_figures(win, lambda: self._add_patch(cam_id, patch))
        self.last_window = win
        return win

    def remove(self, cam_id: str) -> tuple[int, int, int, int]:
        """Remove a camera; returns the window touched."""
        patch = self.patch(cam_id)
        win = (patch.i0, patch.i1, patch.j0, patch.j1)

        def edit() -> None:
            del self._patches[cam_id]
            self._boxes = None
            if patch.empty:
                return
            sl = np.s_[patch.i0:patch.i1, patch.j0:patch.j1]
            self.count[sl] -= (patch.level > 0).astype(np.uint16)
            self.best[sl] = self.best_without(None, win)

        self._with_figures(win, edit)
        self.last_window = win
        return win

    def replace(self, cam_id: str, camera: Camera | CameraPatch) -> tuple[int, int, int, int]:
        """Move, aim or re-lens a camera: remove its old patch, add the new; returns the union window."""
        a = self.remove(cam_id)
        b = self.add(cam_id, camera)
        win = (min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]))
        self.last_window = win
        return win

    def best_without(self, cam_id: str | None, win: tuple[int, int, int, int]) -> np.ndarray:
        """Best level over the window ``win`` of every camera in the state but ``cam_id`` (a new array)."""
        i0, i1, j0, j1 = win
        out = np.zeros((max(i1 - i0, 0), max(j1 - j0, 0)), dtype=np.int8)
        if out.size == 0:
            return out
        boxes = self._box_array()
        hit = np.flatnonzero((boxes[:, 0] < i1) & (boxes[:, 1] > i0) & (boxes[:, 2] < j1) & (boxes[:, 3] > j0))
        for k in hit.tolist():
            cid = self._box_ids[k]
            if cid == cam_id:
                continue
            p = self._patches[cid]
            a0, a1, b0, b1 = max(p.i0, i0), min(p.i1, i1), max(p.j0, j0), min(p.j1, j1)
            dst = out[a0 - i0:a1 - i0, b0 - j0:b1 - j0]
            np.maximum(dst, p.level[a0 - p.i0:a1 - p.i0, b0 - p.j0:b1 - p.j0], out=dst)
        return out

    def _box_array(self) -> np.ndarray:
        if self._boxes is None:
            self._box_ids = list(self._patches)
            b = [(p.i0, p.i1, p.j0, p.j1) if not p.empty else (0, 0, 0, 0) for p in self._patches.values()]
            self._boxes = np.array(b, dtype=np.int64).reshape(-1, 4)
        return self._boxes

    def _add_patch(self, cam_id: str, patch: CameraPatch) -> None:
        self._patches[cam_id] = patch
        self._boxes = None
        if patch.empty:
            return
        sl = np.s_[patch.i0:patch.i1, patch.j0:patch.j1]
        self.count[sl] += (patch.level > 0).astype(np.uint16)
        np.maximum(self.best[sl], patch.level, out=self.best[sl])

    # ---- figures -----------------------------------------------------------------------------------
    def _contribution(self, sl: Any, sign: int) -> None:
        b = self.best[sl]
        pub = self._pub[sl]
        n = len(self._hist)
        self._hist += sign * np.bincount(b.ravel(), minlength=n)
        pb = b[pub]
        self._phist += sign * np.bincount(pb, minlength=n)
        self._pwhist += sign * np.bincount(pb, weights=self._prio[sl][pub], minlength=n)
        twice = self.count[sl] >= 2
        self._overlap += sign * np.array([int(twice.sum()), int(twice[pub].sum())])

    def _with_figures(self, win: tuple[int, int, int, int], edit: Any) -> None:
        sl = np.s_[win[0]:win[1], win[2]:win[3]]
        self._contribution(sl, -1)
        edit()
        self._contribution(sl, +1)

    def _reset_figures(self) -> None:
        for a in (self._hist, self._phist, self._pwhist, self._overlap):
            a[:] = 0
        self._contribution(np.s_[:, :], +1)

    def figures(self) -> dict[str, Any]:
        """The coverage figures of :meth:`twin.CoverageResult.summary` that the state keeps, same keys and rounding.

        ``area_m2`` (each level or better), ``area_best_m2``, ``public_area_m2``, ``public_share``,
        ``public_share_priority_weighted``, ``overlap_area_m2``, ``overlap_public_share``.
        """
        r = self.raster
        a = r.cell_area_m2
        names = self.profile.names
        at_least = np.cumsum(self._hist[::-1])[::-1]
        p_at = np.cumsum(self._phist[::-1])[::-1]
        pw_at = np.cumsum(self._pwhist[::-1])[::-1]
        n_pub_cells = int(self._phist.sum())
        n_pub = max(n_pub_cells, 1)
        w_pub = max(float(self._pwhist.sum()), 1e-12)
        return {
            "area_m2": {n: round(float(at_least[q + 1]) * a, 1) for q, n in enumerate(names)},
            "area_best_m2": {n: round(float(self._hist[q + 1]) * a, 1) for q, n in enumerate(names)},
            "public_area_m2": round(n_pub_cells * a, 1),
            "public_share": {n: round(float(p_at[q + 1]) / n_pub, 5) for q, n in enumerate(names)},
            "public_share_priority_weighted": {n: round(float(pw_at[q + 1]) / w_pub, 5) for q, n in enumerate(names)},
            "overlap_area_m2": round(float(self._overlap[0]) * a, 1),
            "overlap_public_share": round(float(self._overlap[1]) / n_pub, 5),
        }

    @property
    def geotransform(self) -> tuple[float, float, float, float, float, float]:
        """GDAL's geotransform of the level raster: (xmin, res, 0, ymax, 0, -res) in the city's local metres."""
        r = self.raster
        return (float(r.xmin), float(r.res_m), 0.0, float(r.ymax), 0.0, -float(r.res_m))

    def window_of(self, x_m: float, y_m: float, radius_m: float) -> tuple[int, int, int, int]:
        """The raster window (i0, i1, j0, j1) holding the square of half-side ``radius_m`` around (x, y)."""
        r = self.raster
        rows, cols = r.shape
        i0 = max(int(math.floor((r.ymax - (y_m + radius_m)) / r.res_m)), 0)
        i1 = min(int(math.floor((r.ymax - (y_m - radius_m)) / r.res_m)) + 1, rows)
        j0 = max(int(math.floor((x_m - radius_m - r.xmin) / r.res_m)), 0)
        j1 = min(int(math.floor((x_m + radius_m - r.xmin) / r.res_m)) + 1, cols)
        return i0, max(i1, i0), j0, max(j1, j0)
