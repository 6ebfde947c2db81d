"""A scene shows the cameras a selection means: a plan file's cameras project their video in 3D."""

from __future__ import annotations

import json

import pytest
from panda3d.core import NodePath, PerspectiveLens

import scenes
import twin

from .conftest import is_red, make_twin

RED = (0, 0, 255)


def _city() -> twin.Twin:
    # E1 looks west from (0, -50); P1 (planned) looks south from (-50, 0); C1 (a candidate site) looks east
    cams = [
        twin.Camera("E1", 0.0, -50.0, mount_height_m=6.0, heading_deg=270.0, tilt_deg=20.0, hfov_deg=60.0),
        twin.Camera("P1", -50.0, 0.0, mount_height_m=6.0, heading_deg=180.0, tilt_deg=20.0, status="planned"),
        twin.Camera("C1", -50.0, 10.0, mount_height_m=6.0, heading_deg=90.0, tilt_deg=20.0, status="candidate"),
    ]
    return make_twin(cameras=cams)


def _plan(path) -> str:
    # PLAN-001 on a pole at (40, 60), looking south-west down at (30, 50): no city camera sees that spot
    lonlat = [float(v) for v in twin.LocalFrame(119.42, -5.14).to_wgs84(40.0, 60.0)]
    feat = {
        "type": "Feature",
        "properties": {"id": "PLAN-001", "status": "planned", "camera:direction": 225, "tilt_deg": 30,
                       "height": 8, "hfov_deg": 70},
        "geometry": {"type": "Point", "coordinates": lonlat},
    }  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feat]}), encoding="utf-8")
    return str(path)


@pytest.fixture
def scene_of(engine):
    made = []

    def make(city, cameras=None):
        root = NodePath("render")
        sc = scenes.CityScene(city, root, engine.graphics, cameras=cameras)
        lens = PerspectiveLens()
        lens.set_fov(50.0, 50.0)
        lens.set_near_far(0.5, 2000.0)
        view = scenes.OffscreenView(engine.graphics, root, 128, 128, lens=lens)
        made.append((sc, view))
        return sc, view

    yield make
    for sc, view in made:
        view.destroy()
        sc.destroy()


def test_default_scene_shows_all_never_candidates(scene_of) -> None:
    sc, _ = scene_of(_city())
    assert [c.id for c in sc.cameras] == ["E1", "P1"]
    assert sorted(sc.projectors.projectors) == ["E1", "P1"]
    assert sc.stats()["cameras"] == 2


def test_existing_only(scene_of) -> None:
    city = _city()
    sc, _ = scene_of(city, twin.select_cameras(city, "existing"))
    assert sorted(sc.projectors.projectors) == ["E1"]


def test_a_plan_file_projects_in_3d(scene_of, engine, tmp_path) -> None:
    city = _city()
    sc, view = scene_of(city, twin.select_cameras(city, _plan(tmp_path / "plan.geojson")))
    assert [c.id for c in sc.cameras] == ["E1", "P1", "PLAN-001"]
    assert sc.camera("PLAN-001").heading_deg == pytest.approx(225.0)
    view.camera.set_pos(30.0, 30.0, 60.0)
    view.camera.look_at(30.0, 50.0, 0.0)
    for cid in ("E1", "P1", "PLAN-001"):
        sc.submit_frame(cid, scenes.solid_frame(RED, 32, 24))
    for _ in range(2):
        sc.update(view.camera, view.lens)
        engine.render_frame()
    img = view.grab()
    h, w = img.shape[:2]
    centre = img[h // 2 - 1 : h // 2 + 2, w // 2 - 1 : w // 2 + 2].reshape(-1, 3).mean(axis=0)
    assert is_red(centre), f"the plan camera's video must paint the ground it looks at, got BGR {centre}"
    # control: without the plan the same spot keeps the ground's own colour
    sc2, view2 = scene_of(city)
    view2.camera.set_pos(30.0, 30.0, 60.0)
    view2.camera.look_at(30.0, 50.0, 0.0)
    for cid in ("E1", "P1"):
        sc2.submit_frame(cid, scenes.solid_frame(RED, 32, 24))
    for _ in range(2):
        sc2.update(view2.camera, view2.lens)
        engine.render_frame()
    img2 = view2.grab()
    c2 = img2[h // 2 - 1 : h // 2 + 2, w // 2 - 1 : w // 2 + 2].reshape(-1, 3).mean(axis=0)
    assert not is_red(c2), f"no city camera sees (30, 50): it must not be painted, got BGR {c2}"
