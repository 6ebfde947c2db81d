"""From state records to time-weighted coverage: one compiled pass over the records in time order.

The SimPy model writes *records*: at time t, one camera's factor changed (``DOWN`` count +1/-1, PTZ
``POSE`` index or -1, ``NIGHT`` 0/1, ``SHOWN`` on a wall tile 0/1). :func:`integrate` walks them in
time order, keeps each camera's state, and whenever the camera's active pose *variant* changes on a
channel (seen; seen and on a tile = watched) turns the old variant off and the new one on. Per
signature and level it counts the active variants that see it: the time a count is above zero is
the time its cells are seen, exactly (no time step).
"""

from __future__ import annotations

__all__ = ["DOWN", "NIGHT", "POSE", "SHOWN", "integrate"]

import numpy as np
from numba import njit

DOWN, POSE, NIGHT, SHOWN = 0, 1, 2, 3


@njit(cache=True)
def _spread(series, cur, t0, t1, bin_s, n_bins):  # pragma: no cover - compiled
    b = int(t0 / bin_s)
    while b < n_bins and t0 < t1:
        end = min((b + 1) * bin_s, t1)
        w = end - t0
        for ch in range(series.shape[0]):
            for lv in range(series.shape[1]):
                series[ch, lv, b] += cur[ch, lv] * w
        t0 = end
        b += 1


@njit(cache=True)
def _toggle(cnt, start, acc, cur, ch, v, d, t, var_ptr, ent_sig, ent_lev, sig_w):  # pragma: no cover - compiled
    for k in range(var_ptr[v], var_ptr[v + 1]):
        s = ent_sig[k]
        w = sig_w[s]
        for lv in range(ent_lev[k]):
            c = cnt[ch, s, lv]
            if d > 0:
                if c == 0:
                    start[ch, s, lv] = t
                    cur[ch, lv] += w
                cnt[ch, s, lv] = c + 1
            else:
                c -= 1
                cnt[ch, s, lv] = c
                if c == 0:
                    acc[ch, s, lv] += t - start[ch, s, lv]
                    cur[ch, lv] -= w


@njit(cache=True)
def integrate(
    t, cam, kind, val, pose_first, var_ptr, ent_sig, ent_lev, sig_w, n_sig, n_lev, horizon, bin_s, n_bins
):  # pragma: no cover - compiled
    """Walk the records in time order; return the seconds seen/watched and the per-camera times.

    ``t`` must be sorted (records at one instant in the order they were written). Returns ``acc``
    (2, n_sig, n_lev): seconds signature s was seen (ch 0) or watched (ch 1) at level >= l + 1;
    ``series`` (2, n_lev, n_bins): per bin, the integral of the summed ``sig_w`` of the signatures
    seen (divide by the bin length and the total weight for a share); per camera the seconds up,
    on a tile and watched (up, at a pose and on a tile); per pose the seconds up and active.
    """
    n_cam = pose_first.shape[0] - 1
    cnt = np.zeros((2, n_sig, n_lev), dtype=np.int32)
    start = np.zeros((2, n_sig, n_lev))
    acc = np.zeros((2, n_sig, n_lev))
    cur = np.zeros((2, n_lev))
    series = np.zeros((2, n_lev, n_bins))
    down = np.zeros(n_cam, dtype=np.int64)
    pose = np.full(n_cam, -1, dtype=np.int64)
    night = np.zeros(n_cam, dtype=np.int64)
    shown = np.zeros(n_cam, dtype=np.int64)
    seen_v = np.full(n_cam, -1, dtype=np.int64)
    wat_v = np.full(n_cam, -1, dtype=np.int64)
    last = np.zeros(n_cam)
    up_s = np.zeros(n_cam)
    shown_s = np.zeros(n_cam)
    watch_s = np.zeros(n_cam)
    pose_s = np.zeros(pose_first[n_cam])
    t_prev = 0.0
    for e in range(t.shape[0]):
        te = t[e]
        if te > t_prev:
            _spread(series, cur, t_prev, te, bin_s, n_bins)
            t_prev = te
        c = cam[e]
        dt = te - last[c]
        if down[c] == 0:
            up_s[c] += dt
            if pose[c] >= 0:
                pose_s[pose_first[c] + pose[c]] += dt
        if shown[c] > 0:
            shown_s[c] += dt
        if wat_v[c] >= 0:
            watch_s[c] += dt
        last[c] = te
        k = kind[e]
        if k == 0:
            down[c] += val[e]
        elif k == 1:
            pose[c] = val[e]
        elif k == 2:
            night[c] = val[e]
        else:
            shown[c] = val[e]
        sv = -1
        if down[c] == 0 and pose[c] >= 0:
            sv = 2 * (pose_first[c] + pose[c]) + night[c]
        wv = sv if shown[c] > 0 else -1
        if sv != seen_v[c]:
            if seen_v[c] >= 0:
                _toggle(cnt, start, acc, cur, 0, seen_v[c], -1, te, var_ptr, ent_sig, ent_lev, sig_w)
            if sv >= 0:
                _toggle(cnt, start, acc, cur, 0, sv, 1, te, var_ptr, ent_sig, ent_lev, sig_w)
            seen_v[c] = sv
        if wv != wat_v[c]:
            if wat_v[c] >= 0:
                _toggle(cnt, start, acc, cur, 1, wat_v[c], -1, te, var_ptr, ent_sig, ent_lev, sig_w)
            if wv >= 0:
                _toggle(cnt, start, acc, cur, 1, wv, 1, te, var_ptr, ent_sig, ent_lev, sig_w)
            wat_v[c] = wv
    if horizon > t_prev:
        _spread(series, cur, t_prev, horizon, bin_s, n_bins)
    # the record loop's accrual again, written out: a compiled helper called per record (even with
    # inline="always") made this pass 25-45% slower (array reference counting per call)
    for c in range(n_cam):
        dt = horizon - last[c]
        if down[c] == 0:
            up_s[c] += dt
            if pose[c] >= 0:
                pose_s[pose_first[c] + pose[c]] += dt
        if shown[c] > 0:
            shown_s[c] += dt
        if wat_v[c] >= 0:
            watch_s[c] += dt
    for ch in range(2):
        for s in range(n_sig):
            for lv in range(n_lev):
                if cnt[ch, s, lv] > 0:
                    acc[ch, s, lv] += horizon - start[ch, s, lv]
    return acc, series, up_s, shown_s, watch_s, pose_s
