"""Virtual CCTV: the twin filmed from a camera's pose and lens, handed back as a numpy frame.

A synthetic feed can show the twin (with its fires and trucks) as that camera would: same
position, heading, tilt, roll and field of view, and, when the camera has radial distortion
(k1, k2), the same barrel or pincushion bend, applied to a wider pinhole render with ``cv2.remap``.
"""

from __future__ import annotations

__all__ = ["VirtualCCTV", "distortion_maps", "is_distorted", "plain_state", "source_size"]

import math
from importlib import resources

import cv2
import numpy as np
from panda3d.core import NodePath, PerspectiveLens, RenderState, Shader

import twin
from twin.optics import fisheye_angle_rad, focal_px, undistort_radius

from .engine import Graphics, OffscreenView
from .masks import VCCTV_MASK
from .pose import CameraPose, camera_pose


def is_distorted(pose: CameraPose) -> bool:
    """Whether a camera bends its image (k1 or k2 nonzero, or a fisheye): its render needs a remap."""
    return pose.fisheye or pose.k1 != 0.0 or pose.k2 != 0.0

def _plain_shader() -> Shader:
    src = resources.files("scenes").joinpath("shaders")
    return Shader.make(
        Shader.SL_GLSL, src.joinpath("plain.vert").read_text("utf-8"), src.joinpath("plain.frag").read_text("utf-8")
    )


def plain_state() -> RenderState:
    """A virtual camera's initial state: the city as built, without projected video (no feedback loop)."""
    st = NodePath("plain")
    st.set_shader(_plain_shader(), 1000)
    return st.get_state()


def distortion_maps(
    pose: CameraPose, out_size: tuple[int, int], src_size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """``cv2.remap`` maps from a pinhole render (at the depth lens's field) to the distorted image.

    For each output pixel: its normalised distorted coordinate, undistorted by Newton's method on
    the radial model, is looked up in the pinhole render.
    """
    w, h = out_size
    sw, sh = src_size
    th, tv = pose.tan_half
    dth, dtv = pose.depth_tan_half
    if pose.fisheye:
        return _fisheye_maps(pose, out_size, src_size)
    u = ((np.arange(w) + 0.5) / w * 2.0 - 1.0) * th
    v = (1.0 - (np.arange(h) + 0.5) / h * 2.0) * tv
    dx, dy = np.meshgrid(u, v)
    rd = np.hypot(dx, dy)
    r = undistort_radius(rd.ravel(), pose.k1, pose.k2, math.hypot(dth, dtv)).reshape(rd.shape)
    scale = np.where(rd > 1e-12, r / np.maximum(rd, 1e-12), 1.0)
    nx, ny = dx * scale, dy * scale
    map_x = ((nx / dth + 1.0) / 2.0 * sw - 0.5).astype(np.float32)
    map_y = ((1.0 - ny / dtv) / 2.0 * sh - 0.5).astype(np.float32)
    return map_x, map_y


def _fisheye_maps(
    pose: CameraPose, out_size: tuple[int, int], src_size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Maps from a wide pinhole render to an equidistant fisheye image (black outside the circle)."""
    w, h = out_size
    sw, sh = src_size
    dth, dtv = pose.depth_tan_half
    radius_px = float(focal_px(pose.optics.hfov_deg, w, h)) * (math.pi / 2.0)  # the image circle: 90 degrees off axis
    x = (np.arange(w) + 0.5 - w / 2.0) / radius_px
    y = (h / 2.0 - (np.arange(h) + 0.5)) / radius_px
    dx, dy = np.meshgrid(x, y)
    r = np.hypot(dx, dy)
    theta = fisheye_angle_rad(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(r > 1e-12, np.tan(np.minimum(theta, 1.5)) / r, 1.0)
    nx, ny = dx * scale, dy * scale
    map_x = ((nx / dth + 1.0) / 2.0 * sw - 0.5).astype(np.float32)
    map_y = ((1.0 - ny / dtv) / 2.0 * sh - 0.5).astype(np.float32)
    outside = (r > 1.0) | (np.abs(nx) > dth) | (np.abs(ny) > dtv)
    map_x[outside] = -1e6
    map_y[outside] = -1e6
    return map_x, map_y


def source_size(pose: CameraPose, size: tuple[int, int]) -> tuple[int, int]:
    """The pinhole render (at the depth lens's field) that a distorted ``size`` image is bent from.

    It covers the wider field at the output's central sampling rate (a fisheye: its pixels per
    radian at the centre), at most 4096 a side. An undistorted camera's is ``size`` itself.
    """
    w, h = size
    dth, dtv = pose.depth_tan_half
    if pose.fisheye:
        f = float(focal_px(pose.optics.hfov_deg, w, h))
        side = min(int(math.ceil(2 * dth * f)), 4096)
        return (side, side)
    if not is_distorted(pose):
        return (int(w), int(h))
    th, tv = pose.tan_half
    return (min(int(math.ceil(w * dth / th)), 4096), min(int(math.ceil(h * dtv / tv)), 4096))


class VirtualCCTV:
    """An offscreen camera at a CCTV camera's pose; :meth:`grab` returns its frame after a render.

    ``with_video`` keeps the projected live video in the picture (a camera's view of the showroom);
    without it the twin is filmed as built, which is what a synthetic feed should show.
    """

    def __init__(
        self,
        graphics: Graphics,
        scene: NodePath,
        camera: twin.Camera,
        *,
        size: tuple[int, int] | None = None,
        with_video: bool = False,
        near_m: float = 0.3,
        far_m: float = 3000.0,
    ) -> None:
        self.camera = camera
        if size is None:
            w = min(camera.width_px, 640)
            size = (w, max(2, round(w * camera.height_px / camera.width_px)))
        self.size = (int(size[0]), int(size[1]))
        self.near_m, self.far_m = near_m, far_m
        self.pose = camera_pose(camera)
        self._maps: tuple[np.ndarray, np.ndarray] | None = None
        self._src_size = self._source_size()
        self.view = OffscreenView(graphics, scene, *self._src_size, name=f"vcctv-{camera.id}", lens=PerspectiveLens())
        self.view.camera.node().set_camera_mask(VCCTV_MASK)
        if not with_video:
            self.view.camera.node().set_initial_state(plain_state())
        self.set_pose(self.pose)

    @property
    def distorted(self) -> bool:
        """Whether the camera bends its image (k1 or k2 nonzero, or a fisheye)."""
        return is_distorted(self.pose)

    def _source_size(self) -> tuple[int, int]:
        return source_size(self.pose, self.size) if self.distorted else self.size

    def set_pose(self, pose: CameraPose) -> None:
        """Point the virtual camera (a PTZ's current pose, say)."""
        self.pose = pose
        lens = self.view.lens
        th, tv = pose.depth_tan_half if self.distorted else pose.tan_half
        lens.set_fov(math.degrees(2 * math.atan(th)), math.degrees(2 * math.atan(tv)))
        lens.set_near_far(self.near_m, self.far_m)
        self.view.camera.set_pos(*pose.position)
        self.view.camera.set_hpr(*pose.hpr)
        self._maps = None

    def grab(self) -> np.ndarray:
        """The last rendered frame: (height, width, 3) uint8 BGR, as the real camera's would be."""
        img = self.view.grab()
        if not self.distorted:
            return img
        if self._maps is None:
            self._maps = distortion_maps(self.pose, self.size, self._src_size)
        border = cv2.BORDER_CONSTANT if self.pose.fisheye else cv2.BORDER_REPLICATE
        return cv2.remap(img, *self._maps, interpolation=cv2.INTER_LINEAR, borderMode=border)

    def set_active(self, on: bool) -> None:
        """Render with every frame (on) or not at all (off)."""
        self.view.buffer.set_active(bool(on))

    def destroy(self) -> None:
        """Close the buffer."""
        self.view.destroy()
