"""Health of a feed: its state, measured frame rate and bitrate, frame age, reconnects, drops."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

__all__ = ["FeedState", "Health", "RateWindow"]


class FeedState(StrEnum):
    """Where a feed stands.

    ``idle``: configured, nobody subscribed, nothing open (costs nothing). ``connecting``: the first
    open is under way. ``waiting_keyframe``: connected and packets arrive, but no key frame yet (a
    long GOP: nothing decodable until the next one). ``online``: frames arrive (at the decode level
    ``none``: packets arrive and a key frame was seen). ``stalled``: open, but nothing (no packet;
    for sources without packets, no frame) for longer than :attr:`Timeouts.stall_s` (the read timeout
    then breaks it). ``offline``: lost or never reached; reconnects are scheduled (``ended`` set when
    a file reached its end and will not come back).
    """

    IDLE = "idle"
    CONNECTING = "connecting"
    WAITING_KEYFRAME = "waiting_keyframe"
    ONLINE = "online"
    STALLED = "stalled"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Health:
    """A snapshot of one open (or idle) stream's health; plain data, safe to print (no credentials)."""

    camera_id: str
    stream: str
    url: str
    state: FeedState
    fps: float
    bitrate_kbps: float | None
    frame_age_s: float | None
    frames: int
    dropped: int
    reconnects: int
    failed_opens: int
    last_error: str | None
    state_since_s: float
    width_px: int | None = None
    height_px: int | None = None
    ever_online: bool = False
    ended: bool = False
    #: the decode level the stream runs at: ``full``, ``key`` or ``none``
    decode: str = "full"
    #: frames (access units: packets of one timestamp) and bytes received on the wire since the
    #: worker started (RTSP; 0 where unknown)
    packets: int = 0
    bytes: int = 0
    key_frames: int = 0
    #: packets a second over the rate window: the stream's own frame rate, decoded or not
    packet_fps: float = 0.0
    #: the key-frame interval seen on the wire (median of the last few), seconds and frames
    gop_s: float | None = None
    gop_frames: float | None = None
    #: seconds since the last key frame arrived (None before the first)
    since_key_s: float | None = None
    codec: str | None = None
    profile: str | None = None
    #: the frame rate the stream declares (SDP / codec), None where it does not say
    stream_fps: float | None = None
    decode_errors: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (rounded figures)."""
        d = asdict(self)
        d["state"] = str(self.state)
        d["fps"] = round(self.fps, 2)
        d["packet_fps"] = round(self.packet_fps, 2)
        for k in ("bitrate_kbps", "frame_age_s", "state_since_s", "gop_s", "gop_frames", "since_key_s", "stream_fps"):
            if d[k] is not None:
                d[k] = round(d[k], 3)
        return d


class RateWindow:
    """Frame rate and bitrate over the last ``window_s`` seconds (bounded memory: at most ``maxlen`` samples)."""

    def __init__(self, window_s: float = 3.0, maxlen: int = 512):
        if window_s <= 0 or maxlen < 2:
            raise ValueError(f"RateWindow: need window_s > 0 and maxlen >= 2, got {window_s}, {maxlen}")
        self.window_s = window_s
        self._samples: deque[tuple[float, int]] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def add(self, t: float, nbytes: int) -> None:
        """Record a frame that arrived at monotonic time ``t`` and took ``nbytes`` on the wire."""
        with self._lock:
            self._samples.append((t, nbytes))

    def extend_last(self, nbytes: int) -> None:
        """Add bytes to the newest sample (a frame that came in several packets)."""
        with self._lock:
            if self._samples:
                t, b = self._samples[-1]
                self._samples[-1] = (t, b + nbytes)

    def clear(self) -> None:
        """Forget every sample (after a reconnect, so the rate reflects the new connection)."""
        with self._lock:
            self._samples.clear()

    def rates(self, now: float | None = None) -> tuple[float, float | None]:
        """(frames per second, kbit/s or None when no byte counts are known) over the window."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = [s for s in self._samples if now - s[0] <= self.window_s]
        if len(recent) < 2:
            return 0.0, None
        span = recent[-1][0] - recent[0][0]
        if span <= 0:
            return 0.0, None
        fps = (len(recent) - 1) / span
        total = sum(b for _, b in recent[1:])
        return fps, (total * 8.0 / span / 1000.0 if total > 0 else None)
