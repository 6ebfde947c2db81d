"""The coverage heatmap draped on the ground: colours by level, placed by its geotransform, toggled."""

from __future__ import annotations

import numpy as np
import pytest

import twin
from scenes.overlays import LEVEL_RGBA, coverage_rgba

from .conftest import make_twin


def test_levels_to_colours():
    rgba = coverage_rgba(np.array([[0, 1], [7, 3]]))
    assert rgba[0, 0, 3] == 0, "unseen cells are transparent"
    assert tuple(rgba[0, 1]) == LEVEL_RGBA[0]
    assert tuple(rgba[1, 0]) == LEVEL_RGBA[6]
    with pytest.raises(twin.TwinError, match=r"0\.\.7"):
        coverage_rgba(np.array([[8]]))
    with pytest.raises(twin.TwinError, match="2D"):
        coverage_rgba(np.zeros(4))


def test_drape_lands_where_the_geotransform_says_and_toggles(rig):
    r = rig(make_twin(), look="plain")  # over the plain look's flat ground, so the blend is known
    # 2 x 2 cells of 20 m, row 0 the northern edge: NW level 1, SE level 7, the others unseen
    r.scene.set_coverage(np.array([[1, 0], [0, 7]]), (-20.0, 20.0, 0.0, 20.0, 0.0, -20.0))
    r.look((0, 0, 80), (0, 0.001, 0))
    img = r.render(1)
    # alpha-blended over the ground (186, 186, 176): level 1 (49, 54, 149) at 150/255 gives
    # (105.4, 108.4, 160.1); level 7 (215, 48, 39) at 180/255 gives (206.5, 88.6, 79.2); BGR below
    np.testing.assert_allclose(r.color_at(img, (-10, 10, 0)), [160.1, 108.4, 105.4], atol=4)
    np.testing.assert_allclose(r.color_at(img, (10, -10, 0)), [79.2, 88.6, 206.5], atol=4)
    np.testing.assert_allclose(r.color_at(img, (10, 10, 0)), [176, 186, 186], atol=4)
    np.testing.assert_allclose(r.color_at(img, (-10, -10, 0)), [176, 186, 186], atol=4)
    assert r.scene.handle_key("c") == "coverage" and not r.scene.overlay_on("coverage")
    img = r.render(1)
    np.testing.assert_allclose(r.color_at(img, (10, -10, 0)), [176, 186, 186], atol=4)
    r.scene.set_overlay("coverage", True)
    img = r.render(1)
    np.testing.assert_allclose(r.color_at(img, (10, -10, 0)), [79.2, 88.6, 206.5], atol=4)


def test_bad_geotransform_and_overlay_names(rig):
    r = rig(make_twin())
    with pytest.raises(twin.TwinError, match="north-up"):
        r.scene.set_coverage(np.ones((2, 2), int), (0, 1, 0.5, 0, 0, -1))
    with pytest.raises(twin.TwinError, match="unknown overlay 'heat'"):
        r.scene.set_overlay("heat", True)
    assert r.scene.handle_key("q") is None


def test_frustums_toggle(rig):
    cam = twin.Camera("C", 0, 0, mount_height_m=6, heading_deg=0, tilt_deg=10, hfov_deg=60)
    r = rig(make_twin(cameras=[cam]))
    r.look((0, -5, 60), (0, 10, 0))
    off = r.render(1)
    r.scene.set_overlay("frustums", True)
    on = r.render(1)
    yellow = lambda im: ((im[:, :, 2] > 200) & (im[:, :, 1] > 170) & (im[:, :, 0] < 90)).sum()  # noqa: E731
    assert yellow(off) == 0 and yellow(on) > 20
