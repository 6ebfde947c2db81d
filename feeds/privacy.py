"""Privacy masks: static polygons per camera, blacked out or pixelated inside ``feeds`` before a frame leaves.

This is what real video-management systems do first (static privacy zones per camera). A mask is
conservative: a pixel is masked when any part of its square touches a polygon, so no partly covered
pixel at the edge leaks. Polygons are in the pixel coordinates of the camera's native image
(``twin.Camera.width_px`` x ``height_px``) and are scaled to each stream's size (a sub stream at
640x360 gets the same zones as the 1920x1080 main one).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import cv2
import numpy as np

from ._errors import FeedConfigError

__all__ = ["MASK_MODES", "PrivacyMask"]

#: ``black`` fills the zone with zeros; ``pixelate`` keeps only block means (``block_px`` squares).
MASK_MODES = ("black", "pixelate")
_SUBPIXEL_BITS = 4  # fillPoly fixed-point precision: 1/16 px


class PrivacyMask:
    """Polygons applied to every frame of one camera.

    Args:
        polygons: each a sequence of at least three ``(x, y)`` points in image pixels.
        ref_size: ``(width, height)`` of the image the polygons are drawn on; None: the frame's own size.
        mode: one of :data:`MASK_MODES`.
        block_px: pixelation block size in pixels of ``ref_size`` (scaled with the frame).
        camera_id: named in error messages.
    """

    def __init__(
        self,
        polygons: Sequence[Sequence[Sequence[float]]],
        *,
        ref_size: tuple[int, int] | None = None,
        mode: str = "black",
        block_px: int = 32,
        camera_id: str = "?",
    ):
        if mode not in MASK_MODES:
            raise FeedConfigError(f"camera {camera_id!r}: privacy mode must be one of {MASK_MODES}, got {mode!r}")
        if not (2 <= block_px <= 512):
            raise FeedConfigError(f"camera {camera_id!r}: privacy block_px must be in [2, 512], got {block_px}")
        polys = []
        for i, poly in enumerate(polygons):
            arr = np.asarray(poly, dtype=np.float64)
            if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 3:
                raise FeedConfigError(
                    f"camera {camera_id!r}: privacy mask {i} must be a list of at least 3 (x, y) points, "
                    f"got shape {arr.shape}"
                )
            if not np.isfinite(arr).all():
                raise FeedConfigError(f"camera {camera_id!r}: privacy mask {i} has a non-finite coordinate")
            polys.append(arr)
        self.polygons = polys
        self.ref_size = ref_size
        self.mode = mode
        self.block_px = block_px
        self._cache: dict[tuple[int, int], np.ndarray] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self.polygons)

    def mask(self, width: int, height: int) -> np.ndarray:
        """Boolean ``height x width`` array, True where a pixel is hidden (cached per size)."""
        key = (width, height)
        with self._lock:
            m = self._cache.get(key)
            if m is None:
                m = self._rasterise(width, height)
                m.flags.writeable = False
                if len(self._cache) > 8:  # a stream changing size many times must not grow this
                    self._cache.clear()
                self._cache[key] = m
        return m

    def _rasterise(self, width: int, height: int) -> np.ndarray:
        rw, rh = self.ref_size or (width, height)
        sx, sy = width / rw, height / rh
        canvas = np.zeros((height, width), np.uint8)
        scale = 1 << _SUBPIXEL_BITS
        # pixel (i, j) is the unit square centred on (i, j) in OpenCV's convention; image coordinates
        # here put pixel i on [i, i+1), so shift by half a pixel before rasterising
        pts = [np.round((p * (sx, sy) - 0.5) * scale).astype(np.int32) for p in self.polygons]
        cv2.fillPoly(canvas, pts, 255, lineType=cv2.LINE_8, shift=_SUBPIXEL_BITS)
        cv2.polylines(canvas, pts, True, 255, thickness=1, lineType=cv2.LINE_8, shift=_SUBPIXEL_BITS)
        # grow by one pixel: any pixel a polygon edge passes through is hidden, not only those whose centre is inside
        canvas = cv2.dilate(canvas, np.ones((3, 3), np.uint8))
        return canvas.astype(bool)

    def apply(self, img: np.ndarray) -> np.ndarray:
        """Hide the masked pixels of ``img`` in place and return it."""
        if not self.polygons:
            return img
        h, w = img.shape[:2]
        m = self.mask(w, h)
        if self.mode == "black":
            img[m] = 0
            return img
        rw = (self.ref_size or (w, h))[0]
        block = max(2, int(math.ceil(self.block_px * w / rw)))
        small = cv2.resize(img, (max(1, w // block), max(1, h // block)), interpolation=cv2.INTER_AREA)
        big = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
        np.copyto(img, big, where=m[..., None] if img.ndim == 3 else m)
        return img
