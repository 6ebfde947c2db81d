"""Larson's hypercube queueing model: unit workloads and busy probabilities under fixed dispatch preferences.

N response units, J demand atoms with Poisson call rates ``lam[j]``; each atom has a fixed
preference list of units (nearest first) and a call goes to the first free unit in it. Service
(busy) times are exponential with rate ``mu``. With ``mode="loss"`` a call finding every unit busy
is lost (to mutual aid: the city's fire model); with ``mode="queue"`` it waits (FCFS) for the first
unit to free.

* ``method="exact"`` solves the 2^N-state Markov chain (Larson 1974); fine up to about 14 units.
* ``method="approx"`` is Larson's (1975) approximation with correction factors ``Q(N, rho, j)``
  built from the M/M/N state probabilities (queue mode, Larson's own) or the M/M/N/N ones (loss
  mode, as in Jarvis 1985): N equations solved by fixed-point iteration, seconds for hundreds of units.

References: R. C. Larson, "A hypercube queuing model for facility location and redistricting in
urban emergency services", Computers & OR 1 (1974); R. C. Larson, "Approximating the performance
of urban emergency service systems", Operations Research 23 (1975); Larson & Odoni, *Urban
Operations Research* (1981), ch. 5.
"""

from __future__ import annotations

__all__ = ["HypercubeResult", "correction_factors", "erlang_loss_probs", "hypercube", "mmn_probs"]

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import gmres, spsolve

from twin import TwinError

EXACT_MAX_UNITS = 12


@dataclass
class HypercubeResult:
    """What the model says about a fleet.

    Attributes:
        busy: (N,) long-run share of time each unit is busy (its workload).
        dispatch: (J, N) share of atom j's calls that unit n answers (rows sum to 1 - ``loss_by_atom``).
        loss_by_atom: (J,) share of atom j's calls that find every unit busy (loss mode; 0 in queue mode).
        loss: share of all calls that find every unit busy (Erlang B in the loss mode).
        method: "exact" or "approx". iterations: fixed-point iterations (approx only).
        state_probs: (2^N,) steady-state probabilities by busy-set bitmask (exact only).
    """

    busy: np.ndarray
    dispatch: np.ndarray
    loss_by_atom: np.ndarray
    loss: float
    method: str
    mode: str
    iterations: int = 0
    state_probs: np.ndarray | None = None

    def mean_of(self, cost: np.ndarray, lam: np.ndarray) -> float:
        """Call-weighted mean of a per-(atom, unit) cost (e.g. travel seconds) over answered calls."""
        w = np.asarray(lam)[:, None] * self.dispatch
        return float((w * np.asarray(cost)).sum() / w.sum())

    def unit_dispatch_share(self, lam: np.ndarray) -> np.ndarray:
        """(N,) share of all calls each unit answers."""
        lam = np.asarray(lam, dtype=float)
        return (lam[:, None] * self.dispatch).sum(axis=0) / lam.sum()


def _poisson_weights(n: int, a: float) -> np.ndarray:
    """``a^k / k!`` for k = 0..N, scaled so the largest is 1 (computed in logs: no overflow)."""
    logp = np.array([k * math.log(a) - math.lgamma(k + 1) if a > 0 else (0.0 if k == 0 else -np.inf)
                     for k in range(n + 1)])
    return np.exp(logp - logp.max())


def erlang_loss_probs(n: int, a: float) -> np.ndarray:
    """State probabilities P_0..P_N of the M/M/N/N (Erlang loss) system at offered load ``a``."""
    p = _poisson_weights(n, a)
    return p / p.sum()


def correction_factors(n: int, p: np.ndarray) -> np.ndarray:
    """Larson's correction factors ``Q(N, rho, j)``, j = 0..N-1, from the state probabilities ``p`` (P_0..P_N).

    ``Q_j`` corrects the independence guess ``rho^j (1 - rho)`` for "these j units busy and that
    one free": ``Q_j = sum_{k=j}^{N-1} P_k C(N-j-1, k-j) / C(N, k) / (rho^j (1 - rho))``, with
    ``rho = sum_k k P_k / N``. For the M/M/N queue this is Larson's (1975) closed form.
    """
    rho = float(np.dot(np.arange(n + 1), p[: n + 1]) / n)
    q = np.zeros(n)
    for j in range(n):
        s = 0.0
        for k in range(j, n):
            s += p[k] * math.comb(n - j - 1, k - j) / math.comb(n, k)
        den = rho**j * (1.0 - rho)
        if rho <= 0:
            q[j] = 1.0
        elif den > 0 and math.isfinite(s / den):
            q[j] = s / den
        else:  # a large fleet: rho^j underflows (hundreds of units), so the same sum in logarithms
            q[j] = _correction_log(n, j, p, rho)
    return q


def _correction_log(n: int, j: int, p: np.ndarray, rho: float) -> float:
    """``Q_j`` of :func:`correction_factors` summed in logarithms (no underflow of ``rho^j`` or ``P_k``)."""
    if rho >= 1.0:
        return 0.0
    lg = math.lgamma
    base = j * math.log(rho) + math.log1p(-rho)
    terms = [math.log(p[k]) + (lg(n - j) - lg(k - j + 1) - lg(n - k)) - (lg(n + 1) - lg(k + 1) - lg(n - k + 1)) - base
             for k in range(j, n) if p[k] > 0]
    if not terms:
        return 0.0
    top = max(terms)
    return math.exp(top) * math.fsum(math.exp(t - top) for t in terms)


def _check(lam: np.ndarray, pref: np.ndarray, mu: np.ndarray) -> None:
    j, n = pref.shape
    if lam.shape != (j,):
        raise TwinError(f"hypercube: lam must have one rate per atom ({j}), got shape {lam.shape}")
    if (lam < 0).any() or not np.isfinite(lam).all():
        raise TwinError("hypercube: call rates must be finite and >= 0")
    if (mu <= 0).any():
        raise TwinError("hypercube: service rates mu must be > 0")
    srt = np.sort(pref, axis=1)
    if not (srt == np.arange(n)).all():
        raise TwinError("hypercube: each atom's preference list must order every unit exactly once")


def hypercube(
    lam: np.ndarray,
    pref: np.ndarray,
    mu: float | np.ndarray = 1.0,
    *,
    mode: str = "loss",
    method: str = "auto",
    tol: float = 1e-12,
    max_iter: int = 10_000,
) -> HypercubeResult:
    """Solve the hypercube model.

    Args:
        lam: (J,) call rate of each atom (calls per unit time).
        pref: (J, N) each row a permutation of the unit indices, most preferred first.
        mu: service rate (1 / mean busy time), one for all units or one per unit (exact only).
        mode: ``"loss"`` (calls finding all busy are lost) or ``"queue"`` (they wait, FCFS).
        method: ``"exact"``, ``"approx"``, or ``"auto"`` (exact up to 12 units).
        tol: convergence tolerance of the approximation's fixed point.
        max_iter: iteration limit of the approximation.

    Returns:
        A :class:`HypercubeResult`.
    """
    lam = np.asarray(lam, dtype=float)
    pref = np.asarray(pref, dtype=np.int64)
    if pref.ndim != 2:
        raise TwinError("hypercube: pref must be a (atoms, units) array")
    n = pref.shape[1]
    mu_arr = np.broadcast_to(np.asarray(mu, dtype=float), (n,)).copy()
    _check(lam, pref, mu_arr)
    if mode not in ("loss", "queue"):
        raise TwinError(f"hypercube: mode must be 'loss' or 'queue', got {mode!r}")
    if method == "auto":
        method = "exact" if n <= EXACT_MAX_UNITS else "approx"
    if mode == "queue" and lam.sum() >= mu_arr.sum():
        raise TwinError(f"hypercube: queue mode needs total rate < total service rate ({lam.sum()} >= {mu_arr.sum()})")
    # atoms with the same preference list behave as one
    upref, inv = np.unique(pref, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    ulam = np.bincount(inv, weights=lam, minlength=len(upref))
    if method == "exact":
        if n > 20:
            raise TwinError(f"hypercube: exact needs 2^N states; {n} units is too many (use method='approx')")
        res = _exact(ulam, upref, mu_arr, mode)
    elif method == "approx":
        if not np.allclose(mu_arr, mu_arr[0]):
            raise TwinError("hypercube: the approximation assumes one service rate for all units")
        res = _approx(ulam, upref, float(mu_arr[0]), tol, max_iter, mode)
    else:
        raise TwinError(f"hypercube: method must be 'exact', 'approx' or 'auto', got {method!r}")
    res.dispatch = res.dispatch[inv]
    res.loss_by_atom = res.loss_by_atom[inv]
    return res


def _first_free(states: np.ndarray, pref_row: np.ndarray) -> np.ndarray:
    """Index (into units) of the first free unit of each state along ``pref_row``; -1 when all busy."""
    out = np.full(states.size, -1, np.int64)
    for u in pref_row[::-1]:
        free = ((states >> u) & 1) == 0
        out[free] = u
    return out


def _exact(lam: np.ndarray, pref: np.ndarray, mu: np.ndarray, mode: str) -> HypercubeResult:
    n = pref.shape[1]
    m = 1 << n
    full = m - 1
    states = np.arange(m, dtype=np.int64)
    rows, cols, vals = [], [], []
    first = [_first_free(states, pr) for pr in pref]
    for r, f in enumerate(first):
        ok = f >= 0
        rows.append(states[ok])
        cols.append(states[ok] | (np.int64(1) << f[ok]))
        vals.append(np.full(ok.sum(), lam[r]))
    # in queue mode the full state lumps "all busy, any queue": a completion leaves it only when the
    # queue is empty, which (one service rate) it is with probability 1 - lam / (N mu)
    leave_full = 1.0 - lam.sum() / mu.sum() if mode == "queue" else 1.0
    for u in range(n):
        busy = ((states >> u) & 1) == 1
        rows.append(states[busy])
        cols.append(states[busy] & ~(np.int64(1) << u))
        vals.append(np.where(states[busy] == full, mu[u] * leave_full, mu[u]))
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals)
    out_rate = np.bincount(r, weights=v, minlength=m)
    # balance equations: column s of Q is row s of the system; row m-1 is replaced by sum(pi) = 1
    er = np.concatenate([c, states])
    ec = np.concatenate([r, states])
    ev = np.concatenate([v, -out_rate])
    keep = er != m - 1
    er = np.concatenate([er[keep], np.full(m, m - 1)])
    ec = np.concatenate([ec[keep], states])
    ev = np.concatenate([ev[keep], np.ones(m)])
    q = coo_matrix((ev, (er, ec)), shape=(m, m)).tocsc()
    b = np.zeros(m)
    b[m - 1] = 1.0
    # GMRES converges in a few dozen steps on these chains; a direct solve is the fallback (sparse LU
    # suffers heavy fill-in on the hypercube's graph: seconds at 12 units)
    pi, info = gmres(q, b, rtol=1e-13, atol=0.0, restart=200, maxiter=200)
    if info != 0 or np.abs(q @ pi - b).max() > 1e-10:
        pi = spsolve(q, b, permc_spec="MMD_AT_PLUS_A")
    pi = np.maximum(pi, 0.0)
    pi /= pi.sum()
    bits = ((states[:, None] >> np.arange(n)) & 1).astype(float)
    busy = pi @ bits
    disp = np.zeros((len(pref), n))
    for j, f in enumerate(first):
        ok = f >= 0
        disp[j] = np.bincount(f[ok], weights=pi[ok], minlength=n)
    p_full = float(pi[full])
    if mode == "queue":
        # calls arriving at the full state wait and are served by whichever unit frees first (mu_n / sum mu)
        disp += p_full * (mu / mu.sum())[None, :]
        loss_atoms = np.zeros(len(pref))
        loss = 0.0
        # a unit stays busy through the whole queue: its busy share includes every full-state time
    else:
        loss_atoms = np.full(len(pref), p_full)
        loss = p_full
    return HypercubeResult(busy, disp, loss_atoms, loss, "exact", mode, 0, pi)


def mmn_probs(n: int, a: float) -> np.ndarray:
    """P_0..P_{N-1} of the M/M/N queue at offered load ``a < N``, and in the last place P(all N busy) (Erlang C)."""
    w = _poisson_weights(n, a)
    w[n] /= 1.0 - a / n  # the whole queue tail: a^N / N! * sum (a/N)^q
    return w / w.sum()


def _approx(lam: np.ndarray, pref: np.ndarray, mu: float, tol: float, max_iter: int,
            mode: str = "loss") -> HypercubeResult:
    j_n, n = pref.shape
    a = lam.sum() / mu
    # loss: M/M/N/N state probabilities; queue: M/M/N with the waiting states lumped into "all busy"
    p = erlang_loss_probs(n, a) if mode == "loss" else mmn_probs(n, a)
    q = correction_factors(n, p)
    # queue mode: a unit also serves its share of the calls that waited (they go to whoever frees first)
    queued = a * p[n] / n if mode == "queue" else 0.0
    rho_bar = a * (1.0 - p[n]) / n if mode == "loss" else a / n
    rho = np.full(n, rho_bar)
    it = 0
    while it < max_iter:
        it += 1
        # P(first k preferred busy) under the corrected independence guess, per atom and position
        rb = rho[pref]
        prod = np.concatenate([np.ones((j_n, 1)), np.cumprod(rb[:, :-1], axis=1)], axis=1)
        w = lam[:, None] * q[None, :] * prod / mu
        v = np.bincount(pref.ravel(), weights=w.ravel(), minlength=n)
        new = (v + queued) / (1.0 + v)
        if np.max(np.abs(new - rho)) < tol:
            rho = new
            break
        rho = 0.5 * rho + 0.5 * new  # damped: the plain iteration can oscillate at high load
    rb = rho[pref]
    prod = np.concatenate([np.ones((j_n, 1)), np.cumprod(rb[:, :-1], axis=1)], axis=1)
    f = q[None, :] * prod * (1.0 - rb)
    disp = np.zeros((j_n, n))
    np.put_along_axis(disp, pref, f, axis=1)
    if mode == "queue":
        disp += p[n] / n  # the calls that waited (a share Erlang C of all), spread evenly over the units
        return HypercubeResult(rho, disp, np.zeros(j_n), 0.0, "approx", "queue", it, None)
    # every call that is not answered is lost; the model's own loss is the Erlang B of the fleet
    return HypercubeResult(rho, disp, np.full(j_n, float(p[n])), float(p[n]), "approx", "loss", it, None)
