"""Fire-response drills for trainers: scripted fires and injects, trainee dispatch decisions, scoring, replay.

A drill is a YAML scenario (:mod:`sim.drill._schema`): start time, fires, time-stamped injects
(road closure, truck breakdown, second fire, camera offline, heavy rain) and the expected actions.
The trainee makes each dispatch decision (``ask``: the model calls an ``ask`` function with a
:class:`DecisionPoint`; the command line's terminal prompt is :mod:`showroom_cli.drill_prompt`), a
file decides, or the policy decides (``auto``: the nearest free truck). The drill is then scored against the best
decisions in hindsight: the same scenario, on the same random draws, replayed with every
combination of choices; each decision's cost is the minutes and fire size lost against swapping
in the hindsight choice. Every output is marked TRAINING.

Example:
    >>> sc = read_scenario("assets/drills/market_fire_rush_hour.yaml")  # doctest: +SKIP
    >>> result = run_drill(sc, twin, decisions="auto")  # doctest: +SKIP
    >>> sim.drill.report.write_outputs(result, "out/drill")  # doctest: +SKIP
"""

from __future__ import annotations

__all__ = [
    "Decision",
    "DecisionPoint",
    "DrillError",
    "DrillResult",
    "Scenario",
    "read_decisions",
    "live_drill",
    "read_scenario",
    "replay_drill",
    "run_drill",
]

import dataclasses
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from sim.drill._schema import DrillError, Scenario, check_against_city, parse_scenario, read_scenario
from sim.fire import (
    MUTUAL_AID,
    DispatchOption,
    FireEngine,
    FireParams,
    Incidents,
    Inject,
    Outcome,
    building_zone,
    make_incidents,
    prepare_cameras,
    roster,
    zone_rates_per_year,
)
from sim.firegrowth import GROWTH_CLASSES
from sim.travel import TravelModel
from twin import TwinError, select_cameras

if TYPE_CHECKING:
    from twin import Twin

#: most decision combinations searched exhaustively for the hindsight optimum; above, coordinate descent
MAX_COMBINATIONS = 3000
AUTO = "auto"


@dataclass
class Decision:
    """One dispatch decision: for which fire, when, what was on offer, what was chosen and by whom."""

    incident: str
    t_s: float
    options: list[dict[str, Any]]
    choice: str
    by: str


@dataclass(frozen=True)
class DecisionPoint:
    """What the trainee is asked at one dispatch decision (the ``ask`` function's argument).

    Attributes:
        incident: the fire's id.
        clock: the drill's wall-clock time, ``HH:MM``.
        t_s: drill time (s since the start).
        growth: the fire's growth class (``slow``, ``medium``, ``fast``, ``ultrafast``).
        kw_now: the fire's heat release now (kW).
        detected_after_s: how long after ignition it was detected (s).
        options: what can be sent, the policy's choice (the nearest free truck) first.
        status: the engine's state now (``trucks``: id -> state, ``fires``: id -> kW and state), on demand.
    """

    incident: str
    clock: str
    t_s: float
    growth: str
    kw_now: float
    detected_after_s: float
    options: list[DispatchOption]
    status: Callable[[], dict[str, Any]]


@dataclass
class DrillResult:
    """A run of a drill, scored."""

    scenario: Scenario
    twin_name: str
    city_ref: str | None
    seed: int
    outcome: Outcome
    engine: FireEngine
    incidents: Incidents
    scripted: list[str]
    decisions: list[Decision]
    score: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# ---- setting a drill up -------------------------------------------------------------------------
@dataclass
class _Setup:
    twin: Twin
    sc: Scenario
    params: FireParams
    travel: TravelModel
    inc: Incidents
    scripted: list[str]
    va: np.ndarray
    op: np.ndarray
    injects: list[Inject]
    travel_cache: dict = field(default_factory=dict)


def _concat(a: Incidents, b: Incidents) -> Incidents:
    cat = np.concatenate
    out = Incidents(
        ids=a.ids + b.ids, t_s=cat([a.t_s, b.t_s]), x=cat([a.x, b.x]), y=cat([a.y, b.y]),
        zone=cat([a.zone, b.zone]), building=cat([a.building, b.building]), node=cat([a.node, b.node]),
        access_s=cat([a.access_s, b.access_s]), growth=cat([a.growth, b.growth]),
        flashover_kw=cat([a.flashover_kw, b.flashover_kw]), vent_kw=cat([a.vent_kw, b.vent_kw]),
        z={k: cat([a.z[k], b.z[k]]) for k in a.z}, z_out=cat([a.z_out, b.z_out]), z_back=cat([a.z_back, b.z_back]),
        u_busy=cat([a.u_busy, b.u_busy]),
    )
    return out


def _setup(sc: Scenario, twin: Twin, params: FireParams | None) -> _Setup:  # noqa: C901 - one pass over the script
    check_against_city(sc, twin)
    params = dataclasses.replace(params or FireParams(), start_hour=sc.start_hour)
    travel = TravelModel(twin.roads, twin.fire_stations, params.travel)
    rng = np.random.default_rng(sc.seed)
    bidx = {b.id: k for k, b in enumerate(twin.buildings)}
    zone_of = building_zone(twin)
    xs, ys, bs, zs = [], [], [], []
    for f in sc.fires:
        if f.building is not None:
            k = bidx[f.building]
            c = twin.buildings[k].footprint.centroid
            xs.append(c.x)
            ys.append(c.y)
            bs.append(k)
            zs.append(int(zone_of[k]))
        else:
            assert f.xy is not None
            xs.append(f.xy[0])
            ys.append(f.xy[1])
            bs.append(-1)
            zs.append(-1)
    scripted = make_incidents(
        travel, t_s=np.array([f.at_s for f in sc.fires]), x=np.array(xs), y=np.array(ys), zone=np.array(zs),
        building=np.array(bs), growth=np.array([GROWTH_CLASSES.index(f.growth) for f in sc.fires]),
        params=params, rng=rng, ids=[f.id for f in sc.fires],
    )
    inc = scripted
    if sc.background_rate_per_hour > 0 and twin.buildings and twin.zones:
        # background fires: Poisson over the drill, zones by their rates, buildings by footprint area
        k = int(rng.poisson(sc.background_rate_per_hour * sc.duration_s / 3600.0))
        rates = zone_rates_per_year(twin, params)
        has = np.array([(zone_of == z).any() for z in range(len(twin.zones))]) & (rates > 0)
        if k and has.any():
            w = np.where(has, rates, 0.0)
            zsel = rng.choice(len(twin.zones), k, p=w / w.sum())
            areas = shapely.area(twin.footprints)
            bsel = []
            for z in zsel:
                members = np.flatnonzero(zone_of == z)
                bsel.append(members[rng.choice(members.size, p=areas[members] / areas[members].sum())])
            bsel = np.array(bsel)
            cen = shapely.get_coordinates(shapely.centroid(twin.footprints[bsel]))
            g = np.array([rng.choice(4, p=params.growth_shares(twin.zones[z].landuse)) for z in zsel])
            t = np.sort(rng.random(k) * sc.duration_s)
            bg = make_incidents(travel, t_s=t, x=cen[:, 0], y=cen[:, 1], zone=zsel, building=bsel, growth=g,
                                params=params, rng=rng, ids=[f"BG{j + 1:02d}" for j in range(k)])
            inc = _concat(scripted, bg)
    order = np.argsort(inc.t_s, kind="stable")
    inc = _take(inc, order)
    injects: list[Inject] = []
    offline: list[tuple[str, float, float]] = []
    sidx = {s.id: k for k, s in enumerate(twin.fire_stations)}
    for e in sc.injects:
        t = float(e["at_min"]) * 60.0
        until = float(e["until_min"]) * 60.0 if e.get("until_min") is not None else None
        kind = e["type"]
        if kind == "truck_breakdown":
            d = {"station": sidx[e["station"]], "station_id": e["station"], "trucks": int(e.get("trucks", 1))}
            injects.append(Inject(t, "truck_breakdown", d))
            if until is not None:
                injects.append(Inject(until, "truck_repaired", d))
        elif kind == "road_closure":
            if e.get("near") is not None:
                edges = travel.edges_near(float(e["near"][0]), float(e["near"][1]), float(e.get("radius_m", 25.0)))
            else:
                r = str(e["road"])
                edges = {(u, v, key) for u, v, key, d in twin.roads.edges(keys=True, data=True)
                         if r in (str(d.get("road_id")), str(d.get("feature")), str(d.get("name")))}
            if not edges:
                raise DrillError(sc.file, [f"road_closure at {e['at_min']} min: no road within "
                                           f"{e.get('radius_m', 25.0)} m of {e.get('near')}"])
            d = {"edges": sorted(edges, key=str), "where": e.get("near") or e.get("road")}
            injects.append(Inject(t, "road_closure", d))
            if until is not None:
                injects.append(Inject(until, "road_reopen", d))
        elif kind == "heavy_rain":
            injects.append(Inject(t, "weather", {"travel_factor": float(e.get("travel_factor", 1.3)),
                                                 "reason": "heavy rain"}))
            if until is not None:
                injects.append(Inject(until, "weather", {"travel_factor": 1.0, "reason": "rain over"}))
        elif kind == "camera_offline":
            end = until if until is not None else float("inf")
            offline += [(c, t, end) for c in e["cameras"]]
            injects.append(Inject(t, "camera_offline", {"cameras": list(e["cameras"])}))
            if until is not None:
                injects.append(Inject(until, "camera_online", {"cameras": list(e["cameras"])}))
        elif kind == "note":
            injects.append(Inject(t, "note", {"text": str(e.get("text", ""))}))
    cams = select_cameras(twin, sc.cameras)
    va, op, _ = prepare_cameras(twin, cams, inc, params, sc.seed, offline=offline)
    return _Setup(twin, sc, params, travel, inc, [f.id for f in sc.fires], va, op, injects)


def _take(inc: Incidents, order: np.ndarray) -> Incidents:
    return Incidents(
        ids=[inc.ids[k] for k in order], t_s=inc.t_s[order], x=inc.x[order], y=inc.y[order], zone=inc.zone[order],
        building=inc.building[order], node=inc.node[order], access_s=inc.access_s[order], growth=inc.growth[order],
        flashover_kw=inc.flashover_kw[order], vent_kw=inc.vent_kw[order], z={k: v[order] for k, v in inc.z.items()},
        z_out=inc.z_out[order], z_back=inc.z_back[order], u_busy=inc.u_busy[order],
    )


# ---- deciding -------------------------------------------------------------------------------
class _Chooser:
    """The dispatcher the engine calls at each decision: trainee prompt, file, script or policy."""

    def __init__(self, setup: _Setup, mode: str, choices: dict[str, str] | None,
                 ask: Callable[[DecisionPoint], int] | None):
        self.s = setup
        self.mode = mode
        self.choices = choices or {}
        self.ask = ask
        self.decisions: list[Decision] = []
        self.infeasible = False
        self.scripted = set(setup.scripted)

    def __call__(self, eng: FireEngine, i: int, options: list[DispatchOption]) -> int:
        iid = eng.inc.ids[i]
        auto = options[0].station
        opts = [{"station": o.station_id, "eta_s": round(o.eta_s, 1), "free_trucks": o.free_trucks} for o in options]
        if iid not in self.scripted or self.mode == AUTO:
            choice, by = auto, "auto"
        elif self.mode == "ask":
            choice, by = self._ask(eng, i, options), "trainee"
        else:
            want = self.choices.get(iid, AUTO)
            by = "file" if self.mode == "file" else "script"
            if want == AUTO:
                choice, by = auto, "auto"
            else:
                match = [o.station for o in options if o.station_id == want]
                if match:
                    choice = match[0]
                else:
                    # not possible at that moment (no free truck there): the policy decides instead
                    self.infeasible = True
                    choice, by = auto, f"auto ({want} had no free truck)"
        name = "mutual_aid" if choice == MUTUAL_AID else eng.stations[choice].id
        self.decisions.append(Decision(iid, float(eng.env.now), opts, name, by))
        return choice

    def _ask(self, eng: FireEngine, i: int, options: list[DispatchOption]) -> int:
        inc = eng.inc
        age = float(eng.env.now - inc.t_s[i])
        t = float(eng.env.now)
        point = DecisionPoint(
            incident=str(inc.ids[i]), clock=_clock(self.s.sc.start_hour, t), t_s=t, growth=inc.growth_name(i),
            kw_now=float(min(eng._alpha[i] * age * age, inc.vent_kw[i])), detected_after_s=age,
            options=list(options), status=eng.snapshot,
        )
        assert self.ask is not None
        k = int(self.ask(point))
        if not 0 <= k < len(options):
            raise TwinError(f"the ask function chose option {k} of {len(options)} for fire {point.incident}")
        return options[k].station


def _mmss(s: float) -> str:
    s = max(float(s), 0.0)
    return f"{int(s // 60):d}:{int(s % 60):02d}"


def _clock(start_hour: float, t_s: float) -> str:
    m = int(round(start_hour * 60 + t_s / 60.0)) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def _engine(setup: _Setup, chooser: _Chooser, *, log_routes: bool) -> FireEngine:
    """The drill's engine, not yet run."""
    return FireEngine(
        setup.twin.fire_stations, setup.travel, setup.inc, setup.params, camera_va_s=setup.va, camera_op_s=setup.op,
        roster=roster(setup.twin, setup.params), horizon_s=setup.sc.duration_s, dispatcher=chooser,
        injects=setup.injects, log_routes=log_routes, travel_cache=setup.travel_cache,
    )


def _simulate(setup: _Setup, chooser: _Chooser, *, log_routes: bool) -> FireEngine:
    eng = _engine(setup, chooser, log_routes=log_routes)
    eng.run()
    return eng


def _objective(setup: _Setup, out: Outcome) -> tuple[float, float]:
    """Minutes from ignition to water on, and MW at water on, summed over the scripted fires."""
    scripted = set(setup.scripted)
    mask = np.array([i in scripted for i in setup.inc.ids])
    mins = float(np.sum((out.t_water - out.t_ignite)[mask]) / 60.0)
    mw = float(np.sum(out.q_water_kw[mask]) / 1000.0)
    return mins, mw


def _run_script(setup: _Setup, choices: dict[str, str]) -> tuple[tuple[float, float], bool]:
    ch = _Chooser(setup, "script", choices, None)
    eng = _simulate(setup, ch, log_routes=False)
    return _objective(setup, eng.out), ch.infeasible


def _hindsight(setup: _Setup) -> tuple[dict[str, str], tuple[float, float], int, str]:
    ids = setup.scripted
    alts = [s.id for s in setup.twin.fire_stations] + ["mutual_aid"]
    n = len(alts) ** len(ids)
    best: tuple[tuple[float, float], dict[str, str]] | None = None
    runs = 0
    if n <= MAX_COMBINATIONS:
        for combo in itertools.product(alts, repeat=len(ids)):
            ch = dict(zip(ids, combo, strict=True))
            obj, infeasible = _run_script(setup, ch)
            runs += 1
            if infeasible:
                continue
            if best is None or obj < best[0]:
                best = (obj, ch)
        method = "exhaustive"
    else:
        cur = dict.fromkeys(ids, AUTO)
        cur_obj, _ = _run_script(setup, cur)
        improved = True
        while improved:
            improved = False
            for k in ids:
                for a in alts:
                    trial = dict(cur, **{k: a})
                    obj, infeasible = _run_script(setup, trial)
                    runs += 1
                    if not infeasible and obj < cur_obj:
                        cur, cur_obj, improved = trial, obj, True
        best = (cur_obj, cur)
        method = "coordinate descent"
    assert best is not None
    return best[1], best[0], runs, method


# ---- public API ------------------------------------------------------------------------------
def read_decisions(path: str | Path) -> dict[str, str]:
    """Decisions from a file.

    YAML/JSON ``{incident: station}``, a list of ``{incident, dispatch}``, or a drill's replay log
    (JSONL: the decisions in its header that were not left to the policy).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TwinError(f"decisions {p}: no such file (use ask, auto or a decisions file)") from None
    if p.suffix == ".jsonl":
        head = json.loads(text.splitlines()[0])
        return {d["incident"]: d["choice"] for d in head.get("decisions", []) if not str(d["by"]).startswith("auto")}
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise TwinError(f"{p.name}: decisions are not valid YAML/JSON: {e}") from None
    if isinstance(doc, dict):
        return {str(k): str(v) for k, v in doc.items()}
    if isinstance(doc, list) and all(isinstance(d, dict) and "incident" in d and "dispatch" in d for d in doc):
        return {str(d["incident"]): str(d["dispatch"]) for d in doc}
    raise TwinError(f"{p.name}: decisions must be a mapping incident -> station, or a list of "
                    "{incident, dispatch}")


def run_drill(
    scenario: Scenario,
    twin: Twin,
    *,
    decisions: str | dict[str, str] = AUTO,
    params: FireParams | None = None,
    city_ref: str | None = None,
    ask: Callable[[DecisionPoint], int] | None = None,
    score: bool = True,
) -> DrillResult:
    """Run a drill and score it.

    Args:
        scenario: a checked scenario (:func:`read_scenario`).
        twin: the city it plays in (its references are checked before anything runs).
        decisions: ``"auto"``, ``"ask"`` (``ask`` decides each scripted fire), a decisions file path,
            or a mapping incident -> station id / ``mutual_aid``.
        params: fire-model parameters.
        city_ref: how the city was named (kept in the replay log so a replay finds it).
        ask: with ``decisions="ask"``: called at each decision of a scripted fire with a
            :class:`DecisionPoint`, returns the index of the chosen option (0: the policy's choice).
        score: search the hindsight optimum and cost each decision.

    Returns:
        The :class:`DrillResult`.
    """
    if decisions == "ask" and ask is None:
        raise TwinError("decisions='ask' needs an ask function (the command line's is showroom_cli.drill_prompt)")
    setup = _setup(scenario, twin, params)
    if isinstance(decisions, dict):
        mode, choices = "file", decisions
    elif decisions in (AUTO, "ask"):
        mode, choices = decisions, None
    else:
        mode, choices = "file", read_decisions(decisions)
    notes = []
    if choices:
        stations = {s.id for s in twin.fire_stations} | {"mutual_aid", AUTO}
        bad = {k: v for k, v in choices.items() if v not in stations}
        if bad:
            raise TwinError(f"decisions name stations that do not exist: {bad}; the city has "
                            f"{sorted(s.id for s in twin.fire_stations)}")
        unknown = sorted(set(choices) - set(setup.scripted))
        if unknown:
            notes.append(f"decisions for fires that are not in this drill were ignored: {unknown}")
    ch = _Chooser(setup, mode, choices, ask)
    eng = _simulate(setup, ch, log_routes=True)
    res = DrillResult(scenario, twin.name, city_ref, scenario.seed, eng.out, eng, setup.inc, setup.scripted,
                      ch.decisions, notes=notes)
    if score:
        res.score = _score(setup, res)
    return res


def _score(setup: _Setup, res: DrillResult) -> dict[str, Any]:
    mine = {d.incident: d.choice for d in res.decisions if d.incident in set(setup.scripted)}
    obj = _objective(setup, res.outcome)
    best, best_obj, runs, method = _hindsight(setup)
    auto_obj, _ = _run_script(setup, dict.fromkeys(setup.scripted, AUTO))
    per = []
    for d in res.decisions:
        if d.incident not in best:
            continue
        row: dict[str, Any] = {"incident": d.incident, "t_s": d.t_s, "chosen": d.choice, "by": d.by,
                               "hindsight": best[d.incident], "minutes_lost": 0.0, "mw_lost": 0.0}
        if best[d.incident] != d.choice:
            trial = dict(mine, **{d.incident: best[d.incident]})
            o, infeasible = _run_script(setup, trial)
            if infeasible:
                row["what_if"] = "not possible alone: it needs other decisions changed too"
            row["minutes_lost"] = round(obj[0] - o[0], 2)
            row["mw_lost"] = round(obj[1] - o[1], 3)
        per.append(row)
    expected = []
    for e in setup.sc.expected:
        d = next((x for x in res.decisions if x.incident == e["incident"]), None)
        ok = d is not None and d.choice == e["dispatch"]
        if ok and e.get("within_min") is not None:
            t_ign = float(res.incidents.t_s[res.incidents.ids.index(e["incident"])])
            ok = (d.t_s - t_ign) <= float(e["within_min"]) * 60.0
        expected.append({**e, "met": bool(ok), "chosen": d.choice if d else None})
    return {
        "score": round(100.0 * best_obj[0] / obj[0], 1) if obj[0] > 0 else 100.0,
        "minutes_to_water_total": round(obj[0], 2),
        "mw_at_water_on_total": round(obj[1], 3),
        "hindsight_minutes_total": round(best_obj[0], 2),
        "hindsight_mw_total": round(best_obj[1], 3),
        "policy_minutes_total": round(auto_obj[0], 2),
        "hindsight_choices": best,
        "hindsight_method": method,
        "hindsight_runs": runs,
        "decisions": per,
        "expected_actions": expected,
        "expected_met": sum(e["met"] for e in expected),
    }


def live_drill(scenario: Scenario, twin: Twin, *, decisions: str | dict[str, str] = AUTO,
               params: FireParams | None = None) -> FireEngine:
    """A drill's engine, started but not run: for the showroom to drive frame by frame.

    Step it with :class:`sim.clock.SimClock` (``engine.env``) and draw :meth:`FireEngine.snapshot`;
    the states match the replay log's ticks at the same times. ``decisions`` as in :func:`run_drill`
    except ``ask`` (a render loop cannot wait at a terminal prompt).
    """
    if decisions == "ask":
        raise TwinError("a live drill takes decisions from a file, a mapping or the policy (auto), not ask")
    setup = _setup(scenario, twin, params)
    if isinstance(decisions, dict):
        ch = _Chooser(setup, "file", decisions, None)
    elif decisions == AUTO:
        ch = _Chooser(setup, AUTO, None, None)
    else:
        ch = _Chooser(setup, "file", read_decisions(decisions), None)
    eng = _engine(setup, ch, log_routes=True)
    eng.start()
    return eng


def replay_drill(log: str | Path, twin: Twin, *, params: FireParams | None = None) -> DrillResult:
    """Re-run a drill from its replay log (scenario, seed and decisions are in its header)."""
    p = Path(log)
    head = json.loads(p.read_text(encoding="utf-8").splitlines()[0])
    if head.get("type") != "header" or "scenario" not in head:
        raise TwinError(f"{p.name}: not a drill replay log (its first line must be the header)")
    sc = parse_scenario(head["scenario"], file=head.get("file", p.name))
    choices = {d["incident"]: d["choice"] for d in head["decisions"] if d["incident"] in set(head["scripted"])}
    return run_drill(sc, twin, decisions=choices, params=params, city_ref=head.get("city_ref"), score=False)


