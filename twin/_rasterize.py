"""Compiled polygon burning (numba): cells whose centre lies inside a polygon take its value.

A scanline fill: for each row of a polygon's bounding window, the crossings of every ring edge with
the row's centre line, sorted, bound the runs of cells inside (even-odd, so holes stay out). A cell
centre counts when it lies strictly between two crossings, as ``shapely.contains_xy`` counts a point
strictly inside. It replaces one ``contains_xy`` call per polygon over a meshgrid (the raster's
largest cost on a big city).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numba import njit


@njit(cache=True)
def _burn_rings(out, xy, ring_start, poly_ring, values, xmin, ymax, res, how_max):  # pragma: no cover - compiled
    rows, cols = out.shape
    n_poly = poly_ring.shape[0] - 1
    xs = np.empty(max(xy.shape[0], 2), dtype=np.float64)
    for p in range(n_poly):
        a, b = ring_start[poly_ring[p]], ring_start[poly_ring[p + 1]]
        if b - a < 3:
            continue
        y0 = xy[a:b, 1].min()
        y1 = xy[a:b, 1].max()
        i0 = max(int(math.floor((ymax - y1) / res - 0.5)), 0)
        i1 = min(int(math.ceil((ymax - y0) / res - 0.5)), rows - 1)
        v = values[p]
        for i in range(i0, i1 + 1):
            yc = ymax - (i + 0.5) * res
            n = 0
            for r in range(poly_ring[p], poly_ring[p + 1]):
                s, e = ring_start[r], ring_start[r + 1]
                for k in range(s, e - 1):
                    ya = xy[k, 1]
                    yb = xy[k + 1, 1]
                    if (ya > yc) != (yb > yc):
                        xa = xy[k, 0]
                        xs[n] = xa + (yc - ya) * (xy[k + 1, 0] - xa) / (yb - ya)
                        n += 1
            if n < 2:
                continue
            c = np.sort(xs[:n])
            for q in range(0, n - 1, 2):
                j0 = max(int(math.floor((c[q] - xmin) / res - 0.5)) + 1, 0)
                j1 = min(int(math.ceil((c[q + 1] - xmin) / res - 0.5)) - 1, cols - 1)
                for j in range(j0, j1 + 1):
                    if how_max:
                        if v > out[i, j]:
                            out[i, j] = v
                    else:
                        out[i, j] = v


def burn(geoms: list, values: np.ndarray, out: np.ndarray, xmin: float, ymax: float, res: float, *, how: str) -> None:
    """Burn (multi)polygons into ``out`` (``how``: ``"max"`` keeps the larger value, ``"set"`` overwrites)."""
    if not len(geoms):
        return
    arr = np.asarray(geoms, dtype=object)
    parts, owner = shapely.get_parts(arr, return_index=True)
    polys = shapely.get_type_id(parts) == 3
    parts, owner = parts[polys], owner[polys]
    if not len(parts):
        return
    rings, ring_owner = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    ring_start = np.searchsorted(coord_ring, np.arange(len(rings) + 1)).astype(np.int64)
    poly_ring = np.searchsorted(ring_owner, np.arange(len(parts) + 1)).astype(np.int64)
    vals = np.asarray(values, dtype=np.float64)[owner]
    _burn_rings(out, coords.astype(np.float64), ring_start, poly_ring, vals.astype(out.dtype), float(xmin),
                float(ymax), float(res), how == "max")
