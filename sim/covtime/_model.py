"""The SimPy model of coverage over time: what changes which camera sees what, and who watches it.

Processes (one SimPy environment, one seeded generator):

* **failures and repairs** (:func:`sim.faults.failure_repair` per camera, rates from
  :func:`sim.faults.camera_fault_rate`): the outage is noticed by the feed watchdog or the next
  periodic check, then waits for a crew (a :class:`simpy.Resource` of ``crews``), which drives from
  the depot (the command center), repairs (a down time drawn from the camera's fault rate), and
  drives back before its next job;
* **district outages** (:func:`sim.faults.outage_intervals` per zone, ``power`` and ``uplink``
  rates): every camera of the zone is down together; the utility restores it, no crew;
* **PTZ patrols** over the presets with their dwell times, starting at a random point of the tour;
  an **incident takeover** takes an on-duty operator (:class:`sim.operators.OperatorDesk`), interrupts
  the patrol (the camera looks at the incident, none of its presets) and resumes it when released;
* **day and night** at sunrise and sunset;
* **the wall**: ``(on duty - busy at incidents) x tiles per operator`` tiles (:class:`sim.operators.Roster`)
  filled by the rotation policy at every tile dwell step (and at every alarm for ``alarm_driven``):
  ``round_robin`` pages through all cameras; ``priority_zones`` pins the cameras that see the most
  priority-weighted public space to ``pinned_share`` of the tiles and pages the rest through the
  others; ``alarm_driven`` shows alarmed cameras first (newest first, each for ``alarm_hold_s``)
  and pages the rest through the tiles left.

Each process writes records (time, camera, factor, value); :mod:`sim.covtime._kernel` integrates them.
"""

from __future__ import annotations

__all__ = ["ModelRun", "run_model"]

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from sim.covtime._config import CoverageTimeConfig
from sim.covtime._kernel import DOWN, NIGHT, POSE, SHOWN
from sim.covtime._static import StaticSets
from sim.faults import FAULT_RATES, camera_fault_rate, failure_repair, outage_intervals
from sim.operators import OperatorDesk, Roster


@dataclass
class ModelRun:
    """What one SimPy run wrote: the records and the logs of repairs, outages and takeovers."""

    t: np.ndarray
    cam: np.ndarray
    kind: np.ndarray
    val: np.ndarray
    repairs: list[dict[str, float]] = field(default_factory=list)
    district_outages: list[dict[str, Any]] = field(default_factory=list)
    takeovers: int = 0
    takeover_wait_s: float = 0.0
    wall_steps: int = 0
    crew_busy_s: float = 0.0


class _Model:
    def __init__(
        self,
        env: simpy.Environment,
        rng: np.random.Generator,
        ss: StaticSets,
        cfg: CoverageTimeConfig,
        roster: Roster,
        depot_xy: tuple[float, float],
        daylight: np.ndarray,
    ):
        self.env, self.rng, self.ss, self.cfg, self.roster = env, rng, ss, cfg, roster
        self.n = len(ss.cameras)
        self.h = cfg.horizon_s
        self.rt: list[float] = []
        self.rc: list[int] = []
        self.rk: list[int] = []
        self.rv: list[int] = []
        self.chunks: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []
        self.log = ModelRun(np.empty(0), np.empty(0), np.empty(0), np.empty(0))
        # operators are taken from the desk only by PTZ takeovers: without them nobody is ever busy
        tours = any(c.type == "ptz" and len(c.presets) > 1 for c in ss.cameras)
        self.desk = OperatorDesk(env, roster) if tours and cfg.takeovers_per_ptz_day > 0 else None
        self.crews = simpy.Resource(env, capacity=cfg.crews)
        cx = np.array([c.x for c in ss.cameras])
        cy = np.array([c.y for c in ss.cameras])
        dist = np.hypot(cx - depot_xy[0], cy - depot_xy[1]) * cfg.road_factor
        self.travel_s = dist / (cfg.crew_speed_kph / 3.6)
        self.daylight = daylight
        self.shown = np.zeros(self.n, dtype=bool)
        self.rr = 0
        self.alarm_until = np.full(self.n, -np.inf)
        self.alarm_t = np.full(self.n, -np.inf)
        self.wake: simpy.Event | None = None
        ids = np.array([c.id for c in ss.cameras])
        self.order = np.argsort(ids, kind="stable")
        self.order_pri = np.lexsort((ids, -ss.cam_score))
        self.tours: dict[int, simpy.Process] = {}
        self.rates = FAULT_RATES if cfg.fault_rates is None else cfg.fault_rates

    # ---- records ----------------------------------------------------------------------------
    def rec(self, t: float, cam: int, kind: int, val: int) -> None:
        self.rt.append(t)
        self.rc.append(cam)
        self.rk.append(kind)
        self.rv.append(val)

    def rec_many(self, t: float, cams: np.ndarray, kind: int, vals: np.ndarray) -> None:
        self.chunks.append((np.full(len(cams), t), cams.astype(np.int64), kind, vals.astype(np.int64)))

    def finish(self) -> ModelRun:
        # outages still open at the horizon end there, so every camera's down count balances
        dk = [np.asarray(self.rc, dtype=np.int64)[np.asarray(self.rk, dtype=np.int8) == DOWN]]
        dv = [np.asarray(self.rv, dtype=np.int64)[np.asarray(self.rk, dtype=np.int8) == DOWN]]
        for c in self.chunks:
            if c[2] == DOWN:
                dk.append(c[1])
                dv.append(c[3])
        net = np.bincount(np.concatenate(dk), weights=np.concatenate(dv), minlength=self.n).astype(np.int64)
        open_ = np.flatnonzero(net)
        if len(open_):
            self.rec_many(self.h, open_, DOWN, -net[open_])
        ts = [np.asarray(self.rt, dtype=float)] + [c[0] for c in self.chunks]
        cs = [np.asarray(self.rc, dtype=np.int64)] + [c[1] for c in self.chunks]
        ks = [np.asarray(self.rk, dtype=np.int8)] + [np.full(len(c[1]), c[2], np.int8) for c in self.chunks]
        vs = [np.asarray(self.rv, dtype=np.int64)] + [c[3] for c in self.chunks]
        self.log.t, self.log.cam = np.concatenate(ts), np.concatenate(cs)
        self.log.kind, self.log.val = np.concatenate(ks), np.concatenate(vs)
        return self.log

    # ---- set-up -----------------------------------------------------------------------------
    def start(self) -> None:
        cams = np.arange(self.n)
        night0 = int(not self._is_day(0.0))
        self.rec_many(0.0, cams, DOWN, np.zeros(self.n))
        self.rec_many(0.0, cams, NIGHT, np.full(self.n, night0))
        self.rec_many(0.0, cams, SHOWN, np.zeros(self.n))
        for k, c in enumerate(self.ss.cameras):
            n_pose = int(self.ss.pose_first[k + 1] - self.ss.pose_first[k])
            if c.type == "ptz" and c.presets and n_pose > 1:
                self.tours[k] = self.env.process(self._tour(k))
                if self.cfg.takeovers_per_ptz_day > 0:
                    self.env.process(self._takeovers(k))
            else:
                self.rec(0.0, k, POSE, 0)
        if self.cfg.faults:
            for k, c in enumerate(self.ss.cameras):
                rate = camera_fault_rate(c.type, self.rates)
                self.env.process(
                    failure_repair(
                        self.env,
                        self.rng,
                        rate,
                        on_fail=lambda k=k: self.rec(self.env.now, k, DOWN, 1),
                        on_repair=lambda k=k: self.rec(self.env.now, k, DOWN, -1),
                        repair=lambda k=k, rate=rate: self.env.process(self._repair(k, rate)),
                    )
                )
        if self.cfg.districts:
            self._districts()
        self.env.process(self._day_night())
        if self.cfg.rotation == "alarm_driven" and self.cfg.alarms_per_camera_day > 0:
            self.wake = self.env.event()
            self.env.process(self._alarms())
        self.env.process(self._wall())

    def _is_day(self, t: float) -> bool:
        iv = self.daylight
        k = np.searchsorted(iv[:, 0], t, side="right") - 1 if len(iv) else -1
        return bool(k >= 0 and t < iv[k, 1])

    # ---- faults -----------------------------------------------------------------------------
    def _repair(self, k: int, rate: Any) -> Generator[Any, Any, None]:
        env, cfg = self.env, self.cfg
        t_fail = env.now
        if cfg.detection == "feed":
            yield env.timeout(cfg.feed_timeout_s)
        else:
            iv = cfg.check_interval_s
            yield env.timeout(math.floor(env.now / iv) * iv + iv - env.now)
        t_detect = env.now
        req = self.crews.request()
        yield req
        t_crew = env.now
        travel = float(self.travel_s[k])
        yield env.timeout(travel)
        work = float(rate.draw_down_s(self.rng))
        yield env.timeout(work)
        self.log.repairs.append(
            {
                "camera": k,
                "fail_s": t_fail,
                "detect_s": t_detect - t_fail,
                "wait_s": t_crew - t_detect,
                "travel_s": travel,
                "work_s": work,
                "down_s": env.now - t_fail,
            }
        )
        self.log.crew_busy_s += 2 * travel + work
        env.process(self._crew_return(req, travel))

    def _crew_return(self, req: Any, travel: float) -> Generator[Any, Any, None]:
        yield self.env.timeout(travel)
        self.crews.release(req)

    def _districts(self) -> None:
        zone = self.ss.cam_zone
        nz = len(self.ss.zone_ids)
        if nz == 0:
            return
        members = [np.flatnonzero(zone == z) for z in range(nz)]
        for key in self.cfg.district_rates:
            if key not in self.rates:
                from twin import TwinError

                raise TwinError(f"district outage rate {key!r} is not in the fault table: known {sorted(self.rates)}")
            out = outage_intervals(self.rng, nz, self.h, self.rates[key])
            for z, s, e in zip(out.unit.tolist(), out.start_s.tolist(), out.end_s.tolist(), strict=True):
                cams = members[z]
                self.log.district_outages.append(
                    {"kind": key, "zone": self.ss.zone_ids[z], "start_s": s, "end_s": e, "cameras": len(cams)}
                )
                if len(cams):
                    self.rec_many(s, cams, DOWN, np.ones(len(cams)))
                    self.rec_many(min(e, self.h), cams, DOWN, -np.ones(len(cams)))

    # ---- PTZ ----------------------------------------------------------------------------------
    def _tour(self, k: int) -> Generator[Any, Any, None]:
        env = self.env
        a, b = int(self.ss.pose_first[k]), int(self.ss.pose_first[k + 1])
        dwell = self.ss.pose_dwell_s[a:b]
        cyc = np.cumsum(dwell)
        u = float(self.rng.uniform(0.0, cyc[-1]))
        q = int(np.searchsorted(cyc, u, side="right"))
        left = float(cyc[q] - u)
        while True:
            self.rec(env.now, k, POSE, q)
            try:
                yield env.timeout(left)
            except simpy.Interrupt as stop:
                self.rec(env.now, k, POSE, -1)
                yield stop.cause  # the release event of the takeover
            q = (q + 1) % len(dwell)
            left = float(dwell[q])

    def _takeovers(self, k: int) -> Generator[Any, Any, None]:
        env, cfg = self.env, self.cfg
        mean_gap = 86400.0 / cfg.takeovers_per_ptz_day
        while True:
            yield env.timeout(float(self.rng.exponential(mean_gap)))
            t0 = env.now
            assert self.desk is not None
            with self.desk.request() as req:
                yield req
                self.log.takeover_wait_s += env.now - t0
                self.log.takeovers += 1
                release = env.event()
                self.tours[k].interrupt(release)
                yield env.timeout(float(self.rng.exponential(cfg.takeover_hold_s)))
                release.succeed()

    # ---- light --------------------------------------------------------------------------------
    def _day_night(self) -> Generator[Any, Any, None]:
        env = self.env
        cams = np.arange(self.n)
        changes = sorted({float(v) for v in self.daylight.ravel() if 0.0 < v < self.h})
        for t in changes:
            yield env.timeout(t - env.now)
            self.rec_many(t, cams, NIGHT, np.full(self.n, int(not self._is_day(t))))

    # ---- the wall -----------------------------------------------------------------------------
    def _alarms(self) -> Generator[Any, Any, None]:
        env, cfg = self.env, self.cfg
        gap = 86400.0 / (cfg.alarms_per_camera_day * self.n)
        while True:
            yield env.timeout(float(self.rng.exponential(gap)))
            k = int(self.rng.integers(self.n))
            self.alarm_until[k] = env.now + cfg.alarm_hold_s
            self.alarm_t[k] = env.now
            if self.wake is not None and not self.wake.triggered:
                self.wake.succeed()

    def _page(self, pool: np.ndarray, slots: int, advance: bool) -> np.ndarray:
        """``slots`` cameras of ``pool`` from the rotation pointer (all of them when they fit)."""
        if slots <= 0 or len(pool) == 0:
            return pool[:0]
        if slots >= len(pool):
            return pool
        pick = pool[(self.rr + np.arange(slots)) % len(pool)]
        if advance:
            self.rr = (self.rr + slots) % len(pool)
        return pick

    def _show(self, advance: bool) -> None:
        now, cfg = self.env.now, self.cfg
        ops = max(int(self.roster.on_duty(now)) - (self.desk.busy if self.desk is not None else 0), 0)
        tiles = ops * self.roster.tiles_per_operator
        new = np.zeros(self.n, dtype=bool)
        if cfg.rotation == "round_robin":
            new[self._page(self.order, tiles, advance)] = True
        elif cfg.rotation == "priority_zones":
            if tiles >= self.n:
                new[:] = True
            else:
                rot = min(tiles, max(1, math.ceil(tiles * (1.0 - cfg.pinned_share)))) if tiles else 0
                pin = tiles - rot
                new[self.order_pri[:pin]] = True
                new[self._page(self.order_pri[pin:], rot, advance)] = True
        else:
            live = np.flatnonzero(self.alarm_until > now)
            live = live[np.argsort(-self.alarm_t[live], kind="stable")][:tiles]
            new[live] = True
            rest = self.order[~new[self.order]]
            new[self._page(rest, tiles - len(live), advance)] = True
        chg = np.flatnonzero(new != self.shown)
        if len(chg):
            self.rec_many(now, chg, SHOWN, new[chg])
        self.shown = new
        self.log.wall_steps += 1

    def _wall(self) -> Generator[Any, Any, None]:
        env, dwell = self.env, self.cfg.tile_dwell_s
        next_tick = 0.0
        while True:
            advance = env.now >= next_tick - 1e-9
            self._show(advance)
            if advance:
                next_tick = env.now + dwell
            wait = next_tick - env.now
            if self.wake is None:
                yield env.timeout(wait)
                continue
            live = self.alarm_until[self.alarm_until > env.now]
            if len(live):
                wait = min(wait, float(live.min()) - env.now)
            if self.wake.triggered:
                self.wake = env.event()
            yield env.timeout(wait) | self.wake


def run_model(
    ss: StaticSets,
    cfg: CoverageTimeConfig,
    roster: Roster,
    rng: np.random.Generator,
    *,
    depot_xy: tuple[float, float],
    daylight: np.ndarray,
) -> ModelRun:
    """Run the SimPy model to the horizon and return its records and logs."""
    env = simpy.Environment()
    m = _Model(env, rng, ss, cfg, roster, depot_xy, daylight)
    m.start()
    env.run(until=cfg.horizon_s)
    return m.finish()
