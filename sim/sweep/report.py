"""A sweep's tables and pictures: the per-task table, the per-cell summary with intervals, the plots.

Intervals: a ``mean`` metric gets the Student-t interval of the replication mean; a
``proportion`` metric (a pass/fail per replication) gets the Wilson score interval, which stays
inside [0, 1] and behaves at 0 and 100% where the normal approximation does not.
"""

from __future__ import annotations

__all__ = ["cell_stats", "paired_diff", "plot_main_metric", "summarise", "write_results_csv", "write_summary_csv"]

import csv
import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    from sim.sweep.models import Metric


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
    paired: bool = False,
    max_lines: int = 8,
) -> list[Path]:
    """One PNG per swept parameter: the main metric's mean and interval against that parameter.

    The other swept parameters draw one line per combination when there are at most ``max_lines``
    of them; beyond that the replications are pooled over them (the title says so). With
    ``paired`` (common random numbers) a second panel draws each point's difference from the
    first point of its line, paired by replication: the comparison the shared seeds sharpen.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    label_y = metric.name + (f" [{metric.unit}]" if metric.unit else "")
    by_cell: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_cell.setdefault(r["cell"], []).append(r)
    for axis, values in axes.items():
        if len(values) < 2:
            continue
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        xs = np.array(values, dtype=float) if numeric else np.arange(len(values), dtype=float)
        others = [a for a, vs in axes.items() if a != axis and len(vs) > 1]
        combos = list(itertools.product(*(axes[a] for a in others)))
        # (label, stats per point, rows per point or None when pooled)
        series: list[tuple[str, list[dict[str, Any]], list[list[dict[str, Any]]] | None]] = []
        if len(combos) <= max_lines:
            for combo in combos:
                fixed = dict(zip(others, combo, strict=True))
                pts, prow = [], []
                for v in values:
                    want = fixed | {axis: v}
                    s = next(s for s in summary if all(s["params"][a] == want[a] for a in want))
                    pts.append(s["metrics"][metric.name])
                    prow.append(by_cell.get(s["cell"], []))
                series.append((", ".join(f"{a}={c}" for a, c in fixed.items()), pts, prow))
            title_note = ""
        else:
            series.append(("pooled", _pooled(rows, axis, values, metric, confidence), None))
            title_note = f" (pooled over {', '.join(others)})"
        diff = paired and series[0][2] is not None
        fig, axs = plt.subplots(
            2 if diff else 1, 1, figsize=(7.5, 7.0 if diff else 4.5), dpi=110, sharex=True, squeeze=False
        )
        ax = axs[0, 0]
        for label, pts, prow in series:
            mean = np.array([_num(p["mean"]) for p in pts])
            lo = np.array([_num(p["ci_low"]) for p in pts])
            hi = np.array([_num(p["ci_high"]) for p in pts])
            line = ax.plot(xs, mean, marker="o", ms=4, lw=1.6, label=label or None)[0]
            if np.isfinite(lo).any():
                ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.18, lw=0)
            if diff and prow is not None:
                d = [paired_diff(pr, prow[0], metric.name, confidence=confidence) for pr in prow]
                dm = np.array([_num(p["mean"]) for p in d])
                dlo = np.array([_num(p["ci_low"]) for p in d])
                dhi = np.array([_num(p["ci_high"]) for p in d])
                axs[1, 0].plot(xs, dm, marker="o", ms=4, lw=1.6, color=line.get_color())
                axs[1, 0].fill_between(xs, dlo, dhi, color=line.get_color(), alpha=0.18, lw=0)
        bottom = axs[-1, 0]
        if not numeric:
            bottom.set_xticks(xs, [str(v) for v in values])
        bottom.set_xlabel(axis)
        ax.set_ylabel(label_y)
        has_ci = any(np.isfinite([_num(p["ci_low"]) for p in pts]).any() for _, pts, _ in series)
        what = f"mean, shaded: {confidence:.0%} interval" if has_ci else "one value per cell (no replications)"
        ax.set_title(f"{model}: {metric.name} against {axis}{title_note}\n{what}")
        if diff:
            axs[1, 0].axhline(0.0, color="0.4", lw=0.8)
            axs[1, 0].set_ylabel(f"difference from {axis}={values[0]}")
            axs[1, 0].set_title("paired by replication (common random numbers)", fontsize=10)
            axs[1, 0].grid(alpha=0.3)
        ax.grid(alpha=0.3)
        if any(label for label, _, _ in series):
            ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
        path = out / f"plot_{axis}.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written
