"""Coverage of a city too large for one process: tiles computed on Dask workers, answers merged.

The driver keeps the city's vector data (buildings, roads, zones, cameras) and cuts it per tile
(:func:`twin.tiles.cut_city`); a worker rasterises the tile's window and computes its coverage
(:func:`twin.tiles.tile_coverage`); the driver writes each tile's cells as it arrives and keeps only
its sums, so neither side ever holds the whole city's raster.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from twin import optics, select_cameras
from twin.coverage import DEFAULT_TARGET_HEIGHT_M
from twin.profiles import DoriProfile, dori_profile
from twin.raster import city_grid
from twin.tiles import (
    TileCoverage,
    TileSpec,
    cameras_reaching,
    cut_city,
    merge_per_camera,
    merge_summary,
    tile_coverage,
    tile_specs,
    write_cells_index,
    write_tile_cells,
)

from ._cluster import peak_rss_mb, use_client, warm_up, worker_name

if TYPE_CHECKING:
    from twin.model import Camera, Twin
    from twin.raster import GridSpec

#: Side of a tile's core when none is given, metres.
DEFAULT_TILE_M = 2500.0


@dataclass
class TiledCoverage:
    """A tiled coverage run merged: the untiled run's summary and per-camera rows, and the tiles' pieces.

    ``tiles`` keep their sums, level polygons, map thumbnails and blind-spot pieces; their cell
    triples are in ``cells_dir`` (one .npz per tile, see :func:`twin.tiles.load_tiled_cells`).
    """

    summary: dict[str, Any]
    per_camera: list[dict[str, Any]]
    tiles: list[TileCoverage]
    grid: GridSpec
    step: int
    profile: DoriProfile
    cameras: list[Camera]
    cells_dir: Path


def camera_reach_m(cameras: list[Camera], ppm: float, *, night: bool = False) -> np.ndarray:
    """Each camera's longest slant range at ``ppm`` over its poses (cut at its IR range at night)."""
    out = np.zeros(len(cameras))
    for k, c in enumerate(cameras):
        r = optics.camera_range_m(c, ppm)
        if night and c.ir_range_m:
            r = min(r, c.ir_range_m)
        out[k] = r
    return out


def _coverage_task(part, grid, tile, cam_index, profile, target_height_m, night, step):  # noqa: ANN001, ANN202
    t = tile_coverage(part, grid, tile, cam_index, profile=profile, target_height_m=target_height_m, night=night,
                      thumb_step=step)
    t.peak_rss_mb = peak_rss_mb()
    t.sums["worker"] = worker_name()
    return t


def run_tiles(client: Any, fn: Any, items: Any, *, desc: str, total: int, window: int) -> Any:
    """Submit ``fn(*args)`` for each args of ``items`` (at most ``window`` in flight), yield results as they come."""
    from distributed import as_completed
    from tqdm import tqdm

    it = iter(items)
    ac = as_completed()
    for args in itertools.islice(it, window):
        ac.add(client.submit(fn, *args, pure=False))
    # disable=None: a bar on a terminal, silence when piped (the house convention)
    with tqdm(total=total, desc=desc, unit="tile", disable=None) as bar:
        for f in ac:
            res = f.result()
            f.release()
            nxt = next(it, None)
            if nxt is not None:
                ac.add(client.submit(fn, *nxt, pure=False))
            bar.update(1)
            yield res


def tiled_coverage(
    twin: Twin,
    cameras: list[Camera] | None = None,
    *,
    cells_dir: str | Path,
    resolution_m: float = 1.0,
    profile: str | DoriProfile | None = None,
    target_height_m: float = DEFAULT_TARGET_HEIGHT_M,
    night: bool = False,
    tile_m: float = DEFAULT_TILE_M,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | int | None = None,
    client: Any = None,
) -> TiledCoverage:
    """Coverage of ``cameras`` over ``twin`` in tiles on Dask, merged as an untiled run's.

    Each tile's cell triples are written into ``cells_dir`` as they arrive (one .npz per tile and an
    index.json); the rest comes back merged. The summary has an untiled run's keys and a ``tiles``
    block: tile size, halo, number of tiles, the peak memory of each worker and each stage's time.

    Raises:
        twin.TwinError: bad resolution, profile or tile size.
        sim.tiled.ClusterError: an unreachable ``scheduler``.
    """
    t0 = time.perf_counter()
    cells_dir = Path(cells_dir)
    prof = profile if isinstance(profile, DoriProfile) else dori_profile(profile or twin.standards.dori)
    cams = list(cameras) if cameras is not None else select_cameras(twin, "all")
    grid = city_grid(twin, resolution_m=resolution_m, check_size=False)
    thr0 = float(prof.levels[0][1])
    reach = camera_reach_m(cams, thr0, night=night)
    halo = float(reach.max()) if len(reach) else 0.0
    step = max(1, int(np.ceil(max(grid.rows, grid.cols) / 2500)))  # the map's cells per pixel, as untiled
    specs = tile_specs(grid, tile_m=tile_m, halo_m=halo, step=step)
    xy = np.array([(c.x, c.y) for c in cams]).reshape(-1, 2)
    trees: dict = {}

    def items() -> Any:
        for sp in specs:
            idx = cameras_reaching(grid, sp, xy, reach)
            yield (cut_city(twin, grid, sp, [cams[i] for i in idx], trees=trees), grid, sp, idx, prof,
                   float(target_height_m), bool(night), step)

    timings: dict[str, float] = {"prepare_s": time.perf_counter() - t0}
    done = []
    index = []
    workers_peak: dict[str, float] = {}
    with use_client(client, scheduler, workers, memory_limit) as (cl, info):
        timings["cluster_start_s"] = time.perf_counter() - t0 - timings["prepare_s"]
        timings["warm_up_s"] = warm_up(cl)
        t1 = time.perf_counter()
        for t in run_tiles(cl, _coverage_task, items(), desc="coverage tiles", total=len(specs),
                           window=max(2 * info["slots"], 2)):
            index.append(write_tile_cells(cells_dir, t, grid))
            w = t.sums.pop("worker")
            workers_peak[w] = max(workers_peak.get(w, 0.0), t.peak_rss_mb)
            t.cells = t.camera = t.level = np.empty(0)  # written: the driver keeps only the sums
            done.append(t)
        timings["tiles_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    done.sort(key=lambda t: (t.tile.row, t.tile.col))
    index.sort(key=lambda d: d["id"])
    write_cells_index(cells_dir, grid, index, [c.id for c in cams], prof.names)
    summary = merge_summary(done, grid, prof, cams, target_height_m=float(target_height_m))
    rows = merge_per_camera(done, grid, prof, cams)
    timings["merge_s"] = time.perf_counter() - t2
    summary["timings_s"] = {k: round(v, 4) for k, v in timings.items()}
    summary["tiles"] = _tiles_block(specs, grid, tile_m, halo, info, workers_peak, done)
    summary["run_time_s"] = round(time.perf_counter() - t0, 3)
    return TiledCoverage(summary, rows, done, grid, step, prof, cams, cells_dir)


def _tiles_block(specs: list[TileSpec], grid: Any, tile_m: float, halo: float, info: dict[str, Any],
                 peaks: dict[str, float], done: list) -> dict[str, Any]:
    n = specs[0].core[1] - specs[0].core[0] if specs else 0
    return {
        "tiles": len(specs),
        "tile_m": round(n * grid.res_m, 3),
        "tile_m_asked": tile_m,
        "halo_m": round(halo, 2),
        "cluster": info,
        "peak_rss_mb_per_worker": {k: round(v, 1) for k, v in sorted(peaks.items())},
        "tile_seconds": {"max": round(max((t.seconds for t in done), default=0.0), 3),
                         "sum": round(sum(t.seconds for t in done), 3)},
    }

