"""Street life, trucks, fires and PTZ heads in pixels (llvmpipe, small renders, one scene per test group).

Where a thing should be is computed here from the snapshot and the render camera (the rig projects
world points with the viewer's own lens); the expectations come from closed forms written out in
this file (Heskestad's plume, NFPA's flash rate), not from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

import twin
from sim.life import LifeModel
from sim.snapshot import LifeState
from twin.roads import RoadFeature, build_road_graph

from .conftest import make_twin


def _loop_city() -> twin.Twin:
    """A 160 m square of primary roads on open ground, a park in the middle, one PTZ camera on a tour."""
    corners = [(-80.0, -80.0), (80.0, -80.0), (80.0, 80.0), (-80.0, 80.0)]
    feats = [
        RoadFeature(f"R{k}", shapely.LineString([corners[k], corners[(k + 1) % 4]]), highway="primary")
        for k in range(4)
    ]
    ptz = twin.Camera(
        "PTZ-1", 0.0, -100.0, mount_height_m=8.0, type="ptz", heading_deg=0.0, tilt_deg=20.0,
        presets=[twin.PosePreset(0.0, 20.0, dwell_s=10.0), twin.PosePreset(90.0, 20.0, dwell_s=10.0)],
    )  # fmt: skip
    park = twin.Zone("P", shapely.box(-50, -50, 50, 50), landuse="park")
    return make_twin(roads=build_road_graph(feats), cameras=[ptz], zones=[park], extent=(-120, -120, 120, 120))


@pytest.fixture(scope="module")
def city() -> twin.Twin:
    return _loop_city()


@pytest.fixture(scope="module")
def loop_rig(engine, city):
    from .conftest import Rig

    r = Rig(engine, city, size=(320, 180))
    yield r
    r.close()


def _pixel(r, world) -> tuple[int, int] | None:
    """(row, col) of a world point in the rig's view, or None when it is out of view."""
    from panda3d.core import Point2, Point3

    film = Point2()
    if not r.view.lens.project(r.view.camera.get_relative_point(r.root, Point3(*world)), film):
        return None
    return int(round((1 - film[1]) / 2 * r.view.height - 0.5)), int(round((film[0] + 1) / 2 * r.view.width - 0.5))


def _empty() -> LifeState:
    z2, z1 = np.zeros((0, 2)), np.zeros(0)
    return LifeState.of(t=0.0, hour=8.0, vehicle_xy=z2, vehicle_heading_rad=z1, vehicle_kind=z1, pedestrian_xy=z2,
                        pedestrian_heading_rad=z1, vehicle_id=z1, pedestrian_id=z1)  # fmt: skip


def test_vehicles_appear_in_the_pixels_where_the_model_puts_them(loop_rig, city) -> None:
    r = loop_rig
    m = LifeModel(city, seed=4, start_s=8 * 3600.0)
    m.env.run(until=20.0)
    st = m.state()
    assert len(st.vehicle_xy) >= 20
    r.look((0.0, -150.0, 120.0), (0.0, -20.0, 0.0))
    r.scene.push_life(_empty())
    empty = r.render(1).astype(int)
    r.scene.push_life(st)
    full = r.render(1).astype(int)
    w, h = r.view.width, r.view.height
    hits = seen = 0
    for x, y in st.vehicle_xy:
        at = _pixel(r, (float(x), float(y), 1.2))
        if at is None or not (1 <= at[0] < h - 1 and 1 <= at[1] < w - 1):
            continue
        row, col = at
        seen += 1
        # the vehicle's own pixel (or one next to it: a motorcycle is 0.6 m wide) changed
        win = np.abs(full[row - 1 : row + 2, col - 1 : col + 2] - empty[row - 1 : row + 2, col - 1 : col + 2])
        hits += int(win.max() > 30)
    assert seen >= 10
    assert hits >= 0.9 * seen, (hits, seen)
    # and nothing was drawn in the park's middle, 50 m from any road: there are no vehicles there
    row, col = r.pixel((0.0, 0.0, 0.0))
    assert np.abs(full[row - 2 : row + 3, col - 2 : col + 3] - empty[row - 2 : row + 3, col - 2 : col + 3]).max() < 30
    # the tour's frame inspector sees them as vehicles and pedestrians (tagged), a share about the pixels changed
    from scenes import FrameInspector

    inspector = FrameInspector(r.scene, r.view, r.engine)
    report = inspector.measure(full.astype(np.uint8))
    inspector.destroy()
    changed = float((np.abs(full - empty).max(axis=2) > 30).mean())
    assert report.shares.get("vehicles", 0.0) > 0.0 and report.shares.get("pedestrians", 0.0) > 0.0
    assert report.shares["vehicles"] + report.shares["pedestrians"] == pytest.approx(changed, rel=0.5)


def test_a_bus_shows_its_paint_from_above(loop_rig) -> None:
    """A bus of id 0 (paint (20, 110, 190), blue) seen from above: its roof's pixels are blue, the road's are grey."""
    r = loop_rig
    none = np.zeros(0)
    st = LifeState.of(t=0.0, hour=8.0, vehicle_xy=[[0.0, -80.0]], vehicle_heading_rad=[0.0], vehicle_kind=[2],
                      pedestrian_xy=none, pedestrian_heading_rad=none, vehicle_id=[0], pedestrian_id=none)  # fmt: skip
    r.scene.push_life(st)
    r.look((0.0, -95.0, 30.0), (0.0, -80.0, 0.0))
    img = r.render(1)
    b, g, rr = r.color_at(img, (-3.0, -80.0, 3.55))
    # the roof's top face is lit by the baked sun: 0.55 + 0.45 * (up . sun) = 0.89 of the paint
    assert b > 140 and b > rr + 80 and g > rr + 40, (b, g, rr)
    b, g, rr = r.color_at(img, (0.0, -72.0, 0.45))  # the road beside it
    assert abs(b - rr) < 25


def _heskestad_top_m(q_kw: float) -> float:
    """Height where the plume's centreline is 2 K above 293 K (written out from the SFPE Handbook)."""
    d = math.sqrt(4 * q_kw / (math.pi * 500.0))
    z0 = 0.083 * q_kw**0.4 - 1.02 * d
    k = 9.1 * (293.0 / (9.81 * 1.0 * 1.2**2)) ** (1 / 3)
    return z0 + (k * (0.7 * q_kw) ** (2 / 3) / 2.0) ** 0.6


@pytest.fixture(scope="module")
def open_rig(engine):
    from .conftest import Rig

    r = Rig(engine, make_twin(extent=(-200, -200, 200, 200)), size=(240, 320))
    yield r
    r.close()


def test_the_smoke_plume_grows_with_the_t_squared_heat_release(open_rig) -> None:
    r = open_rig
    alpha = 0.01172  # medium growth (kW/s^2): 1,055 kW at 300 s
    r.look((0.0, -220.0, 40.0), (0.0, 0.0, 40.0))
    r.scene.push_snapshot({"t": 0.0})
    r.scene.set_sim_time(0.0)
    empty = r.render(1).astype(int)
    area, top_row = [], []
    for t in (120.0, 300.0):
        q = alpha * t * t
        r.scene.push_snapshot({"t": t, "fires": [{"id": "F", "x": 0.0, "y": 0.0, "hrr_kw": q}]})
        r.scene.push_snapshot({"t": t, "fires": [{"id": "F", "x": 0.0, "y": 0.0, "hrr_kw": q}]})
        r.scene.set_sim_time(t)
        img = r.render(1).astype(int)
        smoke = np.abs(img - empty).max(axis=2) > 12
        area.append(int(smoke.sum()))
        rows = np.flatnonzero(smoke.any(axis=1))
        top_row.append(int(rows.min()))
        # the plume reaches about Heskestad's visible height (puffs fade over their last third: within 35%)
        top_m = _heskestad_top_m(q)
        want_row, _ = r.pixel((0.0, 0.0, top_m))
        low_row, _ = r.pixel((0.0, 0.0, 0.65 * top_m))
        assert want_row - 8 <= top_row[-1] <= low_row, (t, q, top_row[-1], want_row, low_row)
    assert area[1] > 2 * area[0], area
    assert top_row[1] < top_row[0]


def test_truck_lights_flash_in_turn_while_on_a_call(open_rig) -> None:
    """Each light is on for 1/(2 x 1.5 Hz) = 1/3 s, the other one the next third: 90 flashes a minute each."""
    r = open_rig
    r.look((0.0, -14.0, 9.0), (0.0, 2.0, 2.5))
    # heading north, the truck's frame is the world's: the light bar 3.05 m over the 0.45 m street
    lamp_a, lamp_b = (-0.6, 2.9, 0.45 + 3.05), (0.6, 2.9, 0.45 + 3.05)
    seen = {}
    for t in (0.1, 0.45, 0.75, 1.1):
        snap = {"t": t, "trucks": [{"id": "E1", "x": 0.0, "y": 0.0, "heading_deg": 0.0, "state": "responding"}]}
        r.scene.push_snapshot(snap)
        r.scene.push_snapshot(snap)
        r.scene.set_sim_time(t)
        img = r.render(1)
        seen[t] = (r.color_at(img, lamp_a), r.color_at(img, lamp_b))
    for t in (0.1, 0.75):  # phase 0: the red light on, the blue one dark
        (b, g, rr), (b2, _, _) = seen[t]
        assert rr > 200 and g < 80, seen[t]
        assert b2 < 90, seen[t]
    for t in (0.45, 1.1):  # phase 1: the other way round
        (_, _, rr), (b2, _, r2) = seen[t]
        assert rr < 90 and b2 > 200 and r2 < 90, seen[t]
    snap = {"t": 2.0, "trucks": [{"id": "E1", "x": 0.0, "y": 0.0, "heading_deg": 0.0, "state": "at_station"}]}
    r.scene.push_snapshot(snap)
    r.scene.push_snapshot(snap)
    r.scene.set_sim_time(2.0)
    img = r.render(1)
    assert r.color_at(img, lamp_a)[2] < 90 and r.color_at(img, lamp_b)[0] < 90, "dark at the station"


def test_a_ptz_head_turns_on_its_tour(loop_rig, city) -> None:
    from scenes._ptz import ptz_aim_at

    cam = city.camera("PTZ-1")
    # presets 0 deg (10 s) then 90 deg (10 s), slewing at 40 deg/s: 90 deg takes 2.25 s
    assert ptz_aim_at(cam, 5.0).heading_deg == pytest.approx(0.0)
    assert ptz_aim_at(cam, 11.125).heading_deg == pytest.approx(45.0)
    assert ptz_aim_at(cam, 13.0).heading_deg == pytest.approx(90.0)
    assert ptz_aim_at(cam, 21.125).heading_deg == pytest.approx(45.0)  # the way back, the shorter way round
    r = loop_rig
    r.scene.push_life(_empty())
    r.look((0.0, -94.0, 10.0), (0.0, -100.0, 8.0))
    r.scene.turn_ptz(5.0)
    a = r.render(1).astype(int)
    r.scene.turn_ptz(13.0)
    b = r.render(1).astype(int)
    assert (np.abs(a - b).max(axis=2) > 30).sum() > 20, "the head's pixels moved"
    head = r.scene.markers.ptz.heads["PTZ-1"]
    assert head.get_h() == pytest.approx(-90.0, abs=1e-3)


def test_vehicles_darken_at_night_like_the_city(loop_rig) -> None:
    """Lit by the scene's look: the same bus roof is darker at 23:00 than at noon (no sun, street lamps only)."""
    import datetime as dt

    r = loop_rig
    if r.scene.look is None:
        pytest.skip("a plain-look scene has no clock")  # the default scene is the living look
    none = np.zeros(0)
    st = LifeState.of(t=0.0, hour=12.0, vehicle_xy=[[0.0, -80.0]], vehicle_heading_rad=[0.0], vehicle_kind=[2],
                      pedestrian_xy=none, pedestrian_heading_rad=none, vehicle_id=[0], pedestrian_id=none)  # fmt: skip
    r.scene.push_life(st)
    r.look((0.0, -95.0, 30.0), (0.0, -80.0, 0.0))
    luma = {}
    for hour in (12, 23):
        r.scene.set_clock(dt.datetime(2026, 3, 20, hour, 0))
        img = r.render(2)
        luma[hour] = float(r.color_at(img, (-3.0, -80.0, 3.55)).mean())
    r.scene.set_clock(dt.datetime(2026, 3, 20, 10, 0))
    # under a street lamp's pool it keeps some light; unlit (baked colours only) it would not change at all
    assert luma[23] < 0.85 * luma[12], luma


def test_a_virtual_cctv_films_the_vehicles(loop_rig) -> None:
    """Life hangs under the scene root, hidden only from the depth maps: a camera's virtual CCTV sees a bus."""
    r = loop_rig
    cam = r.scene.virtual_cctv("PTZ-1", size=(160, 90))
    r.scene.set_ptz("PTZ-1", heading_deg=0.0, tilt_deg=20.0)  # looking north over the road at y = -80
    none = np.zeros(0)
    r.scene.push_life(_empty())
    r.render(1)
    before = cam.grab().astype(int)
    st = LifeState.of(t=0.0, hour=8.0, vehicle_xy=[[0.0, -80.0]], vehicle_heading_rad=[0.0], vehicle_kind=[2],
                      pedestrian_xy=none, pedestrian_heading_rad=none, vehicle_id=[0], pedestrian_id=none)  # fmt: skip
    r.scene.push_life(st)
    r.render(1)
    after = cam.grab().astype(int)
    changed = np.abs(after - before).max(axis=2) > 30
    # an 11 m bus 20 m in front of a 90 deg lens 160 px wide covers about 160 * 11 / (2 * 20) = 44 columns
    cols = np.flatnonzero(changed.any(axis=0))
    assert len(cols) > 25, len(cols)
    assert abs(cols.mean() - 80) < 12  # straight ahead


def test_ptz_projectors_move_within_a_budget_and_none_starves() -> None:
    """Three PTZs changing preset at once with a budget of 2 a frame: two now, the third next frame."""
    from panda3d.core import NodePath

    from scenes._ptz import PtzHeads

    presets = [twin.PosePreset(0.0, 20.0, dwell_s=10.0), twin.PosePreset(90.0, 20.0, dwell_s=10.0)]
    cams = [twin.Camera(f"P{k}", 10.0 * k, 0.0, type="ptz", presets=presets) for k in range(3)]
    heads = PtzHeads(NodePath("markers"), cams, [(40, 40, 46)] * 3)
    first = heads.turn(5.0, budget=2)
    second = heads.turn(5.1, budget=2)
    assert len(first) == 2 and len(second) == 1
    assert {c for c, _, _ in first + second} == {"P0", "P1", "P2"}
    assert heads.turn(5.2, budget=2) == []  # all on preset 0 now
    moved = heads.turn(12.0, budget=2) + heads.turn(12.1, budget=2)
    assert sorted(c for c, _, a in moved if a.preset == 1) == ["P0", "P1", "P2"]
