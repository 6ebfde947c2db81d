"""Test-pattern frames for projectors when no live feed is wired: solid colours and labelled bars.

Frames are BGR uint8, top row first, as OpenCV delivers them (and as feeds hand them over).
"""

from __future__ import annotations

__all__ = ["solid_frame", "pattern_frame", "camera_hue_bgr"]

import zlib

import cv2
import numpy as np


def solid_frame(bgr: tuple[int, int, int], width: int = 64, height: int = 36) -> np.ndarray:
    """A frame of one colour."""
    img = np.empty((height, width, 3), dtype=np.uint8)
    img[:] = bgr
    return img


def camera_hue_bgr(camera_id: str) -> tuple[int, int, int]:
    """A stable, saturated colour for a camera (from a CRC of its id), so overlapping feeds tell apart."""
    hue = zlib.crc32(camera_id.encode("utf-8")) % 180
    hsv = np.array([[[hue, 200, 230]]], dtype=np.uint8)
    b, g, r = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]
    return (int(b), int(g), int(r))


def pattern_frame(camera_id: str, t: float, width: int = 320, height: int = 180) -> np.ndarray:
    """The camera's colour with a grid, a bar sweeping every 4 s, and its id burnt in."""
    img = solid_frame(camera_hue_bgr(camera_id), width, height)
    step = max(width // 8, 4)
    img[:, ::step] = (255, 255, 255)
    img[::step, :] = (255, 255, 255)
    x = int((t * 0.25 % 1.0) * width)
    img[:, max(0, x - width // 32) : x + 1] = (20, 20, 20)
    scale = max(0.3, height / 240.0)
    cv2.putText(img, camera_id, (6, height - 8), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return img
