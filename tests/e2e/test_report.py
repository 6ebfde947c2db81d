"""``showroom report`` end to end on a small town: every step runs, and the steps' figures agree.

The town (400 m x 400 m, 10 existing cameras at 4 Mbit/s, 24 candidate poles at 2 Mbit/s, 2 fire
stations, 4 zones with fire rates) is written to disk and the report runs as a user runs it: a real
process, its exit code, its files.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
K = 5
EXISTING_KBPS = 4000.0
CANDIDATE_KBPS = 2000.0


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "showroom.py"), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def _town(root: Path) -> Path:
    import twin
    from sim.fire._town import grid_town
    from twin import Camera

    t = grid_town(blocks=4, block_m=100.0, cameras=10, fire_rate_per_year=150.0, seed=3)
    # every zone at priority 1, so the planner's weighted objective is plain public m2
    zones = [dataclasses.replace(z, priority=1.0) for z in t.zones]
    cams = [dataclasses.replace(c, bitrate_kbps=EXISTING_KBPS) for c in t.cameras]
    # candidate poles at the middle of each street segment, 3 m off the centreline
    n = 0
    for i in range(5):
        for j in range(4):
            for x, y, heading in ((i * 100.0 + 3.0, j * 100.0 + 50.0, 0.0), (j * 100.0 + 50.0, i * 100.0 + 3.0, 90.0)):
                if n >= 24:
                    break
                cams.append(Camera(f"POLE-{n:02d}", x, y, mount_height_m=6.0, heading_deg=heading, hfov_deg=70.0,
                                   status="candidate", bitrate_kbps=CANDIDATE_KBPS))
                n += 1
    t = dataclasses.replace(t, cameras=cams, zones=zones)
    twin.save(t, root)
    return root


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, subprocess.CompletedProcess[str]]:
    base = tmp_path_factory.mktemp("report")
    city = _town(base / "town")
    out = base / "out"
    r = run("report", "--city", str(city), "--add", str(K), "--quick", "--days", "120", "--seed", "5",
            "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out, json.loads((out / "summary.json").read_text()), r


def _step(out: Path, name: str) -> dict:
    return json.loads((out / name / "summary.json").read_text())


def test_every_step_writes_its_own_outputs_and_reports_progress(report) -> None:
    out, s, r = report
    for d, files in {
        "1_coverage_today": ["summary.json", "coverage.png", "coverage.geojson", "per_camera.csv", "cells.npz"],
        "2_plan": ["summary.json", "plan.geojson", "plan.png", "marginal.png"],
        "3_coverage_after": ["summary.json", "coverage.png"],
        "4_capacity": ["summary.json", "utilisation_today.png", "utilisation_after.png", "storage_after.png",
                       "recording_loss_after.csv"],
        "5_fire_today": ["summary.json", "fire_cdf.png", "incidents.csv"],
        "6_fire_after": ["summary.json", "fire_cdf.png", "incidents.csv"],
    }.items():
        for f in files:
            assert (out / d / f).is_file(), f"{d}/{f}"
        assert s["steps"] and d in {v["dir"] for v in s["steps"].values()}
    # one start and one end line per step on stderr, the end with its time
    for k in range(1, 7):
        assert re.search(rf"^\[{k}/6\] .*\(\d+\.\d s\)$", r.stderr, re.M), r.stderr
    assert "wrote" in r.stdout and "report.html" in r.stdout


def test_camera_counts_agree_across_steps(report) -> None:
    out, s, _ = report
    assert s["cameras"] == {"today": 10, "planned_before": 0, "added": K, "after": 10 + K, "candidate_sites": 24}
    plan = json.loads((out / "2_plan" / "plan.geojson").read_text())
    assert len(plan["features"]) == K
    assert {f["properties"]["status"] for f in plan["features"]} == {"planned"}
    assert sorted(f["properties"]["id"] for f in plan["features"]) == sorted(s["plan"]["camera_ids"])
    assert _step(out, "1_coverage_today")["cameras"] == 10
    assert _step(out, "3_coverage_after")["cameras"] == 10 + K
    cap = _step(out, "4_capacity")["scenarios"]
    assert cap["today"]["cameras"] == 10 and cap["after"]["cameras"] == 10 + K
    assert _step(out, "5_fire_today")["camera_set"]["cameras"] == 10
    assert _step(out, "6_fire_after")["camera_set"]["cameras"] == 10 + K


def test_the_plans_gain_is_coverage_after_minus_before(report) -> None:
    out, s, _ = report
    cov, plan = s["coverage"], s["plan"]
    lvl = plan["level"]
    # the plan's own before/after are the coverage steps' figures (same raster, same cameras)
    assert plan["public_share_before"] == cov["today"]["public_share"][lvl]
    assert plan["public_share_after"] == cov["after"]["public_share"][lvl]
    assert cov["today"]["public_share"] == _step(out, "1_coverage_today")["public_share"]
    assert cov["after"]["public_share"] == _step(out, "3_coverage_after")["public_share"]
    # every zone has priority 1, so the greedy's summed gains are plain m2 of public space at the level
    assert plan["sum_of_gains_m2"] == pytest.approx(plan["gain_weighted_m2"], abs=0.05)
    assert plan["gain_weighted_m2"] > 0
    assert cov["gain_public_m2"][lvl] == pytest.approx(plan["gain_weighted_m2"], rel=1e-3, abs=2.0)
    # the plan's defence: the MILP's proven optimum is at least the greedy's value, and the gap is their distance
    ex = plan["exact"]
    assert ex["optimal"] is True and ex["greedy_value"] == pytest.approx(plan["sum_of_gains_m2"], abs=0.05)
    assert ex["value"] >= ex["greedy_value"] - 1e-6
    assert plan["gap"] == pytest.approx((ex["bound"] - ex["greedy_value"]) / ex["bound"], abs=1e-6)
    # adding cameras never loses coverage at any level
    for n in cov["levels"]:
        assert cov["after"]["public_share"][n] >= cov["today"]["public_share"][n]


def test_public_space_and_the_number_of_fires_from_the_towns_own_geometry(report) -> None:
    out, s, _ = report
    # public space is the streets' right of way: primary streets (every 4th) 16 m wide, residential 9 m
    # (twin.raster.STREET_WIDTH_M), as polygons here with shapely, rasterised by hand at the report's
    # --quick 2 m cells (a cell is public when its centre is) on the city's extent plus the 20 m margin
    import numpy as np
    import shapely

    strips = []
    for i in range(5):
        c, w = i * 100.0, (16.0 if i % 4 == 0 else 9.0)
        strips.append(shapely.LineString([(0, c), (400, c)]).buffer(w / 2, cap_style="flat"))
        strips.append(shapely.LineString([(c, 0), (c, 400)]).buffer(w / 2, cap_style="flat"))
    streets = shapely.union_all(strips)
    centres = np.arange(-20.0, 420.0, 2.0) + 1.0
    xx, yy = np.meshgrid(centres, centres)
    by_hand_m2 = float(shapely.contains_xy(streets, xx, yy).sum()) * 4.0
    today = _step(out, "1_coverage_today")
    assert today["public_area_m2"] == pytest.approx(by_hand_m2, abs=0.5)
    # and within a few percent of the exact area of the polygons (the cells cut the 9 m strips to 8 m)
    assert today["public_area_m2"] == pytest.approx(streets.area, rel=0.06)
    # fires: 150 a year over the town's 4 zones, 120 days simulated: Poisson, mean 150 * 120 / 365
    mean = 150.0 * 120.0 / 365.0
    assert abs(s["fire"]["fires"] - mean) < 4.0 * mean**0.5


def test_capacity_bitrate_is_the_sum_of_the_cameras_planned_bitrates(report) -> None:
    _, s, _ = report
    cap = s["capacity"]
    assert cap["today"]["total_planned_bitrate_mbps"] == pytest.approx(10 * EXISTING_KBPS / 1000.0)
    assert cap["after"]["total_planned_bitrate_mbps"] == pytest.approx((10 * EXISTING_KBPS + K * CANDIDATE_KBPS) / 1000)
    assert cap["added_servers"] == cap["after"]["servers_total"] - cap["today"]["servers_total"]
    assert cap["added_raw_tb"] == pytest.approx(cap["after"]["raw_tb_total"] - cap["today"]["raw_tb_total"])
    assert cap["after"]["raw_tb_total"] >= cap["after"]["usable_tb_total"] > 0


def test_fire_runs_are_paired_and_minutes_saved_are_the_difference_of_means(report) -> None:
    out, s, _ = report
    fire = s["fire"]
    f0, f1 = _step(out, "5_fire_today"), _step(out, "6_fire_after")
    assert fire["fires"] > 5
    assert fire["fires"] == f0["with_cameras"]["incidents"] == f1["with_cameras"]["incidents"]
    # the run without cameras is the same run in both studies
    assert fire["no_cameras_runs_identical"] is True
    none0, none1 = f0["without_cameras"]["times_s"], f1["without_cameras"]["times_s"]
    assert none0["ignition_to_water"] == none1["ignition_to_water"]
    assert fire["p90_ignition_to_water_min"]["none"] == pytest.approx(
        f0["without_cameras"]["times_s"]["ignition_to_water"]["p90"] / 60.0, abs=1e-3)
    for key, step in (("today", f0), ("after", f1)):
        saved = fire["minutes_saved"][key]["mean"]
        assert saved == step["camera_minutes_saved"]["mean"]
        # paired over the same fires: the mean saving is the difference of the mean times to water
        diff = fire["none"]["ignition_to_water"]["mean_min"] - fire[key]["ignition_to_water"]["mean_min"]
        assert saved == pytest.approx(diff, abs=2e-3)


def test_report_html_shows_the_headline_and_every_picture(report) -> None:
    out, s, _ = report
    page = (out / "report.html").read_text()
    pngs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert len(pngs) >= 10
    for p in pngs:
        if p.endswith("6_fire_after/fire_drive_time.png"):  # the same map as today's: shown once
            continue
        assert f'src="{p}"' in page, p
    for src in re.findall(r'src="([^"]+)"', page):
        assert (out / src).is_file(), src
    assert "<table>" in page and "Assumptions" in page
    assert f"<td>{s['cameras']['today']}</td><td>{s['cameras']['after']}</td>" in page


def test_bad_input_exits_2_and_names_the_problem(tmp_path: Path) -> None:
    city = _town(tmp_path / "town")
    r = run("report", "--city", str(city), "--add", "0", "--quick", "--out", str(tmp_path / "o1"))
    assert r.returncode == 2
    assert r.stderr.startswith("error: --add must be a whole number >= 1, got 0"), r.stderr
    assert not (tmp_path / "o1" / "summary.json").exists()
    r = run("report", "--city", str(tmp_path / "nowhere"), "--quick", "--out", str(tmp_path / "o2"))
    assert r.returncode == 2 and r.stderr.startswith("error: "), r.stderr
    assert "Traceback" not in r.stderr
