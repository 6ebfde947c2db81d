"""The sun's shadow map, fitted each frame to what the viewer sees (not to the whole city).

An orthographic camera looks along the sun's rays into a 32-bit float buffer holding each
surface's distance along the rays; the city shader compares a fragment's own distance with it
(2x2 taps, slope-scaled bias). The map covers the viewer's frustum cut at ``range_m`` and at the
ground (up to the tallest roof), so its texels stay small wherever the viewer is: a close-up gets
centimetre shadows, the tour's high views metre ones.
"""

from __future__ import annotations

__all__ = ["SunShadow"]

import math
from importlib import resources

import numpy as np
from panda3d.core import (
    Camera,
    GraphicsOutput,
    LColor,
    Lens,
    Mat4,
    NodePath,
    OrthographicLens,
    Point2,
    Point3,
    PTA_LMatrix4f,
    SamplerState,
    Shader,
    Texture,
)

from .engine import Graphics, close_offscreen
from .masks import DEPTH_MASK

_NO_OCCLUDER_M = 1.0e9


def _frustum_points(viewer: NodePath, lens: Lens, root: NodePath, range_m: float, top_m: float) -> np.ndarray:
    """Corners of the viewer's frustum in ``root``'s frame, each ray cut at ``range_m`` and at the ground."""
    m = viewer.get_mat(root)
    eye = np.array(viewer.get_pos(root), dtype=float)
    out = []
    for fx, fy in ((-1, -1), (1, -1), (1, 1), (-1, 1), (0, 0)):
        near, far = Point3(), Point3()
        lens.extrude(Point2(fx, fy), near, far)
        a = np.array(m.xform_point(near), dtype=float)
        b = np.array(m.xform_point(far), dtype=float)
        d = b - a
        length = float(np.linalg.norm(d))
        if length <= 0:
            continue
        d /= length
        t = min(range_m, length)
        if d[2] < -1e-6:  # the ray meets the ground before its end
            t = min(t, (a[2] - 0.0) / -d[2])
        out.append(a)
        out.append(a + d * max(t, 0.0))
    pts = np.array(out + [eye])
    pts[:, 2] = np.clip(pts[:, 2], 0.0, top_m)
    low, high = pts.copy(), pts.copy()
    low[:, 2], high[:, 2] = 0.0, top_m
    return np.concatenate([low, high])


class SunShadow:
    """The sun's depth map and the uniforms that read it (``sun_mat``, ``sun_depth``, texel size)."""

    def __init__(self, graphics: Graphics, scene: NodePath, *, size_px: int = 2048, range_m: float = 600.0) -> None:
        self.graphics = graphics
        self.size_px = int(size_px)
        self.range_m = float(range_m)
        self.buffer = graphics.make_buffer("sun-shadow", self.size_px, self.size_px, sort=-18, float_color=True)
        self.buffer.set_clear_color(LColor(_NO_OCCLUDER_M, 0, 0, 0))
        self.texture = Texture("sun-depth")
        self.buffer.add_render_texture(self.texture, GraphicsOutput.RTM_bind_or_copy, GraphicsOutput.RTP_color)
        self.texture.set_wrap_u(SamplerState.WM_border_color)
        self.texture.set_wrap_v(SamplerState.WM_border_color)
        self.texture.set_border_color(LColor(_NO_OCCLUDER_M, 0, 0, 0))
        self.texture.set_minfilter(SamplerState.FT_nearest)
        self.texture.set_magfilter(SamplerState.FT_nearest)
        self.sun_mat = PTA_LMatrix4f([Mat4.ident_mat()])
        src = resources.files("scenes").joinpath("shaders")
        state = NodePath("sun-depth-state")
        state.set_shader(
            Shader.make(
                Shader.SL_GLSL,
                src.joinpath("sundepth.vert").read_text("utf-8"),
                src.joinpath("sundepth.frag").read_text("utf-8"),
            ),
            1000,
        )
        state.set_shader_input("sun_mat", self.sun_mat)
        self.lens = OrthographicLens()
        cam = Camera("sun-camera", self.lens)
        cam.set_camera_mask(DEPTH_MASK)
        cam.set_initial_state(state.get_state())
        self.camera = scene.attach_new_node(cam)
        self.region = self.buffer.make_display_region()
        self.region.set_camera(self.camera)
        self.texel_m = 1.0
        self.active = True

    def set_active(self, on: bool) -> None:
        """Render the map each frame (sun up) or not at all (night: no shadows to cast)."""
        self.active = bool(on)
        self.buffer.set_active(self.active)

    def fit(self, sun_dir: np.ndarray, viewer: NodePath, lens: Lens, root: NodePath, top_m: float) -> None:
        """Aim the sun camera along ``-sun_dir`` and size its map to the viewer's frustum."""
        fwd = -np.asarray(sun_dir, dtype=float)
        fwd /= np.linalg.norm(fwd)
        right = np.cross(fwd, [0.0, 0.0, 1.0])
        if np.linalg.norm(right) < 1e-3:  # the sun overhead
            right = np.array([1.0, 0.0, 0.0])
        right /= np.linalg.norm(right)
        up = np.cross(right, fwd)
        pts = _frustum_points(viewer, lens, root, self.range_m, max(top_m, 1.0))
        a, b, c = pts @ right, pts @ up, pts @ fwd
        half = max(a.max() - a.min(), b.max() - b.min(), 1.0) / 2.0 + 2.0
        # snap the centre to whole texels so the map does not shimmer as the viewer moves
        self.texel_m = 2.0 * half / self.size_px
        am = math.floor((a.max() + a.min()) / 2.0 / self.texel_m) * self.texel_m
        bm = math.floor((b.max() + b.min()) / 2.0 / self.texel_m) * self.texel_m
        # back along the rays far enough that the tallest roof in the map still casts into it
        back = max(top_m, 1.0) / max(abs(fwd[2]), 0.05) + 20.0
        c0 = c.min() - back
        origin = right * am + up * bm + fwd * c0
        self.lens.set_film_size(2.0 * half, 2.0 * half)
        self.lens.set_near_far(0.0, float(c.max() - c0 + 10.0))
        self.camera.set_pos(root, *origin)
        self.camera.look_at(root, Point3(*(origin + fwd)), tuple(up))
        # world -> map: xy in -1..1 across the film, z metres along the rays from the camera
        rows = np.array(
            [
                np.append(right / half, -(right @ origin) / half),
                np.append(up / half, -(up @ origin) / half),
                np.append(fwd, -(fwd @ origin)),
                [0.0, 0.0, 0.0, 1.0],
            ]
        )
        # Panda3D stores row-vector matrices: hand GLSL's M * v the transpose
        self.sun_mat.set_element(0, Mat4(*rows.T.ravel()))

    def destroy(self) -> None:
        """Close the buffer and remove the camera."""
        close_offscreen(self.graphics, self.buffer, self.region, self.camera, self.texture)
