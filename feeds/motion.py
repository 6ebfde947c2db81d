"""Motion activity per camera: the share of the picture that moves, from MOG2 background subtraction.

The number is what the server-load model needs for bitrate (H.264/H.265 spend bits on what changes;
"smart codecs" save most on still scenes) and what the scene can show as a heat cue per camera.
It runs on a small copy of each frame (``width_px`` wide, 160 by default): activity is a share of
the picture, so resolution barely changes it and the cost stays near a tenth of a millisecond.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["MotionMeter", "small_copy"]


def small_copy(image: np.ndarray, width_px: int) -> np.ndarray:
    """``image`` scaled to ``width_px`` wide (aspect kept), with area averaging (it also damps sensor noise)."""
    h, w = image.shape[:2]
    if w <= width_px:
        return image
    return cv2.resize(image, (width_px, max(1, round(h * width_px / w))), interpolation=cv2.INTER_AREA)


class MotionMeter:
    """Motion activity of one camera in [0, 1]: the smoothed share of foreground pixels.

    Args:
        width_px: analysis width.
        history: MOG2 history (frames) - how fast a parked car becomes background.
        var_threshold: MOG2 variance threshold (higher: less sensitive to noise).
        smoothing: weight of the newest frame in the exponential average (1: no smoothing).
        warmup_frames: frames before the first reading (MOG2 calls everything foreground at first).
    """

    def __init__(
        self,
        *,
        width_px: int = 160,
        history: int = 300,
        var_threshold: float = 25.0,
        smoothing: float = 0.3,
        warmup_frames: int = 10,
    ):
        self.width_px = width_px
        self.smoothing = smoothing
        self.warmup_frames = warmup_frames
        self.history = history
        self._mog = cv2.createBackgroundSubtractorMOG2(history=history, varThreshold=var_threshold, detectShadows=False)
        self._kernel = np.ones((3, 3), np.uint8)
        self.frames = 0
        self.activity = 0.0
        self.last_mask: np.ndarray | None = None

    def update(self, image: np.ndarray) -> float:
        """Feed one frame; returns the smoothed activity (0 during warm-up)."""
        small = small_copy(image, self.width_px)
        # after the warm-up, a fixed learning rate of 1/history: MOG2's default (1/frames seen, early
        # on) turns anything that lingers a few frames into background and under-reads activity
        rate = -1.0 if self.frames < self.warmup_frames else 1.0 / self.history
        fg = self._mog.apply(small, learningRate=rate)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, self._kernel)  # drop isolated noise pixels
        self.last_mask = fg
        self.frames += 1
        if self.frames <= self.warmup_frames:
            return 0.0
        share = float(np.count_nonzero(fg)) / fg.size
        self.activity += self.smoothing * (share - self.activity)
        return self.activity
