"""The height raster (DSM) of a city, with the masks coverage metrics need.

A :class:`HeightRaster` is a north-up grid (row 0 is the northern edge, as in GDAL and in images)
over the city's extent in its local frame. Each cell holds the height of the top surface above the
ground at the cell's centre: the height of the building whose footprint contains the centre, else 0
(the twin's ground is flat). Buildings are prisms, so a cell is either open ground or roof.

Beside the heights it keeps, per cell: whether it is a building, whether it is *public space*
(streets and squares, see :data:`STREET_WIDTH_M` and :data:`PUBLIC_LANDUSE`), the priority weight
of the zone it lies in, and samples of the street centrelines for "length of street seen".
"""

from __future__ import annotations

__all__ = [
    "PUBLIC_LANDUSE",
    "STREET_WIDTH_M",
    "GridSpec",
    "HeightRaster",
    "build_raster",
    "city_grid",
    "level_polygons",
]

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from twin._errors import TwinError

if TYPE_CHECKING:
    from twin.model import Twin

#: Width of a street's public right of way (carriageway plus sidewalks), metres, by OSM ``highway``
#: class: typical urban cross-sections (a two-lane residential street of 2 x 3 m lanes with 1.5 m
#: sidewalks is 9 m). A road is public space within half this width of its centreline.
STREET_WIDTH_M: dict[str, float] = {
    "motorway": 24.0,
    "trunk": 20.0,
    "primary": 16.0,
    "secondary": 14.0,
    "tertiary": 12.0,
    "unclassified": 9.0,
    "residential": 9.0,
    "living_street": 7.0,
    "service": 6.0,
    "pedestrian": 6.0,
    "footway": 3.0,
    "cycleway": 3.0,
    "path": 2.5,
    "steps": 3.0,
    "motorway_link": 10.0,
    "trunk_link": 10.0,
    "primary_link": 9.0,
    "secondary_link": 9.0,
    "tertiary_link": 8.0,
    "road": 9.0,
}
#: Width for a class missing from :data:`STREET_WIDTH_M`.
DEFAULT_STREET_WIDTH_M = 8.0
#: Zone land uses that are public space (squares, parks, plazas), besides the streets.
PUBLIC_LANDUSE = frozenset({"park", "square", "plaza", "pedestrian", "recreation_ground", "village_green", "public"})
#: Largest raster built without complaint (cells); 0.5 m over 10 km x 10 km is 4e8.
MAX_CELLS = 200_000_000


@dataclass
class HeightRaster:
    """A north-up height raster of a city with its masks (see the module docstring).

    Cell ``(i, j)`` has its centre at ``x = xmin + (j + 0.5) * res_m``, ``y = ymax - (i + 0.5) * res_m``.
    """

    xmin: float
    ymax: float
    res_m: float
    dsm: np.ndarray
    building: np.ndarray
    public: np.ndarray
    priority: np.ndarray
    street_cells: np.ndarray
    street_len_m: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.dsm.shape  # type: ignore[return-value]

    @property
    def cells(self) -> int:
        """Number of cells."""
        return int(self.dsm.size)

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell, square metres."""
        return self.res_m * self.res_m

    @property
    def xmax(self) -> float:
        """Eastern edge."""
        return self.xmin + self.shape[1] * self.res_m

    @property
    def ymin(self) -> float:
        """Southern edge."""
        return self.ymax - self.shape[0] * self.res_m

    @property
    def geotransform(self) -> tuple[float, float, float, float, float, float]:
        """GDAL's geotransform of the grid in the city's local frame."""
        return (self.xmin, self.res_m, 0.0, self.ymax, 0.0, -self.res_m)

    def cell_of(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the cells holding points (may fall outside the grid)."""
        j = np.floor((np.asarray(x, dtype=float) - self.xmin) / self.res_m).astype(np.int64)
        i = np.floor((self.ymax - np.asarray(y, dtype=float)) / self.res_m).astype(np.int64)
        return i, j

    def centres(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Centres (x, y) of cells given by flat index."""
        i, j = np.divmod(np.asarray(flat, dtype=np.int64), self.shape[1])
        return self.xmin + (j + 0.5) * self.res_m, self.ymax - (i + 0.5) * self.res_m

    def inside(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Which (row, col) pairs lie on the grid."""
        return (i >= 0) & (j >= 0) & (i < self.shape[0]) & (j < self.shape[1])


def _check_resolution(resolution_m: float) -> float:
    try:
        r = float(resolution_m)
    except (TypeError, ValueError):
        raise TwinError(f"resolution must be a number of metres, got {resolution_m!r}") from None
    if not math.isfinite(r) or r <= 0:
        raise TwinError(f"resolution must be > 0 m (e.g. 1 or 0.5), got {resolution_m!r}")
    return r


def _burn(geoms: list, values: np.ndarray, grid: HeightRaster, out: np.ndarray, *, how: str) -> None:
    """Burn polygons into ``out``: cells whose centre lies inside take the value (max or set)."""
    from ._rasterize import burn  # numba compiles on first use, not on ``import twin``

    burn(geoms, values, out, grid.xmin, grid.ymax, grid.res_m, how=how)


@dataclass(frozen=True)
class GridSpec:
    """A north-up grid without its arrays: north-west corner, cell size and shape (see :class:`HeightRaster`)."""

    xmin: float
    ymax: float
    res_m: float
    rows: int
    cols: int

    def window(self, r0: int, r1: int, c0: int, c1: int) -> GridSpec:
        """The sub-grid of rows ``r0:r1`` and columns ``c0:c1`` (cells line up with this grid's)."""
        return GridSpec(self.xmin + c0 * self.res_m, self.ymax - r0 * self.res_m, self.res_m, r1 - r0, c1 - c0)


def city_grid(
    twin: Twin,
    *,
    resolution_m: float = 1.0,
    margin_m: float = 20.0,
    extent: tuple[float, float, float, float] | None = None,
    check_size: bool = True,
) -> GridSpec:
    """The grid :func:`build_raster` lays over a city (its extent plus ``margin_m``), without allocating it.

    Raises:
        TwinError: a resolution that is not a positive number, or (``check_size``) a grid past :data:`MAX_CELLS`.
    """
    res = _check_resolution(resolution_m)
    if extent is None:
        xmin, ymin, xmax, ymax = twin.bounds()
        empty = xmin == xmax == ymin == ymax == 0.0
        if twin.cameras:
            cx = np.array([c.x for c in twin.cameras])
            cy = np.array([c.y for c in twin.cameras])
            if empty:
                xmin, ymin, xmax, ymax = cx.min(), cy.min(), cx.max(), cy.max()
            else:
                xmin, ymin = min(xmin, cx.min()), min(ymin, cy.min())
                xmax, ymax = max(xmax, cx.max()), max(ymax, cy.max())
        xmin, ymin, xmax, ymax = xmin - margin_m, ymin - margin_m, xmax + margin_m, ymax + margin_m
    else:
        xmin, ymin, xmax, ymax = (float(v) for v in extent)
    cols = max(int(math.ceil((xmax - xmin) / res)), 1)
    rows = max(int(math.ceil((ymax - ymin) / res)), 1)
    if check_size and rows * cols > MAX_CELLS:
        raise TwinError(
            f"a {res:g} m raster of this {xmax - xmin:.0f} x {ymax - ymin:.0f} m city has {rows * cols:,} cells, "
            f"more than {MAX_CELLS:,}: use a coarser resolution, or tiles (--tiles)"
        )
    return GridSpec(float(xmin), float(ymin + rows * res), res, rows, cols)


def build_raster(
    twin: Twin,
    *,
    resolution_m: float = 1.0,
    margin_m: float = 20.0,
    street_width_m: dict[str, float] | None = None,
    extent: tuple[float, float, float, float] | None = None,
    window: GridSpec | None = None,
) -> HeightRaster:
    """Rasterise a city: building heights, building and public-space masks, zone priorities, streets.

    Args:
        twin: the city.
        resolution_m: cell size in metres (> 0).
        margin_m: ground added around the city's extent (buildings, roads, zones and cameras).
        street_width_m: right-of-way widths by highway class (default :data:`STREET_WIDTH_M`).
        extent: (xmin, ymin, xmax, ymax) to use instead of the city's own.
        window: the exact grid to fill (a tile of a larger city's grid, see :func:`city_grid`); overrides
            ``resolution_m``, ``margin_m`` and ``extent``.

    Raises:
        TwinError: a resolution that is not a positive number, or a grid past :data:`MAX_CELLS`.
    """
    g = window if window is not None else city_grid(twin, resolution_m=resolution_m, margin_m=margin_m, extent=extent)
    rows, cols, res = g.rows, g.cols, g.res_m
    grid = HeightRaster(
        xmin=g.xmin,
        ymax=g.ymax,
        res_m=res,
        dsm=np.zeros((rows, cols), dtype=np.float32),
        building=np.zeros((rows, cols), dtype=bool),
        public=np.zeros((rows, cols), dtype=bool),
        priority=np.ones((rows, cols), dtype=np.float32),
        street_cells=np.empty(0, dtype=np.int64),
        street_len_m=np.empty(0, dtype=np.float64),
    )
    if twin.buildings:
        # burn height + 1 so that a footprint of height 0 (a canopy) still marks its cells as building
        top = np.zeros((rows, cols), dtype=np.float32)
        _burn([b.footprint for b in twin.buildings], twin.building_heights_m + 1.0, grid, top, how="max")
        grid.building[:] = top > 0
        grid.dsm[:] = np.maximum(top - 1.0, 0.0)
    # zones: the priority of the zone holding the cell (the highest where zones overlap); 1 outside
    if twin.zones:
        pr = np.zeros((rows, cols), dtype=np.float32)
        # priority + 1, so that a zone of priority 0 still marks its cells as inside a zone
        _burn([z.polygon for z in twin.zones], np.array([z.priority for z in twin.zones]) + 1.0, grid, pr, how="max")
        grid.priority[:] = np.where(pr > 0, pr - 1.0, 1.0)
        parks = [z.polygon for z in twin.zones if z.landuse.lower() in PUBLIC_LANDUSE]
        if parks:
            pm = np.zeros((rows, cols), dtype=np.float32)
            _burn(parks, np.ones(len(parks)), grid, pm, how="max")
            grid.public |= pm > 0
    widths = STREET_WIDTH_M if street_width_m is None else street_width_m
    if twin.roads is not None and twin.roads.number_of_edges():
        edges = twin.road_edges()
        lines = [d["geometry"] for d in edges]
        classes = [hw[0] if isinstance(hw, list) else str(hw) for hw in (d.get("highway", "") for d in edges)]
        ribbons = list(
            shapely.buffer(
                np.array(lines, dtype=object),
                np.array([widths.get(c, DEFAULT_STREET_WIDTH_M) / 2.0 for c in classes]),
                cap_style="flat",
            )
        )
        sm = np.zeros((rows, cols), dtype=np.float32)
        _burn(ribbons, np.ones(len(ribbons)), grid, sm, how="max")
        grid.public |= sm > 0
        grid.street_cells, grid.street_len_m = _street_samples(lines, grid)
    grid.public &= ~grid.building
    # read-only from here: what is derived from a raster (target heights, coverage) may be kept with it
    for a in (grid.dsm, grid.building, grid.public, grid.priority, grid.street_cells, grid.street_len_m):
        a.flags.writeable = False
    return grid


def _street_samples(lines: list, grid: HeightRaster) -> tuple[np.ndarray, np.ndarray]:
    """Street centrelines sampled every half cell: the cell of each sample and the length it stands for."""
    step = grid.res_m / 2.0
    cells, lens = [], []
    for ln in lines:
        n = max(int(math.ceil(ln.length / step)), 1)
        d = (np.arange(n) + 0.5) * (ln.length / n)
        pts = shapely.line_interpolate_point(ln, d)
        xy = shapely.get_coordinates(pts)
        i, j = grid.cell_of(xy[:, 0], xy[:, 1])
        ok = grid.inside(i, j)
        cells.append(i[ok] * grid.shape[1] + j[ok])
        lens.append(np.full(int(ok.sum()), ln.length / n))
    if not cells:
        return np.empty(0, dtype=np.int64), np.empty(0)
    return np.concatenate(cells), np.concatenate(lens)


def level_polygons(mask: np.ndarray, xmin: float, ymax: float, res: float) -> shapely.MultiPolygon:
    """The cells of a boolean raster as one (multi)polygon in local metres (row runs, then a union)."""
    m = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    m[:, 1:-1] = mask
    d = np.diff(m, axis=1)
    ri, start = np.nonzero(d == 1)
    _, end = np.nonzero(d == -1)
    if len(ri) == 0:
        return shapely.MultiPolygon()
    boxes = shapely.box(xmin + start * res, ymax - (ri + 1) * res, xmin + end * res, ymax - ri * res)
    u = shapely.union_all(boxes)
    if u.geom_type == "Polygon":
        u = shapely.MultiPolygon([u])
    return u
