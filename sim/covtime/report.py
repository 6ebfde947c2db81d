"""Reports of coverage over time: summary.json, maps of seen and watched share, coverage through the day."""

from __future__ import annotations

__all__ = ["summarise", "write_coverage_time"]

import csv
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.covtime._study import CoverageTimeResult, _ci, _mci, _mci_levels
from sim.queueing import machine_repair
from twin.cityio import json_safe, write_json

if TYPE_CHECKING:
    from twin import Twin


def _config_doc(res: CoverageTimeResult) -> dict[str, Any]:
    d = dataclasses.asdict(res.config)
    d["fault_rates"] = "custom" if res.config.fault_rates is not None else "sim.faults.FAULT_RATES"
    d["night_profiles"] = {k: dataclasses.asdict(v) for k, v in (res.config.night_profiles or _night_default()).items()}
    d["district_rates"] = list(res.config.district_rates)
    d["camera_factors"] = {k: list(v) for k, v in res.config.camera_factors.items()}
    return d


def _night_default() -> dict[str, Any]:
    from sim.covtime._config import NIGHT_PROFILES

    return NIGHT_PROFILES


def _oracle(res: CoverageTimeResult) -> dict[str, Any] | None:
    """The machine-repair queue (M/M/c//N) with the run's mean rates: a check on the crews' queue."""
    from sim.faults import FAULT_RATES, camera_fault_rate

    ss, cfg = res.static, res.config
    rates = FAULT_RATES if cfg.fault_rates is None else cfg.fault_rates
    if not cfg.faults:
        return None
    lam = np.array([1.0 / camera_fault_rate(c.type, rates).mtbf_s for c in ss.cameras])
    reps = [r for run in res.runs for r in run.repairs]
    work = np.mean([camera_fault_rate(c.type, rates).mttr_s for c in ss.cameras])
    travel = float(np.mean([r["travel_s"] for r in reps])) if reps else 0.0
    service = work + 2 * travel
    mr = machine_repair(len(ss.cameras), float(lam.mean()), 1.0 / service, cfg.crews)
    return {
        "model": "long-run M/M/c//N machine repair: mean failure rate, service = repair + travel both ways",
        "mean_wait_s": round(mr.mean_wait_s, 1),
        "crew_utilisation": round(mr.crew_utilisation, 5),
        "mean_cameras_in_repair": round(mr.mean_down, 4),
    }


def summarise(res: CoverageTimeResult, twin: Twin, *, policies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The summary.json document (keys documented in the README)."""
    ss, cfg, runs = res.static, res.config, res.runs
    names = list(ss.profile.names)
    r = ss.raster
    a = r.cell_area_m2
    fig = res.figures()
    levels = {
        n: {
            "static": fig["static_public_share"][n],
            "seen": fig["seen_public_share"][n],
            "watched": fig["watched_public_share"][n],
        }
        for n in names
    }
    # zones
    zseen = np.array([run.zone_share(ss, 0) for run in runs])
    zwat = np.array([run.zone_share(ss, 1) for run in runs])
    m = ss.cell_public & (ss.cell_zone >= 0)
    nz = len(ss.zone_ids)
    zstatic = np.zeros((nz, ss.n_levels))
    for q in range(ss.n_levels):
        zstatic[:, q] = np.bincount(ss.cell_zone[m], weights=(ss.static_best[m] > q), minlength=nz)
    zstatic /= np.maximum(ss.zone_public_cells, 1.0)[:, None]
    up = np.array([run.cam_up_s / run.horizon_s for run in runs])  # (reps, cams)
    zones = []
    by_id = {z.id: z for z in twin.zones}
    for k, zid in enumerate(ss.zone_ids):
        cams = np.flatnonzero(ss.cam_zone == k)
        z = by_id[zid]
        zones.append(
            {
                "id": zid,
                "landuse": z.landuse,
                "priority": z.priority,
                "public_area_m2": round(float(ss.zone_public_cells[k]) * a, 1),
                "cameras": int(len(cams)),
                "availability": _mci(up[:, cams].mean(axis=1)) if len(cams) else None,
                "static": {n: round(float(zstatic[k, q]), 5) for q, n in enumerate(names)},
                "seen": _mci_levels(zseen[:, k], names),
                "watched": _mci_levels(zwat[:, k], names),
            }
        )
    # through time
    hs = np.array([run.hourly(ss, 0, cfg.bin_s)[0] for run in runs])  # (reps, bins), weakest level
    hw = np.array([run.hourly(ss, 1, cfg.bin_s)[0] for run in runs])
    ms, mw = hs.mean(axis=0), hw.mean(axis=0)
    worst = np.lexsort((ms, mw))[:5]  # the hours least watched (then least seen): what the wall missed
    per_day = int(round(86400.0 / cfg.bin_s))
    worst_hours = [
        {
            "bin": int(b),
            "day": int(b // per_day),
            "hour": round(float((b % per_day) * cfg.bin_s / 3600.0), 2),
            "seen": round(float(ms[b]), 5),
            "watched": round(float(mw[b]), 5),
        }
        for b in worst
    ]
    by_type: dict[str, list[int]] = {}
    for k, c in enumerate(ss.cameras):
        by_type.setdefault(c.type, []).append(k)
    ptz = []
    for k, c in enumerate(ss.cameras):
        a0, a1 = int(ss.pose_first[k]), int(ss.pose_first[k + 1])
        if a1 - a0 > 1:
            share = np.array([run.pose_s[a0:a1] / run.horizon_s for run in runs]).mean(axis=0)
            ptz.append({"id": c.id, "presets": a1 - a0, "share_at_preset": [round(float(v), 4) for v in share]})
    tiles = [int(n) * res.roster.tiles_per_operator for n in res.roster.staff_per_shift()]
    summary = {
        "mode": "over_time",
        "city": twin.name,
        "profile": ss.profile.name,
        "levels_ppm": dict(ss.profile.levels),
        "raster": {"resolution_m": r.res_m, "rows": r.shape[0], "cols": r.shape[1]},
        "cameras": len(ss.cameras),
        "cameras_by_type": {k: len(v) for k, v in by_type.items()},
        "poses": ss.n_poses,
        "signatures": ss.n_sig,
        "days": cfg.days,
        "seed": res.seed,
        "replications": len(runs),
        "public_area_m2": round(ss.n_public * a, 1),
        "levels": levels,
        "priority_weighted": {
            n: {
                "seen": fig["seen_public_share_priority_weighted"][n],
                "watched": fig["watched_public_share_priority_weighted"][n],
            }
            for n in names
        },
        "availability": {
            "camera": fig["camera_availability"],
            "by_type": {t: _mci(up[:, ks].mean(axis=1)) for t, ks in by_type.items()},
            "repairs": fig["repairs"],
            "district_outages_per_run": fig["district_outages_per_run"],
            "repair_queue_oracle": _oracle(res),
        },
        "wall": {
            "rotation": cfg.rotation,
            "operators": res.roster.count,
            "shifts": res.roster.shifts,
            "tiles_per_shift": tiles,
            "camera_on_wall_share": fig["camera_on_wall_share"],
            "ptz_takeovers_per_run": fig["ptz_takeovers_per_run"],
        },
        "ptz": ptz,
        "worst_hours": worst_hours,
        "daily_profile": _daily(hs, hw, cfg.bin_s),
        "zones": zones,
        "config": _config_doc(res),
        "timings_s": {
            **{k: round(v, 3) for k, v in res.timings_s.items()},
            **{f"static_{k}": round(v, 3) for k, v in ss.timings_s.items()},
            "records_per_run": int(np.mean([run.records for run in runs])),
        },
    }
    if policies is not None:
        summary["policies"] = policies
    return summary


def _daily(hs: np.ndarray, hw: np.ndarray, bin_s: float) -> dict[str, Any]:
    """Mean share per hour of the day over days and replications (weakest level), with 95% half-widths."""
    per_day = int(round(86400.0 / bin_s))
    nb = hs.shape[1]
    full = (nb // per_day) * per_day
    if full == 0 or per_day < 1:
        return {}
    # one value per (replication, day, hour): the half-width is over replications of the daily mean
    s = hs[:, :full].reshape(hs.shape[0], -1, per_day).mean(axis=1)
    w = hw[:, :full].reshape(hw.shape[0], -1, per_day).mean(axis=1)
    sm, sh = _ci(s)
    wm, wh = _ci(w)
    return {
        "hour": [round(k * bin_s / 3600.0, 2) for k in range(per_day)],
        "seen": [round(float(v), 5) for v in sm],
        "seen_ci95": [round(float(v), 5) for v in sh],
        "watched": [round(float(v), 5) for v in wm],
        "watched_ci95": [round(float(v), 5) for v in wh],
    }


def _map(ax: Any, res: CoverageTimeResult, share: np.ndarray, title: str) -> Any:
    ss = res.static
    r = ss.raster
    img = np.full(r.cells, np.nan)
    img[ss.cells] = share
    img = img.reshape(r.shape)
    bg = np.where(r.building, 0.55, np.where(r.public, 0.97, 0.88))
    ax.imshow(bg, cmap="gray", vmin=0, vmax=1, extent=(r.xmin, r.xmax, r.ymin, r.ymax), interpolation="nearest")
    im = ax.imshow(
        np.ma.masked_invalid(np.where(img > 0, img, np.nan)),
        cmap="viridis",
        vmin=0.0,
        vmax=1.0,
        extent=(r.xmin, r.xmax, r.ymin, r.ymax),
        interpolation="nearest",
    )
    xs = [c.x for c in ss.cameras]
    ys = [c.y for c in ss.cameras]
    ax.scatter(xs, ys, s=4, c="#d62728", zorder=3)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("x east (m)")
    ax.set_ylabel("y north (m)")
    ax.set_aspect("equal")
    return im


def write_coverage_time(
    res: CoverageTimeResult, twin: Twin, out: Path, *, policies: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Write summary.json, covtime_seen.png, covtime_watched.png, covtime_daily.png, zones.csv, hourly.csv."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    ss, cfg = res.static, res.config
    summary = summarise(res, twin, policies=policies)
    lvl0 = ss.profile.names[0]
    for ch, name, word in ((0, "covtime_seen.png", "seen"), (1, "covtime_watched.png", "watched")):
        share = np.mean([run.cell_share(ss, ch, 1) for run in res.runs], axis=0)
        fig, ax = plt.subplots(figsize=(10, 9))
        pub = summary["levels"][lvl0][word]["mean"]
        im = _map(
            ax,
            res,
            share,
            f"{twin.name}: share of {cfg.days:g} days each cell was {word} ({lvl0} or better); "
            f"public space {100 * pub:.1f}% (static {100 * summary['levels'][lvl0]['static']:.1f}%)",
        )
        fig.colorbar(im, ax=ax, shrink=0.7, label=f"share of time {word}")
        fig.savefig(out / name, dpi=120, bbox_inches="tight")
        plt.close(fig)
    d = summary["daily_profile"]
    if d:
        fig, ax = plt.subplots(figsize=(9, 4.5))
        h = np.array(d["hour"]) + cfg.bin_s / 7200.0
        for key, col in (("seen", "#1f77b4"), ("watched", "#d62728")):
            mv, hv = np.array(d[key]), np.array(d[f"{key}_ci95"])
            ax.plot(h, 100 * mv, color=col, label=f"{key} ({lvl0} or better), 95% CI over {len(res.runs)} runs")
            ax.fill_between(h, 100 * (mv - hv), 100 * (mv + hv), color=col, alpha=0.2)
        ax.axhline(100 * summary["levels"][lvl0]["static"], color="#555555", ls="--", label="static coverage")
        ax.set_xlim(0, 24)
        ax.set_xticks(range(0, 25, 3))
        ax.set_xlabel("hour of the day (local time)")
        ax.set_ylabel("public space covered (%)")
        ax.set_title(f"{twin.name}: coverage through the day, {len(ss.cameras)} cameras, rotation {cfg.rotation}")
        ax.legend(fontsize=8, loc="upper left")
        fig.savefig(out / "covtime_daily.png", dpi=120, bbox_inches="tight")
        plt.close(fig)
    with open(out / "zones.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["zone", "landuse", "priority", "cameras", "availability", "static", "seen", "watched"])
        for z in summary["zones"]:
            av = z["availability"]["mean"] if z["availability"] else ""
            w.writerow(
                [
                    z["id"],
                    z["landuse"],
                    z["priority"],
                    z["cameras"],
                    av,
                    z["static"][lvl0],
                    z["seen"][lvl0]["mean"],
                    z["watched"][lvl0]["mean"],
                ]
            )
    with open(out / "hourly.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["bin", "start_s"] + [f"seen_{n}" for n in ss.profile.names] + [f"watched_{n}" for n in ss.profile.names]
        )
        hs = np.mean([run.hourly(ss, 0, cfg.bin_s) for run in res.runs], axis=0)
        hw = np.mean([run.hourly(ss, 1, cfg.bin_s) for run in res.runs], axis=0)
        for b in range(hs.shape[1]):
            w.writerow([b, b * cfg.bin_s] + [f"{v:.5f}" for v in hs[:, b]] + [f"{v:.5f}" for v in hw[:, b]])
    # NaN and infinities become null: the file stays valid JSON (json's default hook never sees floats)
    write_json(out / "summary.json", json_safe(summary))
    return summary
