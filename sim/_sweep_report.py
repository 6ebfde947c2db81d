"""A sweep's tables and pictures: the per-task table, the per-cell summary with intervals, the plots.

Intervals: a ``mean`` metric gets the Student-t interval of the replication mean; a
``proportion`` metric (a pass/fail per replication) gets the Wilson score interval, which stays
inside [0, 1] and behaves at 0 and 100% where the normal approximation does not.
"""

from __future__ import annotations

__all__ = ["cell_stats", "plot_main_metric", "summarise", "write_results_csv", "write_summary_csv"]

import csv
import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    from .sweep_models import Metric


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


def summarise(
    rows: Sequence[dict[str, Any]],
    cells: Sequence[dict[str, Any]],
    axes: Sequence[str],
    metrics: Sequence[Metric],
    *,
    confidence: float,
) -> list[dict[str, Any]]:
    """Per grid cell: its parameters, the replications done and each metric's statistics."""
    by_cell: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_cell.setdefault(r["cell"], []).append(r)
    out = []
    for i, cell in enumerate(cells):
        got = by_cell.get(i, [])
        out.append(
            {
                "cell": i,
                "params": {a: cell[a] for a in axes},
                "replications": len(got),
                "metrics": {
                    m.name: cell_stats([r["metrics"][m.name] for r in got], kind=m.kind, confidence=confidence)
                    for m in metrics
                },
            }
        )
    return out


def write_summary_csv(
    path: Path, summary: Sequence[dict[str, Any]], axes: Sequence[str], metrics: Sequence[str]
) -> None:
    """The per-cell summary as a flat table: ``<metric>_mean``, ``_ci_low``, ``_ci_high``, ``_std``."""
    cols = ["mean", "ci_low", "ci_high", "std"]
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["cell", *axes, "replications", *(f"{m}_{c}" for m in metrics for c in cols)])
        for s in summary:
            w.writerow(
                [s["cell"], *(_fmt(s["params"][a]) for a in axes), s["replications"]]
                + [_fmt(_num(s["metrics"][m][c])) for m in metrics for c in cols]
            )
    tmp.replace(path)


def _pooled(rows: Sequence[dict[str, Any]], axis: str, values: Sequence[Any], metric: Metric, confidence: float):
    stats_ = []
    for v in values:
        got = [r["metrics"][metric.name] for r in rows if r["params"][axis] == v]
        stats_.append(cell_stats(got, kind=metric.kind, confidence=confidence))
    return stats_


def plot_main_metric(
    out: Path,
    *,
    model: str,
    axes: dict[str, list[Any]],
    summary: Sequence[dict[str, Any]],
    rows: Sequence[dict[str, Any]],
    metric: Metric,
    confidence: float,
    max_lines: int = 8,
) -> list[Path]:
    """One PNG per swept parameter: the main metric's mean and interval against that parameter.

    The other swept parameters draw one line per combination when there are at most ``max_lines``
    of them; beyond that the replications are pooled over them (the title says so).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    label_y = metric.name + (f" [{metric.unit}]" if metric.unit else "")
    for axis, values in axes.items():
        if len(values) < 2:
            continue
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        xs = np.array(values, dtype=float) if numeric else np.arange(len(values), dtype=float)
        others = [a for a, vs in axes.items() if a != axis and len(vs) > 1]
        combos = list(itertools.product(*(axes[a] for a in others)))
        fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=110)
        series: list[tuple[str, list[dict[str, Any]]]] = []
        if len(combos) <= max_lines:
            for combo in combos:
                fixed = dict(zip(others, combo, strict=True))
                pts = []
                for v in values:
                    want = fixed | {axis: v}
                    s = next(s for s in summary if all(s["params"][a] == want[a] for a in want))
                    pts.append(s["metrics"][metric.name])
                series.append((", ".join(f"{a}={c}" for a, c in fixed.items()), pts))
            title_note = ""
        else:
            series.append(("pooled", _pooled(rows, axis, values, metric, confidence)))
            title_note = f" (pooled over {', '.join(others)})"
        for label, pts in series:
            mean = np.array([_num(p["mean"]) for p in pts])
            lo = np.array([_num(p["ci_low"]) for p in pts])
            hi = np.array([_num(p["ci_high"]) for p in pts])
            line = ax.plot(xs, mean, marker="o", ms=4, lw=1.6, label=label or None)[0]
            if np.isfinite(lo).any():
                ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.18, lw=0)
        if not numeric:
            ax.set_xticks(xs, [str(v) for v in values])
        ax.set_xlabel(axis)
        ax.set_ylabel(label_y)
        has_ci = any(np.isfinite([_num(p["ci_low"]) for p in pts]).any() for _, pts in series)
        what = f"mean, shaded: {confidence:.0%} interval" if has_ci else "one value per cell (no replications)"
        ax.set_title(f"{model}: {metric.name} against {axis}{title_note}\n{what}")
        ax.grid(alpha=0.3)
        if any(label for label, _ in series):
            ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
        path = out / f"plot_{axis}.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written
