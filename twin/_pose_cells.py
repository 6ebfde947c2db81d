"""Candidate poses of many sites at once: what each (site, lens, heading) sees at a pixel density.

The planner's inner loop (:func:`twin.placement.plan_cameras` and a tile's :class:`twin.TilePlan`):
one all-round line of sight per site (:func:`twin._visibility.visible_sector`), cut per heading and
lens by the pose's image and pixel density. The poses' orientations and lenses are a small table
of *kinds* (a site's tilt and lens x a heading) built once through :class:`twin.optics.Pose`, the
same numbers a pose built per site would carry; the sites then run in one compiled loop, with no
Python per site or per pose.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit

from . import optics
from ._visibility import visible_sector

if TYPE_CHECKING:
    from .model import Camera
    from .raster import HeightRaster


@njit(cache=True)
def _sites_cells(dsm, tz, xmin, ymax, res, sxyz, srange, useful, pose_kind, n_pose, kinds, ppm):  # pragma: no cover
    """Flat cells of every pose of every site seen at ``ppm`` or better, and the count per pose.

    ``pose_kind[s * n_pose + m]`` is the row of ``kinds`` (f(3), r(3), u(3), tan_h, tan_v, fisheye,
    focal_px) of site ``s``'s pose ``m``. The cut is :func:`twin._visibility.cut_levels`'s, arithmetic
    for arithmetic.
    """
    n_sites = sxyz.shape[0]
    counts = np.zeros(n_sites * n_pose, dtype=np.int64)
    cap = 1 << 16
    out = np.empty(cap, dtype=np.int64)
    n = 0
    for s in range(n_sites):
        cells, dx, dy, dz = visible_sector(dsm, tz, xmin, ymax, res, sxyz[s, 0], sxyz[s, 1], sxyz[s, 2],
                                           srange[s], 0.0, 2.0 * math.pi)
        keep = np.empty(cells.shape[0], dtype=np.bool_)
        for m in range(cells.shape[0]):
            keep[m] = useful[cells[m]]
        cells, dx, dy, dz = cells[keep], dx[keep], dy[keep], dz[keep]
        nc = cells.shape[0]
        for q in range(n_pose):
            k = pose_kind[s * n_pose + q]
            if n + nc > cap:
                while n + nc > cap:
                    cap *= 2
                grown = np.empty(cap, dtype=np.int64)
                grown[:n] = out[:n]
                out = grown
            f0, f1, f2 = kinds[k, 0], kinds[k, 1], kinds[k, 2]
            r0, r1, r2 = kinds[k, 3], kinds[k, 4], kinds[k, 5]
            u0, u1, u2 = kinds[k, 6], kinds[k, 7], kinds[k, 8]
            tan_h, tan_v, fisheye, focal = kinds[k, 9], kinds[k, 10], kinds[k, 11] > 0.5, kinds[k, 12]
            n0 = n
            for m in range(nc):
                vx = dx[m]
                vy = dy[m]
                vz = dz[m]
                f = vx * f0 + vy * f1 + vz * f2
                if f <= 0.0:
                    continue
                if not fisheye:
                    rr = vx * r0 + vy * r1 + vz * r2
                    if abs(rr) > f * tan_h:
                        continue
                    uu = vx * u0 + vy * u1 + vz * u2
                    if abs(uu) > f * tan_v:
                        continue
                d = math.sqrt(vx * vx + vy * vy + vz * vz)
                if d <= 0.0:
                    continue
                if focal / d >= ppm:
                    out[n] = cells[m]
                    n += 1
            counts[s * n_pose + q] = n - n0
    return out[:n].copy(), counts


@njit(cache=True)
def drop_duplicates(pairs: np.ndarray, keep: np.ndarray) -> None:  # pragma: no cover - compiled
    """In pair order, drop the second site of a pair whose first is still kept (an earlier site wins)."""
    for q in range(pairs.shape[0]):
        if keep[pairs[q, 0]]:
            keep[pairs[q, 1]] = False


def site_pose_cells(
    sites: list[Camera],
    lenses: list[Any] | None,
    headings: np.ndarray,
    raster: HeightRaster,
    tz: np.ndarray,
    ppm: float,
    useful: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cells each (site, lens, heading) pose sees at ``ppm`` or better, for many sites in one call.

    Poses run site by site, lens by lens (``lenses``: :class:`twin.placement.Lens` or anything with
    ``hfov_deg``, ``width_px`` and ``height_px``; else each site's own), heading by heading.

    Returns:
        ``(cells, counts, pose_lens, pose_heading)``: the flat cells of every pose one after the
        other (a pose's cells ascending), the number of cells per pose, and each pose's lens index
        and heading (degrees); site ``s``'s poses are rows ``s * n .. (s + 1) * n`` with ``n`` the
        lenses x headings.
    """
    hd = [float(h) for h in np.asarray(headings, dtype=np.float64)]
    n_l = len(lenses) if lenses else 1
    n_pose = n_l * len(hd)
    # the kinds: one per (site tilt, site lens when no catalogue) x lens x heading
    keys = [(s.tilt_deg,) if lenses else (s.tilt_deg, s.hfov, s.width_px, s.height_px) for s in sites]
    uniq: dict[tuple, int] = {}
    for k in keys:
        uniq.setdefault(k, len(uniq))
    site_group = np.array([uniq[k] for k in keys], dtype=np.int64).reshape(-1)
    kinds = np.zeros((len(uniq) * n_pose, 13), dtype=np.float64)
    group_range = np.zeros(len(uniq), dtype=np.float64)
    for key, g in uniq.items():
        tilt = key[0]
        # (hfov, width, height) of each lens tried: the catalogue's, else the site's own
        lns = [(ln.hfov_deg, ln.width_px, ln.height_px) for ln in lenses] if lenses else [key[1:]]
        rng = []
        for li, (hfov, w_px, h_px) in enumerate(lns):
            def pose(h: float, hfov: float = hfov, w_px: int = w_px, h_px: int = h_px,
                     tilt: float = tilt) -> optics.Pose:
                return optics.Pose.looking(0.0, 0.0, 0.0, h, tilt, hfov_deg=hfov, width_px=w_px, height_px=h_px)

            rng.append(pose(0.0).range_m(ppm))
            for hi, h in enumerate(hd):
                p = pose(h)
                f, r, u = p.axes()
                kinds[g * n_pose + li * len(hd) + hi] = (*f, *r, *u, p.tan_h, p.tan_v, float(p.fisheye), p.focal_px)
        group_range[g] = max(rng)
    sxyz = np.array([s.position for s in sites], dtype=np.float64).reshape(-1, 3)
    pose_kind = (site_group[:, None] * n_pose + np.arange(n_pose)[None, :]).ravel()
    cells, counts = _sites_cells(raster.dsm, tz, raster.xmin, raster.ymax, raster.res_m, sxyz,
                                 group_range[site_group], np.ascontiguousarray(useful, dtype=np.bool_),
                                 pose_kind, n_pose, kinds, float(ppm))
    per_site_lens = np.repeat(np.arange(n_l), len(hd))
    per_site_head = np.tile(np.array(hd), n_l)
    return cells, counts, np.tile(per_site_lens, len(sites)), np.tile(per_site_head, len(sites))
