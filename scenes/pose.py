"""Where a CCTV camera is and how it looks: pose with calibration, lens with radial distortion, footprint.

Pure numpy and shapely, so the geometry the projector shader relies on is tested without a GPU.
A dome with ``hfov_deg`` of 180 or more is an equidistant fisheye looking straight down.
Conventions (the city file's): heading clockwise from north, tilt down from horizontal, roll
positive when the camera turns clockwise as seen from behind it (its right side goes down).
The camera's local axes are Panda3D's: x right, y forward, z up.
"""

from __future__ import annotations

__all__ = ["CameraPose", "camera_pose", "undistorted_half_tangents", "distort", "footprint", "MAX_HALF_ANGLE_DEG"]

import math
from dataclasses import dataclass

import numpy as np
import shapely

from twin import Camera

#: A projector's depth lens never opens wider than this half angle (a pinhole cannot see 180 degrees).
MAX_HALF_ANGLE_DEG = 80.0


@dataclass(frozen=True)
class CameraPose:
    """A camera's corrected pose and lens, ready for projection.

    ``rotation`` holds the camera's right, forward and up unit vectors as columns (world frame).
    ``tan_half`` is (tan(hfov/2), tan(vfov/2)) of the pinhole model the image follows before
    distortion; ``depth_tan_half`` the same for the depth lens, widened (or narrowed) so it covers
    every direction the distorted image shows.
    """

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
        """Focal length in pixels along the image width (a fisheye's: pixels per radian)."""
        if self.fisheye:
            return min(self.width_px, self.height_px) / math.pi
        return self.width_px / (2.0 * self.tan_half[0])

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
        return (np.asarray(pts, dtype=float) - self.position) @ self.rotation

    def image_uv(self, pts: np.ndarray) -> np.ndarray:
        """Where world points (n, 3) fall in the camera's (distorted) image, as texture uv (0..1, v up).

        Points behind the camera get NaN. This is the shader's projection, in numpy.
        """
        c = self.to_camera(pts)
        if self.fisheye:
            # equidistant model: the distance from the image centre grows with the angle off axis
            rho = np.hypot(c[:, 0], c[:, 2])
            theta = np.arctan2(rho, c[:, 1])
            with np.errstate(divide="ignore", invalid="ignore"):
                d = np.stack([c[:, 0], c[:, 2]], axis=1) / rho[:, None]
            d[rho == 0] = 0.0
            return 0.5 + d * (theta / (math.pi / 2))[:, None] * np.asarray(self.circle_uv)
        with np.errstate(divide="ignore", invalid="ignore"):
            n = np.stack([c[:, 0] / c[:, 1], c[:, 2] / c[:, 1]], axis=1)
        n[c[:, 1] <= 0] = np.nan
        d = distort(n, self.k1, self.k2)
        return 0.5 + 0.5 * d / np.asarray(self.tan_half)


def _rotation(heading_deg: float, tilt_deg: float, roll_deg: float) -> np.ndarray:
    th, ta, ro = (math.radians(v) for v in (heading_deg, tilt_deg, roll_deg))
    fwd = np.array([math.sin(th) * math.cos(ta), math.cos(th) * math.cos(ta), -math.sin(ta)])
    right = np.array([math.cos(th), -math.sin(th), 0.0])
    up = np.cross(right, fwd)
    right, up = right * math.cos(ro) - up * math.sin(ro), up * math.cos(ro) + right * math.sin(ro)
    return np.stack([right, fwd, up], axis=1)


def distort(n: np.ndarray, k1: float, k2: float) -> np.ndarray:
    """Brown's radial model: undistorted normalised image points (n, 2) to distorted ones."""
    r2 = np.sum(n * n, axis=-1, keepdims=True)
    return n * (1.0 + k1 * r2 + k2 * r2 * r2)


def _undistort_radius(rd: np.ndarray, k1: float, k2: float, r_max: float) -> np.ndarray:
    """Solve r * (1 + k1 r^2 + k2 r^4) = rd for r by Newton's method, capped at ``r_max``.

    Where the model folds back (strong barrel distortion) and has no solution below ``r_max``,
    the cap is returned: the depth lens then covers everything up to its widest angle.
    """
    r = rd.copy()
    for _ in range(30):
        f = r * (1 + k1 * r**2 + k2 * r**4) - rd
        df = 1 + 3 * k1 * r**2 + 5 * k2 * r**4
        step = np.where(df > 1e-6, f / np.where(df > 1e-6, df, 1.0), 0.0)
        r = np.clip(r - step, 0.0, r_max)
    bad = np.abs(r * (1 + k1 * r**2 + k2 * r**4) - rd) > 1e-6 * np.maximum(rd, 1.0)
    return np.where(bad, r_max, r)


def undistorted_half_tangents(tan_h: float, tan_v: float, k1: float, k2: float) -> tuple[float, float]:
    """Half-angle tangents of the pinhole lens that sees all the distorted image shows.

    The image border (in normalised distorted coordinates: |x| = tan_h, |y| = tan_v) is sampled
    and each point undistorted; the largest |x| and |y| are the depth lens's half tangents.
    """
    if k1 == 0.0 and k2 == 0.0:
        return (tan_h, tan_v)
    s = np.linspace(-1.0, 1.0, 33)
    border = np.concatenate(
        [
            np.stack([np.full_like(s, tan_h), s * tan_v], 1),
            np.stack([s * tan_h, np.full_like(s, tan_v)], 1),
        ]
    )
    rd = np.hypot(border[:, 0], border[:, 1])
    r_max = math.tan(math.radians(MAX_HALF_ANGLE_DEG)) * math.sqrt(2.0)
    r = _undistort_radius(rd, k1, k2, r_max)
    und = border * (r / rd)[:, None]
    cap = math.tan(math.radians(MAX_HALF_ANGLE_DEG))
    return (float(min(np.abs(und[:, 0]).max(), cap)), float(min(np.abs(und[:, 1]).max(), cap)))


def camera_pose(
    cam: Camera,
    *,
    heading_deg: float | None = None,
    tilt_deg: float | None = None,
    hfov_deg: float | None = None,
) -> CameraPose:
    """The camera's pose with its calibration applied (a PTZ's current pan, tilt, zoom may override).

    The pose correction's heading, tilt and roll add to the surveyed (or PTZ) angles; its offsets
    move the lens (``Camera.position`` already holds them).
    """
    corr = cam.correction
    h = (cam.heading_deg if heading_deg is None else heading_deg) + corr.heading_deg
    t = (cam.tilt_deg if tilt_deg is None else tilt_deg) + corr.tilt_deg
    r = corr.roll_deg
    hfov = cam.hfov if hfov_deg is None else float(hfov_deg)
    cap = math.tan(math.radians(MAX_HALF_ANGLE_DEG))
    if hfov >= 180.0:
        # a dome fisheye looks straight down and sees the hemisphere below it (as twin.coverage has it);
        # its depth lens covers all but the last few degrees above the horizon
        return CameraPose(
            position=np.array(cam.position, dtype=float),
            rotation=_rotation(h, 90.0 + corr.tilt_deg, r),
            heading_deg=h,
            tilt_deg=90.0 + corr.tilt_deg,
            roll_deg=r,
            tan_half=(cap, cap),
            depth_tan_half=(cap, cap),
            k1=0.0,
            k2=0.0,
            width_px=cam.width_px,
            height_px=cam.height_px,
            fisheye=True,
        )
    tan_h = min(math.tan(math.radians(min(hfov, 179.0)) / 2.0), cap)
    tan_v = min(tan_h * cam.height_px / cam.width_px, cap)
    return CameraPose(
        position=np.array(cam.position, dtype=float),
        rotation=_rotation(h, t, r),
        heading_deg=h,
        tilt_deg=t,
        roll_deg=r,
        tan_half=(tan_h, tan_v),
        depth_tan_half=undistorted_half_tangents(tan_h, tan_v, cam.k1, cam.k2),
        k1=cam.k1,
        k2=cam.k2,
        width_px=cam.width_px,
        height_px=cam.height_px,
    )


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
