"""The one camera model: axes, projection, field of view, distortion, pixel density and DORI range.

Every user of a camera's optics calls this module: coverage and placement (:mod:`twin.coverage`,
:mod:`twin.placement`), the fire model's sighting (``sim.fire``), the scene's projectors and virtual
CCTV (``scenes.pose``). The rules, written once:

- **Axes.** Heading clockwise from north, tilt down from horizontal, roll positive when the image
  turns clockwise as the camera sees it (its right side goes down). Forward, right and up unit
  vectors in the local frame (x east, y north, z up); see :func:`axes`.
- **Projection.** A lens whose horizontal field of view is under 180 degrees is a *pinhole* (with
  Brown's radial distortion ``k1``, ``k2`` applied in the image, :func:`distort`). A lens of 180
  degrees or more (:func:`is_fisheye`; a dome's ``hfov_deg`` of 360 included) is an *equidistant
  fisheye* looking straight down (tilt 90 degrees plus the pose correction's tilt; the surveyed tilt
  does not apply) whose image circle, of diameter ``min(width, height)``, holds the hemisphere below
  the lens: it sees every point within 90 degrees of its axis.
- **Field of view.** The vertical FOV follows the horizontal one and the aspect ratio,
  ``tan(vfov / 2) = tan(hfov / 2) * height / width``; a pinhole wider than 179 degrees is clamped to 179.
- **Pixel density** at slant distance ``d`` (IEC/EN 62676-4): ``focal_px / d``, with the focal
  length in pixels ``width / (2 tan(hfov / 2))`` for a pinhole (REFERENCE.md's
  ``ppm = h_res / (2 d tan(hfov / 2))``) and ``min(width, height) / pi`` pixels per radian for a
  fisheye (its image circle's radius over 90 degrees). Distortion does not enter it: the figure is
  the lens's on-axis density, the one datasheets and the standard quote.
- **Range at a DORI level:** the slant distance where the density falls to the level's px/m,
  ``focal_px / ppm``.

The functions are numpy-vectorised (scalars or arrays of headings, lenses and points), so a caller
with many poses computes them in one call.
"""

from __future__ import annotations

__all__ = [
    "FISHEYE_MIN_HFOV_DEG",
    "FISHEYE_TILT_DEG",
    "MAX_PINHOLE_HFOV_DEG",
    "Pose",
    "axes",
    "camera_pose",
    "camera_poses",
    "camera_range_m",
    "distort",
    "fisheye_angle_rad",
    "fisheye_radius",
    "focal_px",
    "hfov_from_focal_deg",
    "is_fisheye",
    "pixel_density_ppm",
    "range_m",
    "tan_half",
    "undistort_radius",
    "vfov_deg",
]

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .model import Camera, PoseCorrection

#: A lens this wide or wider is an equidistant fisheye (a pinhole cannot see 180 degrees).
FISHEYE_MIN_HFOV_DEG = 180.0
#: A fisheye looks straight down (plus the pose correction's tilt).
FISHEYE_TILT_DEG = 90.0
#: Widest pinhole modelled; a wider one (only reachable by a PTZ preset's zoom) is clamped to it.
MAX_PINHOLE_HFOV_DEG = 179.0


# ---- lens ------------------------------------------------------------------------------------
def is_fisheye(hfov_deg: float | np.ndarray) -> bool | np.ndarray:
    """The one rule: a lens of 180 degrees or more is a fisheye (a dome's 360 included)."""
    out = np.asarray(hfov_deg, dtype=float) >= FISHEYE_MIN_HFOV_DEG
    return bool(out) if out.ndim == 0 else out


def hfov_from_focal_deg(sensor_width_mm: float, focal_mm: float) -> float:
    """Horizontal field of view of a lens, degrees: ``2 atan(sensor_width / (2 f))``."""
    return math.degrees(2.0 * math.atan(sensor_width_mm / (2.0 * focal_mm)))


def tan_half(
    hfov_deg: float | np.ndarray, width_px: float | np.ndarray, height_px: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(tan(hfov / 2), tan(vfov / 2))`` of the pinhole image (clamped at 179 degrees).

    For a fisheye these describe no image (it has a circle, not a frustum); callers test
    :func:`is_fisheye` first.
    """
    th = np.tan(np.radians(np.minimum(np.asarray(hfov_deg, dtype=float), MAX_PINHOLE_HFOV_DEG)) / 2.0)
    return th, th * np.asarray(height_px, dtype=float) / np.asarray(width_px, dtype=float)


def vfov_deg(hfov_deg: float, width_px: int, height_px: int) -> float:
    """Vertical field of view, degrees: from the aspect ratio for a pinhole; a fisheye's circle spans 180."""
    if is_fisheye(hfov_deg):
        return 180.0
    return math.degrees(2.0 * math.atan(float(tan_half(hfov_deg, width_px, height_px)[1])))


def focal_px(hfov_deg: float | np.ndarray, width_px: float | np.ndarray, height_px: float | np.ndarray) -> np.ndarray:
    """Focal length in pixels: pixel density times slant distance (px/m at 1 m).

    ``width / (2 tan(hfov / 2))`` for a pinhole; ``min(width, height) / pi`` (pixels per radian of
    an equidistant image circle spanning 180 degrees) for a fisheye.
    """
    w = np.asarray(width_px, dtype=float)
    h = np.asarray(height_px, dtype=float)
    th, _ = tan_half(hfov_deg, w, h)
    return np.where(is_fisheye(hfov_deg), np.minimum(w, h) / math.pi, w / (2.0 * th))


def pixel_density_ppm(focal: float | np.ndarray, slant_m: float | np.ndarray) -> np.ndarray:
    """Pixels per metre at slant distance ``slant_m`` of a lens of ``focal`` pixels (``focal_px``)."""
    return np.asarray(focal, dtype=float) / np.maximum(np.asarray(slant_m, dtype=float), 1e-9)


def range_m(focal: float | np.ndarray, ppm: float | np.ndarray) -> np.ndarray:
    """Slant distance at which the pixel density falls to ``ppm`` (1920 px at 90 deg and 25 px/m: 38.4 m)."""
    return np.asarray(focal, dtype=float) / np.asarray(ppm, dtype=float)


# ---- axes ------------------------------------------------------------------------------------
def axes(
    heading_deg: float | np.ndarray, tilt_deg: float | np.ndarray, roll_deg: float | np.ndarray = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forward, right and up unit vectors in the local frame, shape ``(..., 3)`` (broadcast over the angles)."""
    h, t, r = (np.radians(np.asarray(v, dtype=float)) for v in (heading_deg, tilt_deg, roll_deg))
    h, t, r = np.broadcast_arrays(h, t, r)
    ch, sh, ct, st, cr, sr = np.cos(h), np.sin(h), np.cos(t), np.sin(t), np.cos(r), np.sin(r)
    zero = np.zeros_like(h)
    f = np.stack([sh * ct, ch * ct, -st], axis=-1)
    r0 = np.stack([ch, -sh, zero], axis=-1)
    u0 = np.stack([sh * st, ch * st, ct], axis=-1)  # r0 x f
    # roll turns the image clockwise as the camera sees it: right tips down, up tips right
    right = r0 * cr[..., None] - u0 * sr[..., None]
    up = u0 * cr[..., None] + r0 * sr[..., None]
    return f, right, up


@lru_cache(maxsize=4096)
def _axes_cached(heading_deg: float, tilt_deg: float, roll_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # a planner tries the same few headings and tilts at thousands of sites
    out = axes(heading_deg, tilt_deg, roll_deg)
    for v in out:
        v.flags.writeable = False
    return out


def fisheye_radius(theta_rad: float | np.ndarray) -> np.ndarray:
    """Equidistant fisheye: radius in the image circle (1 at its rim) of a ray ``theta_rad`` off the axis."""
    return np.asarray(theta_rad, dtype=float) / (math.pi / 2.0)


def fisheye_angle_rad(radius: float | np.ndarray) -> np.ndarray:
    """Equidistant fisheye, inverse: the angle off the axis of a point ``radius`` out in the image circle (1: rim)."""
    return np.asarray(radius, dtype=float) * (math.pi / 2.0)


# ---- distortion ------------------------------------------------------------------------------
def distort(n: np.ndarray, k1: float, k2: float) -> np.ndarray:
    """Brown's radial model: undistorted normalised image points (n, 2) to distorted ones."""
    r2 = np.sum(n * n, axis=-1, keepdims=True)
    return n * (1.0 + k1 * r2 + k2 * r2 * r2)


def undistort_radius(rd: np.ndarray, k1: float, k2: float, r_max: float) -> np.ndarray:
    """Solve ``r (1 + k1 r^2 + k2 r^4) = rd`` for ``r`` by Newton's method, capped at ``r_max``.

    Where the model folds back (strong barrel distortion) and has no solution below ``r_max``,
    the cap is returned.
    """
    r = np.array(rd, dtype=float, copy=True)
    for _ in range(30):
        f = r * (1 + k1 * r**2 + k2 * r**4) - rd
        df = 1 + 3 * k1 * r**2 + 5 * k2 * r**4
        step = np.where(df > 1e-6, f / np.where(df > 1e-6, df, 1.0), 0.0)
        r = np.clip(r - step, 0.0, r_max)
    bad = np.abs(r * (1 + k1 * r**2 + k2 * r**4) - rd) > 1e-6 * np.maximum(rd, 1.0)
    return np.where(bad, r_max, r)


# ---- one pose --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pose:
    """One way a camera looks: lens position, orientation (correction applied) and lens.

    Build it with :meth:`looking` (or :func:`camera_poses`), which applies the fisheye rule to the tilt.
    """

    x: float
    y: float
    z: float
    heading_deg: float
    tilt_deg: float
    roll_deg: float
    hfov_deg: float
    width_px: int
    height_px: int
    k1: float = 0.0
    k2: float = 0.0

    @classmethod
    def looking(
        cls,
        x: float,
        y: float,
        z: float,
        heading_deg: float,
        tilt_deg: float,
        *,
        hfov_deg: float,
        width_px: int,
        height_px: int,
        correction: PoseCorrection | None = None,
        k1: float = 0.0,
        k2: float = 0.0,
    ) -> Pose:
        """A pose from surveyed angles: the correction's angles add, a fisheye looks straight down.

        ``x``, ``y``, ``z`` are the lens position with the correction's offsets already in
        (``Camera.position``).
        """
        dh = dt = dr = 0.0
        if correction is not None:
            dh, dt, dr = correction.heading_deg, correction.tilt_deg, correction.roll_deg
        tilt = FISHEYE_TILT_DEG if is_fisheye(hfov_deg) else tilt_deg
        return cls(
            x=float(x),
            y=float(y),
            z=float(z),
            heading_deg=(heading_deg + dh) % 360.0,
            tilt_deg=tilt + dt,
            roll_deg=float(dr),
            hfov_deg=float(hfov_deg),
            width_px=int(width_px),
            height_px=int(height_px),
            k1=float(k1),
            k2=float(k2),
        )

    @property
    def fisheye(self) -> bool:
        """Whether this lens is a fisheye (:func:`is_fisheye`)."""
        return bool(is_fisheye(self.hfov_deg))

    @property
    def position(self) -> np.ndarray:
        """Lens position (3,) in local metres."""
        return np.array([self.x, self.y, self.z])

    @property
    def tan_h(self) -> float:
        """tan(hfov / 2) of the pinhole image."""
        return float(tan_half(self.hfov_deg, self.width_px, self.height_px)[0])

    @property
    def tan_v(self) -> float:
        """tan(vfov / 2), the vertical FOV from the horizontal one and the aspect ratio."""
        return float(tan_half(self.hfov_deg, self.width_px, self.height_px)[1])

    @property
    def focal_px(self) -> float:
        """Focal length in pixels (:func:`focal_px`): pixel density times slant distance."""
        return float(focal_px(self.hfov_deg, self.width_px, self.height_px))

    def range_m(self, ppm: float) -> float:
        """Slant distance at which the pixel density falls to ``ppm``."""
        return float(range_m(self.focal_px, ppm))

    def axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Forward, right and up unit vectors in the local frame (x east, y north, z up)."""
        return _axes_cached(self.heading_deg, self.tilt_deg, self.roll_deg)

    def rotation(self) -> np.ndarray:
        """3x3 matrix whose columns are the right, forward and up unit vectors (camera to world)."""
        f, r, u = self.axes()
        return np.stack([r, f, u], axis=1)

    def to_camera(self, pts: np.ndarray) -> np.ndarray:
        """World points (n, 3) in camera coordinates (right, forward, up)."""
        return (np.asarray(pts, dtype=float) - self.position) @ self.rotation()

    def density_ppm(self, pts: np.ndarray) -> np.ndarray:
        """Pixel density (px/m) at world points (n, 3): ``focal_px`` over the slant distance."""
        d = np.linalg.norm(np.asarray(pts, dtype=float).reshape(-1, 3) - self.position, axis=1)
        return pixel_density_ppm(self.focal_px, d)

    def in_view(self, pts: np.ndarray) -> np.ndarray:
        """Whether world points (n, 3) fall inside the image (the pinhole's frustum, the fisheye's hemisphere)."""
        c = self.to_camera(np.asarray(pts, dtype=float).reshape(-1, 3))
        if self.fisheye:
            return c[:, 1] > 0.0
        fw = c[:, 1]
        return (fw > 0.0) & (np.abs(c[:, 0]) <= fw * self.tan_h) & (np.abs(c[:, 2]) <= fw * self.tan_v)

    def image_uv(self, pts: np.ndarray) -> np.ndarray:
        """Where world points (n, 3) fall in the (distorted) image, as texture uv (0..1, v up).

        A pinhole divides by the forward distance and bends by Brown's model; a fisheye's image
        radius grows with the angle off its axis (equidistant), reaching the circle (``min(w, h) / 2``
        pixels) at 90 degrees. A point behind a pinhole gets NaN.
        """
        c = self.to_camera(np.asarray(pts, dtype=float).reshape(-1, 3))
        if self.fisheye:
            rho = np.hypot(c[:, 0], c[:, 2])
            theta = np.arctan2(rho, c[:, 1])
            with np.errstate(divide="ignore", invalid="ignore"):
                d = np.stack([c[:, 0], c[:, 2]], axis=1) / rho[:, None]
            d[rho == 0] = 0.0
            m = min(self.width_px, self.height_px)
            circle = np.array([0.5 * m / self.width_px, 0.5 * m / self.height_px])
            return 0.5 + d * fisheye_radius(theta)[:, None] * circle
        with np.errstate(divide="ignore", invalid="ignore"):
            n = np.stack([c[:, 0] / c[:, 1], c[:, 2] / c[:, 1]], axis=1)
        n[c[:, 1] <= 0] = np.nan
        return 0.5 + 0.5 * distort(n, self.k1, self.k2) / np.array([self.tan_h, self.tan_v])


# ---- a camera's poses -------------------------------------------------------------------------
def camera_pose(
    cam: Camera,
    *,
    heading_deg: float | None = None,
    tilt_deg: float | None = None,
    hfov_deg: float | None = None,
) -> Pose:
    """The camera's home pose with its calibration applied; a PTZ's current pan, tilt, zoom may override."""
    x, y, z = cam.position
    return Pose.looking(
        x,
        y,
        z,
        cam.heading_deg if heading_deg is None else float(heading_deg),
        cam.tilt_deg if tilt_deg is None else float(tilt_deg),
        hfov_deg=cam.hfov if hfov_deg is None else float(hfov_deg),
        width_px=cam.width_px,
        height_px=cam.height_px,
        correction=cam.correction,
        k1=cam.k1,
        k2=cam.k2,
    )


def camera_poses(cam: Camera) -> list[Pose]:
    """The poses a camera covers: a PTZ with presets, each preset (its zoom if given); else its home pose."""
    if cam.type == "ptz" and cam.presets:
        return [
            camera_pose(cam, heading_deg=p.heading_deg, tilt_deg=p.tilt_deg, hfov_deg=p.hfov_deg) for p in cam.presets
        ]
    return [camera_pose(cam)]


def camera_range_m(cam: Camera, ppm: float) -> float:
    """Furthest slant distance any of the camera's poses reaches ``ppm`` at (a PTZ: its widest-reaching preset)."""
    return max(p.range_m(ppm) for p in camera_poses(cam))
