"""The one camera model (twin.optics) against closed forms, and its users in twin against the same points.

Expected values are worked out by hand from REFERENCE.md's formulas (written out in the comments),
never taken from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import twin
from twin import optics
from twin.coverage import compute_coverage, target_heights
from twin.placement import Lens, _site_pose_cells
from twin.profiles import DoriProfile
from twin.raster import build_raster

# ---- the three cameras every user is held against ---------------------------------------------
# B, a bullet: 1920 px, hfov 90, lens 6 m above (0, 0), looking north, 15 degrees down.
#   P1 = (0, 30) at 1.6 m: slant sqrt(30^2 + 4.4^2) = 30.320950 m; focal 1920 / (2 tan 45) = 960 px;
#   960 / 30.320950 = 31.661277 px/m.
# D, a 2592x1944 dome with hfov 360 (a fisheye), lens 6 m above (100, 0).
#   P2 = (120, 0) at 1.6 m: slant sqrt(20^2 + 4.4^2) = 20.478281 m; focal min(2592, 1944) / pi =
#   618.794419 px per radian; 618.794419 / 20.478281 = 30.217107 px/m. (The fire model used to take
#   2592 / (2 pi) = 412.53 px/rad for it, 20.14 px/m here: below Detect.)
# T, a PTZ (hfov 61.6 at home, looking north) with one preset: heading 90, tilt 10, hfov 30; lens 8 m
#   above (0, 100). P3 = (60, 100) at 1.6 m: slant sqrt(60^2 + 6.4^2) = 60.340368 m; focal
#   1920 / (2 tan 15) = 3582.768775 px; 3582.768775 / 60.340368 = 59.375985 px/m.
P1, PPM1 = (0.0, 30.0, 1.6), 31.661277257
P2, PPM2 = (120.0, 0.0, 1.6), 30.217107255
P3, PPM3 = (60.0, 100.0, 1.6), 59.375984919


def bullet() -> twin.Camera:
    return twin.Camera("B", 0.0, 0.0, mount_height_m=6.0, heading_deg=0.0, tilt_deg=15.0, hfov_deg=90.0)


def dome() -> twin.Camera:
    return twin.Camera("D", 100.0, 0.0, mount_height_m=6.0, hfov_deg=360.0, type="dome", width_px=2592, height_px=1944)


def ptz() -> twin.Camera:
    return twin.Camera(
        "T",
        0.0,
        100.0,
        mount_height_m=8.0,
        heading_deg=0.0,
        tilt_deg=10.0,
        hfov_deg=61.6,
        type="ptz",
        presets=[twin.PosePreset(heading_deg=90.0, tilt_deg=10.0, hfov_deg=30.0)],
    )


CASES = [(bullet, P1, PPM1), (dome, P2, PPM2), (ptz, P3, PPM3)]


def flat_city(cams: list[twin.Camera]) -> twin.Twin:
    return twin.Twin(frame=twin.LocalFrame(119.42, -5.14), cameras=cams, extent=(-200.5, -200.5, 200.5, 200.5))


def pin(ppm: float) -> DoriProfile:
    """A profile whose two levels sit a millionth either side of ``ppm``: the level reached pins the density."""
    return DoriProfile("pin", (("below", ppm * (1 - 1e-6)), ("above", ppm * (1 + 1e-6))))


# ---- closed forms ------------------------------------------------------------------------------
def test_reference_dori_ranges() -> None:
    # REFERENCE.md: 1920 px at 90 degrees reaches Detect (25) to 38.4 m, Observe (62.5) to 15.4 m, Identify to 3.8 m
    f = float(optics.focal_px(90.0, 1920, 1080))
    assert f == pytest.approx(960.0)
    assert float(optics.range_m(f, 25.0)) == pytest.approx(38.4)
    assert float(optics.range_m(f, 62.5)) == pytest.approx(15.36)
    assert float(optics.range_m(f, 250.0)) == pytest.approx(3.84)
    # vectorised over lenses: a 2592x1944 fisheye has 1944 / pi px per radian
    np.testing.assert_allclose(
        optics.focal_px(np.array([90.0, 360.0]), np.array([1920, 2592]), np.array([1080, 1944])),
        [960.0, 1944.0 / math.pi],
    )


def test_one_fisheye_rule() -> None:
    assert optics.is_fisheye(179.9) is False and optics.is_fisheye(180.0) and optics.is_fisheye(360.0)
    np.testing.assert_array_equal(optics.is_fisheye(np.array([90.0, 180.0, 360.0])), [False, True, True])
    # a fisheye looks straight down whatever its surveyed tilt; the calibration's tilt still adds
    corr = twin.PoseCorrection(tilt_deg=-2.0)
    for cam in (dome(), twin.Camera("F", 0, 0, hfov_deg=180.0, tilt_deg=10.0, correction=corr)):
        p = optics.camera_pose(cam)
        assert p.fisheye
        assert p.tilt_deg == (90.0 if cam.id == "D" else 88.0)
    assert optics.vfov_deg(360.0, 2592, 1944) == 180.0
    # a pinhole's vertical FOV from its aspect ratio: 2 atan(tan 45 * 1080 / 1920) = 58.7155 degrees
    assert optics.vfov_deg(90.0, 1920, 1080) == pytest.approx(58.7155, abs=1e-4)


def test_axes() -> None:
    f, r, u = optics.axes(90.0, 0.0, 0.0)  # east, level
    np.testing.assert_allclose(f, [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(r, [0, -1, 0], atol=1e-12)
    np.testing.assert_allclose(u, [0, 0, 1], atol=1e-12)
    f, r, u = optics.axes(0.0, 90.0, 0.0)  # straight down, heading north: up in the image is north
    np.testing.assert_allclose(f, [0, 0, -1], atol=1e-12)
    np.testing.assert_allclose(u, [0, 1, 0], atol=1e-12)
    f, r, u = optics.axes(0.0, 0.0, 30.0)  # roll 30: the right side goes down by sin 30
    np.testing.assert_allclose(r, [math.cos(math.radians(30)), 0, -0.5], atol=1e-12)
    # vectorised: a row per pose, each equal to the scalar call
    fa, ra, ua = optics.axes(np.array([0.0, 90.0, 250.0]), np.array([15.0, 0.0, 5.0]), np.array([0.0, 0.0, -4.0]))
    for k, (h, t, ro) in enumerate([(0.0, 15.0, 0.0), (90.0, 0.0, 0.0), (250.0, 5.0, -4.0)]):
        for got, want in zip((fa[k], ra[k], ua[k]), optics.axes(h, t, ro), strict=True):
            np.testing.assert_allclose(got, want, atol=1e-15)


def test_projection_pinhole_and_fisheye() -> None:
    # east-facing, level, hfov 90: a point 10 m east and 10 m north sits on the left edge (u = 0)
    p = optics.camera_pose(twin.Camera("c", 0, 0, mount_height_m=6, heading_deg=90.0, tilt_deg=0.0, hfov_deg=90.0))
    uv = p.image_uv(np.array([[10.0, 0.0, 6.0], [10.0, 10.0, 6.0]]))
    np.testing.assert_allclose(uv, [[0.5, 0.5], [0.0, 0.5]], atol=1e-12)
    assert p.in_view(np.array([[10.0, 9.9, 6.0], [10.0, 10.1, 6.0], [-1.0, 0.0, 6.0]])).tolist() == [True, False, False]
    # the dome: straight below is the image centre; 45 degrees off axis is half way to the circle,
    # whose radius is 0.5 * 1944 / 2592 = 0.375 in u
    d = optics.camera_pose(dome())
    uv = d.image_uv(np.array([[100.0, 0.0, 0.0], [106.0, 0.0, 0.0]]))
    np.testing.assert_allclose(uv[0], [0.5, 0.5], atol=1e-12)
    assert abs(uv[1][0] - 0.5) == pytest.approx(0.375 / 2, abs=1e-12)
    assert d.in_view(np.array([[150.0, 0.0, 5.9], [150.0, 0.0, 6.1]])).tolist() == [True, False]
    # the equidistant rule both ways: 45 degrees off axis is half way out, the rim is 90 degrees
    assert float(optics.fisheye_radius(math.pi / 4)) == pytest.approx(0.5)
    assert float(optics.fisheye_angle_rad(1.0)) == pytest.approx(math.pi / 2)


def test_distortion_round_trip() -> None:
    # Brown's model: (0.5, 0) with k1 = -0.1 goes to 0.5 * (1 - 0.1 * 0.25) = 0.4875, and back
    np.testing.assert_allclose(optics.distort(np.array([[0.5, 0.0]]), -0.1, 0.0), [[0.4875, 0.0]])
    np.testing.assert_allclose(optics.undistort_radius(np.array([0.4875]), -0.1, 0.0, 10.0), [0.5], atol=1e-9)


# ---- the same point, the same density: optics, coverage, placement ---------------------------------
@pytest.mark.parametrize(("make", "pt", "ppm"), CASES, ids=["bullet", "dome", "ptz-preset"])
def test_optics_density(make, pt, ppm) -> None:  # noqa: ANN001
    cam = make()
    poses = optics.camera_poses(cam)
    assert len(poses) == 1
    got = poses[0].density_ppm(np.array([pt]))
    assert float(got[0]) == pytest.approx(ppm, rel=1e-9)
    assert bool(poses[0].in_view(np.array([pt]))[0])


@pytest.mark.parametrize(("make", "pt", "ppm"), CASES, ids=["bullet", "dome", "ptz-preset"])
def test_coverage_gives_the_same_density(make, pt, ppm) -> None:  # noqa: ANN001
    cam = make()
    city = flat_city([cam])
    g = build_raster(city, resolution_m=1.0, extent=(-200.5, -200.5, 200.5, 200.5))
    res = compute_coverage(city, [cam], raster=g, profile=pin(ppm), target_height_m=1.6)
    assert res.cameras_at(pt[0], pt[1]) == [(cam.id, "below")]
    # and the range it reports is the slant distance of the weakest level: focal / ppm
    # (the weakest level sits at ppm (1 - 1e-6), so the range is the point's slant distance / (1 - 1e-6))
    slant = {"B": 30.320950, "D": 20.478281, "T": 60.340368}[cam.id]
    assert res.per_camera()[0]["range_m"] == pytest.approx(slant / (1 - 1e-6), abs=0.006)


@pytest.mark.parametrize(("make", "pt", "ppm"), CASES, ids=["bullet", "dome", "ptz-preset"])
def test_placement_gives_the_same_density(make, pt, ppm) -> None:  # noqa: ANN001
    cam = make()
    city = flat_city([])
    g = build_raster(city, resolution_m=1.0, extent=(-200.5, -200.5, 200.5, 200.5))
    tz = target_heights(g, 1.6)
    useful = np.ones(g.cells, dtype=bool)
    pose = optics.camera_poses(cam)[0]
    site = twin.Camera("S", cam.x, cam.y, mount_height_m=cam.mount_height_m, tilt_deg=pose.tilt_deg, status="candidate")
    lens = Lens("l", pose.hfov_deg, cam.width_px, cam.height_px)
    i, j = g.cell_of(pt[0], pt[1])
    flat = int(i) * g.shape[1] + int(j)
    heading = np.array([pose.heading_deg])
    below = _site_pose_cells(site, [lens], heading, g, tz, ppm * (1 - 1e-6), useful)[0]
    above = _site_pose_cells(site, [lens], heading, g, tz, ppm * (1 + 1e-6), useful)[0]
    assert flat in below.tolist() and flat not in above.tolist()


def test_dome_density_is_the_same_for_coverage_and_its_range() -> None:
    # the dome's Monitor (12.5 px/m) range: 618.794419 / 12.5 = 49.50355 m slant
    assert optics.camera_range_m(dome(), 12.5) == pytest.approx(49.503553, rel=1e-7)
    # the PTZ reaches furthest at its preset's zoom: 3582.768775 / 12.5 = 286.6215 m
    assert optics.camera_range_m(ptz(), 12.5) == pytest.approx(286.621502, rel=1e-7)
