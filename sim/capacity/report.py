"""``showroom capacity``: scenarios (today, after the new cameras), plans, summary.json, plots and CSV."""

from __future__ import annotations

__all__ = ["capacity_scenarios", "run_capacity"]

import csv
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.capacity._config import CapacityConfig, check_server_room, hardware
from sim.capacity._measured import apply_measured, is_measured_profile, load_measured
from sim.capacity._model import BEYOND_FAILOVER, CAUSES
from sim.capacity._sizing import CapacityPlan, build_topology, plan_capacity, run_time_figures
from sim.operators import Roster
from sim.queueing import mmc_mean_wait_s
from sim.streams import load_profile, main_kbps, mean_multiplier
from twin import Camera, ServerRoom, TwinError, select_cameras

if TYPE_CHECKING:
    import twin


def capacity_scenarios(
    city: twin.Twin, cameras: str | Path | list[Camera] = "all"
) -> list[tuple[str, str, list[Camera]]]:
    """``(key, label, cameras)`` of each scenario: ``today`` (the existing cameras) and ``after`` (the selection).

    ``cameras`` is a camera selection (:func:`twin.select_cameras`: ``existing``, ``planned``,
    ``all``, a cameras layer such as a planner's ``plan.geojson``, or a file of camera ids); the
    ``after`` scenario is shown when the selection differs from today's cameras.
    """
    existing = select_cameras(city, "existing")
    chosen = select_cameras(city, cameras)
    out = []
    if existing:
        out.append(("today", "today", existing))
    if chosen and chosen != existing:
        have = {c.id for c in existing}
        new = [c for c in chosen if c.id not in have]
        keeps_today = have <= {c.id for c in chosen}
        label = f"after the {len(new)}" if existing and keeps_today else f"the {len(chosen)} selected"
        out.append(("after", label, chosen))
    if not out:
        what = f"{len(cameras)} cameras given" if isinstance(cameras, list) else repr(str(cameras))
        raise TwinError(f"no cameras to plan for in {what}: the selection and the city's existing cameras are empty")
    return out


def run_capacity(city: twin.Twin, out: Path, *, cameras: str | Path | list[Camera] = "all", servers: int | str = "auto",
                 retention_days: float | None = None, days: float = 7.0, seed: int = 0, replications: int = 5,
                 faults: str = "both", profile: str = "planning",
                 progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Plan (or check) the server room for each scenario; write plots and CSVs into ``out``; return the summary."""
    t0 = time.perf_counter()
    room = city.command_center.server_room
    if retention_days is not None:
        room = dataclasses.replace(room, retention_days=float(retention_days))
    if replications < 1:
        raise TwinError(f"replications must be >= 1, got {replications}")
    measured = load_measured(profile) if is_measured_profile(profile) else None
    cfg = CapacityConfig(days=days, faults=faults, profile=load_profile(measured.base_profile if measured else profile))
    roster = Roster.from_twin(city.command_center.operators, first_shift_h=cfg.first_shift_h)
    scenarios = capacity_scenarios(city, cameras)
    measured_doc = None
    if measured is not None:  # measured bitrates where measured, the planning figures elsewhere
        ids = {c.id for _, _, cams in scenarios for c in cams}
        used = sorted(set(measured.main_kbps) & ids)
        if not used:
            raise TwinError(f"{measured.path}: none of its {len(measured.main_kbps)} measured cameras is among "
                            f"the cameras planned for (ids such as {sorted(measured.main_kbps)[:3]})")
        scenarios = [(k, lb, apply_measured(cams, measured)) for k, lb, cams in scenarios]
        measured_doc = {"file": measured.path, "seconds": measured.seconds, "cameras_measured": len(used),
                        "cameras_planning": len(ids) - len(used),
                        "not_in_city": sorted(set(measured.main_kbps) - ids)}
    check_server_room(room)
    for _, _, cams in scenarios:  # every scenario is checked before anything is written
        if servers != "auto":
            if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
                raise TwinError(f"servers must be a whole number >= 1 or 'auto', got {servers!r}")
            build_topology(cams, dataclasses.replace(room, servers=servers), cfg, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    for key, label, cams in scenarios:
        ts = time.perf_counter()
        plan = plan_capacity(cams, room, servers=servers, roster=roster, config=cfg, seed=seed,
                             replications=replications, progress=(lambda m, lb=label: progress(f"{lb}: {m}"))
                             if progress else None)
        doc = _scenario_summary(label, cams, plan, cfg)
        doc.update(run_time_figures(plan, time.perf_counter() - ts))
        doc["files"] = _write_artifacts(out, key, label, cams, plan, cfg)
        results[key] = doc
    return {
        "inputs": {
            "city": city.name,
            "cameras": f"{len(cameras)} cameras given" if isinstance(cameras, list) else str(cameras),
            "servers": servers,
            "retention_days": room.retention_days,
            "days": days,
            "seed": seed,
            "replications": replications,
            "faults": faults,
            "stream_profile": cfg.profile.name,
            **({"measured_profile": measured_doc} if measured_doc else {}),
            "server_room": dataclasses.asdict(room),
            "operators": dataclasses.asdict(roster),
            "service_levels": dataclasses.asdict(cfg.service_levels),
            "failover_gap_s": cfg.detection_s + cfg.reassign_s,
        },
        "scenarios": results,
        "servers_needed": {d["label"]: d["servers"]["recording"] for d in results.values()},
        "pass": all(d["pass"] for d in results.values()),
        "run_time_s": round(time.perf_counter() - t0, 3),
    }


def _scenario_summary(label: str, cams: list[Camera], plan: CapacityPlan, cfg: CapacityConfig) -> dict[str, Any]:
    ev = plan.evaluation
    room: ServerRoom = ev.room
    hw = hardware(room, cfg)
    main = main_kbps(cams)
    runs = ev.runs
    loss = ev.loss_s
    hist = np.sum([r.latency_hist for r in runs], axis=0)
    c = np.cumsum(hist)

    def q(p: float) -> float:
        return float(np.searchsorted(c, p * c[-1]) + 0.5) if c[-1] else 0.0

    exports = np.concatenate([r.exports_s for r in runs])
    recon = np.concatenate([r.reconnect_s for r in runs])
    tiles = hist.sum() + sum(r.dark_tiles for r in runs)
    an = {k: round(float(np.mean([r.analytics[k] for r in runs])), 3) for k in runs[0].analytics}
    lam = an["jobs"] / (cfg.days * 86400.0)
    if lam * cfg.analytics_service_s < cfg.analytics_servers:  # the oracle beside the simulation
        an["erlang_c_mean_wait_s"] = round(mmc_mean_wait_s(lam, 1.0 / cfg.analytics_service_s,
                                                            cfg.analytics_servers), 3)
    count = np.bincount(ev.topology.home, minlength=room.servers)
    return {
        "label": label,
        "cameras": len(cams),
        "cameras_by_status": {s: sum(1 for x in cams if x.status == s) for s in ("existing", "planned", "candidate")},
        "total_planned_bitrate_mbps": round(float(main.sum()) / 1000.0, 3),
        "mean_offered_mbps": round(float((main * mean_multiplier(cfg.profile, ev.topology.busy)).sum()
                                         + len(cams) * cfg.profile.container_overhead_kbps) / 1000.0, 3),
        "servers": {
            "recording": room.servers,
            "failover": room.failover_servers,
            "total": room.servers + room.failover_servers,
            "cameras_per_server_max": int(count.max()),
            "auto": plan.auto,
        },
        "per_server": {
            "nic_mbps": hw.nic_mbps,
            "disk_write_mbps": round(hw.disk_write_mbps, 1),
            "rated_intake_mbps": round(hw.rated_intake_mbps, 1),
            "rebuild_h": round(hw.rebuild_s / 3600.0, 1),
        },
        "storage": plan.storage,
        "service_levels": ev.levels,
        "pass": ev.passed,
        "metrics": {
            "recording_loss_s_by_cause": {k: round(float(loss[:, i].sum()), 2) for i, k in enumerate(CAUSES)},
            "cameras_with_loss_beyond_failover": int(
                (loss[:, [CAUSES.index(k) for k in BEYOND_FAILOVER]].sum(axis=1) > 0).sum()),
            "live_latency_ms": {"p50": q(0.5), "p95": q(0.95), "p99": q(0.99)},
            "dark_tile_share": round(float(sum(r.dark_tiles for r in runs) / tiles), 5) if tiles else 0.0,
            "intake_peak": round(float(np.mean([r.intake_peak.max() for r in runs])), 4),
            "intake_mean": round(float(np.mean([r.intake_mean[: room.servers].mean() for r in runs])), 4),
            "disk_peak": round(float(np.mean([r.disk_peak.max() for r in runs])), 4),
            "nic_out_peak": round(float(np.mean([r.nic_out_peak.max() for r in runs])), 4),
            "uplink_peak": round(float(np.mean([r.uplink_peak.max() for r in runs])), 4),
            "core_peak": round(float(np.mean([r.core_peak for r in runs])), 4),
            "analytics": an,
            "export_p95_s": round(float(np.percentile(exports, 95)), 1) if len(exports) else None,
            "reconnect_p95_s": round(float(np.percentile(recon, 95)), 2) if len(recon) else None,
            "faults_per_replication": round(float(np.mean([len(r.faults) for r in runs])), 2),
        },
        "search": plan.search,
        "search_exhausted": plan.exhausted,
        "replications": len(runs),
    }


def _write_artifacts(out: Path, key: str, label: str, cams: list[Camera], plan: CapacityPlan,
                     cfg: CapacityConfig) -> list[str]:
    ev = plan.evaluation
    files = [f"recording_loss_{key}.csv", f"utilisation_{key}.png", f"storage_{key}.png", f"latency_{key}.png"]
    loss = ev.loss_s
    beyond = [CAUSES.index(k) for k in BEYOND_FAILOVER]
    with open(out / files[0], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["camera_id", "status", "home_server", *[f"{k}_s" for k in CAUSES], "total_s",
                    "beyond_failover_s"])
        for i, c in enumerate(cams):
            row = loss[i]
            w.writerow([c.id, c.status, int(ev.topology.home[i]), *[f"{v:.3f}" for v in row],
                        f"{row.sum():.3f}", f"{row[beyond].sum():.3f}"])
    _plot_utilisation(out / files[1], label, plan, cfg)
    _plot_storage(out / files[2], label, plan, cfg)
    _plot_latency(out / files[3], label, plan, cfg)
    return files


def _figure(w: float = 8.0, h: float = 4.5) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h), dpi=110, layout="constrained")


def _plot_utilisation(path: Path, label: str, plan: CapacityPlan, cfg: CapacityConfig) -> None:
    ev = plan.evaluation
    run = ev.runs[0]
    P, F = ev.room.servers, ev.room.failover_servers
    fig = _figure()
    ax = fig.add_subplot()
    d = run.series_t / 86400.0
    for s in range(P + F):
        kind = "failover" if s >= P else "recording"
        ax.plot(d, run.series_intake[:, s] * 100.0, lw=1.0, ls="--" if s >= P else "-",
                label=f"server {s + 1} ({kind})" if P + F <= 8 else None)
    ax.plot(d, run.series_disk.max(axis=1) * 100.0, color="0.4", lw=0.8, alpha=0.7, label="busiest disk array")
    ax.plot(d, run.series_core * 100.0, color="k", lw=1.0, ls=":", label="core switch")
    ax.axhline(cfg.service_levels.max_intake_utilisation * 100.0, color="k", lw=1.2, ls="-.", label="intake limit")
    for f in run.faults:
        if f["kind"] in ("server", "disk", "power", "uplink"):
            ax.axvline(f["at_s"] / 86400.0, color="0.7", lw=0.6)
            ax.annotate(f["kind"], (f["at_s"] / 86400.0, 1.0), fontsize=7, rotation=90, va="bottom", color="0.4")
    ax.set_ylim(0, 105)
    ax.set_xlabel("simulated day")
    ax.set_ylabel("utilisation, % of rated")
    ax.set_title(f"{label}: {P}+{F} recording servers, intake over rated intake (replication 1)")
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    fig.savefig(path)


def _plot_storage(path: Path, label: str, plan: CapacityPlan, cfg: CapacityConfig) -> None:
    ev = plan.evaluation
    run = ev.runs[0]
    P = ev.room.servers
    hw = ev.hardware
    keep = ev.room.retention_days
    fig = _figure()
    ax = fig.add_subplot()
    d = run.series_t / 86400.0
    horizon = max(keep, d[-1]) * 1.05
    for s in range(P):
        used = run.series_written_tb[:, s]
        line = ax.plot(d, used, lw=1.2, label=f"server {s + 1}" if P <= 8 else None)[0]
        rate = used[-1] / d[-1] if d[-1] > 0 else 0.0
        ax.plot([d[-1], keep], [used[-1], rate * keep], ls="--", lw=0.8, color=line.get_color())
    ax.axhline(hw.usable_tb, color="k", lw=1.2, ls="-.", label=f"usable {hw.usable_tb:g} TB per server")
    ax.axvline(keep, color="0.5", lw=0.8, ls=":", label=f"retention {keep:g} days")
    ax.set_xlim(0, horizon)
    ax.set_xlabel("day (solid: simulated; dashed: the same rate until the retention is full)")
    ax.set_ylabel("footage stored, TB")
    ax.set_title(f"{label}: storage per recording server, {ev.room.disks_per_server} x {ev.room.disk_tb:g} TB "
                 f"{ev.room.raid.upper()}")
    ax.legend(fontsize=7, loc="upper left")
    fig.savefig(path)


def _plot_latency(path: Path, label: str, plan: CapacityPlan, cfg: CapacityConfig) -> None:
    ev = plan.evaluation
    hist = np.sum([r.latency_hist for r in ev.runs], axis=0).astype(float)
    fig = _figure(7.0, 4.0)
    ax = fig.add_subplot()
    if hist.sum() > 0:
        c = np.cumsum(hist)
        qs = {p: np.searchsorted(c, p * c[-1]) + 0.5 for p in (0.5, 0.95, 0.99)}
        hi = int(min(len(hist) - 1, max(qs[0.99] * 1.3, cfg.service_levels.p95_live_latency_ms * 1.1)))
        x = np.arange(hi + 1)
        ax.fill_between(x, hist[: hi + 1] / hist.sum() * 100.0, step="mid", alpha=0.5)
        for p, v in qs.items():
            ax.axvline(v, color="k", lw=0.8, ls="--")
            ax.annotate(f"p{int(p * 100)} {v:.0f} ms", (v, 0.95), xycoords=("data", "axes fraction"),
                        rotation=90, va="top", ha="right", fontsize=8)
    ax.axvline(cfg.service_levels.p95_live_latency_ms, color="r", lw=1.0, label="p95 target")
    ax.set_xlabel("live-view latency at the wall, ms")
    ax.set_ylabel("% of tile views per ms")
    ax.set_title(f"{label}: live-view latency, {len(ev.runs)} replications")
    ax.legend(fontsize=8, loc="upper right")
    fig.savefig(path)
