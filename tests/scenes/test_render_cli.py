"""``showroom render`` end to end on a small city: PNG frames, an MP4, summary.json; bad input exits 2."""

from __future__ import annotations

import json

import cv2
import shapely

import showroom
import twin
from twin.roads import RoadFeature, build_road_graph

from .conftest import make_twin


def _save_city(root):
    roads = build_road_graph([RoadFeature("R1", shapely.LineString([(-50, 0), (50, 0)]), highway="secondary")])
    cams = [
        twin.Camera("CAM-1", 0.0, -8.0, mount_height_m=6, heading_deg=10, tilt_deg=15, hfov_deg=70),
        twin.Camera("CAM-2", 20.0, 8.0, mount_height_m=6, heading_deg=200, tilt_deg=20, hfov_deg=60, type="ptz"),
    ]
    t = make_twin(buildings=[(-30, 10, -5, 30, 12.0), (5, -30, 25, -10, 20.0)], cameras=cams, roads=roads,
                  extent=(-50, -50, 50, 50))  # fmt: skip
    twin.save(t, root)
    return root


def test_render_tour_writes_frames_mp4_and_summary(tmp_path):
    city = _save_city(tmp_path / "city")
    out = tmp_path / "out"
    rc = showroom.main(["render", "--city", str(city), "--seconds", "1", "--fps", "3", "--size", "96x64",
                        "--overlay", "coverage,frustums", "--out", str(out)])  # fmt: skip
    assert rc == 0
    frames = sorted((out / "frames").glob("frame_*.png"))
    assert len(frames) == 3
    assert cv2.imread(str(frames[0])).shape == (64, 96, 3)
    mp4 = out / "render.mp4"
    assert mp4.stat().st_size > 500
    cap = cv2.VideoCapture(str(mp4))
    n = 0
    while cap.read()[0]:
        n += 1
    assert n == 3
    s = json.loads((out / "summary.json").read_text())
    assert s["frames"] == 3 and s["size"] == [96, 64] and s["path"] == "tour"
    assert s["scene"]["cameras_projecting"] == 2 and s["overlays"] == ["coverage", "frustums"]
    for key in ("frame_ms_mean", "frame_ms_p95", "first_frame_ms", "uploads", "deferred_uploads", "encoder"):
        assert key in s


def test_render_a_cameras_view(tmp_path):
    city = _save_city(tmp_path / "city")
    rc = showroom.main(["render", "--city", str(city), "--path", "CAM-1", "--seconds", "0.5", "--fps", "2",
                        "--size", "64x36", "--out", str(tmp_path / "o")])  # fmt: skip
    assert rc == 0
    assert len(list((tmp_path / "o" / "frames").glob("*.png"))) == 1


def test_bad_input_exits_2(tmp_path, capsys):
    city = _save_city(tmp_path / "city")
    base = ["render", "--city", str(city), "--out", str(tmp_path / "o")]
    assert showroom.main([*base, "--path", "CAM-99"]) == 2
    assert "CAM-99" in capsys.readouterr().err
    assert showroom.main([*base, "--size", "big"]) == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err
    assert showroom.main([*base, "--overlay", "heat"]) == 2
    assert "coverage and/or frustums" in capsys.readouterr().err


def test_ptz_guard_tour_presets():
    from scenes.render import ptz_preset_at

    a = twin.PosePreset(heading_deg=0, tilt_deg=10, dwell_s=10)
    b = twin.PosePreset(heading_deg=90, tilt_deg=20, dwell_s=20)
    cam = twin.Camera("P", 0, 0, type="ptz", presets=[a, b])
    assert [ptz_preset_at(cam, t) for t in (0.0, 9.9, 10.0, 29.9, 30.0, 45.0)] == [a, a, b, b, a, b]
    assert ptz_preset_at(twin.Camera("F", 0, 0, presets=[a]), 5.0) is None, "a fixed camera has no tour"


def test_render_with_live_feeds_through_the_hub(tmp_path):
    # the cameras have no stream URL: the feed hub serves its synthetic streams (paced capture workers)
    city = _save_city(tmp_path / "city")
    out = tmp_path / "live"
    rc = showroom.main(["render", "--city", str(city), "--feeds", "live", "--path", "CAM-1", "--seconds", "2",
                        "--fps", "5", "--size", "96x64", "--out", str(out)])  # fmt: skip
    assert rc == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["feeds"] == "live" and s["live"]["configured"] == 2
    assert s["live"]["frames_taken"] > 0 and s["uploads"] > 0
