"""``showroom feeds evaluate``: the scoring arithmetic on hand-made events, intervals against closed
forms, the labels file's errors, and the whole command on clips of our own making written to disk."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import cv2
import pytest

from feeds import ClipLabel, ClipRun, FeedConfigError, detection_profile, evaluate_clips, load_labels, make_clip, score
from feeds._intervals import clopper_pearson, poisson_rate, wilson
from showroom import main

ROOT = Path(__file__).resolve().parents[2]
SHARED_CLIPS = ROOT.parent / "shared" / "data" / "clips"


def _lab(file: str, fire=None, smoke=None, *, ppm=None, split="holdout", scale=1.0) -> ClipLabel:
    return ClipLabel(file, {"fire": fire, "smoke": smoke}, split, ppm, scale)


def test_intervals_match_closed_forms() -> None:
    # zero events over one hour: upper 95% limit is -ln(0.025) = 3.6889 (the chi-square with 2 dof)
    lo, hi = poisson_rate(0, 1.0)
    assert lo == 0.0 and hi == pytest.approx(-math.log(0.025), rel=1e-9)
    # the same count over 0.5 h doubles the rate limits
    assert poisson_rate(0, 0.5)[1] == pytest.approx(2 * -math.log(0.025), rel=1e-9)
    # 1 of 1: Clopper-Pearson lower limit solves p^1 = 0.025; 0 of 1: upper solves (1-p) = 0.025
    assert clopper_pearson(1, 1) == pytest.approx((0.025, 1.0))
    assert clopper_pearson(0, 1) == pytest.approx((0.0, 0.975))
    # 0 of 3: upper limit 1 - 0.025^(1/3)
    assert clopper_pearson(0, 3)[1] == pytest.approx(1 - 0.025 ** (1 / 3))
    # Wilson 5 of 10 at z = 1.959964: 0.5 +- 1.959964 * sqrt(0.025 + z^2/400) / (1 + z^2/10)
    z = 1.959963984540054
    half = z * math.sqrt(0.25 / 10 + z * z / 400) / (1 + z * z / 10)
    assert wilson(5, 10) == pytest.approx((0.5 - half, 0.5 + half))
    assert clopper_pearson(0, 0) == (0.0, 1.0) and wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        clopper_pearson(3, 2)


def test_score_counts_detections_delays_and_false_alarms_by_hand() -> None:
    labels = [
        # smoke from 10 s, flame from 20 s, on a 60 s clip
        _lab("a.mp4", fire=20.0, smoke=10.0, ppm=30.0, split="tune"),
        # nothing ever shows, 30 min of footage
        _lab("b.mp4"),
        # smoke from the first frame, a time-lapse (1 clip s = 50 real s), 3 s long; never detected
        _lab("c.mp4", smoke=0.0, ppm=5.0, scale=50.0),
        # flame only, at 4 s, detected by a smoke alarm only
        _lab("d.mp4", fire=4.0, ppm=100.0),
    ]
    runs = [
        ClipRun("a.mp4", 600, 60.0, 320, 180,
                events=[("smoke", 5.0), ("fire", 12.0), ("smoke", 13.5), ("fire", 26.0), ("smoke", 50.0)]),
        ClipRun("b.mp4", 18000, 1800.0, 320, 180, events=[("fire", 100.0), ("smoke", 200.0), ("smoke", 900.0)]),
        ClipRun("c.mp4", 36, 3.0, 180, 180, events=[]),
        ClipRun("d.mp4", 100, 10.0, 320, 180, events=[("smoke", 6.5)]),
    ]
    s = score(labels, runs)
    a, b, c, d = (row["kinds"] for row in s["clips"])
    # a: smoke detected 3.5 s after its onset; the 5.0 s smoke event came before onset: a false alarm.
    assert a["smoke"]["detected"] and a["smoke"]["delay_s"] == pytest.approx(3.5) and a["smoke"]["false_alarms"] == 1
    # a: the fire event at 12 s is before the flame's onset (20 s): a false alarm; 26 s detects it, 6 s late
    assert a["fire"]["detected"] and a["fire"]["delay_s"] == pytest.approx(6.0) and a["fire"]["false_alarms"] == 1
    # a, any: the first alarm at or after 10 s is the fire event at 12 s: 2 s; one alarm (5 s) before
    assert a["any"]["delay_s"] == pytest.approx(2.0) and a["any"]["false_alarms"] == 1
    assert a["smoke"]["clear_s"] == 10.0 and a["fire"]["clear_s"] == 20.0
    assert b["fire"]["false_alarms"] == 1 and b["smoke"]["false_alarms"] == 2 and b["any"]["false_alarms"] == 3
    assert not c["smoke"]["detected"] and c["smoke"]["clear_real_s"] == 0.0 and c["fire"]["clear_real_s"] == 150.0
    assert d["fire"]["detected"] is False and d["any"]["delay_s"] == pytest.approx(2.5)
    assert d["smoke"]["positive"] is False and d["smoke"]["false_alarms"] == 1  # smoke was never labelled here
    t = s["totals"]["all"]
    # smoke: positives a, c; detected a only; false alarms 1 (a) + 2 (b) + 1 (d) over 10 + 1800 + 0 + 10 s
    assert t["smoke"]["positives"] == 2 and t["smoke"]["detected"] == 1 and t["smoke"]["false_alarms"] == 4
    assert t["smoke"]["clear_hours"] == pytest.approx(1820.0 / 3600.0)
    assert t["smoke"]["false_alarms_per_hour"] == pytest.approx(4 / (1820.0 / 3600.0))
    assert t["smoke"]["confusion"] == {"tp": 1, "fn": 1, "fp": 2, "tn": 0}  # b and d raised smoke without it
    # fire: positives a, d; clear time 20 + 1800 + 150 (c is a time-lapse: 3 s x 50) + 4 s
    assert t["fire"]["positives"] == 2 and t["fire"]["detected"] == 1 and t["fire"]["false_alarms"] == 2
    assert t["fire"]["clear_hours"] == pytest.approx(1974.0 / 3600.0)
    assert t["any"]["delays_real_s"] == pytest.approx([2.0, 2.5])
    assert s["totals"]["tune"]["any"]["clips"] == 1 and s["totals"]["holdout"]["any"]["clips"] == 3
    assert s["clips"][1]["detector_ms_per_frame"] == 0.0

    prof = detection_profile(s)
    bands = {b["band"]: b for b in prof["p_detect_by_band"]}
    assert (bands["Detect"]["trials"], bands["Detect"]["detected"]) == (1, 1)  # a at 30 px/m
    assert (bands["below Monitor"]["trials"], bands["below Monitor"]["detected"]) == (1, 0)  # c at 5 px/m
    assert (bands["Observe"]["trials"], bands["Observe"]["detected"]) == (1, 1)  # d at 100 px/m, any alarm
    assert bands["Monitor"]["trials"] == 0 and bands["Monitor"]["ci95_clopper_pearson"] == [0.0, 1.0]
    assert bands["below Monitor"]["ci95_clopper_pearson"] == pytest.approx([0.0, 0.975])
    assert prof["delay_s"]["samples"] == pytest.approx([2.0, 2.5])
    assert prof["delay_s"]["lognormal"]["median_s"] == pytest.approx(math.sqrt(5.0))
    assert prof["false_alarms"]["count"] == 4  # any: 1 (a) + 3 (b)
    assert prof["false_alarms"]["camera_hours"] == pytest.approx((10 + 1800 + 0 + 4) / 3600.0)


def _write_clip(path: Path, kind: str, seed: int) -> float:
    """Write a synthetic clip of ``kind`` to an MJPEG AVI; returns its onset (s)."""
    clip = make_clip(kind, seed, seconds=8.0, fps=10.0, size=(320, 180))
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), clip.fps, clip.size)
    for f in clip.frames():
        w.write(f)
    w.release()
    return clip.onset_s


@pytest.fixture(scope="module")
def own_clips(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("clips")
    onset = _write_clip(d / "fire.avi", "fire", 3)
    _write_clip(d / "quiet.avi", "quiet", 4)
    _write_clip(d / "red_car.avi", "red_car", 5)
    (d / "unlabelled.avi").write_bytes((d / "quiet.avi").read_bytes())
    labels = d / "labels.yaml"
    labels.write_text(
        "clips:\n"
        f"  - {{file: fire.avi, fire_onset_s: {onset}, smoke_onset_s: null, split: holdout, source_ppm: 40}}\n"
        "  - {file: quiet.avi, fire_onset_s: null, smoke_onset_s: null, split: tune, real_s_per_clip_s: 60}\n"
        "  - {file: red_car.avi, fire_onset_s: null, smoke_onset_s: null, split: tune}\n",
        encoding="utf-8")
    return d, labels


def test_evaluate_own_clips_end_to_end(own_clips, tmp_path) -> None:
    d, labels = own_clips
    ev = evaluate_clips(d, labels)
    rows = {c["file"]: c for c in ev["score"]["clips"]}
    fire = rows["fire.avi"]
    # 80 frames at 10 fps: times from the container, 8.0 s long
    assert fire["frames"] == 80 and fire["duration_s"] == pytest.approx(8.0)
    onset = fire["onset_s"]["fire"]
    first_fire = min(t for k, t in fire["events"] if k == "fire" and t >= onset)
    assert fire["kinds"]["fire"]["detected"] and fire["kinds"]["fire"]["delay_s"] == pytest.approx(first_fire - onset)
    assert 0.0 < fire["kinds"]["fire"]["delay_s"] < 4.0
    assert rows["quiet.avi"]["kinds"]["any"]["false_alarms"] == 0
    # the time-lapse label: 8 clip seconds stand for 480 real seconds of clear footage
    assert rows["quiet.avi"]["kinds"]["any"]["clear_real_s"] == pytest.approx(480.0)
    assert ev["unlabelled"] == ["unlabelled.avi"]
    assert ev["profile"]["splits"] == {"tune": ["quiet.avi", "red_car.avi"], "holdout": ["fire.avi"]}

    rc = main(["feeds", "evaluate", "--clips", str(d), "--labels", str(labels), "--out", str(tmp_path / "ev")])
    assert rc == 0
    out = tmp_path / "ev"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["all"]["fire"]["detected"] == 1
    prof = json.loads((out / "detection_profile.json").read_text())
    assert prof["schema"] == "showroom.detection_profile/1"
    assert {b["band"]: b["trials"] for b in prof["p_detect_by_band"]}["Detect"] == 1
    with (out / "per_clip.csv").open() as f:
        assert len(list(csv.DictReader(f))) == 3 * 3
    for png in ("delay.png", "confusion.png"):
        img = cv2.imread(str(out / png))
        assert img is not None and img.shape[0] > 200 and img.std() > 5  # a picture, not a blank


@pytest.mark.parametrize(("body", "match"), [
    ("clips: []\n", "non-empty list under 'clips:'"),
    ("clips:\n  - {file: a.mp4, smoke_onset_s: null, split: tune}\n", r"clip 0 \('a.mp4'\): fire_onset_s is missing"),
    ("clips:\n  - {file: a.mp4, fire_onset_s: -1, smoke_onset_s: null, split: tune}\n",
     "fire_onset_s must be a number >= 0"),
    ("clips:\n  - {file: a.mp4, fire_onset_s: null, smoke_onset_s: null, split: train}\n",
     "split must be one of tune, holdout, got 'train'"),
    ("clips:\n  - {file: a.mp4, fire_onset_s: 2, smoke_onset_s: null, split: tune}\n", "needs source_ppm"),
    ("clips:\n  - {file: a.mp4, fire_onset_s: null, smoke_onset_s: null, split: tune, onset: 3}\n",
     r"unknown field\(s\) \['onset'\]"),
    ("clips:\n  - {file: a.mp4, fire_onset_s: null, smoke_onset_s: null, split: tune}\n"
     "  - {file: a.mp4, fire_onset_s: null, smoke_onset_s: null, split: tune}\n", "labelled twice"),
])
def test_bad_labels_name_the_file_clip_and_rule(tmp_path, body, match) -> None:
    p = tmp_path / "labels.yaml"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(FeedConfigError, match=match):
        load_labels(p)


def test_command_fails_cleanly_on_a_missing_clip(tmp_path, capsys) -> None:
    (tmp_path / "clips").mkdir()
    p = tmp_path / "labels.yaml"
    p.write_text("clips:\n  - {file: gone.mp4, fire_onset_s: null, smoke_onset_s: null, split: tune}\n")
    rc = main(["feeds", "evaluate", "--clips", str(tmp_path / "clips"), "--labels", str(p), "--out", str(tmp_path)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "labelled clip(s) not in" in err and "gone.mp4" in err
    assert not (tmp_path / "summary.json").exists()


def test_shipped_labels_cover_every_shared_clip() -> None:
    if not SHARED_CLIPS.is_dir():
        pytest.fail(f"the shared clips folder {SHARED_CLIPS} is missing (CI has it beside the repository)")
    labels = load_labels(ROOT / "assets" / "clips" / "labels.yaml")
    videos = sorted(f.name for f in SHARED_CLIPS.iterdir() if f.suffix.lower() != ".md")
    assert sorted(lab.file for lab in labels) == videos
    assert {lab.split for lab in labels} == {"tune", "holdout"}


def test_bad_detector_params_file_is_one_clear_error(own_clips, tmp_path, capsys) -> None:
    d, labels = own_clips
    bad = tmp_path / "params.json"
    bad.write_text('{"smoke_spread": 30, "smoke_sprad": 2}')
    rc = main(["feeds", "evaluate", "--clips", str(d), "--labels", str(labels), "--params", str(bad),
               "--out", str(tmp_path / "ev")])
    assert rc == 2
    assert "unknown detector parameter(s) ['smoke_sprad']" in capsys.readouterr().err
    assert not (tmp_path / "ev" / "summary.json").exists()
    good = tmp_path / "good.json"
    good.write_text('{"smoke_edge_max": 0.0}')  # no region ever veils that much: no smoke alarm at all
    assert main(["feeds", "evaluate", "--clips", str(d), "--labels", str(labels), "--params", str(good),
                 "--out", str(tmp_path / "ev2")]) == 0
    s = json.loads((tmp_path / "ev2" / "summary.json").read_text())
    assert s["detector_params"]["smoke_edge_max"] == 0.0
    assert not any(k == "smoke" for c in s["clips"] for k, _ in c["events"])
