"""The description of a stream, shared by :mod:`feeds.sources` and the readers it opens.

:class:`StreamSpec` (where a stream is and what it delivers), :class:`Timeouts` (the bound on every
blocking step), the :class:`Reader` and :class:`Renderer` protocols, and :func:`stream_from_url`.
The readers (``_rtsp``, ``_av``, ``_http``, ``_local``) import these from here and
:func:`feeds.sources.open_reader` imports the readers, so no module imports one that imports it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import parse_qs, urlsplit

import numpy as np

from ._errors import FeedConfigError
from ._redact import redact_url

__all__ = [
    "DECODE_LEVELS",
    "KINDS",
    "Reader",
    "Renderer",
    "StreamSpec",
    "Timeouts",
    "check_decode_level",
    "file_path",
    "stream_from_url",
]

KINDS = ("rtsp", "mjpeg", "snapshot", "file", "synthetic", "render")

#: What a subscriber needs decoded, cheapest first: ``none`` (connected, packets counted, health kept,
#: no frames), ``key`` (key frames only: one decode per GOP), ``full`` (every frame). The hub runs a
#: stream at the highest level any of its subscribers asks for.
DECODE_LEVELS = ("none", "key", "full")


def check_decode_level(level: str) -> None:
    """Raise FeedConfigError unless ``level`` is one of :data:`DECODE_LEVELS`."""
    if level not in DECODE_LEVELS:
        raise FeedConfigError(f"decode must be one of {', '.join(DECODE_LEVELS)}, got {level!r}")


@runtime_checkable
class Renderer(Protocol):
    """Draws a camera's view: the 3D scene implements this to feed the twin's own pictures.

    ``render(camera_id, t)`` returns a ``height x width x 3`` ``uint8`` BGR image of what the camera
    sees at wall-clock time ``t`` (seconds since the epoch, as ``time.time()``).
    """

    def __call__(self, camera_id: str, t: float) -> np.ndarray:
        """One BGR frame of ``camera_id`` at time ``t``."""
        ...


@dataclass(frozen=True)
class Timeouts:
    """Every blocking step of a stream is bounded by one of these (seconds).

    ``connect_s`` bounds a TCP connect plus the first reply (an RTSP DESCRIBE, an HTTP header);
    ``open_s`` the decoder's open (OpenCV's ``CAP_PROP_OPEN_TIMEOUT_MSEC``); ``read_s`` a wait for one
    frame (``CAP_PROP_READ_TIMEOUT_MSEC``, socket timeouts) after which the stream counts as broken and
    is reconnected; ``stall_s`` the frame age after which an open stream is reported ``stalled`` (at
    least two and a half frame periods of the stream, so a slow snapshot poll is not "stalled").
    OpenCV's defaults are 30 s each and its FFmpeg opens are serialised process-wide, so one dead
    camera would stall every other reconnect: these defaults are short on purpose.
    """

    connect_s: float = 2.0
    open_s: float = 4.0
    read_s: float = 2.5
    stall_s: float = 1.5

    def __post_init__(self) -> None:
        for name in ("connect_s", "open_s", "read_s", "stall_s"):
            v = getattr(self, name)
            if not (0.0 < v <= 120.0):
                raise FeedConfigError(f"Timeouts.{name} must be in (0, 120] s, got {v}")


@dataclass(frozen=True)
class StreamSpec:
    """One stream of a camera: where it is and what it delivers.

    ``width_px``/``height_px``/``fps`` are what the stream is configured to deliver (used to pick the
    cheapest stream for a tier and by synthetic sources); ``None`` where unknown.
    """

    url: str
    kind: str
    width_px: int | None = None
    height_px: int | None = None
    fps: float | None = None
    transport: str = "tcp"
    poll_s: float = 1.0
    loop: bool = True
    renderer: Renderer | None = field(default=None, compare=False, repr=False)
    capture: str = "av"

    def __post_init__(self) -> None:
        where = f"stream {redact_url(self.url)!r}"
        if self.kind not in KINDS:
            raise FeedConfigError(f"{where}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.capture not in ("av", "opencv"):
            raise FeedConfigError(f"{where}: capture must be 'av' or 'opencv', got {self.capture!r}")
        if self.transport not in ("tcp", "udp"):
            raise FeedConfigError(f"{where}: transport must be 'tcp' or 'udp', got {self.transport!r}")
        if self.fps is not None and not (0.0 < self.fps <= 240.0):
            raise FeedConfigError(f"{where}: fps must be in (0, 240], got {self.fps}")
        if not (0.01 <= self.poll_s <= 3600.0):
            raise FeedConfigError(f"{where}: poll_s must be in [0.01, 3600], got {self.poll_s}")
        for name in ("width_px", "height_px"):
            v = getattr(self, name)
            if v is not None and not (8 <= v <= 16384):
                raise FeedConfigError(f"{where}: {name} must be in [8, 16384], got {v}")
        if self.kind == "render" and self.renderer is None:
            raise FeedConfigError(f"{where}: a render stream needs a renderer(camera_id, t) -> image")

    def __repr__(self) -> str:
        # the dataclass repr would print the URL with its password (a config logged in a traceback)
        return (
            f"StreamSpec(url={self.safe_url!r}, kind={self.kind!r}, width_px={self.width_px}, "
            f"height_px={self.height_px}, fps={self.fps}, transport={self.transport!r})"
        )

    @property
    def safe_url(self) -> str:
        """The URL with credentials replaced by ``***``: the only form that may be shown."""
        return redact_url(self.url)


def stream_from_url(
    url: str,
    *,
    kind: str | None = None,
    width_px: int | None = None,
    height_px: int | None = None,
    fps: float | None = None,
    transport: str = "tcp",
    poll_s: float = 1.0,
    loop: bool = True,
    capture: str = "av",
) -> StreamSpec:
    """A :class:`StreamSpec` from a URL, its kind inferred from the scheme unless given.

    ``rtsp://``/``rtsps://`` -> rtsp; ``http(s)://`` -> snapshot when the path ends in ``.jpg``/``.jpeg``
    or contains ``snapshot``, else mjpeg; ``file://`` or a plain path -> file;
    ``synthetic://CAM-ID?w=640&h=360&fps=15`` -> a test pattern (its query wins over the size arguments).
    """
    low = url.lower()
    if kind is None:
        if low.startswith(("rtsp://", "rtsps://")):
            kind = "rtsp"
        elif low.startswith(("http://", "https://")):
            path = urlsplit(low).path
            kind = "snapshot" if path.endswith((".jpg", ".jpeg")) or "snapshot" in path else "mjpeg"
        elif low.startswith("synthetic://"):
            kind = "synthetic"
        elif low.startswith("file://") or "://" not in low:
            kind = "file"
        else:
            raise FeedConfigError(
                f"stream {redact_url(url)!r}: unknown URL scheme; use rtsp://, http(s)://, file://, a path or synthetic://"
            )
    if kind == "synthetic":  # the URL is the whole configuration: its w, h, fps win over the arguments
        q = parse_qs(urlsplit(url).query)
        try:
            width_px = int(q["w"][0]) if "w" in q else width_px or 640
            height_px = int(q["h"][0]) if "h" in q else height_px or 360
            fps = float(q["fps"][0]) if "fps" in q else fps or 15.0
        except ValueError as e:
            raise FeedConfigError(f"stream {url!r}: w, h and fps must be numbers ({e})") from e
    return StreamSpec(
        url=url, kind=kind, width_px=width_px, height_px=height_px, fps=fps,
        transport=transport, poll_s=poll_s, loop=loop, capture=capture,
    )


def file_path(url: str) -> Path:
    """The local path of a ``file://`` URL or a plain path."""
    return Path(urlsplit(url).path) if url.lower().startswith("file://") else Path(url)


class Reader(Protocol):
    """An open stream. ``read`` blocks (bounded) until the next frame; ``close`` releases it."""

    #: Bitrate as the container reports it, kbit/s; None where the source does not say.
    bitrate_kbps: float | None

    def read(self) -> tuple[np.ndarray, int]:
        """The next BGR ``uint8`` frame and the bytes it took on the wire (0 if unknown).

        Raises:
            StreamError: the stream broke (the worker reconnects), or StreamEnded at the end of a file.
        """
        ...

    def close(self) -> None:
        """Release the stream; safe to call twice."""
        ...
