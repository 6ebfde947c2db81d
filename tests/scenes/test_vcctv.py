"""Virtual CCTV: the twin filmed from a camera's pose and lens, with its lens distortion, as numpy."""

from __future__ import annotations

import numpy as np
import pytest

import scenes
import twin
from scenes.pose import camera_pose
from scenes.vcctv import distortion_maps

from .conftest import is_red, make_twin, sky_mask


def _city():
    cam = twin.Camera("V", 0.0, 0.0, mount_height_m=6.0, heading_deg=0.0, tilt_deg=0.0, hfov_deg=60.0,
                      width_px=1280, height_px=720)  # fmt: skip
    return make_twin(buildings=[(-30, 20, 30, 24, 8.0)], cameras=[cam])


def test_vcctv_films_the_twin_as_built(rig):
    r = rig(_city())
    r.scene.submit_frame("V", scenes.solid_frame((0, 0, 255)))
    plain = r.scene.virtual_cctv("V")
    lit = r.scene.virtual_cctv("V", size=(160, 90), with_video=True)
    r.look((0, -10, 10), (0, 20, 5))
    r.render(2)
    frame = plain.grab()
    assert frame.shape == (360, 640, 3) and frame.dtype == np.uint8, "the camera's 16:9 aspect, at most 640 wide"
    centre = frame[170:190, 310:330].reshape(-1, 3).mean(axis=0)
    assert not is_red(centre), "a synthetic feed shows the twin, not the video projected onto it"
    assert abs(float(centre[2]) - float(centre[0])) < 40, "the grey facade of the block ahead"
    assert sky_mask(frame[5, 320]), "sky above the block"
    assert is_red(lit.grab()[45, 80]), "with_video keeps the projected feed in the picture"


def test_distortion_maps_closed_form():
    # hfov 90 (tan 1), k1 = -0.1: the output pixel at u = 0.75 on the centre row is x_d = 0.5; it comes
    # from the pinhole point x solving x (1 - 0.1 x^2) = 0.5, x = 0.513543 (Newton by hand: 0.5,
    # 0.513514, 0.513543). The pinhole render spans the depth lens's tan 1.2690 over sw pixels.
    cam = twin.Camera("D", 0, 0, hfov_deg=90.0, width_px=1600, height_px=900, k1=-0.1)
    pose = camera_pose(cam)
    w, h = 400, 225
    sw, sh = 600, 400
    mx, my = distortion_maps(pose, (w, h), (sw, sh))
    col = int(0.75 * w)  # pixel centre at u = (300.5) / 400 = 0.75125
    xd = (col + 0.5) / w * 2 - 1
    x = xd
    for _ in range(20):  # Newton, the check's own solve of x (1 + k1 x^2) = xd
        x -= (x * (1 - 0.1 * x * x) - xd) / (1 - 0.3 * x * x)
    assert x == pytest.approx(0.513543 * xd / 0.5, rel=2e-3)
    want = (x / pose.depth_tan_half[0] + 1) / 2 * sw - 0.5
    row = h // 2
    assert mx[row, col] == pytest.approx(want, abs=0.05)
    # the centre maps to the centre; rows keep their side
    assert mx[row, w // 2] == pytest.approx(sw / 2 - 0.5 + (0.5 / w * 2) / pose.depth_tan_half[0] / 2 * sw, abs=0.05)
    assert my[0, w // 2] < sh / 2 < my[-1, w // 2]


def test_distorted_vcctv_bends_straight_edges(rig):
    # a level camera facing a wide block: the block's flat roof line is straight in a pinhole image,
    # bowed in a barrel-distorted one (its ends droop towards the centre line)
    cam = twin.Camera("K", 0.0, 0.0, mount_height_m=6.0, heading_deg=0.0, tilt_deg=0.0, hfov_deg=90.0,
                      width_px=1280, height_px=720, k1=-0.2)  # fmt: skip
    straight = twin.Camera("S", 0.0, 0.0, mount_height_m=6.0, heading_deg=0.0, tilt_deg=0.0, hfov_deg=90.0,
                           width_px=1280, height_px=720)  # fmt: skip
    r = rig(make_twin(buildings=[(-200, 20, 200, 30, 14.0)], cameras=[cam, straight]))
    vk, vs = r.scene.virtual_cctv("K", size=(320, 180)), r.scene.virtual_cctv("S", size=(320, 180))
    r.render(1)

    def roof_row(img, col):
        sky = sky_mask(img[:, col])
        return int(np.argmin(sky))  # first row (from the top) that is not sky

    s, k = vs.grab(), vk.grab()
    assert abs(roof_row(s, 20) - roof_row(s, 160)) <= 1, "pinhole: a straight line stays straight"
    assert roof_row(k, 20) - roof_row(k, 160) >= 4, "barrel distortion bows it"


def test_fisheye_vcctv_is_a_circle_looking_down(rig):
    dome = twin.Camera("DOME", 0.0, 0.0, mount_height_m=10.0, hfov_deg=360.0, tilt_deg=90.0, type="dome",
                       width_px=1200, height_px=1200)  # fmt: skip
    r = rig(make_twin(cameras=[dome], buildings=[(15, -5, 25, 5, 20.0)]))
    v = r.scene.virtual_cctv("DOME", size=(200, 200))
    r.render(1)
    img = v.grab()
    assert img.shape == (200, 200, 3)
    assert img[2, 2].max() == 0 and img[197, 197].max() == 0, "black outside the image circle"
    ground = img[100, 100].astype(int)
    assert np.abs(ground - [176, 186, 186]).max() < 8, "straight down: the ground"
    # the block 15-25 m east: with heading 0 image right is east, so it shows on the right (its roof,
    # 10 m above the lens, is beyond the horizon; its west wall at 56-87 deg off axis is in view)
    right, left = img[100, 170].astype(int), img[100, 30].astype(int)
    assert np.abs(right - [176, 186, 186]).max() > 8 and np.abs(left - [176, 186, 186]).max() < 8


def test_vcctv_follows_a_ptz_turn(rig):
    cam = twin.Camera("P", 0.0, 0.0, mount_height_m=6.0, heading_deg=0.0, tilt_deg=10.0, hfov_deg=60.0, type="ptz")
    # a tall block to the east only: the virtual camera sees it once the PTZ turns east
    r = rig(make_twin(buildings=[(20, -10, 30, 10, 30.0)], cameras=[cam]))
    v = r.scene.virtual_cctv("P", size=(96, 54))
    r.render(1)
    assert sky_mask(v.grab()[10, 48]), "looking north: sky above the horizon"
    r.scene.set_ptz("P", heading_deg=90.0, tilt_deg=10.0)
    r.render(1)
    assert v.pose.heading_deg == 90.0
    assert not sky_mask(v.grab()[10, 48]), "looking east: the block's wall"
