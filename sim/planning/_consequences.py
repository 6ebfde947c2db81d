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

__all__ = ["Consequences", "FireFigure"]

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


def _key(cameras: list[Camera]) -> tuple[Any, ...]:
    return tuple(sorted((c.id, round(c.x, 3), round(c.y, 3), round(c.heading_deg, 3), round(c.tilt_deg, 3),
                         round(c.mount_height_m, 3), round(c.hfov, 3), c.width_px, c.height_px, c.type)
                        for c in cameras))


class Consequences:
    """The background worker: server sizing per band and the paired fire run, newest request first.

    Args:
        city: the city (its server room, fire stations, roads, existing cameras).
        band: camera-count band of the server sizing.
        fire: run the fire study at all.
        fire_days: simulated days of the paired fire run.
        seed: the seed of both runs.
        capacity_days: simulated days of each capacity replication.
        capacity_replications: replications of each sizing.
        notify: called (from the worker thread) when a figure arrives.
    """

    def __init__(self, city: Twin, *, band: int = 10, fire: bool = True, fire_days: float = 730.0, seed: int = 0,
                 capacity_days: float = 1.0, capacity_replications: int = 2,
                 notify: Callable[[], None] | None = None) -> None:
        self.city = city
        self.band = int(band)
        self.fire_on = bool(fire)
        self.fire_days = float(fire_days)
        self.seed = int(seed)
        self.capacity_days = float(capacity_days)
        self.capacity_replications = int(capacity_replications)
        self.notify = notify
        self._cv = threading.Condition()
        self._servers: dict[tuple[int, int], int] = {}
        self._fire: dict[tuple[Any, ...], FireFigure] = {}
        self._want_cap: tuple[tuple[int, int], list[Camera]] | None = None
        self._want_fire: tuple[tuple[Any, ...], list[Camera]] | None = None
        self._last_fire: FireFigure | None = None
        self._travel: Any = None
        self._base: Any = None
        self._stop = False
        self._busy = False
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="plan-consequences", daemon=True)
        self._thread.start()

    # ---- requests ------------------------------------------------------------------------------
    def band_key(self, cameras: list[Camera]) -> tuple[int, int]:
        """The cache key of a camera set's sizing: (top of its count band, band of its total bitrate)."""
        top = max(self.band, math.ceil(len(cameras) / self.band) * self.band)
        kbps = sum(c.planned_bitrate_kbps for c in cameras)
        return top, (round(math.log(kbps) / math.log(1.1)) if kbps > 0 else 0)

    def servers(self, cameras: list[Camera]) -> tuple[int | None, str]:
        """The recording servers for ``cameras`` and ``"done"``, or the last figure and ``"running"``."""
        key = self.band_key(cameras)
        with self._cv:
            if key in self._servers:
                return self._servers[key], "done"
            self._want_cap = (key, list(cameras))
            self._cv.notify_all()
            last = next(reversed(self._servers.values()), None) if self._servers else None
            return last, "running"

    def fire(self, cameras: list[Camera]) -> FireFigure:
        """The fire figure of ``cameras`` if known, else the request queued (superseding any older one)."""
        if not self.fire_on:
            return FireFigure(None, None, None, "off")
        key = _key(cameras)
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
        """Stop the worker (a run in progress finishes first)."""
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        self._thread.join(timeout=120.0)

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
                    self.errors.append(f"{job[0]}: {e}")
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()
            if self.notify is not None:
                self.notify()

    def _size(self, top: int, cameras: list[Camera]) -> int:
        from sim.capacity import CapacityConfig, plan_capacity

        if not cameras:
            return 0
        padded = list(cameras)
        k = 0
        while len(padded) < top:
            c = cameras[k % len(cameras)]
            padded.append(dataclasses.replace(c, id=f"{c.id}~band{k}"))
            k += 1
        cfg = dataclasses.replace(CapacityConfig(), days=self.capacity_days)
        plan = plan_capacity(padded, self.city.command_center.server_room, replications=self.capacity_replications,
                             config=cfg, seed=self.seed)
        return int(plan.evaluation.room.servers)

    def _fire_run(self, cameras: list[Camera]) -> FireFigure:
        import numpy as np

        from sim.fire import FireParams, minutes_saved, run_fire
        from sim.travel import TravelModel

        params = FireParams()
        if self._travel is None:
            self._travel = TravelModel(self.city.roads, self.city.fire_stations, params.travel)
        kw = dict(days=self.fire_days, seed=self.seed, params=params, compare=False, travel=self._travel,
                  sensitivity=False)
        if self._base is None:
            self._base = run_fire(self.city, cameras="existing", **kw)
        plan = run_fire(self.city, cameras=list(cameras), **kw)
        s = minutes_saved(plan.with_cameras.outcome, self._base.with_cameras.outcome)
        lo, hi = s.get("mean_ci95", [s["mean"], s["mean"]])
        n = int(np.isfinite(plan.with_cameras.outcome.t_water).sum())
        return FireFigure(float(s["mean"]), float(lo), float(hi), "done", n, float(s["total_minutes"]))
