"""Analytics over live feeds: motion activity and smoke/fire events for a set of cameras, in one thread.

:class:`FeedAnalytics` subscribes to each camera at a low tier (the sub stream: analytics needs a few
thousand pixels, not a main stream's two million), takes the latest frame of each at ``rate_hz`` and
runs a :class:`~feeds.motion.MotionMeter` and a :class:`~feeds.firedetect.FireDetector` on it. A frame
already analysed is not analysed twice; frames analytics never looked at cost nothing but their decode.
People are not counted: OpenCV 5 dropped the HOG and Haar detectors, and counting moving blobs would
count groups, cars and shadows as people; a learned detector (``cv2.dnn`` with an ONNX person
model) would be the way, with weights this project does not ship.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from .firedetect import DetectionEvent, FireDetector, FireDetectorParams
from .hub import FeedHub, Subscription
from .motion import MotionMeter

__all__ = ["FeedAnalytics"]


class FeedAnalytics:
    """Motion activity and smoke/fire events for ``camera_ids`` of ``hub``.

    Args:
        hub: where the frames come from.
        camera_ids: the cameras to analyse.
        rate_hz: analysis rate per camera (frames a second).
        tier: the resolution tier to subscribe at.
        on_event: called (in the analytics thread) with each detection; keep it quick.
        fire_params: detector thresholds.
    """

    def __init__(
        self,
        hub: FeedHub,
        camera_ids: Iterable[str],
        *,
        rate_hz: float = 5.0,
        tier: str = "thumb",
        on_event: Callable[[DetectionEvent], None] | None = None,
        fire_params: FireDetectorParams | None = None,
    ):
        self.rate_hz = rate_hz
        self._subs: dict[str, Subscription] = {cid: hub.subscribe(cid, tier) for cid in camera_ids}
        self._motion = {cid: MotionMeter() for cid in self._subs}
        self._fire = {cid: FireDetector(cid, fire_params) for cid in self._subs}
        self._last_seq = dict.fromkeys(self._subs, 0)
        self._on_event = on_event
        self.events: deque[DetectionEvent] = deque(maxlen=1000)
        self._activity: dict[str, float] = dict.fromkeys(self._subs, 0.0)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="feed-analytics", daemon=True)
        self._thread.start()

    def activity(self) -> dict[str, float]:
        """Motion activity per camera in [0, 1] (the smoothed share of the picture that moves)."""
        with self._lock:
            return dict(self._activity)

    def _run(self) -> None:
        period = 1.0 / self.rate_hz
        while not self._stop.is_set():
            t0 = time.monotonic()
            for cid, sub in self._subs.items():
                f = sub.latest()
                if f is None or f.seq == self._last_seq[cid]:
                    continue
                self._last_seq[cid] = f.seq
                a = self._motion[cid].update(f.image)
                with self._lock:
                    self._activity[cid] = a
                for ev in self._fire[cid].update(f.image, f.t_wall):
                    self.events.append(ev)
                    if self._on_event is not None:
                        self._on_event(ev)
            self._stop.wait(max(0.0, period - (time.monotonic() - t0)))

    def close(self) -> None:
        """Stop analysing and leave the feeds."""
        self._stop.set()
        self._thread.join(5.0)
        for s in self._subs.values():
            s.close()

    def __enter__(self) -> FeedAnalytics:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
