"""The fire model fed by a detection profile: the loader, the draws, and the two limits the issue names
(no detection at all is the same as no camera; certain, instant detection happens the moment a
camera first sees the fire), the operator sensitivity table and the false alarm costs."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

import showroom
import twin
from sim.fire import (
    DEFAULT_PROFILE,
    FireParams,
    Lognormal,
    grid_town,
    load_profile,
    prepare_cameras,
    run_fire,
)
from twin import TwinError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "showroom.detection_profile/1"


def _profile(tmp_path: Path, *, p: float, delay_s: float, fa_per_hour: float = 0.0, name: str = "p.json") -> Path:
    doc = {"schema": SCHEMA,
           "p_detect_by_band": [{"ppm_min": 0, "ppm_max": None, "p": p}],
           "delay_s": {"samples": [], "lognormal": {"median_s": delay_s, "sigma": 0.0}},
           "false_alarms": {"per_camera_hour": fa_per_hour}}
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def town() -> twin.Twin:
    return grid_town(cameras=30, fire_rate_per_year=300)


def test_the_shipped_profile_is_the_one_measured_on_the_real_clips() -> None:
    doc = json.loads((ROOT / "sim" / "fire" / "detection_profile.json").read_text())
    assert doc["source"]["labels"] == "labels.yaml" and doc["source"]["clips"] == 8
    bands = {b.ppm_min: b for b in DEFAULT_PROFILE.bands}
    assert (bands[0.0].trials, bands[0.0].detected) == (1, 1)  # the RISE clip, below Monitor
    assert all(b.trials == 0 and b.p_fixed is None for lo, b in bands.items() if lo >= 12.5)
    assert len(DEFAULT_PROFILE.delay_samples_s) == 1 and DEFAULT_PROFILE.fa_count == 1


def test_central_values_are_the_posterior_means_by_hand() -> None:
    d = DEFAULT_PROFILE.draw(None)
    # 1 of 1 below Monitor: Beta(2, 1) mean 2/3; no trials: Beta(1, 1) mean 1/2
    assert d.p_at(np.array([0.8, 12.5, 30.0, 500.0])) == pytest.approx([2 / 3, 0.5, 0.5, 0.5])
    assert d.delay.median_s == pytest.approx(DEFAULT_PROFILE.delay_samples_s[0])
    # Jeffreys: (1 + 0.5) / camera-hours
    assert d.false_alarms_per_camera_hour == pytest.approx(1.5 / DEFAULT_PROFILE.fa_camera_hours)


def test_sampled_draws_follow_the_evidence() -> None:
    rng = np.random.default_rng(11)
    draws = [DEFAULT_PROFILE.draw(rng) for _ in range(4000)]
    p_detect = np.array([d.p_at(np.array([30.0]))[0] for d in draws])
    p_far = np.array([d.p_at(np.array([1.0]))[0] for d in draws])
    # uniform on 0-1 where nothing was tried: mean 1/2, a quarter below 1/4; Beta(2, 1) below Monitor: mean 2/3
    assert p_detect.mean() == pytest.approx(0.5, abs=0.02) and (p_detect < 0.25).mean() == pytest.approx(0.25, abs=0.02)
    assert p_far.mean() == pytest.approx(2 / 3, abs=0.02)
    med = np.array([d.delay.median_s for d in draws])
    # the one delay sample times exp(N(0, 0.7)): its log has that sample's log as mean, 0.7 as sd
    assert np.log(med).mean() == pytest.approx(math.log(DEFAULT_PROFILE.delay_samples_s[0]), abs=0.04)
    assert np.log(med).std() == pytest.approx(0.7, abs=0.03)
    fa = np.array([d.false_alarms_per_camera_hour for d in draws])
    assert fa.mean() == pytest.approx(1.5 / DEFAULT_PROFILE.fa_camera_hours, rel=0.05)
    # the same seed, the same draw
    a, b = DEFAULT_PROFILE.draw(np.random.default_rng(3)), DEFAULT_PROFILE.draw(np.random.default_rng(3))
    assert a.summary() == b.summary()


@pytest.mark.parametrize(("doc", "match"), [
    ({"schema": "x"}, "schema must be 'showroom.detection_profile/1'"),
    ({"schema": SCHEMA, "p_detect_by_band": []}, "p_detect_by_band must be a non-empty list"),
    ({"schema": SCHEMA, "p_detect_by_band": [{"ppm_min": 0, "ppm_max": 25, "trials": 1, "detected": 2},
                                             {"ppm_min": 25, "ppm_max": None}]},
     r"detected must be a number in \[0, 1\]"),
    ({"schema": SCHEMA, "p_detect_by_band": [{"ppm_min": 0, "ppm_max": 25}, {"ppm_min": 30, "ppm_max": None}]},
     "without gaps: ppm_min 30, previous band ends at 25"),
    ({"schema": SCHEMA, "p_detect_by_band": [{"ppm_min": 0, "ppm_max": 25}]}, "the last band must be open"),
    ({"schema": SCHEMA, "p_detect_by_band": [{"ppm_min": 0, "ppm_max": None, "p": 1.5}]},
     r"p must be a number in \[0, 1\]"),
    ({"schema": SCHEMA, "p_detect_by_band": [{"ppm_min": 0, "ppm_max": None}], "false_alarms": {}},
     "false_alarms needs camera_hours > 0"),
])
def test_bad_profiles_name_the_file_and_rule(tmp_path, doc, match) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(TwinError, match=match):
        load_profile(path)
    assert "bad.json" in str(pytest.raises(TwinError, load_profile, path).value)


def _rows(path: Path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def test_detection_probability_zero_gives_the_fires_and_times_of_no_cameras(town, tmp_path) -> None:
    city = tmp_path / "city"
    twin.save(town, city)
    prof = _profile(tmp_path, p=0.0, delay_s=60.0)
    common = ["--city", str(city), "--days", "120", "--seed", "5"]
    assert showroom.main(["fire", *common, "--detection-profile", str(prof), "--operator-notice", "0", "0", "0",
                          "--out", str(tmp_path / "p0")]) == 0
    assert showroom.main(["fire", *common, "--cameras", "none", "--out", str(tmp_path / "none")]) == 0
    a, b = _rows(tmp_path / "p0" / "incidents.csv"), _rows(tmp_path / "none" / "incidents.csv")
    assert len(a) == len(b) > 20
    assert a == b  # every fire, its detection (a call), dispatch, truck and times, to the decisecond
    s = json.loads((tmp_path / "p0" / "summary.json").read_text())
    assert s["camera_set"]["cameras"] == 30 and s["camera_minutes_saved"]["total_minutes"] == 0.0
    assert s["detection"]["profile"]["path"] == str(prof)


def test_certain_instant_detection_is_the_moment_a_camera_first_sees_the_fire(town, tmp_path) -> None:
    prof = load_profile(_profile(tmp_path, p=1.0, delay_s=0.0))
    params = FireParams(detection=prof, analytics_share=1.0, camera_faults=False, visibility="cone",
                        operator_p_notice=0.0, operator_p_notice_range=(0.0, 0.0), verify=Lognormal(0.0, 0.0),
                        call_delay=Lognormal(1e7, 0.0))
    study = run_fire(town, cameras="existing", days=120, seed=5, params=params)
    inc, w = study.incidents, study.with_cameras.outcome
    va, _, _ = prepare_cameras(town, twin.select_cameras(town, "existing"), inc, params, 5)
    seen = np.isfinite(va)
    assert 0 < seen.sum() < len(inc)  # some fires in sight of a camera, some not
    # t-squared: the fire releases visible_kw = alpha t^2 at t = sqrt(visible_kw / alpha)
    first_seen = np.sqrt(params.visible_kw / inc.alpha)
    np.testing.assert_allclose(va[seen], first_seen[seen], rtol=1e-12)
    # and the engine detects it then: analytics, verified in no time
    np.testing.assert_allclose((w.t_detect - w.t_ignite)[seen], first_seen[seen], rtol=1e-9)
    assert (w.source[seen] == 2).all()


def test_sensitivity_and_false_alarms_in_the_summary(town) -> None:
    study = run_fire(town, cameras="existing", days=120, seed=5)
    s = study.summary
    sens = s["operator_notice_sensitivity"]
    assert [sens[k]["operator_p_notice"] for k in ("low", "central", "high")] == [0.2, 0.5, 0.85]
    assert sens["central"]["minutes_saved_mean"] == s["camera_minutes_saved"]["mean"]
    # operators find more fires first the likelier they notice
    assert sens["low"]["found_by_operator"] <= sens["central"]["found_by_operator"] <= sens["high"]["found_by_operator"]
    fa = s["false_alarms"]
    rate = s["detection"]["draw"]["false_alarms_per_camera_hour"]
    n_va = s["camera_set"]["cameras_with_analytics"]
    assert fa["camera_hours"] == pytest.approx(n_va * 120 * 24)
    assert fa["expected"] == pytest.approx(rate * n_va * 120 * 24, rel=1e-3)
    # the Poisson count sits within 5 sd of its mean; each costs a mean verification (30 s * exp(0.4^2/2))
    assert abs(fa["count"] - fa["expected"]) <= 5 * math.sqrt(fa["expected"]) + 1
    assert fa["operator_minutes"] == pytest.approx(fa["count"] * 30.0 * math.exp(0.08) / 60.0)
    assert fa["truck_minutes"] == 0.0 and fa["policy"] == "verify"
    disp = run_fire(town, cameras="existing", days=120, seed=5, sensitivity=False,
                    params=FireParams(false_alarm_policy="dispatch"))
    fd = disp.summary["false_alarms"]
    assert fd["truck_minutes"] == pytest.approx(fd["count"] * 1200.0 * math.exp(0.045) / 60.0)
    # dispatching on the alarm never makes detection to dispatch later than verifying first
    wv, wd = study.with_cameras.outcome, disp.with_cameras.outcome
    assert (wd.t_dispatch <= wv.t_dispatch + 1e-6).all()


def test_the_wait_behind_false_alarms_is_erlang_c() -> None:
    from sim.fire.costs import false_alarm_wait_s

    rng = np.random.default_rng(2)
    n = 200_000
    # 3 operators, 30 s each, false alarms at 0.06 a second: a = 1.8 Erlangs; by hand C(3, 1.8) = 0.3469
    # (B(3, 1.8) = 0.1488 by the recursion, C = B / (1 - 0.6 (1 - B)))
    b = 1.0
    for k in range(1, 4):
        b = 1.8 * b / (k + 1.8 * b)
    c_wait = b / (1 - 0.6 * (1 - b))
    w = false_alarm_wait_s(0.06, 30.0, np.full(n, 3), rng.random(n), rng.random(n))
    assert (w > 0).mean() == pytest.approx(c_wait, abs=0.005)
    assert w.mean() == pytest.approx(c_wait / (3 / 30.0 - 0.06), rel=0.02)  # Wq = C / (c mu - lambda)
    # the false alarms alone fill two operators: every real alarm waits for ever
    assert np.isinf(false_alarm_wait_s(0.06, 40.0, np.full(5, 2), rng.random(5), rng.random(5))).all()
    assert (false_alarm_wait_s(0.0, 30.0, np.full(5, 1), rng.random(5), rng.random(5)) == 0).all()


def test_a_desk_flooded_with_false_alarms_verifies_no_real_one(town, tmp_path) -> None:
    ok = load_profile(_profile(tmp_path, p=1.0, delay_s=0.0, name="quiet.json"))
    flood = load_profile(_profile(tmp_path, p=1.0, delay_s=0.0, fa_per_hour=1000.0, name="flood.json"))
    base = {"analytics_share": 1.0, "camera_faults": False, "visibility": "cone"}
    quiet = run_fire(town, days=120, seed=5, sensitivity=False, params=FireParams(detection=ok, **base))
    loud = run_fire(town, days=120, seed=5, sensitivity=False, params=FireParams(detection=flood, **base))
    assert quiet.summary["with_cameras"]["detected_by"]["analytics"] > 0
    assert loud.summary["with_cameras"]["detected_by"]["analytics"] == 0
    fa = loud.summary["false_alarms"]
    assert fa["real_alarms_never_verified"] == fa["real_alarms"] > 0
    assert fa["operator_share_of_duty_time"] > 1.0
