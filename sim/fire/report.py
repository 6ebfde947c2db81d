"""What ``showroom fire`` writes: summary.json, response-time CDFs, the drive-time map, CSV logs."""

from __future__ import annotations

__all__ = ["plot_cdf", "plot_drive_time", "write_fire_outputs"]

import csv
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.fire._engine import SOURCES
from sim.standards import standard

if TYPE_CHECKING:
    from sim.fire._study import FireStudy
    from twin import Twin

def _clean(o: Any) -> Any:
    """JSON-safe: NaN and inf become null, numpy scalars plain numbers."""
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items() if k != "result"}
    if isinstance(o, list | tuple):
        return [_clean(v) for v in o]
    if isinstance(o, np.generic):
        o = o.item()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


def plot_cdf(study: FireStudy, path: Path, std_name: str) -> None:
    """Response-time CDFs of the phases the standard bounds, with its thresholds.

    A second panel shows ignition -> water on the fire with and without cameras.
    """
    from matplotlib.figure import Figure

    prof = standard(std_name)
    ph = study.with_cameras.outcome.phases()
    fig = Figure(figsize=(12, 4.8), dpi=110)
    ax1, ax2 = fig.subplots(1, 2)
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]
    for k, lim in enumerate(prof.limits):
        v = np.sort(ph[lim.phase][np.isfinite(ph[lim.phase])]) / 60.0
        if v.size == 0:
            continue
        c = colors[k % len(colors)]
        ax1.step(v, np.arange(1, v.size + 1) / v.size, where="post", color=c,
                 label=f"{lim.phase} (limit {lim.limit_s / 60:g} min)")
        ax1.axvline(lim.limit_s / 60.0, color=c, ls="--", lw=1)
    ax1.axhline(0.9, color="grey", ls=":", lw=1)
    ax1.text(ax1.get_xlim()[1] * 0.98, 0.905, "90 % rule", ha="right", va="bottom", fontsize=8, color="grey")
    ax1.set_xlabel("minutes")
    ax1.set_ylabel("share of incidents")
    ax1.set_title(f"{prof.title}")
    if ax1.get_legend_handles_labels()[0]:
        ax1.legend(fontsize=8, loc="lower right")
    else:
        ax1.text(0.5, 0.5, "no fires in this run", ha="center", transform=ax1.transAxes)
    ax1.set_ylim(0, 1.01)
    for run, label, c in ((study.with_cameras, "with cameras", "#2ca02c"), (study.without_cameras, "without cameras",
                                                                          "#d62728")):
        if run is None:
            continue
        v = run.outcome.phases()["ignition_to_water"]
        v = np.sort(v[np.isfinite(v)]) / 60.0
        ax2.step(v, np.arange(1, v.size + 1) / max(v.size, 1), where="post", color=c, label=label)
    sav = study.summary.get("camera_minutes_saved", {})
    title = "ignition to water on the fire"
    if sav.get("n"):
        title += f"\ncameras save {sav['mean']:.2f} min on average ({sav['incidents_helped']} fires helped)"
    ax2.set_title(title, fontsize=10)
    ax2.set_xlabel("minutes")
    ax2.axhline(0.9, color="grey", ls=":", lw=1)
    if ax2.get_legend_handles_labels()[0]:
        ax2.legend(fontsize=8, loc="lower right")
    ax2.set_ylim(0, 1.01)
    fig.suptitle(f"{study.summary['city']}: {study.summary['with_cameras']['incidents']} fires over "
                 f"{study.summary['days']:g} days", fontsize=11)
    fig.tight_layout()
    fig.savefig(path)


def plot_drive_time(twin: Twin, study: FireStudy, path: Path, budget_s: float = 300.0) -> None:
    """Roads coloured by routed drive time from the nearest station (free flow), the budget contour bold."""
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.figure import Figure

    tm = study.travel
    best = np.min(tm.fwd_s, axis=0)
    fig = Figure(figsize=(8, 8), dpi=110)
    ax = fig.subplots()
    if twin.buildings:
        polys = []
        for b in twin.buildings:
            g = b.footprint
            for p in getattr(g, "geoms", [g]):
                polys.append(np.asarray(p.exterior.coords)[:, :2])
        ax.add_collection(PolyCollection(polys, facecolor="#dddddd", edgecolor="none"))
    segs, vals = [], []
    for u, v, d in twin.roads.edges(data=True):
        segs.append(np.asarray(d["geometry"].coords)[:, :2])
        vals.append(max(best[tm.index[u]], best[tm.index[v]]))
    vals = np.asarray(vals) / 60.0
    lc = LineCollection(segs, array=np.where(np.isfinite(vals), vals, np.nan), cmap="viridis_r",
                        linewidths=np.where(vals * 60.0 <= budget_s, 1.8, 0.7))
    lc.set_clim(0, max(budget_s / 60.0 * 1.5, 1.0))
    ax.add_collection(lc)
    cb = fig.colorbar(lc, ax=ax, shrink=0.7)
    cb.set_label("drive time from the nearest station, min (free flow)")
    cb.ax.axhline(budget_s / 60.0, color="red", lw=2)
    for s in twin.fire_stations:
        ax.plot(s.x, s.y, marker="s", color="red", ms=9, mec="black")
        ax.annotate(f"{s.id} ({s.trucks})", (s.x, s.y), textcoords="offset points", xytext=(6, 6), fontsize=9,
                    fontweight="bold")
    share = float(np.mean(best[tm.reachable] <= budget_s)) if tm.reachable.any() else float("nan")
    ax.set_title(f"Drive-time areas: {share:.0%} of road nodes within the {budget_s / 60:g}-minute travel budget")
    ax.set_aspect("equal")
    ax.autoscale()
    ax.set_xlabel("x, m (east)")
    ax.set_ylabel("y, m (north)")
    fig.tight_layout()
    fig.savefig(path)


def write_fire_outputs(twin: Twin, study: FireStudy, out: Path) -> dict[str, Path]:
    """Write summary.json, fire_cdf.png, fire_drive_time.png, incidents.csv and events.csv into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    std_name = study.summary["standard"]
    p = out / "fire_cdf.png"
    plot_cdf(study, p, std_name)
    paths["cdf"] = p
    p = out / "fire_drive_time.png"
    plot_drive_time(twin, study, p, budget_s=_travel_budget(std_name))
    paths["drive_time"] = p
    inc = study.incidents
    w = study.with_cameras.outcome
    wo = study.without_cameras.outcome if study.without_cameras else None
    names = study.with_cameras.engine.truck_names
    p = out / "incidents.csv"
    with p.open("w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f)
        wr.writerow(["incident", "t_ignite_s", "x", "y", "zone", "building", "growth", "detected_by", "t_detect_s",
                     "t_dispatch_s", "station", "truck", "t_enroute_s", "t_arrive_s", "t_water_s", "kw_at_water_on",
                     "flashed_over", "ignition_to_water_s", "ignition_to_water_without_cameras_s"])
        for i, iid in enumerate(inc.ids):
            st = w.station[i]
            wr.writerow([
                iid, f"{inc.t_s[i]:.1f}", f"{inc.x[i]:.1f}", f"{inc.y[i]:.1f}",
                twin.zones[inc.zone[i]].id if inc.zone[i] >= 0 else "",
                twin.buildings[inc.building[i]].id if inc.building[i] >= 0 else "", inc.growth_name(i),
                SOURCES[w.source[i]], f"{w.t_detect[i]:.1f}", f"{w.t_dispatch[i]:.1f}",
                twin.fire_stations[st].id if st >= 0 else "mutual_aid", names[w.truck[i]] if w.truck[i] >= 0 else "",
                f"{w.t_enroute[i]:.1f}", f"{w.t_arrive[i]:.1f}", f"{w.t_water[i]:.1f}", f"{w.q_water_kw[i]:.0f}",
                int(w.flashed_over[i]), f"{w.t_water[i] - w.t_ignite[i]:.1f}",
                f"{wo.t_water[i] - wo.t_ignite[i]:.1f}" if wo is not None else "",
            ])
    paths["incidents"] = p
    p = out / "events.csv"
    with p.open("w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f)
        wr.writerow(["t_s", "type", "incident", "truck", "details"])
        for t, _, kind, i, truck, info in w.events:
            wr.writerow([f"{t:.2f}", kind, inc.ids[i] if i >= 0 else "", names[truck] if truck >= 0 else "",
                         json.dumps(info, separators=(",", ":")) if info else ""])
    paths["events"] = p
    p = out / "summary.json"
    doc = dict(study.summary, files={k: v.name for k, v in paths.items()})
    p.write_text(json.dumps(_clean(doc), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["summary"] = p
    return paths


def _travel_budget(std_name: str) -> float:
    lim = standard(std_name).limit("travel")
    return lim.limit_s if lim else 300.0
