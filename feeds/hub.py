"""The hub: every configured camera feed, opened only while someone watches it.

A consumer (a projector in the scene, an analytics worker, ``showroom feeds check``) calls
:meth:`FeedHub.subscribe` with a camera id and a resolution tier and gets the cheapest of the
camera's streams that serves the tier. The first subscriber starts the stream's
:class:`~feeds.capture.CaptureWorker`; when the last one leaves, the worker is stopped after a grace
period (a camera panned away and back within the grace costs no reconnect). A configured feed that
nobody watches has no thread, no socket and no decoder: cost follows the subscribed count, not the
configured one.

Each subscriber also says how much it needs decoded (:data:`~feeds.sources.DECODE_LEVELS`: ``full``,
``key`` for key frames only, ``none`` for connected without decoding); the hub decodes each stream
once, at the highest level any of its subscribers asks for, and lowers it when they leave.
:func:`decode_for_size` picks tier and level from a camera's size on screen.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._errors import FeedConfigError
from ._spec import check_decode_level
from .capture import CaptureWorker, Frame, RetryPolicy
from .health import FeedState, Health
from .privacy import PrivacyMask
from .sources import DECODE_LEVELS, StreamSpec, Timeouts, stream_from_url

if TYPE_CHECKING:
    from twin import Camera

__all__ = [
    "DECODE_BY_SIZE",
    "SUB_STREAM_SIZE",
    "TIERS",
    "FeedConfig",
    "FeedHub",
    "Subscription",
    "Watch",
    "decode_for_size",
]

#: Tier name -> the least image height (px) that serves it. ``max`` always takes the biggest stream.
TIERS: dict[str, float] = {"thumb": 180, "low": 360, "high": 720, "full": 1080, "max": math.inf}

#: The size assumed for a camera's sub stream when the city does not say (the common 640x360 default
#: of IP cameras' second stream).
SUB_STREAM_SIZE = (640, 360)

#: On-screen height (px) from which a camera's picture is decoded in full, and from which key frames
#: only: below ``key_px`` a tile is a few dozen pixels, where one fresh picture a GOP is all anyone
#: can tell apart; below ``none_px`` (or off screen) the stream stays connected, health kept, undecoded.
DECODE_BY_SIZE: dict[str, float] = {"full_px": 120.0, "key_px": 24.0}


def decode_for_size(height_px: float | None, *, thresholds: dict[str, float] | None = None) -> tuple[str, str]:
    """The (resolution tier, decode level) for a camera drawn ``height_px`` pixels high (None: not on screen).

    The tier is the smallest of :data:`TIERS` at least as high as the picture (``thumb`` for small
    tiles); the level is ``full`` from ``full_px``, ``key`` from ``key_px``, else ``none``.
    """
    t = thresholds or DECODE_BY_SIZE
    if height_px is None or not math.isfinite(height_px) or height_px < t["key_px"]:
        return "thumb", "none"
    level = "full" if height_px >= t["full_px"] else "key"
    tier = next(name for name, h in TIERS.items() if h >= height_px)
    return tier, level


@dataclass(frozen=True)
class FeedConfig:
    """One camera's streams and privacy masks, as the hub needs them."""

    camera_id: str
    streams: dict[str, StreamSpec]
    privacy_masks: tuple[tuple[tuple[float, float], ...], ...] = ()
    mask_ref_size: tuple[int, int] | None = None
    privacy_mode: str = "black"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.streams:
            raise FeedConfigError(f"camera {self.camera_id!r}: a feed needs at least one stream")

    @classmethod
    def from_camera(
        cls,
        camera: Camera,
        *,
        privacy_mode: str = "black",
        sub_size: tuple[int, int] = SUB_STREAM_SIZE,
        synthetic_missing: bool = False,
    ) -> FeedConfig | None:
        """The feed of a :class:`twin.Camera` (None when it has no stream URL).

        With ``synthetic_missing``, a camera without URLs gets test-pattern streams instead (main at
        its own resolution and frame rate, sub at ``sub_size``): a planned camera, or a showroom
        without a network to the real ones.
        """
        streams: dict[str, StreamSpec] = {}
        if synthetic_missing and not (camera.stream_main or camera.stream_sub):
            fps = min(camera.fps, 30.0)
            streams["main"] = stream_from_url(
                f"synthetic://{camera.id}?w={camera.width_px}&h={camera.height_px}&fps={fps:g}"
            )
            streams["sub"] = stream_from_url(f"synthetic://{camera.id}?w={sub_size[0]}&h={sub_size[1]}&fps={fps:g}")
        try:
            if camera.stream_main:
                streams["main"] = stream_from_url(
                    camera.stream_main, width_px=camera.width_px, height_px=camera.height_px, fps=camera.fps
                )
            if camera.stream_sub:
                streams["sub"] = stream_from_url(camera.stream_sub, width_px=sub_size[0], height_px=sub_size[1])
        except FeedConfigError as e:
            raise FeedConfigError(f"camera {camera.id!r}: {e}") from e
        if not streams:
            return None
        masks = tuple(tuple((float(x), float(y)) for x, y in poly) for poly in camera.privacy_masks)
        return cls(camera.id, streams, masks, (camera.width_px, camera.height_px), privacy_mode)

    def stream_for(self, tier: str) -> str:
        """The name of the cheapest stream whose height serves ``tier`` (the biggest if none does)."""
        if tier not in TIERS:
            raise FeedConfigError(f"tier must be one of {', '.join(TIERS)}, got {tier!r}")
        need = TIERS[tier]

        def height(name: str) -> float:
            h = self.streams[name].height_px
            return float(h) if h is not None else (math.inf if name == "main" else 0.0)

        ordered = sorted(self.streams, key=lambda n: (height(n), n != "sub"))
        for name in ordered:
            if height(name) >= need:
                return name
        return ordered[-1]


class Subscription:
    """A consumer's handle on one stream of one camera. Close it (or use ``with``) when done."""

    def __init__(self, hub: FeedHub, camera_id: str, stream: str, worker: CaptureWorker, decode: str = "full"):
        self._hub, self.camera_id, self.stream, self._worker = hub, camera_id, stream, worker
        #: what this subscriber asked to have decoded (the stream may run higher for another subscriber)
        self.decode = decode
        self._last_seq = 0
        #: frames this subscriber never saw (newer ones replaced them before it asked)
        self.skipped = 0
        self.closed = False

    def _account(self, f: Frame | None) -> Frame | None:
        if f is not None and f.seq > self._last_seq:
            if self._last_seq:
                self.skipped += f.seq - self._last_seq - 1
            self._last_seq = f.seq
        return f

    def latest(self) -> Frame | None:
        """The newest frame of the stream (None before the first); never blocks."""
        return self._account(self._worker.latest())

    def next(self, timeout_s: float = 1.0) -> Frame | None:
        """The first frame newer than the last one this subscriber got, waiting up to ``timeout_s``."""
        return self._account(self._worker.wait_newer(self._last_seq, timeout_s))

    def health(self) -> Health:
        """The stream's health."""
        return self._worker.health()

    def close(self) -> None:
        """Leave; the stream closes after the hub's grace period if nobody else watches it."""
        if not self.closed:
            self.closed = True
            self._hub._release(self.camera_id, self.stream, self.decode)

    def set_decode(self, level: str) -> None:
        """Ask for another decode level; the stream runs at the highest level among its subscribers."""
        if level != self.decode and not self.closed:
            self._hub._relevel(self.camera_id, self.stream, self.decode, level)
            self.decode = level

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Watch:
    """A consumer's whole wish list of cameras, set at once.

    The scene calls :meth:`set` each frame with the cameras in view and the tier each needs (near:
    ``high``, far: ``thumb``), or a (tier, decode level) pair (see :func:`decode_for_size`); what
    left the view is released (and closes after the hub's grace period), what came in is opened, a
    tier change switches stream, a level change re-levels the stream without reopening it.
    """

    def __init__(self, hub: FeedHub):
        self._hub = hub
        self._subs: dict[str, Subscription] = {}

    def set(self, wanted: dict[str, str] | dict[str, tuple[str, str]]) -> None:
        """Watch exactly the cameras in ``wanted`` (camera id -> tier, or -> (tier, decode level)).

        Unknown ids raise FeedConfigError.
        """
        want: dict[str, tuple[str, str]] = {
            cid: (w, "full") if isinstance(w, str) else (w[0], w[1]) for cid, w in wanted.items()
        }
        for cid, sub in list(self._subs.items()):
            tier, level = want.get(cid, (None, None))
            if tier is None or self._hub.configs[cid].stream_for(tier) != sub.stream:
                sub.close()
                del self._subs[cid]
            elif level != sub.decode:
                sub.set_decode(level)
        for cid, (tier, level) in want.items():
            if cid not in self._subs:
                self._subs[cid] = self._hub.subscribe(cid, tier, decode=level)

    def latest(self, camera_id: str) -> Frame | None:
        """The newest frame of a watched camera (None if not watched or no frame yet)."""
        sub = self._subs.get(camera_id)
        return sub.latest() if sub is not None else None

    @property
    def watched(self) -> dict[str, str]:
        """Camera id -> the stream name being watched."""
        return {cid: s.stream for cid, s in self._subs.items()}

    @property
    def levels(self) -> dict[str, str]:
        """Camera id -> the decode level this watch asked for."""
        return {cid: s.decode for cid, s in self._subs.items()}

    def close(self) -> None:
        """Release everything."""
        self.set({})


class FeedHub:
    """Every configured feed; decodes only what is subscribed.

    Args:
        configs: one :class:`FeedConfig` per camera.
        timeouts: bounds on every blocking step of every stream.
        retry: reconnect delays.
        grace_s: how long a stream nobody watches stays open.
        seed: seeds each stream's reconnect jitter.
        max_opening: how many streams may be opening (connect, describe, probe) at one time; the
            others wait their turn. Default: two per CPU core, at least 4 (sixteen PyAV probes at
            once on a two-core machine can time out; a dead camera holds a slot at most
            ``timeouts.connect_s + timeouts.open_s``).
    """

    def __init__(
        self,
        configs: Iterable[FeedConfig],
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        grace_s: float = 5.0,
        seed: int = 0,
        max_opening: int | None = None,
    ):
        self.configs: dict[str, FeedConfig] = {}
        for c in configs:
            if c.camera_id in self.configs:
                raise FeedConfigError(f"camera {c.camera_id!r} is configured twice")
            self.configs[c.camera_id] = c
        if not (0.0 <= grace_s <= 3600.0):
            raise FeedConfigError(f"grace_s must be in [0, 3600], got {grace_s}")
        self.timeouts, self.retry = timeouts or Timeouts(), retry or RetryPolicy()
        self.grace_s, self.seed = grace_s, seed
        if max_opening is None:
            max_opening = max(4, 2 * (os.cpu_count() or 1))
        if not (1 <= max_opening <= 1024):
            raise FeedConfigError(f"max_opening must be in [1, 1024], got {max_opening}")
        self.max_opening = max_opening
        self._open_gate = threading.BoundedSemaphore(max_opening)
        self._masks = {
            c.camera_id: PrivacyMask(
                c.privacy_masks, ref_size=c.mask_ref_size, mode=c.privacy_mode, camera_id=c.camera_id
            )
            for c in self.configs.values()
        }
        self._lock = threading.Lock()
        self._workers: dict[tuple[str, str], CaptureWorker] = {}
        # per subscribed stream, how many subscribers ask for each decode level (their sum: its subscribers)
        self._levels: dict[tuple[str, str], dict[str, int]] = {}
        self._idle_since: dict[tuple[str, str], float] = {}
        self._retired: list[CaptureWorker] = []
        self._closed = False
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, name="feed-hub-reaper", daemon=True)
        self._reaper.start()

    @classmethod
    def from_cameras(
        cls, cameras: Sequence[Camera], *, privacy_mode: str = "black", synthetic_missing: bool = False, **kw: Any
    ) -> FeedHub:
        """A hub over the cameras that have a stream URL (the others are left out, or get test patterns)."""
        cfgs = [
            FeedConfig.from_camera(c, privacy_mode=privacy_mode, synthetic_missing=synthetic_missing) for c in cameras
        ]
        return cls([c for c in cfgs if c is not None], **kw)

    # -- subscriptions ---------------------------------------------------------------------------
    def subscribe(
        self, camera_id: str, tier: str = "low", *, decode: str = "full", stream: str | None = None
    ) -> Subscription:
        """Watch ``camera_id`` at ``tier``: the cheapest stream that serves it is opened if it is not yet.

        ``decode`` is what this subscriber needs decoded (``full``, ``key``, ``none``); the stream
        runs at the highest level among its subscribers. ``stream`` names a stream instead of a tier.
        """
        cfg = self.configs.get(camera_id)
        if cfg is None:
            raise FeedConfigError(f"camera {camera_id!r} has no configured feed")
        check_decode_level(decode)
        if stream is not None and stream not in cfg.streams:
            raise FeedConfigError(f"camera {camera_id!r} has no stream {stream!r} (it has {', '.join(cfg.streams)})")
        name = stream if stream is not None else cfg.stream_for(tier)
        key = (camera_id, name)
        with self._lock:
            if self._closed:
                raise FeedConfigError("the feed hub is closed")
            counts = self._levels.setdefault(key, {})
            counts[decode] = counts.get(decode, 0) + 1
            w = self._workers.get(key)
            if w is None:
                w = CaptureWorker(
                    camera_id, name, cfg.streams[name], mask=self._masks[camera_id] or None,
                    timeouts=self.timeouts, retry=self.retry, seed=self.seed, decode=self._level_of(key),
                    open_gate=self._open_gate,
                ).start()
                self._workers[key] = w
            else:
                w.set_decode(self._level_of(key))
            self._idle_since.pop(key, None)
        return Subscription(self, camera_id, name, w, decode)

    def _level_of(self, key: tuple[str, str]) -> str:
        """The highest decode level asked for this stream (``none`` when nobody asks); lock held."""
        counts = self._levels.get(key, {})
        return max((lv for lv, n in counts.items() if n > 0), key=DECODE_LEVELS.index, default="none")

    def _relevel(self, camera_id: str, stream: str, old: str, new: str) -> None:
        check_decode_level(new)
        key = (camera_id, stream)
        with self._lock:
            counts = self._levels.setdefault(key, {})
            counts[old] = counts.get(old, 0) - 1
            counts[new] = counts.get(new, 0) + 1
            w = self._workers.get(key)
            if w is not None:
                w.set_decode(self._level_of(key))

    def watch(self) -> Watch:
        """A :class:`Watch`: set the cameras to decode (and at what tier) all at once, as a scene does."""
        return Watch(self)

    def _release(self, camera_id: str, stream: str, decode: str = "full") -> None:
        key = (camera_id, stream)
        with self._lock:
            counts = self._levels.setdefault(key, {})
            counts[decode] = counts.get(decode, 0) - 1
            if any(n > 0 for n in counts.values()):
                w = self._workers.get(key)
                if w is not None:
                    w.set_decode(self._level_of(key))
                return
            self._levels.pop(key, None)
            self._idle_since[key] = time.monotonic()
        if self.grace_s == 0:
            self._reap(time.monotonic())

    def _reap(self, now: float) -> None:
        with self._lock:
            due = [k for k, t in self._idle_since.items() if now - t >= self.grace_s]
            stopped = []
            for k in due:
                self._idle_since.pop(k)
                w = self._workers.pop(k, None)
                if w is not None:
                    w.stop()
                    stopped.append(w)
            self._retired = [w for w in self._retired if w.alive] + stopped

    def _reap_loop(self) -> None:
        tick = min(0.25, max(0.02, self.grace_s / 4))
        while not self._stop.wait(tick):
            self._reap(time.monotonic())

    # -- state -----------------------------------------------------------------------------------
    @property
    def open_streams(self) -> int:
        """Streams with a running worker (subscribed, or within their grace period)."""
        with self._lock:
            return len(self._workers)

    @property
    def threads_alive(self) -> int:
        """Worker threads still running, including stopped ones still finishing a bounded read."""
        with self._lock:
            return sum(w.alive for w in self._workers.values()) + sum(w.alive for w in self._retired)

    def health(self) -> list[Health]:
        """Health of every configured camera's open streams; an unwatched camera reports ``idle``."""
        with self._lock:
            workers = dict(self._workers)
        out: list[Health] = []
        for cid, cfg in self.configs.items():
            open_names = [n for n in cfg.streams if (cid, n) in workers]
            if open_names:
                out.extend(workers[(cid, n)].health() for n in open_names)
                continue
            name = cfg.stream_for("max")
            out.append(
                Health(cid, name, cfg.streams[name].safe_url, FeedState.IDLE, 0.0, None, None, 0, 0, 0, 0, None, 0.0)
            )
        return out

    def close(self, timeout_s: float | None = None) -> list[str]:
        """Stop every worker and wait for them (bounded); returns the names of threads that did not end."""
        with self._lock:
            self._closed = True
            workers = list(self._workers.values()) + self._retired
            self._workers.clear()
            self._levels.clear()
            self._idle_since.clear()
            self._retired = []
        self._stop.set()
        for w in workers:
            w.stop()
        bound = timeout_s if timeout_s is not None else max([w.join_bound_s for w in workers] + [1.0])
        deadline = time.monotonic() + bound
        hung = [w for w in workers if not w.join(max(0.0, deadline - time.monotonic()))]
        self._reaper.join(max(0.0, deadline - time.monotonic()) + 0.5)
        return [f"feed-{w.camera_id}-{w.stream}" for w in hung]

    def __enter__(self) -> FeedHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
