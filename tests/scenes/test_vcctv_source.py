"""Virtual CCTV as the projected picture: it agrees with the city, it keeps to its budget, it is masked.

The flat marker is hidden from the viewer (and from the depth maps) and shown only to virtual
cameras: wherever the viewer sees its colour on the street, that colour came through a camera's
virtual CCTV picture, projected back onto the ground.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from panda3d.core import CardMaker

import scenes
import twin

from .conftest import Rig, make_twin

MARK_XY = (3.0, 14.0)  # a 2 x 2 m green square on the ground, 0.05 m up
MARK_Z = 0.05
MOUNT_M, TILT_DEG, HFOV_DEG = 8.0, 30.0, 60.0
EYE, TARGET = (10.0, -5.0, 25.0), (3.0, 14.0, 0.0)


def _camera(cid="C", k1=0.0, masks=()):
    return twin.Camera(cid, 0.0, 0.0, mount_height_m=MOUNT_M, heading_deg=0.0, tilt_deg=TILT_DEG, hfov_deg=HFOV_DEG,
                       width_px=1280, height_px=720, k1=k1, privacy_masks=list(masks))  # fmt: skip


def _marker(scene: scenes.CityScene) -> None:
    cm = CardMaker("marker")
    cm.set_frame(-1, 1, -1, 1)
    m = scene.root.attach_new_node(cm.generate())
    m.set_p(-90)
    m.set_pos(*MARK_XY, MARK_Z)
    m.set_color(0.1, 0.9, 0.1, 1)
    m.hide(scenes.VIEW_MASK | scenes.DEPTH_MASK)


def _hand_uv(x, y, z, k1=0.0):
    """The camera's image uv of a world point, by hand: heading north, tilted 30 degrees down, 60 degree hfov."""
    t = math.radians(TILT_DEG)
    dx, dy, dz = x, y, z - MOUNT_M
    fwd = dy * math.cos(t) - dz * math.sin(t)
    up = dy * math.sin(t) + dz * math.cos(t)
    nx, ny = dx / fwd, up / fwd
    s = 1.0 + k1 * (nx * nx + ny * ny)
    th = math.tan(math.radians(HFOV_DEG / 2))
    tv = th * 720 / 1280
    return 0.5 + 0.5 * nx * s / th, 0.5 + 0.5 * ny * s / tv


def _is_green(bgr) -> bool:
    b, g, r = (float(v) for v in bgr)
    return g > 150 and r < 100 and b < 100


def _centroid(mask: np.ndarray) -> tuple[float, float]:
    rows, cols = np.nonzero(mask)
    return float(rows.mean()), float(cols.mean())


def _rig(engine, mode, k1=0.0, masks=(), mask_for=None, truck=False):
    r = Rig(engine, make_twin(buildings=[(-30, 40, 30, 44, 8.0)], cameras=[_camera(k1=k1, masks=masks)]))
    _marker(r.scene)
    if truck:
        r.scene.push_snapshot({"t": 0.0, "trucks": [{"id": "E1", "x": -4.0, "y": 18.0, "heading_deg": 0.0}]})
        r.scene.set_sim_time(0.0)
    st = scenes.VcctvSettings(mode=mode, max_fps=None, widths_px=(320,))
    r.budget = r.scene.use_virtual_cctv(settings=st, mask_for=mask_for)
    r.look(EYE, TARGET)
    return r


@pytest.fixture(scope="module")
def renders(engine):
    """Per (mode, k1): the viewer's image with video, without, and the uploaded virtual frame (readback)."""
    out = {}
    for mode, k1 in (("texture", 0.0), ("readback", 0.0), ("texture", -0.2), ("readback", -0.2)):
        r = _rig(engine, mode, k1, truck=(mode == "readback" and k1 == 0.0))
        on = r.render(2)  # readback: the second frame projects the first frame's picture
        p = r.scene.projectors.projectors["C"]
        vw, vh = p.video_size
        frame = np.frombuffer(p.video.get_ram_image(), np.uint8).reshape(vh, vw, 3)[::-1].copy()
        r.scene.set_overlay("video", False)
        off = r.render(1)
        out[(mode, k1)] = (r, on, off, frame)
    yield out
    for r, *_ in out.values():
        r.close()


@pytest.mark.parametrize("k1", [0.0, -0.2])
def test_the_marker_is_in_the_virtual_frame_where_the_camera_model_puts_it(renders, k1):
    r, _, _, frame = renders[("readback", k1)]
    vh, vw = frame.shape[:2]
    u, v = _hand_uv(*MARK_XY, MARK_Z, k1)
    want = ((1 - v) * vh - 0.5, u * vw - 0.5)  # (row, col), pixel centres at +0.5
    uv = r.scene.projectors.projectors["C"].pose.image_uv(np.array([[*MARK_XY, MARK_Z]]))[0]
    assert uv == pytest.approx((u, v), abs=1e-3), "the hand projection is the camera model's"
    green = (frame[..., 1] > 150) & (frame[..., 2] < 100)
    assert green.sum() > 20, "the marker (hidden from the viewer) is in the camera's virtual frame"
    # within 1 px: half a pixel of rasterisation at each edge, and a 2 m square's centroid at 16 m
    # lies < 0.2 px from its centre's projection; a bent image adds the remap's interpolation (0.5 px)
    tol = 1.0 if k1 == 0.0 else 1.5
    got = _centroid(green)
    assert abs(got[0] - want[0]) < tol and abs(got[1] - want[1]) < tol, (got, want)


def test_a_truck_in_view_is_in_the_virtual_frame(renders):
    r, _, _, frame = renders[("readback", 0.0)]
    vh, vw = frame.shape[:2]
    u, v = _hand_uv(-4.0, 18.0, 1.6)  # the truck's side, half its 3.2 m height up
    b, g, rr = (float(c) for c in frame[int((1 - v) * vh), int(u * vw)])
    assert rr > g + 80 and rr > b + 80, "the red fire truck from the snapshot, filmed by the virtual camera"


@pytest.mark.parametrize("key", [("texture", 0.0), ("readback", 0.0), ("texture", -0.2), ("readback", -0.2)])
def test_the_marker_is_projected_onto_the_street_at_its_place(renders, key):
    r, on, off, _ = renders[key]
    want = r.pixel((*MARK_XY, MARK_Z))
    assert not _is_green(r.color_at(off, (*MARK_XY, MARK_Z))), "the viewer never sees the marker itself"
    green = (on[..., 1] > 150) & (on[..., 2] < 100) & (on[..., 0] < 100)
    assert green.sum() > 10, "its colour reaches the street through the projected picture"
    # the camera's texel at 16 m is 0.06 m, the viewer's pixel at 32 m is 0.12 m: the projected square's
    # centroid lands within a pixel of the marker's own, plus the viewer's rasterisation (0.5 px)
    got = _centroid(green)
    assert abs(got[0] - want[0]) < 1.5 and abs(got[1] - want[1]) < 1.5, (got, want)
    assert not _is_green(r.color_at(on, (MARK_XY[0] + 4, MARK_XY[1], 0.0))), "and nowhere else"


def test_privacy_mask_blanks_the_virtual_picture(engine):
    from feeds import PrivacyMask

    right = [[(640, 0), (1280, 0), (1280, 720), (640, 720)]]
    pm = PrivacyMask(right, ref_size=(1280, 720))
    r = Rig(engine, make_twin(cameras=[_camera(masks=right)]))
    try:
        with pytest.raises(twin.TwinError, match="privacy mask"):
            r.scene.use_virtual_cctv()  # no mask_for: refused, not shown unmasked
    finally:
        r.close()
    for mode in ("texture", "readback"):
        r = _rig(engine, mode, masks=right, mask_for=lambda cid, w, h: pm.mask(w, h))
        try:
            img = r.render(2)
            masked = r.color_at(img, (*MARK_XY, 0.0), r=2)
            assert masked.max() < 20, f"{mode}: the marker's place, in the masked right half, is black: {masked}"
            clear = r.color_at(img, (-3.0, 14.0, 0.0), r=2)
            assert clear.min() > 120, f"{mode}: the left half shows the street: {clear}"
        finally:
            r.close()


def _row_city(engine):
    cams = [twin.Camera(f"IN{k}", -30.0 + 10.0 * k, 0.0, mount_height_m=6.0, heading_deg=0.0, tilt_deg=25.0,
                        hfov_deg=60.0) for k in range(7)]  # fmt: skip
    cams += [twin.Camera(f"OUT{k}", 700.0, 100.0 * k, mount_height_m=6.0, heading_deg=90.0, tilt_deg=25.0,
                         hfov_deg=60.0) for k in range(3)]  # fmt: skip
    r = Rig(engine, make_twin(cameras=cams, extent=(-100.0, -100.0, 900.0, 300.0)), size=(160, 120))
    r.look((0.0, -60.0, 50.0), (0.0, 20.0, 0.0))
    return r


@pytest.mark.parametrize(("mode", "buffers"), [("texture", 1), ("readback", 3)])
def test_budget_round_robin_in_view_only(engine, mode, buffers):
    r = _row_city(engine)
    try:
        st = scenes.VcctvSettings(mode=mode, max_renders=3, max_fps=None, widths_px=(64,))
        b = r.scene.use_virtual_cctv(settings=st)
        rendered = []
        for _ in range(7):
            r.render(1)
            st = r.stats.vcctv
            assert st.in_view == 7, "the seven cameras in a row are in view, the three far east are not"
            assert len(st.rendered) <= 3
            rendered.append(set(st.rendered))
        window = math.ceil(7 / 3)
        ins = {f"IN{k}" for k in range(7)}
        for k in range(len(rendered) - window + 1):
            assert set().union(*rendered[k : k + window]) == ins, f"every camera in view within {window} frames"
        assert not any(c.startswith("OUT") for s in rendered for c in s), "none out of view is ever rendered"
        # texture: one atlas holds the seven pictures; readback: three buffers, re-aimed each frame
        assert b.pool_sizes() == {(64, 40): buffers}
    finally:
        r.close()


def test_budget_megapixels_and_rates(engine):
    r = _row_city(engine)
    try:
        st = scenes.VcctvSettings(max_renders=8, max_megapixels=0.006, max_fps=None, widths_px=(64,))
        r.scene.use_virtual_cctv(settings=st)
        for _ in range(3):
            r.render(1)
            # a 64 x 40 render is 2,560 px: two fit in 6,000
            assert len(r.stats.vcctv.rendered) == 2 and r.stats.vcctv.pixels == 5120
    finally:
        r.close()
    b = scenes.VcctvSettings(widths_px=(64, 128, 256, 512), max_fps=12.0, full_rate_px=256.0, min_fps=1.0)
    assert b.max_fps == 12.0
    with pytest.raises(twin.TwinError, match="mode"):
        scenes.VcctvSettings(mode="gpu")


def test_rates_count_video_frames_in_an_offline_render(engine):
    # every camera at the least rate, 2.5 a second: at 5 frames a second of video, every other frame,
    # however long a frame takes on the wall clock (a render is then the same on a loaded machine)
    r = _row_city(engine)
    try:
        st = scenes.VcctvSettings(max_renders=8, max_fps=12.0, full_rate_px=1e9, min_fps=2.5, widths_px=(64,))
        r.scene.use_virtual_cctv(settings=st).video_fps = 5.0
        counts = []
        for _ in range(7):
            r.render(1)
            counts.append(len(r.stats.vcctv.rendered))
        assert counts == [7, 0, 7, 0, 7, 0, 7]
    finally:
        r.close()


def test_fill_unseen_completes_a_new_view_in_its_first_frame(engine):
    r = _row_city(engine)
    try:
        st = scenes.VcctvSettings(max_renders=3, max_fps=None, widths_px=(64, 128), fill_unseen=True)
        r.scene.use_virtual_cctv(settings=st)
        r.render(1)
        vc = r.stats.vcctv
        assert len(vc.rendered) == 7 and vc.filled == 4, "three within the budget, four first pictures past it"
        assert all(s == (64, 40) for s in vc.sizes[3:]), "the first pictures at the smallest width"
        r.render(1)
        assert len(r.stats.vcctv.rendered) == 3 and r.stats.vcctv.filled == 0, "then the budget holds"
    finally:
        r.close()


def test_size_and_rate_follow_the_screen(engine):
    r = _row_city(engine)
    try:
        budget = r.scene.use_virtual_cctv()
        # a footprint 100 px wide on screen gets the 128 px class; 16:9 cameras keep their aspect
        assert budget.out_size("IN0", 100.0) == (128, 72)
        assert budget.out_size("IN0", 5000.0) == (512, 288), "never wider than the largest class"
        assert budget.fps_for(256.0) == 12.0 and budget.fps_for(64.0) == 3.0 and budget.fps_for(1.0) == 1.0
    finally:
        r.close()


@pytest.mark.parametrize("mode", ["texture", "readback"])
def test_teardown_cycles_with_virtual_cctv_leave_nothing_behind(engine, mode):
    from panda3d.core import NodePath

    city = make_twin(buildings=[(-30, 40, 30, 44, 8.0)], cameras=[_camera(), _camera("D", k1=-0.2)])
    render = NodePath("render")
    before = engine.counts()["outputs"]  # the module's other scenes may still be open
    counts = []
    for _ in range(6):
        scene = scenes.CityScene(city, render, engine.graphics)
        view = scenes.OffscreenView(engine.graphics, render, 64, 48)
        scene.use_virtual_cctv(settings=scenes.VcctvSettings(mode=mode, max_fps=None))
        view.camera.set_pos(*EYE)
        view.camera.look_at(*TARGET)
        for _ in range(2):
            scene.update(view.camera, view.lens, (64, 48))
            engine.render_frame()
        view.destroy()
        scene.destroy()
        engine.render_frame()
        c = engine.counts()
        c["nodes"] = render.find_all_matches("**").get_num_paths()
        counts.append(c)
    assert counts[-1] == counts[2], f"GPU objects or nodes grew: {counts[2]} -> {counts[-1]}"
    assert counts[-1]["outputs"] == before, "every pooled buffer and atlas closed with the scene"
