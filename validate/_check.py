"""One row of the validation table: a model's figure beside its independent reference, and the verdict."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

#: A row's status: inside its tolerance, outside it, or its reference could not be run here.
STATUSES = ("pass", "fail", "unavailable")


@dataclass
class Check:
    """A model figure against a reference figure, with the rule that decides agreement.

    Attributes:
        model: which model (``coverage``, ``planner``, ``capacity`` ...).
        figure: what is compared, in words, with its unit.
        reference: the independent reference, in words (a closed form, a published table, GDAL ...).
        value: the model's number.
        expected: the reference's number.
        agreement: the number the tolerance is applied to (a share, a difference, a ratio).
        tolerance: the rule, in words (``>= 0.98``, ``|diff| <= 0.0005``).
        status: ``pass``, ``fail`` or ``unavailable``.
        note: how the reference was obtained, and anything a reader should know.
        seconds: wall time of the check.
    """

    model: str
    figure: str
    reference: str
    value: float | None
    expected: float | None
    agreement: float | None
    tolerance: str
    status: str
    note: str = ""
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The JSON-ready row (NaN and infinities as null)."""
        out = asdict(self)
        for k in ("value", "expected", "agreement"):
            v = out[k]
            out[k] = None if v is None or not math.isfinite(v) else float(v)
        return out


def within_abs(model: str, figure: str, reference: str, value: float, expected: float, tol: float,
               note: str = "", **details: Any) -> Check:
    """A row that passes when ``|value - expected| <= tol``."""
    diff = abs(value - expected)
    ok = math.isfinite(diff) and diff <= tol
    return Check(model, figure, reference, value, expected, diff, f"|diff| <= {tol:g}", "pass" if ok else "fail",
                 note, details=dict(details))


def within_rel(model: str, figure: str, reference: str, value: float, expected: float, tol: float,
               note: str = "", **details: Any) -> Check:
    """A row that passes when ``|value / expected - 1| <= tol``."""
    rel = abs(value / expected - 1.0) if expected else math.inf
    ok = math.isfinite(rel) and rel <= tol
    return Check(model, figure, reference, value, expected, rel, f"|rel diff| <= {tol:g}",
                 "pass" if ok else "fail", note, details=dict(details))


def at_least(model: str, figure: str, reference: str, value: float, expected: float | None, agreement: float,
             floor: float, note: str = "", **details: Any) -> Check:
    """A row that passes when ``agreement >= floor`` (a share of cells in agreement, a ratio to a bound)."""
    ok = math.isfinite(agreement) and agreement >= floor
    return Check(model, figure, reference, value, expected, agreement, f">= {floor:g}", "pass" if ok else "fail",
                 note, details=dict(details))


def within_se(model: str, figure: str, reference: str, samples: np.ndarray, expected: float, note: str = "",
              *, k: float = 3.0, max_rel_se: float = 0.02) -> Check:
    """A row over independent replications: the mean within ``k`` standard errors of the reference.

    The standard error must itself be small (``max_rel_se`` of the reference) so that noise cannot
    pass a wrong model; the agreement is the difference in standard errors.
    """
    mean = float(np.mean(samples))
    se = float(np.std(samples, ddof=1) / math.sqrt(len(samples))) if len(samples) > 1 else math.inf
    z = abs(mean - expected) / se if se > 0 else (0.0 if mean == expected else math.inf)
    ok = z <= k and se <= max_rel_se * abs(expected)
    return Check(model, figure, reference, mean, expected, z,
                 f"|diff| <= {k:g} standard errors (SE <= {100 * max_rel_se:g}% of the reference)",
                 "pass" if ok else "fail", note + f"; SE {se:.4g}", details={"se": se, "n": len(samples)})


def unavailable(model: str, figure: str, reference: str, why: str) -> Check:
    """A row whose reference cannot run here (its tolerance is not tested)."""
    return Check(model, figure, reference, None, None, None, "-", "unavailable", why)


def timed(fn: Callable[..., list[Check]], *args: Any, **kwargs: Any) -> list[Check]:
    """Run one group of checks and spread its wall time over its rows."""
    t0 = time.perf_counter()
    rows = fn(*args, **kwargs)
    dt = time.perf_counter() - t0
    for r in rows:
        r.seconds = round(dt / max(len(rows), 1), 3)
    return rows
