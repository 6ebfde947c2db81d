"""Files of a tiled coverage run: the same summary, per-camera table, level GeoJSON and map as untiled.

The cell lookup is one file per tile (``cells/``, read by :func:`twin.tiles.load_tiled_cells`).

Kept apart from :mod:`twin.tiles`, which computes; this module only writes.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from showroom_cli.coverage_report import LEVEL_COLOURS, STATUS_COLOURS, _rgb
from twin.cityio import feature_collection, write_geojson
from twin.cityio import write_json as _write_json

if TYPE_CHECKING:
    from sim.tiled import TiledCoverage
    from twin.model import Camera, Twin
    from twin.profiles import DoriProfile
    from twin.raster import GridSpec
    from twin.tiles import TileCoverage


def level_features(tiles: list[TileCoverage], profile: DoriProfile, summary: dict[str, Any]) -> list:
    """One GeoJSON feature per (level, tile): the cells of the tile's core whose best level it is."""
    feats = []
    for q, (name, ppm) in enumerate(profile.levels, start=1):
        for t in tiles:
            poly = t.polygons[q - 1]
            if poly.is_empty:
                continue
            props = {
                "level": name,
                "rank": q,
                "min_ppm": ppm,
                "area_m2": summary["area_best_m2"][name],
                "area_at_least_m2": summary["area_m2"][name],
                "tile": t.tile.id,
                "tile_area_m2": round(float(poly.area), 1),
            }
            feats.append((poly, props))
    return feats


def write_per_camera(path: Path, rows: list[dict[str, Any]]) -> None:
    """per_camera.csv as an untiled run writes it."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        if rows:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)


def write_map(
    path: Path, tiles: list[TileCoverage], grid: GridSpec, step: int, profile: DoriProfile, cameras: list[Camera],
    title: str,
) -> None:
    """coverage.png: the tiles' thumbnails put together, the cameras as dots, the tile cores outlined."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    h, w = -(-grid.rows // step), -(-grid.cols // step)
    img = np.ones((h, w, 3), dtype=np.float32)
    for t in tiles:
        r0, _, c0, _ = t.tile.core
        th = t.thumb
        win = img[r0 // step : r0 // step + th.shape[0], c0 // step : c0 // step + th.shape[1]]
        win[th == 0] = (0.90, 0.90, 0.92)
        win[th == -1] = (0.45, 0.45, 0.45)
        for q in range(1, len(profile.levels) + 1):
            win[th == q] = _rgb(LEVEL_COLOURS[(q - 1) % len(LEVEL_COLOURS)])
    xmax, ymin = grid.xmin + grid.cols * grid.res_m, grid.ymax - grid.rows * grid.res_m
    fig, ax = plt.subplots(figsize=(10, 10))
    ax.imshow(img, extent=(grid.xmin, xmax, ymin, grid.ymax), origin="upper", interpolation="nearest")
    for t in tiles:
        r0, r1, c0, c1 = t.tile.core
        ax.add_patch(Rectangle((grid.xmin + c0 * grid.res_m, grid.ymax - r1 * grid.res_m), (c1 - c0) * grid.res_m,
                               (r1 - r0) * grid.res_m, fill=False, lw=0.4, ec="#888888", ls="--"))
    dot = 6 if len(cameras) < 2000 else 0.5
    for status, col in STATUS_COLOURS.items():
        cs = [c for c in cameras if c.status == status]
        if cs:
            label = f"{status} camera ({len(cs)})"
            ax.scatter([c.x for c in cs], [c.y for c in cs], s=dot, c=col, zorder=3, label=label)
    handles = [Patch(color=LEVEL_COLOURS[q % len(LEVEL_COLOURS)], label=f"{n} (>= {v:g} px/m)")
               for q, (n, v) in enumerate(profile.levels)]
    handles += [Patch(color=(0.45, 0.45, 0.45), label="building")]
    handles += [Patch(color=(0.90, 0.90, 0.92), label="public space")]
    ax.legend(handles=handles + ax.get_legend_handles_labels()[0], loc="upper left", fontsize=6, framealpha=0.85)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("x east (m)")
    ax.set_ylabel("y north (m)")
    ax.set_aspect("equal")
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def write_tiled_coverage(out: Path, twin: Twin, res: TiledCoverage) -> None:
    """summary.json, coverage.geojson, per_camera.csv and coverage.png (cells/ is written tile by tile)."""
    tiles, grid, step, profile = res.tiles, res.grid, res.step, res.profile
    cameras, summary, per_camera = res.cameras, res.summary, res.per_camera
    out.mkdir(parents=True, exist_ok=True)
    for b in summary["blind_spots"]:
        lon, lat = twin.frame.to_wgs84(b["x"], b["y"])
        b["lon"], b["lat"] = round(float(lon), 7), round(float(lat), 7)
    write_geojson(out / "coverage.geojson", feature_collection(level_features(tiles, profile, summary), twin.frame))
    write_per_camera(out / "per_camera.csv", per_camera)
    share = summary["public_share"]
    tag = ", ".join(f"{n} {100 * share[n]:.1f}%" for n in profile.names[:3])
    write_map(out / "coverage.png", tiles, grid, step, profile, cameras,
              f"{twin.name}: {len(cameras)} cameras, {profile.name} at {grid.res_m:g} m, {len(tiles)} tiles; "
              f"public space seen: {tag}")
    _write_json(out / "summary.json", summary)


def write_tiled_plan(out: Path, twin: Twin, summary: dict[str, Any]) -> None:
    """summary.json, plan.geojson (the chosen cameras with rank and gain) and marginal.png of a tiled plan."""
    planned = summary["cameras"]
    gains = [g["gain_m2"] for g in summary["gains"]]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shapely

    from twin.cityio import camera_properties

    out.mkdir(parents=True, exist_ok=True)
    feats = []
    for rank, (c, g) in enumerate(zip(planned, gains, strict=True), start=1):
        p = camera_properties(c)
        p["gain_m2"] = round(float(g), 2)
        p["rank"] = rank
        feats.append((shapely.Point(c.x, c.y), p))
    write_geojson(out / "plan.geojson", feature_collection(feats, twin.frame))
    fig, ax = plt.subplots(figsize=(8, 5))
    cum = summary["objective_before"] + np.concatenate([[0.0], np.cumsum(gains)])
    ax.plot(np.arange(len(cum)), cum, color="#1f77b4", label="objective (existing + added)")
    ax2 = ax.twinx()
    ax2.bar(np.arange(1, len(gains) + 1), gains, width=1.0, color="#ff7f0e", alpha=0.35, label="gain of each camera")
    ax2.set_ylim(bottom=0)
    ax.set_xlabel("cameras added (greedy order)")
    ax.set_ylabel(f"weighted m² seen at {summary['level']}")
    ax2.set_ylabel("gain of each added camera (weighted m²)")
    ax.set_title(f"{twin.name}: marginal coverage of each added camera ({summary['tiles']['tiles']} tiles)")
    fig.savefig(out / "marginal.png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    _write_json(out / "summary.json", {k: v for k, v in summary.items() if k != "cameras"})
