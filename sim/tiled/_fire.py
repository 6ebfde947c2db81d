"""The fire model of a city too large for one process: camera sighting in tiles on Dask, the rest as untiled.

What grows with the city in :func:`sim.fire.run_fire` is the camera sighting: the coverage model's
raster of the whole city (2 m cells) and every camera's view of it, to learn which cameras see
each burning building. Here each tile's worker builds only its window's raster and computes only
the cameras that reach it, for the fires whose building (or point) has its centre in the tile's
core; the halo is the longest camera range at the Detect level plus the largest burning building
and the façade margin, so each tile's (fire, camera, level) pairs are the untiled ones exactly.

The rest of the model runs on the driver unchanged: the incidents, the station-to-node travel
times (one shortest-path tree per station over the road graph: stations x nodes numbers, not the
city's raster) and the SimPy engine. The engine stays whole on purpose: a call goes to the nearest
*available* truck anywhere in the city (mutual aid when the near ones are busy), so cutting the
fleet into tiles would change which truck goes and when. With the sighting tiled exactly, the
merged summary equals an untiled run's.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from sim.fire import Sightings, best_level_pairs, run_fire
from twin import dori_profile, optics
from twin.raster import city_grid
from twin.tiles import cameras_reaching, cut_city, tile_specs

from ._cluster import peak_rss_mb, use_client, warm_up, worker_name
from ._coverage import DEFAULT_TILE_M, camera_reach_m, run_tiles

if TYPE_CHECKING:
    from sim.fire import FireParams, FireStudy, Inject
    from twin.model import Camera, Twin


def _sighting_task(part, grid, tile, targets, target_index, cam_index, level, facade_m, target_height_m):  # noqa: ANN001, ANN202, PLR0913
    """One tile: its window's raster, the coverage of the cameras reaching it, its fires' (target, camera, level)."""
    from twin.coverage import compute_coverage
    from twin.raster import build_raster

    t0 = time.perf_counter()
    wg = tile.window_grid(grid)
    raster = build_raster(part, window=wg)
    cov = compute_coverage(part, part.cameras, raster=raster, target_height_m=target_height_m)
    keep = cov.level >= cov.level_index(level)
    cells, cams, levels = cov.cells[keep], cov.camera[keep], cov.level[keep]
    del cov, raster
    ucell, inv = np.unique(cells, return_inverse=True)
    # centres in the whole city's grid, as the untiled raster computes them (the same doubles)
    wr0, _, wc0, _ = tile.window
    wi, wj = np.divmod(ucell, wg.cols)
    cx = grid.xmin + ((wj + wc0) + 0.5) * grid.res_m
    cy = grid.ymax - ((wi + wr0) + 0.5) * grid.res_m
    # (target, camera) through the cells they share, each pair at its best level (as coverage_sightings)
    t_u, c_u, l_u = best_level_pairs(
        targets, cams, levels, inv, cx, cy, n_cameras=len(part.cameras), facade_m=facade_m
    )
    return {
        "tile": tile.id,
        "target": np.asarray(target_index, dtype=np.int64)[t_u],
        "camera": np.asarray(cam_index, dtype=np.int64)[c_u],
        "level": l_u,
        "targets": int(len(targets)),
        "cameras": int(len(part.cameras)),
        "seconds": time.perf_counter() - t0,
        "peak_rss_mb": peak_rss_mb(),
        "worker": worker_name(),
    }


class TiledSightings:
    """:func:`sim.fire.coverage_sightings` computed in tiles on a Dask cluster (same arguments, same answer).

    Calls with the same cameras and targets (the sensitivity runs of one study) are answered once.
    ``stats`` holds the last run's tiles, halo, time and the peak memory of each worker.
    """

    def __init__(self, client: Any, *, tile_m: float = DEFAULT_TILE_M, slots: int = 2):
        self.client = client
        self.tile_m = float(tile_m)
        self.slots = max(int(slots), 1)
        self.stats: dict[str, Any] = {}
        self._memo: tuple[tuple, Sightings] | None = None

    def __call__(
        self,
        twin: Twin,
        cameras: list[Camera],
        targets: np.ndarray,
        *,
        level: str = "Detect",
        facade_m: float = 3.0,
        resolution_m: float = 2.0,
        target_height_m: float = 2.0,
    ) -> Sightings:
        """The sightings of ``targets`` by ``cameras`` (see :func:`sim.fire.coverage_sightings`)."""
        n_t = len(targets)
        if not cameras or n_t == 0:
            return Sightings(np.zeros(n_t + 1, np.int64), np.zeros(0, np.int64), np.zeros(0))
        key = (id(twin), tuple(optics.camera_poses(c) for c in cameras),
               tuple(shapely.to_wkb(np.asarray(targets, dtype=object)).tolist()), level, facade_m, resolution_m,
               target_height_m)
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        t0 = time.perf_counter()
        prof = dori_profile(twin.standards.dori)
        grid = city_grid(twin, resolution_m=resolution_m, check_size=False)
        reach = camera_reach_m(cameras, float(prof.ppm(level)))
        b = shapely.bounds(targets)
        centre = np.column_stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2])
        radius = float(np.max(np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / 2))
        # a cell within the façade margin of a core's fire, and every camera seeing it, lie in the window
        margin = radius + float(facade_m) + 2.0 * grid.res_m
        halo = float(reach.max()) + margin
        specs = tile_specs(grid, tile_m=self.tile_m, halo_m=halo)
        n_side = specs[0].core[1] - specs[0].core[0]
        n_tc = -(-grid.cols // n_side)
        ti = np.clip(np.floor((grid.ymax - centre[:, 1]) / grid.res_m).astype(np.int64), 0, grid.rows - 1)
        tj = np.clip(np.floor((centre[:, 0] - grid.xmin) / grid.res_m).astype(np.int64), 0, grid.cols - 1)
        owner = (ti // n_side) * n_tc + (tj // n_side)
        xy = np.array([c.position[:2] for c in cameras], dtype=np.float64).reshape(-1, 2)
        trees: dict = {}
        work = [q for q in range(len(specs)) if np.any(owner == q)]

        def items() -> Any:
            for q in work:
                sp = specs[q]
                tidx = np.flatnonzero(owner == q)
                cidx = cameras_reaching(grid, sp, xy, reach + margin)
                part = cut_city(twin, grid, sp, [cameras[i] for i in cidx], trees=trees)
                yield (part, grid, sp, np.asarray(targets, dtype=object)[tidx], tidx, cidx, level, float(facade_m),
                       float(target_height_m))

        warm = warm_up(self.client)
        t1 = time.perf_counter()
        parts = list(run_tiles(self.client, _sighting_task, items(), desc="fire: camera sighting tiles",
                               total=len(work), window=2 * self.slots))
        tiles_s = time.perf_counter() - t1
        tg = np.concatenate([p["target"] for p in parts]) if parts else np.zeros(0, np.int64)
        cm = np.concatenate([p["camera"] for p in parts]) if parts else np.zeros(0, np.int64)
        lv = np.concatenate([p["level"] for p in parts]) if parts else np.zeros(0, np.int8)
        o = np.lexsort((cm, tg))
        tg, cm, lv = tg[o], cm[o], lv[o]
        ptr = np.zeros(n_t + 1, np.int64)
        np.add.at(ptr, tg + 1, 1)
        thresholds = np.array([v for _, v in prof.levels])
        sg = Sightings(np.cumsum(ptr), cm, thresholds[lv - 1] if lv.size else np.zeros(0))
        peaks: dict[str, float] = {}
        for p in parts:
            peaks[p["worker"]] = max(peaks.get(p["worker"], 0.0), p["peak_rss_mb"])
        self.stats = {
            "what": "camera sighting (the coverage model's raster) in tiles; incidents, travel and the engine whole",
            "tiles": len(specs), "tiles_with_fires": len(work), "tile_m": round(n_side * grid.res_m, 3),
            "tile_m_asked": self.tile_m, "halo_m": round(halo, 2), "resolution_m": float(resolution_m),
            "peak_rss_mb_per_worker": {k: round(v, 1) for k, v in sorted(peaks.items())},
            "tile_seconds": {"max": round(max((p["seconds"] for p in parts), default=0.0), 3),
                             "sum": round(sum(p["seconds"] for p in parts), 3)},
            "timings_s": {"warm_up_s": round(warm, 3), "tiles_s": round(tiles_s, 3),
                          "total_s": round(time.perf_counter() - t0, 3)},
        }
        self._memo = (key, sg)
        return sg


def tiled_fire(
    twin: Twin,
    *,
    cameras: str | list[Camera] | None = "existing",
    days: float = 365.0,
    seed: int = 0,
    standard: str | None = None,
    params: FireParams | None = None,
    rate_scale: float = 1.0,
    compare: bool = True,
    injects: list[Inject] | tuple[Inject, ...] = (),
    sensitivity: bool = True,
    tile_m: float = DEFAULT_TILE_M,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | int | None = None,
    client: Any = None,
) -> FireStudy:
    """:func:`sim.fire.run_fire` with the camera sighting in tiles on Dask (see the module docstring).

    The study and its summary are an untiled run's, with a ``tiles`` block added to the summary
    (tiles, halo, the peak memory of each worker, the tiles' time).

    Raises:
        twin.TwinError: bad tile size; the errors of :func:`sim.fire.run_fire`.
        sim.tiled.ClusterError: an unreachable ``scheduler``.
    """
    with use_client(client, scheduler, workers, memory_limit) as (cl, info):
        sighter = TiledSightings(cl, tile_m=tile_m, slots=int(info.get("slots", 2)))
        study = run_fire(twin, cameras=cameras, days=days, seed=seed, standard=standard, params=params,
                         rate_scale=rate_scale, compare=compare, injects=injects, sensitivity=sensitivity,
                         sighter=sighter)
    study.summary["tiles"] = {**sighter.stats, "cluster": info} if sighter.stats else {
        "what": "no camera sighting to tile (no cameras, no fires, or the cone model)", "cluster": info}
    return study
