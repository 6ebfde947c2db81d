"""Camera pose and lens maths (numpy only), against Panda3D's own rotations and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

import twin
from scenes.pose import camera_pose, distort, footprint, undistorted_half_tangents


@pytest.mark.parametrize("heading,tilt,roll", [(0, 0, 0), (30, 20, 10), (250, 5, -4), (90, 89, 0)])
def test_rotation_matches_panda_hpr(heading, tilt, roll):
    from panda3d.core import NodePath

    cam = twin.Camera("c", 0, 0, heading_deg=heading, tilt_deg=tilt, correction=twin.PoseCorrection(roll_deg=roll))
    pose = camera_pose(cam)
    n = NodePath("n")
    n.set_hpr(*pose.hpr)
    q = n.get_quat()
    np.testing.assert_allclose(pose.rotation[:, 0], list(q.get_right()), atol=1e-5)
    np.testing.assert_allclose(pose.rotation[:, 1], list(q.get_forward()), atol=1e-5)
    np.testing.assert_allclose(pose.rotation[:, 2], list(q.get_up()), atol=1e-5)


def test_heading_is_clockwise_from_north_and_tilt_down():
    pose = camera_pose(twin.Camera("c", 0, 0, heading_deg=90.0, tilt_deg=30.0))
    np.testing.assert_allclose(pose.rotation[:, 1], [math.cos(math.radians(30)), 0.0, -0.5], atol=1e-12)


def test_image_uv_pinhole_and_distorted():
    # east-facing, level, hfov 90: a point 10 m east and 10 m north sits on the right edge (u = 1)
    cam = twin.Camera("c", 0, 0, mount_height_m=6, heading_deg=90.0, tilt_deg=0.0, hfov_deg=90.0)
    uv = camera_pose(cam).image_uv(np.array([[10.0, 0.0, 6.0], [10.0, -10.0, 6.0], [-5.0, 0.0, 6.0]]))
    np.testing.assert_allclose(uv[0], [0.5, 0.5])
    np.testing.assert_allclose(uv[1], [1.0, 0.5])
    assert np.isnan(uv[2]).all(), "a point behind the lens has no image"
    # Brown's model: (0.5, 0) with k1 = -0.1 goes to 0.5 * (1 - 0.1 * 0.25) = 0.4875
    np.testing.assert_allclose(distort(np.array([[0.5, 0.0]]), -0.1, 0.0), [[0.4875, 0.0]])


def test_depth_lens_covers_the_distorted_image():
    assert undistorted_half_tangents(1.0, 0.5625, 0.0, 0.0) == (1.0, 0.5625)
    # barrel k1 = -0.1 on a 16:9 hfov-90 image: the corner (1, 0.5625), r_d = 1.14734, undistorts to
    # r = 1.45587 (solving r (1 - 0.1 r^2) = 1.14734 by Newton by hand), so x = 1.2690 and y = 0.7138
    th, tv = undistorted_half_tangents(1.0, 0.5625, -0.1, 0.0)
    assert th == pytest.approx(1.2690, abs=2e-3)
    assert tv == pytest.approx(0.7138, abs=2e-3)
    # pincushion shrinks it
    th, tv = undistorted_half_tangents(1.0, 0.5625, 0.1, 0.0)
    assert th < 1.0 and tv < 0.5625


def test_correction_moves_and_turns_the_pose():
    corr = twin.PoseCorrection(heading_deg=5.0, tilt_deg=-2.0, roll_deg=1.0, dx_m=1.0, dy_m=-2.0, dz_m=0.5)
    cam = twin.Camera("c", 10, 20, mount_height_m=6, heading_deg=40.0, tilt_deg=12.0, correction=corr)
    pose = camera_pose(cam)
    np.testing.assert_allclose(pose.position, [11.0, 18.0, 6.5])
    assert (pose.heading_deg, pose.tilt_deg, pose.roll_deg) == (45.0, 10.0, 1.0)
    # a PTZ's current pan and tilt replace the surveyed ones, the correction still adds
    p2 = camera_pose(cam, heading_deg=100.0, tilt_deg=20.0)
    assert (p2.heading_deg, p2.tilt_deg) == (105.0, 18.0)


def test_footprint_of_a_downward_camera():
    cam = twin.Camera("c", 0, 0, mount_height_m=20.0, tilt_deg=90.0, hfov_deg=90.0, width_px=1600, height_px=900)
    fp = footprint(camera_pose(cam), range_m=500.0, margin_m=0.0)
    # straight down from 20 m: +-20 m across (tan 45), +-11.25 m along (tan 29.36 = 0.5625)
    np.testing.assert_allclose(fp.bounds, (-20.0, -11.25, 20.0, 11.25), atol=1e-6)
    # range cuts a camera looking at the horizon
    level = twin.Camera("h", 0, 0, mount_height_m=6.0, tilt_deg=0.0, hfov_deg=60.0)
    fp = footprint(camera_pose(level), range_m=100.0, margin_m=0.0)
    assert fp.bounds[3] == pytest.approx(100.0, abs=1e-6)
    assert fp.contains(shapely.Point(0, 50)) and not fp.contains(shapely.Point(0, -5))


def test_tour_passes_through_its_keys_and_stays_above_the_roofs():
    from scenes.tour import TourPath, catmull_rom

    keys = np.array([[0.0, 0.0, 100.0], [100.0, 0.0, 50.0], [200.0, 50.0, 400.0]])
    for i, k in enumerate(keys):
        np.testing.assert_allclose(catmull_rom(keys, float(i)), k)
    tour = TourPath(eyes=np.array([[0, 0, 500.0], [0, 100, 45.0], [0, 200, 900.0]]), targets=np.zeros((3, 3)),
                    seconds=10.0)  # fmt: skip
    z = [tour.pose_at(t)[0][2] for t in np.linspace(0, 10, 101)]
    assert min(z) >= tour.min_eye_m
    city = twin.Twin(frame=twin.LocalFrame(119.4, -5.1), extent=(0.0, 0.0, 1000.0, 800.0))
    eye, target = TourPath.over(city, 20.0).pose_at(0.0)
    assert eye[1] < 0 and eye[2] > 300 and tuple(target) == (500.0, 400.0, 0.0), "it starts high, south, on the centre"


def test_dome_fisheye_pose_and_projection():
    dome = twin.Camera("d", 0, 0, mount_height_m=10.0, hfov_deg=360.0, tilt_deg=30.0, type="dome",
                       width_px=2000, height_px=1000)  # fmt: skip
    pose = camera_pose(dome)
    assert pose.fisheye and pose.tilt_deg == 90.0, "a dome fisheye always looks straight down"
    assert pose.focal_px == pytest.approx(1000 / math.pi)
    # 10 m east on the ground: 45 deg off axis, half the circle's radius (0.25 of the short side in v,
    # 0.125 of the width in u); heading 0 puts east on the image's right
    uv = pose.image_uv(np.array([[10.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, -10.0, 0.0]]))
    np.testing.assert_allclose(uv[0], [0.5 + 0.125, 0.5], atol=1e-12)
    np.testing.assert_allclose(uv[1], [0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(uv[2], [0.5, 0.25], atol=1e-12)  # south is the image's bottom
