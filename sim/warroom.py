"""What the War Room shows, as sim state: the video wall's rotation, the incident board, the server room.

Three pure functions of sim time feed the command center's interior (``scenes.warroom``) through
the snapshots of :mod:`sim.snapshot`:

* :class:`WallRotation`: which cameras the operators put on the video wall now. Each tile cycles
  through a seeded permutation of the cameras, one camera per ``dwell_s``; tiles are staggered so
  that one tile changes every ``dwell_s / tiles`` seconds (as operators step a wall, never all at
  once). A camera with an alarm (a fire it sees, an analytics alert) is pinned to the first tiles
  while the alarm lasts, and the rotation goes on in the others without showing it twice.
* :func:`incident_board`: the fire control room's board from a running :class:`sim.fire.FireEngine`:
  each open incident, its phase, its truck and the minutes since notification against the standard.
* :class:`ServerRoomSeries`: every recording server's load and whether it is up, sampled from one
  run of the capacity model (:func:`sim.capacity.simulate`), optionally with a server crash
  injected, so the War Room shows a failover: the crashed rack dark, its cameras' load on the spare.
"""

from __future__ import annotations

__all__ = ["Alarm", "ServerRoomSeries", "WallRotation", "WarRoomSim", "best_camera", "incident_board", "staff_on_duty"]

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from twin import TwinError, select_cameras

from .operators import Roster
from .snapshot import IncidentState, RackState, SceneSnapshot, WallState
from .standards import standard

if TYPE_CHECKING:
    from twin import Camera, Twin

    from .fire import FireEngine


@dataclass(frozen=True)
class Alarm:
    """A camera that must be on the wall from ``start_s`` to ``end_s`` (sim seconds): it sees an incident."""

    camera_id: str
    start_s: float
    end_s: float = float("inf")


class WallRotation:
    """The video wall's tiles over time: a seeded, staggered rotation with alarms pinned first.

    Args:
        camera_ids: the cameras the operators may put on the wall.
        tiles: tiles on the wall (the grid's rows times columns).
        dwell_s: how long a tile shows one camera before it steps on.
        seed: the permutation's seed (same seed, same wall).
        alarms: cameras pinned to the first tiles while their alarm lasts.
    """

    def __init__(
        self,
        camera_ids: Sequence[str],
        *,
        tiles: int = 24,
        dwell_s: float = 20.0,
        seed: int = 0,
        alarms: Sequence[Alarm] = (),
    ) -> None:
        if isinstance(tiles, bool) or not isinstance(tiles, int | np.integer) or tiles < 1:
            raise TwinError(f"video wall: tiles must be a whole number >= 1, got {tiles!r}")
        if not dwell_s > 0:
            raise TwinError(f"video wall: dwell_s must be > 0, got {dwell_s!r}")
        ids = [str(c) for c in camera_ids]
        if len(set(ids)) != len(ids):
            raise TwinError("video wall: camera ids must be unique")
        known = set(ids)
        for a in alarms:
            if a.camera_id not in known:
                raise TwinError(f"video wall: alarm camera {a.camera_id!r} is not one of the wall's cameras")
        self.tiles = int(tiles)
        self.dwell_s = float(dwell_s)
        rng = np.random.default_rng(seed)
        self.camera_ids = np.array(ids, dtype=object)[rng.permutation(len(ids))] if ids else np.array([], dtype=object)
        self._pos = {c: k for k, c in enumerate(self.camera_ids.tolist())}
        self.alarms = tuple(sorted(alarms, key=lambda a: (a.start_s, a.camera_id)))
        n, t = len(ids), self.tiles
        # staggered only where two neighbouring steps cannot meet on one camera (at least 2 tiles' worth)
        self._stagger = n >= 2 * t
        self._phase_s = (np.arange(t) * self.dwell_s / t) if self._stagger else np.zeros(t)

    def with_alarms(self, alarms: Sequence[Alarm]) -> WallRotation:
        """The same rotation (same permutation) with these alarms instead."""
        out = object.__new__(WallRotation)
        out.__dict__.update(self.__dict__)
        known = set(self._pos)
        for a in alarms:
            if a.camera_id not in known:
                raise TwinError(f"video wall: alarm camera {a.camera_id!r} is not one of the wall's cameras")
        out.alarms = tuple(sorted(alarms, key=lambda a: (a.start_s, a.camera_id)))
        return out

    def state(self, t_s: float) -> WallState:
        """The wall at sim time ``t_s``: one camera id per tile (``""`` for a dark tile) and since when."""
        t_s = float(t_s)
        n, T = len(self.camera_ids), self.tiles
        cams = np.full(T, "", dtype=object)
        since = np.full(T, 0.0)
        alarm = np.zeros(T, dtype=bool)
        pinned = [a for a in self.alarms if a.start_s <= t_s < a.end_s]
        seen: dict[str, float] = {}
        for a in pinned:  # a handful at most: the incidents open now
            seen.setdefault(a.camera_id, a.start_s)
        p = min(len(seen), T)
        if p:
            cams[:p] = list(seen)[:p]
            since[:p] = list(seen.values())[:p]
            alarm[:p] = True
        if n == 0 or p == T:
            return WallState(t_s, tuple(cams.tolist()), tuple(since.tolist()), tuple(alarm.tolist()))
        k = np.arange(p, T)
        if n <= T - p:
            # fewer cameras than free tiles: every camera not pinned is on, in order, and stays
            rest = np.array([c for c in self.camera_ids.tolist() if c not in seen], dtype=object)
            cams[p : p + len(rest)] = rest
            return WallState(t_s, tuple(cams.tolist()), tuple(since.tolist()), tuple(alarm.tolist()))
        step = np.floor((t_s + self._phase_s[k]) / self.dwell_s)
        idx = (k + T * step.astype(np.int64)) % n
        if seen:
            # a rotating tile landing on a pinned camera shows the next one in the permutation instead
            pinned_idx = np.array([self._pos[c] for c in seen])
            for _ in range(len(pinned_idx) + 1):
                clash = np.isin(idx, pinned_idx)
                if not clash.any():
                    break
                idx = np.where(clash, (idx + T) % n, idx)
        cams[k] = self.camera_ids[idx]
        since[k] = step * self.dwell_s - self._phase_s[k]
        return WallState(t_s, tuple(cams.tolist()), tuple(since.tolist()), tuple(alarm.tolist()))

    def changes(self, t0_s: float, t1_s: float) -> np.ndarray:
        """Sim times in ``[t0_s, t1_s)`` at which some tile steps on (alarms aside)."""
        if len(self.camera_ids) <= self.tiles:
            return np.array([])
        k = np.arange(self.tiles)
        first = np.ceil((t0_s + self._phase_s[k]) / self.dwell_s) * self.dwell_s - self._phase_s[k]
        steps = np.arange(int(np.ceil((t1_s - t0_s) / self.dwell_s)) + 1) * self.dwell_s
        out = np.unique((first[:, None] + steps[None, :]).ravel())
        return out[(out >= t0_s) & (out < t1_s)]

    @classmethod
    def for_twin(
        cls, city: Twin, *, cameras: str = "existing", tiles: int = 24, dwell_s: float = 20.0, seed: int = 0
    ) -> WallRotation:
        """The rotation over a city's cameras (``existing`` by default: the wall shows what is installed)."""
        return cls([c.id for c in select_cameras(city, cameras)], tiles=tiles, dwell_s=dwell_s, seed=seed)


def staff_on_duty(roster: Roster, t_s: float) -> int:
    """Operators at their desks at sim time ``t_s`` (the roster's shift then)."""
    return int(roster.on_duty(t_s))


def incident_board(engine: FireEngine, *, standard_name: str = "indonesia") -> tuple[IncidentState, ...]:
    """The fire control room's board now: every incident notified and not yet closed, oldest first.

    Minutes run from notification (the call, the operator's notice or a verified alarm: the moment
    the standard's clock starts) to now; the limit is the standard's ``total`` phase (notification to
    water on the fire: 15 min in ``indonesia``), else its ``response`` or ``travel`` bound.
    """
    from .fire import MUTUAL_AID

    prof = standard(standard_name)
    lim = prof.limit("total") or prof.limit("response") or prof.limit("travel")
    limit_s = float(lim.limit_s) if lim is not None else float("nan")
    o, now = engine.out, float(engine.env.now)
    detected = np.isfinite(o.t_detect) & (o.t_detect <= now)
    open_ = detected & ~(np.isfinite(o.t_leave) & (o.t_leave <= now))
    # mutual aid has no own truck to leave the scene: closed once the water is on
    open_ &= ~((o.station == MUTUAL_AID) & np.isfinite(o.t_water) & (o.t_water <= now))
    out = []
    for i in np.flatnonzero(open_)[np.argsort(o.t_detect[open_], kind="stable")]:
        phase = "notified"
        for t_arr, name in ((o.t_dispatch, "dispatched"), (o.t_enroute, "en route"), (o.t_arrive, "on scene"),
                            (o.t_water, "water on")):
            if np.isfinite(t_arr[i]) and t_arr[i] <= now:
                phase = name
        if o.station[i] == MUTUAL_AID:
            truck = "mutual aid"
        elif o.truck[i] >= 0 and np.isfinite(o.t_dispatch[i]) and o.t_dispatch[i] <= now:
            truck = engine.truck_names[int(o.truck[i])]
        else:
            truck = ""
        # the standard's clock stops when the water is on
        end = o.t_water[i] if np.isfinite(o.t_water[i]) and o.t_water[i] <= now else now
        out.append(IncidentState(str(engine.inc.ids[i]), phase, truck, float(end - o.t_detect[i]), limit_s,
                                 prof.name))
    return tuple(out)


class ServerRoomSeries:
    """Each recording server's load and state over a capacity run, read at any sim time.

    Args:
        city: the twin (its cameras, existing and planned, and its server room).
        days: length of the capacity run.
        seed: the capacity run's seed.
        crash: ``(server index, at_s, duration_s)`` of a server crash to inject (None: no fault at all,
            the racks show the daily rhythm only). Server indices count primaries first, then spares.
        sample_s: spacing of the samples (s).
    """

    def __init__(
        self,
        city: Twin,
        *,
        days: float = 1.0,
        seed: int = 0,
        crash: tuple[int, float, float] | None = None,
        sample_s: float = 300.0,
    ) -> None:
        from .capacity import CapacityConfig, Fault, simulate

        cams = select_cameras(city, "all")
        room = city.command_center.server_room
        self.n_servers = int(room.servers + room.failover_servers)
        self.primaries = int(room.servers)
        if not cams:
            self.t_s = np.array([0.0])
            self.load = np.zeros((1, self.n_servers))
            self.up = np.ones((1, self.n_servers), dtype=bool)
            return
        faults = [Fault("server", int(crash[0]), float(crash[1]), float(crash[2]))] if crash is not None else []
        cfg = CapacityConfig(days=days, faults="none", sample_s=sample_s)
        run = simulate(cams, room, config=cfg, seed=seed, faults=faults)
        self.t_s = np.asarray(run.series_t, dtype=float)
        # recording intake over each server's rated intake: what a rack's lights show
        self.load = np.asarray(run.series_intake, dtype=float)
        self.up = np.ones(self.load.shape, dtype=bool)
        for f in run.faults:
            if f["kind"] == "server":
                down = (self.t_s >= f["at_s"]) & (self.t_s < f["at_s"] + f["duration_s"])
                self.up[down, int(f["target"])] = False
        self.faults = list(run.faults)

    def racks(self, t_s: float) -> tuple[RackState, ...]:
        """The racks at sim time ``t_s`` (the last sample at or before it; the run repeats past its end)."""
        span = max(float(self.t_s[-1]), 1.0)
        k = int(np.clip(np.searchsorted(self.t_s, float(t_s) % span if t_s >= span else float(t_s), side="right") - 1,
                        0, len(self.t_s) - 1))
        return tuple(
            RackState(f"R{j + 1:02d}", float(np.clip(self.load[k, j], 0.0, 1.0)), bool(self.up[k, j]),
                      j >= self.primaries)
            for j in range(self.load.shape[1])
        )


def best_camera(cameras: Sequence[Camera], x: float, y: float, *, z_m: float = 1.6) -> str | None:
    """The camera that sees ground point (x, y) sharpest (highest pixel density, in view of its home pose), or None.

    What an operator puts on the wall for an incident there: the closest, sharpest view of it.
    """
    from twin import optics

    best, best_ppm = None, 0.0
    pt = np.array([[float(x), float(y), float(z_m)]])
    for c in cameras:  # once per incident, not per frame
        pose = optics.camera_pose(c)
        if bool(pose.in_view(pt)[0]):
            ppm = float(pose.density_ppm(pt)[0])
            if ppm > best_ppm:
                best, best_ppm = c.id, ppm
    return best


class WarRoomSim:
    """The War Room's state over sim time, as one snapshot.

    The wall's rotation (alarms from the fire model's open incidents), the incident board, the staff
    on duty and the server room's racks.

    Args:
        city: the twin.
        engine: a running fire engine (a live drill) whose open incidents go on the board and, through
            the camera that sees each best, on the wall; None: a quiet day.
        start_hour: local hour at sim time 0 (the roster and the server room's daily rhythm follow the clock).
        wall_tiles: tiles on the video wall.
        dwell_s: how long a tile shows one camera.
        seed: the rotation's and the capacity run's seed.
        crash: a server crash to show (``(server, at_s, duration_s)``, clock seconds since midnight).
        standard_name: the fire standard the board counts minutes against.
        cameras: which cameras rotate on the wall: a :func:`twin.select_cameras` spec (``existing`` by
            default) or the cameras themselves.
    """

    def __init__(
        self,
        city: Twin,
        *,
        engine: FireEngine | None = None,
        start_hour: float = 8.0,
        wall_tiles: int = 24,
        dwell_s: float = 20.0,
        seed: int = 0,
        crash: tuple[int, float, float] | None = None,
        standard_name: str | None = None,
        cameras: str | Sequence[Camera] = "existing",
    ) -> None:
        self.city = city
        self.engine = engine
        self.start_s = float(start_hour) * 3600.0
        self.roster = Roster.from_twin(city.command_center.operators)
        cams = select_cameras(city, cameras)
        self.rotation = WallRotation([c.id for c in cams], tiles=wall_tiles, dwell_s=dwell_s, seed=seed)
        self._cams = cams
        self._server_args = {"seed": seed, "crash": crash}
        self._servers: ServerRoomSeries | None = None
        self.standard_name = standard_name or city.standards.fire
        self._best: dict[str, str | None] = {}

    @property
    def servers(self) -> ServerRoomSeries:
        """The server room's series: its capacity run made at first use (not when a showroom starts)."""
        if self._servers is None:
            self._servers = ServerRoomSeries(self.city, **self._server_args)
        return self._servers

    def clock_s(self, t_s: float) -> float:
        """Seconds since midnight at sim time ``t_s``."""
        return self.start_s + float(t_s)

    def alarms(self) -> list[Alarm]:
        """One alarm per open incident, on the camera that sees it best (from notification on)."""
        if self.engine is None:
            return []
        eng, out = self.engine, []
        for inc in incident_board(eng, standard_name=self.standard_name):
            if inc.id not in self._best:
                i = eng.inc.ids.index(inc.id)
                self._best[inc.id] = best_camera(self._cams, float(eng.inc.x[i]), float(eng.inc.y[i]))
            cam = self._best[inc.id]
            if cam is not None:
                i = eng.inc.ids.index(inc.id)
                out.append(Alarm(cam, self.clock_s(float(eng.out.t_detect[i]))))
        return out

    def snapshot(self, t_s: float) -> SceneSnapshot:
        """The War Room at sim time ``t_s``: wall, incidents, racks, staff (trucks and fires: :mod:`sim.live`)."""
        clock = self.clock_s(t_s)
        rot = self.rotation.with_alarms(self.alarms()) if self.engine is not None else self.rotation
        board = incident_board(self.engine, standard_name=self.standard_name) if self.engine is not None else ()
        return SceneSnapshot(
            float(t_s),
            racks=self.servers.racks(clock),
            wall=rot.state(clock),
            incidents=board,
            staff_on_duty=staff_on_duty(self.roster, clock),
        )
