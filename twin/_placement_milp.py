"""The exact camera-siting model: a maximal covering MILP solved by HiGHS through ``scipy.optimize.milp``.

Variables: ``x_p`` (binary) for each candidate pose; ``y1_e`` and ``y2_e`` (continuous in [0, 1],
integral at the optimum) for each *element* whose first and second cover is worth something. An
element is a group of cells that exactly the same poses cover and that start from the same
existing-camera count: merging them changes no optimum and shrinks the model many times over.

    maximise   sum_e W1_e y1_e + W2_e y2_e
    subject to y1_e          <= sum_{p covers e} x_p           (element not yet seen)
               y1_e + y2_e   <= sum_{p covers e} x_p           (backup, element not yet seen)
               y2_e          <= sum_{p covers e} x_p           (backup, element seen once already)
               sum_p x_p <= K;  sum_p cost_p x_p <= budget
               sum_{p at site s} x_p <= 1                       (one camera per site)
               X_s + X_t <= 1 for sites closer than the minimum spacing
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp


@dataclass
class MilpResult:
    """What HiGHS proved: the best value found, its bound, the chosen poses and whether it is optimal.

    ``bound`` is HiGHS's dual bound (no solution can beat it); NaN when HiGHS returned none (it can
    stop on its time limit before proving one): the value found is then *not* a bound, and a gap to
    it would claim a proof nobody has (:attr:`has_bound` says which).
    """

    value: float
    bound: float
    poses: list[int]
    optimal: bool
    status: str
    elements: int
    seconds: float

    @property
    def has_bound(self) -> bool:
        """Whether HiGHS proved a dual bound (a finite one)."""
        return bool(np.isfinite(self.bound))


def result_from_highs(res: object, n_poses: int, n_elements: int, seconds: float) -> MilpResult:
    """The :class:`MilpResult` of ``scipy.optimize.milp``'s answer (objective minimised, so signs flip).

    A missing or infinite ``mip_dual_bound`` gives ``bound = NaN``, never the value found. An optimal
    status proves the value within the relative gap asked for, so there the value is the bound.
    """
    x = getattr(res, "x", None)
    message = str(getattr(res, "message", ""))
    if x is None:
        return MilpResult(float("nan"), float("nan"), [], False, message, n_elements, seconds)
    value = -float(res.fun)  # type: ignore[attr-defined]
    optimal = getattr(res, "status", None) == 0
    raw = getattr(res, "mip_dual_bound", None)
    if raw is not None and np.isfinite(raw):
        bound = -float(raw)
    elif optimal:
        bound = value
    else:
        bound = float("nan")
    return MilpResult(
        value=value,
        bound=bound,
        poses=np.flatnonzero(np.asarray(x)[:n_poses] > 0.5).tolist(),
        optimal=optimal,
        status=message,
        elements=n_elements,
        seconds=seconds,
    )


def elements(
    a: sp.csr_matrix, c0: np.ndarray, w1: np.ndarray, w2: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """Merge cells covered by the same poses with the same existing count: (A_e, c0_e, W1_e, W2_e).

    ``a`` is poses x cells. Cells whose covers are worth nothing are dropped first.
    """
    useful = ((c0 == 0) & ((w1 > 0) | (w2 > 0))) | ((c0 == 1) & (w2 > 0))
    at = a.T.tocsr()[useful]
    c0u, w1u, w2u = c0[useful], w1[useful], w2[useful]
    groups: dict[bytes, int] = {}
    gid = np.empty(at.shape[0], dtype=np.int64)
    ind, ptr = at.indices, at.indptr
    for r in range(at.shape[0]):
        key = bytes([int(c0u[r])]) + ind[ptr[r] : ptr[r + 1]].tobytes()
        gid[r] = groups.setdefault(key, len(groups))
    n_e = len(groups)
    W1 = np.bincount(gid, weights=np.where(c0u == 0, w1u, 0.0), minlength=n_e)
    W2 = np.bincount(gid, weights=w2u, minlength=n_e)
    first = np.unique(gid, return_index=True)[1]
    a_e = at[first]  # elements x poses
    return a_e.tocsr(), c0u[first], W1, W2


def solve(
    a: sp.csr_matrix,
    c0: np.ndarray,
    w1: np.ndarray,
    w2: np.ndarray,
    *,
    k: int,
    pose_site: np.ndarray,
    pose_cost: np.ndarray,
    budget: float | None,
    spacing_pairs: np.ndarray,
    time_limit_s: float,
) -> MilpResult:
    """Solve the covering MILP (see the module docstring) on poses x cells matrix ``a``."""
    t0 = time.perf_counter()
    ae, c0e, W1, W2 = elements(a, c0, w1, w2)
    n_p, n_e = a.shape[0], ae.shape[0]
    has1 = (c0e == 0) & (W1 > 0)
    has2 = W2 > 0
    i1 = np.flatnonzero(has1)
    i2 = np.flatnonzero(has2)
    n1, n2 = len(i1), len(i2)
    nv = n_p + n1 + n2
    col_y1 = np.full(n_e, -1, dtype=np.int64)
    col_y1[i1] = n_p + np.arange(n1)
    col_y2 = np.full(n_e, -1, dtype=np.int64)
    col_y2[i2] = n_p + n1 + np.arange(n2)
    obj = np.zeros(nv)
    obj[n_p : n_p + n1] = -W1[i1]
    obj[n_p + n1 :] = -W2[i2]
    blocks = []
    # cover rows: one per y1 element, one per y2 element
    for idx, cols_y, with_y1 in ((i1, col_y1, False), (i2, col_y2, True)):
        if len(idx) == 0:
            continue
        sub = -ae[idx]  # - sum x
        rows = np.arange(len(idx))
        m = sp.csr_matrix((np.ones(len(idx)), (rows, cols_y[idx] - n_p)), shape=(len(idx), nv - n_p))
        if with_y1:
            y1c = col_y1[idx]
            ok = y1c >= 0
            m = m + sp.csr_matrix((np.ones(int(ok.sum())), (rows[ok], y1c[ok] - n_p)), shape=(len(idx), nv - n_p))
        blocks.append((sp.hstack([sub, m]).tocsr(), np.full(len(idx), -np.inf), np.zeros(len(idx))))
    # K, budget, one per site, spacing
    rows_x = [np.ones(n_p)]
    ub = [float(k)]
    if budget is not None:
        rows_x.append(pose_cost.astype(float))
        ub.append(float(budget))
    dense = sp.csr_matrix(np.vstack(rows_x))
    blocks.append(
        (sp.hstack([dense, sp.csr_matrix((dense.shape[0], nv - n_p))]).tocsr(), np.full(len(ub), -np.inf), np.array(ub))
    )
    sites, site_idx = np.unique(pose_site, return_inverse=True)
    per_site = sp.csr_matrix((np.ones(n_p), (site_idx, np.arange(n_p))), shape=(len(sites), n_p))
    blocks.append(
        (
            sp.hstack([per_site, sp.csr_matrix((len(sites), nv - n_p))]).tocsr(),
            np.full(len(sites), -np.inf),
            np.ones(len(sites)),
        )
    )
    if len(spacing_pairs):
        pos = {s: q for q, s in enumerate(sites.tolist())}
        keep = [(pos[a_], pos[b_]) for a_, b_ in spacing_pairs.tolist() if a_ in pos and b_ in pos]
        if keep:
            pr = np.array(keep)
            pair = sp.csr_matrix(
                (np.ones(2 * len(pr)), (np.repeat(np.arange(len(pr)), 2), pr.ravel())), shape=(len(pr), len(sites))
            )
            px = (pair @ per_site).tocsr()
            px.data[:] = 1.0
            blocks.append(
                (
                    sp.hstack([px, sp.csr_matrix((len(pr), nv - n_p))]).tocsr(),
                    np.full(len(pr), -np.inf),
                    np.ones(len(pr)),
                )
            )
    A = sp.vstack([b[0] for b in blocks]).tocsr()
    lb = np.concatenate([b[1] for b in blocks])
    ubv = np.concatenate([b[2] for b in blocks])
    integrality = np.zeros(nv)
    integrality[:n_p] = 1
    res = milp(
        obj,
        constraints=LinearConstraint(A, lb, ubv),
        integrality=integrality,
        bounds=Bounds(np.zeros(nv), np.ones(nv)),
        options={"time_limit": float(time_limit_s), "mip_rel_gap": 1e-6, "disp": False},
    )
    return result_from_highs(res, n_p, n_e, time.perf_counter() - t0)
