"""The SimPy model of the video system: one replication.

State is held in numpy arrays (one entry per camera, server, switch) and changed only at events:
a scene event starting or ending, sunrise and sunset, a fault or a repair, a failover, a camera
reconnecting, the wall rotating, an export starting or ending. Between events every rate is
constant, so storage, loss and utilisation are integrated exactly (rate x time), never per frame.

Loss accounting is lazy: each camera keeps a bit mask of why it is not recording and the time the
mask last changed; the seconds since then go to the most important cause when the mask changes.
Partial loss on an overloaded server is integrated per server (``frac_int``) and charged to each
camera for the stretches it recorded there.
"""

from __future__ import annotations

__all__ = ["CAUSES", "BEYOND_FAILOVER", "RunResult", "run_replication"]

import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from sim.capacity._analytics import AnalyticsQueue
from sim.capacity._config import CapacityConfig, Fault, Hardware
from sim.capacity._faults import FaultsMixin
from sim.capacity.latency import draw_live_latency_ms, frame_size_scv
from sim.operators import Roster
from sim.streams import StreamProfile, day_night_changes, event_intervals

#: Why a camera does not record, most important first (the loss of overlapping causes goes to the first).
CAUSES = ("power", "network", "camera", "reconnect", "unprotected", "failover", "overload")
#: Causes the server room answers for beyond the failover gap (no spare left; too little capacity).
BEYOND_FAILOVER = ("unprotected", "overload")
_TOP = np.array([0] + [(m & -m).bit_length() - 1 for m in range(1, 64)], dtype=np.int64)
_LAT_BINS_MS = 10000  # 1 ms bins; the last one holds everything longer


@dataclass
class Topology:
    """Who is wired to what: camera streams, their home server and their edge switch."""

    main_kbps: np.ndarray
    sub_kbps: np.ndarray
    busy: np.ndarray
    home: np.ndarray  # primary recording server of each camera
    switch: np.ndarray  # edge switch of each camera
    camera_types: list[str]
    n_primary: int
    n_spare: int
    n_switch: int
    fps: np.ndarray | None = None  # main-stream frames a second of each camera (25 where not given)


@dataclass
class RunResult:
    """Everything one replication measured."""

    loss_s: np.ndarray  # (cameras, causes) recording seconds lost
    written_tb: np.ndarray  # per server, TB (decimal) written
    camera_tb: np.ndarray  # per camera, TB its main stream offered over the run, up or down (for retention)
    intake_peak: np.ndarray  # per server, peak intake over rated intake
    intake_mean: np.ndarray  # per server, time-average intake over rated intake
    disk_peak: np.ndarray  # per server, peak disk utilisation (writes + reads over current write rate)
    nic_out_peak: np.ndarray
    uplink_peak: np.ndarray  # per switch, peak uplink utilisation
    core_peak: float
    series_t: np.ndarray  # sample times, s
    series_intake: np.ndarray  # (samples, servers)
    series_disk: np.ndarray
    series_written_tb: np.ndarray
    series_core: np.ndarray
    series_backlog: np.ndarray
    latency_hist: np.ndarray  # counts per ms
    dark_tiles: int  # tile views that found the camera down
    analytics: dict[str, float]
    exports_s: np.ndarray  # duration of each archive export
    reconnect_s: np.ndarray  # wait of each camera reconnection after a power cut or uplink outage
    faults: list[dict[str, Any]]
    events: int
    wall_s: float


class _Model(FaultsMixin):
    def __init__(self, topo: Topology, hw: Hardware, config: CapacityConfig, roster: Roster,
                 rng: np.random.Generator, faults: list[Fault], *, core_mbps: float, uplink_mbps: float):
        self.env = simpy.Environment()
        self.up_cap = uplink_mbps
        self.hw_core = core_mbps
        self.topo, self.hw, self.cfg, self.roster, self.rng = topo, hw, config, roster, rng
        self.horizon = config.days * 86400.0
        n = len(topo.main_kbps)
        S = topo.n_primary + topo.n_spare
        self.n, self.S = n, S
        p: StreamProfile = config.profile
        self.p = p
        self.ovh = p.container_overhead_kbps / 1000.0
        self.base = topo.main_kbps * topo.busy / 1000.0  # Mbit/s at factor 1
        self.sub = topo.sub_kbps / 1000.0
        self.fps = topo.fps if topo.fps is not None else np.full(n, 25.0)
        self.frame_scv = frame_size_scv(config.i_frame_ratio, config.gop_frames)
        # the wall's latency draws come from their own stream: a change to them moves no other figure
        self.lat_rng = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])
        self.dn = float(day_night_changes(p, self.horizon)[0][1])
        self.ev = np.zeros(n, dtype=bool)
        self.rate = self.base * self.dn + self.ovh
        self.cam_bits = np.zeros(n)  # Mbit offered per camera, settled at each rate change
        self.cam_t = np.zeros(n)
        # cameras
        self.mask = np.zeros(n, dtype=np.int64)
        self.since = np.zeros(n)
        self.loss = np.zeros((n, len(CAUSES)))
        self.srv = topo.home.astype(np.int64).copy()
        self.fsnap = np.zeros(n)
        self.cam_down = np.zeros(n, dtype=np.int64)
        # servers
        self.cap_nom = np.full(S, hw.disk_write_mbps)
        self.cap = self.cap_nom.copy()
        self.nic = hw.nic_mbps
        self.rated = hw.rated_intake_mbps
        self.rec = np.bincount(self.srv, weights=self.rate, minlength=S).astype(float)
        self.live = np.zeros(S)
        self.read = np.zeros(S)
        self.frac = np.zeros(S)
        self.rho = np.zeros(S)
        self.frac_int = np.zeros(S)
        self.written = np.zeros(S)  # Mbit
        self.last = np.zeros(S)
        self.intake_int = np.zeros(S)
        self.intake_peak = np.zeros(S)
        self.disk_peak = np.zeros(S)
        self.out_peak = np.zeros(S)
        self.down = np.zeros(S, dtype=np.int64)
        self.rebuilds = np.zeros(S, dtype=np.int64)
        self.covered_by = np.full(S, -1, dtype=np.int64)  # primary -> spare covering it
        self.covering = np.full(S, -1, dtype=np.int64)  # spare -> primary it covers
        self.waiting: list[int] = []  # primaries with no spare to fail over to
        self.conn = [simpy.Resource(self.env, capacity=config.connect_workers) for _ in range(S)]
        # network
        self.uplink = np.bincount(topo.switch, weights=self.rate, minlength=topo.n_switch).astype(float)
        self.uplink_peak = self.uplink / self.up_cap
        self.sw_down = np.zeros(topo.n_switch, dtype=np.int64)
        self.power_down = 0
        self.core_peak = 0.0
        # consumers
        self.analytics = AnalyticsQueue(self.env, rng, servers=config.analytics_servers,
                                        service_s=config.analytics_service_s, capacity=config.analytics_capacity)
        self.lat_hist = np.zeros(_LAT_BINS_MS + 1, dtype=np.int64)
        self.dark = 0
        self.exports: list[float] = []
        self.reconnects: list[float] = []
        self.fault_log: list[dict[str, Any]] = []
        self.samples: list[tuple[float, np.ndarray, np.ndarray, np.ndarray, float, int]] = []
        self.faults = faults
        self._derive_all()
        self._core()

    # ---- server bookkeeping ----------------------------------------------------------------
    def _advance(self, s: int, t: float) -> None:
        dt = t - self.last[s]
        if dt > 0:
            self.written[s] += self.rec[s] * (1.0 - self.frac[s]) * dt
            self.frac_int[s] += self.frac[s] * dt
            self.intake_int[s] += self.rec[s] / self.rated * dt
            self.last[s] = t

    def _advance_all(self, t: float) -> None:
        dt = t - self.last
        self.written += self.rec * (1.0 - self.frac) * dt
        self.frac_int += self.frac * dt
        self.intake_int += self.rec / self.rated * dt
        self.last[:] = t

    def _derive(self, s: int) -> None:
        rec, live = self.rec[s], self.live[s]
        avail = min(self.nic - live, self.cap[s])
        frac = 1.0 - avail / rec if rec > avail else 0.0
        self.frac[s] = max(0.0, min(1.0, frac))
        written = rec * (1.0 - self.frac[s])
        intake = rec / self.rated
        disk = (written + self.read[s]) / self.cap[s]
        out = (live + self.read[s]) / self.nic
        self.rho[s] = max((rec + live) / self.nic, written / self.cap[s], out)
        if intake > self.intake_peak[s]:
            self.intake_peak[s] = intake
        if disk > self.disk_peak[s]:
            self.disk_peak[s] = disk
        if out > self.out_peak[s]:
            self.out_peak[s] = out

    def _derive_all(self) -> None:
        rec, live = self.rec, self.live
        avail = np.minimum(self.nic - live, self.cap)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(rec > avail, 1.0 - avail / rec, 0.0)
        self.frac = np.clip(frac, 0.0, 1.0)
        written = rec * (1.0 - self.frac)
        out = (live + self.read) / self.nic
        self.rho = np.maximum(np.maximum((rec + live) / self.nic, written / self.cap), out)
        self.intake_peak = np.maximum(self.intake_peak, rec / self.rated)
        self.disk_peak = np.maximum(self.disk_peak, (written + self.read) / self.cap)
        self.out_peak = np.maximum(self.out_peak, out)

    def _net(self, w: int, delta: float) -> None:
        self.uplink[w] += delta
        u = self.uplink[w] / self.up_cap
        if u > self.uplink_peak[w]:
            self.uplink_peak[w] = u

    # ---- camera state ----------------------------------------------------------------------
    def _set_mask(self, idx: np.ndarray, new: np.ndarray) -> None:
        """Give cameras ``idx`` new cause masks at now: settle their loss and move their streams."""
        t = self.env.now
        old = self.mask[idx]
        dt = t - self.since[idx]
        hit = old != 0
        if hit.any():
            np.add.at(self.loss, (idx[hit], _TOP[old[hit]]), dt[hit])
        self.since[idx] = t
        stop = idx[(old == 0) & (new != 0)]
        start = idx[(old != 0) & (new == 0)]
        self.mask[idx] = new
        if not len(stop) and not len(start):
            return
        servers = np.unique(np.concatenate([self.srv[stop], self.srv[start]]))
        for s in servers:
            self._advance(int(s), t)
        if len(stop):
            ss = self.srv[stop]
            self.loss[stop, 6] += self.frac_int[ss] - self.fsnap[stop]
            np.subtract.at(self.rec, ss, self.rate[stop])
            np.subtract.at(self.uplink, self.topo.switch[stop], self.rate[stop])
        if len(start):
            ss = self.srv[start]
            self.fsnap[start] = self.frac_int[ss]
            np.add.at(self.rec, ss, self.rate[start])
            np.add.at(self.uplink, self.topo.switch[start], self.rate[start])
            sw = np.unique(self.topo.switch[start])
            self.uplink_peak[sw] = np.maximum(self.uplink_peak[sw], self.uplink[sw] / self.up_cap)
        for s in servers:
            self._derive(int(s))
        self._core()

    def _bits(self, idx: np.ndarray, on: int = 0, off: int = 0) -> None:
        idx = np.asarray(idx, dtype=np.int64)
        if len(idx):
            self._set_mask(idx, (self.mask[idx] | on) & ~off)

    def _move(self, idx: np.ndarray, to: int) -> None:
        """Cameras ``idx`` (recording or not) are recorded by server ``to`` from now on."""
        t = self.env.now
        rec = idx[self.mask[idx] == 0]
        if len(rec):
            for s in np.unique(self.srv[rec]):
                self._advance(int(s), t)
            self._advance(to, t)
            ss = self.srv[rec]
            self.loss[rec, 6] += self.frac_int[ss] - self.fsnap[rec]
            np.subtract.at(self.rec, ss, self.rate[rec])
            self.rec[to] += self.rate[rec].sum()
            self.fsnap[rec] = self.frac_int[to]
            for s in np.unique(ss):
                self._derive(int(s))
        self.srv[idx] = to
        self._derive(to)

    def _core(self) -> None:
        c = self.uplink.sum() / (self.hw_core)
        if c > self.core_peak:
            self.core_peak = c

    # ---- rate processes ----------------------------------------------------------------------
    def _camera_rate(self, i: int, new_rate: float) -> None:
        delta = new_rate - self.rate[i]
        now = self.env.now
        self.cam_bits[i] += self.rate[i] * (now - self.cam_t[i])
        self.cam_t[i] = now
        self.rate[i] = new_rate
        if self.mask[i] == 0:
            s = int(self.srv[i])
            self._advance(s, self.env.now)
            self.rec[s] += delta
            self._derive(s)
            self._net(int(self.topo.switch[i]), delta)
            self._core()

    def _scene_events(self) -> Generator[Any, Any, None]:
        ev = event_intervals(self.rng, self.n, self.horizon, self.p)
        t = np.concatenate([ev.start_s, ev.end_s])
        cam = np.concatenate([ev.unit, ev.unit])
        on = np.concatenate([np.ones(len(ev), dtype=bool), np.zeros(len(ev), dtype=bool)])
        keep = t < self.horizon
        t, cam, on = t[keep], cam[keep], on[keep]
        order = np.argsort(t, kind="stable")
        factor = self.p.event_factor
        for tt, i, o in zip(t[order].tolist(), cam[order].tolist(), on[order].tolist(), strict=True):
            if tt > self.env.now:
                yield self.env.timeout(tt - self.env.now)
            self.ev[i] = o
            self._camera_rate(i, self.base[i] * self.dn * (factor if o else 1.0) + self.ovh)
            if o:
                self.analytics.submit()

    def _day_night(self) -> Generator[Any, Any, None]:
        for t, f in day_night_changes(self.p, self.horizon)[1:]:
            yield self.env.timeout(t - self.env.now)
            self._advance_all(self.env.now)
            self.cam_bits += self.rate * (self.env.now - self.cam_t)
            self.cam_t[:] = self.env.now
            self.dn = f
            self.rate = self.base * f * np.where(self.ev, self.p.event_factor, 1.0) + self.ovh
            ok = self.mask == 0
            self.rec = np.bincount(self.srv[ok], weights=self.rate[ok], minlength=self.S).astype(float)
            self.uplink = np.bincount(self.topo.switch[ok], weights=self.rate[ok],
                                      minlength=self.topo.n_switch).astype(float)
            self.uplink_peak = np.maximum(self.uplink_peak, self.uplink / self.up_cap)
            self._derive_all()
            self._core()

    # ---- the wall ------------------------------------------------------------------------------
    def _wall(self) -> Generator[Any, Any, None]:
        cfg, n = self.cfg, self.n
        cursor = 0
        changes = self.roster.changes(self.horizon)
        k = 0
        while self.env.now < self.horizon:
            while k + 1 < len(changes) and changes[k + 1][0] <= self.env.now:
                k += 1
            tiles = min(n, changes[k][1] * self.roster.tiles_per_operator)
            idx = (cursor + np.arange(tiles)) % n
            cursor = (cursor + tiles) % n
            ok = idx[self.mask[idx] == 0]
            self.dark += tiles - len(ok)
            self._advance_all(self.env.now)
            self.live = np.bincount(self.srv[ok], weights=self.sub[ok], minlength=self.S).astype(float)
            self._derive_all()
            # frames each server handles: every recorded main-stream frame and every live sub-stream frame
            up = self.mask == 0
            frames = np.bincount(self.srv[up], weights=self.fps[up], minlength=self.S).astype(float)
            frames += np.bincount(self.srv[ok], minlength=self.S) * self.p.sub_fps
            lat = draw_live_latency_ms(
                self.lat_rng, self.rho[self.srv[ok]], frames[self.srv[ok]], base_ms=cfg.latency_base_ms,
                jitter_ms=cfg.latency_jitter_ms, scv=self.frame_scv, timeout_ms=cfg.latency_timeout_ms)
            b = np.minimum(lat.astype(np.int64), _LAT_BINS_MS)
            self.lat_hist += np.bincount(b, minlength=_LAT_BINS_MS + 1)
            nxt = self.env.now + cfg.rotation_s
            if k + 1 < len(changes):
                nxt = min(nxt, changes[k + 1][0])
            yield self.env.timeout(nxt - self.env.now)

    # ---- investigators -----------------------------------------------------------------------
    def _investigators(self) -> Generator[Any, Any, None]:
        cfg = self.cfg
        if cfg.investigations_per_day <= 0:
            return
        mean_gap = 86400.0 / cfg.investigations_per_day
        while True:
            yield self.env.timeout(self.rng.exponential(mean_gap))
            i = int(self.rng.integers(self.n))
            self.env.process(self._export(i))

    def _export(self, i: int) -> Generator[Any, Any, None]:
        s = int(self.srv[i])
        t = self.env.now
        self._advance(s, t)
        bits = self.rate[i] * self.cfg.clip_s
        want = self.rate[i] * self.cfg.playback_speed
        free = self.cap[s] - self.rec[s] * (1.0 - self.frac[s]) - self.read[s]
        r = max(min(want, free), 0.05 * want)  # writes come first; an export always trickles
        self.read[s] += r
        self._derive(s)
        dur = bits / r
        yield self.env.timeout(dur)
        self._advance(s, self.env.now)
        self.read[s] -= r
        self._derive(s)
        self.exports.append(dur)

    # ---- sampling and the run ------------------------------------------------------------------
    def _sampler(self) -> Generator[Any, Any, None]:
        while True:
            t = self.env.now
            self._advance_all(t)
            self.samples.append((
                t,
                self.rec / self.rated,
                (self.rec * (1.0 - self.frac) + self.read) / self.cap,
                self.written.copy(),
                float(self.uplink.sum() / self.hw_core),
                self.analytics.waiting,
            ))
            if t >= self.horizon:
                return
            yield self.env.timeout(min(self.cfg.sample_s, self.horizon - t))

    def run(self) -> RunResult:
        t0 = time.perf_counter()
        env = self.env
        for proc in (self._scene_events(), self._day_night(), self._wall(), self._investigators(),
                     self._fault_driver(), self._sampler()):
            env.process(proc)
        env.run(until=self.horizon + 1e-9)
        H = self.horizon
        self._advance_all(H)
        self.cam_bits += self.rate * (H - self.cam_t)
        # settle every camera's open loss and overload
        idx = np.arange(self.n)
        old = self.mask.copy()
        hit = old != 0
        np.add.at(self.loss, (idx[hit], _TOP[old[hit]]), H - self.since[hit])
        rec = idx[~hit]
        self.loss[rec, 6] += self.frac_int[self.srv[rec]] - self.fsnap[rec]
        ts = np.array([s[0] for s in self.samples])
        an = self.analytics
        return RunResult(
            loss_s=self.loss,
            camera_tb=self.cam_bits / 8.0 / 1e6,
            written_tb=self.written / 8.0 / 1e6,
            intake_peak=self.intake_peak,
            intake_mean=self.intake_int / H,
            disk_peak=self.disk_peak,
            nic_out_peak=self.out_peak,
            uplink_peak=self.uplink_peak,
            core_peak=self.core_peak,
            series_t=ts,
            series_intake=np.array([s[1] for s in self.samples]),
            series_disk=np.array([s[2] for s in self.samples]),
            series_written_tb=np.array([s[3] for s in self.samples]) / 8.0 / 1e6,
            series_core=np.array([s[4] for s in self.samples]),
            series_backlog=np.array([s[5] for s in self.samples], dtype=float),
            latency_hist=self.lat_hist,
            dark_tiles=self.dark,
            analytics={
                "jobs": float(an.arrived),
                "dropped": float(an.dropped),
                "mean_wait_s": an.mean_wait_s(),
                "max_wait_s": an.wait_max_s,
                "mean_backlog": an.mean_backlog(H),
                "peak_backlog": float(an.backlog_peak),
            },
            exports_s=np.array(self.exports),
            reconnect_s=np.array(self.reconnects),
            faults=self.fault_log,
            events=next(env._eid),  # SimPy's event counter: events scheduled so far
            wall_s=time.perf_counter() - t0,
        )


def run_replication(topo: Topology, hw: Hardware, config: CapacityConfig, roster: Roster, *,
                    seed: np.random.SeedSequence | int, core_mbps: float, uplink_mbps: float,
                    faults: list[Fault] | None = None) -> RunResult:
    """Run one replication of the model and return what it measured."""
    rng = np.random.default_rng(seed)
    model = _Model(topo, hw, config, roster, rng, list(faults or []), core_mbps=core_mbps, uplink_mbps=uplink_mbps)
    return model.run()
