"""The optimiser's best site near a camera: the greedy's first pick restricted to a neighbourhood.

A planner who places a camera by hand asks "is there a better spot nearby?". The answer uses the
planner's own model (:mod:`twin.placement`): the candidate sites within a radius, each tried at
``headings`` evenly spaced headings with the placed camera's lens, scored by the priority-weighted
public area newly seen at the planning level against the coverage of every *other* camera (the
marginal gain), exactly as :func:`twin.plan_cameras` scores its first pick; the best pose is the
greedy's choice on that neighbourhood (ties go to the first pose in site, heading order, as in the
greedy's heap). The placed camera is scored the same way, so the two compare on one scale.
"""

from __future__ import annotations

__all__ = ["NearbyChoice", "best_nearby"]

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import optics
from .placement import DEFAULT_LEVEL, Lens, _site_pose_cells, candidate_sites

if TYPE_CHECKING:
    from ._incremental import CoverageState
    from .model import Camera, Twin


@dataclass(frozen=True)
class NearbyChoice:
    """The best pose near a camera and how it compares with the camera where it is.

    Attributes:
        site: the candidate site chosen (None when no site nearby beats the placed camera).
        heading_deg: the chosen heading (the placed camera's when ``site`` is None).
        gain: the chosen pose's marginal objective (priority-weighted m2 at the level).
        placed_gain: the placed camera's marginal objective on the same scale.
        level: the planning level.
        sites: candidate sites in the neighbourhood.
    """

    site: Camera | None
    heading_deg: float
    gain: float
    placed_gain: float
    level: str
    sites: int


def best_nearby(
    twin: Twin,
    state: CoverageState,
    camera: Camera,
    *,
    radius_m: float = 50.0,
    level: str = DEFAULT_LEVEL,
    headings: int = 8,
    where: str = "public",
    candidates: list[Camera] | None = None,
) -> NearbyChoice:
    """The greedy's best pose for ``camera``'s lens among candidate sites within ``radius_m`` of it.

    ``state`` holds the current cameras (``camera`` among them under its id, or not: it is left out
    of the coverage the gains are measured against either way).
    """
    r = state.raster
    prof = state.profile
    li = prof.level_index(level)
    level_name, ppm = prof.levels[li - 1]
    sites = candidate_sites(twin, candidates)
    xy = np.array([(s.x, s.y) for s in sites], dtype=float).reshape(-1, 2)
    near = np.flatnonzero(np.hypot(xy[:, 0] - camera.x, xy[:, 1] - camera.y) <= radius_m)
    lens = Lens("placed", camera.hfov, camera.width_px, camera.height_px, 0.0)
    # every pose of the neighbourhood sees within the lens's reach of its site: the window the gains are read in
    reach = max(optics.camera_range_m(camera, ppm), float(optics.range_m(
        optics.focal_px(lens.hfov_deg, lens.width_px, lens.height_px), ppm))) + radius_m + 2 * r.res_m
    win = state.window_of(camera.x, camera.y, reach)
    i0, i1, j0, j1 = win
    without = state.best_without(camera.id, win)
    mask = r.public if where == "public" else ~r.building
    w = (mask[i0:i1, j0:j1] * r.priority[i0:i1, j0:j1]).astype(np.float64) * r.cell_area_m2
    w_open = np.where(without < li, w, 0.0)
    useful = np.zeros(r.cells, dtype=bool)
    useful.reshape(r.shape)[i0:i1, j0:j1] = w_open > 0
    tz = state.target_z
    cols = r.shape[1]

    def score(cells: np.ndarray) -> float:
        i, j = np.divmod(cells, cols)
        return float(w_open[i - i0, j - j0].sum())

    own = _site_pose_cells(camera, [lens], np.array([camera.heading_deg]), r, tz, float(ppm), useful)[0]
    placed = score(own)
    hd = np.arange(headings) * (360.0 / headings)
    best_g, best_site, best_h = -1.0, None, camera.heading_deg
    for q in near.tolist():
        for h, cells in zip(hd, _site_pose_cells(sites[q], [lens], hd, r, tz, float(ppm), useful), strict=True):
            g = score(cells)
            if g > best_g:
                best_g, best_site, best_h = g, sites[q], float(h)
    if best_site is None or best_g <= placed:
        return NearbyChoice(None, float(camera.heading_deg), placed, placed, level_name, len(near))
    return NearbyChoice(best_site, best_h, best_g, placed, level_name, len(near))

