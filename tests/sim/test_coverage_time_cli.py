"""showroom coverage --over-time: what it writes, and exit 2 on bad input."""

from __future__ import annotations

import json

import pytest

import showroom
import twin

from .covtime_fixtures import streets


@pytest.fixture(scope="module")
def city_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("covtime_city")
    twin.save(streets(with_ptz=True), root)
    return root


def test_over_time_writes_summary_maps_and_policies(city_dir, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["coverage", "--over-time", "--city", str(city_dir), "--days", "1", "--resolution", "4",
            "--replications", "2", "--operators", "3", "--seed", "5", "--compare", "crews,rotation", "--out", str(out)]
    assert showroom.main(args) == 0
    s = json.loads((out / "summary.json").read_text())
    for f in ("covtime_seen.png", "covtime_watched.png", "covtime_daily.png", "zones.csv", "hourly.csv"):
        assert (out / f).stat().st_size > 0
    assert s["mode"] == "over_time" and s["replications"] == 2 and s["cameras"] == 10
    for name, lv in s["levels"].items():
        assert set(lv) == {"static", "seen", "watched"}, name
        assert lv["watched"]["mean"] <= lv["seen"]["mean"] + 1e-9 <= lv["static"] + 2e-9
    assert {z["id"] for z in s["zones"]} == {"park", "market"}
    assert s["ptz"][0]["id"] == "P1" and len(s["ptz"][0]["share_at_preset"]) == 2
    assert len(s["worst_hours"]) == 5 and len(s["daily_profile"]["hour"]) == 24
    assert [p["policy"] for p in s["policies"]] == ["base", "crews", "rotation", "rotation"]
    assert s["wall"]["tiles_per_shift"] == [9, 9, 9]
    assert "public space Monitor or better" in capsys.readouterr().out
    # the same seed gives the same file
    out2 = tmp_path / "again"
    assert showroom.main(args[:-1] + [str(out2)]) == 0
    assert json.loads((out2 / "summary.json").read_text())["levels"] == s["levels"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--rotation", "zigzag"], "unknown rotation 'zigzag'"),
        (["--operators", "0"], "operators must be a whole number >= 1"),
        (["--crews", "0"], "crews must be"),
        (["--compare", "weather"], "unknown policy comparison 'weather'"),
    ],
)
def test_bad_input_exits_2(city_dir, tmp_path, capsys, extra, message):
    args = ["coverage", "--over-time", "--city", str(city_dir), "--days", "0.1", "--resolution", "8",
            "--replications", "1", "--out", str(tmp_path / "o")] + extra
    assert showroom.main(args) == 2
    assert message in capsys.readouterr().err


def test_zero_dwell_preset_in_a_city_file_exits_2(tmp_path, capsys):
    c = streets(with_ptz=True)
    root = tmp_path / "city"
    twin.save(c, root)
    p = root / "cameras.geojson"
    doc = json.loads(p.read_text())
    for f in doc["features"]:
        for pr in f["properties"].get("presets") or []:
            pr["dwell_s"] = 0
    p.write_text(json.dumps(doc))
    args = ["coverage", "--over-time", "--city", str(root), "--days", "0.1", "--resolution", "8", "--out",
            str(tmp_path / "o")]
    assert showroom.main(args) == 2
    assert "dwell_s must be > 0" in capsys.readouterr().err


def test_settings_file_sets_the_model_and_options_override_it(city_dir, tmp_path):
    st = tmp_path / "covtime.yaml"
    st.write_text(
        "days: 0.5\nrotation: priority_zones\ndaylight: day\nfaults: false\ndistricts: false\n"
        "night_profiles:\n  fixed: {night_ppm_factor: 0.5, ir_range_m: 20}\n"
        "  dome: {night_ppm_factor: 0.5, ir_range_m: 20}\n  ptz: {night_ppm_factor: 0.5, ir_range_m: 50}\n"
        "fault_rates:\n  camera_ptz: {mtbf_s: 3600000, mttr_s: 7200, repair: fixed}\n"
    )
    out = tmp_path / "o"
    args = ["coverage", "--over-time", "--city", str(city_dir), "--resolution", "8", "--replications", "1",
            "--settings", str(st), "--crews", "3", "--compare", "none", "--out", str(out)]
    assert showroom.main(args) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["days"] == 0.5 and s["wall"]["rotation"] == "priority_zones"
    assert s["config"]["crews"] == 3 and s["config"]["daylight"] == "day"
    assert s["config"]["night_profiles"]["ptz"]["ir_range_m"] == 50
    assert s["availability"]["camera"]["mean"] == 1.0 and "policies" not in s


def test_bad_settings_file_exits_2(city_dir, tmp_path, capsys):
    st = tmp_path / "bad.yaml"
    st.write_text("dayz: 3\n")
    args = ["coverage", "--over-time", "--city", str(city_dir), "--settings", str(st), "--out", str(tmp_path / "o")]
    assert showroom.main(args) == 2
    assert "bad.yaml: unknown setting 'dayz'" in capsys.readouterr().err
