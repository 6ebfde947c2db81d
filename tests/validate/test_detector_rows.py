"""The detector rows read showroom feeds evaluate's totals and apply their rules (hand-made summaries)."""

from __future__ import annotations

import json

from validate._detector import detector_vs_labels


def _tot(positives: int, detected: int, ci: tuple[float, float], fa: int, hours: float,
         fa_ci: tuple[float, float]) -> dict:
    return {"positives": positives, "detected": detected, "recall": detected / positives if positives else None,
            "recall_ci95_clopper_pearson": list(ci), "false_alarms": fa, "clear_hours": hours,
            "false_alarms_per_hour": fa / hours if hours else None, "false_alarms_per_hour_ci95": list(fa_ci)}


def _write(tmp_path, held: dict, every: dict):
    p = tmp_path / "summary.json"
    p.write_text(json.dumps({"totals": {"holdout": {"any": held}, "all": {"any": every}}}))
    return p


def test_clear_evidence_of_a_deaf_detector_fails_and_thin_evidence_passes(tmp_path):
    # 0 of 12 held-out fires: Clopper-Pearson upper end 0.26 < 0.5 -> fail; 20 alarms in 2 h: [6.1, 15.4] > 1 -> fail
    rows = detector_vs_labels(summary=_write(tmp_path, _tot(12, 0, (0.0, 0.2646), 20, 2.0, (6.11, 15.44)),
                                             _tot(20, 8, (0.19, 0.64), 20, 3.0, (4.07, 10.3))))
    assert [r.status for r in rows] == ["fail", "pass", "fail"]
    assert rows[0].value == 0.0 and rows[0].agreement == 0.2646
    assert "0 of 12 detected" in rows[0].note
    # one miss in one clip proves little: upper end 0.975 -> pass
    rows = detector_vs_labels(summary=_write(tmp_path, _tot(1, 0, (0.0, 0.975), 0, 0.1, (0.0, 36.9)),
                                             _tot(1, 0, (0.0, 0.975), 0, 0.1, (0.0, 36.9))))
    assert [r.status for r in rows] == ["pass", "pass", "pass"]


def test_no_held_out_fire_is_unavailable_not_a_pass(tmp_path):
    rows = detector_vs_labels(summary=_write(tmp_path, _tot(0, 0, (0.0, 1.0), 1, 0.0414, (0.6, 134.4)),
                                             _tot(1, 1, (0.025, 1.0), 1, 0.059, (0.4, 93.7))))
    assert rows[0].status == "unavailable" and "no held-out clip shows fire or smoke" in rows[0].note
    assert rows[1].status == "pass" and "tuning clips" in rows[1].note


def test_missing_or_foreign_summary(tmp_path):
    (row,) = detector_vs_labels(summary=None)
    assert row.status == "unavailable" and "showroom feeds evaluate" in row.note
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps({"recall": 0.9}))
    (row,) = detector_vs_labels(summary=bad)
    assert row.status == "fail" and "not a showroom feeds evaluate summary" in row.note
