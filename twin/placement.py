"""Where the next cameras go: the maximal covering location problem over candidate poses.

Chooses K new camera poses (site x heading x lens) that maximise the priority-weighted area of
public space seen at a chosen DORI level (default Observe), counting overlap once and keeping the
cameras already in the city (existing and planned). Each site's all-round line of sight is computed
once over the height raster and cut per heading and lens (:mod:`twin.coverage`'s model, parts a-c).

Lazy greedy (CELF, Leskovec et al. 2007) solves it at scale with the (1 - 1/e) guarantee of
Nemhauser, Wolsey and Fisher (1978); on instances HiGHS can solve, the exact MILP
(:mod:`twin._placement_milp`) gives the optimum and so the greedy answer's true gap.
Constraints: K, a budget with a cost per site (and per lens), a minimum spacing between new
sites, sites the user excludes, one camera per site, and backup coverage (a second camera over
cells of high-priority zones earns ``backup_weight`` of their weight again).
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_LEVEL",
    "Lens",
    "PlanResult",
    "candidate_sites",
    "load_lenses",
    "plan_cameras",
    "plan_options",
    "street_candidates",
]

import heapq
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from . import optics
from ._errors import TwinError
from .coverage import DEFAULT_TARGET_HEIGHT_M, CoverageResult, compute_coverage, target_heights
from .model import Camera
from .profiles import DoriProfile, dori_profile
from .raster import STREET_WIDTH_M, HeightRaster, build_raster
from .selection import select_cameras

if TYPE_CHECKING:
    import scipy.sparse as sp

    from ._placement_milp import MilpResult
    from .model import Twin

#: The level planned for when none is given: Observe (62.5 px/m in EN 62676-4:2015).
DEFAULT_LEVEL = "Observe"


@dataclass(frozen=True)
class Lens:
    """A lens and sensor a planner may put on a site: horizontal FOV, resolution and extra cost."""

    name: str
    hfov_deg: float
    width_px: int = 1920
    height_px: int = 1080
    cost: float = 0.0


def load_lenses(path: str) -> list[Lens]:
    """A lens catalogue from a JSON or YAML list of ``{name, hfov_deg, width_px, height_px, cost}``.

    Raises:
        TwinError: a missing file or an entry that is not a lens (names the entry and the rule).
    """
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except OSError as e:
        raise TwinError(f"{path}: cannot read the lens catalogue: {e.strerror}") from None
    if not isinstance(doc, list) or not doc:
        raise TwinError(
            f"{path}: a lens catalogue is a non-empty list of {{name, hfov_deg, width_px, height_px, cost}}"
        )
    out = []
    for q, d in enumerate(doc):
        try:
            ln = Lens(
                name=str(d.get("name", f"lens{q}")),
                hfov_deg=float(d["hfov_deg"]),
                width_px=int(d.get("width_px", 1920)),
                height_px=int(d.get("height_px", 1080)),
                cost=float(d.get("cost", 0.0)),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise TwinError(
                f"{path} entry {q}: needs a numeric hfov_deg (and numeric width_px, height_px, cost)"
            ) from None
        if not (0 < ln.hfov_deg <= 180 or ln.hfov_deg == 360) or ln.width_px <= 0 or ln.height_px <= 0 or ln.cost < 0:
            raise TwinError(
                f"{path} entry {q} ({ln.name!r}): hfov_deg must be in (0, 180] or 360, pixels > 0 and cost >= 0"
            )
        out.append(ln)
    return out


def _lens_of(cam: Camera) -> Lens:
    return Lens("site", cam.hfov, cam.width_px, cam.height_px, 0.0)


def street_candidates(
    twin: Twin, *, spacing_m: float = 50.0, mount_height_m: float = 6.0, tilt_deg: float = 15.0
) -> list[Camera]:
    """Candidate sites from the street network, by the default city's rules (``twin.generate``).

    Every junction (three or more streets) gets a pole on its node; every street gets a pole every
    ``spacing_m`` metres from ``spacing_m / 2`` to 15 m before its end, at the kerb (half the
    street's right-of-way width from the centreline, sides alternating). Sites inside buildings
    are dropped, and a site closer than 2 m to an earlier one is dropped as a duplicate.
    """
    if spacing_m <= 0:
        raise TwinError(f"pole spacing must be > 0 m, got {spacing_m:g}")
    g = twin.roads
    if g is None or g.number_of_edges() == 0:
        return []
    und = g.to_undirected(as_view=True)
    junctions = [(float(g.nodes[n]["x"]), float(g.nodes[n]["y"])) for n, deg in und.degree() if deg >= 3]
    edges = twin.road_edges()
    lines = np.array([d["geometry"] for d in edges], dtype=object)
    half = np.array([STREET_WIDTH_M.get(h if isinstance(h, str) else str(h), 8.0) / 2.0
                     for h in (d.get("highway", "") for d in edges)])
    length = shapely.length(lines) if len(lines) else np.zeros(0)
    # the poles' distances along a street: spacing / 2, then + spacing each, summed one by one as a walk would
    n_max = int(max(np.max(length, initial=0.0) - 15.0, 0.0) // spacing_m) + 2
    steps = np.full(n_max, float(spacing_m))
    steps[0] = spacing_m / 2.0
    walk = np.cumsum(steps)
    per_edge = np.searchsorted(walk, length - 15.0, side="right")
    e = np.repeat(np.arange(len(lines)), per_edge)
    s_m = walk[np.arange(len(e)) - np.repeat(np.cumsum(per_edge) - per_edge, per_edge)]
    ln_e, len_e = lines[e], length[e]
    p = shapely.get_coordinates(shapely.line_interpolate_point(ln_e, s_m)).reshape(-1, 2)
    a_ = shapely.get_coordinates(shapely.line_interpolate_point(ln_e, np.maximum(s_m - 1.0, 0.0))).reshape(-1, 2)
    b_ = shapely.get_coordinates(shapely.line_interpolate_point(ln_e, np.minimum(s_m + 1.0, len_e))).reshape(-1, 2)
    tx, ty = b_[:, 0] - a_[:, 0], b_[:, 1] - a_[:, 1]
    norm = np.array([math.hypot(u, v) or 1.0 for u, v in zip(tx.tolist(), ty.tolist(), strict=True)])
    # sides alternate pole by pole over the whole network, the first on the left
    side = np.where(np.arange(len(e)) % 2 == 0, 1.0, -1.0)
    he = half[e]
    street = np.column_stack([p[:, 0] - side * ty / norm * he, p[:, 1] + side * tx / norm * he])
    xy = np.concatenate([np.array(junctions, dtype=np.float64).reshape(-1, 2), street])
    if not len(xy):
        return []
    keep = np.ones(len(xy), dtype=bool)
    if twin.buildings:
        tree = shapely.STRtree(twin.footprints)
        hit = tree.query(shapely.points(xy), predicate="intersects")
        keep[np.unique(hit[0])] = False
    from scipy.spatial import cKDTree

    from ._pose_cells import drop_duplicates

    pairs = cKDTree(xy).query_pairs(2.0, output_type="ndarray")
    if len(pairs):
        drop_duplicates(pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))], keep)
    return [
        Camera(
            id=f"G{q:05d}", x=float(x), y=float(y), mount_height_m=mount_height_m, tilt_deg=tilt_deg, status="candidate"
        )
        for q, (x, y) in enumerate(xy[keep])
    ]


def candidate_sites(
    twin: Twin, candidates: list[Camera] | None = None, *, pole_spacing_m: float = 50.0
) -> list[Camera]:
    """The sites to plan over: ``candidates`` if given, else the city's, else generated from its streets.

    Raises:
        TwinError: a city with neither candidate cameras nor streets.
    """
    if candidates is not None:
        sites = list(candidates)
    else:
        sites = twin.cameras_by_status("candidate") or street_candidates(twin, spacing_m=pole_spacing_m)
    if not sites:
        raise TwinError(
            f"city {twin.name!r} has neither candidate cameras nor streets to site poles along: add cameras with "
            "status 'candidate' or a roads layer, or pass a candidates file"
        )
    return sites


@dataclass
class PlanResult:
    """The chosen cameras, in the order the greedy picked them, with what each added and the proof.

    ``gains_beyond`` continues the greedy past K (to 3K, without a budget) for the marginal curve;
    ``exact_cameras`` are the MILP's cameras when ``exact`` was asked and HiGHS found a solution.
    """

    cameras: list[Camera]
    gains: list[float]
    level: str
    profile: DoriProfile
    base_value: float
    value: float
    exact: MilpResult | None
    instance: dict[str, Any]
    timings_s: dict[str, float] = field(default_factory=dict)
    gains_beyond: list[float] = field(default_factory=list)
    raster: HeightRaster | None = None
    before: CoverageResult | None = None
    exact_cameras: list[Camera] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        """Relative gap of the greedy gain to the MILP optimum (to its proven bound if not optimal)."""
        if self.exact is None or not math.isfinite(self.exact.bound) or self.exact.bound <= 0:
            return None
        return max(self.exact.bound - sum(self.gains), 0.0) / self.exact.bound


def _site_pose_cells(
    site: Camera,
    lenses: list[Lens],
    headings: np.ndarray,
    raster: HeightRaster,
    tz: np.ndarray,
    ppm: float,
    useful: np.ndarray,
) -> list[np.ndarray]:
    """Flat cells each (heading, lens) pose of one site sees at ``ppm`` or better (:func:`site_pose_cells`)."""
    from ._pose_cells import site_pose_cells

    cells, counts, _, _ = site_pose_cells([site], lenses, headings, raster, tz, ppm, useful)
    return np.split(cells, np.cumsum(counts)[:-1])


def _greedy(
    a: sp.csr_matrix,
    c0: np.ndarray,
    w1: np.ndarray,
    w2: np.ndarray,
    *,
    k: int,
    pose_site: np.ndarray,
    pose_cost: np.ndarray,
    budget: float | None,
    neighbours: list[np.ndarray],
    by_ratio: bool,
) -> tuple[list[int], list[float]]:
    """CELF lazy greedy: stale gains are upper bounds (coverage is submodular), so most never get recomputed."""
    cnt = c0.astype(np.int32).copy()
    ind, ptr = a.indices, a.indptr

    def gain(p: int) -> float:
        c = ind[ptr[p] : ptr[p + 1]]
        n = cnt[c]
        return float(w1[c][n == 0].sum() + w2[c][n == 1].sum())

    base = a @ (w1 * (cnt == 0)) + a @ (w2 * (cnt == 1))
    cost = np.maximum(pose_cost, 1e-12)
    key = base / cost if by_ratio else base
    heap = [(-float(key[p]), p) for p in range(a.shape[0]) if base[p] > 0]
    heapq.heapify(heap)
    fresh = np.zeros(a.shape[0], dtype=np.int64)  # the round each pose's key was computed in
    blocked = np.zeros(int(pose_site.max()) + 1 if len(pose_site) else 0, dtype=bool)
    chosen: list[int] = []
    gains: list[float] = []
    spent = 0.0
    rnd = 0
    while heap and len(chosen) < k:
        _, p = heapq.heappop(heap)
        if blocked[pose_site[p]] or (budget is not None and spent + pose_cost[p] > budget + 1e-9):
            continue
        if fresh[p] != rnd:
            g = gain(p)
            fresh[p] = rnd
            if g > 0:
                heapq.heappush(heap, (-(g / cost[p] if by_ratio else g), p))
            continue
        g = gain(p)
        if g <= 0:
            break
        chosen.append(p)
        gains.append(g)
        spent += float(pose_cost[p])
        np.add.at(cnt, ind[ptr[p] : ptr[p + 1]], 1)
        blocked[neighbours[pose_site[p]]] = True
        rnd += 1
    return chosen, gains


def plan_options(
    twin: Twin,
    k: int,
    *,
    level: str,
    headings: int,
    where: str,
    min_spacing_m: float,
    backup_weight: float,
    budget: float | None,
    exclude: list[str] | tuple[str, ...],
    profile: str | DoriProfile | None,
    candidates: list[Camera] | None,
    pole_spacing_m: float,
) -> tuple[DoriProfile, int, str, float, list[Camera]]:
    """Check a plan's options and find its candidate sites: the one rule for every planner.

    Both :func:`plan_cameras` and the tiled planner (``sim.tiled``) call this, so a plan asked of
    either is refused for the same reasons in the same words.

    Returns:
        The DORI profile, the level's index in it (1-based), the level's name, its pixel density
        (px/m) and the candidate sites left after ``exclude``.

    Raises:
        TwinError: K out of range, unknown level or profile, no candidates and no streets, bad options.
    """
    prof = profile if isinstance(profile, DoriProfile) else dori_profile(profile or twin.standards.dori)
    li = prof.level_index(level)
    level_name, ppm = prof.levels[li - 1]
    if headings < 1:
        raise TwinError(f"headings must be >= 1, got {headings}")
    if where not in ("public", "open"):
        raise TwinError(f"where must be 'public' or 'open', got {where!r}")
    if min_spacing_m < 0 or backup_weight < 0:
        raise TwinError("min spacing and backup weight must be >= 0")
    if budget is not None and budget < 0:
        raise TwinError(f"budget must be >= 0, got {budget:g}")
    sites = candidate_sites(twin, candidates, pole_spacing_m=pole_spacing_m)
    unknown = sorted(set(exclude) - {s.id for s in sites})
    if unknown:
        raise TwinError(f"excluded site(s) {unknown[:5]} are not candidate sites")
    excluded = set(exclude)
    sites = [s for s in sites if s.id not in excluded]
    if not isinstance(k, int | np.integer) or k < 1:
        raise TwinError(f"the number of cameras to add must be a whole number >= 1, got {k!r}")
    if k > len(sites):
        raise TwinError(
            f"cannot add {k} cameras: only {len(sites)} candidate sites (one camera per site); "
            "add candidates, add fewer cameras, or place street poles closer together"
        )
    return prof, li, level_name, float(ppm), sites


def plan_cameras(
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
    raster: HeightRaster | None = None,
    resolution_m: float = 1.0,
    profile: str | DoriProfile | None = None,
    candidates: list[Camera] | None = None,
    pole_spacing_m: float = 50.0,
    target_height_m: float = DEFAULT_TARGET_HEIGHT_M,
    where: str = "public",
    fixed: list[Camera] | None = None,
) -> PlanResult:
    """Choose ``k`` new camera poses (see the module docstring).

    Args:
        twin: the city; its existing and planned cameras are kept (or ``fixed``).
        k: how many cameras to add (at most one per site).
        level: the DORI level a cell must be seen at to count.
        headings: headings tried per site, evenly spaced from north.
        lenses: lens catalogue tried on every site (default: each site's own lens).
        budget: total cost allowed (site ``cost`` plus lens ``cost``); None for no budget.
        min_spacing_m: least distance between two new sites.
        exclude: ids of candidate sites not to use.
        backup_weight: worth of a second camera over a high-priority cell, relative to the first.
        backup_min_priority: zone priority from which a cell wants a backup camera.
        exact: also solve the MILP with HiGHS to measure the greedy answer's gap.
        time_limit_s: HiGHS's time limit.
        raster: a height raster already built (else one at ``resolution_m``).
        resolution_m: cell size when the raster is built here.
        profile: DORI profile (default the city's).
        candidates: candidate sites to use instead of the city's.
        pole_spacing_m: spacing of generated street poles when the city has no candidates.
        target_height_m: target height above the ground.
        where: ``"public"`` counts public space only (streets and squares), ``"open"`` all open ground.
        fixed: the cameras kept, which the new ones plan around (default the city's existing and
            planned cameras): a planner's locked cameras.

    Raises:
        TwinError: K out of range, unknown level or profile, no candidates and no streets, bad options.
    """
    import scipy.sparse as sp  # scipy's sparse and optimize load on first use, not on ``import twin``

    from ._placement_milp import solve
    from ._pose_cells import site_pose_cells

    t0 = time.perf_counter()
    prof, li, level_name, ppm, sites = plan_options(
        twin, k, level=level, headings=headings, where=where, min_spacing_m=min_spacing_m,
        backup_weight=backup_weight, budget=budget, exclude=exclude, profile=profile,
        candidates=candidates, pole_spacing_m=pole_spacing_m,
    )
    if raster is None:
        raster = build_raster(twin, resolution_m=resolution_m)
    t1 = time.perf_counter()
    # what the cameras already in the city see at the level
    base_cams = select_cameras(twin, "all") if fixed is None else list(fixed)
    before = compute_coverage(twin, base_cams, raster=raster, profile=prof, target_height_m=target_height_m)
    c0_all = np.bincount(before.cells[before.level >= li], minlength=raster.cells)
    mask = raster.public if where == "public" else ~raster.building
    w_all = (mask * raster.priority).ravel().astype(np.float64) * raster.cell_area_m2
    b_all = np.where(raster.priority.ravel() >= backup_min_priority, backup_weight * w_all, 0.0)
    useful = ((c0_all == 0) & (w_all > 0)) | ((c0_all == 1) & (b_all > 0))
    t2 = time.perf_counter()
    # one sight line per site, cut per heading and lens
    tz = target_heights(raster, target_height_m)
    hd = np.arange(headings) * (360.0 / headings)
    flat, lens_, plens, pose_heading = site_pose_cells(sites, lenses, hd, raster, tz, ppm, useful)
    n_pose = len(lenses or [None]) * len(hd)
    pose_site = np.repeat(np.arange(len(sites)), n_pose)
    t3 = time.perf_counter()
    cols, inv = np.unique(flat, return_inverse=True)
    a = sp.csr_matrix(
        (np.ones(len(flat), dtype=np.float64), inv, np.concatenate([[0], np.cumsum(lens_)])),
        shape=(len(lens_), len(cols)),
    )
    c0, w1, w2 = c0_all[cols], w_all[cols], b_all[cols]
    psite = pose_site.astype(np.int64)
    site_cost = np.array([s.cost for s in sites], dtype=np.float64)
    lens_cost = np.array([ln.cost for ln in lenses]) if lenses else np.zeros(1)
    pcost = site_cost[pose_site] + (lens_cost[plens] if lenses else 0.0)
    from scipy.spatial import cKDTree

    sxy = np.array([(s.x, s.y) for s in sites])
    tree = cKDTree(sxy)
    neighbours = [np.array(n, dtype=np.int64) for n in tree.query_ball_point(sxy, r=max(min_spacing_m, 0.0))]
    for q, n in enumerate(neighbours):  # a site always blocks itself
        if q not in n:
            neighbours[q] = np.append(n, q)
    pairs = (
        np.array(sorted(tree.query_pairs(min_spacing_m)), dtype=np.int64).reshape(-1, 2)
        if min_spacing_m > 0
        else np.empty((0, 2), dtype=np.int64)
    )
    # without a budget the first K greedy picks of a longer run are the K-run's picks, so the run goes
    # on to 3K (cheaply) to show in marginal.png where returns diminish past K
    k_run = int(k) if budget is not None else min(3 * int(k), len(sites))
    kw = dict(k=k_run, pose_site=psite, pose_cost=pcost, budget=budget, neighbours=neighbours)
    chosen, gains = _greedy(a, c0, w1, w2, by_ratio=False, **kw)
    beyond = gains[int(k) :]
    chosen, gains = chosen[: int(k)], gains[: int(k)]
    if budget is not None:
        alt, alt_g = _greedy(a, c0, w1, w2, by_ratio=True, **kw)
        if sum(alt_g) > sum(gains):
            chosen, gains = alt, alt_g
    t4 = time.perf_counter()
    milp_res = None
    if exact:
        milp_res = solve(
            a,
            c0,
            w1,
            w2,
            k=int(k),
            pose_site=psite,
            pose_cost=pcost,
            budget=budget,
            spacing_pairs=pairs,
            time_limit_s=time_limit_s,
        )
    t5 = time.perf_counter()

    def camera_of(rank: int, p: int) -> Camera:
        s = sites[pose_site[p]]
        ln = lenses[int(plens[p])] if lenses else _lens_of(s)
        return Camera(
            id=f"PLAN-{rank:03d}",
            name=f"site {s.id}",
            x=s.x,
            y=s.y,
            mount_height_m=s.mount_height_m,
            heading_deg=float(pose_heading[p]),
            tilt_deg=s.tilt_deg,
            hfov_deg=ln.hfov_deg,
            width_px=ln.width_px,
            height_px=ln.height_px,
            fps=s.fps,
            codec=s.codec,
            # the site's stream bitrate holds for its own sensor; another resolution uses the planning table
            bitrate_kbps=s.bitrate_kbps if (ln.width_px, ln.height_px) == (s.width_px, s.height_px) else None,
            # a fisheye lens is a dome's (twin.optics); the city format allows 360 only on a dome
            type="dome" if optics.is_fisheye(ln.hfov_deg) else "fixed",
            status="planned",
            cost=float(pcost[p]),
        )

    planned = [camera_of(rank, p) for rank, p in enumerate(chosen, start=1)]
    exact_cams = [camera_of(rank, int(p)) for rank, p in enumerate(milp_res.poses, start=1)] if milp_res else []
    base_value = float((w_all * (c0_all >= 1)).sum() + (b_all * (c0_all >= 2)).sum())
    return PlanResult(
        cameras=planned,
        gains=gains,
        level=level_name,
        profile=prof,
        base_value=base_value,
        value=base_value + float(sum(gains)),
        exact=milp_res,
        instance={
            "requested": int(k),
            "sites": len(sites),
            "headings": int(headings),
            "lenses": len(lenses) if lenses else 1,
            "poses": int(a.shape[0]),
            "cells": int(a.shape[1]),
            "nonzeros": int(a.nnz),
            "elements": milp_res.elements if milp_res else None,
        },
        timings_s={
            "raster": t1 - t0,
            "existing_coverage": t2 - t1,
            "site_visibility": t3 - t2,
            "greedy": t4 - t3,
            "milp": t5 - t4,
            "total": t5 - t0,
        },
        gains_beyond=beyond,
        raster=raster,
        before=before,
        exact_cameras=exact_cams,
    )
