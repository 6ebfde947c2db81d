"""Faults of the capacity model: the fault list of a replication, failover and fail-back, rebuilds, reconnects.

A mixin of the model in :mod:`sim.capacity._model` (it works on the model's arrays); kept apart so
each module holds one concept: streams and accounting there, what breaks and how it heals here.
"""

from __future__ import annotations

__all__ = ["CAMERA", "FAILOVER", "NETWORK", "POWER", "RECONNECT", "UNPROTECTED", "FaultsMixin"]

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.faults import camera_fault_rate, outage_intervals

#: Bits of a camera's cause mask, most important first (see ``CAUSES`` in :mod:`sim.capacity._model`).
POWER, NETWORK, CAMERA, RECONNECT, UNPROTECTED, FAILOVER = (1 << k for k in range(6))


class FaultsMixin:
    """Fault processes of the capacity model (needs the model's state: masks, servers, queues)."""

    # attributes provided by the model
    env: Any
    cfg: Any
    rng: np.random.Generator
    topo: Any
    hw: Any
    horizon: float
    S: int
    n: int
    faults: list[Any]
    fault_log: list[dict[str, Any]]
    down: np.ndarray
    covered_by: np.ndarray
    covering: np.ndarray
    waiting: list[int]
    rebuilds: np.ndarray
    cap: np.ndarray
    cap_nom: np.ndarray
    sw_down: np.ndarray
    cam_down: np.ndarray
    srv: np.ndarray
    conn: list[Any]
    reconnects: list[float]
    power_down: int

    if TYPE_CHECKING:  # the model's methods this mixin calls

        def _bits(self, idx: np.ndarray, on: int = 0, off: int = 0) -> None: ...
        def _move(self, idx: np.ndarray, to: int) -> None: ...
        def _advance(self, s: int, t: float) -> None: ...
        def _derive(self, s: int) -> None: ...

    def _fault_list(self) -> list[tuple[float, int, str, int, float]]:
        """(time, order, kind, target, duration) of every fault of this replication."""
        cfg, rng, H = self.cfg, self.rng, self.horizon
        rates = cfg.fault_rates
        out: list[tuple[float, int, str, int, float]] = []
        P, S, W = self.topo.n_primary, self.S, self.topo.n_switch
        if cfg.faults in ("design", "both"):
            # design basis: each of the four faults once, at a random time in the middle 80% of the run
            at = rng.uniform(0.1 * H, 0.9 * H, 4)
            out.append((at[0], 0, "server", int(rng.integers(P)), float(rates["server"].draw_down_s(rng))))
            out.append((at[1], 0, "disk", int(rng.integers(P)), 0.0))
            out.append((at[2], 0, "uplink", int(rng.integers(W)), float(rates["uplink"].draw_down_s(rng))))
            out.append((at[3], 0, "power", 0, float(rates["power"].draw_down_s(rng))))
        if cfg.faults in ("random", "both"):
            # every disk fails on its own; a failure hits the server that holds the disk
            D = self.hw.disks
            for kind, units, per in (("server", S, 1), ("disk", S * D, D), ("uplink", W, 1), ("power", 1, 1)):
                o = outage_intervals(rng, units, H, rates[kind])
                for u, a, b in zip(o.unit.tolist(), o.start_s.tolist(), o.end_s.tolist(), strict=True):
                    out.append((a, 1, kind, u // per, b - a))
        if cfg.faults != "none":
            types = np.array(self.topo.camera_types)
            for ct in sorted(set(self.topo.camera_types)):
                cams = np.flatnonzero(types == ct)
                o = outage_intervals(rng, len(cams), H, camera_fault_rate(ct, rates))
                for u, a, b in zip(o.unit.tolist(), o.start_s.tolist(), o.end_s.tolist(), strict=True):
                    out.append((a, 1, "camera", int(cams[u]), b - a))
        for f in self.faults:
            out.append((f.at_s, 2, f.kind, f.target, f.duration_s))
        out.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
        return out

    def _fault_driver(self) -> Generator[Any, Any, None]:
        for at, _, kind, target, dur in self._fault_list():
            if at >= self.horizon:
                break
            if at > self.env.now:
                yield self.env.timeout(at - self.env.now)
            self.fault_log.append(
                {"kind": kind, "target": int(target), "at_s": round(float(at), 3), "duration_s": round(float(dur), 3)}
            )
            self.env.process(getattr(self, f"_f_{kind}")(target, dur))

    def _f_server(self, s: int, dur: float) -> Generator[Any, Any, None]:
        self.down[s] += 1
        if self.down[s] == 1:
            self._crash(s)
        yield self.env.timeout(dur)
        self.down[s] -= 1
        if self.down[s] == 0:
            self._restore(s)

    def _crash(self, s: int) -> None:
        P = self.topo.n_primary
        if s >= P:  # a spare: the group it covers loses its recorder again
            p = int(self.covering[s])
            self.covering[s] = -1
            if p >= 0:
                self.covered_by[p] = -1
                self._failover(p)
        else:
            if self.covered_by[s] < 0:
                self._failover(s)

    def _failover(self, p: int) -> None:
        cams = np.flatnonzero(self.topo.home == p)
        self._bits(cams, on=FAILOVER)
        self.env.process(self._take_over(p, cams))

    def _take_over(self, p: int, cams: np.ndarray) -> Generator[Any, Any, None]:
        yield self.env.timeout(self.cfg.detection_s + self.cfg.reassign_s)
        if self.down[p] == 0 and self.covered_by[p] < 0:  # the primary came back first
            self._move(cams, p)
            self._bits(cams, off=FAILOVER)
            return
        spare = self._free_spare()
        if spare < 0:
            self._bits(cams, on=UNPROTECTED, off=FAILOVER)
            self.waiting.append(p)
            return
        self.covered_by[p], self.covering[spare] = spare, p
        self._move(cams, spare)
        self._bits(cams, off=FAILOVER)

    def _free_spare(self) -> int:
        for s in range(self.topo.n_primary, self.S):
            if self.down[s] == 0 and self.covering[s] < 0:
                return s
        return -1

    def _restore(self, s: int) -> None:
        P = self.topo.n_primary
        if s < P:
            cams = np.flatnonzero(self.topo.home == s)
            spare = int(self.covered_by[s])
            if spare >= 0:  # fail back, make before break: no gap
                self.covered_by[s], self.covering[spare] = -1, -1
                self._move(cams, s)
            elif s in self.waiting:
                self.waiting.remove(s)
                self._move(cams, s)
                self._bits(cams, off=UNPROTECTED)
            # a primary back within the failover gap is picked up by _take_over
        if self.waiting:
            spare = self._free_spare()
            if spare >= 0:
                p = self.waiting.pop(0)
                cams = np.flatnonzero(self.topo.home == p)
                self._bits(cams, on=FAILOVER, off=UNPROTECTED)
                self.env.process(self._take_over(p, cams))

    def _f_disk(self, s: int, _dur: float) -> Generator[Any, Any, None]:
        t = self.env.now
        self._advance(s, t)
        self.rebuilds[s] += 1
        self.cap[s] = self.cap_nom[s] * self.cfg.rebuild_write_factor
        self._derive(s)
        yield self.env.timeout(self.hw.rebuild_s)
        self._advance(s, self.env.now)
        self.rebuilds[s] -= 1
        if self.rebuilds[s] == 0:
            self.cap[s] = self.cap_nom[s]
        self._derive(s)

    def _f_uplink(self, w: int, dur: float) -> Generator[Any, Any, None]:
        cams = np.flatnonzero(self.topo.switch == w)
        self.sw_down[w] += 1
        self._bits(cams, on=NETWORK)
        yield self.env.timeout(dur)
        self.sw_down[w] -= 1
        if self.sw_down[w] == 0:
            self._bits(cams, on=RECONNECT, off=NETWORK)
            for i in cams.tolist():
                self.env.process(self._reconnect(i))

    def _f_power(self, _t: int, dur: float) -> Generator[Any, Any, None]:
        cams = np.arange(self.n)
        self.power_down += 1
        self._bits(cams, on=POWER)
        yield self.env.timeout(dur + self.cfg.boot_s)  # the cut, then every camera boots
        self.power_down -= 1
        if self.power_down == 0:
            self._bits(cams, on=RECONNECT, off=POWER)
            for i in cams.tolist():
                self.env.process(self._reconnect(i))

    def _reconnect(self, i: int) -> Generator[Any, Any, None]:
        t0 = self.env.now
        with self.conn[int(self.srv[i])].request() as req:
            yield req
            yield self.env.timeout(self.cfg.connect_s)
        self.reconnects.append(self.env.now - t0)
        self._bits(np.array([i]), off=RECONNECT)

    def _f_camera(self, i: int, dur: float) -> Generator[Any, Any, None]:
        one = np.array([i])
        self.cam_down[i] += 1
        self._bits(one, on=CAMERA)
        yield self.env.timeout(dur)
        self.cam_down[i] -= 1
        if self.cam_down[i] == 0:
            self._bits(one, off=CAMERA)
