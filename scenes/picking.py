"""Which camera does a pointer point at: a ray from the mouse (desktop) or a controller's laser (VR)."""

from __future__ import annotations

__all__ = ["pick_camera"]

import numpy as np


def pick_camera(
    origin: np.ndarray, direction: np.ndarray, positions: np.ndarray, *, max_angle_deg: float = 2.0
) -> int | None:
    """Index of the camera nearest the ray in angle (within ``max_angle_deg``), nearest first on ties.

    Args:
        origin: the ray's start (3,).
        direction: its direction (3,), any length.
        positions: camera lens positions (n, 3).
        max_angle_deg: how far off the ray a camera may be and still be picked.
    """
    if len(positions) == 0:
        return None
    d = np.asarray(direction, dtype=float)
    d = d / np.linalg.norm(d)
    v = np.asarray(positions, dtype=float) - np.asarray(origin, dtype=float)
    dist = np.linalg.norm(v, axis=1)
    along = v @ d
    cosang = np.where(dist > 0, along / np.maximum(dist, 1e-12), -1.0)
    ok = (along > 0) & (cosang >= np.cos(np.radians(max_angle_deg)))
    if not ok.any():
        return None
    # smallest angle wins; among near-equal angles, the nearer camera
    score = np.where(ok, np.arccos(np.clip(cosang, -1, 1)) + dist * 1e-9, np.inf)
    return int(np.argmin(score))
