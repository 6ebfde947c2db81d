"""Headsets without hardware: the real pyopenxr start-up failing cleanly, and stereo geometry in pixels."""

from __future__ import annotations

import math

import numpy as np
import pytest

import scenes
from scenes.xr import HEADSETS, Fov, HeadPose, OpenXRProvider, SimulatedHeadset, XRUnavailable, eye_lens, open_provider


@pytest.fixture(autouse=True)
def _no_runtime(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No OpenXR runtime for these tests, even where Monado is configured (tests/monado.py tests that)."""
    monkeypatch.delenv("XR_RUNTIME_JSON", raising=False)
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "none"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


def test_pyopenxr_without_a_runtime_fails_the_way_pyopenxr_does() -> None:
    # The OpenXR loader (bundled with pyopenxr) with no runtime: the instance's start-up really runs
    # and really fails with RuntimeUnavailableError, which we turn into one clear line.
    with pytest.raises(XRUnavailable, match=r"no OpenXR runtime is installed \(pyopenxr: RuntimeUnavailableError\)"):
        OpenXRProvider()


def test_auto_falls_back_to_the_desktop_with_a_reason_and_on_refuses() -> None:
    provider, why = open_provider("auto")
    assert provider is None
    assert why.startswith("VR unavailable: no OpenXR runtime is installed")
    assert "\n" not in why
    with pytest.raises(XRUnavailable, match="no OpenXR runtime"):
        open_provider("on")
    assert open_provider("off") == (None, "VR off (--xr off): desktop view")
    with pytest.raises(XRUnavailable, match="--xr must be auto, on or off, got 'maybe'"):
        open_provider("maybe")


def test_a_manifest_naming_a_missing_library_falls_back_with_the_file_named(monkeypatch, tmp_path) -> None:
    manifest = tmp_path / "rt.json"
    manifest.write_text('{"file_format_version": "1.0.0", "runtime": {"library_path": "lib/none.so"}}')
    monkeypatch.setenv("XR_RUNTIME_JSON", str(manifest))
    provider, why = open_provider("auto")
    assert provider is None
    assert why == (
        f"VR unavailable: {manifest}: runtime.library_path 'lib/none.so' does not exist "
        f"({tmp_path / 'lib' / 'none.so'}); reinstall the runtime"
    )
    manifest.write_text("{not json")
    with pytest.raises(XRUnavailable, match=r"rt.json: not an OpenXR runtime manifest \(want runtime.library_path\)"):
        OpenXRProvider()


def test_simulated_headset_counts_its_frames_like_a_runtime() -> None:
    hs = SimulatedHeadset(model="index", scale=0.05)
    for k in range(3):
        _, eyes = hs.begin_frame()
        hs.end_frame(None if k == 1 else [np.zeros((4, 4, 3), np.uint8)] * 2)
    c = hs.counters
    assert (c.waited, c.begun, c.ended, c.rendered, c.submitted) == (3, 3, 3, 3, 2)
    assert hs.timing is None  # no runtime clock: the app's HUD times it on the wall clock
    assert hs.describe()["system"] == "Valve Index"


def test_simulated_eyes_sit_half_an_ipd_either_side_of_the_head() -> None:
    hs = SimulatedHeadset(lambda t: HeadPose(10.0, 20.0, 1.7, heading_deg=90.0), model="index")
    _, (left, right) = hs.begin_frame()
    # facing east, the right eye is to the south: the eyes differ by the IPD along -y
    assert left.position[0] == pytest.approx(10.0) and right.position[0] == pytest.approx(10.0)
    assert left.position[1] - right.position[1] == pytest.approx(HEADSETS["index"].ipd_m)
    # the right eye's fov mirrors the left's
    assert right.fov.angle_left == pytest.approx(-left.fov.angle_right)
    assert right.fov.angle_right == pytest.approx(-left.fov.angle_left)


def test_eye_lens_has_the_asymmetric_frustum() -> None:
    fov = Fov.from_degrees(-52.0, 44.0, 48.0, -52.0)
    lens = eye_lens(fov)
    from panda3d.core import Point2, Point3

    # a point straight ahead 1 m projects where the film offset puts the optical axis
    p2 = Point2()
    assert lens.project(Point3(0, 1, 0), p2)
    tl, tr, tu, td = fov.tangents
    # film x in [-1, 1] maps [tan(left), tan(right)]: straight ahead is at (0 - centre) / half-width
    assert p2[0] == pytest.approx((0 - (tr + tl) / 2) / ((tr - tl) / 2), abs=1e-5)
    # the left edge of the frustum: direction (tan(left), 1, 0) lands on x = -1
    assert lens.project(Point3(tl, 1, 0), p2) is not None
    lens.project(Point3(tl * 0.999, 1, 0), p2)
    assert p2[0] == pytest.approx(-1.0, abs=2e-3)


def _render_eyes(engine, eyes: list, size: tuple[int, int]) -> list[np.ndarray]:
    """Render a white 10 cm square 1 m ahead of the head on black, once per eye, offscreen."""
    from panda3d.core import CardMaker, NodePath

    root = NodePath("root")
    cm = CardMaker("target")
    cm.set_frame(-0.05, 0.05, -0.05, 0.05)  # in the x-z plane, facing -y (towards the viewer)
    card = root.attach_new_node(cm.generate())
    card.set_pos(0.0, 1.0, 1.7)
    card.set_color(1, 1, 1, 1)
    card.set_two_sided(True)
    view = scenes.OffscreenView(engine.graphics, root, *size, name="eyes", clear_rgb=(0.0, 0.0, 0.0))
    images = []
    try:
        for eye in eyes:
            view.camera.node().set_lens(eye_lens(eye.fov))
            view.camera.set_pos(*eye.position)
            view.camera.set_hpr(*eye.hpr)
            engine.render_frame()
            engine.render_frame()
            images.append(view.grab())
    finally:
        view.destroy()
    return images


def test_stereo_disparity_of_a_near_object_has_the_right_sign_and_size(engine) -> None:
    hs = SimulatedHeadset(lambda t: HeadPose(0.0, 0.0, 1.7), model="quest3", scale=0.25)
    _, eyes = hs.begin_frame()
    w, h = hs.recommended_size
    left, right = _render_eyes(engine, eyes, (w, h))
    cols_l = np.nonzero(left.max(axis=(0, 2)) > 128)[0]
    cols_r = np.nonzero(right.max(axis=(0, 2)) > 128)[0]
    assert len(cols_l) and len(cols_r), "the cube is not in view"
    xl, xr_ = cols_l.mean(), cols_r.mean()
    # a near object appears further right in the left eye than in the right eye (crossed disparity)
    assert xl > xr_
    # size: both image planes are parallel; an object at depth Z shifts by f_px * IPD / Z between eyes,
    # where f_px = width / (tan(right) - tan(left)) for each eye (the same total width for both)
    tl, tr, _, _ = eyes[0].fov.tangents
    f_px = w / (tr - tl)
    expected = f_px * HEADSETS["quest3"].ipd_m / 1.0
    # plus the difference of the two eyes' principal points (the frusta mirror each other)
    cl = (0 - tl) / (tr - tl) * w
    tl2, tr2, _, _ = eyes[1].fov.tangents
    cr = (0 - tl2) / (tr2 - tl2) * w
    expected += cl - cr
    assert xl - xr_ == pytest.approx(expected, rel=0.05)
    assert math.isfinite(expected) and expected > 0


def test_quaternion_rotation_of_the_aim_axis() -> None:
    from scenes.xr import _rotate, xr_to_panda

    # 90 degrees about OpenXR's y (up) turns -z (forward) into -x (left)
    s = math.sqrt(0.5)
    assert _rotate((0.0, s, 0.0, s), (0.0, 0.0, -1.0)) == pytest.approx((-1.0, 0.0, 0.0))
    # and OpenXR's forward (-z) is Panda3D's +y
    assert xr_to_panda((0.0, 0.0, -1.0)) == (0.0, 1.0, 0.0)


def test_stereo_rig_draws_both_eyes_for_a_provider_and_counts_skips(engine) -> None:
    from panda3d.core import CardMaker, LColor, NodePath

    from scenes.stereo import StereoRig

    root = NodePath("root")
    cm = CardMaker("target")
    cm.set_frame(-0.05, 0.05, -0.05, 0.05)
    card = root.attach_new_node(cm.generate())
    card.set_pos(0.0, 1.0, 1.7)
    card.set_color(1, 1, 1, 1)
    class SometimesSkipping(SimulatedHeadset):
        skip = False

        def begin_frame(self):  # noqa: ANN202
            return None if self.skip else super().begin_frame()

    hs = SometimesSkipping(lambda t: HeadPose(0.0, 0.0, 1.7), model="quest3", scale=0.1)
    rig = StereoRig(hs, engine.graphics, root, near_m=0.05)
    try:
        for v in rig.views:
            v.buffer.set_clear_color(LColor(0, 0, 0, 1))
        assert rig.begin()
        assert all(v.buffer.is_active() for v in rig.views)
        engine.render_frame()
        rig.submit()
        left, right = hs.last_images
        assert left.shape == right.shape == (hs.recommended_size[1], hs.recommended_size[0], 3)
        cols_l = np.nonzero(left.max(axis=(0, 2)) > 128)[0]
        cols_r = np.nonzero(right.max(axis=(0, 2)) > 128)[0]
        assert cols_l.mean() > cols_r.mean()  # crossed disparity, through the rig this time
        # a frame the provider says not to draw: the eye buffers stay idle and the frame ends without images
        hs.skip = True
        assert not rig.begin()
        assert not any(v.buffer.is_active() for v in rig.views)
        assert hs.counters.submitted == 1
    finally:
        rig.destroy()
