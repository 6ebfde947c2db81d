"""One camera model: a bullet, a dome fisheye and a PTZ preset held against every user of their optics.

The same point must get the same pixel density from twin.optics, the coverage model, the planner,
the fire model's sighting (cone and coverage) and the scene's projectors. Expected values are the
hand-worked ones of tests/twin/test_optics.py (REFERENCE.md's formulas, written out there).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from sim.fire import _detect as detect
from tests.twin.test_optics import CASES, P2, PPM2, dome, flat_city

# their slant distances from the lens (hand-worked in tests/twin/test_optics.py)
SLANT = {"B": 30.320950, "D": 20.478281, "T": 60.340368}


@pytest.mark.parametrize(("make", "pt", "ppm"), CASES, ids=["bullet", "dome", "ptz-preset"])
def test_fire_cone_sighting_gives_the_same_density(make, pt, ppm) -> None:  # noqa: ANN001
    cam = make()
    targets = np.array([shapely.Point(pt[0], pt[1])], dtype=object)
    sg = detect.sightings([cam], targets, np.array([pt[2]]), np.zeros(0, dtype=object), np.zeros(0))
    assert sg.of(0).tolist() == [0]
    assert float(sg.ppm[0]) == pytest.approx(ppm, rel=1e-9)


def test_the_dome_reaches_detect_for_the_fire_model_too() -> None:
    # the fire model used to count a 2592x1944 dome as 2592 / (2 pi) px per radian: 20.14 px/m at P2,
    # below Detect (25); with the one model it is 1944 / pi: 30.22 px/m, seen at Detect
    assert PPM2 > 25.0 > 412.5296 / SLANT["D"]
    targets = np.array([shapely.Point(P2[0], P2[1])], dtype=object)
    sg = detect.sightings([dome()], targets, np.array([P2[2]]), np.zeros(0, dtype=object), np.zeros(0))
    assert sg.seen.tolist() == [True]


@pytest.mark.parametrize(("make", "pt", "ppm"), CASES, ids=["bullet", "dome", "ptz-preset"])
def test_fire_coverage_sighting_sees_the_point_at_its_level(make, pt, ppm) -> None:  # noqa: ANN001
    # the coverage model's levels (EN 62676-4): each point's density lies between Detect (25) and Observe (62.5)
    assert 25.0 <= ppm < 62.5
    cam = make()
    city = flat_city([cam])
    targets = np.array([shapely.Point(pt[0], pt[1])], dtype=object)
    sg = detect.coverage_sightings(city, [cam], targets, facade_m=0.5, resolution_m=1.0, target_height_m=pt[2])
    assert sg.of(0).tolist() == [0] and float(sg.ppm[0]) == 25.0  # the threshold of the best level reached


@pytest.mark.parametrize(("make", "pt", "ppm"), CASES, ids=["bullet", "dome", "ptz-preset"])
def test_scene_projector_gives_the_same_density(make, pt, ppm) -> None:  # noqa: ANN001
    from scenes.pose import camera_pose, render_pose
    from scenes.projectors import ProjectorSettings, range_m
    from twin import optics

    cam = make()
    # the projector's pose is the preset's for a PTZ (what it shows while on that preset)
    pose = render_pose(optics.camera_poses(cam)[0]) if cam.type == "ptz" else camera_pose(cam)
    assert pose.focal_px / SLANT[cam.id] == pytest.approx(ppm, rel=1e-6)
    # the picture is painted to where the density falls to min_ppm: focal / min_ppm
    st = ProjectorSettings(min_ppm=ppm, max_range_m=1e6)
    assert range_m(pose, st) == pytest.approx(SLANT[cam.id], rel=1e-6)
