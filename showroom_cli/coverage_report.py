"""Files a planner opens: coverage and plan maps (PNG), level polygons and cameras (GeoJSON), tables (CSV).

Kept apart from :mod:`twin.coverage` and :mod:`twin.placement`, which compute; this module only writes.
"""

from __future__ import annotations

__all__ = ["level_polygons", "write_coverage", "write_plan"]

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from twin.cityio import camera_properties, feature_collection, write_geojson
from twin.cityio import write_json as _write_json
from twin.optics import MAX_PINHOLE_HFOV_DEG, camera_poses
from twin.raster import level_polygons

if TYPE_CHECKING:
    from twin.coverage import CoverageResult
    from twin.model import Camera, Twin
    from twin.placement import PlanResult

#: Colours of the DORI levels, weakest first (a sequential scale a person reads as "more is better").
LEVEL_COLOURS = ("#fde725", "#a0da39", "#4ac16d", "#1fa187", "#277f8e", "#365c8d", "#46327e", "#440154")
STATUS_COLOURS = {"existing": "#d62728", "planned": "#1f77b4", "candidate": "#7f7f7f"}


def _background(res: CoverageResult, best: np.ndarray, step: int) -> np.ndarray:
    r = res.raster
    img = np.ones(best[::step, ::step].shape + (3,), dtype=np.float32)
    pub = r.public[::step, ::step]
    img[pub] = (0.90, 0.90, 0.92)
    b = best[::step, ::step]
    for q in range(1, len(res.level_names) + 1):
        img[b == q] = _rgb(LEVEL_COLOURS[(q - 1) % len(LEVEL_COLOURS)])
    img[r.building[::step, ::step]] = (0.45, 0.45, 0.45)
    return img


def _rgb(hexs: str) -> tuple[float, float, float]:
    return tuple(int(hexs[k : k + 2], 16) / 255.0 for k in (1, 3, 5))  # type: ignore[return-value]


def _draw(
    ax: Any, res: CoverageResult, cameras: list[Camera], title: str, *, highlight: set[str] | None = None
) -> None:
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Circle, Wedge

    r = res.raster
    step = max(1, int(math.ceil(max(r.shape) / 2500)))
    ax.imshow(
        _background(res, res.best, step),
        extent=(r.xmin, r.xmax, r.ymin, r.ymax),
        origin="upper",
        interpolation="nearest",
    )
    thr0 = res.profile.levels[0][1]
    cones = []
    for c in cameras:
        for p in camera_poses(c):
            rng = math.sqrt(max(p.range_m(thr0) ** 2 - (p.z - res.target_height_m) ** 2, 0.0))
            if p.fisheye:
                cones.append(Circle((p.x, p.y), rng))
            else:
                half = min(p.hfov_deg, MAX_PINHOLE_HFOV_DEG) / 2.0
                # matplotlib's angles are counter-clockwise from east; headings clockwise from north
                a = 90.0 - p.heading_deg
                cones.append(Wedge((p.x, p.y), rng, a - half, a + half))
    if cones:
        ax.add_collection(PatchCollection(cones, facecolor="none", edgecolor="#333333", linewidth=0.3, alpha=0.6))
    for status, col in STATUS_COLOURS.items():
        cs = [c for c in cameras if c.status == status]
        if cs:
            ax.scatter([c.x for c in cs], [c.y for c in cs], s=6, c=col, zorder=3, label=f"{status} camera ({len(cs)})")
    if highlight:
        hs = [c for c in cameras if c.id in highlight]
        ax.scatter(
            [c.x for c in hs], [c.y for c in hs], s=14, facecolors="none", edgecolors="#1f77b4", lw=0.6, zorder=4
        )
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("x east (m)")
    ax.set_ylabel("y north (m)")
    ax.set_aspect("equal")


def _legend(ax: Any, res: CoverageResult) -> None:
    from matplotlib.patches import Patch

    handles = [
        Patch(color=LEVEL_COLOURS[(q) % len(LEVEL_COLOURS)], label=f"{n} (>= {v:g} px/m)")
        for q, (n, v) in enumerate(res.profile.levels)
    ]
    handles += [
        Patch(color=(0.45, 0.45, 0.45), label="building"),
        Patch(color=(0.90, 0.90, 0.92), label="public space"),
    ]
    old = ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles + old, loc="upper left", fontsize=6, framealpha=0.85)


def write_coverage(
    res: CoverageResult, twin: Twin, out: Path, *, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write summary.json, coverage.png, coverage.geojson, per_camera.csv and cells.npz into ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    summary = res.summary()
    frame = twin.frame
    for b in summary["blind_spots"]:
        lon, lat = frame.to_wgs84(b["x"], b["y"])
        b["lon"], b["lat"] = round(float(lon), 7), round(float(lat), 7)
    if extra:
        summary.update(extra)
    r = res.raster
    feats = []
    for q, (name, ppm) in enumerate(res.profile.levels, start=1):
        poly = level_polygons(res.best == q, r.xmin, r.ymax, r.res_m)
        if poly.is_empty:
            continue
        feats.append(
            (
                poly,
                {
                    "level": name,
                    "rank": q,
                    "min_ppm": ppm,
                    "area_m2": summary["area_best_m2"][name],
                    "area_at_least_m2": summary["area_m2"][name],
                },
            )
        )
    write_geojson(out / "coverage.geojson", feature_collection(feats, frame))
    rows = res.per_camera()
    with open(out / "per_camera.csv", "w", newline="", encoding="utf-8") as fh:
        if rows:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    res.save_cells(str(out / "cells.npz"))
    fig, ax = plt.subplots(figsize=(10, 10))
    share = summary["public_share"]
    names = res.level_names
    tag = ", ".join(f"{n} {100 * share[n]:.1f}%" for n in names[:3])
    _draw(
        ax,
        res,
        res.cameras,
        f"{twin.name}: {len(res.cameras)} cameras, {res.profile.name} at {r.res_m:g} m; public space seen: {tag}",
    )
    _legend(ax, res)
    fig.savefig(out / "coverage.png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    _write_json(out / "summary.json", summary)
    return summary


def _level_block(s: dict[str, Any]) -> dict[str, Any]:
    keys = ("area_m2", "public_share", "public_share_priority_weighted", "street_seen_m", "overlap_area_m2")
    return {k: s[k] for k in keys}


def write_plan(plan: PlanResult, twin: Twin, out: Path) -> dict[str, Any]:
    """Write summary.json, plan.geojson, plan.png and marginal.png into ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from twin.coverage import compute_coverage

    out.mkdir(parents=True, exist_ok=True)
    before = plan.before
    assert before is not None and plan.raster is not None
    after = compute_coverage(
        twin,
        before.cameras + plan.cameras,
        raster=plan.raster,
        profile=plan.profile,
        target_height_m=before.target_height_m,
    )
    sb, sa = before.summary(blind_spots=5), after.summary(blind_spots=5)
    cum = np.cumsum(plan.gains) if plan.gains else np.array([])
    gains = [
        {
            "rank": q + 1,
            "id": c.id,
            "site": c.name.removeprefix("site "),
            "heading_deg": c.heading_deg,
            "hfov_deg": c.hfov,
            "gain_m2": round(float(g), 2),
            "cumulative_m2": round(float(cum[q]), 2),
        }
        for q, (c, g) in enumerate(zip(plan.cameras, plan.gains, strict=True))
    ]
    ex = plan.exact
    gap = None if plan.gap is None else round(plan.gap, 6)
    summary = {
        "level": plan.level,
        "profile": plan.profile.name,
        "requested": plan.instance.get("requested"),
        "added": len(plan.cameras),
        "objective": "priority-weighted m2 of public space seen at the level (+ backup weight for a second camera)",
        "objective_before": round(plan.base_value, 2),
        "objective_after": round(plan.value, 2),
        "before": _level_block(sb),
        "after": _level_block(sa),
        "gains": gains,
        "exact": None
        if ex is None
        else {
            "value": round(ex.value, 2) if math.isfinite(ex.value) else None,
            "bound": round(ex.bound, 2) if ex.has_bound else None,
            "bound_note": None if ex.has_bound else (
                "HiGHS returned no dual bound: the gap is unknown, not 0" if math.isfinite(ex.value)
                else "HiGHS found no solution and no bound within its time limit: the gap is unknown"),
            "optimal": ex.optimal,
            "greedy_value": round(float(sum(plan.gains)), 2),
            "gap": gap,
            "elements": ex.elements,
            "seconds": round(ex.seconds, 3),
            "status": ex.status,
        },
        "gap": gap,
        "instance": plan.instance,
        "timings_s": {k: round(v, 3) for k, v in plan.timings_s.items()},
    }
    props = []
    for c, g in zip(plan.cameras, gains, strict=True):
        p = camera_properties(c)
        p["gain_m2"] = g["gain_m2"]
        p["rank"] = g["rank"]
        props.append((shapely.Point(c.x, c.y), p))
    write_geojson(out / "plan.geojson", feature_collection(props, twin.frame))
    fig, axes = plt.subplots(1, 2, figsize=(18, 9.5))
    _draw(
        axes[0],
        before,
        before.cameras,
        f"before: {len(before.cameras)} cameras; public space at {plan.level}: "
        f"{100 * sb['public_share'][plan.level]:.1f}%",
    )
    _draw(
        axes[1],
        after,
        after.cameras,
        f"after: +{len(plan.cameras)} planned; public space at {plan.level}: "
        f"{100 * sa['public_share'][plan.level]:.1f}%",
        highlight={c.id for c in plan.cameras},
    )
    _legend(axes[0], before)
    li = plan.profile.level_index(plan.level)
    fig.suptitle(f"{twin.name}: plan for {plan.level} (level {li} of {plan.profile.name})")
    fig.savefig(out / "plan.png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 5))
    n = np.arange(len(plan.gains) + 1)
    total = plan.base_value + np.concatenate([[0.0], cum])
    ax.plot(n, total, color="#1f77b4", label="objective (existing + added)")
    if plan.gains_beyond:
        nb = np.arange(len(plan.gains), len(plan.gains) + len(plan.gains_beyond) + 1)
        tb = total[-1] + np.concatenate([[0.0], np.cumsum(plan.gains_beyond)])
        ax.plot(nb, tb, color="#1f77b4", ls="--", alpha=0.6, label="greedy continued past K")
    if ex is not None and math.isfinite(ex.value):
        ax.scatter(
            [len(plan.gains)],
            [plan.base_value + ex.value],
            marker="x",
            color="#d62728",
            zorder=5,
            label=f"MILP optimum at K={len(plan.gains)}",
        )
    ax.set_xlabel("cameras added (greedy order)")
    ax.set_ylabel(f"weighted m² seen at {plan.level}")
    ax2 = ax.twinx()
    all_g = list(plan.gains) + list(plan.gains_beyond)
    ax2.bar(np.arange(1, len(all_g) + 1), all_g, width=1.0, color="#ff7f0e", alpha=0.35, label="gain of each camera")
    ax2.set_ylim(bottom=0)
    ax2.set_ylabel("gain of each added camera (weighted m²)")
    ax.axvline(len(plan.gains), color="#1f77b4", lw=0.8, alpha=0.5)
    if len(all_g) > 4:
        # where returns diminish: the first camera whose gain is under half the first one's
        half = np.flatnonzero(np.asarray(all_g) < all_g[0] / 2)
        if len(half):
            ax.axvline(half[0] + 1, color="#555555", ls=":", lw=1, label=f"gain < half the first at #{half[0] + 1}")
    ax.set_zorder(ax2.get_zorder() + 1)  # lines over the bars
    ax.patch.set_visible(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="center right")
    ax.set_title(f"{twin.name}: marginal coverage of each added camera at {plan.level}")
    fig.savefig(out / "marginal.png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    _write_json(out / "summary.json", summary)
    return summary
