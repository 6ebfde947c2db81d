"""Summaries of a fire run: distributions with confidence intervals, compliance, fire size, utilisation.

Confidence intervals (95 %): normal theory for means, order statistics (binomial ranks, no
distribution assumed) for 90th percentiles, Wilson intervals for shares.
"""

from __future__ import annotations

__all__ = ["describe", "mean_ci", "quantile_ci", "summarise_outcome", "wilson_ci"]

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.fire._engine import SOURCES
from sim.standards import compliance

if TYPE_CHECKING:
    from sim.fire._engine import Outcome

def wilson_ci(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a share ``k / n``."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


def mean_ci(v: np.ndarray, z: float = 1.959964) -> tuple[float, float]:
    """95 % normal-theory interval of the mean (thousands of incidents: the CLT holds well)."""
    n = v.size
    if n < 2:
        return (float("nan"), float("nan"))
    half = z * float(v.std(ddof=1)) / math.sqrt(n)
    return (float(v.mean()) - half, float(v.mean()) + half)


def quantile_ci(v: np.ndarray, q: float, conf: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval of the ``q`` quantile from order statistics (binomial ranks)."""
    from scipy.stats import binom

    n = v.size
    if n < 2:
        return (float("nan"), float("nan"))
    s = np.sort(v)
    lo = int(binom.ppf((1 - conf) / 2, n, q))
    hi = int(binom.ppf(1 - (1 - conf) / 2, n, q))
    return (float(s[max(lo - 1, 0)]), float(s[min(hi, n - 1)]))


def describe(v: np.ndarray, *, scale: float = 1.0) -> dict[str, Any]:
    """n, mean, median, p90 with 95 % CIs of the mean and p90 (values divided by ``scale``)."""
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)] / scale
    if v.size == 0:
        return {"n": 0}
    return {
        "n": int(v.size),
        "mean": float(v.mean()),
        "mean_ci95": list(mean_ci(v)),
        "median": float(np.median(v)),
        "p90": float(np.percentile(v, 90)),
        "p90_ci95": list(quantile_ci(v, 0.9)),
        "max": float(v.max()),
    }


def summarise_outcome(out: Outcome, station_ids: list[str], truck_names: list[str], standard: str) -> dict[str, Any]:
    """The metrics of one run (times in seconds, fire sizes in kW)."""
    ph = out.phases()
    n = int(out.t_ignite.size)
    fo = int(out.flashed_over.sum())
    ma = int((out.station == -1).sum())
    util = out.utilisation()
    src = {name: int((out.source == k).sum()) for k, name in enumerate(SOURCES)}
    return {
        "incidents": n,
        "detected_by": src,
        "times_s": {k: describe(v) for k, v in ph.items()},
        "compliance": compliance(ph, standard),
        "fire_kw_at_arrival": describe(out.q_arrive_kw),
        "fire_kw_at_water_on": describe(out.q_water_kw),
        "flashover_share": fo / n if n else float("nan"),
        "flashover_share_ci95": list(wilson_ci(fo, n)),
        "mutual_aid_share": ma / n if n else float("nan"),
        "mutual_aid_share_ci95": list(wilson_ci(ma, n)),
        "truck_utilisation": {name: float(u) for name, u in zip(truck_names, util, strict=True)},
        "station_utilisation": {
            sid: float(util[out.truck_station == s].mean()) if (out.truck_station == s).any() else 0.0
            for s, sid in enumerate(station_ids)
        },
    }
