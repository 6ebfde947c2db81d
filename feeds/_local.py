"""Sources on this machine: video files at their own frame rate, test patterns and the scene's renderer."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np

from ._errors import StreamEnded, StreamError
from ._spec import StreamSpec, Timeouts, file_path

__all__ = ["FileReader", "RenderReader", "SyntheticReader", "pattern_frame"]


class _Pacer:
    """Sleeps until the next frame is due at ``fps``; a late reader skips ahead instead of bursting."""

    def __init__(self, fps: float, stop: threading.Event):
        self.period_s = 1.0 / fps
        self._stop = stop
        self._next = time.monotonic()

    def wait(self) -> None:
        now = time.monotonic()
        if self._next - now > 0 and self._stop.wait(self._next - now):
            raise StreamError("read", "stopped")
        now = time.monotonic()
        # more than one period late (a slow machine): re-anchor, never fire a burst to catch up
        self._next = self._next + self.period_s if now - self._next < self.period_s else now + self.period_s


class FileReader:
    """A video file played at its own frame rate (from the container, else ``spec.fps``, else 25)."""

    def __init__(self, spec: StreamSpec, timeouts: Timeouts, stop: threading.Event):
        self._path = file_path(spec.url)
        if not self._path.is_file():
            raise StreamError("not_found", f"no video file at {self._path}")
        self._loop = spec.loop
        self._cap = self._open()
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 0 < fps <= 240 else float(spec.fps or 25.0)
        n = self._cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self.bitrate_kbps: float | None = (
            self._path.stat().st_size * 8.0 / (n / self.fps) / 1000.0 if n and n > 0 else None
        )
        self._bytes_per_frame = int(self._path.stat().st_size / n) if n and n > 0 else 0
        self._pacer = _Pacer(self.fps, stop)

    def _open(self) -> cv2.VideoCapture:
        cap = cv2.VideoCapture(str(self._path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            raise StreamError("open", f"cannot decode {self._path.name}")
        return cap

    def read(self) -> tuple[np.ndarray, int]:
        """The next frame when it is due; at the end, loop or raise :class:`StreamEnded`."""
        self._pacer.wait()
        ok, frame = self._cap.read()
        if not ok:
            if not self._loop:
                raise StreamEnded(f"end of {self._path.name}")
            # rewind; some containers refuse to seek, so reopen when the rewind gives nothing
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
            if not ok:
                self._cap.release()
                self._cap = self._open()
                ok, frame = self._cap.read()
                if not ok:
                    raise StreamError("read", f"{self._path.name} has no decodable frame")
        return frame, self._bytes_per_frame

    def close(self) -> None:
        """Release the file."""
        self._cap.release()


def _bars(width: int, height: int) -> np.ndarray:
    # SMPTE-like colour bars (BGR), 75 % white to yellow, cyan, green, magenta, red, blue
    colours = np.array(
        [[191, 191, 191], [0, 191, 191], [191, 191, 0], [0, 191, 0], [191, 0, 191], [0, 0, 191], [191, 0, 0]],
        np.uint8,
    )
    cols = np.minimum((np.arange(width) * 7) // width, 6)
    img = np.empty((height, width, 3), np.uint8)
    img[:] = colours[cols][None, :, :]
    img[int(height * 0.78) :, :] = 16
    return img


def pattern_frame(camera_id: str, t: float, seq: int, width: int = 640, height: int = 360, *,
                 background: np.ndarray | None = None) -> np.ndarray:
    """Colour bars with a sweeping bar, the camera id, the wall-clock time and the frame number burnt in."""
    img = (background if background is not None else _bars(width, height)).copy()
    x = int((t * 0.25 % 1.0) * width)
    img[: int(height * 0.78), max(0, x - width // 64) : x] = 255
    scale = max(0.35, height / 720.0)
    stamp = time.strftime("%H:%M:%S", time.localtime(t)) + f".{int(t * 1000) % 1000:03d}"
    base_y = int(height * 0.78) + int(28 * scale * 2)
    cv2.putText(img, camera_id, (8, base_y), cv2.FONT_HERSHEY_SIMPLEX, scale * 1.2, (255, 255, 255), 2, cv2.LINE_AA)
    cv2.putText(img, f"{stamp}  #{seq}", (8, min(height - 6, base_y + int(34 * scale * 2))),
                cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return img


class SyntheticReader:
    """The test pattern of one camera at ``spec.fps`` (default 15) and ``spec`` size (default 640x360)."""

    bitrate_kbps: float | None = None

    def __init__(self, spec: StreamSpec, camera_id: str, stop: threading.Event):
        self._id = camera_id
        self._w, self._h = spec.width_px or 640, spec.height_px or 360
        self._bg = _bars(self._w, self._h)
        self._pacer = _Pacer(spec.fps or 15.0, stop)
        self._seq = 0

    def read(self) -> tuple[np.ndarray, int]:
        """The next pattern frame when it is due."""
        self._pacer.wait()
        self._seq += 1
        return pattern_frame(self._id, time.time(), self._seq, self._w, self._h, background=self._bg), 0

    def close(self) -> None:
        """Nothing to release."""


class RenderReader:
    """Frames drawn by a :class:`feeds.Renderer` (the scene filming the twin), paced at ``spec.fps``."""

    bitrate_kbps: float | None = None

    def __init__(self, spec: StreamSpec, camera_id: str, stop: threading.Event):
        assert spec.renderer is not None
        self._render, self._id = spec.renderer, camera_id
        self._pacer = _Pacer(spec.fps or 15.0, stop)

    def read(self) -> tuple[np.ndarray, int]:
        """Call the renderer when the next frame is due and check what it returns."""
        self._pacer.wait()
        try:
            img = self._render(self._id, time.time())
        except Exception as e:  # the renderer is user code: its failure is this stream's failure, not ours
            raise StreamError("render", f"the renderer raised {e.__class__.__name__}: {e}") from e
        if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            got = f"{type(img).__name__} {getattr(img, 'dtype', '')} {getattr(img, 'shape', '')}"
            raise StreamError("render", f"the renderer must return an HxWx3 uint8 BGR array, got {got}")
        return img, 0

    def close(self) -> None:
        """Nothing to release."""
