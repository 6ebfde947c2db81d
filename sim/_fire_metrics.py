"""Summaries of a fire run: distributions with confidence intervals, compliance, fire size, utilisation.

Confidence intervals are 95 % percentile bootstraps (seeded, vectorised) for means and 90th
percentiles, and Wilson intervals for shares.
"""

from __future__ import annotations

__all__ = ["bootstrap_ci", "describe", "summarise_outcome", "wilson_ci"]

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .standards import compliance

if TYPE_CHECKING:
    from ._fire_engine import Outcome

_B = 400  # bootstrap resamples: CI endpoints stable to about 1 % of their width at this count


def wilson_ci(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a share ``k / n``."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


def bootstrap_ci(v: np.ndarray, stat: str, rng: np.random.Generator) -> tuple[float, float]:
    """95 % percentile-bootstrap interval of ``mean`` or ``p90`` of ``v``."""
    n = v.size
    if n < 2:
        return (float("nan"), float("nan"))
    idx = rng.integers(0, n, size=(_B, n))
    s = v[idx]
    vals = s.mean(axis=1) if stat == "mean" else np.percentile(s, 90, axis=1)
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return (float(lo), float(hi))


def describe(v: np.ndarray, rng: np.random.Generator, *, scale: float = 1.0) -> dict[str, Any]:
    """n, mean, median, p90 with 95 % CIs of the mean and p90 (values divided by ``scale``)."""
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)] / scale
    if v.size == 0:
        return {"n": 0}
    return {
        "n": int(v.size),
        "mean": float(v.mean()),
        "mean_ci95": list(bootstrap_ci(v, "mean", rng)),
        "median": float(np.median(v)),
        "p90": float(np.percentile(v, 90)),
        "p90_ci95": list(bootstrap_ci(v, "p90", rng)),
        "max": float(v.max()),
    }


def summarise_outcome(out: Outcome, station_ids: list[str], truck_names: list[str], standard: str,
                      seed: int) -> dict[str, Any]:
    """The metrics of one run (times in seconds, fire sizes in kW)."""
    rng = np.random.default_rng(seed)
    ph = out.phases()
    n = int(out.t_ignite.size)
    fo = int(out.flashed_over.sum())
    ma = int((out.station == -1).sum())
    util = out.utilisation()
    src = {name: int((out.source == k).sum()) for k, name in enumerate(("call", "operator", "analytics"))}
    return {
        "incidents": n,
        "detected_by": src,
        "times_s": {k: describe(v, rng) for k, v in ph.items()},
        "compliance": compliance(ph, standard),
        "fire_kw_at_water_on": describe(out.q_water_kw, rng),
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
