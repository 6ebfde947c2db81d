"""Where a CCTV camera is and how it looks: pose with calibration, lens with radial distortion, footprint.

The optics (axes, projection, fisheye rule, distortion, pixel density) are :mod:`twin.optics`'s;
this module adds what rendering needs: the depth lens that covers a distorted image, Panda3D's
heading/pitch/roll, and the ground footprint. Pure numpy and shapely, so the geometry the projector
shader relies on is tested without a GPU. The camera's local axes are Panda3D's: x right, y forward, z up.
"""

from __future__ import annotations

__all__ = [
    "CameraPose",
    "camera_pose",
    "render_pose",
    "undistorted_half_tangents",
    "distort",
    "footprint",
    "MAX_HALF_ANGLE_DEG",
]

import math
from dataclasses import dataclass

import numpy as np
import shapely

from twin import Camera, optics
from twin.optics import distort, undistort_radius

#: A projector's depth lens never opens wider than this half angle (a pinhole cannot see 180 degrees).
MAX_HALF_ANGLE_DEG = 80.0


@dataclass(frozen=True)
class CameraPose:
    """A camera's corrected pose and lens, ready for projection: :class:`twin.optics.Pose` plus the render lens.

    ``rotation`` holds the camera's right, forward and up unit vectors as columns (world frame).
    ``tan_half`` is (tan(hfov/2), tan(vfov/2)) of the pinhole model the image follows before
    distortion; ``depth_tan_half`` the same for the depth lens, widened (or narrowed) so it covers
    every direction the distorted image shows, and never wider than :data:`MAX_HALF_ANGLE_DEG`.
    """

    optics: optics.Pose
    position: np.ndarray
    rotation: np.ndarray
    heading_deg: float
    tilt_deg: float
    roll_deg: float
    tan_half: tuple[float, float]
    depth_tan_half: tuple[float, float]
    k1: float
    k2: float
    width_px: int
    height_px: int
    fisheye: bool = False

    @property
    def hpr(self) -> tuple[float, float, float]:
        """Panda3D heading, pitch, roll (heading counter-clockwise, pitch up)."""
        return (-self.heading_deg, -self.tilt_deg, self.roll_deg)

    @property
    def focal_px(self) -> float:
        """Focal length in pixels (:func:`twin.optics.focal_px`; a fisheye's: pixels per radian)."""
        return self.optics.focal_px

    @property
    def circle_uv(self) -> tuple[float, float]:
        """A fisheye's image circle radius (at 90 degrees off axis) in texture u and v (0.5 on the short side)."""
        m = min(self.width_px, self.height_px)
        return (0.5 * m / self.width_px, 0.5 * m / self.height_px)

    def world_to_camera(self) -> np.ndarray:
        """The 4x4 matrix (column-vector convention) from world to camera-local coordinates."""
        m = np.eye(4)
        m[:3, :3] = self.rotation.T
        m[:3, 3] = -self.rotation.T @ self.position
        return m

    def to_camera(self, pts: np.ndarray) -> np.ndarray:
        """World points (n, 3) in camera-local coordinates (x right, y forward, z up)."""
        return self.optics.to_camera(pts)

    def image_uv(self, pts: np.ndarray) -> np.ndarray:
        """Where world points (n, 3) fall in the camera's (distorted) image, as texture uv (0..1, v up).

        Points behind a pinhole get NaN. This is the shader's projection, in numpy
        (:meth:`twin.optics.Pose.image_uv`).
        """
        return self.optics.image_uv(pts)


def undistorted_half_tangents(tan_h: float, tan_v: float, k1: float, k2: float) -> tuple[float, float]:
    """Half-angle tangents of the pinhole lens that sees all the distorted image shows (capped at 80 degrees).

    The image border (in normalised distorted coordinates: |x| = tan_h, |y| = tan_v) is sampled
    and each point undistorted; the largest |x| and |y| are the depth lens's half tangents.
    """
    cap = math.tan(math.radians(MAX_HALF_ANGLE_DEG))
    if k1 == 0.0 and k2 == 0.0:
        return (min(tan_h, cap), min(tan_v, cap))
    s = np.linspace(-1.0, 1.0, 33)
    border = np.concatenate(
        [
            np.stack([np.full_like(s, tan_h), s * tan_v], 1),
            np.stack([s * tan_h, np.full_like(s, tan_v)], 1),
        ]
    )
    rd = np.hypot(border[:, 0], border[:, 1])
    r = undistort_radius(rd, k1, k2, cap * math.sqrt(2.0))
    und = border * (r / rd)[:, None]
    return (float(min(np.abs(und[:, 0]).max(), cap)), float(min(np.abs(und[:, 1]).max(), cap)))


def render_pose(p: optics.Pose) -> CameraPose:
    """The render lens of an optics pose (a fisheye's depth lens covers all but the last degrees above its horizon)."""
    if p.fisheye:
        cap = math.tan(math.radians(MAX_HALF_ANGLE_DEG))
        tan_half = depth = (cap, cap)
        k1 = k2 = 0.0
    else:
        tan_half = (p.tan_h, p.tan_v)
        depth = undistorted_half_tangents(p.tan_h, p.tan_v, p.k1, p.k2)
        k1, k2 = p.k1, p.k2
    return CameraPose(
        optics=p,
        position=p.position,
        rotation=p.rotation(),
        heading_deg=p.heading_deg,
        tilt_deg=p.tilt_deg,
        roll_deg=p.roll_deg,
        tan_half=tan_half,
        depth_tan_half=depth,
        k1=k1,
        k2=k2,
        width_px=p.width_px,
        height_px=p.height_px,
        fisheye=p.fisheye,
    )


def camera_pose(
    cam: Camera,
    *,
    heading_deg: float | None = None,
    tilt_deg: float | None = None,
    hfov_deg: float | None = None,
) -> CameraPose:
    """The camera's pose with its calibration applied (a PTZ's current pan, tilt, zoom may override).

    The pose itself is :func:`twin.optics.camera_pose`'s (correction, fisheye rule); this adds the render lens.
    """
    return render_pose(optics.camera_pose(cam, heading_deg=heading_deg, tilt_deg=tilt_deg, hfov_deg=hfov_deg))


def footprint(pose: CameraPose, range_m: float, *, samples: int = 9, margin_m: float = 2.0) -> shapely.Polygon:
    """The ground-plan region a camera can paint: its view volume, cut at ``range_m`` and at the ground.

    Rays over the depth lens (a ``samples`` x ``samples`` grid) run to the ground or to the range,
    whichever comes first; the convex hull of their ends and the lens, grown by ``margin_m``, holds
    every facade and street point the camera sees within the range.
    """
    s = np.linspace(-1.0, 1.0, samples)
    gx, gy = np.meshgrid(s * pose.depth_tan_half[0], s * pose.depth_tan_half[1])
    local = np.stack([gx.ravel(), np.ones(gx.size), gy.ravel()], axis=1)
    local /= np.linalg.norm(local, axis=1, keepdims=True)
    d = local @ pose.rotation.T
    z0 = pose.position[2]
    with np.errstate(divide="ignore"):
        t_ground = np.where(d[:, 2] < -1e-9, z0 / -d[:, 2], np.inf)
    t = np.minimum(t_ground, range_m)
    ends = pose.position[None, :2] + d[:, :2] * t[:, None]
    pts = np.vstack([ends, pose.position[None, :2]])
    return shapely.MultiPoint(pts).convex_hull.buffer(margin_m)
