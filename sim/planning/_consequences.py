"""What a plan costs and saves, worked out off the editing path: server sizing and fire minutes saved.

Both are too slow to run on every drag (a capacity sizing simulates the video system, a fire run a
year of fires), so a :class:`Consequences` worker thread runs them after an edit and the panel
shows the last figures until new ones arrive:

* **Servers.** :func:`sim.capacity.plan_capacity` sizes the recording servers for a camera-count
  *band* (``band`` cameras wide): the cameras are padded up to the band's top with copies of
  themselves (cycling), so the figure holds for every count in the band, and cached by band and
  by the band of the cameras' total planning bitrate (10% steps). A move or an aim changes
  neither, so the server figure is there at once; only crossing a band runs a new sizing.
* **Fire minutes saved.** A paired fire run (:func:`sim.fire.run_fire` with ``compare=False``)
  of the plan's cameras and of the city's existing cameras, on the same seed and so the same fires
  (incidents are drawn before cameras enter), gives per-incident differences of ignition to water
  on (:func:`sim.fire.minutes_saved`): their mean with its 95% confidence interval. The existing
  cameras' run is done once. A newer edit supersedes an older run: only the latest camera set
  waits in the queue, and a result that arrives for a superseded set is kept in the cache but not
  shown as current.
"""

from __future__ import annotations

__all__ = ["Consequences", "FireFigure", "camera_key"]

import dataclasses
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twin import Camera, Twin


@dataclass(frozen=True)
class FireFigure:
    """Fire minutes saved by the plan's cameras beyond the existing ones (mean per fire, 95% CI).

    ``status`` is ``"running"`` (figures of an earlier plan, or None), ``"done"`` or ``"off"``.
    """

    minutes_saved: float | None
    ci_low: float | None
    ci_high: float | None
    status: str
    incidents: int = 0
    total_minutes: float | None = None


def camera_key(c: Camera) -> tuple[Any, ...]:
    """What of a camera the fire run depends on (pose, lens, type): equal keys, equal runs."""
    return (c.id, c.x, c.y, c.heading_deg, c.tilt_deg, c.mount_height_m, c.hfov, c.width_px, c.height_px, c.type,
            tuple(c.presets), c.correction)


class Consequences:
    """The background worker: server sizing per band and the paired fire run, newest request first.

    A thread in the session's process queues the requests and waits; the runs themselves go to one
    child process (:mod:`sim.planning._worker`), so they never hold this process's interpreter lock.

    Args:
        city: the city (its server room, fire stations, roads, existing cameras).
        band: camera-count band of the server sizing.
        fire: run the fire study at all.
        servers: run the server sizing at all.
        fire_days: simulated days of the paired fire run (ten years, as ``showroom report``: fires
            are rare, and a year or two leaves the figure to a handful of them).
        seed: the seed of both runs.
        capacity_days: simulated days of each capacity replication.
        capacity_replications: replications of each sizing.
        notify: called (from the worker thread) when a figure arrives.
    """

    def __init__(self, city: Twin, *, band: int = 10, fire: bool = True, servers: bool = True,
                 fire_days: float = 3650.0, seed: int = 0, capacity_days: float = 1.0, capacity_replications: int = 2,
                 notify: Callable[[], None] | None = None) -> None:
        self.city = city
        self.band = int(band)
        self.fire_on = bool(fire)
        self.servers_on = bool(servers)
        self.fire_days = float(fire_days)
        self.seed = int(seed)
        self.capacity_days = float(capacity_days)
        self.capacity_replications = int(capacity_replications)
        self.notify = notify
        self._cv = threading.Condition()
        self._servers: dict[tuple[int, int], int] = {}
        self._fire: dict[Any, FireFigure] = {}
        self._want_cap: tuple[tuple[int, int], list[Camera]] | None = None
        self._want_fire: tuple[Any, list[Camera]] | None = None
        self._last_fire: FireFigure | None = None
        self._executor: Any = None
        self._stop = False
        self._busy = False
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="plan-consequences", daemon=True)
        self._thread.start()

    # ---- requests ------------------------------------------------------------------------------
    def band_key(self, cameras: list[Camera], total_kbps: float | None = None) -> tuple[int, int]:
        """The cache key of a camera set's sizing: (top of its count band, band of its total bitrate)."""
        top = max(self.band, math.ceil(len(cameras) / self.band) * self.band)
        kbps = sum(c.planned_bitrate_kbps for c in cameras) if total_kbps is None else total_kbps
        return top, (round(math.log(kbps) / math.log(1.1)) if kbps > 0 else 0)

    def servers(self, cameras: list[Camera], *, total_kbps: float | None = None) -> tuple[int | None, str]:
        """The recording servers for ``cameras`` and ``"done"``, or the last figure and ``"running"``."""
        if not self.servers_on:
            return None, "off"
        key = self.band_key(cameras, total_kbps)
        with self._cv:
            if key in self._servers:
                return self._servers[key], "done"
            self._want_cap = (key, list(cameras))
            self._cv.notify_all()
            last = next(reversed(self._servers.values()), None) if self._servers else None
            return last, "running"

    def fire(self, cameras: list[Camera], *, key: Any = None) -> FireFigure:
        """The fire figure of ``cameras`` if known, else the request queued (superseding any older one).

        ``key``: the set's :func:`camera_key` values as a frozenset, when the caller keeps them.
        """
        if not self.fire_on:
            return FireFigure(None, None, None, "off")
        key = frozenset(camera_key(c) for c in cameras) if key is None else key
        with self._cv:
            if key in self._fire:
                return self._fire[key]
            self._want_fire = (key, list(cameras))
            self._cv.notify_all()
            if self._last_fire is None:
                return FireFigure(None, None, None, "running")
            return dataclasses.replace(self._last_fire, status="running")

    def wait(self, timeout_s: float = 60.0) -> bool:
        """Block until nothing is queued or running (tests, scripts); False on timeout."""
        with self._cv:
            return self._cv.wait_for(lambda: not (self._busy or self._want_cap or self._want_fire), timeout_s)

    def close(self) -> None:
        """Stop the worker; a run in progress is abandoned (its process killed)."""
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        if self._executor is not None:
            self._executor.close(kill=True)
        if threading.current_thread() is not self._thread:  # a session collected in the worker's own thread
            self._thread.join(timeout=60.0)
        self._executor = None

    # ---- the worker ----------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._stop or self._want_cap is not None or self._want_fire is not None)
                if self._stop:
                    return
                if self._want_cap is not None:
                    job, self._want_cap = ("cap", self._want_cap), None
                else:
                    job, self._want_fire = ("fire", self._want_fire), None
                self._busy = True
            try:
                if job[0] == "cap":
                    key, cams = job[1]
                    n = self._size(key[0], cams)
                    with self._cv:
                        self._servers[key] = n
                else:
                    key, cams = job[1]
                    fig = self._fire_run(cams)
                    with self._cv:
                        self._fire[key] = fig
                        self._last_fire = fig
            except Exception as e:  # a failed run must not kill the worker; the panel says it failed
                with self._cv:
                    if not self._stop:
                        self.errors.append(f"{job[0]}: {e}")
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()
            if self.notify is not None:
                try:
                    self.notify()
                except Exception as e:  # a caller's callback failing must not stop the figures coming
                    with self._cv:
                        self.errors.append(f"on_change callback: {type(e).__name__}: {e}")

    def _pool(self) -> Any:
        if self._executor is None:
            import pickle

            from sim.planning._worker import WorkerProcess

            self._executor = WorkerProcess(pickle.dumps(self.city), self.seed, self.fire_days, self.capacity_days,
                                           self.capacity_replications)
        return self._executor

    def _size(self, top: int, cameras: list[Camera]) -> int:
        return int(self._pool().call("servers_for", top, cameras))

    def _fire_run(self, cameras: list[Camera]) -> FireFigure:
        d = self._pool().call("fire_figure", cameras)
        return FireFigure(d["mean"], d["lo"], d["hi"], "done", int(d["n"]), d["total"])
