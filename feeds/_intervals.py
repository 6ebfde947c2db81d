"""Confidence intervals for the detector's figures: a proportion (detected of tried) and a rate (alarms per hour).

Thin evidence must show as wide intervals, so every figure the evaluation reports carries one:

- :func:`clopper_pearson`: the exact binomial interval (Clopper & Pearson 1934), from beta quantiles;
  it never undercovers, which matters when a band holds one or two clips.
- :func:`wilson`: the Wilson score interval (Wilson 1927), narrower and centred nearer 0.5.
- :func:`poisson_rate`: the exact (Garwood 1936) interval of a Poisson count over an exposure, from
  chi-square quantiles: zero alarms in 0.06 h still allows up to 61 an hour.
"""

from __future__ import annotations

import math

from scipy.stats import beta, chi2, norm

__all__ = ["clopper_pearson", "poisson_rate", "wilson"]


def clopper_pearson(k: int, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Exact two-sided interval of a proportion ``k / n`` (``(0, 1)`` when ``n == 0``: nothing is known)."""
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"a proportion needs 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return 0.0, 1.0
    a = (1.0 - level) / 2.0
    lo = 0.0 if k == 0 else float(beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1.0 - a, k + 1, n - k))
    return lo, hi


def wilson(k: int, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of ``k / n`` (``(0, 1)`` when ``n == 0``)."""
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"a proportion needs 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return 0.0, 1.0
    z = float(norm.ppf(0.5 + level / 2.0))
    p = k / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def poisson_rate(k: int, exposure: float, *, level: float = 0.95) -> tuple[float, float]:
    """Exact interval of a rate: ``k`` events over ``exposure`` (e.g. hours); ``(0, inf)`` with no exposure."""
    if k < 0 or exposure < 0:
        raise ValueError(f"a rate needs k >= 0 and exposure >= 0, got k={k}, exposure={exposure}")
    if exposure == 0:
        return 0.0, math.inf
    a = (1.0 - level) / 2.0
    lo = 0.0 if k == 0 else float(chi2.ppf(a, 2 * k)) / 2.0
    hi = float(chi2.ppf(1.0 - a, 2 * k + 2)) / 2.0
    return lo / exposure, hi / exposure
