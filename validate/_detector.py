"""The smoke/fire detector against labelled real clips, from ``showroom feeds evaluate``'s summary.json.

The evaluation (``FireDetector`` over openly licensed clips with labelled onsets) belongs to the feeds
command; ``showroom validate`` runs it when the clips are there (or reads a summary it is given) and
applies these rules, read from ``totals`` (per split and kind; ``any`` = an alarm of either kind):

* recall on the *held-out* clips (not looked at while tuning): at least 0.5 at the upper end of its
  Clopper-Pearson 95 % interval (the data must not show a detector that misses most fires); with no
  held-out fire or smoke clip, recall on unseen footage cannot be stated: the row is unavailable;
* recall on all labelled clips, the same rule (tuning clips included, so it is said to be optimistic);
* false alarms per hour of non-fire footage on the held-out clips: at most 1 per camera-hour at the
  lower end of its exact Poisson 95 % interval (a wall of 216 cameras at one an hour is 216 checks an
  hour; the data must not show worse).

With a handful of clips the intervals are wide: the rows fail only when the evidence is clear.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ._check import Check, unavailable

REFERENCE = "labelled onsets of openly licensed real clips (showroom feeds evaluate)"
MIN_RECALL = 0.5
MAX_FA_PER_H = 1.0


def _recall_row(tot: dict[str, Any], split: str, src: str) -> Check:
    figure = f"detector recall of fire/smoke clips (any kind), {split} clips"
    if not tot.get("positives"):
        return unavailable("detector", figure, REFERENCE,
                           f"no {split} clip shows fire or smoke: recall on them cannot be stated ({src})")
    lo, hi = tot["recall_ci95_clopper_pearson"]
    ok = hi >= MIN_RECALL
    return Check("detector", figure, REFERENCE, float(tot["recall"]), 1.0, float(hi),
                 f"upper end of 95% CI >= {MIN_RECALL:g}", "pass" if ok else "fail",
                 f"{tot['detected']} of {tot['positives']} detected, 95% CI [{lo:.2f}, {hi:.2f}]"
                 + ("; includes tuning clips (optimistic)" if split == "all" else "") + f"; {src}")


def _fa_row(tot: dict[str, Any], split: str, src: str) -> Check:
    figure = f"detector false alarms per hour of footage without fire or smoke (any kind), {split} clips"
    if not tot.get("clear_hours"):
        return unavailable("detector", figure, REFERENCE, f"no {split} footage without fire or smoke ({src})")
    lo, hi = tot["false_alarms_per_hour_ci95"]
    ok = lo <= MAX_FA_PER_H
    return Check("detector", figure, REFERENCE, float(tot["false_alarms_per_hour"]), 0.0, float(lo),
                 f"lower end of 95% CI <= {MAX_FA_PER_H:g} per hour", "pass" if ok else "fail",
                 f"{tot['false_alarms']} alarm(s) in {tot['clear_hours']:.3f} h, 95% CI [{lo:.2f}, {hi:.1f}] per hour; "
                 f"{src}")


def detector_vs_labels(*, summary: Path | None) -> list[Check]:
    """Recall and false alarms of the detector from an evaluation summary, or unavailable rows."""
    figure = "detector on the labelled real clips"
    if summary is None or not summary.exists():
        where = f" ({summary} does not exist)" if summary else ""
        return [unavailable("detector", figure, REFERENCE,
                            "no evaluation summary" + where + ": a full run evaluates ../shared/data/clips with "
                            "assets/clips/labels.yaml when both are there; else run `showroom feeds evaluate` and "
                            "pass `--detector-summary DIR/summary.json`")]
    try:
        doc = json.loads(summary.read_text(encoding="utf-8"))
        totals = doc["totals"]
        held, every = totals["holdout"]["any"], totals["all"]["any"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
        return [Check("detector", figure, REFERENCE, None, None, None, "-", "fail",
                      f"{summary}: not a showroom feeds evaluate summary (totals.holdout.any, totals.all.any): {e}")]
    src = f"from {summary}"
    return [_recall_row(held, "held-out", src), _recall_row(every, "all", src), _fa_row(held, "held-out", src)]
