"""``showroom report``: the planner's main job in one command (part of the composition root, beside ``showroom.py``).

It chains the library calls the single commands make, in the order a planner asks the questions:

1. coverage of the existing cameras (``twin.compute_coverage``, written by ``write_coverage``);
2. the next K cameras (``twin.plan_cameras``, CELF; written by ``write_plan``): they become "planned";
3. coverage after the plan (existing + the city's planned + the K new), on the same height raster;
4. the server room today and after the plan (``sim.capacity.report.run_capacity``, ``servers="auto"``);
5. fire response with the existing cameras, with existing + planned, and with none (``sim.fire.run_fire``
   twice on the same seed: the run without cameras is the same paired run in both).

Each step writes its own outputs into a subfolder of ``--out`` exactly as the single command does; the
report adds ``summary.json`` (the headline figures of every step) and ``report.html``. It computes no
figure itself: it copies them out of the steps' own summaries and puts them side by side.
"""

from __future__ import annotations

import dataclasses
import html
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twin import select_cameras
from twin.cityio import write_json

#: The step folders under ``--out``, in run order (also the keys of ``summary.json``'s ``steps``).
STEP_DIRS = {
    "coverage": "1_coverage_today",
    "plan": "2_plan",
    "coverage_after": "3_coverage_after",
    "capacity": "4_capacity",
    "fire_today": "5_fire_today",
    "fire_after": "6_fire_after",
}


@dataclass(frozen=True)
class ReportSettings:
    """How hard each step works. ``quick()`` trades precision for a run of about a minute."""

    add: int = 101
    seed: int = 0
    #: raster cell size of coverage and planning (m)
    resolution_m: float = 1.0
    #: headings tried per candidate site
    headings: int = 8
    #: DORI level the planner maximises (priority-weighted public space seen at this level or better)
    level: str = "Observe"
    #: also solve the MILP (HiGHS) and report the greedy's gap to the proven optimum: the plan's defence
    exact: bool = True
    exact_time_limit_s: float = 60.0
    #: simulated days per capacity replication, and the replications
    capacity_days: float = 7.0
    replications: int = 5
    #: simulated days of fires: ten years at the city's own rates by default, because one year of a
    #: district's building fires (a few tens) gives a p90 with an interval of minutes
    fire_days: float = 3650.0
    #: what a camera sees in the fire model: "coverage" (frustum + occlusion) or "cone"
    visibility: str = "coverage"
    #: how cameras detect fires: FireParams fields (detection, detection_mode, operator_p_notice,
    #: operator_p_notice_range, false_alarm_policy) as ``(name, value)`` pairs; empty: the defaults
    fire_options: tuple[tuple[str, Any], ...] = ()
    quick: bool = False

    @classmethod
    def quick_settings(cls, **over: Any) -> ReportSettings:
        """Coarser settings: 2 m raster, 4 headings, 2 days x 2 capacity replications, 3 years of fires."""
        base = {"resolution_m": 2.0, "headings": 4, "capacity_days": 2.0, "replications": 2, "fire_days": 1095.0,
                "exact_time_limit_s": 20.0, "quick": True}
        base.update({k: v for k, v in over.items() if v is not None})
        return cls(**base)


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(float(x), nd)


def _public_m2(s: dict[str, Any]) -> dict[str, float]:
    """Public space seen at each level or better, in m2 (share x public area, both from the coverage summary)."""
    return {n: round(v * s["public_area_m2"], 1) for n, v in s["public_share"].items()}


def _coverage_block(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "cameras": s["cameras"],
        "public_share": s["public_share"],
        "public_seen_m2": _public_m2(s),
        "public_share_priority_weighted": s["public_share_priority_weighted"],
        "street_seen_m": s["street_seen_m"],
        "overlap_public_share": s["overlap_public_share"],
    }


def _capacity_block(sc: dict[str, Any]) -> dict[str, Any]:
    st, sv = sc["storage"], sc["servers"]
    return {
        "label": sc["label"],
        "cameras": sc["cameras"],
        "total_planned_bitrate_mbps": sc["total_planned_bitrate_mbps"],
        "mean_offered_mbps": sc["mean_offered_mbps"],
        "recording_servers": sv["recording"],
        "failover_servers": sv["failover"],
        "servers_total": sv["total"],
        "disks_per_server": st["disks_per_server"],
        "disk_tb": st["disk_tb"],
        "raid": st["raid"],
        "usable_tb_total": st["usable_tb_total"],
        "raw_tb_total": st["raw_tb_total"],
        "needed_usable_tb": st["needed_usable_tb"],
        "needed_raw_tb": st["needed_raw_tb"],
        "retention_days": sc["service_levels"]["retention_days"]["figure"],
        "p95_live_latency_ms": sc["service_levels"]["p95_live_latency_ms"]["figure"],
        "pass": sc["pass"],
        "search_exhausted": sc["search_exhausted"],
    }


def _min(x: float | None) -> float | None:
    return None if x is None else round(float(x) / 60.0, 3)


def _fire_times(run: dict[str, Any]) -> dict[str, Any]:
    t = run["times_s"]
    out: dict[str, Any] = {"incidents": run["incidents"], "detected_by": run["detected_by"]}
    for phase in ("ignition_to_water", "total", "detection"):
        ph = t.get(phase, {})
        out[phase] = {
            "mean_min": _min(ph.get("mean")),
            "p90_min": _min(ph.get("p90")),
            "p90_ci95_min": [_min(v) for v in ph.get("p90_ci95", [])] or None,
        }
    out["standard_met"] = run["compliance"]["met"]
    out["flashover_share"] = run["flashover_share"]
    return out


def _saved(s: dict[str, Any]) -> dict[str, Any]:
    sv = s.get("camera_minutes_saved", {})
    keys = ("mean", "mean_ci95", "median", "p90", "total_minutes", "incidents_helped", "flashovers_avoided")
    return {k: sv.get(k) for k in keys} | {"cameras": s["camera_set"]["cameras"],
                                            "incidents_seen": s["camera_set"]["incidents_seen"]}


def _p_at(draw: dict[str, Any], ppm: float) -> float | None:
    """The drawn chance of detection in the band holding ``ppm``."""
    bands = [b for b in draw["p_detect_by_band"] if b["ppm_min"] <= ppm]
    return bands[-1]["p"] if bands else None


def _sensitivity(s: dict[str, Any]) -> dict[str, Any]:
    sens = s.get("operator_notice_sensitivity", {})
    return {k: {"operator_p_notice": sens[k]["operator_p_notice"], "minutes_saved_mean": sens[k]["minutes_saved_mean"],
                "minutes_saved_mean_ci95": sens[k]["minutes_saved_mean_ci95"]}
            for k in ("low", "central", "high") if k in sens}


def _fire_block(today: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    none_t, none_a = _fire_times(today["without_cameras"]), _fire_times(after["without_cameras"])
    today_t, after_t = _fire_times(today["with_cameras"]), _fire_times(after["with_cameras"])
    return {
        "days": today["days"],
        "standard": today["standard"],
        "fires": today["with_cameras"]["incidents"],
        "fires_per_year": round(today["with_cameras"]["incidents"] / today["days"] * 365.0, 2),
        # the run without cameras is the same paired run in both studies (same seed, same draws)
        "no_cameras_runs_identical": none_t == none_a,
        "none": none_t,
        "today": today_t,
        "after": after_t,
        "minutes_saved": {"today": _saved(today), "after": _saved(after)},
        # the operator assumption's weight, and what the analytics' false alarms cost (sim.fire.costs)
        "operator_notice_sensitivity": {k: _sensitivity(v) for k, v in (("today", today), ("after", after))},
        "false_alarms": {"today": today["false_alarms"], "after": after["false_alarms"]},
        "detection_draw": today["detection"]["draw"],
        "p90_ignition_to_water_min": {
            "none": none_t["ignition_to_water"]["p90_min"],
            "today": today_t["ignition_to_water"]["p90_min"],
            "after": after_t["ignition_to_water"]["p90_min"],
        },
    }


def run_report(
    city: Any,
    out: Path,
    *,
    settings: ReportSettings,
    city_label: str = "",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run every step on ``city``, write the step folders, ``summary.json`` and ``report.html`` into ``out``.

    Args:
        city: the loaded :class:`twin.Twin`.
        out: the report folder (created; step folders inside it).
        settings: what each step does (:class:`ReportSettings`).
        city_label: how the city was named on the command line (for the report).
        progress: called with one line per step start and end (the CLI prints them on stderr).

    Returns:
        The summary (also written to ``out/summary.json``).

    Raises:
        TwinError: bad settings or a city the steps cannot work on (before anything is written where the
            steps check first).
    """
    import twin
    from showroom_cli.coverage_report import write_coverage, write_plan
    from sim.capacity.report import run_capacity
    from sim.fire import FireParams, run_fire
    from sim.fire.report import write_fire_outputs
    from sim.travel import TravelModel

    say = progress or (lambda _m: None)
    s = settings
    if isinstance(s.add, bool) or not isinstance(s.add, int) or s.add < 1:
        raise twin.TwinError(f"--add must be a whole number >= 1, got {s.add!r}")
    if not s.fire_days > 0:
        raise twin.TwinError(f"--days must be > 0, got {s.fire_days!r}")
    existing = city.cameras_by_status("existing")
    if not existing:
        raise twin.TwinError(f"{city.name}: the city has no existing cameras; the report compares today with a plan")
    if not city.fire_stations:
        raise twin.TwinError(f"{city.name}: the city has no fire stations; the fire step needs at least one")
    params = FireParams(visibility=s.visibility, **dict(s.fire_options))  # checked here, before any step writes
    out.mkdir(parents=True, exist_ok=True)
    dirs = {k: out / v for k, v in STEP_DIRS.items()}
    t_all = time.perf_counter()
    steps: dict[str, dict[str, Any]] = {}
    n_steps = len(STEP_DIRS)

    def start(key: str, what: str) -> float:
        say(f"[{list(STEP_DIRS).index(key) + 1}/{n_steps}] {what} ...")
        return time.perf_counter()

    def done(key: str, t0: float, line: str) -> None:
        dt = time.perf_counter() - t0
        steps[key] = {"dir": STEP_DIRS[key], "seconds": round(dt, 2)}
        say(f"[{list(STEP_DIRS).index(key) + 1}/{n_steps}] {line} ({dt:.1f} s)")

    # 1. coverage today: the existing cameras, on a raster the plan and coverage after reuse
    t0 = start("coverage", f"coverage of the {len(existing)} existing cameras at {s.resolution_m:g} m")
    raster = twin.build_raster(city, resolution_m=s.resolution_m)
    cov0 = twin.compute_coverage(city, existing, raster=raster)
    cs0 = write_coverage(cov0, city, dirs["coverage"], extra={"run_time_s": round(time.perf_counter() - t0, 3)})
    done("coverage", t0, "coverage today: " + ", ".join(f"{n} {100 * v:.1f}%" for n, v in
                                                         list(cs0["public_share"].items())[:3]) + " of public space")

    # 2. the plan: K new cameras by CELF; they come back with status "planned"
    t0 = start("plan", f"planning {s.add} new cameras (CELF, {s.headings} headings, {s.level}"
                       + (", MILP gap)" if s.exact else ")"))
    plan = twin.plan_cameras(city, s.add, level=s.level, headings=s.headings, raster=raster, exact=s.exact,
                             time_limit_s=s.exact_time_limit_s)
    ps = write_plan(plan, city, dirs["plan"])
    lvl = plan.level
    gap = "" if ps["gap"] is None else f", {100 * ps['gap']:.2f}% from the MILP optimum"
    if ps.get("exact") and ps["exact"].get("bound") is None:
        gap = ", MILP gap unknown (HiGHS returned no dual bound)"
    done("plan", t0, f"plan: {ps['added']} cameras, public space at {lvl} "
                     f"{100 * ps['before']['public_share'][lvl]:.1f}% -> {100 * ps['after']['public_share'][lvl]:.1f}%"
                     + gap)

    # the city after the plan: its cameras plus the new ones as planned (ids PLAN-nnn, never a clash)
    after_city = dataclasses.replace(city, cameras=list(city.cameras) + list(plan.cameras))
    after_cams = select_cameras(after_city, "all")

    # 3. coverage after: existing + planned (the city's own and the new), same raster
    t0 = start("coverage_after", f"coverage of the {len(after_cams)} cameras after the plan")
    cov1 = twin.compute_coverage(after_city, after_cams, raster=raster)
    cs1 = write_coverage(cov1, after_city, dirs["coverage_after"],
                         extra={"run_time_s": round(time.perf_counter() - t0, 3)})
    done("coverage_after", t0, "coverage after: " + ", ".join(
        f"{n} {100 * v:.1f}%" for n, v in list(cs1["public_share"].items())[:3]) + " of public space")

    # 4. capacity today and after (auto servers): "all" on the city after = existing + planned
    t0 = start("capacity", f"server room today and after ({s.capacity_days:g} days x {s.replications} replications)")
    cap = run_capacity(after_city, dirs["capacity"], cameras="all", servers="auto", days=s.capacity_days,
                       seed=s.seed, replications=s.replications)
    write_json(dirs["capacity"] / "summary.json", cap)
    cap_today = _capacity_block(cap["scenarios"]["today"])
    cap_after = _capacity_block(cap["scenarios"]["after"])
    done("capacity", t0, f"capacity: {cap_today['recording_servers']}+{cap_today['failover_servers']} servers, "
                         f"{cap_today['raw_tb_total']:g} TB raw today -> {cap_after['recording_servers']}+"
                         f"{cap_after['failover_servers']}, {cap_after['raw_tb_total']:g} TB raw after")

    # 5-6. fire response: existing cameras, then existing + planned; both paired with no cameras
    travel = TravelModel(city.roads, city.fire_stations, params.travel)
    t0 = start("fire_today", f"fire response, {s.fire_days:g} days, {len(existing)} existing cameras vs none")
    f0 = run_fire(city, cameras="existing", days=s.fire_days, seed=s.seed, params=params, travel=travel)
    write_fire_outputs(city, f0, dirs["fire_today"])
    done("fire_today", t0, f"fire today: {f0.summary['with_cameras']['incidents']} fires, cameras save "
                           f"{f0.summary.get('camera_minutes_saved', {}).get('mean', 0.0):.2f} min a fire")
    t0 = start("fire_after", f"fire response, {len(after_cams)} cameras (existing + planned) vs none")
    f1 = run_fire(after_city, cameras="all", days=s.fire_days, seed=s.seed, params=params, travel=travel)
    write_fire_outputs(after_city, f1, dirs["fire_after"])
    done("fire_after", t0, f"fire after: cameras save "
                           f"{f1.summary.get('camera_minutes_saved', {}).get('mean', 0.0):.2f} min a fire")

    fire = _fire_block(f0.summary, f1.summary)
    names = list(cs0["public_share"])
    seen0, seen1 = _public_m2(cs0), _public_m2(cs1)
    summary: dict[str, Any] = {
        "city": city.name,
        "city_path": city_label,
        "seed": s.seed,
        "quick": s.quick,
        "settings": dataclasses.asdict(s),
        "cameras": {
            "today": len(existing),
            "planned_before": len(city.cameras_by_status("planned")),
            "added": len(plan.cameras),
            "after": len(after_cams),
            # the sites the planner chose from: the city's candidates, or street poles it generated
            "candidate_sites": ps["instance"].get("sites"),
        },
        "coverage": {
            "profile": cs0["profile"],
            "levels": names,
            "levels_ppm": cs0["levels_ppm"],
            "target_height_m": cs0["target_height_m"],
            "resolution_m": cs0["raster"]["resolution_m"],
            "public_area_m2": cs0["public_area_m2"],
            "today": _coverage_block(cs0),
            "after": _coverage_block(cs1),
            "gain_public_m2": {n: round(seen1[n] - seen0[n], 1) for n in names},
        },
        "plan": {
            "level": lvl,
            "requested": ps["requested"],
            "added": ps["added"],
            "headings": s.headings,
            "objective_before": ps["objective_before"],
            "objective_after": ps["objective_after"],
            "gain_weighted_m2": round(ps["objective_after"] - ps["objective_before"], 2),
            "sum_of_gains_m2": round(sum(g["gain_m2"] for g in ps["gains"]), 2),
            "public_share_before": ps["before"]["public_share"][lvl],
            "public_share_after": ps["after"]["public_share"][lvl],
            "gap": ps["gap"],
            "exact": ps["exact"],
            "gains": ps["gains"],
            "camera_ids": [c.id for c in plan.cameras],
            "instance": ps["instance"],
        },
        "capacity": {
            "today": cap_today,
            "after": cap_after,
            "added_servers": cap_after["servers_total"] - cap_today["servers_total"],
            "added_raw_tb": round(cap_after["raw_tb_total"] - cap_today["raw_tb_total"], 2),
            "added_usable_tb": round(cap_after["usable_tb_total"] - cap_today["usable_tb_total"], 2),
            "retention_days_target": cap["inputs"]["retention_days"],
            "days": s.capacity_days,
            "replications": s.replications,
            "pass": cap["pass"],
        },
        "fire": fire,
        "steps": steps,
        "run_time_s": round(time.perf_counter() - t_all, 2),
    }
    summary["files"] = {k: sorted(str(p.relative_to(out)) for p in d.rglob("*") if p.is_file())
                        for k, d in dirs.items()}
    write_json(out / "summary.json", summary)
    (out / "report.html").write_text(render_html(summary, out), encoding="utf-8")
    say(f"report: {out / 'report.html'} in {summary['run_time_s']:.1f} s")
    return summary




# ---------------------------------------------------------------------------------------------
# report.html
# ---------------------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;color:#222;
line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ccc;padding:.3em .7em;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#f0f3f7}
td.gain{color:#176d2c;font-weight:600}.sub{color:#666;font-size:.9em}td+td{white-space:nowrap}
p.lead{font-size:1.1em;background:#f6f8fa;border-left:4px solid #2b6cb0;padding:.6em 1em}
details{margin:.6em 0}summary{cursor:pointer;color:#2b6cb0}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{color:#555;font-size:.9em}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1em}ul.assume li{margin:.2em 0}
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None, fmt: str = "{:,.1f}") -> str:
    return "–" if x is None else fmt.format(x)


def _row(label: str, before: str, after: str, change: str = "", sub: str = "") -> str:
    sub_html = f' <span class="sub">{_e(sub)}</span>' if sub else ""
    return (f"<tr><td>{_e(label)}{sub_html}</td><td>{before}</td><td>{after}</td>"
            f'<td class="gain">{change}</td></tr>')


def _figure(out: Path, rel: str, caption: str) -> str:
    if not (out / rel).exists():
        return ""
    return f'<figure><a href="{_e(rel)}"><img src="{_e(rel)}" alt="{_e(caption)}"></a>' \
           f"<figcaption>{_e(caption)}</figcaption></figure>"


def render_html(s: dict[str, Any], out: Path) -> str:
    """One HTML page: the headline table, the steps' maps and plots (linked relatively), the assumptions."""
    cam, cov, pl, cap, fi = s["cameras"], s["coverage"], s["plan"], s["capacity"], s["fire"]
    ct, ca = cap["today"], cap["after"]
    rows = [_row("cameras", f"{cam['today']}", f"{cam['after']}", f"+{cam['after'] - cam['today']}",
                 f"{cam['added']} new sited from {cam['candidate_sites']} candidate sites")]
    for n in cov["levels"]:
        b, a = cov["today"]["public_share"][n], cov["after"]["public_share"][n]
        rows.append(_row(f"public space seen at {n} or better",
                         f"{_pct(b)} ({cov['today']['public_seen_m2'][n]:,.0f} m²)",
                         f"{_pct(a)} ({cov['after']['public_seen_m2'][n]:,.0f} m²)",
                         f"+{cov['gain_public_m2'][n]:,.0f} m²", f"{cov['levels_ppm'][n]:g} px/m"))
    rows.append(_row("video, planned bitrate", f"{ct['total_planned_bitrate_mbps']:,.0f} Mbit/s",
                     f"{ca['total_planned_bitrate_mbps']:,.0f} Mbit/s",
                     f"+{ca['total_planned_bitrate_mbps'] - ct['total_planned_bitrate_mbps']:,.0f} Mbit/s"))
    rows.append(_row("recording servers (+ failover)", f"{ct['recording_servers']} + {ct['failover_servers']}",
                     f"{ca['recording_servers']} + {ca['failover_servers']}", f"+{cap['added_servers']}",
                     "smallest room meeting every service level"))
    rows.append(_row("disks per server", f"{ct['disks_per_server']} × {ct['disk_tb']:g} TB {ct['raid']}",
                     f"{ca['disks_per_server']} × {ca['disk_tb']:g} TB {ca['raid']}"))
    rows.append(_row("storage raw / usable", f"{ct['raw_tb_total']:,.0f} / {ct['usable_tb_total']:,.0f} TB",
                     f"{ca['raw_tb_total']:,.0f} / {ca['usable_tb_total']:,.0f} TB",
                     f"+{cap['added_raw_tb']:,.0f} / +{cap['added_usable_tb']:,.0f} TB"))
    rows.append(_row("retention achieved", f"{ct['retention_days']:.1f} d", f"{ca['retention_days']:.1f} d", "",
                     f"target {cap['retention_days_target']:g} d"))
    p90 = fi["p90_ignition_to_water_min"]
    ms_t, ms_a = fi["minutes_saved"]["today"], fi["minutes_saved"]["after"]
    d90 = None if p90["today"] is None or p90["after"] is None else p90["after"] - p90["today"]
    rows.append(_row("p90 ignition → water on the fire", _num(p90["today"], "{:.2f} min"),
                     _num(p90["after"], "{:.2f} min"), _num(d90, "{:+.2f} min"),
                     f"without any camera {_num(p90['none'], '{:.2f} min')}"))
    rows.append(_row("p90 notification → water", _num(fi["today"]["total"]["p90_min"], "{:.2f} min"),
                     _num(fi["after"]["total"]["p90_min"], "{:.2f} min"), "",
                     f"{fi['standard']}: " + ("met" if fi["after"]["standard_met"] else "NOT met") + " after"))
    rows.append(_row("minutes the cameras save, mean a fire", _num(ms_t["mean"], "{:.2f} min"),
                     _num(ms_a["mean"], "{:.2f} min"),
                     _num((ms_a["mean"] or 0) - (ms_t["mean"] or 0), "+{:.2f} min"),
                     "paired: the same fires with no camera"))
    rows.append(_row("minutes the cameras save, all fires", _num(ms_t["total_minutes"], "{:,.0f} min"),
                     _num(ms_a["total_minutes"], "{:,.0f} min"), "",
                     f"{fi['fires']} fires in {fi['days']:g} days"))
    rows.append(_row("fires the cameras found first", f"{ms_t['incidents_helped']}", f"{ms_a['incidents_helped']}",
                     "", f"flashovers avoided {ms_t['flashovers_avoided']} → {ms_a['flashovers_avoided']}"))
    sens_t, sens_a = fi["operator_notice_sensitivity"]["today"], fi["operator_notice_sensitivity"]["after"]
    for k in ("low", "central", "high"):
        if k in sens_t and k in sens_a:
            rows.append(_row(f"minutes saved a fire if operators notice a fire on a tile with p = "
                             f"{sens_t[k]['operator_p_notice']:g} ({k})",
                             _num(sens_t[k]["minutes_saved_mean"], "{:.2f} min"),
                             _num(sens_a[k]["minutes_saved_mean"], "{:.2f} min"), "",
                             "an assumption: no published figure" if k == "central" else "sensitivity"))
    fa_t, fa_a = fi["false_alarms"]["today"], fi["false_alarms"]["after"]
    rows.append(_row("analytics false alarms, operator minutes to verify them",
                     _num(fa_t["operator_minutes"], "{:,.0f} min"), _num(fa_a["operator_minutes"], "{:,.0f} min"), "",
                     f"{fa_a['count']:,} alarms at {fa_a['per_camera_hour']:.2f} a camera-hour; against "
                     f"{_num(ms_a['total_minutes'], '{:,.0f}')} min saved"))
    if fa_a["policy"] == "dispatch":
        rows.append(_row("truck minutes on false alarms (alarms dispatch at once)",
                         _num(fa_t["truck_minutes"], "{:,.0f} min"), _num(fa_a["truck_minutes"], "{:,.0f} min")))
    lvl = pl["level"]
    gap = "" if pl["gap"] is None else (
        f" The greedy plan is within {100 * pl['gap']:.2f}% of the optimum the MILP proves"
        f"{'' if pl['exact'] and pl['exact']['optimal'] else ' (bound; not solved to optimality)'}.")
    if pl["exact"] and pl["exact"].get("bound") is None:
        gap = " The MILP returned no dual bound, so the greedy plan's distance from the optimum is unknown."
    lead = (
        f"Today {cam['today']} cameras see {_pct(cov['today']['public_share'][lvl])} of the public space at {lvl} "
        f"or better ({_pct(cov['today']['public_share'][cov['levels'][0]])} at {cov['levels'][0]}). "
        f"The {pl['added']} planned cameras raise that to {_pct(cov['after']['public_share'][lvl])} "
        f"({_pct(cov['after']['public_share'][cov['levels'][0]])}).{gap} "
        f"The video then needs {ca['recording_servers']} + {ca['failover_servers']} recording servers "
        f"(today {ct['recording_servers']} + {ct['failover_servers']}) and {ca['raw_tb_total']:,.0f} TB raw "
        f"({ca['usable_tb_total']:,.0f} TB usable; today {ct['raw_tb_total']:,.0f} / {ct['usable_tb_total']:,.0f}). "
        f"The cameras take {_num(ms_a['mean'], '{:.2f}')} min a fire off the time from ignition to water on the "
        f"fire (today's {_num(ms_t['mean'], '{:.2f}')}), over {fi['fires']} simulated fires."
    )
    plan_rows = "".join(
        f"<tr><td>{g['rank']}</td><td>{_e(g['id'])}</td><td>{_e(g['site'])}</td><td>{g['heading_deg']:g}°</td>"
        f"<td>{g['hfov_deg']:.0f}°</td><td>{g['gain_m2']:,.0f}</td><td>{g['cumulative_m2']:,.0f}</td></tr>"
        for g in pl["gains"])
    plan_table = (
        f"<details><summary>The {pl['added']} sites in the order the greedy chose them (the new cameras are in "
        f"<a href='{STEP_DIRS['plan']}/plan.geojson'>plan.geojson</a>)</summary><table><thead><tr><th>rank</th>"
        "<th>camera</th><th>site</th><th>heading</th><th>HFOV</th><th>gain (weighted m²)</th><th>cumulative</th>"
        f"</tr></thead><tbody>{plan_rows}</tbody></table></details>")
    d = STEP_DIRS
    figs = [
        ("What the cameras see, by DORI level", [(f"{d['coverage']}/coverage.png", "coverage today, by DORI level"),
                                        (f"{d['coverage_after']}/coverage.png", "coverage after the plan")]),
        (f"The plan for {pl['added']} new cameras", [(f"{d['plan']}/plan.png", "before and after, side by side"),
                                                     (f"{d['plan']}/marginal.png", "what each added camera adds")]),
        ("Servers and storage", [(f"{d['capacity']}/{k}_{sc}.png", f"{k} ({sc})")
                                 for sc in ("today", "after") for k in ("utilisation", "storage", "latency")]),
        ("Fire response", [(f"{d['fire_today']}/fire_cdf.png", "response times with the existing cameras and none"),
                           (f"{d['fire_after']}/fire_cdf.png", "response times with existing + planned and none"),
                           (f"{d['fire_today']}/fire_drive_time.png", "drive time from the nearest station")]),
    ]
    fig_html = []
    for title, items in figs:
        inner = "".join(_figure(out, rel, cap_) for rel, cap_ in items)
        if inner:
            extra = plan_table if title.startswith("The plan") else ""
            fig_html.append(f"<h2>{_e(title)}</h2><div class='grid'>{inner}</div>{extra}")
    st = s["settings"]
    assume = [
        f"DORI profile {cov['profile']} ({', '.join(f'{n} {v:g}' for n, v in cov['levels_ppm'].items())} px/m), "
        f"target {cov['target_height_m']:g} m above the ground, occlusion on a {cov['resolution_m']:g} m height "
        "raster. Public space = streets (by road class width) and squares/parks.",
        f"Plan: maximal covering of priority-weighted public space seen at {pl['level']} or better, lazy greedy "
        f"(CELF) over {cam['candidate_sites']} candidate sites (the city's, or street poles every 50 m if it has "
        f"none) × {pl['headings']} headings; existing and planned cameras kept; one camera per site; "
        + ("the MILP (HiGHS) gives the greedy's gap to the optimum." if pl["exact"] else "no MILP check."),
        f"Capacity: the SimPy model of streams, servers, RAID and faults (design-basis crash, disk failure, "
        f"uplink outage, power cut, plus random faults), {st['capacity_days']:g} simulated days × "
        f"{st['replications']} replications, servers chosen automatically; retention target "
        f"{cap['retention_days_target']:g} days; the server room's hardware from city.yaml.",
        f"Fire: {fi['fires']} building fires over {fi['days']:g} simulated days at the zones' rates "
        f"({fi['fires_per_year']:g} a year), standard {fi['standard']}; cameras see a fire with the "
        f"{st['visibility']} model; detection by analytics, by an operator on the wall, or a citizen's call. "
        "Analytics detect by the detection profile measured on labelled real clips (showroom feeds evaluate; "
        "one smoke clip and a few minutes of footage without fire so far, so its numbers are drawn from wide "
        f"intervals each run: this run's chance at Detect level "
        f"{_num(_p_at(fi['detection_draw'], 25.0), '{:.2f}')}, delay median "
        f"{fi['detection_draw']['delay_median_s']:.0f} s, false alarms "
        f"{fi['detection_draw']['false_alarms_per_camera_hour']:.1f} per camera-hour). An operator notices a fire "
        "on a wall tile with an assumed chance per showing (no published figure; the table gives the low and "
        "high ends). Minutes saved are paired differences on the same fires.",
        f"Seed {s['seed']}" + (" (quick settings: coarser raster, fewer days and replications)."
                               if s["quick"] else "."),
    ]
    steps = "".join(f"<tr><td>{_e(k)}</td><td><a href='{_e(v['dir'])}/'>{_e(v['dir'])}/</a></td>"
                    f"<td>{v['seconds']:.1f} s</td></tr>" for k, v in s["steps"].items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(s['city'])}: camera, server and fire plan</title>
<style>{_CSS}</style></head><body>
<h1>{_e(s['city'])}: what the cameras see, the next {pl['added']}, the servers, the fires</h1>
<p class="sub">Written by <code>showroom report</code> in {s['run_time_s']:.0f} s. Every figure comes from the
step folders' own <code>summary.json</code>; the page's figures are in <a href="summary.json">summary.json</a>.</p>
<p class="lead">{_e(lead)}</p>
<h2>Headline</h2>
<table><thead><tr><th></th><th>today</th><th>after the plan</th><th>change</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
{''.join(fig_html)}
<h2>Assumptions</h2><ul class="assume">{''.join(f'<li>{_e(a)}</li>' for a in assume)}</ul>
<h2>Steps</h2><table><thead><tr><th>step</th><th>outputs</th><th>time</th></tr></thead><tbody>{steps}</tbody></table>
</body></html>
"""
