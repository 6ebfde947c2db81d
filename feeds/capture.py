"""Capture: one worker thread per open stream, holding only the latest frame.

A worker opens its stream, reads frames as fast as the source delivers them, applies the camera's
privacy mask and publishes each frame into a one-frame slot: a slow consumer never makes a queue
grow; frames nobody took before the next one arrived are dropped and counted. When the stream
breaks, the worker reconnects with exponential backoff and seeded jitter; every wait is bounded
and ends promptly when the worker is stopped.
"""

from __future__ import annotations

import logging
import random
import statistics
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._errors import FeedConfigError, StreamEnded, StreamError
from ._redact import redact_text, url_secrets
from ._spec import check_decode_level
from .health import FeedState, Health, RateWindow
from .privacy import PrivacyMask
from .sources import Reader, StreamSpec, Timeouts, open_reader

__all__ = ["CaptureWorker", "Frame", "RetryPolicy"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """One decoded, privacy-masked frame. ``image`` is read-only: every subscriber shares it.

    ``seq`` counts frames of this stream from 1 (it keeps counting across reconnects); ``t_mono`` is
    ``time.monotonic()`` when the frame arrived, ``t_wall`` the same instant as ``time.time()``.
    """

    camera_id: str
    stream: str
    seq: int
    t_mono: float
    t_wall: float
    image: np.ndarray

    @property
    def age_s(self) -> float:
        """Seconds since the frame arrived."""
        return time.monotonic() - self.t_mono


@dataclass(frozen=True)
class RetryPolicy:
    """Reconnect delays: ``base_s * factor**k`` capped at ``max_s``, times a jitter factor in ``[1-jitter, 1+jitter]``.

    The jitter spreads the reconnects of many cameras that dropped together (a switch reboot) so they
    do not hammer the network in lock-step. After a 401 the worker waits ``auth_s``: retrying wrong
    credentials quickly locks accounts on many cameras.
    """

    base_s: float = 0.5
    factor: float = 2.0
    max_s: float = 2.0
    jitter: float = 0.2
    auth_s: float = 30.0

    def __post_init__(self) -> None:
        if not (0.0 < self.base_s <= self.max_s):
            raise FeedConfigError(
                f"RetryPolicy: need 0 < base_s <= max_s, got base_s={self.base_s}, max_s={self.max_s}"
            )
        if self.factor < 1.0:
            raise FeedConfigError(f"RetryPolicy: factor must be >= 1, got {self.factor}")
        if not (0.0 <= self.jitter < 1.0):
            raise FeedConfigError(f"RetryPolicy: jitter must be in [0, 1), got {self.jitter}")

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before reconnect number ``attempt`` (0 for the first after a failure)."""
        d = min(self.max_s, self.base_s * self.factor ** min(attempt, 64))
        return d * (1.0 + self.jitter * (2.0 * rng.random() - 1.0))


def stream_seed(seed: int, camera_id: str, stream: str) -> int:
    """A per-stream seed: the same hub seed gives every stream its own, reproducible jitter."""
    return (seed * 1_000_003 + zlib.crc32(f"{camera_id}/{stream}".encode())) & 0xFFFFFFFF


class CaptureWorker:
    """The thread that keeps one stream open and its latest frame fresh.

    For an RTSP stream read at packet level it also counts every packet and byte, measures the
    bitrate on the wire and the key-frame interval, and decodes only what :attr:`decode` asks for
    (see :data:`feeds.DECODE_LEVELS`); the level can change while the stream runs.

    Args:
        camera_id: the camera this stream belongs to.
        stream: ``"main"`` or ``"sub"`` (any label).
        spec: what to open.
        mask: privacy mask applied to every frame before it is published (None: nothing hidden).
        timeouts: bounds on every blocking step.
        retry: reconnect delays.
        seed: jitter seed (the hub derives one per stream).
        decode: the decode level to start at.
        open_gate: a semaphore shared by the streams of one hub: an open (connect, describe, probe)
            waits for a slot, so a hundred cameras coming up together (a hub start, a switch
            reboot) do not all probe at once and time out on a busy machine.
    """

    def __init__(
        self,
        camera_id: str,
        stream: str,
        spec: StreamSpec,
        *,
        mask: PrivacyMask | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        seed: int = 0,
        decode: str = "full",
        open_gate: threading.Semaphore | None = None,
    ):
        check_decode_level(decode)
        self._open_gate = open_gate
        self.decode = decode
        self.camera_id, self.stream, self.spec = camera_id, stream, spec
        self.mask = mask if mask else None
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self._rng = random.Random(stream_seed(seed, camera_id, stream))
        # a 1 fps snapshot stream is not stalled after 1.5 s: allow two and a half frame periods
        period_s = spec.poll_s if spec.kind == "snapshot" else (1.0 / spec.fps if spec.fps else 0.0)
        self.stall_s = max(self.timeouts.stall_s, 2.5 * period_s)
        self._secrets = url_secrets(spec.url)
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._taken_seq = 0
        self._seq = 0
        self._dropped = 0
        self._reconnects = 0
        self._failed_opens = 0
        self._state = FeedState.CONNECTING
        self._state_t = time.monotonic()
        self._last_error: str | None = None
        self._ever_online = False
        self._ended = False
        self._bitrate_kbps: float | None = None
        self._rates = RateWindow()
        # packet level: bitrate over a longer window (a key frame is many times a P-frame)
        self._pkt_rates = RateWindow(window_s=10.0, maxlen=4096)
        self._packets = self._bytes = self._keys = self._decode_errors = 0
        self._last_pkt_t: float | None = None
        # per key frame: (stream time or arrival time, packet index, arrival time)
        self._key_marks: deque[tuple[float, int, float]] = deque(maxlen=9)
        self._info: dict[str, Any] = {}
        self._packet_level = False
        self._thread = threading.Thread(target=self._run, name=f"feed-{camera_id}-{stream}", daemon=True)

    # -- control ---------------------------------------------------------------------------------
    def start(self) -> CaptureWorker:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the thread to end (it does within the longest timeout); see :meth:`join`."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def join(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for the thread to end; True when it has."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        """Whether the thread still runs."""
        return self._thread.is_alive()

    @property
    def join_bound_s(self) -> float:
        """The longest a stopped worker can take to end: it may be inside one bounded open or read."""
        t = self.timeouts
        return t.connect_s + t.open_s + t.read_s + 1.0

    # -- frames ----------------------------------------------------------------------------------
    def latest(self) -> Frame | None:
        """The newest frame (None before the first); never blocks on the stream."""
        with self._cond:
            f = self._latest
            if f is not None and f.seq > self._taken_seq:
                self._taken_seq = f.seq
            return f

    def wait_newer(self, seq: int, timeout_s: float) -> Frame | None:
        """The newest frame with a sequence number above ``seq``, waiting up to ``timeout_s``; None on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while (self._latest is None or self._latest.seq <= seq) and not self._stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            f = self._latest
            if f is None or f.seq <= seq:
                return None
            self._taken_seq = max(self._taken_seq, f.seq)
            return f

    def set_decode(self, level: str) -> None:
        """Change the decode level (``full``, ``key``, ``none``); takes effect at the next packet."""
        check_decode_level(level)
        self.decode = level

    def _gop(self) -> tuple[float | None, float | None]:
        marks = list(self._key_marks)
        if len(marks) < 2:
            return None, None
        dts = [b[0] - a[0] for a, b in zip(marks, marks[1:], strict=False)]
        if min(dts) <= 0:  # a timestamp jump on the stream's clock: fall back to the arrival times
            dts = [b[2] - a[2] for a, b in zip(marks, marks[1:], strict=False)]
        dns = [b[1] - a[1] for a, b in zip(marks, marks[1:], strict=False)]
        return statistics.median(dts), statistics.median(dns)

    def health(self) -> Health:
        """A snapshot of this stream's health."""
        now = time.monotonic()
        fps, kbps = self._rates.rates(now)
        pkt_fps, pkt_kbps = self._pkt_rates.rates(now)
        with self._cond:
            f = self._latest
            state, since = self._state, self._state_t
            age = now - f.t_mono if f is not None else None
            if self._packet_level:
                # a key-frame-only or undecoded stream has old frames by design: silence means no packets
                quiet = now - self._last_pkt_t if self._last_pkt_t is not None else None
                last_t = self._last_pkt_t
            else:
                quiet, last_t = age, (f.t_mono if f is not None else None)
            if state in (FeedState.ONLINE, FeedState.WAITING_KEYFRAME) and quiet is not None and quiet > self.stall_s:
                state, since = FeedState.STALLED, (last_t or now) + self.stall_s
            gop_s, gop_frames = self._gop()
            info = self._info
            width = int(f.image.shape[1]) if f is not None else info.get("width_px")
            height = int(f.image.shape[0]) if f is not None else info.get("height_px")
            if self._packet_level:
                kbps = pkt_kbps
            return Health(
                camera_id=self.camera_id,
                stream=self.stream,
                url=self.spec.safe_url,
                state=state,
                fps=fps if state in (FeedState.ONLINE, FeedState.STALLED) else 0.0,
                bitrate_kbps=kbps if kbps is not None else self._bitrate_kbps,
                frame_age_s=age,
                frames=self._seq,
                dropped=self._dropped,
                reconnects=self._reconnects,
                failed_opens=self._failed_opens,
                last_error=self._last_error,
                state_since_s=now - since,
                width_px=width,
                height_px=height,
                ever_online=self._ever_online,
                ended=self._ended,
                decode=self.decode,
                packets=self._packets,
                bytes=self._bytes,
                key_frames=self._keys,
                packet_fps=pkt_fps if self._packet_level else fps,
                gop_s=gop_s,
                gop_frames=gop_frames,
                since_key_s=now - self._key_marks[-1][2] if self._key_marks else None,
                codec=info.get("codec"),
                profile=info.get("profile"),
                stream_fps=info.get("stream_fps"),
                decode_errors=self._decode_errors,
            )

    # -- the thread ------------------------------------------------------------------------------
    def _set_state(self, state: FeedState, error: str | None = None) -> None:
        with self._cond:
            if state != self._state:
                self._state, self._state_t = state, time.monotonic()
            if error is not None:
                self._last_error = error

    def _publish(self, image: np.ndarray, nbytes: int) -> None:
        if self.mask is not None:
            image = self.mask.apply(image)
        image.flags.writeable = False
        t_mono, t_wall = time.monotonic(), time.time()
        self._rates.add(t_mono, nbytes)
        with self._cond:
            if self._latest is not None and self._latest.seq > self._taken_seq:
                self._dropped += 1
            self._seq += 1
            self._latest = Frame(self.camera_id, self.stream, self._seq, t_mono, t_wall, image)
            if self._state != FeedState.ONLINE:
                self._state, self._state_t = FeedState.ONLINE, t_mono
            self._cond.notify_all()

    def _error_text(self, e: BaseException) -> str:
        reason = getattr(e, "reason", e.__class__.__name__)
        return redact_text(f"{reason}: {e}", *self._secrets)

    def _packet(self, nbytes: int, key: bool, new: bool, pts_s: float | None = None) -> None:
        """Count one packet off the wire (packet-level readers); ``new``: it starts a frame."""
        t = time.monotonic()
        if new:
            self._pkt_rates.add(t, nbytes)
        else:
            self._pkt_rates.extend_last(nbytes)
        with self._cond:
            self._packets += new
            self._bytes += nbytes
            self._last_pkt_t = t
            if key:
                self._keys += 1
                # on the stream's clock where it has one: arrival times jitter with the load
                self._key_marks.append((pts_s if pts_s is not None else t, self._packets, t))
            if self._state == FeedState.CONNECTING or (self._state == FeedState.OFFLINE and self._packets):
                self._state, self._state_t = FeedState.WAITING_KEYFRAME, t
            if self.decode == "none" and self._key_marks and self._state != FeedState.ONLINE:
                self._state, self._state_t = FeedState.ONLINE, t  # connected, not decoding: a key frame seen
                self._cond.notify_all()

    def _came_online(self, nbytes: int) -> None:
        if self._ever_online:
            self._reconnects += 1
        self._ever_online = True
        self._rates.clear()
        self._rates.add(time.monotonic(), nbytes)

    def _read_packets(self, reader: Any) -> None:
        """The packet loop: count every packet, publish the frames the decode level produced."""
        self._packet_level = True
        self._key_marks.clear()
        self._pkt_rates.clear()
        self._info = reader.info
        first = True
        while not self._stop.is_set():
            reader.decode = self.decode
            image, nbytes, key, new = reader.read_packet()
            self._packet(nbytes, key, new, reader.pts_s)
            self._decode_errors = reader.decode_errors
            if image is not None:
                self._publish(image, nbytes)
            if first and (image is not None or self._state == FeedState.ONLINE):
                first = False
                self._came_online(nbytes)

    def _wait_for_open_slot(self) -> bool:
        """Take a slot of the hub's open gate (none: at once); False when the worker is stopped meanwhile."""
        if self._open_gate is None:
            return True
        while not self._stop.is_set():
            if self._open_gate.acquire(timeout=0.1):
                return True
        return False

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            reader: Reader | None = None
            if not self._wait_for_open_slot():
                break
            try:
                try:
                    reader = open_reader(
                        self.spec, camera_id=self.camera_id, timeouts=self.timeouts, stop=self._stop, decode=self.decode
                    )
                finally:
                    if self._open_gate is not None:
                        self._open_gate.release()
                self._bitrate_kbps = reader.bitrate_kbps
                if getattr(reader, "packet_level", False):
                    attempt = 0
                    self._read_packets(reader)
                    continue
                first = True
                while not self._stop.is_set():
                    image, nbytes = reader.read()
                    self._publish(image, nbytes)
                    if first:
                        first = False
                        attempt = 0
                        self._came_online(nbytes)
            except StreamEnded as e:
                self._ended = True
                self._set_state(FeedState.OFFLINE, self._error_text(e))
                log.info("feed %s/%s: %s", self.camera_id, self.stream, self._error_text(e))
                return
            except Exception as e:  # StreamError, or a decoder/renderer bug: this stream fails, the process lives
                if self._stop.is_set():
                    break
                if not isinstance(e, StreamError):
                    log.warning("feed %s/%s: unexpected %s", self.camera_id, self.stream, self._error_text(e))
                if reader is None:
                    self._failed_opens += 1
                text = self._error_text(e)
                # a month-long outage must not write a line every retry: log changes, repeat quietly
                level = logging.DEBUG if (self._state, self._last_error) == (FeedState.OFFLINE, text) else logging.INFO
                self._set_state(FeedState.OFFLINE, text)
                log.log(level, "feed %s/%s offline: %s", self.camera_id, self.stream, text)
            finally:
                if reader is not None:
                    try:
                        reader.close()
                    except Exception as e:  # closing a broken stream must not kill the worker
                        log.debug("feed %s/%s close: %s", self.camera_id, self.stream, e.__class__.__name__)
            if self._stop.is_set():
                break
            unauthorized = (self._last_error or "").startswith("unauthorized")
            wait = self.retry.auth_s if unauthorized else self.retry.delay(attempt, self._rng)
            attempt += 1
            self._stop.wait(wait)
