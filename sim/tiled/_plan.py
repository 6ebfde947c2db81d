"""The camera plan of a city too large for one process: lazy greedy over tiles, then a MILP per district.

Candidate poses are computed per tile on Dask workers; one lazy greedy runs over all tiles with
exact gains across tile edges; then the exact MILP runs per district (tile).

Each tile's poses x cells matrix lives in a Dask actor (:class:`twin._tiles_plan.TilePlan`) on a
worker. The driver runs lazy greedy (CELF) over the tiles: it keeps each tile's best gain, stale
once the tile's counts changed, asks a tile for its fresh best only when that tile comes to the top,
and sends every chosen pose's cells to the tiles that share them. The picks equal the untiled
greedy's (up to ties between equal gains).
"""

from __future__ import annotations

import heapq
import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.spatial import cKDTree

from twin import optics, select_cameras
from twin.coverage import DEFAULT_TARGET_HEIGHT_M
from twin.model import Camera
from twin.placement import DEFAULT_LEVEL, _lens_of, plan_options
from twin.profiles import DoriProfile
from twin.raster import city_grid
from twin.tiles import TileSpec, cameras_reaching, cut_city, tile_specs

from ._cluster import use_client, warm_up
from ._coverage import DEFAULT_TILE_M, camera_reach_m

if TYPE_CHECKING:
    from twin.model import Twin
    from twin.placement import Lens


def tiled_plan(
    twin: Twin,
    k: int,
    *,
    level: str = DEFAULT_LEVEL,
    headings: int = 8,
    lenses: list[Lens] | None = None,
    budget: float | None = None,
    min_spacing_m: float = 0.0,
    exclude: list[str] | tuple[str, ...] = (),
    backup_weight: float = 0.0,
    backup_min_priority: float = 2.0,
    exact: bool = False,
    time_limit_s: float = 60.0,
    resolution_m: float = 1.0,
    profile: str | DoriProfile | None = None,
    candidates: list[Camera] | None = None,
    pole_spacing_m: float = 50.0,
    target_height_m: float = DEFAULT_TARGET_HEIGHT_M,
    where: str = "public",
    tile_m: float = DEFAULT_TILE_M,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | int | None = None,
    client: Any = None,
) -> dict[str, Any]:
    """Choose ``k`` new cameras over ``twin`` in tiles on Dask (options as :func:`twin.placement.plan_cameras`).

    Returns the plan's summary: the chosen cameras (``cameras``), their gains, the objective before
    and after, the tiles, the peak memory of each worker, and with ``exact`` the MILP of each
    district (tile) with its gap and the total.

    Raises:
        twin.TwinError: K out of range, unknown level or profile, no candidates and no streets, bad options.
    """
    t0 = time.perf_counter()
    prof, li, level_name, ppm, sites = plan_options(
        twin, k, level=level, headings=headings, where=where, min_spacing_m=min_spacing_m,
        backup_weight=backup_weight, budget=budget, exclude=exclude, profile=profile,
        candidates=candidates, pole_spacing_m=pole_spacing_m,
    )
    t_sites = time.perf_counter() - t0
    grid = city_grid(twin, resolution_m=resolution_m, check_size=False)
    base = select_cameras(twin, "all")
    reach = camera_reach_m(base, float(ppm))
    # a pose's range depends on its lens only (pixel density falls with slant distance)
    site_lenses = lenses if lenses else list({_lens_of(s) for s in sites})
    site_reach = max(float(optics.range_m(optics.focal_px(ln.hfov_deg, ln.width_px, ln.height_px), ppm))
                     for ln in site_lenses)
    halo = site_reach + (float(reach.max()) if len(reach) else 0.0)
    specs = tile_specs(grid, tile_m=tile_m, halo_m=halo)
    n_side = specs[0].core[1] - specs[0].core[0]
    n_tc = -(-grid.cols // n_side)
    sxy = np.array([(s.x, s.y) for s in sites])
    si = np.clip(np.floor((grid.ymax - sxy[:, 1]) / grid.res_m).astype(np.int64), 0, grid.rows - 1)
    sj = np.clip(np.floor((sxy[:, 0] - grid.xmin) / grid.res_m).astype(np.int64), 0, grid.cols - 1)
    owner = (si // n_side) * n_tc + (sj // n_side)
    by_tile = {q: np.flatnonzero(owner == q) for q in range(len(specs))}
    bxy = np.array([(c.x, c.y) for c in base]).reshape(-1, 2)
    trees: dict = {}
    nbrs = _neighbours(specs, grid, site_reach)
    kw = dict(profile=prof, level_index=li, headings=int(headings), lenses=lenses, where=where,
              backup_weight=float(backup_weight), backup_min_priority=float(backup_min_priority),
              target_height_m=float(target_height_m))
    timings: dict[str, float] = {"sites_s": t_sites}
    from tqdm import tqdm

    from twin import TilePlan

    with use_client(client, scheduler, workers, memory_limit) as (cl, info):
        timings["warm_up_s"] = warm_up(cl)
        t1 = time.perf_counter()
        # empty actors first, spread over the workers; each tile's city goes in by a method call, which
        # no task keeps once the tile is built (a task's arguments would stay on the worker for good)
        pending = [q for q in range(len(specs)) if len(by_tile[q])]
        names = sorted(cl.scheduler_info().get("workers", {})) or [None]
        made = {q: cl.submit(TilePlan, actor=True, pure=False,
                             workers=None if names[0] is None else [names[n % len(names)]])
                for n, q in enumerate(pending)}
        actors: dict[int, Any] = {q: f.result() for q, f in made.items()}
        stats: dict[int, dict[str, Any]] = {}
        in_flight: list[tuple[int, Any]] = []
        with tqdm(total=len(pending), desc="plan: candidate poses per tile", unit="tile", disable=None) as bar:
            for q in [*pending, None]:
                while in_flight and (q is None or len(in_flight) >= 2 * len(names)):
                    done_q, fut = in_flight.pop(0)
                    stats[done_q] = dict(fut.result())
                    bar.update(1)
                if q is None:
                    break
                sp = specs[q]
                idx = by_tile[q]
                cams = cameras_reaching(grid, sp, bxy, reach + site_reach)
                part = cut_city(twin, grid, sp, [base[i] for i in cams], trees=trees)
                in_flight.append((q, actors[q].build(part, grid, sp, [sites[i] for i in idx], idx, spill=True, **kw)))
                del part
        timings["tiles_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        runs = [_greedy(actors, nbrs, owner, sxy, int(k), budget, min_spacing_m, by_ratio=False)]
        if budget is not None:
            runs.append(_greedy(actors, nbrs, owner, sxy, int(k), budget, min_spacing_m, by_ratio=True))
        best_run = max(range(len(runs)), key=lambda r: sum(runs[r][1]))
        if best_run != len(runs) - 1:  # the actors hold the last run's state: replay the best one
            runs[best_run] = _greedy(actors, nbrs, owner, sxy, int(k), budget, min_spacing_m, by_ratio=False)
        picks, gains = runs[best_run]
        timings["greedy_s"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        districts = None
        if exact:
            districts = _district_milps(actors, owner, sxy, min_spacing_m, time_limit_s, budget is not None)
        timings["milp_s"] = time.perf_counter() - t3
        after = {q: a.after().result() for q, a in actors.items()}
        final = {q: _stats_of(a) for q, a in actors.items()}
    planned = _planned(picks, sites, lenses)
    base_value = sum(s["base_value"] for s in stats.values())
    n_pub = sum(s["public_cells"] for s in stats.values()) or 1
    w_pub = sum(s["public_w"] for s in stats.values()) or 1e-12
    seen_b = sum(s["public_seen_before"] for s in stats.values())
    seen_a = seen_b + sum(a["public_seen_new"] for a in after.values())
    w_b = sum(s["public_w_seen_before"] for s in stats.values())
    w_a = w_b + sum(a["public_w_seen_new"] for a in after.values())
    peaks: dict[str, float] = {}
    anon: dict[str, float] = {}
    for q, s in final.items():
        w = str(getattr(actors[q], "_address", "worker"))
        peaks[w] = max(peaks.get(w, 0.0), s["peak_rss_mb"])
        # what the worker cannot page out, after each of its tiles was built and at the end
        anon[w] = max(anon.get(w, 0.0), stats[q]["anon_mb_after_build"], s["anon_rss_mb"])
    timings["total_s"] = time.perf_counter() - t0
    summary = {
        "level": level_name,
        "profile": prof.name,
        "requested": int(k),
        "added": len(planned),
        "objective": "priority-weighted m2 of public space seen at the level (+ backup weight for a second camera)",
        "objective_before": round(base_value, 2),
        "objective_after": round(base_value + float(sum(gains)), 2),
        "before": {"public_share": {level_name: round(seen_b / n_pub, 5)},
                   "public_share_priority_weighted": {level_name: round(w_b / w_pub, 5)}},
        "after": {"public_share": {level_name: round(seen_a / n_pub, 5)},
                  "public_share_priority_weighted": {level_name: round(w_a / w_pub, 5)}},
        "gains": [
            {"rank": q + 1, "id": c.id, "site": c.name.removeprefix("site "), "heading_deg": c.heading_deg,
             "hfov_deg": c.hfov, "gain_m2": round(float(g), 2)}
            for q, (c, g) in enumerate(zip(planned, gains, strict=True))
        ],
        "districts": districts,
        "instance": {
            "requested": int(k), "sites": len(sites), "headings": int(headings), "lenses": len(lenses) if lenses else 1,
            "poses": int(sum(s["poses"] for s in final.values())),
            "nonzeros": int(sum(s["nonzeros"] for s in final.values())),
        },
        "tiles": {
            "tiles": len(specs), "with_sites": len(actors), "tile_m": round(n_side * grid.res_m, 3),
            "halo_m": round(halo, 2), "cluster": info,
            "peak_rss_mb_per_worker": {w: round(v, 1) for w, v in sorted(peaks.items())},
            "anon_mb_per_worker": {w: round(v, 1) for w, v in sorted(anon.items())},
        },
        "timings_s": {kk: round(v, 3) for kk, v in timings.items()},
    }
    summary["cameras"] = planned
    return summary


def _stats_of(a: Any) -> dict[str, Any]:
    return dict(a.refresh_stats().result())


def _neighbours(specs: list[TileSpec], grid: Any, reach_m: float) -> list[list[int]]:
    """For each tile, the tiles whose columns may share cells with it (cores within 2 x reach)."""
    boxes = np.array([s.core_box(grid) for s in specs])
    pad = 2.0 * reach_m + 2.0 * grid.res_m
    out = []
    for b in boxes:
        hit = (boxes[:, 0] <= b[2] + pad) & (boxes[:, 2] >= b[0] - pad) & (boxes[:, 1] <= b[3] + pad) & (
            boxes[:, 3] >= b[1] - pad)
        out.append(np.flatnonzero(hit).tolist())
    return out


def _greedy(
    actors: dict[int, Any], nbrs: list[list[int]], owner: np.ndarray, sxy: np.ndarray, k: int, budget: float | None,
    min_spacing_m: float, *, by_ratio: bool,
) -> tuple[list[tuple[int, int, float, float]], list[float]]:
    """Lazy greedy over the tiles (see the module docstring): the picks' (site, lens, heading, cost) and gains.

    The heap holds one entry per tile: its best key, exact while the tile is not ``stale`` (nothing
    reached its counts since), else an upper bound (coverage is submodular) to be refreshed.
    """
    from tqdm import tqdm

    for f in [a.start(by_ratio=by_ratio) for a in actors.values()]:
        f.result()
    tree = cKDTree(sxy)
    heap: list[tuple[float, int, int, int, float]] = [(-math.inf, -1, -1, q, 0.0) for q in actors]
    heapq.heapify(heap)
    stale = set(actors)
    picks: list[tuple[int, int, float, float]] = []
    gains: list[float] = []
    spent = 0.0
    with tqdm(total=k, desc="plan: greedy picks", unit="camera", disable=None) as bar:
        while heap and len(picks) < k:
            negk, s, p, q, cost = heapq.heappop(heap)
            left = None if budget is None else budget - spent
            if q in stale or (left is not None and cost > left + 1e-9):
                r = actors[q].best(left).result()
                stale.discard(q)
                if r is not None:
                    key, g, p2, s2, c2 = r
                    heapq.heappush(heap, (-key, s2, p2, q, c2))
                continue
            cells, info, gain = actors[q].take(p).result()
            blocked = [int(s)]
            if min_spacing_m > 0:
                blocked += [int(v) for v in tree.query_ball_point(sxy[int(s)], r=min_spacing_m)]
            targets = {u for u in set(nbrs[q]) | {int(owner[b]) for b in blocked} if u in actors}
            for f in [actors[u].add(cells, blocked, own=(u == q)) for u in targets]:
                f.result()
            stale |= targets
            heapq.heappush(heap, (negk, s, p, q, cost))  # the tile's next best is at most this (stale)
            picks.append(info)
            gains.append(gain)
            spent += info[3]
            bar.update(1)
    return picks, gains


def _district_milps(
    actors: dict[int, Any], owner: np.ndarray, sxy: np.ndarray, min_spacing_m: float, time_limit_s: float,
    budget: bool,
) -> dict[str, Any]:
    from tqdm import tqdm

    tree = cKDTree(sxy)
    pairs = (np.array(sorted(tree.query_pairs(min_spacing_m)), dtype=np.int64).reshape(-1, 2)
             if min_spacing_m > 0 else np.empty((0, 2), dtype=np.int64))
    futs = {}
    for q, a in actors.items():
        mine = pairs[(owner[pairs[:, 0]] == q) & (owner[pairs[:, 1]] == q)] if len(pairs) else pairs
        futs[q] = a.district_milp(time_limit_s=time_limit_s, budget=budget, min_spacing_pairs=mine)
    rows = []
    with tqdm(total=len(futs), desc="plan: district MILPs", unit="district", disable=None) as bar:
        for f in futs.values():
            rows.append(f.result())
            bar.update(1)
    rows = [r for r in rows if r["cameras"] > 0]
    g = sum(r["greedy"] for r in rows)
    b = sum(r["bound"] for r in rows if math.isfinite(r["bound"]))
    return {
        "what": "per district (tile): the exact MILP with the greedy's number of cameras there and the other "
                "districts' picks fixed; gap = (MILP bound - greedy value) / bound",
        "districts": [{kk: (round(v, 6) if isinstance(v, float) else v) for kk, v in r.items()} for r in rows],
        "greedy_value": round(g, 2),
        "bound": round(b, 2),
        "gap_total": round(max(b - g, 0.0) / b, 6) if b > 0 else 0.0,
        "gap_max": round(max((r["gap"] for r in rows), default=0.0), 6),
        "all_optimal": all(r["optimal"] for r in rows),
    }


def _planned(
    picks: list[tuple[int, int, float, float]], sites: list[Camera], lenses: list[Lens] | None
) -> list[Camera]:
    """The chosen poses as planned cameras, as :func:`twin.placement.plan_cameras` writes them."""
    out = []
    for rank, (si, li, heading, cost) in enumerate(picks, start=1):
        s = sites[si]
        ln = lenses[li] if lenses else _lens_of(s)
        out.append(
            Camera(
                id=f"PLAN-{rank:03d}", name=f"site {s.id}", x=s.x, y=s.y, mount_height_m=s.mount_height_m,
                heading_deg=heading, tilt_deg=s.tilt_deg, hfov_deg=ln.hfov_deg, width_px=ln.width_px,
                height_px=ln.height_px, fps=s.fps, codec=s.codec,
                bitrate_kbps=s.bitrate_kbps if (ln.width_px, ln.height_px) == (s.width_px, s.height_px) else None,
                type="fixed", status="planned", cost=float(cost),
            )
        )
    return out
