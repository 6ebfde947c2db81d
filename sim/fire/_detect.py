"""Which cameras see a fire, and when a camera (analytics or an operator at the wall) reports it.

Visibility is a camera's view cone (each pose's heading and hfov; a fisheye all round) up to the
distance where pixel density (:mod:`twin.optics`: ``focal_px / d``, a pinhole's
``w_px / (2 d tan(hfov / 2))``, REFERENCE.md) falls to the DORI Detect level, with 2.5-D occlusion:
the sight line from the lens to the top of the burning building (the smoke plume rises from the
roof line) is blocked by any other building taller than the line where the line crosses it.
That is :func:`sightings`, fast and exact for footprints. :func:`coverage_sightings` asks the
coverage model instead (``twin.coverage``: the camera's full frustum, tilt included, and occlusion
on the city's height raster): the default of the fire model. Everything else here consumes only
``(target, camera, ppm)``.
"""

from __future__ import annotations

__all__ = [
    "Sightings",
    "camera_detection_s",
    "coverage_sightings",
    "sightings",
]

import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from scipy.spatial import cKDTree

from sim.firegrowth import time_to_kw
from twin import dori_profile, optics

if TYPE_CHECKING:
    from sim.fire._params import FireParams
    from sim.fire.profile import DetectionDraw
    from twin import Camera, Twin

#: height of a target that is not a building (a fire in the open): a person-sized flame
OPEN_TARGET_HEIGHT_M = 2.0


@dataclass(frozen=True)
class Sightings:
    """Target -> cameras that see it, as CSR arrays: cameras of target ``i`` are ``cam[ptr[i]:ptr[i+1]]``."""

    ptr: np.ndarray
    cam: np.ndarray
    ppm: np.ndarray

    def of(self, i: int) -> np.ndarray:
        """Camera indices that see target ``i``."""
        return self.cam[self.ptr[i] : self.ptr[i + 1]]

    @property
    def seen(self) -> np.ndarray:
        """Boolean per target: seen by at least one camera."""
        return np.diff(self.ptr) > 0


def sightings(
    cameras: list[Camera],
    targets: np.ndarray,
    target_h_m: np.ndarray,
    obstacles: np.ndarray,
    obstacle_h_m: np.ndarray,
    *,
    target_obstacle: np.ndarray | None = None,
    dori: str = "EN62676-4:2015",
    level: str = "Detect",
) -> Sightings:
    """Which cameras see each target (a footprint or a point) at ``level`` or better, occlusion included.

    Args:
        cameras: the cameras in play.
        targets: shapely geometries (building footprints or points) in local metres.
        target_h_m: height at which each target shows (roof line for a building).
        obstacles: building footprints that block sight lines.
        obstacle_h_m: their heights.
        target_obstacle: index into ``obstacles`` of each target's own building (-1 for none), so a
            building does not hide its own fire.
        dori: DORI profile name.
        level: the level a camera must reach (Detect: 25 px/m).

    Returns:
        The sightings, CSR by target, with the pixel density each camera reaches on it.
    """
    n_t = len(targets)
    if not cameras or n_t == 0:
        return Sightings(np.zeros(n_t + 1, np.int64), np.zeros(0, np.int64), np.zeros(0))
    need = dori_profile(dori).ppm(level)
    # one row per pose (a PTZ's presets each), the lens as twin.optics has it
    poses = [(k, p) for k, c in enumerate(cameras) for p in optics.camera_poses(c)]
    owner = np.array([k for k, _ in poses], dtype=np.int64)
    px = np.array([p.x for _, p in poses])
    py = np.array([p.y for _, p in poses])
    pz = np.array([p.z for _, p in poses])
    heading = np.array([p.heading_deg for _, p in poses])
    hfov = np.array([p.hfov_deg for _, p in poses])
    focal = optics.focal_px(hfov, [p.width_px for _, p in poses], [p.height_px for _, p in poses])
    fisheye = np.asarray(optics.is_fisheye(hfov))
    rng_m = optics.range_m(focal, need)
    # candidate pairs: target reference points near enough to each pose (bounding radius added)
    b = shapely.bounds(targets)
    centre = np.column_stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2])
    radius = np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / 2
    tree = cKDTree(centre)
    lists = tree.query_ball_point(np.column_stack([px, py]), rng_m + radius.max())
    pi = np.repeat(np.arange(len(poses)), [len(x) for x in lists])
    ti = np.fromiter((t for x in lists for t in x), dtype=np.int64, count=int(sum(len(x) for x in lists)))
    if ti.size == 0:
        return Sightings(np.zeros(n_t + 1, np.int64), np.zeros(0, np.int64), np.zeros(0))
    cam_pts = shapely.points(px[pi], py[pi])
    # the nearest point of the target to the camera: what it sees best
    line = shapely.shortest_line(cam_pts, targets[ti])
    coords = shapely.get_coordinates(line).reshape(-1, 2, 2)
    tx, ty = coords[:, 1, 0], coords[:, 1, 1]
    dx, dy = tx - px[pi], ty - py[pi]
    ground = np.hypot(dx, dy)
    th = np.asarray(target_h_m, dtype=float)[ti]
    slant = np.hypot(ground, pz[pi] - np.minimum(th, pz[pi]))
    ppm = optics.pixel_density_ppm(focal[pi], slant)
    # the cone: a pinhole's heading +- hfov / 2 (tilt left out, 2.5-D); a fisheye sees all round
    bearing = np.degrees(np.arctan2(dx, dy))
    off = np.abs((bearing - heading[pi] + 180.0) % 360.0 - 180.0)
    in_cone = fisheye[pi] | (off <= hfov[pi] / 2.0) | (ground < 1.0)
    ok = in_cone & (ppm >= need)
    ci = owner[pi]
    # a camera seen through several presets keeps its best density (the lens position is the same)
    ci, ti, ppm, tx, ty, ground, th = ci[ok], ti[ok], ppm[ok], tx[ok], ty[ok], ground[ok], th[ok]
    o = np.lexsort((-ppm, ci, ti))
    first = np.ones(o.size, bool)
    first[1:] = (ti[o][1:] != ti[o][:-1]) | (ci[o][1:] != ci[o][:-1])
    o = o[first]
    cx = np.array([c.position[0] for c in cameras])
    cy = np.array([c.position[1] for c in cameras])
    cz = np.array([c.position[2] for c in cameras])
    ci, ti, ppm, tx, ty, ground, th = ci[o], ti[o], ppm[o], tx[o], ty[o], ground[o], th[o]
    if ti.size and len(obstacles):
        # shorten the sight line by 0.5 m at the target so walls shared with neighbours do not block it
        frac = np.where(ground > 0.5, (ground - 0.5) / np.maximum(ground, 1e-9), 0.0)
        ex = cx[ci] + (tx - cx[ci]) * frac
        ey = cy[ci] + (ty - cy[ci]) * frac
        sight = shapely.linestrings(np.stack([np.column_stack([cx[ci], cy[ci]]), np.column_stack([ex, ey])], axis=1))
        otree = shapely.STRtree(obstacles)
        li, oi = otree.query(sight, predicate="intersects")
        own = np.full(ti.size, -1) if target_obstacle is None else np.asarray(target_obstacle)[ti]
        keep = oi != own[li]
        li, oi = li[keep], oi[keep]
        if li.size:
            # height of the sight line where it first meets the obstacle
            s = shapely.distance(shapely.points(cx[ci][li], cy[ci][li]), obstacles[oi])
            z_line = cz[ci][li] + (th[li] - cz[ci][li]) * np.clip(s / np.maximum(ground[li], 1e-9), 0, 1)
            blocking = np.asarray(obstacle_h_m, dtype=float)[oi] > z_line
            blocked = np.zeros(ti.size, bool)
            blocked[li[blocking]] = True
            ci, ti, ppm = ci[~blocked], ti[~blocked], ppm[~blocked]
    order = np.lexsort((ci, ti))
    ci, ti, ppm = ci[order], ti[order], ppm[order]
    ptr = np.zeros(n_t + 1, np.int64)
    np.add.at(ptr, ti + 1, 1)
    return Sightings(np.cumsum(ptr), ci.astype(np.int64), ppm)


def camera_detection_s(
    pair_incident: np.ndarray,
    pair_camera: np.ndarray,
    pair_u: np.ndarray,
    alpha: np.ndarray,
    n_incidents: int,
    camera_has_analytics: np.ndarray,
    pair_online: np.ndarray,
    *,
    cameras_on_wall: int,
    tiles: np.ndarray,
    params: FireParams,
    pair_ppm: np.ndarray,
    draw: DetectionDraw,
    operator_p_notice: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Seconds after ignition at which a camera-based detection happens, per incident (inf: never).

    The fire becomes visible at ``visible_kw``. Analytics on a camera that sees it fires with the
    run's chance for the camera's pixel-density band at the fire (``draw.p_at(pair_ppm)``) after
    the run's delay ``draw.delay`` (to be verified by an operator).
    An operator sees it when the camera's turn on a wall tile comes round (``cameras_on_wall``
    cameras in a tour over ``tiles`` tiles of ``tile_dwell_s`` each; always on a tile when tiles
    suffice), noticing it with probability ``operator_p_notice`` per showing, after ``operator_notice``.

    Args:
        pair_incident: incident of each (incident, camera that sees it) pair.
        pair_camera: camera of each pair.
        pair_u: (pairs, 5) uniform draws per pair (common random numbers: with and without some
            cameras the remaining pairs keep their draws).
        alpha: growth coefficient per incident.
        n_incidents: number of incidents.
        camera_has_analytics: boolean per camera.
        pair_online: boolean per pair: the camera is online when this fire becomes visible.
        cameras_on_wall: cameras in the wall's tour.
        tiles: per pair, tiles watched when the fire
            becomes visible (operators on duty in that shift times tiles each).
        params: the delays and probabilities.
        pair_ppm: pixel density (px/m) each pair's camera reaches on the fire.
        draw: the run's detection numbers (:meth:`sim.fire.profile.DetectionProfile.draw`).
        operator_p_notice: overrides ``params.operator_p_notice`` (the sensitivity runs).

    Returns:
        ``(analytics_s, operator_s)``: the earliest analytics alarm and the earliest operator notice.
    """
    va = np.full(n_incidents, np.inf)
    op = np.full(n_incidents, np.inf)
    if pair_incident.size == 0:
        return va, op
    from scipy.special import ndtri

    on = np.asarray(pair_online, bool)
    t_vis = time_to_kw(params.visible_kw, alpha[pair_incident])
    u = pair_u
    hit = on & camera_has_analytics[pair_camera] & (u[:, 0] < draw.p_at(pair_ppm))
    t_va = np.where(hit, t_vis + draw.delay.of(ndtri(u[:, 1])), np.inf)
    dwell = params.tile_dwell_s
    tiles = np.broadcast_to(np.asarray(tiles, dtype=float), (len(u),))
    # a tour of cameras_on_wall cameras over the tiles: each camera is on a tile one dwell in every cycle
    cycle = dwell * np.maximum(cameras_on_wall / np.maximum(tiles, 1.0), 1.0)
    p = params.operator_p_notice if operator_p_notice is None else operator_p_notice
    if p > 0:
        k = np.ceil(np.log1p(-u[:, 3]) / math.log1p(-p)) if p < 1 else np.ones(len(u))
        k = np.maximum(k, 1.0)
        # the first showing after the fire becomes visible, then (k - 1) more cycles until noticed
        t_op = t_vis + u[:, 2] * cycle + (k - 1) * cycle
        t_op = t_op + params.operator_notice.of(ndtri(np.clip(u[:, 4], 1e-12, 1 - 1e-12)))
        t_op = np.where(on & (tiles > 0), t_op, np.inf)
    else:
        t_op = np.full(len(u), np.inf)
    np.minimum.at(va, pair_incident, t_va)
    np.minimum.at(op, pair_incident, t_op)
    return va, op


def coverage_sightings(
    twin: Twin,
    cameras: list[Camera],
    targets: np.ndarray,
    *,
    level: str = "Detect",
    facade_m: float = 3.0,
    resolution_m: float = 2.0,
    target_height_m: float = 2.0,
) -> Sightings:
    """Sightings from the coverage model (:func:`twin.coverage.compute_coverage`): frustum, raster occlusion.

    A building fire shows at its doors and windows: a camera sees it when it sees, at ``level`` or
    better, any open cell within ``facade_m`` of the footprint (at ``target_height_m``, a ground-floor
    window). A fire in the open (a point target) is seen when its cell, or one within ``facade_m``, is.

    Args:
        twin: the city (its height raster is built at ``resolution_m``).
        cameras: the cameras in play.
        targets: shapely geometries (footprints or points), local metres.
        level: DORI level a camera must reach.
        facade_m: how far from the footprint a seen cell still shows the fire.
        resolution_m: raster cell size.
        target_height_m: height of the target above the ground.

    Returns:
        The sightings, CSR by target; ``ppm`` holds the threshold of the best level reached.
    """
    n_t = len(targets)
    if not cameras or n_t == 0:
        return Sightings(np.zeros(n_t + 1, np.int64), np.zeros(0, np.int64), np.zeros(0))
    cams, levels, ucell, inv, cx, cy, thresholds = _seen_cells(twin, cameras, level, resolution_m, target_height_m)
    t_u, c_u, l_u = best_level_pairs(targets, cams, levels, inv, cx, cy, n_cameras=len(cameras), facade_m=facade_m)
    ptr = np.zeros(n_t + 1, np.int64)
    np.add.at(ptr, t_u + 1, 1)
    return Sightings(np.cumsum(ptr), c_u, thresholds[l_u - 1])


def best_level_pairs(
    targets: list[shapely.Geometry] | np.ndarray,
    cams: np.ndarray,
    levels: np.ndarray,
    inv: np.ndarray,
    cx: np.ndarray,
    cy: np.ndarray,
    *,
    n_cameras: int,
    facade_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (target, camera) pair that shares a seen cell, at the best level the camera reaches there.

    Args:
        targets: shapely geometries, local metres.
        cams: camera index of each seen (camera, cell) row.
        levels: DORI level of each row.
        inv: each row's index into the unique seen cells.
        cx: x of each unique cell's centre.
        cy: y of each unique cell's centre.
        n_cameras: how many cameras the indices count.
        facade_m: how far from a target a seen cell still shows it.

    Returns:
        Target indices, camera indices and levels of the pairs, sorted by target then camera.
    """
    tree = shapely.STRtree(targets)
    ci, ti = tree.query(shapely.points(cx, cy), predicate="dwithin", distance=facade_m)
    n_cells = len(cx)
    order = np.argsort(inv, kind="stable")
    starts = np.searchsorted(inv[order], np.arange(n_cells))
    ends = np.searchsorted(inv[order], np.arange(n_cells), side="right")
    counts = (ends - starts)[ci]
    t_rep = np.repeat(ti, counts)
    idx = np.repeat(starts[ci], counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    rows = order[idx]
    c_rep, l_rep = cams[rows].astype(np.int64), levels[rows]
    key = t_rep * (n_cameras + 1) + c_rep
    o = np.lexsort((-l_rep, key))
    first = np.ones(o.size, bool)
    first[1:] = key[o][1:] != key[o][:-1]
    return t_rep[o][first], c_rep[o][first], l_rep[o][first]


_SEEN_CACHE: dict[tuple, tuple] = {}


def _city_key(twin: Twin) -> bytes:
    """A digest of what the coverage raster's levels depend on: the grid's extent and every building's prism.

    Built from the city's current data on each call, so a building raised after loading makes a new key.
    """
    h = hashlib.blake2b(digest_size=20)
    h.update(np.asarray(twin.bounds(), dtype=np.float64).tobytes())
    h.update(twin.building_heights_m.tobytes())
    if twin.buildings:
        for wkb in shapely.to_wkb(twin.footprints):
            h.update(wkb)
    return h.digest()


def _seen_cells(twin: Twin, cameras: list[Camera], level: str, resolution_m: float, target_height_m: float) -> tuple:
    """The coverage model's (camera, level) per cell seen at ``level`` or better.

    Remembered for the last few (city, cameras): a drill replays one scenario many times and a
    study runs twice; the raster and the visibility pass are the expensive part. The key holds
    everything the answer depends on: the city's extent and buildings (footprints and heights), every
    camera's poses as :mod:`twin.optics` builds them (position with mount height and correction,
    heading, tilt, roll, lens and resolution, each PTZ preset), the DORI profile's thresholds, the
    level, the raster's resolution and the target height.
    """
    from twin.coverage import compute_coverage

    poses = tuple(tuple(optics.camera_poses(c)) for c in cameras)
    profile = dori_profile(twin.standards.dori)
    key = (_city_key(twin), poses, profile.levels, level, float(resolution_m), float(target_height_m))
    hit = _SEEN_CACHE.get(key)
    if hit is not None:
        return hit
    cov = compute_coverage(twin, cameras, resolution_m=resolution_m, target_height_m=target_height_m)
    keep = cov.level >= cov.level_index(level)
    cells, cams, levels = cov.cells[keep], cov.camera[keep], cov.level[keep]
    ucell, inv = np.unique(cells, return_inverse=True)
    cx, cy = cov.raster.centres(ucell)
    thresholds = np.array([v for _, v in cov.profile.levels])
    val = (cams, levels, ucell, inv, cx, cy, thresholds)
    for a in val:
        a.flags.writeable = False  # shared by every caller that hits the cache
    if len(_SEEN_CACHE) >= 4:
        _SEEN_CACHE.pop(next(iter(_SEEN_CACHE)))
    _SEEN_CACHE[key] = val
    return val
