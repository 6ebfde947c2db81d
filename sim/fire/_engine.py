"""The SimPy fire-response engine: detection, call processing, dispatch, turnout, travel, on scene, return.

Trucks are dispatched without queueing: the chosen (by default the nearest available by routed
travel time) station's truck goes, and when every own truck is busy the call goes to mutual aid.
That is the loss system Erlang B and the zero-line-capacity hypercube describe. Operators on duty
are a SimPy resource that verifies analytics alarms. Injects (road closures, breakdowns, weather,
cameras offline) change the state at their time; the engine never routes per event.
"""

from __future__ import annotations

__all__ = ["EVENT_KINDS", "DispatchOption", "FireEngine", "Inject", "Outcome", "SOURCES", "fleet"]

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.operators import OperatorDesk
from twin import TwinError

if TYPE_CHECKING:
    from sim.fire._incidents import Incidents
    from sim.fire._params import FireParams
    from sim.operators import Roster
    from sim.travel import TravelModel
    from twin import FireStation

#: how an incident reached the fire control room
SOURCES = ("call", "operator", "analytics")
EVENT_KINDS = (
    "ignition", "detected", "dispatch", "mutual_aid", "enroute", "arrive", "water_on", "flashover",
    "leave_scene", "in_service", "out_of_service", "inject",
)  # fmt: skip
MUTUAL_AID = -1
#: a fire answered by mutual aid (no own truck to follow) is shown controlled this long after water-on
MUTUAL_AID_SHOWN_S = 3600.0


@dataclass(frozen=True)
class DispatchOption:
    """A choice at a dispatch decision: a station with a free truck (or mutual aid) and its estimated arrival."""

    station: int
    station_id: str
    eta_s: float
    free_trucks: int


@dataclass(frozen=True)
class Inject:
    """A change to the world at ``t_s``.

    Kinds: ``road_closure``, ``road_reopen``, ``truck_breakdown``, ``truck_repaired``, ``weather``,
    ``camera_offline``, ``camera_online`` (cameras act through detection times) or ``note``.
    """

    t_s: float
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What happened to every incident (parallel arrays, absolute sim seconds; NaN where not reached)."""

    t_ignite: np.ndarray
    t_detect: np.ndarray
    source: np.ndarray
    t_dispatch: np.ndarray
    station: np.ndarray
    truck: np.ndarray
    t_enroute: np.ndarray
    t_arrive: np.ndarray
    t_water: np.ndarray
    t_leave: np.ndarray
    t_back: np.ndarray
    q_water_kw: np.ndarray
    q_arrive_kw: np.ndarray
    flashed_over: np.ndarray
    t_flashover: np.ndarray
    truck_station: np.ndarray
    busy: list[list[tuple[float, float]]]
    events: list[tuple[float, int, str, int, int, dict[str, Any]]]
    horizon_s: float

    def phases(self) -> dict[str, np.ndarray]:
        """Phase durations per incident in seconds, named as in :data:`sim.standards.PHASES`."""
        own = self.station >= 0
        nan = np.full(self.t_ignite.shape, np.nan)
        return {
            "detection": self.t_detect - self.t_ignite,
            "call_processing": self.t_dispatch - self.t_detect,
            "turnout": np.where(own, self.t_enroute - self.t_dispatch, nan),
            "dispatch_prep": np.where(own, self.t_enroute - self.t_detect, nan),
            "travel": np.where(own, self.t_arrive - self.t_enroute, nan),
            "setup": self.t_water - self.t_arrive,
            "response": self.t_arrive - self.t_detect,
            "total": self.t_water - self.t_detect,
            "ignition_to_water": self.t_water - self.t_ignite,
        }

    def utilisation(self) -> np.ndarray:
        """Share of the horizon each truck was busy (dispatch to back in service), clipped to the horizon."""
        h = self.horizon_s
        out = np.zeros(len(self.busy))
        for k, iv in enumerate(self.busy):
            if iv:
                a = np.asarray(iv)
                out[k] = np.clip(np.minimum(a[:, 1], h) - np.minimum(a[:, 0], h), 0, None).sum() / h
        return out


Dispatcher = Callable[["FireEngine", int, list[DispatchOption]], int]


def fleet(stations: list[FireStation]) -> tuple[np.ndarray, list[str]]:
    """Station index and name (``<station>-E<k>``) of every truck, station by station in order."""
    truck_station = np.repeat(np.arange(len(stations)), [s.trucks for s in stations])
    return truck_station, [f"{s.id}-E{k + 1}" for s in stations for k in range(s.trucks)]


def nearest_available(engine: FireEngine, i: int, options: list[DispatchOption]) -> int:
    """The default policy: the station with a free truck nearest by routed travel time (fixed preferences)."""
    node = engine.inc.node[i]
    best = min(options, key=lambda o: (engine.travel.fwd_s[o.station, node] if o.station >= 0 else np.inf, o.station))
    return best.station


class FireEngine:
    """One run over a fixed set of incidents. Build, call :meth:`run`, read the :class:`Outcome`."""

    def __init__(
        self,
        stations: list[FireStation],
        travel: TravelModel,
        incidents: Incidents,
        params: FireParams,
        *,
        camera_va_s: np.ndarray,
        camera_op_s: np.ndarray,
        roster: Roster,
        horizon_s: float,
        dispatcher: Dispatcher | None = None,
        injects: list[Inject] | tuple[Inject, ...] = (),
        log_routes: bool = False,
        travel_cache: dict[frozenset, TravelModel] | None = None,
        verify_wait_s: np.ndarray | None = None,
    ):
        self.stations = stations
        self.base_travel = travel
        self.travel = travel
        self.inc = incidents
        self.p = params
        self.va = np.asarray(camera_va_s, dtype=float)
        self.op = np.asarray(camera_op_s, dtype=float)
        # per incident: the wait behind analytics false alarms before an operator can verify a real alarm
        # (sim.fire.costs.false_alarm_wait_s; inf: the desk cannot keep up and the alarm is never verified)
        self.verify_wait = None if verify_wait_s is None else np.asarray(verify_wait_s, dtype=float)
        self.dispatcher = dispatcher
        self._pref_of: dict[int, list[list[int]]] = {}
        self.injects = sorted(injects, key=lambda j: j.t_s)
        self.log_routes = log_routes
        self.horizon_s = float(horizon_s)
        self.env = simpy.Environment()
        self.roster = roster
        self._desk: OperatorDesk | None = None
        self.truck_station, self.truck_names = fleet(stations)
        first = np.concatenate([[0], np.cumsum([s.trucks for s in stations])])
        self.free: list[list[int]] = [list(range(first[s], first[s + 1])) for s in range(len(stations))]
        self.out_of_service: set[int] = set()
        self.pending_breakdowns = [0] * len(stations)
        self.weather = 1.0
        self.closed: set[tuple[object, object, object]] = set()
        # closures seen before (a drill replays the same closures many times) reuse their matrices
        self._travel_cache = travel_cache if travel_cache is not None else {}
        self._travel_cache.setdefault(frozenset(), travel)
        n = len(incidents)
        nan = lambda: np.full(n, np.nan)  # noqa: E731
        self.out = Outcome(
            t_ignite=incidents.t_s.copy(), t_detect=nan(), source=np.full(n, -1), t_dispatch=nan(),
            station=np.full(n, -2), truck=np.full(n, -1), t_enroute=nan(), t_arrive=nan(), t_water=nan(),
            t_leave=nan(), t_back=nan(), q_water_kw=nan(), q_arrive_kw=nan(), flashed_over=np.zeros(n, bool),
            t_flashover=nan(),
            truck_station=self.truck_station.copy(), busy=[[] for _ in self.truck_names], events=[],
            horizon_s=self.horizon_s,
        )
        self._seq = 0
        self._alpha = incidents.alpha
        self._pending_free: set[float] = set()
        self._done: simpy.Event | None = None
        # per truck: (state, incident or -1, leg (t0, xy, t) while driving) for live snapshots
        self._tstate: list[tuple[str, int, Any]] = [("in_station", -1, None) for _ in self.truck_names]

    # ---- log -----------------------------------------------------------------------------------
    def log(self, kind: str, i: int = -1, truck: int = -1, **info: Any) -> None:
        """Append an event at the current sim time (sequence number keeps ties in order)."""
        self.out.events.append((float(self.env.now), self._seq, kind, int(i), int(truck), info))
        self._seq += 1

    # ---- run -----------------------------------------------------------------------------------
    def start(self) -> simpy.Event:
        """Register the incidents and injects with the environment without running it.

        For a live showroom: drive ``self.env`` with :class:`sim.clock.SimClock` and read
        :meth:`snapshot` each frame. Returns the event that fires when every incident is over.
        """
        if self._done is None:
            for j in self.injects:
                self.env.process(self._inject(j))
            procs = [self.env.process(self._incident(i)) for i in range(len(self.inc))]
            self._done = self.env.all_of(procs)
        return self._done

    def snapshot(self) -> dict[str, Any]:
        """State now, as plain data: each truck's position and state, each fire's size and state."""
        now = float(self.env.now)
        trucks = {}
        for k, name in enumerate(self.truck_names):
            state, i, leg = self._tstate[k]
            if leg is not None:
                t0, xy, ts = leg
                x, y = float(np.interp(now, ts, xy[:, 0])), float(np.interp(now, ts, xy[:, 1]))
            elif i >= 0:
                x, y = float(self.inc.x[i]), float(self.inc.y[i])
            else:
                st = self.stations[self.truck_station[k]]
                x, y = float(st.x), float(st.y)
            trucks[name] = {"xy": [round(x, 2), round(y, 2)], "state": state}
        fires = {}
        o = self.out
        for i in range(len(self.inc)):
            if self.inc.t_s[i] > now or (np.isfinite(o.t_leave[i]) and now >= o.t_leave[i]):
                continue
            if o.station[i] == MUTUAL_AID and np.isfinite(o.t_water[i]) and now >= o.t_water[i] + MUTUAL_AID_SHOWN_S:
                continue  # no own truck to follow: shown controlled for an hour, as in the replay log
            if np.isfinite(o.t_water[i]):
                fires[self.inc.ids[i]] = {"kw": round(float(o.q_water_kw[i]), 1), "state": "controlled"}
            else:
                kw = self._kw(i)
                fires[self.inc.ids[i]] = {"kw": round(kw, 1),
                                          "state": "flashover" if kw >= self.inc.flashover_kw[i] else "growing"}
        return {"t": now, "trucks": trucks, "fires": fires}

    def _leg(self, k: int, t0: float, route: dict[str, Any], a: tuple[float, float], b: tuple[float, float],
             duration_s: float) -> tuple[float, np.ndarray, np.ndarray]:
        if route:
            return (t0, np.asarray(route["route_xy"], dtype=float), t0 + np.asarray(route["route_t"], dtype=float))
        # without routes (a year's run): a straight line is all a snapshot can show
        return (t0, np.array([a, b], dtype=float), np.array([t0, t0 + duration_s]))

    def run(self) -> Outcome:
        """Run every incident to the end (trucks back in service) and return the outcome."""
        done = self.start()
        # the operator desk's shift process never ends: run until every incident is over
        self.env.run(until=done)
        tail = [self.env.process(self._drain())]
        self.env.run(until=self.env.all_of(tail))
        self.out.events.sort(key=lambda e: (e[0], e[1]))
        return self.out

    def options(self, i: int) -> list[DispatchOption]:
        """Stations with a free truck for incident ``i``, nearest first, then mutual aid."""
        node = self.inc.node[i]
        now = self.env.now
        opts = []
        for s, free in enumerate(self.free):
            if free and np.isfinite(self.travel.fwd_s[s, node]):
                drive = self.travel.realise_one(float(self.travel.fwd_s[s, node]), now, 0.0,
                                                start_hour=self.p.start_hour, weather=self.weather)
                eta = self.stations[s].turnout_s + drive + float(self.inc.access_s[i])
                opts.append(DispatchOption(s, self.stations[s].id, eta, len(free)))
        opts.sort(key=lambda o: (self.travel.fwd_s[o.station, node], o.station))
        opts.append(DispatchOption(MUTUAL_AID, "mutual_aid", self.p.mutual_aid.median_s, 0))
        return opts

    def _incident(self, i: int):  # noqa: C901 - one incident's life, in order
        env, inc, p, o = self.env, self.inc, self.p, self.out
        t0 = float(inc.t_s[i])
        yield env.timeout(t0)
        self.log("ignition", i, x=float(inc.x[i]), y=float(inc.y[i]), growth=inc.growth_name(i),
                 building=int(inc.building[i]), flashover_kw=round(float(inc.flashover_kw[i]), 1))
        call = float(p.call_delay.of(inc.z["call"][i]))
        op = float(self.op[i])
        va = float(self.va[i])
        if va < min(call, op) and p.false_alarm_policy == "dispatch":
            yield env.timeout(va)  # the alarm sends a truck at once; an operator checks it on the way
            src = 2
        elif va < min(call, op):
            yield env.timeout(va)
            # the analytics alarm waits for an operator on duty to verify it; a call or an operator's
            # own notice may come first
            verified = env.event()
            env.process(self._verify(i, verified))
            rest = min(call, op) - va
            yield env.any_of([verified, env.timeout(rest)])
            if verified.triggered and env.now - t0 < min(call, op):
                src = 2
            else:
                src = 0 if call <= op else 1
                yield env.timeout(max(t0 + min(call, op) - env.now, 0.0))
        else:
            yield env.timeout(min(call, op))
            src = 0 if call <= op else 1
        o.t_detect[i] = env.now
        o.source[i] = src
        self.log("detected", i, source=SOURCES[src])
        yield env.timeout(float(p.call_processing.of(inc.z["cp"][i])))
        o.t_dispatch[i] = env.now
        if self.dispatcher is None:
            s = self._nearest_free(int(inc.node[i]))
        else:
            s = int(self.dispatcher(self, i, self.options(i)))
        if s != MUTUAL_AID and not self.free[s]:
            raise TwinError(f"dispatch to station {self.stations[s].id} for {inc.ids[i]}: it has no free truck")
        if s == MUTUAL_AID:
            o.station[i] = MUTUAL_AID
            self.log("mutual_aid", i)
            yield env.timeout(float(p.mutual_aid.of(inc.z["mutual"][i])))
            o.t_arrive[i] = env.now
            o.q_arrive_kw[i] = self._kw(i)
            self.log("arrive", i)
            yield env.timeout(float(p.setup.of(inc.z["setup"][i])))
            self._water_on(i)
            return
        truck = self.free[s].pop(0)
        travel = self.travel
        o.station[i], o.truck[i] = s, truck
        node = int(inc.node[i])
        drive = travel.realise_one(float(travel.fwd_s[s, node]), env.now, float(inc.z_out[i, s]),
                                   start_hour=p.start_hour, weather=self.weather) + float(inc.access_s[i])
        info: dict[str, Any] = {"station": self.stations[s].id, "eta_s": round(drive, 2)}
        self.log("dispatch", i, truck, **info)
        self._tstate[truck] = ("turnout", -1, None)
        if p.busy_override is not None:
            env.process(self._busy_override(i, truck, s))
        turnout = self.stations[s].turnout_s * float(np.exp(p.turnout_sigma * inc.z["turnout"][i]))
        yield env.timeout(turnout)
        o.t_enroute[i] = env.now
        route = {}
        if self.log_routes:
            acc = float(inc.access_s[i])
            route = self._route(travel.route_out(s, node), drive - acc, acc, inc.x[i], inc.y[i])
        self.log("enroute", i, truck, drive_s=round(drive, 3), **route)
        st = self.stations[s]
        leg = self._leg(truck, env.now, route, (st.x, st.y), (inc.x[i], inc.y[i]), drive)
        self._tstate[truck] = ("driving", i, leg)
        yield env.timeout(drive)
        o.t_arrive[i] = env.now
        o.q_arrive_kw[i] = self._kw(i)
        self.log("arrive", i, truck)
        self._tstate[truck] = ("setting_up", i, None)
        yield env.timeout(float(p.setup.of(inc.z["setup"][i])))
        q_mw = self._water_on(i, truck) / 1000.0
        self._tstate[truck] = ("pumping", i, None)
        scene = (p.on_scene_base_s + p.on_scene_per_mw_s * q_mw) * (
            p.on_scene_flashover_factor if o.flashed_over[i] else 1.0
        ) * float(np.exp(p.on_scene_sigma * inc.z["scene"][i]))
        yield env.timeout(scene)
        o.t_leave[i] = env.now
        back_model = float(self.travel.back_s[s, node])
        if not np.isfinite(back_model):
            # a closure cut every way home: the crew waits it out, home as if by the way it came
            back_model = float(self.travel.fwd_s[s, node]) if np.isfinite(self.travel.fwd_s[s, node]) else float(
                self.base_travel.back_s[s, node])
        back = self.travel.realise_one(back_model, env.now, float(inc.z_back[i, s]),
                                       start_hour=p.start_hour, weather=self.weather) + float(inc.access_s[i])
        route = {}
        if self.log_routes:
            acc = float(inc.access_s[i])
            rt = self.travel if np.isfinite(self.travel.back_s[s, node]) else self.base_travel
            route = self._route(rt.route_back(node, s), back - acc, acc, inc.x[i], inc.y[i], leading=True, travel=rt)
        self.log("leave_scene", i, truck, drive_s=round(back, 3), **route)
        st = self.stations[s]
        leg = self._leg(truck, env.now, route, (inc.x[i], inc.y[i]), (st.x, st.y), back)
        self._tstate[truck] = ("returning", i, leg)
        yield env.timeout(back)
        o.t_back[i] = env.now
        if p.busy_override is None:
            self._release(truck, s, float(o.t_dispatch[i]))

    def _nearest_free(self, node: int) -> int:
        """The default policy (fixed preferences): the nearest station by routed time with a free truck."""
        key = id(self.travel)
        if key not in self._pref_of:
            reach = np.isfinite(self.travel.fwd_s)
            pref = self.travel.preference()
            self._pref_of[key] = [[int(s) for s in row if reach[s, n]] for n, row in enumerate(pref)]
        for s in self._pref_of[key][node]:
            if self.free[s]:
                return s
        return MUTUAL_AID

    def _drain(self):
        # trucks still out after the last incident's process ended (validation mode) come home
        while self._pending_free:
            yield self.env.timeout(max(self._pending_free) - self.env.now)

    def _busy_override(self, i: int, truck: int, s: int):
        p, u = self.p.busy_override, float(self.inc.u_busy[i])
        assert p is not None
        if p[0] == "exponential":
            b = -p[1] * np.log1p(-u)
        else:
            from scipy.special import ndtri

            b = p[1] * np.exp(p[2] * ndtri(min(max(u, 1e-12), 1 - 1e-12)))
        t_start = self.env.now
        self._pending_free.add(t_start + float(b))
        yield self.env.timeout(float(b))
        self._pending_free.discard(t_start + float(b))
        self._release(truck, s, t_start)

    def _release(self, truck: int, s: int, t_start: float) -> None:
        self.out.busy[truck].append((t_start, float(self.env.now)))
        if self.pending_breakdowns[s] > 0:
            self.pending_breakdowns[s] -= 1
            self.out_of_service.add(truck)
            self._tstate[truck] = ("out_of_service", -1, None)
            self.log("in_service", -1, truck, station=self.stations[s].id, out_of_service=True)
            return
        self._tstate[truck] = ("in_station", -1, None)
        self.free[s].append(truck)
        self.free[s].sort()
        self.log("in_service", -1, truck, station=self.stations[s].id)

    def _kw(self, i: int) -> float:
        """Heat release of fire ``i`` now: t-squared up to its room's ventilation limit."""
        age = self.env.now - self.inc.t_s[i]
        return float(min(self._alpha[i] * age * age, self.inc.vent_kw[i]))

    def _water_on(self, i: int, truck: int = -1) -> float:
        o, inc = self.out, self.inc
        o.t_water[i] = self.env.now
        age = self.env.now - inc.t_s[i]
        a = self._alpha[i]
        q = min(a * age * age, float(inc.vent_kw[i]))
        o.q_water_kw[i] = q
        t_fo = float(np.sqrt(inc.flashover_kw[i] / a))
        if t_fo <= age:
            o.flashed_over[i] = True
            o.t_flashover[i] = inc.t_s[i] + t_fo
            # logged at its own time (the list is sorted by time at the end)
            self.out.events.append((float(inc.t_s[i] + t_fo), -1, "flashover", int(i), -1,
                                    {"kw": round(float(inc.flashover_kw[i]), 1)}))
        self.log("water_on", i, truck, kw=round(q, 1), flashed_over=bool(o.flashed_over[i]))
        return q

    @property
    def operators(self) -> OperatorDesk:
        """The video-wall staff in shifts (sim.operators), a SimPy resource; built at the first alarm."""
        if self._desk is None:
            self._desk = OperatorDesk(self.env, self.roster)
        return self._desk

    def _verify(self, i: int, done: simpy.Event):
        if self.verify_wait is not None:
            if not np.isfinite(self.verify_wait[i]):
                return
            yield self.env.timeout(float(self.verify_wait[i]))
        with self.operators.request() as req:
            yield req
            yield self.env.timeout(float(self.p.verify.of(self.inc.z["verify"][i])))
        if not done.triggered:
            done.succeed()

    def _route(self, path: list[int], duration_s: float, access_s: float, x: float, y: float, *,
               leading: bool = False, travel: TravelModel | None = None) -> dict:
        """The route as node ids, xy and seconds into the trip; the access leg to the building at one end."""
        xy, ts = (travel or self.travel).timed_polyline(path, duration_s)
        pts = np.round(xy, 2).tolist()
        here = [round(float(x), 2), round(float(y), 2)]
        if leading:
            pts = [here] + pts
            tt = [0.0] + np.round(ts + access_s, 2).tolist()
        else:
            pts = pts + [here]
            tt = np.round(ts, 2).tolist() + [round(float(duration_s + access_s), 2)]
        return {"route_nodes": [self.travel.node_ids[k] for k in path], "route_xy": pts, "route_t": tt}

    # ---- injects ----------------------------------------------------------------------------
    def _inject(self, j: Inject):  # noqa: C901 - a switch over inject kinds
        yield self.env.timeout(j.t_s)
        d = j.data
        if j.kind in ("road_closure", "road_reopen"):
            edges = {tuple(e) for e in d["edges"]}
            self.closed = (self.closed | edges) if j.kind == "road_closure" else (self.closed - edges)
            key = frozenset(self.closed)
            if key not in self._travel_cache:
                self._travel_cache[key] = self.base_travel.with_closures(set(key))
            self.travel = self._travel_cache[key]
        elif j.kind == "truck_breakdown":
            s, n = d["station"], d.get("trucks", 1)
            for _ in range(n):
                if self.free[s]:
                    k = self.free[s].pop()
                    self.out_of_service.add(k)
                    self._tstate[k] = ("out_of_service", -1, None)
                    self.log("out_of_service", -1, k, station=self.stations[s].id)
                else:
                    self.pending_breakdowns[s] += 1
        elif j.kind == "truck_repaired":
            s, n = d["station"], d.get("trucks", 1)
            for _ in range(n):
                back = [k for k in sorted(self.out_of_service) if self.truck_station[k] == s]
                if back:
                    self.out_of_service.discard(back[0])
                    self._tstate[back[0]] = ("in_station", -1, None)
                    self.log("in_service", -1, back[0], station=self.stations[s].id, repaired=True)
                    self.free[s].append(back[0])
                    self.free[s].sort()
                elif self.pending_breakdowns[s]:
                    self.pending_breakdowns[s] -= 1
        elif j.kind == "weather":
            self.weather = float(d["travel_factor"])
        self.log("inject", -1, -1, inject=j.kind, **{k: v for k, v in d.items() if k != "edges"},
                 **({"edges": len(d["edges"])} if "edges" in d else {}))
