"""Projected video, checked in pixels: the right wall, never through a building, never on a back face."""

from __future__ import annotations

import math

import numpy as np
import pytest

import scenes
import twin

from .conftest import is_blue, is_red, make_twin

RED = (0, 0, 255)
BLUE = (255, 0, 0)


def _wall_city():
    # camera C at (0, 0, 6) looking north, level, hfov 90 (16:9)
    # F: a block whose south wall faces C; H: a block right behind F, inside F's shadow;
    # T: a 10 cm thin wall off to the east, not shadowed by F (its north face is a back face for C)
    cam = twin.Camera("C", 0.0, 0.0, mount_height_m=6.0, heading_deg=0.0, tilt_deg=0.0, hfov_deg=90.0,
                      width_px=1280, height_px=720)  # fmt: skip
    return make_twin(
        buildings=[(-8, 20, 8, 22, 14.0), (-3, 30, 3, 34, 8.0), (12, 25, 18, 25.1, 6.0)],
        cameras=[cam],
    )


@pytest.fixture
def wall_rig(rig):
    r = rig(_wall_city())
    r.scene.submit_frame("C", scenes.solid_frame(RED, 64, 36))
    return r


def test_solid_feed_paints_the_facing_wall(wall_rig):
    r = wall_rig
    r.look((0, -10, 12), (0, 25, 4))
    img = r.render(2)
    assert is_red(r.color_at(img, (0, 20, 7))), "F's south wall faces the camera and must show its feed"
    assert is_red(r.color_at(img, (15, 25, 3))), "T's south face is seen by the camera"
    assert is_red(r.color_at(img, (0, 15, 0.2))), "the street in front of F is in view"


def test_feed_does_not_reach_a_wall_hidden_behind_a_building(wall_rig):
    r = wall_rig
    # from above the gap between F and H, looking at H's south wall (it faces the camera, but F hides it)
    r.look((0, 24, 30), (0, 30, 4))
    img = r.render(2)
    c = r.color_at(img, (0, 30, 4))
    assert not is_red(c), f"H's wall is occluded by F and must keep its own colour, got BGR {c}"
    assert not is_red(r.color_at(img, (0, 26, 0.2))), "the ground in F's shadow stays unpainted"


def test_feed_does_not_appear_on_a_back_face(wall_rig):
    r = wall_rig
    # from the north, looking at T's north face. Control in the same image: ground at (25, 30) that the
    # camera sees past T's east end (F shadows |x| < 0.4 y behind it, T shadows 0.48 y < x < 0.72 y).
    r.look((18, 50, 20), (18, 28, 0))
    img = r.render(2)
    back = r.color_at(img, (15, 25.1, 3))
    assert not is_red(back), f"T's north face is a back face for the camera, got BGR {back}"
    assert is_red(r.color_at(img, (25, 30, 0.2))), "control: open ground the camera sees, in the same image"


def test_video_toggle_and_key(wall_rig):
    r = wall_rig
    r.look((0, -10, 12), (0, 25, 4))
    assert r.scene.handle_key("v") == "video"
    img = r.render(2)
    assert not is_red(r.color_at(img, (0, 20, 7)))
    r.scene.set_overlay("video", True)
    img = r.render(1)
    assert is_red(r.color_at(img, (0, 20, 7)))


def test_ptz_turn_moves_footprint_and_rerenders_depth_once(rig):
    from panda3d.core import GraphicsOutput, Texture

    cam = twin.Camera("P", 0.0, 0.0, mount_height_m=6.0, heading_deg=90.0, tilt_deg=30.0, hfov_deg=40.0,
                      width_px=640, height_px=480, type="ptz")  # fmt: skip
    # a 10 m block 16-20 m north: once the camera turns north, the ground behind it must stay unpainted
    r = rig(make_twin(buildings=[(-3, 16, 3, 20, 10.0)], cameras=[cam]))
    p = r.scene.projectors.projectors["P"]
    # watch the depth buffer itself: a RAM copy whose modification stamp moves each time it draws
    watch = Texture("depth-watch")
    p.depth_buffer.add_render_texture(watch, GraphicsOutput.RTM_copy_ram, GraphicsOutput.RTP_color)
    r.scene.submit_frame("P", scenes.solid_frame(RED, 32, 24))
    r.look((0, 5, 60), (0, 5.01, 0))
    d = 6 / math.tan(math.radians(30))  # the image centre meets the ground 10.39 m out
    east, north, behind = (d, 0.0, 0.2), (0.0, d, 0.2), (0.0, 22.0, 0.2)
    img = r.render(2)
    assert p.depth_renders == 1
    assert is_red(r.color_at(img, east)) and not is_red(r.color_at(img, north))

    r.scene.set_ptz("P", heading_deg=0.0, tilt_deg=30.0)
    stamps = [watch.get_image_modified().get_seq()]
    for _ in range(3):
        img = r.render(1)
        stamps.append(watch.get_image_modified().get_seq())
    assert p.depth_renders == 2, "one PTZ move re-renders the depth map exactly once"
    assert stamps[1] != stamps[0] and stamps[1] == stamps[2] == stamps[3], "drawn on the next frame only"
    assert is_red(r.color_at(img, north)) and not is_red(r.color_at(img, east))
    # the new depth map holds the block: the ground in its shadow is not painted
    assert not is_red(r.color_at(img, behind))
    h, w = p.depth_size[1], p.depth_size[0]
    depth = np.frombuffer(watch.get_ram_image(), dtype=np.float32).reshape(h, w)
    # the top row's centre looks over the block's front face, about 16-17 m away (the ground there is 23.5 m)
    assert 15.5 < depth[-1, w // 2] < 18.0
    with pytest.raises(twin.TwinError, match="not ptz"):
        rig(make_twin(cameras=[twin.Camera("F", 0, 0)])).scene.set_ptz("F", heading_deg=0, tilt_deg=0)


def _stripe_feed(w=400, h=225, split=0.75):
    img = np.empty((h, w, 3), np.uint8)
    img[:] = RED
    img[:, int(split * w) :] = BLUE
    return img


def _boundary_x(r, img, y=0.0):
    """Ground x where red turns blue along the line y, scanning the viewer's top-down image."""
    row, _ = r.pixel((0.0, y, 0.0))
    line = img[row].astype(int)
    blue = (line[:, 0] > 150) & (line[:, 2] < 100)
    red = (line[:, 2] > 150) & (line[:, 0] < 100)
    cols = np.arange(len(line))
    last_red = cols[red].max()
    first_blue = cols[blue & (cols > last_red - 5)].min()
    col = (last_red + first_blue) / 2.0
    # the viewer looks straight down from 40 m with a 60-degree lens
    return (col + 0.5 - r.view.width / 2) / (r.view.width / 2) * 40.0 * math.tan(math.radians(30))


def test_radial_distortion_is_undone_in_projection(rig):
    # a camera 20 m up looking straight down, hfov 90 (tan 1), barrel distortion k1 = -0.25; its frame's
    # colour boundary sits at 3/4 of the width: x_d = 0.5 in normalised distorted coordinates. The
    # ground point it shows solves x (1 + k1 x^2) = 0.5, x = 0.53919 (Newton by hand: 0.5, 0.53846,
    # 0.53919), so the boundary falls 20 * 0.53919 = 10.78 m east of the camera; a pinhole would put it at 10.0 m.
    cam = twin.Camera("D", 0.0, 0.0, mount_height_m=20.0, heading_deg=0.0, tilt_deg=90.0, hfov_deg=90.0,
                      width_px=1600, height_px=900, k1=-0.25)  # fmt: skip
    r = rig(make_twin(cameras=[cam]), size=(480, 360))
    r.scene.submit_frame("D", _stripe_feed())
    r.look((0, 0, 40), (0, 0.001, 0))
    img = r.render(2)
    x = _boundary_x(r, img)
    assert x == pytest.approx(10.78, abs=0.25)


def test_pose_correction_is_applied(rig):
    # heading 0, tilt 30 from 6 m: the image centre hits the ground 6 / tan 30 = 10.392 m north.
    # Corrected by +10 degrees of heading and 2 m east: (2 + 10.392 sin 10, 10.392 cos 10) = (3.805, 10.234).
    feed = np.empty((90, 160, 3), np.uint8)
    feed[:] = BLUE
    feed[40:50, 75:85] = RED
    corr = twin.PoseCorrection(heading_deg=10.0, dx_m=2.0)
    cam = twin.Camera("K", 0.0, 0.0, mount_height_m=6.0, tilt_deg=30.0, hfov_deg=40.0, width_px=1600,
                      height_px=900, correction=corr)  # fmt: skip
    r = rig(make_twin(cameras=[cam]), size=(400, 400))
    r.scene.submit_frame("K", feed)
    r.look((3, 8, 30), (3, 8.001, 0))
    img = r.render(2)
    red = (img[:, :, 2] > 150) & (img[:, :, 0] < 100)
    rows, cols = np.nonzero(red)
    assert len(rows) > 10
    centre = np.array([rows.mean(), cols.mean()])
    want = np.array(r.pixel((3.805, 10.234, 0.0)), dtype=float)
    uncorrected = np.array(r.pixel((0.0, 10.392, 0.0)), dtype=float)
    assert np.hypot(*(centre - want)) < 3.0, (centre, want)
    assert np.hypot(*(centre - uncorrected)) > 15.0


def test_overlaps_blend_by_pixel_density(rig):
    # P = (0, 0) seen by A from (0, -10, 10) (d = 14.142 m, cos incidence 0.7071) and by B from
    # (0, 40, 30) (d = 50 m, cos 0.6), same lens. Density ~ f / d * cos: A 0.05 f, B 0.012 f; weights
    # are its square: A's share 0.0025 / (0.0025 + 0.000144) = 0.9455. With opacity 0.95 over the
    # ground (186, 186, 176): R = 0.05 * 186 + 0.95 * 0.9455 * 255 = 238.4, B = 0.05 * 176 + 0.95 * 0.0545 * 255 = 22.0.
    a = twin.Camera("A", 0.0, -10.0, mount_height_m=10.0, heading_deg=0.0, tilt_deg=45.0, hfov_deg=60.0)
    b = twin.Camera("B", 0.0, 40.0, mount_height_m=30.0, heading_deg=180.0, tilt_deg=math.degrees(math.atan2(30, 40)),
                    hfov_deg=60.0)  # fmt: skip
    r = rig(make_twin(cameras=[a, b]))
    r.scene.submit_frame("A", scenes.solid_frame(RED))
    r.scene.submit_frame("B", scenes.solid_frame(BLUE))
    r.look((0, 0, 25), (0, 0.001, 0))
    img = r.render(2)
    bgr = r.color_at(img, (0.0, 0.0, 0.0), r=0)
    assert bgr[2] == pytest.approx(238.4, abs=5)
    assert bgr[0] == pytest.approx(22.0, abs=5)


def _three_cameras():
    return [
        twin.Camera(f"N{k}", 40.0 * k, 0.0, mount_height_m=6.0, heading_deg=0.0, tilt_deg=30.0, hfov_deg=60.0)
        for k in range(3)
    ]


def test_upload_budget_keeps_the_furthest_on_their_last_still(rig):
    r = rig(make_twin(cameras=_three_cameras(), extent=(-60, -60, 140, 80)), upload_budget=1)
    for k in range(3):
        r.scene.submit_frame(f"N{k}", scenes.solid_frame(RED), seq=1)
    r.look((-30, -40, 50), (40, 20, 0))  # nearest N0, then N1, N2
    r.render(1)
    assert r.stats.uploads.visible_ids == ["N0", "N1", "N2"]
    assert r.stats.uploads.uploaded == ["N0"] and r.stats.uploads.deferred == 2
    r.render(1)
    assert r.stats.uploads.uploaded == ["N1"] and r.stats.uploads.deferred == 1
    # a repeat of a frame already shown is not uploaded again
    r.scene.submit_frame("N0", scenes.solid_frame(RED), seq=1)
    r.render(1)
    assert r.stats.uploads.uploaded == ["N2"]
    r.render(1)
    assert r.stats.uploads.uploaded == []


def test_upload_time_budget(rig):
    r = rig(make_twin(cameras=_three_cameras(), extent=(-60, -60, 140, 80)), upload_budget_ms=0.0)
    for k in range(3):
        r.scene.submit_frame(f"N{k}", scenes.solid_frame(RED, 640, 360))
    r.look((-30, -40, 50), (40, 20, 0))
    r.render(1)
    # a zero-millisecond budget still lets the nearest camera through, then stops
    assert r.stats.uploads.uploaded == ["N0"] and r.stats.uploads.deferred == 2


def test_only_cameras_in_view_get_uploads(rig):
    r = rig(make_twin(cameras=_three_cameras(), extent=(-60, -60, 140, 80)))
    for k in range(3):
        r.scene.submit_frame(f"N{k}", scenes.solid_frame(RED))
    r.look((40, -100, 10), (40, -300, 10))  # looking south, away from every footprint
    r.render(1)
    assert r.stats.uploads.visible == 0 and r.stats.uploads.uploaded == [] and r.stats.uploads.visible_ids == []
    r.look((40, -100, 10), (40, 20, 0))
    r.render(1)
    assert sorted(r.stats.uploads.uploaded) == ["N0", "N1", "N2"]


def test_dome_fisheye_projects_equidistant_and_oriented_by_heading(rig):
    # a 360-degree dome 10 m up looks straight down; equidistant: radius / circle radius = angle / 90 deg.
    # The feed: a red disc of half the circle's radius (45 deg) on blue. Ground 8 m out is 38.7 deg off
    # axis (atan 0.8): red; 12 m out is 50.2 deg (atan 1.2): blue.
    feed = np.empty((120, 120, 3), np.uint8)
    feed[:] = BLUE
    yy, xx = np.mgrid[0:120, 0:120]
    feed[(xx + 0.5 - 60) ** 2 + (yy + 0.5 - 60) ** 2 < 30**2] = RED
    dome = twin.Camera("DOME", 0.0, 0.0, mount_height_m=10.0, hfov_deg=360.0, tilt_deg=90.0, type="dome",
                       width_px=1200, height_px=1200)  # fmt: skip
    r = rig(make_twin(cameras=[dome]))
    r.scene.submit_frame("DOME", feed)
    r.look((0, 0, 45), (0, 0.001, 0))
    img = r.render(2)
    for ang in (0, 60, 135, 250):
        c, s_ = math.cos(math.radians(ang)), math.sin(math.radians(ang))
        assert is_red(r.color_at(img, (8 * c, 8 * s_, 0))), ang
        assert is_blue(r.color_at(img, (12 * c, 12 * s_, 0))), ang
    assert r.scene.stats()["cameras_fisheye"] == 1


@pytest.mark.parametrize("heading,red_at,blue_at", [(0.0, (-8, 0), (8, 0)), (90.0, (0, 8), (0, -8))])
def test_dome_image_right_is_the_heading_turned_clockwise(rig, heading, red_at, blue_at):
    # left half red, right half blue; heading 0: image right is east; heading 90 (east): image right is south
    feed = np.empty((60, 60, 3), np.uint8)
    feed[:, :30] = RED
    feed[:, 30:] = BLUE
    dome = twin.Camera("DOME", 0.0, 0.0, mount_height_m=10.0, hfov_deg=360.0, tilt_deg=90.0, type="dome",
                       heading_deg=heading, width_px=1200, height_px=1200)  # fmt: skip
    r = rig(make_twin(cameras=[dome]))
    r.scene.submit_frame("DOME", feed)
    r.look((0, 0, 45), (0, 0.001, 0))
    img = r.render(2)
    assert is_red(r.color_at(img, (*red_at, 0)))
    assert is_blue(r.color_at(img, (*blue_at, 0)))


def test_screen_size_of_each_footprint_shrinks_with_distance(rig):
    r = rig(make_twin(cameras=_three_cameras(), extent=(-60, -60, 140, 80)))
    r.look((-30, -40, 50), (40, 20, 0))  # N0 nearest, then N1, N2: the same footprints, further away
    r.render(1)
    frac = r.stats.uploads.screen_frac
    assert set(frac) == {"N0", "N1", "N2"}
    assert 1.0 >= frac["N0"] > frac["N1"] > frac["N2"] > 0.0, frac
    r.look((0, 20, 3), (0, 60, 3))  # standing inside N0's footprint box: it fills the screen
    r.render(1)
    assert r.stats.uploads.screen_frac.get("N0") == 1.0
