"""One tile of a tiled camera plan: its candidate poses, the cells they add, and its share of the greedy.

A :class:`TilePlan` holds, for the candidate sites in one tile's core, the poses x cells matrix that
:func:`twin.placement.plan_cameras` builds for the whole city (same model, same cells: its window is
the core plus the sites' range plus the longest reach of the existing cameras at the level). Cells
near the core's edge are columns of the neighbouring tiles too; every tile keeps its own count of
the cameras seeing each of its columns, and the driver sends every chosen pose's cells to each tile
whose columns they may be. So the gain a tile computes is the exact gain over the whole city: no
cell is counted twice across tiles.

:meth:`TilePlan.best` is lazy greedy (CELF) inside the tile; the driver runs the same lazy greedy
over the tiles' best gains (:mod:`sim.tiled`). :meth:`TilePlan.district_milp` solves the exact MILP
of the tile (a *district*) with the greedy's number of cameras there and the other districts' picks
fixed, which bounds how much better the district could have done.
"""

from __future__ import annotations

__all__ = ["TilePlan"]

import heapq
import math
import os
import tempfile
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from .coverage import compute_coverage, target_heights
from .raster import build_raster

if TYPE_CHECKING:
    from .model import Camera, Twin
    from .placement import Lens
    from .profiles import DoriProfile
    from .raster import GridSpec
    from .tiles import TileSpec


#: The arrays of a tile's greedy state that :func:`spill_to_file` maps from files (``spill=True``).
_SPILLED = ("ind", "ptr", "cols", "c0", "cnt", "w1", "w2", "col_core", "col_public", "col_prio", "base")


def spill_to_file(a: np.ndarray, directory: str | None = None) -> np.ndarray:
    """``a`` written to a file in ``directory`` (default: the system's temporary directory) and mapped back.

    The file is mapped read-write and unlinked at once.

    The mapping keeps the data; pages come in when touched and the kernel can drop clean ones
    under pressure, unlike a process's own (anonymous) memory. Nothing is left on disk.
    """
    if a.size == 0:
        return a
    fd, path = tempfile.mkstemp(prefix="tileplan-", suffix=".bin", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.ascontiguousarray(a).tofile(fh)
        return np.memmap(path, dtype=a.dtype, mode="r+", shape=a.shape)
    finally:
        os.unlink(path)


def anon_rss_mb() -> float:
    """This process's anonymous resident memory now (Linux ``RssAnon``, MiB): what the kernel cannot page out to a file.

    0 where ``/proc`` is not there.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next((float(ln.split()[1]) / 1024.0 for ln in fh if ln.startswith("RssAnon:")), 0.0)
    except OSError:
        return 0.0


class TilePlan:
    """The candidate poses of one tile and its state in the greedy (see the module docstring)."""

    def __init__(self, part: Twin | None = None, *args: Any, **kwargs: Any):
        """A tile's plan state: built at once from :meth:`build`'s arguments, or empty until :meth:`build` is called.

        An empty actor built by a later call keeps no task holding the tile's city on the worker.
        """
        self.stats: dict[str, Any] = {}
        if part is not None:
            self.build(part, *args, **kwargs)

    def build(
        self,
        part: Twin,
        grid: GridSpec,
        tile: TileSpec,
        sites: list[Camera],
        site_index: np.ndarray,
        *,
        profile: DoriProfile,
        level_index: int,
        headings: int,
        lenses: list[Lens] | None,
        where: str,
        backup_weight: float,
        backup_min_priority: float,
        target_height_m: float,
        spill: bool = False,
    ) -> dict[str, Any]:
        """Compute the tile's candidate poses and their cells (see the class docstring); returns the tile's stats."""
        from ._pose_cells import site_pose_cells  # numba loads on first use, not on ``import twin``

        t0 = time.perf_counter()
        self.tile = tile
        wg = tile.window_grid(grid)
        raster = build_raster(part, window=wg)
        li = level_index
        ppm = float(profile.levels[li - 1][1])
        before = compute_coverage(part, part.cameras, raster=raster, profile=profile, target_height_m=target_height_m)
        c0_all = np.bincount(before.cells[before.level >= li], minlength=raster.cells)
        mask = raster.public if where == "public" else ~raster.building
        w_all = (mask * raster.priority).ravel().astype(np.float64) * raster.cell_area_m2
        b_all = np.where(raster.priority.ravel() >= backup_min_priority, backup_weight * w_all, 0.0)
        useful = ((c0_all == 0) & (w_all > 0)) | ((c0_all == 1) & (b_all > 0))
        tz = target_heights(raster, target_height_m)
        hd = np.arange(headings) * (360.0 / headings)
        wr0, _, wc0, _ = tile.window
        flat, lens_, plens, phead = site_pose_cells(sites, lenses, hd, raster, tz, ppm, useful)
        i, j = np.divmod(flat, wg.cols)
        flat = (i + wr0) * grid.cols + (j + wc0)
        del i, j
        n_pose = (len(lenses) if lenses else 1) * headings
        local = np.repeat(np.arange(len(sites)), n_pose)
        site_cost = np.array([s.cost for s in sites], dtype=np.float64)
        lens_cost = np.array([ln.cost for ln in lenses]) if lenses else np.zeros(1)
        pcost = site_cost[local] + (lens_cost[plens] if lenses else 0.0)
        psite = np.asarray(site_index, dtype=np.int64)[local]
        self.cols, inv = np.unique(flat, return_inverse=True)
        del flat
        self.ind = inv.astype(np.int32)
        del inv
        self.ptr = np.concatenate([[0], np.cumsum(lens_)]).astype(np.int64)
        wi, wj = np.divmod(self.cols, grid.cols)
        wflat = (wi - wr0) * wg.cols + (wj - wc0)
        self.c0 = c0_all[wflat].astype(np.int32)
        self.w1, self.w2 = w_all[wflat], b_all[wflat]
        self.cnt = self.c0.copy()
        self.pose_site = np.array(psite, dtype=np.int64)
        self.pose_lens = np.array(plens, dtype=np.int32)
        self.pose_heading = np.array(phead)
        self.pose_cost = np.array(pcost, dtype=np.float64)
        self.n_sites = len(sites)
        # the core's objective before, and which columns are the core's (for the after figures)
        r0, r1, c0, c1 = tile.core
        core = np.zeros(wg.rows * wg.cols, dtype=bool).reshape(wg.rows, wg.cols)
        core[r0 - wr0 : r1 - wr0, c0 - wc0 : c1 - wc0] = True
        core = core.ravel()
        pub = raster.public.ravel()
        self.stats: dict[str, Any] = {
            "base_value": float((w_all * (c0_all >= 1))[core].sum() + (b_all * (c0_all >= 2))[core].sum()),
            "public_cells": int(pub[core].sum()),
            "public_seen_before": int((pub & (c0_all >= 1))[core].sum()),
            "public_w": float((raster.priority.ravel() * pub)[core].sum()),
            "public_w_seen_before": float((raster.priority.ravel() * (pub & (c0_all >= 1)))[core].sum()),
        }
        self.col_core = (wi >= r0) & (wi < r1) & (wj >= c0) & (wj < c1)
        self.col_public = pub[wflat]
        self.col_prio = raster.priority.ravel()[wflat].astype(np.float64)
        self.blocked: set[int] = set()  # global site ids no longer allowed
        self.blocked_by_others: set[int] = set()
        self.mine: list[int] = []  # local poses this tile's greedy took
        self.version = 0
        self.heap: list[tuple[float, int, int]] = []
        self.by_ratio = False
        # the first gains of every pose (a sparse product, as the untiled greedy), while all is in memory
        n = len(self.pose_site)
        if n:
            import scipy.sparse as sp

            a = sp.csr_matrix((np.ones(len(self.ind)), self.ind, self.ptr), shape=(n, len(self.cols)))
            self.base = a @ (self.w1 * (self.c0 == 0)) + a @ (self.w2 * (self.c0 == 1))
            del a
        else:
            self.base = np.zeros(0)
        del raster, before, c0_all, w_all, b_all, useful, core, pub, wi, wj, wflat, mask, tz
        self.stats.update(poses=len(self.pose_site), columns=len(self.cols), nonzeros=int(len(self.ind)),
                          sites=self.n_sites, build_s=time.perf_counter() - t0)
        # the state the greedy keeps goes to files mapped back in: what a worker holds is paged in
        # as the greedy touches it, so its memory is bounded by the tile it builds, not by its tiles
        if spill:
            for name in _SPILLED:
                setattr(self, name, spill_to_file(getattr(self, name)))
        self.stats["anon_mb_after_build"] = anon_rss_mb()
        return self.refresh_stats()

    # ---- the greedy ----------------------------------------------------------------------------
    def _gain(self, p: int) -> float:
        c = self.ind[self.ptr[p] : self.ptr[p + 1]]
        n = self.cnt[c]
        return float(self.w1[c][n == 0].sum() + self.w2[c][n == 1].sum())

    def start(self, *, by_ratio: bool) -> None:
        """(Re)start the greedy: counts back to the existing cameras', nothing blocked, the heap of first gains."""
        if self.version or self.mine:  # counts changed since the build: back to the existing cameras'
            self.cnt[:] = self.c0
        self.blocked, self.blocked_by_others, self.mine = set(), set(), []
        self.by_ratio = by_ratio
        n = len(self.pose_site)
        if n == 0:
            self.heap = []
            return
        base = self.base
        cost = np.maximum(self.pose_cost, 1e-12)
        key = base / cost if by_ratio else base
        self.version = 0
        self.heap = [(-float(key[p]), p, 0) for p in range(n) if base[p] > 0]
        heapq.heapify(self.heap)

    def best(self, budget_left: float | None = None) -> tuple[float, float, int, int, float] | None:
        """The tile's best pose now: (key, gain, local pose, global site, cost), or None when nothing gains."""
        cost = self.pose_cost
        while self.heap:
            negk, p, ver = self.heap[0]
            s = int(self.pose_site[p])
            if s in self.blocked or (budget_left is not None and cost[p] > budget_left + 1e-9):
                heapq.heappop(self.heap)
                continue
            if ver != self.version:
                heapq.heappop(self.heap)
                g = self._gain(p)
                if g > 0:
                    heapq.heappush(self.heap, (-(g / max(cost[p], 1e-12) if self.by_ratio else g), p, self.version))
                continue
            g = self._gain(p)
            if g <= 0:
                return None
            return (-negk, g, p, s, float(cost[p]))
        return None

    def take(self, p: int) -> tuple[np.ndarray, tuple[int, int, float, float], float]:
        """Take local pose ``p``: its cells (global flat indices, for the tiles that share them), info and gain."""
        if self.heap and self.heap[0][1] == p:
            heapq.heappop(self.heap)
        self.mine.append(int(p))
        return self.cols[self.ind[self.ptr[p] : self.ptr[p + 1]]], self.pose_info(p), self._gain(p)

    def add(self, cells: np.ndarray, blocked_sites: list[int], *, own: bool) -> None:
        """A camera was taken: one more camera over ``cells`` (those that are columns here); sites blocked."""
        if len(cells) and len(self.cols):
            k = np.searchsorted(self.cols, cells)
            ok = k < len(self.cols)
            k, c = k[ok], cells[ok]
            self.cnt[k[self.cols[k] == c]] += 1  # a pose's cells are distinct
        self.blocked.update(blocked_sites)
        if not own:
            self.blocked_by_others.update(blocked_sites)
        self.version += 1

    def pose_info(self, p: int) -> tuple[int, int, float, float]:
        """(global site, lens index, heading, cost) of local pose ``p``."""
        return int(self.pose_site[p]), int(self.pose_lens[p]), float(self.pose_heading[p]), float(self.pose_cost[p])

    def refresh_stats(self) -> dict[str, Any]:
        """The tile's figures, with this process's peak resident memory so far (MiB; Linux's VmHWM, else 0)."""
        peak = 0.0
        try:
            with open("/proc/self/status", encoding="ascii") as fh:
                peak = next((float(ln.split()[1]) / 1024.0 for ln in fh if ln.startswith("VmHWM:")), 0.0)
        except OSError:
            pass
        self.stats["peak_rss_mb"] = peak
        self.stats["anon_rss_mb"] = anon_rss_mb()
        return dict(self.stats)

    def after(self) -> dict[str, float]:
        """The core's public cells seen after the picks (and priority-weighted), for the summary."""
        new = self.col_core & self.col_public & (self.c0 == 0) & (self.cnt >= 1)
        return {"public_seen_new": int(new.sum()), "public_w_seen_new": float(self.col_prio[new].sum())}

    # ---- the exact district model --------------------------------------------------------------
    def district_milp(self, *, time_limit_s: float, budget: bool, min_spacing_pairs: np.ndarray) -> dict[str, Any]:
        """The MILP of this district: its greedy count of cameras, the other districts' picks fixed.

        Returns the greedy's value here, the MILP's value and bound, and the gap (bound - greedy) / bound.
        """
        import scipy.sparse as sp

        from ._placement_milp import solve

        k = len(self.mine)
        if k == 0:
            return {"tile": self.tile.id, "cameras": 0, "greedy": 0.0, "value": 0.0, "bound": 0.0, "gap": 0.0,
                    "optimal": True, "seconds": 0.0, "status": "no camera here"}
        c_fixed = self.cnt.copy()
        for p in self.mine:
            np.add.at(c_fixed, self.ind[self.ptr[p] : self.ptr[p + 1]], -1)
        # the greedy's value here, given the others: cells its picks cover for the first / second time
        own = np.zeros_like(c_fixed)
        for p in self.mine:
            np.add.at(own, self.ind[self.ptr[p] : self.ptr[p + 1]], 1)
        n_after = c_fixed + own
        # V(n) = sum w1 [n >= 1] + w2 [n >= 2]; the district's picks add V(after) - V(fixed)
        greedy = float((self.w1 * ((c_fixed == 0) & (n_after >= 1))).sum()
                       + (self.w2 * ((c_fixed <= 1) & (n_after >= 2))).sum())
        # sites the other districts' picks block are out; poses are rows of the poses x columns matrix
        keep = np.array([int(s) not in self.blocked_by_others for s in self.pose_site], dtype=bool)
        rows = np.flatnonzero(keep)
        a = sp.csr_matrix((np.ones(len(self.ind)), self.ind, self.ptr), shape=(len(self.pose_site), len(self.cols)))
        a = a[rows]
        spent = float(self.pose_cost[self.mine].sum())
        res = solve(a, c_fixed, self.w1, self.w2, k=k, pose_site=self.pose_site[rows], pose_cost=self.pose_cost[rows],
                    budget=spent if budget else None, spacing_pairs=min_spacing_pairs, time_limit_s=time_limit_s)
        bound = res.bound if math.isfinite(res.bound) else float("nan")
        gap = max(bound - greedy, 0.0) / bound if bound > 0 else 0.0
        return {"tile": self.tile.id, "cameras": k, "greedy": greedy, "value": res.value, "bound": bound, "gap": gap,
                "optimal": res.optimal, "seconds": res.seconds, "status": res.status, "elements": res.elements}
