"""What ``showroom feeds evaluate`` writes: summary.json, per_clip.csv, detection_profile.json and two plots.

- ``summary.json``: per clip and per kind (detected, delay, false alarms, CPU per frame) and totals per
  kind and split (all, tune, holdout), with intervals;
- ``per_clip.csv``: one row per clip and kind, for a spreadsheet;
- ``detection_profile.json``: what ``showroom fire --detection-profile`` reads;
- ``delay.png``: the delays from labelled onset to the first alarm, per kind (every sample drawn: they are few);
- ``confusion.png``: clip-level confusion tables per kind, with recall and false alarms per hour.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import numpy as np

from twin.cityio import json_safe, write_json

from .evaluate import KINDS

__all__ = ["format_table", "write_evaluation"]


def _fmt(x: float | None, nd: int = 2) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def _plot_delay(scored: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=110)
    for i, kind in enumerate(KINDS):
        tot = scored["totals"]["all"][kind]
        d = tot["delays_real_s"]
        y = np.full(len(d), float(i)) + np.linspace(-0.12, 0.12, len(d)) if d else np.zeros(0)
        ax.scatter(d, y, s=36, color=("#d62728", "#7f7f7f", "#1f77b4")[i], zorder=3)
        ax.text(1.01, i, f"n={tot['positives']}, detected {tot['detected']}", transform=ax.get_yaxis_transform(),
                va="center", fontsize=8)
    ax.set_yticks(range(len(KINDS)), KINDS)
    ax.set_ylim(-0.6, len(KINDS) - 0.4)
    ax.set_xlabel("delay from labelled onset to first alarm (real seconds)")
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Detector delay on the labelled clips (every sample shown)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _plot_confusion(scored: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(KINDS), figsize=(3.2 * len(KINDS), 3.3), dpi=110)
    for ax, kind in zip(axes, KINDS, strict=True):
        tot = scored["totals"]["all"][kind]
        c = tot["confusion"]
        m = np.array([[c["tp"], c["fn"]], [c["fp"], c["tn"]]], dtype=float)
        ax.imshow(m, cmap="Blues", vmin=0, vmax=max(1.0, m.max()))
        for (r, col), v in np.ndenumerate(m):
            ax.text(col, r, f"{int(v)}", ha="center", va="center", fontsize=14,
                    color="white" if v > m.max() / 2 and v > 0 else "black")
        ax.set_xticks([0, 1], ["alarm", "no alarm"])
        ax.set_yticks([0, 1], [f"{kind} shows", "never shows"])
        lo, hi = tot["false_alarms_per_hour_ci95"]
        ax.set_title(f"{kind}: recall {_fmt(tot['recall'])}\nFA/h {_fmt(tot['false_alarms_per_hour'], 1)} "
                     f"[{_fmt(lo, 1)}, {_fmt(hi, 1)}]", fontsize=9)
    fig.suptitle("Clips: labelled content vs detector alarm", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_evaluation(ev: dict[str, Any], out: str | Path) -> dict[str, Path]:
    """Write an :func:`~feeds.evaluate.evaluate_clips` result into ``out``; returns the paths by role."""
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    scored = ev["score"]
    paths = {"summary": d / "summary.json", "per_clip": d / "per_clip.csv", "profile": d / "detection_profile.json",
             "delay": d / "delay.png", "confusion": d / "confusion.png"}
    summary = {"clips": scored["clips"], "totals": scored["totals"], "cpu": scored["cpu"],
               "unlabelled_files": ev["unlabelled"], "detector_params": ev["params"]}
    write_json(paths["summary"], json_safe(summary))
    write_json(paths["profile"], json_safe(ev["profile"]))
    tmp = paths["per_clip"].with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "split", "kind", "onset_s", "detected", "delay_s", "delay_real_s", "false_alarms",
                    "clear_real_s", "source_ppm", "detector_ms_per_frame", "frames"])
        for c in scored["clips"]:
            for kind in KINDS:
                k = c["kinds"][kind]
                onset = min((v for v in c["onset_s"].values() if v is not None), default=None) if kind == "any" \
                    else c["onset_s"][kind]
                w.writerow([c["file"], c["split"], kind, "" if onset is None else onset,
                            "" if k["detected"] is None else int(k["detected"]),
                            "" if k["delay_s"] is None else round(k["delay_s"], 3),
                            "" if k["delay_real_s"] is None else round(k["delay_real_s"], 3),
                            k["false_alarms"], round(k["clear_real_s"], 3),
                            "" if c["source_ppm"] is None else c["source_ppm"],
                            round(c["detector_ms_per_frame"], 3), c["frames"]])
    os.replace(tmp, paths["per_clip"])
    _plot_delay(scored, paths["delay"])
    _plot_confusion(scored, paths["confusion"])
    return paths


def format_table(ev: dict[str, Any]) -> str:
    """A short text table of the totals (printed by the command)."""
    lines = [f"{'split':8} {'kind':6} {'clips':>5} {'pos':>4} {'det':>4} {'recall [95% CP]':>22} "
             f"{'FA':>4} {'clear h':>8} {'FA/h [95%]':>22}"]
    for split, per in ev["score"]["totals"].items():
        for kind, t in per.items():
            lo, hi = t["recall_ci95_clopper_pearson"]
            flo, fhi = t["false_alarms_per_hour_ci95"]
            lines.append(f"{split:8} {kind:6} {t['clips']:5d} {t['positives']:4d} {t['detected']:4d} "
                         f"{_fmt(t['recall']):>6} [{lo:.2f}, {hi:.2f}]    {t['false_alarms']:4d} "
                         f"{t['clear_hours']:8.4f} {_fmt(t['false_alarms_per_hour'], 1):>6} [{flo:.1f}, {fhi:.1f}]")
    cpu = ev["score"]["cpu"]
    lines.append(f"detector CPU {_fmt(cpu['detector_ms_per_frame_mean'])} ms/frame over {cpu['frames']} frames "
                 f"(decode {_fmt(cpu['decode_ms_per_frame_mean'])} ms/frame)")
    return "\n".join(lines)
