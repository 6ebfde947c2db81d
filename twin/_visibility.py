"""Compiled kernels (numba) of coverage: line of sight over the height raster, and the per-pose cut.

Line of sight, for one lens position and a sector of azimuths within a horizontal range ``R``:

1. Rays leave the lens every ``dth`` radians, ``dth`` chosen so that neighbouring rays are half a
   cell apart at ``R``. Each ray is sampled every half cell; at a sample at horizontal distance
   ``s`` the obstacle's elevation slope is ``(dsm - z_lens) / s``. The running maximum of that
   slope *before* each sample is kept (``horizon``).
2. A target cell at horizontal distance ``D`` and height ``z_t`` is visible when its slope
   ``(z_t - z_lens) / D`` is at least the horizon of its nearest ray at its nearest sample: the
   straight segment from the lens to the target then passes above every raster cell sampled
   between them (buildings are prisms, so a cell is blocked exactly when the segment runs below
   its top). The lens's own cell never blocks (a camera on a façade looks out of it).

The work is proportional to the cells of the sector, not to cells times distance, and only the
sector of the camera's frustum within its range is touched.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_NEG = -np.inf
#: Sample spacing along a ray, in cells.
STEP_CELLS = 0.5
#: Gap between neighbouring rays at the camera's range, in cells.
RAY_GAP_CELLS = 1.0


@njit(cache=True)
def _sector_bbox(cx, cy, r, az_lo, span, xmin, ymax, res, rows, cols):  # pragma: no cover - compiled
    xs = [cx]
    ys = [cy]
    if span >= 2.0 * math.pi - 1e-12:
        xs.append(cx - r)
        xs.append(cx + r)
        ys.append(cy - r)
        ys.append(cy + r)
    else:
        for a in (az_lo, az_lo + span):
            xs.append(cx + r * math.sin(a))
            ys.append(cy + r * math.cos(a))
        for q in range(4):
            a = q * 0.5 * math.pi
            rel = (a - az_lo) % (2.0 * math.pi)
            if rel <= span:
                xs.append(cx + r * math.sin(a))
                ys.append(cy + r * math.cos(a))
    x0 = min(xs)
    x1 = max(xs)
    y0 = min(ys)
    y1 = max(ys)
    j0 = max(int(math.floor((x0 - xmin) / res)), 0)
    j1 = min(int(math.floor((x1 - xmin) / res)), cols - 1)
    i0 = max(int(math.floor((ymax - y1) / res)), 0)
    i1 = min(int(math.floor((ymax - y0) / res)), rows - 1)
    return i0, i1, j0, j1


@njit(cache=True, inline="always")
def _ray_fan(r, res, span):  # pragma: no cover - compiled
    """The rays of a lens with range ``r`` over a sector ``span`` wide: (full, ds, dth, pad, n_rays, n_steps).

    ``ds``: sample spacing along a ray; ``dth``: angle between rays; ``pad``: one ray's angle either side
    of a partial sector (0 all round).
    """
    two_pi = 2.0 * math.pi
    full = span >= two_pi - 1e-12
    ds = STEP_CELLS * res
    dth = RAY_GAP_CELLS * res / max(r, res)
    pad = 0.0 if full else dth
    if full:
        n_rays = int(math.ceil(two_pi / dth))
        dth = two_pi / n_rays
    else:
        n_rays = int((span + 2.0 * pad) / dth) + 2
    n_steps = int(r / ds) + 2
    return full, ds, dth, pad, n_rays, n_steps


@njit(cache=True, inline="always")
def _row_cols(dy, r2, cx, xmin, inv_res, j0, j1):  # pragma: no cover - compiled
    """Columns ``ja..jb`` of a row ``dy`` from the lens whose centres can lie within range (``ja > jb``: none).

    A cell wider on each side, to be safe: the caller's exact test decides.
    """
    half2 = r2 - dy * dy
    if half2 < 0.0:
        return 1, 0
    half = math.sqrt(half2)
    ja = max(j0, int(math.floor((cx - half - xmin) * inv_res - 0.5)) - 1)
    jb = min(j1, int(math.ceil((cx + half - xmin) * inv_res - 0.5)) + 1)
    return ja, jb


@njit(cache=True, inline="always")
def _wedge_cols(dy, cx, xmin, inv_res, ja, jb, sa, ca, sb, cb, clip):  # pragma: no cover - compiled
    """Narrow columns ``ja..jb`` of a row ``dy`` from the lens to a convex wedge of azimuths, a cell wider each side.

    The wedge is the half-planes clockwise of azimuth ``A`` and anticlockwise of ``B`` (``sa, ca``:
    sin and cos of ``A``, already widened by a margin); a bound along a nearly east-west edge
    (``|cos| < 1e-6``) is left out, so the columns kept always hold every cell of the wedge.
    """
    if not clip:
        return ja, jb
    lo = -np.inf
    hi = np.inf
    # clockwise of A: ca dx >= sa dy
    if ca > 1e-6:
        lo = max(lo, sa * dy / ca)
    elif ca < -1e-6:
        hi = min(hi, sa * dy / ca)
    # anticlockwise of B: cb dx <= sb dy
    if cb > 1e-6:
        hi = min(hi, sb * dy / cb)
    elif cb < -1e-6:
        lo = max(lo, sb * dy / cb)
    if lo > -np.inf:
        ja = max(ja, int(math.floor((cx + lo - xmin) * inv_res - 0.5)) - 1)
    if hi < np.inf:
        jb = min(jb, int(math.ceil((cx + hi - xmin) * inv_res - 0.5)) + 1)
    return ja, jb


@njit(cache=True)
def visible_sector(dsm, tz, xmin, ymax, res, cx, cy, cz, r, az_lo, span):  # pragma: no cover - compiled
    """Target cells visible from a lens within horizontal range ``r`` and an azimuth sector.

    Args:
        dsm: (rows, cols) float32 top-surface heights.
        tz: (rows, cols) float32 target heights; NaN where a cell holds no target (inside a building).
        xmin: western edge of the grid (north-up, see :class:`twin.raster.HeightRaster`).
        ymax: northern edge of the grid.
        res: cell size, metres.
        cx: lens x.
        cy: lens y.
        cz: lens height.
        r: horizontal range, metres.
        az_lo: start of the sector, radians clockwise from north.
        span: width of the sector, radians (``>= 2 pi``: all round).

    Returns:
        (flat cell index int64, dx, dy, dz float64): dz is target height minus lens height.
    """
    rows, cols = dsm.shape
    full, ds, dth, pad, n_rays, n_steps = _ray_fan(r, res, span)
    ci = int(math.floor((ymax - cy) / res))
    cj = int(math.floor((cx - xmin) / res))
    horizon = np.empty((n_rays, n_steps), dtype=np.float32)
    a0 = az_lo - pad
    for q in range(n_rays):
        th = a0 + q * dth
        sx = math.sin(th)
        sy = math.cos(th)
        best = _NEG
        horizon[q, 0] = best
        for k in range(1, n_steps):
            horizon[q, k] = best
            s = k * ds
            px = cx + s * sx
            py = cy + s * sy
            i = int(math.floor((ymax - py) / res))
            j = int(math.floor((px - xmin) / res))
            if i < 0 or j < 0 or i >= rows or j >= cols or (i == ci and j == cj):
                continue
            slope = (dsm[i, j] - cz) / s
            if slope > best:
                best = slope
    i0, i1, j0, j1 = _sector_bbox(cx, cy, r, az_lo, span, xmin, ymax, res, rows, cols)
    n_max = max((i1 - i0 + 1) * (j1 - j0 + 1), 0)
    cells = np.empty(n_max, dtype=np.int64)
    ox = np.empty(n_max, dtype=np.float64)
    oy = np.empty(n_max, dtype=np.float64)
    oz = np.empty(n_max, dtype=np.float64)
    n = 0
    r2 = r * r
    two_pi = 2.0 * math.pi
    inv_res = 1.0 / res
    for i in range(i0, i1 + 1):
        y = ymax - (i + 0.5) * res
        dy = y - cy
        ja, jb = _row_cols(dy, r2, cx, xmin, inv_res, j0, j1)
        for j in range(ja, jb + 1):
            x = xmin + (j + 0.5) * res
            dx = x - cx
            d2 = dx * dx + dy * dy
            if d2 > r2:
                continue
            t = tz[i, j]
            if math.isnan(t):
                continue
            dz = t - cz
            if d2 > 1e-18:
                az = math.atan2(dx, dy)
                rel = (az - a0) % two_pi
                if not full and (rel < pad or rel > pad + span):
                    continue
                q = int(rel / dth + 0.5)
                if full:
                    q = q % n_rays
                elif q >= n_rays:
                    continue
                d = math.sqrt(d2)
                k = int(d / ds + 0.5)
                if k >= n_steps:
                    k = n_steps - 1
                if dz / d < horizon[q, k]:
                    continue
            cells[n] = i * cols + j
            ox[n] = dx
            oy[n] = dy
            oz[n] = dz
            n += 1
    return cells[:n].copy(), ox[:n].copy(), oy[:n].copy(), oz[:n].copy()


@njit(cache=True)
def cut_levels(dx, dy, dz, fwd, right, up, tan_h, tan_v, fisheye, ppm_num, thresholds):  # pragma: no cover
    """Level of each visible target for one pose: 0 outside the image or below the weakest level.

    A pinhole pose keeps a target whose camera coordinates (forward ``f``, right ``r``, up ``u``)
    satisfy ``f > 0``, ``|r| <= f tan_h``, ``|u| <= f tan_v``. A fisheye (``fisheye``) keeps every
    target with ``f > 0``: the hemisphere around its axis (straight down, see :mod:`twin.optics`).
    Pixel density is ``ppm_num / d`` (``ppm_num``: :func:`twin.optics.focal_px`) with ``d`` the slant
    distance; the level is the number of thresholds (ascending) it reaches.
    """
    n = dx.shape[0]
    out = np.zeros(n, dtype=np.int8)
    nt = thresholds.shape[0]
    for m in range(n):
        vx = dx[m]
        vy = dy[m]
        vz = dz[m]
        # a fisheye keeps the hemisphere in front of its axis (twin.optics), a pinhole its frustum
        f = vx * fwd[0] + vy * fwd[1] + vz * fwd[2]
        if f <= 0.0:
            continue
        if not fisheye:
            rr = vx * right[0] + vy * right[1] + vz * right[2]
            if abs(rr) > f * tan_h:
                continue
            uu = vx * up[0] + vy * up[1] + vz * up[2]
            if abs(uu) > f * tan_v:
                continue
        d = math.sqrt(vx * vx + vy * vy + vz * vz)
        if d <= 0.0:
            continue
        ppm = ppm_num / d
        lev = 0
        for q in range(nt):
            if ppm >= thresholds[q]:
                lev = q + 1
        out[m] = lev
    return out


@njit(cache=True, inline="always")
def _atan2(y, x):  # pragma: no cover - compiled
    """atan2 to within 2e-6 rad (a minimax polynomial): ray lookup needs far less than the ray gap."""
    ax = abs(x)
    ay = abs(y)
    mx = max(ax, ay)
    if mx == 0.0:
        return 0.0
    a = min(ax, ay) / mx
    s = a * a
    r = ((-0.0464964749 * s + 0.15931422) * s - 0.327622764) * s * a + a
    if ay > ax:
        r = 1.57079637 - r
    if x < 0.0:
        r = 3.14159274 - r
    if y < 0.0:
        r = -r
    return r


@njit(cache=True)
def _horizon(dsm, xmin, ymax, res, cx, cy, cz, a0, dth, n_rays, ds, n_steps):  # pragma: no cover - compiled
    """Running maximum of obstacle slope before each sample of each ray (see the module docstring)."""
    rows, cols = dsm.shape
    ci = int(math.floor((ymax - cy) / res))
    cj = int(math.floor((cx - xmin) / res))
    horizon = np.empty((n_rays, n_steps), dtype=np.float32)
    inv_res = 1.0 / res
    inv_s = np.empty(n_steps)
    for k in range(1, n_steps):
        inv_s[k] = 1.0 / (k * ds)
    # positions in cell units from the grid's north-west corner
    u0 = (cx - xmin) * inv_res
    v0 = (ymax - cy) * inv_res
    for q in range(n_rays):
        th = a0 + q * dth
        sx = math.sin(th) * ds * inv_res
        sy = math.cos(th) * ds * inv_res
        best = _NEG
        horizon[q, 0] = best
        k = 1
        # the lens's own cell never blocks: a straight ray leaves it once and for all
        while k < n_steps:
            fj = u0 + k * sx
            fi = v0 - k * sy
            if fi >= 0.0 and fj >= 0.0 and int(fi) == ci and int(fj) == cj:
                horizon[q, k] = best
                k += 1
            else:
                break
        # a ray whose first sample out of the lens's cell and last sample both lie in the grid stays in it
        # (the grid is convex): no bounds to test
        kl = n_steps - 1
        if k <= kl:
            fa_j = u0 + k * sx
            fa_i = v0 - k * sy
            fb_j = u0 + kl * sx
            fb_i = v0 - kl * sy
            if (fa_i >= 0.0 and fa_j >= 0.0 and fa_i < rows and fa_j < cols
                    and fb_i >= 0.0 and fb_j >= 0.0 and fb_i < rows and fb_j < cols):
                while k < n_steps:
                    horizon[q, k] = best
                    slope = (dsm[int(v0 - k * sy), int(u0 + k * sx)] - cz) * inv_s[k]
                    if slope > best:
                        best = slope
                    k += 1
                continue
        entered = False
        while k < n_steps:
            horizon[q, k] = best
            fj = u0 + k * sx
            fi = v0 - k * sy
            if fi < 0.0 or fj < 0.0 or fi >= rows or fj >= cols:
                if entered:
                    # out of the grid for good (the grid is convex): nothing more can block
                    horizon[q, k + 1 :] = best
                    break
                k += 1
                continue
            entered = True
            slope = (dsm[int(fi), int(fj)] - cz) * inv_s[k]
            if slope > best:
                best = slope
            k += 1
    return horizon


@njit(cache=True)
def poses_levels(dsm, tz, xmin, ymax, res, params, thresholds):  # pragma: no cover - compiled
    """Cells and levels of many pinhole/fisheye poses in one call (frustum, range, then occlusion).

    ``params`` is (n, 17): x, y, z, f(3), r(3), u(3), tan_h, tan_v, fisheye, ppm_num, range_m,
    az_lo, span. Returns (pose index int32, flat cell int64, level int8) for every cell a pose
    sees at level >= 1.
    """
    rows, cols = dsm.shape
    cap = 1 << 16
    out_p = np.empty(cap, dtype=np.int32)
    out_c = np.empty(cap, dtype=np.int64)
    out_l = np.empty(cap, dtype=np.int8)
    n = 0
    nt = thresholds.shape[0]
    two_pi = 2.0 * math.pi
    for p in range(params.shape[0]):
        cx, cy, cz = params[p, 0], params[p, 1], params[p, 2]
        f0, f1, f2 = params[p, 3], params[p, 4], params[p, 5]
        q0, q1, q2 = params[p, 6], params[p, 7], params[p, 8]
        u0, u1, u2 = params[p, 9], params[p, 10], params[p, 11]
        tan_h, tan_v = params[p, 12], params[p, 13]
        fisheye = params[p, 14] > 0.5
        ppm_num, r = params[p, 15], params[p, 16]
        az_lo, span = params[p, 17], params[p, 18]
        if r <= 0.0:
            continue
        full, ds, dth, pad, n_rays, n_steps = _ray_fan(r, res, span)
        a0 = az_lo - pad
        horizon = _horizon(dsm, xmin, ymax, res, cx, cy, cz, a0, dth, n_rays, ds, n_steps)
        i0, i1, j0, j1 = _sector_bbox(cx, cy, r, az_lo, span, xmin, ymax, res, rows, cols)
        if i1 < i0 or j1 < j0:
            continue
        need = (i1 - i0 + 1) * (j1 - j0 + 1)
        if n + need > cap:
            while n + need > cap:
                cap *= 2
            tp = np.empty(cap, dtype=np.int32)
            tc = np.empty(cap, dtype=np.int64)
            tl = np.empty(cap, dtype=np.int8)
            tp[:n] = out_p[:n]
            tc[:n] = out_c[:n]
            tl[:n] = out_l[:n]
            out_p, out_c, out_l = tp, tc, tl
        rmax2 = r * r
        inv_res = 1.0 / res
        # a partial fan keeps cells whose azimuth lies in [a0, a0 + (n_rays - 0.5) dth): a convex wedge
        # (widened by 1e-4 rad, far above _atan2's error) narrows each row before any cell is tested
        wa = a0 - 1e-4
        wb = a0 + (n_rays - 0.5) * dth + 1e-4
        clip = (not full) and (wb - wa) < math.pi - 1e-3
        sa, ca, sb, cb = math.sin(wa), math.cos(wa), math.sin(wb), math.cos(wb)
        for i in range(i0, i1 + 1):
            dy = ymax - (i + 0.5) * res - cy
            ja, jb = _row_cols(dy, rmax2, cx, xmin, inv_res, j0, j1)
            ja, jb = _wedge_cols(dy, cx, xmin, inv_res, ja, jb, sa, ca, sb, cb, clip)
            for j in range(ja, jb + 1):
                dx = xmin + (j + 0.5) * res - cx
                d2h = dx * dx + dy * dy
                if d2h > rmax2:
                    continue
                t = tz[i, j]
                if math.isnan(t):
                    continue
                dz = t - cz
                d2 = d2h + dz * dz
                if d2 <= 0.0 or d2 > rmax2:  # the range is a slant distance
                    continue
                # (a) the image
                fw = dx * f0 + dy * f1 + dz * f2
                if fw <= 0.0:
                    continue
                if not fisheye:
                    rr = dx * q0 + dy * q1 + dz * q2
                    if abs(rr) > fw * tan_h:
                        continue
                    uu = dx * u0 + dy * u1 + dz * u2
                    if abs(uu) > fw * tan_v:
                        continue
                # (c) pixel density
                d = math.sqrt(d2)
                ppm = ppm_num / d
                if ppm < thresholds[0]:
                    continue
                # (b) line of sight
                if d2h > 1e-18:
                    dh = math.sqrt(d2h)
                    # (x % 2 pi) without the division: x lies in [-2 pi, 3 pi + pad] here (see pose_params),
                    # and one add or subtract of 2 pi gives the very same double (Sterbenz; fmod is exact)
                    rel = _atan2(dx, dy) - a0
                    if rel < 0.0:
                        rel += two_pi
                    elif rel >= two_pi:
                        rel -= two_pi
                    q = int(rel / dth + 0.5)
                    if full:
                        q = q % n_rays
                    elif q >= n_rays:
                        continue
                    k = int(dh / ds + 0.5)
                    if k >= n_steps:
                        k = n_steps - 1
                    if dz / dh < horizon[q, k]:
                        continue
                lev = 1
                for qq in range(1, nt):
                    if ppm >= thresholds[qq]:
                        lev = qq + 1
                out_p[n] = p
                out_c[n] = i * cols + j
                out_l[n] = lev
                n += 1
    return out_p[:n].copy(), out_c[:n].copy(), out_l[:n].copy()


@njit(cache=True)
def aggregate(cells, level, n_cells):  # pragma: no cover - compiled
    """Best level and number of cameras per cell from (cell, level) pairs (one pair per camera)."""
    best = np.zeros(n_cells, dtype=np.int8)
    count = np.zeros(n_cells, dtype=np.uint16)
    for m in range(cells.shape[0]):
        c = cells[m]
        if level[m] > best[c]:
            best[c] = level[m]
        count[c] += 1
    return best, count
