"""The OpenXR provider on a real runtime: Monado's simulated HMD, null compositor, Panda3D on GLX under Xvfb.

Each test runs ``xr_probe.py`` in a process of its own (Panda3D on X11's OpenGL, not the other
scene tests' EGL; the runtime loaded once per process) and checks what came back: the swapchain
images read back from the GPU, the views the runtime located for those frames, the counters, and
what is left in the process after the sessions closed.

The stereo and pose checks project the marker with the runtime's reported poses and fields of view
by hand (numpy, OpenXR's conventions), never through the code under test.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.monado import monado_env, xvfb

PROBE = Path(__file__).with_name("xr_probe.py")
MARKER = np.array([0.0, 1.6, -0.5])  # xr_probe.MARKER_XR, restated: the oracle must not import the code it checks
# Where a marker's centroid can land: each edge of a rasterised square moves by at most half a pixel,
# so its centroid by at most 0.5 px per axis; the perspective bias of a 10 cm square at 0.5 m seen
# within 10 degrees of the axis is under 0.05 px. One eye: 0.55 px. A difference of two centroids
# (disparity, or one eye at two times): 1.1 px.
ONE_EYE_PX = 0.55
TWO_CENTROIDS_PX = 1.1


def _probe(tmp: Path, *args: str, **env: str) -> dict:
    with xvfb() as display:
        r = subprocess.run(
            [sys.executable, str(PROBE), *args[:1], str(tmp), *args[1:]],
            env=monado_env(display, **env),
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads((tmp / "probe.json").read_text())


def _rotate_inverse(q: list[float], v: np.ndarray) -> np.ndarray:
    """Rotate ``v`` by the conjugate of the unit quaternion ``q`` (x, y, z, w): world to eye."""
    u = -np.array(q[:3])
    w = q[3]
    return 2.0 * np.dot(u, v) * u + (w * w - np.dot(u, u)) * v + 2.0 * w * np.cross(u, v)


def _predicted_px(view: dict, size: tuple[int, int], point: np.ndarray = MARKER) -> tuple[float, float]:
    """Where ``point`` lands in an eye image (column, row from the top-left corner), pinhole with the view's fov."""
    w, h = size
    local = _rotate_inverse(view["orientation"], point - np.array(view["position"]))
    tx, ty = local[0] / -local[2], local[1] / -local[2]  # OpenXR eyes look down -z, y up
    tl, tr, tu, td = (math.tan(a) for a in view["fov"])
    return (tx - tl) / (tr - tl) * w, (tu - ty) / (tu - td) * h


def _centroid(img: np.ndarray) -> tuple[float, float]:
    """Centroid (column, row; pixel centres at +0.5) of the white marker on black."""
    rows, cols = np.nonzero(img.max(axis=2) > 128)
    assert len(rows) > 50, "the marker is not in this eye's image"
    return float(cols.mean() + 0.5), float(rows.mean() + 0.5)


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Frames 5 and 40 at the default IPD, with simulated controllers (simple left, WMR right)."""
    tmp = tmp_path_factory.mktemp("capture63")
    r = _probe(tmp, "capture", "5", "40", SIMULATED_LEFT="simple", SIMULATED_RIGHT="wmr")
    r["dir"] = tmp
    return r


@pytest.fixture(scope="module")
def captured_wide(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Frame 5 with the runtime told to report a 90 mm IPD, and no controllers at all."""
    tmp = tmp_path_factory.mktemp("capture90")
    r = _probe(tmp, "capture", "5", OXR_DEBUG_IPD_MM="90")
    r["dir"] = tmp
    return r


def _eyes(run: dict, frame: int) -> tuple[np.ndarray, list[dict]]:
    return np.load(run["dir"] / f"eyes_{frame}.npy"), run["views"][str(frame)]


def test_the_session_runs_on_monado_with_the_extensions_and_format_it_offers(captured: dict) -> None:
    d = captured["describe"]
    assert "Monado" in d["runtime"] and d["system"] == "Monado: Simulated HMD"
    assert d["extensions"] == ["XR_KHR_opengl_enable", "XR_KHR_convert_timespec_time", "XR_FB_display_refresh_rate"]
    assert d["refresh_hz"] == pytest.approx(20.0)  # the null compositor's fixed rate
    assert d["swapchain_format"] in ("GL_SRGB8_ALPHA8", "GL_RGBA8")
    assert captured["eye_size"] == [320, 240]  # the simulated HMD's panel, per its README
    c = captured["counters"]
    assert c["waited"] == c["begun"] == c["ended"] and c["waited"] >= 41
    assert c["rendered"] + c["skipped"] == c["waited"]
    assert c["submitted"] == c["rendered"] == c["layers"]
    assert c["acquired"] == c["released"] == 2 * c["submitted"]
    states = c["states"]
    for s in ("READY", "FOCUSED", "STOPPING", "EXITING"):
        assert s in states
    order = [states.index(s) for s in ("READY", "FOCUSED", "STOPPING")]
    assert order == sorted(order) and states[-1] == "EXITING"


def test_controllers_bind_through_the_simple_and_a_vendor_profile(captured: dict, captured_wide: dict) -> None:
    # Monado's simulated controllers: a Khronos simple controller left, a WMR (microsoft/motion) right;
    # the runtime picked each from our suggested bindings
    assert captured["hands_seen"] == ["left", "right"]
    assert sorted(captured["describe"]["interaction_profiles"]) == [
        "/interaction_profiles/khr/simple_controller",
        "/interaction_profiles/microsoft/motion_controller",
    ]
    # no controllers: the headset still renders and submits every frame
    assert captured_wide["hands_seen"] == [] and captured_wide["describe"]["interaction_profiles"] == []
    assert captured_wide["counters"]["submitted"] == captured_wide["counters"]["rendered"] >= 6


def test_each_eye_sees_the_marker_where_the_runtimes_pose_and_fov_put_it(captured: dict) -> None:
    size = tuple(captured["eye_size"])
    for frame in (5, 40):
        images, views = _eyes(captured, frame)
        assert images.shape == (2, 240, 320, 3)
        for img, view in zip(images, views, strict=True):
            assert _centroid(img) == pytest.approx(_predicted_px(view, size), abs=ONE_EYE_PX)


@pytest.mark.parametrize("which", ["default", "wide"])
def test_stereo_disparity_has_the_sign_and_size_of_the_ipd_the_runtime_reports(
    which: str, captured: dict, captured_wide: dict
) -> None:
    run = captured if which == "default" else captured_wide
    images, views = _eyes(run, 5)
    w, _ = run["eye_size"]
    (xl, yl), (xr, yr) = _centroid(images[0]), _centroid(images[1])
    ipd_m = float(np.linalg.norm(np.subtract(views[1]["position"], views[0]["position"])))
    assert ipd_m == pytest.approx(0.063 if which == "default" else 0.090, abs=0.0005)
    # crossed disparity: a near object sits further right in the left eye than in the right eye
    assert xl > xr
    assert yl == pytest.approx(yr, abs=TWO_CENTROIDS_PX)  # no vertical disparity for level eyes
    # size, closed form for parallel eyes: f_px * IPD / Z, Z the marker's depth in the left eye;
    # the HMD's slight wobble (under 10 degrees) scales it by at most 1/cos^2 = 3 %
    tl, tr = (math.tan(a) for a in views[0]["fov"][:2])
    f_px = w / (tr - tl)
    depth_m = -_rotate_inverse(views[0]["orientation"], MARKER - np.array(views[0]["position"]))[2]
    expected = f_px * ipd_m / depth_m
    assert xl - xr == pytest.approx(expected, abs=TWO_CENTROIDS_PX + 0.03 * expected)
    # and exactly as the two eyes' own projections say
    px_l, px_r = _predicted_px(views[0], tuple(run["eye_size"])), _predicted_px(views[1], tuple(run["eye_size"]))
    assert xl - xr == pytest.approx(px_l[0] - px_r[0], abs=TWO_CENTROIDS_PX)


def test_a_wider_ipd_widens_the_disparity_in_proportion(captured: dict, captured_wide: dict) -> None:
    def disparity(run: dict) -> float:
        images, _ = _eyes(run, 5)
        return _centroid(images[0])[0] - _centroid(images[1])[0]

    # the head moves between runs (it wobbles on the runtime's clock): compare per metre of depth
    ratio = disparity(captured_wide) / disparity(captured)
    assert ratio == pytest.approx(90.0 / 63.0, rel=0.08)


def test_the_head_pose_the_runtime_reports_moves_the_rendered_view(captured: dict) -> None:
    size = tuple(captured["eye_size"])
    (img5, views5), (img40, views40) = _eyes(captured, 5), _eyes(captured, 40)
    for eye in (0, 1):
        predicted = np.subtract(_predicted_px(views40[eye], size), _predicted_px(views5[eye], size))
        measured = np.subtract(_centroid(img40[eye]), _centroid(img5[eye]))
        # the simulated HMD wobbles: between these frames it moved the marker by several pixels
        assert np.hypot(*predicted) > 5.0
        assert measured == pytest.approx(predicted, abs=TWO_CENTROIDS_PX)


def test_five_start_stop_cycles_in_one_process_leak_nothing(tmp_path: Path) -> None:
    r = _probe(tmp_path, "cycles", "5", "10")
    cycles = r["cycles"]
    assert len(cycles) == 5
    for c in cycles:
        k = c["counters"]
        assert k["waited"] == k["begun"] == k["ended"] and k["rendered"] >= 10
        assert k["acquired"] == k["released"] == 2 * k["submitted"]
        assert k["states"][-1] == "EXITING" and "FOCUSED" in k["states"]
        # the runtime's swapchain images were GL textures while the session ran, and are deleted now
        assert len(c["swapchain_textures"]) >= 4 and c["swapchain_textures_alive"] == 0
        # during a session Panda3D held the eye buffers and textures: the counts below are live
        assert c["during"]["textures"] >= 2 and c["during"]["outputs"] == r["before"]["outputs"] + 2
    first = cycles[0]["after"]
    # Panda3D's buffers and textures are back to where they were before any session (the marker's
    # vertex buffer is the probe's scene, drawn from the first frame on, and stays)
    for key in ("outputs", "textures"):
        assert first[key] == r["before"][key], key
    # threads and file descriptors: the first session may load what stays loaded; none grow after it
    for c in cycles[1:]:
        for key in ("native_threads", "python_threads", "fds", "outputs", "textures", "vertex_buffers"):
            assert c["after"][key] == first[key], (key, c["after"][key], first[key])
