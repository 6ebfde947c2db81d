"""The fire model's default detection profile is what ``showroom feeds evaluate`` measures on the shared
real clips today: a detector change that moves the figures must ship a re-measured profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import showroom

ROOT = Path(__file__).resolve().parents[2]
CLIPS = ROOT.parent / "shared" / "data" / "clips"


def test_shipped_profile_equals_a_fresh_evaluation(tmp_path) -> None:
    if not CLIPS.is_dir():
        pytest.fail(f"the shared clips folder {CLIPS} is missing (CI has it beside the repository)")
    rc = showroom.main(["feeds", "evaluate", "--clips", str(CLIPS), "--labels", str(ROOT / "assets" / "clips" /
                                                                                      "labels.yaml"),
                        "--out", str(tmp_path)])
    assert rc == 0
    fresh = json.loads((tmp_path / "detection_profile.json").read_text())
    shipped = json.loads((ROOT / "sim" / "fire" / "detection_profile.json").read_text())
    for key in ("schema", "kind", "p_detect_by_band", "delay_s", "false_alarms", "splits"):
        assert shipped[key] == fresh[key], key  # the same run, the same floats
    assert shipped["source"]["labels_sha256"] == fresh["source"]["labels_sha256"]
    assert shipped["source"]["detector_params"] == fresh["source"]["detector_params"]
