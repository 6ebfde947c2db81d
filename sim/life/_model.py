"""Vehicles on the road graph and pedestrians on sidewalks and in parks: one SimPy process, numpy state.

Each step (``step_s`` of sim time) moves every agent at once:

* **Vehicles** drive their edge's lane (left of the centreline: Indonesia keeps left) at the road's
  speed times their kind's factor and an own factor, accelerating at most ``accel_mps2`` and never
  closer to the vehicle ahead than a jam gap plus a time headway (``v <= (gap - jam_gap_m) / headway_s``:
  Newell's simple car following, so a queue forms behind a slow vehicle and never overlaps). The
  vehicle ahead may be on the next edge: each vehicle knows its next edge from the moment it
  enters one, a seeded draw weighted by the roads' densities.
* **Pedestrians** walk their street's sidewalk (``sidewalk_inset_m`` inside the right of way) or
  from point to point inside a park.
* **Density** follows the hour of day: below the profile's count agents appear (at free places),
  above it agents leave at the next node.

The state is arrays (edges, arc lengths, speeds, kinds), never an object per agent. :meth:`LifeModel.state`
places everyone at the environment's current time, between two steps, along the polylines.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import simpy

from twin import TwinError
from twin.raster import DEFAULT_STREET_WIDTH_M, PUBLIC_LANDUSE, STREET_WIDTH_M

from ..snapshot import LifeState
from ._profile import VEHICLE_KINDS, TrafficProfile, load_traffic_profile
from ._roads import RoadArrays

if TYPE_CHECKING:
    from twin import Twin

#: Car following (Newell 2002, with a jam gap): the time headway and the gap kept when stopped.
HEADWAY_S = 1.0
JAM_GAP_M = 1.5
ACCEL_MPS2 = 2.0
#: Free space (m) a new vehicle needs ahead and behind where it appears.
SPAWN_CLEAR_M = 12.0
#: Most agents that appear in one step (so a jump in the hour fills the streets over seconds, not at once).
SPAWN_PER_STEP = 40


def _blocked(lines: np.ndarray, offset_m: np.ndarray, twin: Twin, clearance_m: float) -> np.ndarray:
    """Which edges' offset lines (a lane, a sidewalk) pass through or near a building footprint."""
    if not twin.buildings or len(lines) == 0:
        return np.zeros(len(lines), dtype=bool)
    curves = shapely.offset_curve(lines, offset_m)
    tree = shapely.STRtree(twin.footprints)
    hit, _ = tree.query(shapely.buffer(curves, clearance_m), predicate="intersects")
    out = np.zeros(len(lines), dtype=bool)
    out[hit] = True
    return out


class LifeModel:
    """Street life of a twin, as a SimPy process.

    Args:
        twin: the city (its ``roads`` graph and park zones).
        seed: the one seed of every draw (spawns, kinds, routes, speeds).
        env: the environment to run in (the showroom's, beside the fire engine); a new one if None.
        start_s: the time of day (seconds after midnight) at sim time 0.
        profile: a :class:`TrafficProfile`, a path to one, or None for the shipped profile.
        step_s: sim seconds between steps.
        scale: a multiplier on every density (a quieter or busier city).
    """

    def __init__(
        self,
        twin: Twin,
        *,
        seed: int | np.random.Generator = 0,
        env: simpy.Environment | None = None,
        start_s: float = 8 * 3600.0,
        profile: TrafficProfile | str | Path | None = None,
        step_s: float = 0.2,
        scale: float = 1.0,
    ) -> None:
        if step_s <= 0:
            raise TwinError(f"life step_s must be > 0, got {step_s:g}")
        if scale < 0:
            raise TwinError(f"life scale must be >= 0, got {scale:g}")
        if twin.roads is None or twin.roads.number_of_edges() == 0:
            raise TwinError(f"city {twin.name!r} has no roads: street life needs a road graph")
        self.profile = profile if isinstance(profile, TrafficProfile) else load_traffic_profile(profile)
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.step_s = float(step_s)
        self.start_s = float(start_s)
        self.scale = float(scale)
        self.roads = r = RoadArrays(twin.roads)
        pf = self.profile
        life = [pf.of(c) for c in r.cls]
        self.lane_offset_m = np.array([c.lane_offset_m for c in life])
        width = np.array([STREET_WIDTH_M.get(c, DEFAULT_STREET_WIDTH_M) for c in r.cls])
        veh_dens = np.array([c.vehicles_per_km for c in life])
        # sidewalks: inside the right of way's edge; a footway or pedestrian street is walked on its middle
        self.sidewalk_m = np.where(veh_dens > 0, np.maximum(width / 2.0 - pf.sidewalk_inset_m, 0.0), 0.0)
        ped_dens = np.array([c.pedestrians_per_km for c in life])
        veh_dens = np.where(_blocked(r.lines, self.lane_offset_m, twin, 1.5), 0.0, veh_dens)
        ped_dens = np.where(_blocked(r.lines, self.sidewalk_m, twin, 0.6), 0.0, ped_dens)
        self.veh_weight = veh_dens * r.length_m / 1000.0  # vehicles at the peak, per edge
        self.ped_weight = ped_dens * r.length_m / 1000.0
        self._veh_next = r.successors(veh_dens)
        self._ped_next = r.successors(ped_dens)
        self._parks = [z.polygon for z in twin.zones if z.landuse.lower() in PUBLIC_LANDUSE]
        self._park_pool = self._sample_parks(twin)
        park_ha = np.array([p.area / 1e4 for p in self._parks])
        self.park_weight = park_ha * pf.park_pedestrians_per_ha
        self.peak_vehicles = float(self.veh_weight.sum()) * self.scale
        self.peak_pedestrians = float(self.ped_weight.sum() + self.park_weight.sum()) * self.scale
        cap_v = int(np.ceil(self.peak_vehicles * pf.hourly_vehicles.max() * 1.1)) + 16
        cap_p = int(np.ceil(self.peak_pedestrians * pf.hourly_pedestrians.max() * 1.1)) + 16
        self._init_vehicles(cap_v)
        self._init_pedestrians(cap_p)
        self.env = env if env is not None else simpy.Environment()
        self._t_last = float(self.env.now)
        self.steps = 0
        # start full: the hour's population, placed at once (not driven in over minutes)
        for _ in range(8):  # places too close to another are skipped: draw again for those
            self._spawn_vehicles(self.target_vehicles() - int(self.v_alive.sum()), limit=None)
        self._spawn_pedestrians(limit=None)
        self.env.process(self._run(self.env))

    # ---- the hour -------------------------------------------------------------------------------
    def hour_at(self, t: float) -> float:
        """Hour of day (0..24) at sim time ``t``."""
        return ((self.start_s + float(t)) / 3600.0) % 24.0

    def target_vehicles(self, t: float | None = None) -> int:
        """Vehicles the profile asks for at sim time ``t`` (default now)."""
        h = self.hour_at(self.env.now if t is None else t)
        return int(round(self.peak_vehicles * TrafficProfile.level(self.profile.hourly_vehicles, h)))

    def target_pedestrians(self, t: float | None = None) -> tuple[int, int]:
        """Pedestrians the profile asks for at sim time ``t``: (on sidewalks, in parks)."""
        h = self.hour_at(self.env.now if t is None else t)
        lv = TrafficProfile.level(self.profile.hourly_pedestrians, h) * self.scale
        return int(round(self.ped_weight.sum() * lv)), int(round(self.park_weight.sum() * lv))

    # ---- state ----------------------------------------------------------------------------------
    def _init_vehicles(self, cap: int) -> None:
        self.v_alive = np.zeros(cap, dtype=bool)
        self.v_edge = np.zeros(cap, dtype=np.int64)
        self.v_next = np.zeros(cap, dtype=np.int64)
        self.v_s = np.zeros(cap)
        self.v_speed = np.zeros(cap)
        self.v_kind = np.zeros(cap, dtype=np.int8)
        self.v_factor = np.ones(cap)
        self.v_lateral = np.zeros(cap)

    def _init_pedestrians(self, cap: int) -> None:
        self.p_alive = np.zeros(cap, dtype=bool)
        self.p_park = np.full(cap, -1, dtype=np.int64)  # -1: on a sidewalk
        self.p_edge = np.zeros(cap, dtype=np.int64)
        self.p_s = np.zeros(cap)
        self.p_speed = np.ones(cap)
        self.p_lateral = np.zeros(cap)
        self.p_xy = np.zeros((cap, 2))
        self.p_goal = np.zeros((cap, 2))

    def _sample_parks(self, twin: Twin, n: int = 256) -> list[np.ndarray]:
        """Points to walk to in each park, off any building (a seeded rejection sample)."""
        pools = []
        fp = twin.footprints if twin.buildings else np.zeros(0, dtype=object)
        tree = shapely.STRtree(fp) if len(fp) else None
        for poly in self._parks:
            x0, y0, x1, y1 = poly.bounds
            pts = np.zeros((0, 2))
            for _ in range(20):
                c = self.rng.uniform((x0, y0), (x1, y1), size=(4 * n, 2))
                ok = shapely.contains_xy(poly, c[:, 0], c[:, 1])
                if tree is not None and ok.any():
                    hit, _ = tree.query(shapely.points(c[ok]), predicate="intersects")
                    keep = np.ones(int(ok.sum()), dtype=bool)
                    keep[hit] = False
                    ok[np.flatnonzero(ok)[~keep]] = False
                pts = np.concatenate([pts, c[ok]])[:n]
                if len(pts) >= n:
                    break
            pools.append(pts)
        return pools

    # ---- the process ----------------------------------------------------------------------------
    def attach(self, env: simpy.Environment) -> None:
        """Run on in another environment (a replay that jumped) from its time on; the streets stay as they are."""
        self.env = env
        self._t_last = float(env.now)
        env.process(self._run(env))

    def _run(self, env: simpy.Environment) -> Any:
        while env is self.env:
            dt = self.step_s
            yield env.timeout(dt)
            if env is not self.env:
                return
            self.step(dt)
            self._t_last = float(env.now)

    def step(self, dt: float) -> None:
        """Advance every agent by ``dt`` seconds (the process calls this; a test may too)."""
        self._step_vehicles(dt)
        self._step_pedestrians(dt)
        self.steps += 1

    # ---- vehicles -------------------------------------------------------------------------------
    def _leader_gap(self, idx: np.ndarray) -> np.ndarray:
        """Bumper-to-bumper gap (m) from each live vehicle to the one ahead (on its edge or its next)."""
        r = self.roads
        e, s = self.v_edge[idx], self.v_s[idx]
        half = self.profile.fleet_length_m[self.v_kind[idx]] / 2.0
        g = r.base[e] + s
        order = np.argsort(g, kind="stable")
        gs, es, hs = g[order], e[order], half[order]
        gap = np.full(len(idx), np.inf)
        same = np.zeros(len(idx), dtype=bool)
        same[:-1] = es[:-1] == es[1:]
        gap_sorted = np.full(len(idx), np.inf)
        gap_sorted[:-1] = np.where(same[:-1], gs[1:] - gs[:-1] - hs[1:] - hs[:-1], np.inf)
        gap[order] = gap_sorted
        # no one ahead on this edge: the last vehicle on the next edge, if any
        free = np.isinf(gap)
        if free.any():
            nxt = self.v_next[idx[free]]
            j = np.searchsorted(es, nxt, side="left")
            jc = np.minimum(j, len(es) - 1)
            there = (j < len(es)) & (es[jc] == nxt)
            ahead = (r.length_m[e[free]] - s[free]) + (gs[jc] - r.base[nxt]) - hs[jc] - half[free]
            gap[free] = np.where(there, ahead, np.inf)
        return gap

    def _step_vehicles(self, dt: float) -> None:
        r = self.roads
        idx = np.flatnonzero(self.v_alive)
        if len(idx):
            gap = self._leader_gap(idx)
            vmax = r.speed_mps[self.v_edge[idx]] * self.v_factor[idx]
            # the headway is at least the step, so a step never carries a vehicle into the one ahead
            safe = np.maximum(gap - JAM_GAP_M, 0.0) / max(HEADWAY_S, dt)
            v = np.minimum(np.minimum(vmax, self.v_speed[idx] + ACCEL_MPS2 * dt), safe)
            self.v_speed[idx] = v
            self.v_s[idx] += v * dt
            self._cross_nodes(idx)
            self._queue_behind(np.flatnonzero(self.v_alive))
        self._hold_vehicles()

    def _queue_behind(self, idx: np.ndarray) -> None:
        """Vehicles that entered an edge together (merging from two roads) queue: none stands inside the one ahead.

        Along each edge, front to back, ``s_i <= s_(i+1) - (half_i + half_(i+1))``. With ``u_i = s_i - D_i``
        (``D_i`` the sum of those spacings before ``i``) the rule is ``u_i <= u_(i+1)``: a reversed running
        minimum per edge, all edges at once.
        """
        if len(idx) < 2:
            return
        e, s = self.v_edge[idx], self.v_s[idx]
        half = self.profile.fleet_length_m[self.v_kind[idx]] / 2.0
        order = np.lexsort((s, e))
        e, s, half, who = e[order], s[order], half[order], idx[order]
        spacing = np.zeros(len(s))
        spacing[1:] = half[1:] + half[:-1]
        d = np.cumsum(spacing)
        # edges apart by more than any span of u, so the running minimum never crosses from one to the next
        big = 10.0 * (float(np.abs(s).max() + d[-1]) + 1.0)
        u = s - d + big * e
        u = np.minimum.accumulate(u[::-1])[::-1] - big * e
        s_new = np.maximum(u + d, 0.0)
        moved = s_new < s
        self.v_s[who[moved]] = s_new[moved]

    def _cross_nodes(self, idx: np.ndarray) -> None:
        r = self.roads
        for _ in range(4):  # a vehicle may cross a short edge within one step
            over = idx[self.v_s[idx] >= r.length_m[self.v_edge[idx]]]
            if len(over) == 0:
                return
            self.v_s[over] -= r.length_m[self.v_edge[over]]
            self.v_edge[over] = self.v_next[over]
            self.v_next[over] = r.choose_next(self.v_edge[over], self.rng.random(len(over)), self._veh_next)
            # above the hour's count: some of those at a node leave (turn off, park)
            excess = int(self.v_alive.sum()) - self.target_vehicles()
            if excess > 0:
                leave = over[self.rng.random(len(over)) < min(1.0, 4.0 * excess / max(len(idx), 1))][:excess]
                self.v_alive[leave] = False
                idx = idx[self.v_alive[idx]]

    def _hold_vehicles(self) -> None:
        short = self.target_vehicles() - int(self.v_alive.sum())
        if short > 0:
            self._spawn_vehicles(short, limit=SPAWN_PER_STEP)

    def _spawn_vehicles(self, n: int, *, limit: int | None) -> None:
        r = self.roads
        free = np.flatnonzero(~self.v_alive)
        n = min(n, len(free), limit if limit is not None else n)
        if n <= 0 or self.veh_weight.sum() <= 0:
            return
        p = self.veh_weight / self.veh_weight.sum()
        e = self.rng.choice(r.n_edges, size=n, p=p)
        s = self.rng.random(n) * r.length_m[e]
        kind = self.rng.choice(len(VEHICLE_KINDS), size=n, p=self.profile.fleet_share).astype(np.int8)
        factor = self.rng.uniform(0.8, 1.1, size=n)
        lateral = np.where(kind == 0, self.rng.uniform(-0.8, 0.8, size=n), 0.0)
        u = self.rng.random(n)
        # keep only places with room: clear of the live vehicles and of the others appearing now
        g = r.base[e] + s
        live = np.sort(r.base[self.v_edge[self.v_alive]] + self.v_s[self.v_alive])
        ok = np.ones(n, dtype=bool)
        if len(live):
            j = np.searchsorted(live, g)
            lo = np.abs(g - live[np.maximum(j - 1, 0)])
            hi = np.abs(live[np.minimum(j, len(live) - 1)] - g)
            ok &= np.minimum(lo, hi) >= SPAWN_CLEAR_M
        order = np.argsort(g, kind="stable")
        close = np.zeros(n, dtype=bool)
        close[order[1:]] = np.diff(g[order]) < SPAWN_CLEAR_M
        ok &= ~close
        slots = free[: int(ok.sum())]
        self.v_alive[slots] = True
        self.v_edge[slots] = e[ok]
        self.v_s[slots] = s[ok]
        self.v_kind[slots] = kind[ok]
        self.v_factor[slots] = factor[ok] * self.profile.fleet_speed_factor[kind[ok]]
        self.v_speed[slots] = 0.5 * r.speed_mps[e[ok]] * self.v_factor[slots]
        self.v_lateral[slots] = lateral[ok]
        self.v_next[slots] = r.choose_next(e[ok], u[ok], self._veh_next)

    # ---- pedestrians ----------------------------------------------------------------------------
    def _step_pedestrians(self, dt: float) -> None:
        r = self.roads
        side = np.flatnonzero(self.p_alive & (self.p_park < 0))
        if len(side):
            self.p_s[side] += self.p_speed[side] * dt
            for _ in range(4):
                over = side[self.p_s[side] >= r.length_m[self.p_edge[side]]]
                if len(over) == 0:
                    break
                self.p_s[over] -= r.length_m[self.p_edge[over]]
                self.p_edge[over] = r.choose_next(self.p_edge[over], self.rng.random(len(over)), self._ped_next)
                want, _ = self.target_pedestrians()
                excess = int(side.size) - want
                if excess > 0:
                    leave = over[self.rng.random(len(over)) < min(1.0, 4.0 * excess / max(len(side), 1))][:excess]
                    self.p_alive[leave] = False
                    side = side[self.p_alive[side]]
        park = np.flatnonzero(self.p_alive & (self.p_park >= 0))
        if len(park):
            d = self.p_goal[park] - self.p_xy[park]
            dist = np.hypot(d[:, 0], d[:, 1])
            step = np.minimum(self.p_speed[park] * dt, dist)
            self.p_xy[park] += d * (step / np.maximum(dist, 1e-9))[:, None]
            there = park[dist <= self.p_speed[park] * dt]
            if len(there):
                self._new_goals(there)
        want_side, want_park = self.target_pedestrians()
        on_side = int((self.p_alive & (self.p_park < 0)).sum())
        in_park = int((self.p_alive & (self.p_park >= 0)).sum())
        if in_park > want_park:
            # park walkers leave at random when the park empties out
            drop = np.flatnonzero(self.p_alive & (self.p_park >= 0))
            drop = drop[self.rng.random(len(drop)) < 0.02][: in_park - want_park]
            self.p_alive[drop] = False
        self._spawn_sidewalk(min(max(want_side - on_side, 0), SPAWN_PER_STEP))
        self._spawn_park(min(max(want_park - in_park, 0), SPAWN_PER_STEP))

    def _new_goals(self, who: np.ndarray) -> None:
        """A new point to walk to in the same park; kept only if the straight way there stays in the park."""
        pk = self.p_park[who]
        pick = np.floor(self.rng.random(len(who)) * np.array([len(self._park_pool[k]) for k in pk])).astype(np.int64)
        goal = np.array([self._park_pool[k][i] for k, i in zip(pk, pick, strict=True)]).reshape(-1, 2)
        lines = shapely.linestrings(np.stack([self.p_xy[who], goal], 1))
        polys = np.array(self._parks, dtype=object)[pk]
        ok = shapely.contains(polys, lines)
        self.p_goal[who[ok]] = goal[ok]

    def _spawn_sidewalk(self, n: int) -> None:
        free = np.flatnonzero(~self.p_alive)[:n]
        if len(free) == 0 or self.ped_weight.sum() <= 0:
            return
        r = self.roads
        k = len(free)
        e = self.rng.choice(r.n_edges, size=k, p=self.ped_weight / self.ped_weight.sum())
        self.p_alive[free] = True
        self.p_park[free] = -1
        self.p_edge[free] = e
        self.p_s[free] = self.rng.random(k) * r.length_m[e]
        self.p_speed[free] = self.rng.uniform(*self.profile.walking_speed_mps, size=k)
        self.p_lateral[free] = self.rng.uniform(-0.4, 0.4, size=k)

    def _spawn_park(self, n: int) -> None:
        free = np.flatnonzero(~self.p_alive)[:n]
        if len(free) == 0 or self.park_weight.sum() <= 0:
            return
        k = len(free)
        pk = self.rng.choice(len(self._parks), size=k, p=self.park_weight / self.park_weight.sum())
        sizes = np.array([len(self._park_pool[j]) for j in pk])
        has = sizes > 0
        free, pk, sizes = free[has], pk[has], sizes[has]
        at = np.floor(self.rng.random(len(free)) * sizes).astype(np.int64)
        xy = np.array([self._park_pool[j][i] for j, i in zip(pk, at, strict=True)]).reshape(-1, 2)
        self.p_alive[free] = True
        self.p_park[free] = pk
        self.p_xy[free] = xy
        self.p_goal[free] = xy
        self.p_speed[free] = self.rng.uniform(*self.profile.walking_speed_mps, size=len(free))
        if len(free):
            self._new_goals(free)

    def _spawn_pedestrians(self, *, limit: int | None) -> None:
        want_side, want_park = self.target_pedestrians()
        self._spawn_sidewalk(want_side if limit is None else min(want_side, limit))
        self._spawn_park(want_park if limit is None else min(want_park, limit))

    # ---- the snapshot ---------------------------------------------------------------------------
    def state(self) -> LifeState:
        """Everyone at the environment's current time (moved on from the last step along their ways)."""
        r = self.roads
        now = float(self.env.now)
        ahead = max(now - self._t_last, 0.0)
        v = np.flatnonzero(self.v_alive)
        e = self.v_edge[v]
        s = np.minimum(self.v_s[v] + self.v_speed[v] * ahead, r.length_m[e])
        vxy, vh = r.place(e, s, self.lane_offset_m[e] + self.v_lateral[v])
        side = np.flatnonzero(self.p_alive & (self.p_park < 0))
        pe = self.p_edge[side]
        ps = np.minimum(self.p_s[side] + self.p_speed[side] * ahead, r.length_m[pe])
        sxy, sh = r.place(pe, ps, self.sidewalk_m[pe] + self.p_lateral[side])
        park = np.flatnonzero(self.p_alive & (self.p_park >= 0))
        d = self.p_goal[park] - self.p_xy[park]
        dist = np.hypot(d[:, 0], d[:, 1])
        pxy = self.p_xy[park] + d * (np.minimum(self.p_speed[park] * ahead, dist) / np.maximum(dist, 1e-9))[:, None]
        ph = np.arctan2(d[:, 1], d[:, 0])
        return LifeState.of(
            t=now,
            hour=self.hour_at(now),
            vehicle_xy=vxy,
            vehicle_heading_rad=vh,
            vehicle_kind=self.v_kind[v],
            pedestrian_xy=np.concatenate([sxy, pxy]),
            pedestrian_heading_rad=np.concatenate([sh, ph]),
            vehicle_id=v,
            pedestrian_id=np.concatenate([side, park]),
        )

    def counts(self) -> dict[str, int]:
        """Agents alive now, by kind."""
        kinds = np.bincount(self.v_kind[self.v_alive], minlength=len(VEHICLE_KINDS))
        out = {k: int(c) for k, c in zip(VEHICLE_KINDS, kinds, strict=True)}
        out["vehicles"] = int(self.v_alive.sum())
        out["pedestrians"] = int(self.p_alive.sum())
        return out
