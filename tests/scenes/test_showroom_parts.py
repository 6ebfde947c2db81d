"""The showroom's parts that need no window: flight, picking, HUD budget, guided tour captions."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

import twin
from scenes.controls import FlightControls
from scenes.hud import FrameBudget
from scenes.picking import pick_camera
from scenes.visit import GuidedTour, load_captions


def test_flight_is_frame_rate_independent_and_goes_where_it_faces() -> None:
    a = FlightControls(position=np.zeros(3) + [0, 0, 100], heading_deg=0.0, pitch_deg=0.0, speed_mps=10.0)
    b = FlightControls(position=np.zeros(3) + [0, 0, 100], heading_deg=0.0, pitch_deg=0.0, speed_mps=10.0)
    a.key("w", True)
    b.key("w", True)
    for _ in range(100):
        a.step(0.01)
    b.step(1.0)
    assert np.allclose(a.position, b.position)
    assert np.allclose(a.position, [0, 10, 100])  # heading 0 faces north (+y)
    c = FlightControls(position=np.array([0.0, 0.0, 100.0]), heading_deg=90.0, pitch_deg=0.0, speed_mps=10.0)
    c.key("w", True)
    c.step(1.0)
    assert np.allclose(c.position, [-10, 0, 100])  # Panda heading 90 turns left: west
    c.key("w", False)
    c.key("d", True)
    c.key("shift", True)
    c.step(1.0)
    assert np.allclose(c.position, [-10, 50, 100])  # right of west is north, 5x boost


def test_flight_never_goes_underground_and_pitch_is_clamped() -> None:
    f = FlightControls(position=np.array([0.0, 0.0, 3.0]), pitch_deg=0.0, speed_mps=100.0)
    f.key("z", True)
    f.step(1.0)
    assert f.position[2] == pytest.approx(1.7)
    f.drag(0, 10_000)
    assert f.pitch_deg == -89.0
    assert not f.key("x", True)


def test_pick_camera_by_angle() -> None:
    cams = np.array([[100.0, 0.0, 6.0], [100.0, 10.0, 6.0], [-100.0, 0.0, 6.0]])
    origin = np.array([0.0, 0.0, 6.0])
    assert pick_camera(origin, np.array([1.0, 0.0, 0.0]), cams) == 0
    # 10 m off at 100 m is 5.7 degrees: picked only with a wide enough cone
    assert pick_camera(origin, np.array([1.0, 0.1, 0.0]), cams, max_angle_deg=1.0) == 1
    assert pick_camera(origin, np.array([0.0, 1.0, 0.0]), cams) is None
    assert pick_camera(origin, np.array([-1.0, 0.0, 0.0]), cams) == 2  # behind the first: never through it
    assert pick_camera(origin, np.array([1.0, 0, 0]), np.zeros((0, 3))) is None


def test_frame_budget_means_and_text() -> None:
    fb = FrameBudget(window=2)
    fb.add(40.0, sim=1.0, feeds=4.0, scene=5.0, render=30.0)
    fb.add(20.0, sim=3.0, feeds=2.0, scene=5.0, render=10.0)
    fb.add(10.0, sim=1.0, feeds=2.0, scene=1.0, render=6.0)  # the first row leaves the window
    m = fb.means()
    assert m["frame_ms"] == 15.0 and m["fps"] == pytest.approx(1000 / 15)
    assert m["sim_ms"] == 2.0 and m["render_ms"] == 8.0
    text = fb.text(sim_time_s=3725, speed=60, paused=False)
    assert "66.7 fps" in text and "sim 01:02:05  x60" in text
    assert "PAUSED" in fb.text(sim_time_s=0, speed=1, paused=True)


def _small_city() -> twin.Twin:
    from twin.roads import RoadFeature, build_road_graph

    return twin.Twin(
        frame=twin.LocalFrame(119.42, -5.14),
        buildings=[twin.Building(f"b{i}", shapely.box(i * 30, 0, i * 30 + 20, 20), 9.0) for i in range(3)],
        roads=build_road_graph([RoadFeature("r", shapely.LineString([(0, -10), (1000, -10)]))]),
        cameras=[twin.Camera("C1", 10, -12), twin.Camera("C2", 500, -12), twin.Camera("X", 0, 0, status="candidate")],
        fire_stations=[twin.FireStation("F", 900, 30, trucks=3), twin.FireStation("G", 100, 30, trucks=2)],
    )


def test_tour_captions_in_both_languages_with_the_citys_figures() -> None:
    t = _small_city()
    id_ = GuidedTour.build(t, seconds=50, lang="id")
    en = GuidedTour.build(t, seconds=50, lang="en")
    assert id_.keys == en.keys
    # without a fire story (no sim facts) the tour tells only what the city shows
    assert {"city", "command_center", "server_room", "next_101"} <= set(id_.keys)
    assert "fire" not in id_.keys and "found" not in id_.keys
    assert "3 bangunan, 1 km jalan dan 2 kamera CCTV" in id_.captions[0]  # candidates are not cameras yet
    assert "3 buildings, 1 km of road and 2 CCTV cameras" in en.captions[0]
    assert "1 candidate sites" in en.captions[en.keys.index("next_101")]
    assert en.caption_at(0.0) == en.captions[0] and en.caption_at(50.0) == en.captions[-1]
    # the command-center stop looks at the command center
    cc = t.command_center
    _, target = en.pose_at(float(en.stop_times[en.keys.index("command_center")]))
    assert np.allclose(target[:2], [cc.x, cc.y])


def test_unknown_tour_language() -> None:
    with pytest.raises(twin.TwinError, match="unknown tour language 'fr': use one of id, en"):
        load_captions("fr")


def test_tour_eye_clears_every_roof_near_it() -> None:
    t = _small_city()
    t.buildings.append(twin.Building("tower", shapely.box(480, 20, 520, 60), 150.0))
    tour = GuidedTour.build(t, seconds=60, lang="en")
    for s in np.linspace(0, 60, 241):
        eye, _ = tour.pose_at(float(s))
        near = [b.height_m for b in t.buildings if b.footprint.distance(shapely.Point(eye[0], eye[1])) < 20]
        assert eye[2] >= max(near, default=0.0) + 20.0 - 1e-9
