"""A sweep's pictures: the main metric against each swept parameter, with its intervals.

The model (:mod:`sim.sweep`) never imports this module: ``run_sweep(..., plots=plot_main_metric)``
hands it the finished table (the command line does).
"""

from __future__ import annotations

__all__ = ["plot_main_metric"]

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.sweep._tables import _num, cell_stats, paired_diff

if TYPE_CHECKING:
    from sim.sweep._models import Metric


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
