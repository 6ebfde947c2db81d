"""``--cameras none|existing|planned|all|FILE`` means one thing in every command, render and view included."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import showroom
import twin
from sim.fire import grid_town


@pytest.fixture(scope="module")
def city_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A grid town with 6 existing cameras, 2 planned ones and 3 candidate sites."""
    t = grid_town(blocks=3, block_m=100.0, cameras=8, fire_rate_per_year=3000.0, seed=3)
    cams = t.cameras
    extra = [dataclasses.replace(c, id=f"CAND-{k}", status="candidate") for k, c in enumerate(cams[:3])]
    for c in cams[6:]:
        c.status = "planned"
    t = dataclasses.replace(t, cameras=cams + extra)
    root = tmp_path_factory.mktemp("city") / "town"
    twin.save(t, root)
    return root


@pytest.fixture(scope="module")
def plan_file(city_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan: one new camera, and one existing camera re-aimed (same id)."""
    t = twin.load(city_dir)
    first = t.cameras_by_status("existing")[0]
    new = dataclasses.replace(first, id="PLAN-001", status="planned", heading_deg=(first.heading_deg + 90) % 360)
    moved = dataclasses.replace(first, heading_deg=(first.heading_deg + 180) % 360)
    plan_city = dataclasses.replace(t, cameras=[new, moved])
    d = tmp_path_factory.mktemp("plan")
    twin.save(plan_city, d / "p")
    return d / "p" / "cameras.geojson"


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("spec", "n", "by_status"),
    [
        ("existing", 6, {"existing": 6}),
        ("planned", 2, {"planned": 2}),
        ("all", 8, {"existing": 6, "planned": 2}),  # never the 3 candidate sites
        ("PLAN", 9, {"existing": 6, "planned": 3}),  # all, one camera re-aimed, one added
    ],
)
def test_coverage(city_dir: Path, plan_file: Path, tmp_path: Path, spec: str, n: int, by_status: dict) -> None:
    out = tmp_path / "cov"
    arg = str(plan_file) if spec == "PLAN" else spec
    assert showroom.main(["coverage", "--city", str(city_dir), "--cameras", arg, "--resolution", "4", "--out",
                          str(out)]) == 0  # fmt: skip
    s = summary(out)
    assert s["cameras"] == n and s["cameras_by_status"] == by_status


def test_fire_all_is_existing_and_planned_never_candidates(city_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "fire"
    assert showroom.main(["fire", "--city", str(city_dir), "--cameras", "all", "--days", "3", "--out", str(out)]) == 0
    assert summary(out)["camera_set"]["cameras"] == 8


def test_capacity_after_a_plan(city_dir: Path, plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "cap"
    assert showroom.main(["capacity", "--city", str(city_dir), "--cameras", str(plan_file), "--days", "0.05",
                          "--replications", "1", "--out", str(out)]) == 0  # fmt: skip
    sc = summary(out)["scenarios"]
    assert sc["today"]["cameras"] == 6
    # after: the 6 existing (one re-aimed), the 2 planned and PLAN-001
    assert sc["after"]["cameras"] == 9 and sc["after"]["label"] == "after the 3"


def test_render_shows_a_plan_in_3d(city_dir: Path, plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert showroom.main(["render", "--city", str(city_dir), "--cameras", str(plan_file), "--path", "PLAN-001",
                          "--seconds", "0.5", "--fps", "2", "--size", "64x36", "--out", str(out)]) == 0  # fmt: skip
    s = summary(out)
    assert s["scene"]["cameras"] == 9 and s["scene"]["cameras_projecting"] == 9 and s["cameras"] == str(plan_file)
    # existing only: the plan's camera is not in the scene, so its view cannot be asked for
    assert showroom.main(["render", "--city", str(city_dir), "--cameras", "existing", "--path", "PLAN-001",
                          "--seconds", "0.5", "--out", str(tmp_path / "r2")]) == 2  # fmt: skip


def test_view_without_display_renders_the_selection(city_dir: Path, plan_file: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    out = tmp_path / "v"
    assert showroom.main(["view", "--city", str(city_dir), "--cameras", "planned", "--xr", "off", "--seconds", "0.3",
                          "--size", "64x36", "--out", str(out)]) == 0  # fmt: skip
    assert summary(out)["scene"]["cameras"] == 2


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "missing.geojson", "--cameras: cameras '.*missing.geojson' is no such file"),
        ("CAM-NOPE\n", "ids.txt", r"ids.txt: camera ids not in the city"),
        (json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point",
         "coordinates": [119.42, -5.14]}, "properties": {"id": "CAM-017", "hfov_deg": 240}}]}), "bad.geojson",
         r'bad.geojson feature 0 \("CAM-017"\): hfov_deg must be in \(0, 180\]'),
    ],
)  # fmt: skip
def test_bad_file_is_one_clear_error(city_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                     content: str | None, name: str, message: str) -> None:  # fmt: skip
    import re

    p = tmp_path / name
    if content is not None:
        p.write_text(content, encoding="utf-8")
    for cmd in (["coverage"], ["fire", "--days", "1"], ["capacity"], ["render"]):
        out = tmp_path / f"o-{cmd[0]}"
        rc = showroom.main([*cmd, "--city", str(city_dir), "--cameras", str(p), "--out", str(out)])
        err = capsys.readouterr().err
        assert rc == 2 and re.search(message, err), (cmd, err)
        assert not out.exists(), f"{cmd[0]} wrote its output folder before the error"
