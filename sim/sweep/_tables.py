"""A sweep's tables: the per-task table, the per-cell summary with intervals (its data, not pictures).

``results.csv`` is the sweep's result table (a Dask run and a serial run give it byte for byte the
same); ``summary.csv`` and the ``summary`` of ``summary.json`` hold per-cell means with intervals.
Intervals: a ``mean`` metric gets the Student-t interval of the replication mean; a ``proportion``
metric (a pass/fail per replication) gets the Wilson score interval, which stays inside [0, 1] and
behaves at 0 and 100% where the normal approximation does not.
"""

from __future__ import annotations

__all__ = ["cell_stats", "paired_diff", "summarise", "write_results_csv", "write_summary_csv"]

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    from sim.sweep._models import Metric


def _fmt(v: Any) -> str:
    """One CSV cell: floats by ``repr`` so the text round-trips bit for bit."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    return str(v)


def _num(v: Any) -> float:
    if v is None:
        return float("nan")
    return float(v)


def write_results_csv(path: Path, rows: Sequence[dict[str, Any]], axes: Sequence[str], metrics: Sequence[str]) -> None:
    """One line per cell x replication, ordered by cell then replication (never by finishing order)."""
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["cell", "replication", "seed", *axes, *metrics])
        for r in rows:
            w.writerow(
                [r["cell"], r["rep"], r["seed"]]
                + [_fmt(r["params"][a]) for a in axes]
                + [_fmt(r["metrics"][m]) for m in metrics]
            )
    tmp.replace(path)


def cell_stats(values: Sequence[Any], *, kind: str, confidence: float) -> dict[str, float | int | None]:
    """Mean (or share), standard deviation and the confidence interval of one metric in one cell.

    Non-finite values (a model's NaN) are left out and counted in ``n_missing``.
    """
    x = np.array([_num(v) for v in values], dtype=float)
    finite = np.isfinite(x)
    x = x[finite]
    n = int(x.size)
    out: dict[str, float | int | None] = {"n": n, "n_missing": int((~finite).sum())}
    if n == 0:
        return out | {"mean": None, "std": None, "ci_low": None, "ci_high": None}
    mean = float(x.mean())
    std = float(x.std(ddof=1)) if n > 1 else None
    lo = hi = None
    if kind == "proportion":
        z = float(stats.norm.ppf(0.5 + confidence / 2))
        centre = (mean + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(mean * (1 - mean) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    elif n > 1:
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * std / math.sqrt(n)
        lo, hi = mean - half, mean + half
    return out | {"mean": mean, "std": std, "ci_low": lo, "ci_high": hi}


def paired_diff(
    rows: Sequence[dict[str, Any]], base: Sequence[dict[str, Any]], metric: str, *, confidence: float
) -> dict[str, float | int | None]:
    """Mean and Student-t interval of ``row - base`` paired by replication (common random numbers).

    Replication ``r`` of two cells shares its seed, so the difference cancels the luck of the draw
    both cells had; only replications present (and finite) in both count.
    """
    b = {r["rep"]: _num(r["metrics"][metric]) for r in base}
    d = [_num(r["metrics"][metric]) - b[r["rep"]] for r in rows if r["rep"] in b]
    return cell_stats(d, kind="mean", confidence=confidence)


def summarise(
    rows: Sequence[dict[str, Any]],
    cells: Sequence[dict[str, Any]],
    axes: Sequence[str],
    metrics: Sequence[Metric],
    *,
    confidence: float,
    paired: bool = False,
) -> list[dict[str, Any]]:
    """Per grid cell: its parameters, the replications done and each metric's statistics.

    With ``paired`` (common random numbers) each cell also gets ``vs_first``: every metric's
    difference from the first cell of the grid, paired by replication.
    """
    by_cell: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_cell.setdefault(r["cell"], []).append(r)
    out = []
    for i, cell in enumerate(cells):
        got = by_cell.get(i, [])
        doc = {
            "cell": i,
            "params": {a: cell[a] for a in axes},
            "replications": len(got),
            "metrics": {
                m.name: cell_stats([r["metrics"][m.name] for r in got], kind=m.kind, confidence=confidence)
                for m in metrics
            },
        }
        if paired:
            doc["vs_first"] = {
                m.name: paired_diff(got, by_cell.get(0, []), m.name, confidence=confidence) for m in metrics
            }
        out.append(doc)
    return out


def write_summary_csv(
    path: Path, summary: Sequence[dict[str, Any]], axes: Sequence[str], metrics: Sequence[str]
) -> None:
    """The per-cell summary as a flat table: ``<metric>_mean``, ``_ci_low``, ``_ci_high``, ``_std``.

    With common random numbers also ``<metric>_vs_first_mean``, ``_ci_low``, ``_ci_high``: the
    difference from the first cell, paired by replication.
    """
    cols = ["mean", "ci_low", "ci_high", "std"]
    dcols = ["mean", "ci_low", "ci_high"]
    paired = bool(summary) and "vs_first" in summary[0]
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        head = ["cell", *axes, "replications", *(f"{m}_{c}" for m in metrics for c in cols)]
        if paired:
            head += [f"{m}_vs_first_{c}" for m in metrics for c in dcols]
        w.writerow(head)
        for s in summary:
            line = [s["cell"], *(_fmt(s["params"][a]) for a in axes), s["replications"]]
            line += [_fmt(_num(s["metrics"][m][c])) for m in metrics for c in cols]
            if paired:
                line += [_fmt(_num(s["vs_first"][m][c])) for m in metrics for c in dcols]
            w.writerow(line)
    tmp.replace(path)
