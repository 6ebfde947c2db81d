"""The smoke/fire detector against labelled clips: read from ``showroom feeds evaluate``'s summary.json.

The evaluation itself (running ``FireDetector`` over real clips with labelled onsets) belongs to the
feeds command; validation reads its figures and applies the detector's stated tolerance. Without a
summary the row is marked unavailable and says which command writes one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ._check import Check, unavailable

FIGURE = "detector on the labelled real clips: recall of fire/smoke clips"
REFERENCE = "labelled onsets of openly licensed real clips (showroom feeds evaluate)"


def _find(doc: dict[str, Any], *names: str) -> Any:
    for n in names:
        cur: Any = doc
        for part in n.split("."):
            cur = cur.get(part) if isinstance(cur, dict) else None
        if cur is not None:
            return cur
    return None


def detector_vs_labels(*, summary: Path | None, min_recall: float = 0.5) -> list[Check]:
    """Recall and false alarms of the detector from an evaluation summary, or an unavailable row."""
    if summary is None or not summary.exists():
        where = f" ({summary} does not exist)" if summary else ""
        return [unavailable("detector", FIGURE, REFERENCE,
                            "no evaluation summary given" + where + ": run `showroom feeds evaluate --clips DIR "
                            "--labels FILE --out DIR` and pass `--detector-summary DIR/summary.json`")]
    try:
        doc = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        return [Check("detector", FIGURE, REFERENCE, None, None, None, f">= {min_recall:g}", "fail",
                      f"{summary}: not a JSON evaluation summary ({e})")]
    recall = _find(doc, "overall.recall", "recall", "totals.recall")
    fa = _find(doc, "overall.false_alarms_per_hour", "false_alarms_per_hour", "totals.false_alarms_per_hour")
    n = _find(doc, "overall.fire_clips", "fire_clips", "totals.fire_clips")
    if recall is None:
        return [Check("detector", FIGURE, REFERENCE, None, None, None, f">= {min_recall:g}", "fail",
                      f"{summary}: no 'recall' figure in the evaluation summary")]
    ok = float(recall) >= min_recall
    note = f"from {summary}"
    if n is not None:
        note += f"; {n} fire/smoke clips"
    if fa is not None:
        note += f"; false alarms {float(fa):.2f} per hour of non-fire footage"
    return [Check("detector", FIGURE, REFERENCE, float(recall), 1.0, float(recall), f">= {min_recall:g}",
                  "pass" if ok else "fail", note)]
