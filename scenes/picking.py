"""What a pointer points at: a ray from the mouse (desktop) or a controller's laser (VR).

:func:`pick_camera` finds the camera nearest the ray; :func:`pick_surface` finds where the ray first
meets the city (the ground, a roof or a facade) on a height raster (DSM), numpy only.
"""

from __future__ import annotations

__all__ = ["SurfaceHit", "pick_camera", "pick_surface"]

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def pick_camera(
    origin: np.ndarray, direction: np.ndarray, positions: np.ndarray, *, max_angle_deg: float = 2.0
) -> int | None:
    """Index of the camera nearest the ray in angle (within ``max_angle_deg``), nearest first on ties.

    Args:
        origin: the ray's start (3,).
        direction: its direction (3,), any length.
        positions: camera lens positions (n, 3).
        max_angle_deg: how far off the ray a camera may be and still be picked.
    """
    if len(positions) == 0:
        return None
    d = np.asarray(direction, dtype=float)
    d = d / np.linalg.norm(d)
    v = np.asarray(positions, dtype=float) - np.asarray(origin, dtype=float)
    dist = np.linalg.norm(v, axis=1)
    along = v @ d
    cosang = np.where(dist > 0, along / np.maximum(dist, 1e-12), -1.0)
    ok = (along > 0) & (cosang >= np.cos(np.radians(max_angle_deg)))
    if not ok.any():
        return None
    # smallest angle wins; among near-equal angles, the nearer camera
    score = np.where(ok, np.arccos(np.clip(cosang, -1, 1)) + dist * 1e-9, np.inf)
    return int(np.argmin(score))


@dataclass(frozen=True)
class SurfaceHit:
    """Where a ray meets the city: the point (m, local frame), what it hit, the surface's outward normal."""

    x_m: float
    y_m: float
    z_m: float
    kind: str  # "ground" | "roof" | "facade"
    normal: tuple[float, float, float]
    distance_m: float


def _height_at(dsm: np.ndarray, gt: Sequence[float], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """DSM height (m) under points; 0 off the raster (open ground)."""
    x0, dx, _, y0, _, dy = gt
    j = np.floor((x - x0) / dx).astype(np.int64)
    i = np.floor((y - y0) / dy).astype(np.int64)
    ok = (i >= 0) & (j >= 0) & (i < dsm.shape[0]) & (j < dsm.shape[1])
    out = np.zeros(np.shape(x), dtype=float)
    out[ok] = dsm[i[ok], j[ok]]  # float64 from here, whatever the raster's dtype
    return out


def pick_surface(
    origin: np.ndarray,
    direction: np.ndarray,
    dsm: np.ndarray,
    geotransform: Sequence[float],
    *,
    max_range_m: float = 5000.0,
    top_m: float | None = None,
) -> SurfaceHit | None:
    """The first point where a ray meets the city's surface: ground (z = 0), a roof or a facade.

    The surface is the height raster ``dsm`` (metres above the ground, one value a cell, GDAL's
    north-up ``geotransform`` in local metres): each cell a flat-topped column. The ray is sampled
    every quarter cell (all samples at once), the first sample under the surface is found, and the
    crossing is then solved exactly: the ground or roof plane in closed form, a facade by bisection
    onto the cell edge. A ray that meets nothing within ``max_range_m`` (or points up) gives None.

    Args:
        origin: the ray's start (3,), above the surface.
        direction: its direction (3,), any length.
        dsm: heights (rows, cols), 0 on open ground.
        geotransform: ``(x0, dx, 0, y0, 0, dy)``.
        max_range_m: how far along the ray to look.
        top_m: the tallest height in ``dsm`` if known (a caller picking every frame passes it once found).
    """
    o = np.asarray(origin, dtype=float)
    d = np.asarray(direction, dtype=float)
    d = d / np.linalg.norm(d)
    gt = [float(v) for v in geotransform]
    heights = np.asarray(dsm)  # any float dtype: only the cells under the ray are read
    top = float(top_m) if top_m is not None else float(heights.max()) if heights.size else 0.0
    # the ray can only meet the surface below the tallest roof and above the ground
    t_lo = 0.0 if o[2] <= top or d[2] >= 0 else (o[2] - top) / -d[2]
    t_ground = o[2] / -d[2] if d[2] < -1e-12 else np.inf
    t_hi = min(max_range_m, t_ground)
    if not np.isfinite(t_hi) or t_lo > t_hi:
        return None
    step = min(abs(gt[1]), abs(gt[5])) / 4.0
    ts = np.append(np.arange(t_lo, t_hi, step), t_hi)
    p = o + ts[:, None] * d
    h = _height_at(heights, gt, p[:, 0], p[:, 1])
    under = np.flatnonzero(p[:, 2] <= h + 1e-9)
    if not len(under):
        return None
    k = int(under[0])
    if h[k] <= 0.0:  # open ground: the plane z = 0
        q = o + t_ground * d
        return SurfaceHit(float(q[0]), float(q[1]), 0.0, "ground", (0.0, 0.0, 1.0), float(t_ground))
    # bisect between the last sample above the surface and the first under it
    a, b = float(ts[k - 1]) if k > 0 else t_lo, float(ts[k])
    for _ in range(48):
        m = 0.5 * (a + b)
        q = o + m * d
        if q[2] <= _height_at(heights, gt, q[:1], q[1:2])[0]:
            b = m
        else:
            a = m
    q, qa = o + b * d, o + a * d
    hq = float(_height_at(heights, gt, q[:1], q[1:2])[0])
    if q[2] > hq - 1e-6 and d[2] < -1e-12:
        # it came down through the roof: the roof plane in closed form
        t = (o[2] - hq) / -d[2]
        r = o + t * d
        return SurfaceHit(float(r[0]), float(r[1]), hq, "roof", (0.0, 0.0, 1.0), float(t))
    # it came in through a wall, below the roof: the wall is the cell edge crossed between a and b
    x0, dx, _, y0, _, dy = gt
    crossed_x = np.floor((qa[0] - x0) / dx) != np.floor((q[0] - x0) / dx)
    normal = (float(-np.sign(d[0])), 0.0, 0.0) if crossed_x else (0.0, float(-np.sign(d[1])), 0.0)
    return SurfaceHit(float(q[0]), float(q[1]), float(q[2]), "facade", normal, float(b))
