"""Golden images of a small fixed scene, compared with a tolerance.

To update them after an intended change in the look (and after looking at the new images!):

    SCENES_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/scenes/test_golden.py

then commit tests/scenes/golden/*.png. See docs/rendering.md.

Tolerances (all images): mean absolute difference at most 2 levels, at most 1% of pixels off by
more than 40 (llvmpipe is deterministic on one machine; another Mesa or a GPU moves edges by a few
levels). ``day.png``/``night.png`` are the living look at 10:00 and 21:00 on 20 March; before
comparing, the test checks what they must show (a bright sky by day, a dark one at night), so a
re-recording cannot silently bless a black or blank frame.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest
import shapely

import twin
from twin.roads import RoadFeature, build_road_graph

from .conftest import make_twin

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SCENES_UPDATE_GOLDEN") == "1"
# where a failing run leaves what it rendered (outside the tree, so nobody commits it by mistake)
ACTUAL = Path(tempfile.gettempdir()) / "scenes-golden"
# llvmpipe is deterministic on one machine; other Mesa versions or GPUs differ by a few levels at edges
MEAN_ABS_TOL = 2.0
BAD_PIXEL_DIFF = 40
BAD_PIXEL_SHARE = 0.01


def _city() -> twin.Twin:
    roads = build_road_graph(
        [
            RoadFeature("R1", shapely.LineString([(-60, 0), (60, 0)]), highway="primary"),
            RoadFeature("R2", shapely.LineString([(0, -60), (0, 80)]), highway="residential"),
        ]
    )
    zones = [
        twin.Zone("P", shapely.box(-55, 10, -15, 45), landuse="park"),
        twin.Zone("W", shapely.box(20, 50, 60, 80), landuse="water"),
    ]
    cams = [
        twin.Camera("N", -3.0, -8.0, mount_height_m=7, heading_deg=20, tilt_deg=18, hfov_deg=70, width_px=1280),
        twin.Camera("E", 12.0, 6.0, mount_height_m=6, heading_deg=70, tilt_deg=25, hfov_deg=60, k1=-0.15),
        twin.Camera("P", -8.0, 8.0, mount_height_m=8, heading_deg=300, tilt_deg=30, hfov_deg=50, type="ptz",
                    correction=twin.PoseCorrection(heading_deg=3.0, roll_deg=2.0)),
    ]  # fmt: skip
    return make_twin(
        buildings=[(8, 10, 30, 26, 18.0), (-40, -30, -10, -10, 9.0), (10, -40, 28, -12, 30.0), (-12, 20, -4, 34, 6.0)],
        cameras=cams,
        zones=zones,
        roads=roads,
        fire_stations=[twin.FireStation("S", 40.0, -45.0)],
        command_center=twin.CommandCenter(x=-45.0, y=-50.0),
    )


def _feed(k: int) -> np.ndarray:
    img = np.zeros((90, 160, 3), np.uint8)
    img[:] = [(40, 40, 220), (220, 120, 30), (40, 200, 40)][k]
    img[:, ::20] = 255
    img[::15, :] = 255
    return img


def assert_matches_golden(name: str, img: np.ndarray) -> None:
    path = GOLDEN / f"{name}.png"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        cv2.imwrite(str(path), img)
        return
    assert path.exists(), f"no golden image {path}: run with SCENES_UPDATE_GOLDEN=1 once and commit it"
    want = cv2.imread(str(path))
    assert want.shape == img.shape
    diff = np.abs(img.astype(int) - want.astype(int))
    bad = (diff.max(axis=2) > BAD_PIXEL_DIFF).mean()
    actual = ACTUAL / f"{name}.actual.png"
    if diff.mean() > MEAN_ABS_TOL or bad > BAD_PIXEL_SHARE:
        ACTUAL.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(actual), img)
    assert diff.mean() <= MEAN_ABS_TOL, f"{name}: mean difference {diff.mean():.2f} (actual image: {actual})"
    assert bad <= BAD_PIXEL_SHARE, f"{name}: {100 * bad:.2f}% of pixels differ by more than {BAD_PIXEL_DIFF} ({actual})"


def test_golden_day_and_night(rig):
    """The living look by day (10:00, shadows west of the buildings) and at night (21:00: lamps, windows)."""
    r = rig(_city(), size=(320, 200))
    s = r.scene
    for k, cid in enumerate(("N", "E", "P")):
        s.submit_frame(cid, _feed(k))
    s.set_overlay("markers", False)
    r.look((-70, -95, 45), (5, 10, 5))
    s.set_clock(datetime.datetime(2026, 3, 20, 10, 0))
    day = r.render(2)
    s.set_clock(datetime.datetime(2026, 3, 20, 21, 0))
    night = r.render(2)
    # what the images are meant to show, before comparing them with the recorded ones
    assert day[:8].mean() > 150 and night[:8].mean() < 40, "bright sky by day, dark at night"
    assert_matches_golden("day", day)
    assert_matches_golden("night", night)
    if UPDATE:
        pytest.skip(f"updated the golden images in {GOLDEN}")


def test_golden_overview_and_virtual_cctv(rig):
    r = rig(_city(), size=(320, 200))
    s = r.scene
    for k, cid in enumerate(("N", "E", "P")):
        s.submit_frame(cid, _feed(k))
    s.set_coverage(np.array([[0, 1, 2, 3], [4, 5, 6, 0], [0, 0, 2, 2]]), (-60.0, 30.0, 0.0, -15.0, 0.0, -15.0))
    s.set_overlay("frustums", True)
    s.push_snapshot(
        {
            "t": 0.0,
            "fires": [{"id": "F", "x": -30.0, "y": 50.0, "hrr_kw": 4000.0}],
            "trucks": [{"id": "E1", "x": 30.0, "y": -2.0, "heading_deg": 270.0}],
            "racks": [{"id": f"R{k}", "load": k / 4} for k in range(5)],
        }
    )
    s.set_sim_time(0.0)
    cctv = s.virtual_cctv("E", size=(192, 108))
    r.look((75, -85, 70), (0, 5, 0))
    overview = r.render(2)
    assert_matches_golden("overview", overview)
    assert_matches_golden("vcctv_E", cctv.grab())
    if UPDATE:
        pytest.skip(f"updated the golden images in {GOLDEN}")
