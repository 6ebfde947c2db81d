"""A drill's outputs: replay log (JSONL) for the 3D showroom, after-action report, event CSV, summary.json.

Every file says TRAINING. The replay log's schema is documented in docs/drills.md:
line 1 is a ``header`` (scenario, seed, decisions, stations, trucks, fires), then one line per
event and one ``tick`` line every :data:`TICK_S` seconds (truck positions, fire sizes), in time
order, and an ``end`` line with the score.
"""

from __future__ import annotations

__all__ = ["SCHEMA", "TICK_S", "event_records", "plot_drill_map", "replay_lines", "write_all", "write_outputs"]

import csv
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.fire import MUTUAL_AID_SHOWN_S, SOURCES

if TYPE_CHECKING:
    from sim.drill._session import DrillResult

SCHEMA = "fire-drill-replay/1"
TICK_S = 30.0
BANNER = "TRAINING - EXERCISE ONLY - NOT A REAL INCIDENT"


def _clock(start_hour: float, t_s: float) -> str:
    s = int(round(start_hour * 3600 + t_s)) % 86400
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _fires_at(res: DrillResult, t: float) -> dict[str, dict[str, Any]]:
    """Fires burning or being fought at ``t``, the events at ``t`` included (as :class:`sim.clock.SimClock`)."""
    o, inc = res.outcome, res.incidents
    alpha = inc.alpha

    def done(te: float) -> bool:  # has an event at ``te`` happened by ``t``?
        return bool(np.isfinite(te) and te <= t)

    out = {}
    for i, iid in enumerate(inc.ids):
        t0 = o.t_ignite[i]
        if t < t0:
            continue
        tw, tl = o.t_water[i], o.t_leave[i]
        if done(tw):
            if done(tl):
                continue  # out and the crew gone
            if not np.isfinite(tl) and done(tw + MUTUAL_AID_SHOWN_S):
                continue  # mutual aid: no own truck to follow; shown controlled for an hour
            out[iid] = {"kw": round(float(o.q_water_kw[i]), 1), "state": "controlled"}
            continue
        age = t - t0
        kw = min(alpha[i] * age * age, inc.vent_kw[i])
        state = "flashover" if kw >= inc.flashover_kw[i] else "growing"
        out[iid] = {"kw": round(float(kw), 1), "state": state}
    return out


def _truck_legs(res: DrillResult) -> dict[int, list[tuple[float, float, np.ndarray, np.ndarray, str]]]:
    legs: dict[int, list[tuple[float, float, np.ndarray, np.ndarray, str]]] = {}
    for t, _, kind, _i, truck, info in res.outcome.events:
        if kind in ("enroute", "leave_scene") and "route_xy" in info:
            xy = np.asarray(info["route_xy"], dtype=float)
            ts = t + np.asarray(info["route_t"], dtype=float)
            state = "driving" if kind == "enroute" else "returning"
            legs.setdefault(truck, []).append((t, float(ts[-1]), xy, ts, state))
    return legs


def _truck_state(res: DrillResult, legs: dict, k: int, t: float) -> tuple[list[float], str]:
    eng = res.engine
    s = eng.truck_station[k]
    home = [round(float(eng.stations[s].x), 2), round(float(eng.stations[s].y), 2)]
    o = res.outcome
    for t0, t1, xy, ts, state in legs.get(k, []):
        if t0 <= t < t1:
            x = float(np.interp(t, ts, xy[:, 0]))
            y = float(np.interp(t, ts, xy[:, 1]))
            return [round(x, 2), round(y, 2)], state
    mine = np.flatnonzero(o.truck == k)
    # the events at a tick's own time count, as in a live snapshot (sim.clock steps through them)
    for i in mine:
        if o.t_dispatch[i] <= t < o.t_enroute[i]:
            return home, "turnout"
        if o.t_arrive[i] <= t < o.t_leave[i]:
            state = "pumping" if t >= o.t_water[i] else "setting_up"
            return [round(float(res.incidents.x[i]), 2), round(float(res.incidents.y[i]), 2)], state
    return home, ("out_of_service" if _out_at(res, k, t) else "in_station")


def _out_at(res: DrillResult, k: int, t: float) -> bool:
    # out of service from a breakdown until repaired: follow that truck's service events
    out = False
    for te, _, kind, _i, truck, info in res.outcome.events:
        if te > t:
            break
        if truck == k and kind in ("in_service", "out_of_service"):
            out = kind == "out_of_service" or bool(info.get("out_of_service", False))
    return out


def event_records(res: DrillResult) -> list[dict[str, Any]]:
    """The run's events as JSON-ready records (time, clock, type, incident, truck, details, fire sizes)."""
    eng = res.engine
    sh = res.scenario.start_hour
    recs = []
    for t, _, kind, i, truck, info in res.outcome.events:
        r: dict[str, Any] = {"type": kind, "t": round(t, 2), "clock": _clock(sh, t),
                             "incident": res.incidents.ids[i] if i >= 0 else None,
                             "truck": eng.truck_names[truck] if truck >= 0 else None}
        r.update({k: v for k, v in info.items() if k != "station" or isinstance(v, str)})
        r["fires"] = _fires_at(res, t)
        recs.append(r)
    return recs


def replay_lines(res: DrillResult) -> list[dict[str, Any]]:
    """Header, events and ticks merged in time order, and the end line."""
    eng = res.engine
    sc = res.scenario
    o = res.outcome
    header = {
        "type": "header", "schema": SCHEMA, "training": True, "banner": BANNER, "drill": sc.title,
        "file": sc.file, "scenario": sc.raw, "seed": res.seed, "city": res.twin_name, "city_ref": res.city_ref,
        "start_hour": sc.start_hour, "duration_s": sc.duration_s, "tick_s": TICK_S,
        "stations": [{"id": s.id, "x": s.x, "y": s.y, "trucks": s.trucks} for s in eng.stations],
        "trucks": [{"id": n, "station": eng.stations[s].id} for n, s in zip(eng.truck_names, eng.truck_station,
                                                                           strict=True)],
        "fires": [{"id": iid, "x": round(float(res.incidents.x[k]), 2), "y": round(float(res.incidents.y[k]), 2),
                   "growth": res.incidents.growth_name(k), "t_ignite": round(float(res.incidents.t_s[k]), 2),
                   "flashover_kw": round(float(res.incidents.flashover_kw[k]), 1),
                   "scripted": iid in set(res.scripted)} for k, iid in enumerate(res.incidents.ids)],
        "scripted": res.scripted,
        "decisions": [{"incident": d.incident, "t": round(d.t_s, 2), "choice": d.choice, "by": d.by,
                       "options": d.options} for d in res.decisions],
    }
    evs = event_records(res)
    legs = _truck_legs(res)
    end_t = max([e["t"] for e in evs] + [sc.duration_s])
    ticks = []
    for t in np.arange(0.0, end_t + TICK_S, TICK_S):
        trucks = {}
        for k, name in enumerate(eng.truck_names):
            xy, state = _truck_state(res, legs, k, float(t))
            trucks[name] = {"xy": xy, "state": state}
        ticks.append({"type": "tick", "t": round(float(t), 2), "clock": _clock(sc.start_hour, float(t)),
                      "trucks": trucks, "fires": _fires_at(res, float(t))})
    merged = sorted(evs + ticks, key=lambda r: (r["t"], r["type"] == "tick"))
    end = {"type": "end", "t": round(float(end_t), 2), "training": True,
           "score": res.score.get("score"), "flashovers": int(o.flashed_over.sum())}
    return [header, *merged, end]


def _md_report(res: DrillResult) -> str:  # noqa: C901 - a document, section by section
    sc, sco, o, inc = res.scenario, res.score, res.outcome, res.incidents
    sh = sc.start_hour
    lines = [f"# {BANNER}", "", f"## After-action report: {sc.title}", ""]
    if sc.description:
        lines += [sc.description.strip(), ""]
    lines += [f"- city: {res.twin_name}; start {_clock(sh, 0)[:5]}; duration {sc.duration_s / 60:g} min; "
              f"seed {res.seed}; cameras: {sc.cameras}", ""]
    if sco:
        lines += ["## Score", "",
                  f"**{sco['score']:g} / 100**: {sco['minutes_to_water_total']:.1f} min from ignition to water "
                  f"summed over the scripted fires; the best decisions in hindsight give "
                  f"{sco['hindsight_minutes_total']:.1f} min ({sco['hindsight_method']}, {sco['hindsight_runs']} "
                  f"replays); the nearest-free-truck policy gives {sco['policy_minutes_total']:.1f} min.", "",
                  f"Fire size at water on, summed: {sco['mw_at_water_on_total']:.2f} MW "
                  f"(hindsight: {sco['hindsight_mw_total']:.2f} MW). Expected actions met: "
                  f"{sco['expected_met']} of {len(sco['expected_actions'])}.", ""]
    lines += ["## Decisions", "", "| time | fire | options (ETA) | chosen | by | hindsight | min lost | MW lost |",
              "|---|---|---|---|---|---|---|---|"]
    per = {r["incident"]: r for r in sco.get("decisions", [])}
    for d in res.decisions:
        opts = ", ".join(f"{x['station']} {x['eta_s'] / 60:.1f}'" for x in d.options)
        r = per.get(d.incident, {})
        lines.append(f"| {_clock(sh, d.t_s)} | {d.incident} | {opts} | {d.choice} | {d.by} | "
                     f"{r.get('hindsight', '-')} | {r.get('minutes_lost', '-')} | {r.get('mw_lost', '-')} |")
    lines.append("")
    whatifs = [r for r in sco.get("decisions", []) if r["chosen"] != r["hindsight"]]
    if sco:
        lines += ["## What if", ""]
        if not whatifs:
            lines.append("Every decision matched the best choice in hindsight.")
        for r in whatifs:
            extra = f" ({r['what_if']})" if "what_if" in r else ""
            lines.append(f"- {r['incident']}: sending {r['hindsight']} instead of {r['chosen']} would have put water "
                         f"on the fires {r['minutes_lost']:+.2f} min sooner in total and {r['mw_lost']:+.3f} MW "
                         f"smaller{extra}.")
        lines.append("")
        if sco["expected_actions"]:
            lines += ["## Expected actions", ""]
            for e in sco["expected_actions"]:
                mark = "met" if e["met"] else "NOT met"
                lines.append(f"- {e['incident']}: dispatch {e['dispatch']} - **{mark}** (chosen: {e['chosen']})"
                             + (f". {e['why']}" if e.get("why") else ""))
            lines.append("")
    lines += ["## Fires", "", "| fire | growth | ignition | detected (by) | water on | kW at water on | flashover |",
              "|---|---|---|---|---|---|---|"]
    for i, iid in enumerate(inc.ids):
        det = f"{_clock(sh, o.t_detect[i])} ({SOURCES[o.source[i]]})" if np.isfinite(o.t_detect[i]) else "-"
        water = _clock(sh, o.t_water[i]) if np.isfinite(o.t_water[i]) else "-"
        lines.append(f"| {iid} | {inc.growth_name(i)} | {_clock(sh, o.t_ignite[i])} | {det} | {water} | "
                     f"{o.q_water_kw[i]:,.0f} | {'yes' if o.flashed_over[i] else 'no'} |")
    lines += ["", "## Timeline", ""]
    for r in event_records(res):
        if r["type"] in ("ignition", "detected", "dispatch", "mutual_aid", "arrive", "water_on", "flashover",
                         "inject", "in_service"):
            who = " ".join(x for x in (r["incident"], r["truck"]) if x)
            detail = {k: v for k, v in r.items() if k not in ("type", "t", "clock", "incident", "truck", "fires",
                                                              "route_nodes", "route_xy", "route_t")}
            lines.append(f"- {r['clock']} {r['type']} {who} {json.dumps(detail) if detail else ''}".rstrip())
    lines += ["", f"*{BANNER}*", ""]
    return "\n".join(lines)


def plot_drill_map(res: DrillResult, path: Path) -> None:
    """The drill on a map: roads (closed ones bold), stations, each truck's routes out and back, the fires."""
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    eng = res.engine
    tw = eng.travel.roads
    fig = Figure(figsize=(8.5, 8.5), dpi=100)
    ax = fig.subplots()
    segs = [np.asarray(d["geometry"].coords)[:, :2] for _, _, d in tw.edges(data=True)]
    ax.add_collection(LineCollection(segs, colors="#cccccc", linewidths=0.6))
    closed = eng.closed | {e for j in eng.injects if j.kind == "road_closure" for e in map(tuple, j.data["edges"])}
    if closed:
        cs = [np.asarray(tw.edges[e]["geometry"].coords)[:, :2] for e in closed if tw.has_edge(*e)]
        ax.add_collection(LineCollection(cs, colors="black", linewidths=3.0, label="closed road"))
    xs = [s.x for s in eng.stations]
    ys = [s.y for s in eng.stations]
    ax.plot(xs, ys, "s", color="red", ms=9, mec="black", label="fire station")
    for s in eng.stations:
        ax.annotate(s.id, (s.x, s.y), textcoords="offset points", xytext=(6, 6), fontsize=9, fontweight="bold")
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
    seen: set[int] = set()
    for _t, _, kind, _i, truck, info in res.outcome.events:
        if kind in ("enroute", "leave_scene") and "route_xy" in info:
            xy = np.asarray(info["route_xy"])
            c = colors[truck % len(colors)]
            ax.plot(xy[:, 0], xy[:, 1], color=c, lw=2.2 if kind == "enroute" else 1.0,
                    ls="-" if kind == "enroute" else ":",
                    label=eng.truck_names[truck] if truck not in seen else None)
            seen.add(truck)
    o, inc = res.outcome, res.incidents
    for i, iid in enumerate(inc.ids):
        ax.plot(inc.x[i], inc.y[i], "*", ms=18, color="orangered" if o.flashed_over[i] else "gold", mec="black")
        ax.annotate(f"{iid} {o.q_water_kw[i] / 1000:.1f} MW", (inc.x[i], inc.y[i]), textcoords="offset points",
                    xytext=(8, -12), fontsize=8)
    ax.set_aspect("equal")
    ax.autoscale()
    ax.legend(fontsize=7, loc="upper left")
    sco = res.score.get("score")
    ax.set_title(f"TRAINING - {res.scenario.title}" + (f" (score {sco:g})" if sco is not None else "") +
                 "\nroutes out (solid) and back (dotted); stars: fires (red: flashed over), size at water on",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path)


def _inline(text: str) -> str:
    out = html.escape(text)
    parts = out.split("**")
    return "".join(f"<b>{x}</b>" if k % 2 else x for k, x in enumerate(parts))


def _html(md: str, title: str) -> str:
    """The report's own Markdown (headings, paragraphs, lists, pipe tables, bold) as a standalone page."""
    body: list[str] = []
    table: list[list[str]] = []
    in_list = False

    def flush() -> None:
        nonlocal table, in_list
        if table:
            head, rows = table[0], [r for r in table[1:] if not all(set(c) <= {"-", " "} for c in r)]
            body.append("<table><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr>"
                        + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows)
                        + "</table>")
            table = []
        if in_list:
            body.append("</ul>")
            in_list = False

    for line in md.splitlines():
        if line.startswith("|"):
            table.append([c.strip() for c in line.strip().strip("|").split("|")])
            continue
        if line.startswith("- "):
            if table:
                flush()
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{_inline(line[2:])}</li>")
            continue
        flush()
        if line.startswith("## "):
            body.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<div class='banner'>{_inline(line[2:])}</div>")
        elif line.strip():
            body.append(f"<p>{_inline(line.strip('*') if line.startswith('*') and not line.startswith('**') else line)}"
                        "</p>")
    flush()
    style = ("body{font:14px sans-serif;max-width:1100px;margin:auto}.banner{background:#c00;color:#fff;"
             "padding:8px;font:bold 20px sans-serif;position:sticky;top:0}table{border-collapse:collapse}"
             "td,th{border:1px solid #bbb;padding:3px 6px;text-align:left}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>TRAINING: {html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(body)}"
            f"<div class='banner'>{BANNER}</div></body></html>\n")


def write_all(res: DrillResult, out: Path, *, fmt: str = "md") -> dict[str, Path]:
    """Write report.md (or report.html), replay.jsonl, events.csv and summary.json; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    lines = replay_lines(res)
    p = out / "replay.jsonl"
    p.write_text("".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) + "\n" for x in lines),
                 encoding="utf-8")
    paths["replay"] = p
    md = _md_report(res)
    if fmt == "html":
        p = out / "report.html"
        p.write_text(_html(md, res.scenario.title), encoding="utf-8")
    else:
        p = out / "report.md"
        p.write_text(md, encoding="utf-8")
    paths["report"] = p
    p = out / "drill_map.png"
    plot_drill_map(res, p)
    paths["map"] = p
    p = out / "events.csv"
    with p.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["# TRAINING"])
        w.writerow(["t_s", "clock", "type", "incident", "truck", "details"])
        for r in event_records(res):
            detail = {k: v for k, v in r.items() if k not in ("type", "t", "clock", "incident", "truck", "fires",
                                                              "route_nodes", "route_xy", "route_t")}
            w.writerow([r["t"], r["clock"], r["type"], r["incident"] or "", r["truck"] or "",
                        json.dumps(detail) if detail else ""])
    paths["events"] = p
    o = res.outcome
    summary = {
        "training": True, "banner": BANNER, "drill": res.scenario.title, "city": res.twin_name, "seed": res.seed,
        "score": res.score, "notes": res.notes,
        "fires": {iid: {"ignition_to_water_s": float(o.t_water[i] - o.t_ignite[i]),
                        "kw_at_water_on": float(o.q_water_kw[i]), "flashed_over": bool(o.flashed_over[i]),
                        "station": (res.engine.stations[o.station[i]].id if o.station[i] >= 0 else
                                    "mutual_aid")}
                  for i, iid in enumerate(res.incidents.ids)},
        "decisions": [{"incident": d.incident, "t_s": d.t_s, "choice": d.choice, "by": d.by} for d in res.decisions],
        "files": {k: v.name for k, v in paths.items()},
    }
    p = out / "summary.json"
    p.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["summary"] = p
    return paths


def write_outputs(res: DrillResult, out_dir: str | Path, *, fmt: str = "md") -> dict[str, Path]:
    """Write the after-action report, replay log (JSONL), event CSV and summary.json into ``out_dir``."""
    return write_all(res, Path(out_dir), fmt=fmt)
