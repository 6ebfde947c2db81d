"""What the showroom runs alongside the 3D city: a fire scenario live, the server room's load, or a replay.

The scene only reads snapshots (:class:`sim.snapshot.SceneSnapshot`, handed over by the root); these
classes produce them. :class:`LiveCity` runs a drill scenario's fire engine live (``env`` is stepped by
:class:`sim.clock.SimClock` from the render loop) and colours the server racks by the load a
one-day capacity run of the same cameras saw at that hour. :class:`ReplayLog` plays a drill's
replay log (``replay.jsonl``) back on a timeline, with the same snapshot format.
"""

from __future__ import annotations

__all__ = ["LiveCity", "ReplayLog", "rack_loads"]

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from twin import TwinError, select_cameras

from .snapshot import FireState, RackState, SceneSnapshot, TruckState

if TYPE_CHECKING:
    from twin import Twin

DAY_S = 86400.0


def rack_loads(twin: Twin, *, seed: int = 0, days: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Sample times (s) and each recording server's disk load (samples, servers) from a capacity run.

    One replication of :func:`sim.capacity.simulate` for the city's existing and planned cameras, faults off,
    so the racks show the daily rhythm of the video load, not a random crash.
    """
    from .capacity import CapacityConfig, simulate

    cams = select_cameras(twin, "all")
    if not cams:
        return np.array([0.0]), np.zeros((1, 0))
    cfg = CapacityConfig(days=days, faults="none")
    run = simulate(cams, twin.command_center.server_room, config=cfg, seed=seed)
    return np.asarray(run.series_t, dtype=float), np.asarray(run.series_disk, dtype=float)


def _racks_at(t: float, times: np.ndarray, loads: np.ndarray) -> tuple[RackState, ...]:
    if loads.shape[1] == 0:
        return ()
    k = int(np.clip(np.searchsorted(times, t % max(times[-1], 1.0), side="right") - 1, 0, len(times) - 1))
    return tuple(RackState(f"R{j + 1:02d}", float(np.clip(loads[k, j], 0.0, 1.0))) for j in range(loads.shape[1]))


def _scene_snapshot(
    state: dict[str, Any], fire_xy: dict[str, tuple[float, float]], racks: tuple[RackState, ...] = ()
) -> SceneSnapshot:
    """A fire engine's state (or a replay tick) as a typed snapshot; fires without a known place are left out."""
    trucks = tuple(
        TruckState(str(tid), float(v["xy"][0]), float(v["xy"][1]), str(v.get("state", "")))
        for tid, v in state.get("trucks", {}).items()
    )
    fires = tuple(
        FireState(str(fid), *fire_xy[fid], float(v["kw"]), str(v.get("state", "")))
        for fid, v in state.get("fires", {}).items()
        if fid in fire_xy
    )
    return SceneSnapshot(float(state.get("t", 0.0)), trucks, fires, racks)


class LiveCity:
    """A drill scenario's fire engine running live, plus rack loads from the capacity model.

    Args:
        twin: the city.
        scenario: a drill YAML (``assets/drills/*.yaml``) whose fires and injects the visitors watch.
        decisions: ``auto`` (the dispatch policy) or a decisions file, as for ``showroom drill``.
        seed: for the capacity run behind the rack colours.
    """

    snapshot_step_s = 1.0

    def __init__(self, twin: Twin, scenario: str | Path, *, decisions: str = "auto", seed: int = 0) -> None:
        from .drill import live_drill, read_scenario

        sc = read_scenario(scenario)
        self.scenario = sc
        self.engine = live_drill(sc, twin, decisions=decisions)
        self.env: simpy.Environment = self.engine.env
        inc = self.engine.inc
        self._fire_xy = {fid: (float(inc.x[i]), float(inc.y[i])) for i, fid in enumerate(inc.ids)}
        self._times, self._loads = rack_loads(twin, seed=seed)
        self.training = True  # a drill scenario: every screen says TRAINING

    def snapshot(self) -> SceneSnapshot:
        """Trucks, fires and racks now."""
        racks = _racks_at(float(self.env.now), self._times, self._loads)
        return _scene_snapshot(self.engine.snapshot(), self._fire_xy, racks)


class ReplayLog:
    """A drill's replay log played back: a timeline of tick snapshots stepped like a live run.

    ``env`` is a plain SimPy environment whose process emits the log's ticks at their times, so the
    render loop drives a replay exactly as it drives a live run (pause, speed, no skipped ticks).
    """

    snapshot_step_s = 1.0

    def __init__(self, path: str | Path) -> None:
        p = Path(path)
        try:
            lines = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, json.JSONDecodeError) as e:
            raise TwinError(f"{p.name}: not a readable replay log (JSON lines): {e}") from None
        if (
            not lines
            or lines[0].get("type") != "header"
            or not str(lines[0].get("schema", "")).startswith("fire-drill-replay/")
        ):
            raise TwinError(f"{p.name}: not a drill replay log (its first line must be the fire-drill-replay header)")
        self.header = lines[0]
        self.title = str(self.header.get("drill", p.stem))
        self.training = bool(self.header.get("training", True))
        self._fire_xy = {f["id"]: (float(f["x"]), float(f["y"])) for f in self.header.get("fires", [])}
        for ev in lines:
            if ev.get("type") == "ignition" and ev.get("incident") and "x" in ev:
                self._fire_xy.setdefault(ev["incident"], (float(ev["x"]), float(ev["y"])))
        self.ticks = [ev for ev in lines if ev.get("type") == "tick"]
        self.events = [ev for ev in lines if ev.get("type") not in ("header", "tick", "end")]
        self.duration_s = float(self.header.get("duration_s", self.ticks[-1]["t"] if self.ticks else 0.0))
        self._tick_t = np.array([float(tk["t"]) for tk in self.ticks])
        self.env = simpy.Environment()
        # the clock steps this environment like a live run; the log itself needs no process
        self.env.process(self._until_end())

    def _until_end(self) -> Any:
        yield self.env.timeout(max(self.duration_s - float(self.env.now), 0.0))

    def seek(self, t: float) -> simpy.Environment:
        """Jump to drill time ``t`` (clamped to the log): a fresh environment starting there, returned.

        A replay's state is a pure function of time (the ticks), so jumping back is as cheap as jumping on.
        """
        t = float(min(max(t, 0.0), self.duration_s))
        self.env = simpy.Environment(initial_time=t)
        self.env.process(self._until_end())
        return self.env

    def timeline(self, t: float, n: int = 6) -> list[str]:
        """The last ``n`` events up to ``t`` as lines ``clock  type  incident  truck`` (the replay's timeline)."""
        lines = []
        for e in self.events_until(t)[-n:]:
            who = " ".join(str(v) for v in (e.get("incident"), e.get("truck")) if v)
            lines.append(f"{e.get('clock', '')}  {e.get('type', '')}  {who}".rstrip())
        return lines

    def state_at(self, t: float) -> dict[str, Any]:
        """Trucks and fires at ``t``: the two ticks around it blended (trucks move straight between them)."""
        if not self.ticks:
            return {"t": t, "trucks": {}, "fires": {}}
        i = int(np.searchsorted(self._tick_t, t, side="right")) - 1
        if i < 0:
            return dict(self.ticks[0], t=t)
        if i >= len(self.ticks) - 1:
            return dict(self.ticks[-1], t=t)
        a, b = self.ticks[i], self.ticks[i + 1]
        w = (t - self._tick_t[i]) / max(self._tick_t[i + 1] - self._tick_t[i], 1e-9)
        trucks = {}
        for tid, va in a["trucks"].items():
            vb = b["trucks"].get(tid, va)
            xy = (1 - w) * np.asarray(va["xy"], dtype=float) + w * np.asarray(vb["xy"], dtype=float)
            trucks[tid] = {"xy": xy.tolist(), "state": va.get("state", "")}
        fires = {}
        for fid, fa in a["fires"].items():
            fb = b["fires"].get(fid, fa)
            fires[fid] = {"kw": (1 - w) * float(fa["kw"]) + w * float(fb["kw"]), "state": fa.get("state", "")}
        return {"t": t, "trucks": trucks, "fires": fires}

    def snapshot(self) -> SceneSnapshot:
        """The replayed state at the environment's current time."""
        return _scene_snapshot(self.state_at(float(self.env.now)), self._fire_xy)

    def events_until(self, t: float) -> list[dict[str, Any]]:
        """The log's events up to time ``t`` (the showroom's timeline)."""
        return [e for e in self.events if float(e.get("t", 0.0)) <= t]
