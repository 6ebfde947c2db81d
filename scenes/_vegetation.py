"""Trees for the living look: seeded in parks and along arterial roads, merged into the city's tiles.

Thousands of trees as individual nodes would cost thousands of draw calls; they are built here
as one triangle soup (a six-sided crown and a three-sided trunk each, 16 triangles) and
:func:`scenes.city.build_city` merges them into the tile they stand in, like the buildings.
"""

from __future__ import annotations

__all__ = ["TreeSettings", "tree_positions", "tree_soup"]

from dataclasses import dataclass

import numpy as np
import shapely

from twin import Twin

from ._facades import FOLIAGE, TRUNK, material_alpha
from ._mesh import Soup

_PARK_USES = {"park", "forest", "recreation_ground", "cemetery", "garden", "village_green"}
_ARTERIALS = {"motorway", "trunk", "primary", "secondary"}


@dataclass(frozen=True)
class TreeSettings:
    """Where trees grow and how many."""

    #: trees per hectare in parks (forests get four times as many)
    park_per_ha: float = 18.0
    #: spacing along each side of an arterial road (m)
    street_spacing_m: float = 16.0
    #: distance from the road's centre line to the row of trees, beyond half its width (m)
    street_setback_m: float = 3.0
    #: at most this many trees (a seeded subsample past it keeps the frame time bounded)
    max_trees: int = 12000
    seed: int = 14


def _park_points(t: Twin, s: TreeSettings, rng: np.random.Generator) -> np.ndarray:
    pts = [np.zeros((0, 2))]
    for z in t.zones:
        if z.landuse not in _PARK_USES or z.polygon.is_empty:
            continue
        n = rng.poisson(z.polygon.area / 1e4 * s.park_per_ha * (4.0 if z.landuse == "forest" else 1.0))
        if n == 0:
            continue
        x0, y0, x1, y1 = z.polygon.bounds
        fill = z.polygon.area / max((x1 - x0) * (y1 - y0), 1e-9)
        m = int(n / max(fill, 0.05)) + 8
        cand = np.column_stack([rng.uniform(x0, x1, m), rng.uniform(y0, y1, m)])
        inside = shapely.contains_xy(z.polygon, cand[:, 0], cand[:, 1])
        pts.append(cand[inside][:n])
    return np.concatenate(pts)


def _street_points(t: Twin, s: TreeSettings, width_of: dict[str, float]) -> np.ndarray:
    lines, offsets = [], []
    for d in t.road_edges():
        hw = d.get("highway", "")
        hw = hw[0] if isinstance(hw, list) else hw
        if hw not in _ARTERIALS:
            continue
        lines.append(d["geometry"])
        offsets.append(width_of.get(hw, 10.0) / 2.0 + s.street_setback_m)
    if not lines:
        return np.zeros((0, 2))
    geoms = np.array(lines, dtype=object)
    off = np.array(offsets)
    sides = np.concatenate([shapely.offset_curve(geoms, off), shapely.offset_curve(geoms, -off)])
    sides = shapely.get_parts(sides)
    sides = sides[shapely.get_type_id(sides) == 1]
    length = shapely.length(sides)
    count = np.floor(length / s.street_spacing_m).astype(int)
    which = np.repeat(np.arange(len(sides)), count)
    # the k-th tree of a side stands at (k + 0.5) spacings along it
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    pts = shapely.line_interpolate_point(sides[which], (k + 0.5) * s.street_spacing_m)
    return shapely.get_coordinates(pts)


def tree_positions(
    t: Twin, ribbons: np.ndarray, settings: TreeSettings | None = None, *, road_width_m: dict[str, float]
) -> np.ndarray:
    """Tree positions (n, 2): parks and arterial sides, clear of buildings (1.5 m) and road ribbons (1 m)."""
    s = settings or TreeSettings()
    rng = np.random.default_rng(s.seed)
    pts = np.concatenate([_park_points(t, s, rng), _street_points(t, s, road_width_m)])
    if len(pts) == 0:
        return pts
    obstacles = [g for g in (list(t.footprints) if t.buildings else []) + list(ribbons) if g is not None]
    if obstacles:
        tree = shapely.STRtree(np.array(obstacles, dtype=object))
        hit, _ = tree.query(shapely.points(pts), predicate="dwithin", distance=1.5)
        keep = np.ones(len(pts), dtype=bool)
        keep[hit] = False
        pts = pts[keep]
    if len(pts) > s.max_trees:
        pts = pts[np.sort(rng.choice(len(pts), s.max_trees, replace=False))]
    return pts


def _faces(tri: np.ndarray) -> np.ndarray:
    """Flat normals of triangles (n, 3, 3)."""
    nrm = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    return nrm / np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-9)


def tree_soup(xy: np.ndarray, seed: int = 14) -> tuple[Soup, np.ndarray]:
    """Low-poly trees at ``xy`` (n, 2): returns the soup and, per triangle, the tree's index.

    Each tree: a trunk (a three-sided prism, 6 triangles) and a crown (a six-sided double cone,
    12 triangles), sizes and greens varied per tree from ``seed``.
    """
    n = len(xy)
    if n == 0:
        return Soup.empty(), np.zeros(0, dtype=int)
    rng = np.random.default_rng(seed)
    height = rng.uniform(6.0, 11.0, n)
    radius = height * rng.uniform(0.28, 0.38, n)
    trunk_h = height * 0.38
    spin = rng.uniform(0, 2 * np.pi, n)
    # crown: a ring of 6 at its widest, an apex above and a point below
    a = spin[:, None] + np.arange(6) * (np.pi / 3)
    cz = trunk_h + (height - trunk_h) * 0.4
    ring = np.stack([xy[:, 0:1] + radius[:, None] * np.cos(a), xy[:, 1:2] + radius[:, None] * np.sin(a),
                     np.repeat(cz[:, None], 6, 1)], axis=2)  # fmt: skip
    top = np.column_stack([xy, height])[:, None, :]
    bottom = np.column_stack([xy, trunk_h * 0.9])[:, None, :]
    j = np.arange(6)
    upper = np.stack([ring[:, j], ring[:, (j + 1) % 6], np.repeat(top, 6, 1)], axis=2)
    lower = np.stack([ring[:, (j + 1) % 6], ring[:, j], np.repeat(bottom, 6, 1)], axis=2)
    crown = np.concatenate([upper, lower], axis=1)  # (n, 12, 3, 3)
    # trunk: three sides from the ground to the crown
    b = spin[:, None] + np.arange(3) * (2 * np.pi / 3)
    r = 0.25
    foot = np.stack([xy[:, 0:1] + r * np.cos(b), xy[:, 1:2] + r * np.sin(b), np.zeros((n, 3))], axis=2)
    head = foot.copy()
    head[..., 2] = trunk_h[:, None]
    i = np.arange(3)
    q = (i + 1) % 3
    trunk = np.concatenate(
        [
            np.stack([foot[:, i], foot[:, q], head[:, q]], axis=2),
            np.stack([foot[:, i], head[:, q], head[:, i]], axis=2),
        ],
        axis=1,
    )  # (n, 6, 3, 3)
    tri = np.concatenate([crown, trunk], axis=1).reshape(-1, 3, 3)
    nrm = np.repeat(_faces(tri), 3, axis=0)
    green = np.array([72, 118, 58], dtype=float) * rng.uniform(0.8, 1.15, (n, 1)) + rng.uniform(-8, 8, (n, 3))
    bark = np.array([96, 78, 60], dtype=float)
    rgb = np.concatenate([np.repeat(green[:, None, :], 12, 1), np.broadcast_to(bark, (n, 6, 3))], axis=1)
    alpha = np.concatenate([np.full((n, 12), material_alpha(FOLIAGE)), np.full((n, 6), material_alpha(TRUNK))], 1)
    col = np.concatenate([np.clip(rgb, 0, 255), alpha[..., None]], axis=2).reshape(-1, 4)
    col = np.repeat(col, 3, axis=0)
    return Soup(tri.reshape(-1, 3), nrm, col), np.repeat(np.arange(n), 18)
