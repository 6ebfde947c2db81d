"""Fire response with the cameras in the loop: how much sooner water is on a fire when CCTV sees it.

:func:`run_fire` draws a year (or ``days``) of fires per zone, runs them through the SimPy engine
twice on the same random draws, once with the cameras and once without, and summarises
detection, call processing, turnout, travel and total response times, compliance with a named
standard, fire size at water-on, flashover share, truck utilisation and the minutes the cameras save.

Example:
    >>> study = run_fire(twin, cameras="existing", days=365, seed=1)  # doctest: +SKIP
    >>> study.summary["camera_minutes_saved"]["mean"]  # doctest: +SKIP
"""

from __future__ import annotations

__all__ = [
    "FireParams",
    "FireRun",
    "FireStudy",
    "Inject",
    "camera_outages",
    "camera_pairs",
    "demand_by_node",
    "detection_draw",
    "fleet_hypercube",
    "hash_uniform",
    "minutes_saved",
    "prepare_cameras",
    "roster",
    "run_fire",
]

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from sim.fire._detect import camera_detection_s, coverage_sightings, sightings
from sim.fire._engine import FireEngine, Inject, Outcome, fleet
from sim.fire._incidents import Incidents, generate_incidents, zone_rates_per_year
from sim.fire._metrics import describe, summarise_outcome, wilson_ci
from sim.fire._params import FireParams
from sim.fire.costs import false_alarm_costs, false_alarm_wait_s, sensitivity_row
from sim.fire.profile import DEFAULT_PROFILE, DetectionDraw
from sim.operators import Roster
from sim.standards import standard as get_standard
from sim.travel import TravelModel
from twin import select_cameras

if TYPE_CHECKING:
    from twin import Camera, Twin


def hash_uniform(seed: int, a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """Uniform (0, 1) numbers from a splitmix64 hash of (seed, a, b, k), vectorised.

    Draws keyed by (incident, camera) stay the same whichever other cameras are in the run, so
    "existing" and "existing + planned" compare on common random numbers.
    """
    with np.errstate(over="ignore"):
        x = (np.uint64(seed & 0xFFFFFFFFFFFF) * np.uint64(0x9E3779B97F4A7C15)
             ^ np.asarray(a, dtype=np.uint64) * np.uint64(0xBF58476D1CE4E5B9)
             ^ np.asarray(b, dtype=np.uint64) * np.uint64(0x94D049BB133111EB)
             ^ np.uint64(k) * np.uint64(0xD6E8FEB86659FD93))
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return ((x >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


def camera_pairs(
    twin: Twin, cameras: list[Camera], inc: Incidents, params: FireParams, *, sighter: Callable | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(incident, camera) pairs where the camera sees the fire at Detect level, and its pixel density there.

    A building fire is seen on its footprint up to its roof line (the plume); a fire in the open
    (no building) at its point. Sight lines are computed once per burning building, not per fire.
    ``sighter`` computes the coverage model's sightings instead of :func:`coverage_sightings` (same
    arguments and answer, e.g. in tiles on a cluster: :class:`sim.tiled.TiledSightings`).
    """
    n = len(inc)
    fp = twin.footprints if twin.buildings else np.zeros(0, dtype=object)
    heights = twin.building_heights_m if twin.buildings else np.zeros(0)
    in_bld = inc.building >= 0
    ub, inv = np.unique(inc.building[in_bld], return_inverse=True)
    open_idx = np.flatnonzero(~in_bld)
    targets = np.concatenate([fp[ub] if ub.size else np.zeros(0, dtype=object),
                              np.array(shapely.points(inc.x[open_idx], inc.y[open_idx]), dtype=object).reshape(-1)])
    th = np.concatenate([heights[ub] if ub.size else np.zeros(0), np.full(open_idx.size, 2.0)])
    own = np.concatenate([ub, np.full(open_idx.size, -1)]).astype(np.int64)
    tgt_of_inc = np.empty(n, np.int64)
    tgt_of_inc[in_bld] = inv
    tgt_of_inc[open_idx] = ub.size + np.arange(open_idx.size)
    if params.visibility == "coverage" and twin.buildings:
        sg = (sighter or coverage_sightings)(twin, cameras, targets, level="Detect")
    else:
        sg = sightings(cameras, targets, th, fp, heights, target_obstacle=own, dori=twin.standards.dori)
    counts = np.diff(sg.ptr)[tgt_of_inc]
    pair_inc = np.repeat(np.arange(n), counts)
    offs = np.arange(pair_inc.size) - np.repeat(np.cumsum(counts) - counts, counts)
    at = np.repeat(sg.ptr[tgt_of_inc], counts) + offs
    return pair_inc, sg.cam[at], sg.ppm[at]


def camera_keys(cameras: list[Camera]) -> np.ndarray:
    """A stable integer per camera (CRC32 of its id) to key random draws."""
    return np.array([zlib.crc32(c.id.encode()) for c in cameras], dtype=np.uint64)


def detection_draw(params: FireParams, seed: int) -> DetectionDraw:
    """The run's analytics numbers from ``params.detection`` (default: the shipped profile).

    ``detection_mode="sample"`` draws them from the profile's evidence with a generator keyed by
    ``seed`` alone, so a run with and without some cameras, or a drill replayed, uses the same draw.
    """
    profile = params.detection or DEFAULT_PROFILE
    return profile.draw(np.random.default_rng([seed, 0xDE7EC7]) if params.detection_mode == "sample" else None)


def prepare_cameras(
    twin: Twin,
    cameras: list[Camera],
    inc: Incidents,
    params: FireParams,
    seed: int,
    *,
    offline: list[tuple[str, float, float]] = (),
    draw: DetectionDraw | None = None,
    operator_p_notice: float | None = None,
    sighter: Callable | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Camera detection times per incident (analytics, operator) for a camera set.

    ``offline`` lists (camera id, from_s, until_s) windows in which a camera sees nothing; ``draw``
    the run's analytics numbers (default :func:`detection_draw`); ``operator_p_notice`` overrides
    the chance an operator notices a fire on a tile (the sensitivity runs); ``sighter`` as in
    :func:`camera_pairs`.
    """
    n = len(inc)
    if not cameras or n == 0:
        return np.full(n, np.inf), np.full(n, np.inf), {"cameras": 0, "incidents_seen": 0,
                                                        "cameras_with_analytics": 0}
    draw = draw or detection_draw(params, seed)
    pair_inc, pair_cam, pair_ppm = camera_pairs(twin, cameras, inc, params, sighter=sighter)
    keys = camera_keys(cameras)
    ck = keys[pair_cam]
    u = np.column_stack([hash_uniform(seed, pair_inc, ck, k) for k in range(5)])
    has_va = hash_uniform(seed, np.zeros(len(cameras), np.uint64), keys, 99) < params.analytics_share
    from sim.firegrowth import time_to_kw

    t_vis_abs = inc.t_s[pair_inc] + time_to_kw(params.visible_kw, inc.alpha[pair_inc])
    online = ~_offline_mask(cameras, pair_cam, t_vis_abs, offline)
    rost = roster(twin, params)
    tiles = np.asarray(rost.tiles(t_vis_abs), dtype=float)
    va, op = camera_detection_s(pair_inc, pair_cam, u, inc.alpha, n, has_va, online,
                                cameras_on_wall=len(cameras), tiles=tiles, params=params, pair_ppm=pair_ppm,
                                draw=draw, operator_p_notice=operator_p_notice)
    seen = int(np.unique(pair_inc).size)
    return va, op, {
        "cameras": len(cameras),
        "cameras_with_analytics": int(has_va.sum()),
        "operators_per_shift": list(rost.staff_per_shift()),
        "wall_tiles_per_shift": [k * rost.tiles_per_operator for k in rost.staff_per_shift()],
        "incidents_seen": seen,
        "incidents_seen_share": seen / n,
    }


def _offline_mask(cameras: list[Camera], pair_cam: np.ndarray, t_s: np.ndarray,
                  offline: list[tuple[str, float, float]] | tuple = ()) -> np.ndarray:
    """True where a pair's camera is offline at ``t_s`` (windows of one camera must not overlap)."""
    if not len(offline) or pair_cam.size == 0:
        return np.zeros(pair_cam.size, bool)
    pos = {c.id: k for k, c in enumerate(cameras)}
    rows = [(pos[c], a, b) for c, a, b in offline if c in pos]
    if not rows:
        return np.zeros(pair_cam.size, bool)
    arr = np.array(rows, dtype=float)
    arr = arr[np.lexsort((arr[:, 1], arr[:, 0]))]
    span = float(max(np.nanmax(np.where(np.isfinite(arr[:, 1:]), arr[:, 1:], 0.0)), t_s.max(), 1.0)) * 2.0 + 1.0
    # one sorted key per (camera, start): the window that may hold t is the last one starting before it
    key = arr[:, 0] * span + arr[:, 1]
    k = np.searchsorted(key, pair_cam * span + t_s, side="right") - 1
    ok = k >= 0
    kk = np.where(ok, k, 0)
    return ok & (arr[kk, 0] == pair_cam) & (t_s < arr[kk, 2]) & (t_s >= arr[kk, 1])


def camera_outages(cameras: list[Camera], horizon_s: float, seed: int) -> list[tuple[str, float, float]]:
    """Offline windows of every camera over the horizon from :mod:`sim.faults` (MTBF/MTTR by camera type)."""
    from sim.faults import camera_fault_rate, outage_intervals

    out: list[tuple[str, float, float]] = []
    rng = np.random.default_rng([seed, 0xCA3])
    for typ in sorted({c.type for c in cameras}):
        members = [c for c in cameras if c.type == typ]
        o = outage_intervals(rng, len(members), horizon_s, camera_fault_rate(typ))
        out += [(members[int(u)].id, float(a), float(b)) for u, a, b in zip(o.unit, o.start_s, o.end_s, strict=True)]
    return out


@dataclass
class FireRun:
    """One engine run: its outcome, summary and engine (for truck names and the event log)."""

    outcome: Outcome
    summary: dict[str, Any]
    engine: FireEngine


@dataclass
class FireStudy:
    """The same incidents with and without cameras."""

    incidents: Incidents
    travel: TravelModel
    with_cameras: FireRun
    without_cameras: FireRun | None
    summary: dict[str, Any]


def roster(twin: Twin, params: FireParams) -> Roster:
    """The city's operators in shifts, in sim time (sim time 0 is ``params.start_hour`` o'clock)."""
    first = (7.0 - params.start_hour) % 24.0  # shifts change at 07:00 local, as in sim.operators
    return Roster.from_twin(twin.command_center.operators, first_shift_h=first)


def run_fire(
    twin: Twin,
    *,
    cameras: str | list[Camera] | None = "existing",
    days: float = 365.0,
    seed: int = 0,
    standard: str | None = None,
    params: FireParams | None = None,
    rate_scale: float = 1.0,
    compare: bool = True,
    travel: TravelModel | None = None,
    injects: list[Inject] | tuple[Inject, ...] = (),
    sensitivity: bool = True,
    sighter: Callable | None = None,
) -> FireStudy:
    """Simulate ``days`` of fires with the chosen cameras (and, with ``compare``, without any).

    Args:
        twin: the city (roads, fire stations, zones, buildings, cameras, operators).
        cameras: which cameras watch: ``none`` (or None), ``existing``, ``planned``, ``all``, a cameras
            layer or a file of camera ids (:func:`twin.select_cameras`), or a list of cameras.
        days: simulated days.
        seed: the one seed of every random draw.
        standard: standard profile name (default: the city's ``standards.fire``).
        params: model parameters (documented defaults).
        rate_scale: multiplies every zone's fire rate (all fire calls, not only building fires,
            for a stress test).
        compare: also run without cameras on the same draws and report the minutes saved.
        travel: a precomputed travel model (else built here, and counted in the timing).
        injects: road closures, breakdowns or weather for the whole run.
        sensitivity: with ``compare``, also run the low and high operator-notice chances
            (``params.operator_p_notice_range``) on the same fires: the minutes saved for each.
        sighter: computes the coverage model's camera sightings in place of
            :func:`sim.fire.coverage_sightings` (same answer; :func:`sim.tiled.tiled_fire` passes tiles).

    Returns:
        A :class:`FireStudy`; ``summary`` is what ``showroom fire`` writes to summary.json.
    """
    params = params or FireParams()
    std = get_standard(standard or twin.standards.fire).name
    t0 = time.perf_counter()
    travel = travel or TravelModel(twin.roads, twin.fire_stations, params.travel)
    t_travel = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    inc = generate_incidents(twin, travel, days=days, params=params, rng=rng, rate_scale=rate_scale)
    cams = select_cameras(twin, "none" if cameras is None else cameras)
    outages = camera_outages(cams, days * 86400.0, seed) if params.camera_faults else []
    draw = detection_draw(params, seed)
    va, op, cam_info = prepare_cameras(twin, cams, inc, params, seed, offline=outages, draw=draw, sighter=sighter)
    cam_info["camera_outages"] = len(outages)
    horizon = days * 86400.0
    rost = roster(twin, params)

    # real analytics alarms wait behind the false ones at the operator desk (Erlang C; sim.fire.costs)
    n_va = int(cam_info.get("cameras_with_analytics", 0))
    idx = np.arange(len(inc), dtype=np.uint64)
    fa_wait = false_alarm_wait_s(
        draw.false_alarms_per_camera_hour * n_va / 3600.0, params.verify.mean_s,
        np.asarray(rost.on_duty(inc.t_s + np.where(np.isfinite(va), va, 0.0))),
        hash_uniform(seed, idx, np.full(len(inc), 0xFA, np.uint64), 1),
        hash_uniform(seed, idx, np.full(len(inc), 0xFA, np.uint64), 2))

    def one(va_s: np.ndarray, op_s: np.ndarray) -> FireRun:
        eng = FireEngine(twin.fire_stations, travel, inc, params, camera_va_s=va_s, camera_op_s=op_s,
                         roster=rost, horizon_s=horizon, injects=injects, verify_wait_s=fa_wait)
        out = eng.run()
        summ = summarise_outcome(out, travel.station_ids, eng.truck_names, std)
        return FireRun(out, summ, eng)

    t1 = time.perf_counter()
    with_c = one(va, op)
    without = one(np.full(len(inc), np.inf), np.full(len(inc), np.inf)) if compare else None
    t_sim = time.perf_counter() - t1
    summary: dict[str, Any] = {
        "training": False,
        "city": twin.name,
        "seed": seed,
        "days": days,
        "standard": std,
        "rate_scale": rate_scale,
        "zone_rates_per_year": [float(r) for r in zone_rates_per_year(twin, params) * rate_scale],
        "stations": [{"id": s.id, "trucks": s.trucks, "turnout_s": s.turnout_s} for s in twin.fire_stations],
        "camera_set": cam_info,
        "with_cameras": with_c.summary,
    }
    profile = params.detection or DEFAULT_PROFILE
    summary["detection"] = {"profile": profile.summary(), "draw": draw.summary()}
    saved_total = None
    if without is not None:
        summary["without_cameras"] = without.summary
        saved = minutes_saved(with_c.outcome, without.outcome)
        summary["camera_minutes_saved"] = saved
        saved_total = saved["total_minutes"]
        if sensitivity and cams:
            rows = {}
            for name, p_notice in zip(("low", "central", "high"), (params.operator_p_notice_range[0],
                                      params.operator_p_notice, params.operator_p_notice_range[1]), strict=True):
                if name == "central":
                    run = with_c
                else:
                    va_k, op_k, _ = prepare_cameras(twin, cams, inc, params, seed, offline=outages, draw=draw,
                                                    operator_p_notice=p_notice, sighter=sighter)
                    run = one(va_k, op_k)
                rows[name] = sensitivity_row(p_notice, minutes_saved(run.outcome, without.outcome),
                                             int((run.outcome.source == 1).sum()))
            summary["operator_notice_sensitivity"] = {
                "source": "assumption: no published figure for an operator noticing a fire on a wall tile; "
                          "the range is a stated sensitivity range (sim.fire.FireParams)",
                **rows,
            }
    fa = false_alarm_costs(draw, params, analytics_cameras=n_va, days=days,
                           operators_per_shift=list(cam_info.get("operators_per_shift", [])),
                           minutes_saved_total=saved_total, seed=seed)
    alarms = np.isfinite(va)
    fa["real_alarms"] = int(alarms.sum())
    fa["real_alarms_never_verified"] = int((alarms & ~np.isfinite(fa_wait)).sum())
    fa["real_alarm_wait_s_mean"] = (float(np.mean(fa_wait[alarms & np.isfinite(fa_wait)]))
                                    if (alarms & np.isfinite(fa_wait)).any() else None)
    summary["false_alarms"] = fa
    busy = [b - a for iv in with_c.outcome.busy for a, b in iv]
    if busy:
        # the analytic companion, fed the simulation's mean busy time: seconds instead of minutes
        hc = fleet_hypercube(twin, travel, mean_busy_s=float(np.mean(busy)), params=params, rate_scale=rate_scale)
        summary["hypercube"] = {k: v for k, v in hc.items() if k != "result"}
    summary["timing_s"] = {"travel_precompute": t_travel, "simulate": t_sim, "total": time.perf_counter() - t0}
    return FireStudy(inc, travel, with_c, without, summary)


def minutes_saved(with_c: Outcome, without: Outcome) -> dict[str, Any]:
    """Paired difference of ignition -> water on, in minutes, and of flashover, between the two runs."""
    a = with_c.t_water - with_c.t_ignite
    b = without.t_water - without.t_ignite
    d = (b - a) / 60.0
    out = describe(d)
    n = int(np.isfinite(d).sum())
    fo_w, fo_wo = int(with_c.flashed_over.sum()), int(without.flashed_over.sum())
    helped = int((d > 1e-9).sum())
    out.update({
        "total_minutes": float(np.nansum(d)),
        "incidents_helped": helped,
        "incidents_helped_share_ci95": list(wilson_ci(helped, n)),
        "flashovers_with": fo_w,
        "flashovers_without": fo_wo,
        "flashovers_avoided": fo_wo - fo_w,
        "mean_kw_at_water_on_with": float(np.nanmean(with_c.q_water_kw)) if n else float("nan"),
        "mean_kw_at_water_on_without": float(np.nanmean(without.q_water_kw)) if n else float("nan"),
    })
    return out


def demand_by_node(twin: Twin, travel: TravelModel, params: FireParams | None = None, *,
                   rate_scale: float = 1.0) -> np.ndarray:
    """Expected fires a year at each road node (matrix order).

    Zone rates are spread over the zone's buildings by footprint area and snapped to their nearest
    reachable node, as :func:`generate_incidents` does.
    """
    from sim.fire._incidents import building_zone

    params = params or FireParams()
    rates = zone_rates_per_year(twin, params) * rate_scale
    lam = np.zeros(len(travel.node_ids))
    bz = building_zone(twin)
    if twin.buildings:
        areas = shapely.area(twin.footprints)
        nodes, _ = travel.snap(shapely.get_coordinates(shapely.centroid(twin.footprints)))
    for zi, z in enumerate(twin.zones):
        members = np.flatnonzero(bz == zi) if twin.buildings else np.zeros(0, np.int64)
        if members.size:
            np.add.at(lam, nodes[members], rates[zi] * areas[members] / areas[members].sum())
        else:
            inside = np.flatnonzero(shapely.contains_xy(z.polygon, travel.xy[:, 0], travel.xy[:, 1]) & travel.reachable)
            if inside.size:
                lam[inside] += rates[zi] / inside.size
    return lam


def fleet_hypercube(twin: Twin, travel: TravelModel, *, mean_busy_s: float, params: FireParams | None = None,
                    rate_scale: float = 1.0, method: str = "auto") -> dict[str, Any]:
    """The hypercube model of the city's fleet: every truck a unit, every road node with fires an atom.

    Preferences are those of the engine's default dispatch: stations by routed time, trucks of a
    station lowest number first. ``mean_busy_s`` is the mean time a truck is out per call (from a
    simulation, or a planner's figure). Returns busy share per truck, the share of calls that go to
    mutual aid, and the call-weighted mean routed travel time of the first-due truck.
    """
    from sim.hypercube import hypercube

    lam_year = demand_by_node(twin, travel, params, rate_scale=rate_scale)
    atoms = np.flatnonzero(lam_year > 0)
    lam = lam_year[atoms] / (365.0 * 86400.0)
    st_pref = travel.preference()[atoms]
    truck_station, names = fleet(twin.fire_stations)
    trucks_of = [np.flatnonzero(truck_station == s).tolist() for s in range(len(twin.fire_stations))]
    pref = np.array([[t for s in row for t in trucks_of[s]] for row in st_pref], dtype=np.int64)
    res = hypercube(lam, pref, 1.0 / mean_busy_s, mode="loss", method=method)
    travel_cost = travel.fwd_s[truck_station][:, atoms].T
    return {
        "method": res.method,
        "mean_busy_s": mean_busy_s,
        "truck_busy": {n: float(b) for n, b in zip(names, res.busy, strict=True)},
        "mutual_aid_share": res.loss,
        "mean_first_due_travel_s": res.mean_of(travel_cost, lam),
        "atoms": int(atoms.size),
        "result": res,
    }
