"""The planning mode's scene side: picking the city with a ray, a camera's ground footprint, the DORI drape.

Picks are checked against hand-solved rays over a raster with one flat-topped block; the footprint
against the closed form of a tilted pinhole's corner rays; the drape by rendering it from above.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import scenes
import twin
from scenes import LEVEL_RGBA, changed_window, ground_footprint, pick_surface

from .conftest import Rig, make_twin

# a 100 x 100 m raster at 1 m, row 0 the northern edge (y = 100): one block 12 m tall over x 50..60, y 40..60
GT = (0.0, 1.0, 0.0, 100.0, 0.0, -1.0)
DSM = np.zeros((100, 100))
DSM[40:60, 50:60] = 12.0


def test_a_ray_down_to_open_ground_lands_where_the_line_meets_z_0() -> None:
    # from (0, 50, 20) along (1, 0, -0.5): z = 0 after 40 m east
    hit = pick_surface([0.0, 50.0, 20.0], [1.0, 0.0, -0.5], DSM, GT)
    assert hit.kind == "ground"
    assert (hit.x_m, hit.y_m, hit.z_m) == pytest.approx((40.0, 50.0, 0.0), abs=1e-9)
    assert hit.distance_m == pytest.approx(math.hypot(40.0, 20.0))


def test_a_ray_over_the_block_passes_it_and_a_steeper_one_hits_the_wall() -> None:
    # z = 20 - 0.1 x: 15 m at the wall x = 50, 14 m at x = 60 (> 12): over the roof, down at x = 200 (off the raster)
    over = pick_surface([0.0, 50.0, 20.0], [1.0, 0.0, -0.1], DSM, GT)
    assert over.kind == "ground" and over.x_m == pytest.approx(200.0)
    # level at 10 m: into the west wall (x = 50) at z = 10, normal pointing west
    wall = pick_surface([0.0, 50.0, 10.0], [1.0, 0.0, 0.0], DSM, GT)
    assert wall.kind == "facade"
    assert (wall.x_m, wall.y_m, wall.z_m) == pytest.approx((50.0, 50.0, 10.0), abs=1e-6)
    assert wall.normal == (-1.0, 0.0, 0.0)
    # from the north, going south and down: z = 30 - 0.5 * (90 - y) meets the north wall (y = 60) at z = 15 > 12,
    # so it comes down onto the roof: z = 12 at y = 90 - 36 = 54
    roof = pick_surface([55.0, 90.0, 30.0], [0.0, -1.0, -0.5], DSM, GT)
    assert roof.kind == "roof"
    assert (roof.x_m, roof.y_m, roof.z_m) == pytest.approx((55.0, 54.0, 12.0), abs=1e-6)
    # lower: z = 20 - 0.5 * (90 - y) is 5 m at the north wall y = 60: the facade, normal pointing north
    north = pick_surface([55.0, 90.0, 20.0], [0.0, -1.0, -0.5], DSM, GT)
    assert north.kind == "facade" and north.normal == (0.0, 1.0, 0.0)
    assert (north.x_m, north.y_m, north.z_m) == pytest.approx((55.0, 60.0, 5.0), abs=1e-6)


def test_a_ray_that_points_up_or_runs_out_of_range_hits_nothing() -> None:
    assert pick_surface([0.0, 50.0, 10.0], [1.0, 0.0, 1.0], DSM, GT) is None
    assert pick_surface([0.0, 50.0, 20.0], [1.0, 0.0, -0.5], DSM, GT, max_range_m=30.0) is None


def test_the_footprint_of_a_tilted_pinhole_is_where_its_corner_rays_meet_the_ground() -> None:
    h, tilt = 6.0, 30.0
    cam = twin.Camera("P", 0.0, 0.0, mount_height_m=h, heading_deg=0.0, tilt_deg=tilt, hfov_deg=90.0)
    pose = scenes.camera_pose(cam)
    loop = ground_footprint(pose, 1000.0, samples=4)
    tv = 1080 / 1920  # tan(vfov / 2) for tan(hfov / 2) = 1 at 16:9
    t = math.radians(tilt)
    # bottom-left corner ray: -right + forward - tv * up, forward = (0, cos t, -sin t), up = (0, sin t, cos t)
    d = np.array([-1.0, math.cos(t) - tv * math.sin(t), -math.sin(t) - tv * math.cos(t)])
    s = h / -d[2]
    assert loop[0] == pytest.approx([d[0] * s, d[1] * s], abs=1e-6)
    # the top edge looks 0.7 degrees below the horizon: cut at the range (slant 100 m)
    cut = ground_footprint(pose, 100.0, samples=4)
    top_right = np.array([1.0, math.cos(t) + tv * math.sin(t), -math.sin(t) + tv * math.cos(t)])
    top_right /= np.linalg.norm(top_right)
    assert cut[2 * 4] == pytest.approx(top_right[:2] * 100.0, abs=1e-6)  # the top edge is walked right to left
    assert cut[0] == pytest.approx(loop[0], abs=1e-6)  # the bottom corners are nearer than the range


def test_changed_window_is_the_bounding_box_of_the_differences() -> None:
    a = np.zeros((50, 40), dtype=np.int8)
    b = a.copy()
    assert changed_window(a, b) is None
    b[10, 5] = 2
    b[20, 30] = 1
    assert changed_window(a, b) == (10, 21, 5, 31)
    assert changed_window(None, b) == (0, 50, 0, 40)


@pytest.fixture(scope="module")
def plan_rig(engine):
    city = make_twin(buildings=[(20.0, 20.0, 30.0, 30.0, 10.0)], extent=(-60.0, -60.0, 60.0, 60.0))
    r = Rig(engine, city, size=(240, 240))
    yield r
    r.close()


def test_the_drape_shows_each_level_in_its_colour_and_a_change_uploads_only_its_tiles(plan_rig) -> None:
    r = plan_rig
    # 120 x 120 cells of 1 m from (-60, 60), drape tiles of 32 cells: 4 x 4 tiles
    levels = np.zeros((120, 120), dtype=np.int8)
    levels[70:90, 20:40] = 3  # x -40..-20, y -30..-10
    layer = r.scene.plan_layer(levels, (-60.0, 1.0, 0.0, 60.0, 0.0, -1.0), tile_cells=32)
    assert layer.tiles_uploaded == 16
    r.look((0.0, 0.0, 150.0), (0.0, 0.001, 0.0))
    img = r.render(2)
    bg = r.color_at(img, (-45.0, 45.0, 0.0))  # bare ground (the command center stands in the south-west corner)
    c = r.color_at(img, (-30.0, -20.0, 0.0))
    rgba = np.array(LEVEL_RGBA[2], dtype=float)
    a = rgba[3] / 255.0
    expected = bg * (1 - a) + rgba[[2, 1, 0]] * a  # BGR, alpha over the bare ground
    assert c == pytest.approx(expected, abs=6)
    # one cell changes in one tile: only that tile is re-coloured and re-uploaded
    after = levels.copy()
    after[100:110, 100:110] = 5  # x 40..50, y -40..-50: tile (3, 3)
    assert layer.set_levels(after) == (100, 110, 100, 110)
    assert layer.tiles_uploaded == 17
    img = r.render(2)
    rgba5 = np.array(LEVEL_RGBA[4], dtype=float)
    a5 = rgba5[3] / 255.0
    assert r.color_at(img, (45.0, -45.0, 0.0)) == pytest.approx(bg * (1 - a5) + rgba5[[2, 1, 0]] * a5, abs=6)
    assert layer.set_levels(after) is None and layer.tiles_uploaded == 17


def test_a_plan_camera_is_drawn_with_its_footprint_and_filmed_for_the_inset(plan_rig) -> None:
    r = plan_rig
    layer = r.scene.plan_layer(np.zeros((120, 120), dtype=np.int8), (-60.0, 1.0, 0.0, 60.0, 0.0, -1.0))
    r.look((0.0, 0.0, 150.0), (0.0, 0.001, 0.0))
    before = r.render(2)
    cam = twin.Camera("PLAN-1", -20.0, 0.0, mount_height_m=6.0, heading_deg=90.0, tilt_deg=20.0, hfov_deg=60.0)
    layer.show_camera(cam, selected=True)
    after = r.render(2)
    # the body (yellow when selected) sits on the pole, in front of it (east)
    r.look((-20.0, 0.0, 40.0), (-20.0, 0.001, 0.0))
    b, g, rr = r.color_at(r.render(2), (-19.2, 0.0, 6.0))
    assert rr > 150 and g > 150 and b < 120
    r.look((0.0, 0.0, 150.0), (0.0, 0.001, 0.0))
    # the footprint's outline crosses the ground ahead (east) of it; nothing changes behind it (west)
    pose = scenes.camera_pose(cam)
    loop = ground_footprint(pose, pose.optics.range_m(12.5))
    near = loop[np.argmin(np.hypot(loop[:, 0] + 20.0, loop[:, 1]))]
    assert np.abs(r.color_at(after, (*near, 0.0)) - r.color_at(before, (*near, 0.0))).max() > 30
    assert r.color_at(after, (-45.0, 0.0, 0.0)) == pytest.approx(r.color_at(before, (-45.0, 0.0, 0.0)), abs=2)
    # the inset films from the camera: the building east of it fills part of its view
    v = layer.inset(cam, width_px=160)
    r.render(2)
    frame = v.grab()
    assert frame.shape == (90, 160, 3) and float(frame.std()) > 5
    assert layer.inset(None) is None
    layer.hide_camera("PLAN-1")
    assert layer.shown == []
