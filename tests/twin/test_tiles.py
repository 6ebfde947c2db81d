"""Tiles of a city: the compiled polygon burner against shapely, and tiled coverage against untiled, cell for cell."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

import twin
from twin._rasterize import burn
from twin.coverage import camera_poses, compute_coverage
from twin.profiles import dori_profile
from twin.raster import city_grid
from twin.tiles import (
    TileCoverage,
    TileSpec,
    cameras_reaching,
    cut_city,
    merge_blind_spots,
    merge_per_camera,
    merge_summary,
    tile_coverage,
    tile_specs,
)


def test_burn_equals_contains_xy_on_awkward_polygons() -> None:
    # concave, a hole, a multipolygon, a sliver thinner than a cell, a vertex exactly on a row's centre line
    geoms = [
        shapely.Polygon([(1, 1), (30, 2), (12, 9), (29, 28), (2, 25)]),
        shapely.Polygon([(40, 5), (70, 5), (70, 35), (40, 35)], holes=[[(50, 15), (60, 15), (60, 25), (50, 25)]]),
        shapely.MultiPolygon([shapely.box(5, 40, 9, 44), shapely.box(20.2, 41, 20.7, 58)]),
        shapely.Polygon([(45, 39.5), (60, 45), (45, 50.5)]),
        shapely.LineString([(0, 0), (10, 10)]),  # not a polygon: burns nothing
    ]
    xmin, ymax, res, rows, cols = 0.0, 60.0, 1.0, 60, 80
    out = np.zeros((rows, cols), dtype=np.float32)
    burn(geoms, np.arange(1.0, 6.0), out, xmin, ymax, res, how="max")
    xx, yy = np.meshgrid(xmin + (np.arange(cols) + 0.5) * res, ymax - (np.arange(rows) + 0.5) * res)
    want = np.zeros_like(out)
    for v, g in enumerate(geoms[:4], start=1):
        want = np.maximum(want, np.where(shapely.contains_xy(g, xx, yy), v, 0))
    assert np.array_equal(out, want)
    assert out[39, 55] == 0 and out[39, 45] == 2  # (55.5, 20.5) is in the hole, (45.5, 20.5) in the ring
    assert out[9, 20] == 3  # the sliver, thinner than a cell, holds the centre (20.5, 50.5)


def test_tile_specs_cover_the_grid_once() -> None:
    g = twin.raster.GridSpec(0.0, 100.0, 1.0, 101, 257)
    specs = tile_specs(g, tile_m=40, halo_m=7.5)
    seen = np.zeros((g.rows, g.cols), dtype=int)
    for s in specs:
        r0, r1, c0, c1 = s.core
        seen[r0:r1, c0:c1] += 1
        w = s.window
        assert w[0] == max(r0 - 9, 0) and w[3] == min(c1 + 9, g.cols)  # halo: ceil(7.5) + 1 cells
    assert (seen == 1).all()
    with pytest.raises(twin.TwinError, match="tile size must be > 0 m"):
        tile_specs(g, tile_m=0, halo_m=1)


def _blind_tile(row: int, col: int, lab: np.ndarray, core: tuple[int, int, int, int]) -> TileCoverage:
    from scipy import ndimage

    lab2, k = ndimage.label(lab, structure=np.ones((3, 3), dtype=bool))
    r0, _, c0, _ = core
    ii, jj = np.nonzero(lab2)
    bl = {
        "size": np.bincount(lab2[ii, jj], minlength=k + 1)[1:],
        "sum_i": np.bincount(lab2[ii, jj], weights=ii + r0, minlength=k + 1)[1:],
        "sum_j": np.bincount(lab2[ii, jj], weights=jj + c0, minlength=k + 1)[1:],
        "first": np.array([((ii[lab2[ii, jj] == q] + r0) * 4 + jj[lab2[ii, jj] == q] + c0).min()
                           for q in range(1, k + 1)], dtype=np.int64),
        "top": lab2[0], "bottom": lab2[-1], "left": lab2[:, 0], "right": lab2[:, -1],
    }
    spec = TileSpec(row, col, core, core)
    return TileCoverage(spec, np.empty(0), np.empty(0), np.empty(0), blind=bl)


def test_blind_spots_join_across_edges_and_corners() -> None:
    # a 4 x 4 grid in 2 x 2 tiles; blind cells (1): one piece touching all four tiles only through
    # corners and edges, one piece alone in the last tile
    full = np.array([
        [1, 0, 0, 0],
        [0, 1, 0, 1],
        [0, 0, 1, 0],
        [1, 0, 0, 0],
    ])
    g = twin.raster.GridSpec(0.0, 4.0, 1.0, 4, 4)
    tiles = [_blind_tile(r, c, full[2 * r : 2 * r + 2, 2 * c : 2 * c + 2], (2 * r, 2 * r + 2, 2 * c, 2 * c + 2))
             for r in range(2) for c in range(2)]
    spots = merge_blind_spots(tiles, g, 10)
    # the diagonal (0,0)-(1,1)-(2,2) joins (1,3) through (2,2)'s corner: 4 cells; (3,0) is alone
    assert [s["area_m2"] for s in spots] == [4.0, 1.0]
    # its centre: mean of rows (0,1,2,1) and cols (0,1,2,3) -> cell (1, 1.5) -> x 2.0, y 2.5
    assert (spots[0]["x"], spots[0]["y"]) == (2.0, 2.5)


@pytest.fixture(scope="module")
def default_city() -> twin.Twin:
    return twin.load("assets/city")


def test_tiled_coverage_equals_untiled_cell_for_cell(default_city: twin.Twin) -> None:
    city = default_city
    cams = city.cameras_by_status("existing", "planned")
    prof = dori_profile(city.standards.dori)
    ref = compute_coverage(city, cams, profile=prof)
    g = city_grid(city)
    thr0 = prof.levels[0][1]
    reach = np.array([max(p.range_m(thr0) for p in camera_poses(c)) for c in cams])
    xy = np.array([(c.x, c.y) for c in cams])
    specs = tile_specs(g, tile_m=900.0, halo_m=float(reach.max()))
    assert len(specs) == 9
    trees: dict = {}
    tiles = []
    for sp in specs:
        idx = cameras_reaching(g, sp, xy, reach)
        assert len(idx) < len(cams)  # each tile computes only the cameras that reach it
        tiles.append(tile_coverage(cut_city(city, g, sp, [cams[i] for i in idx], trees=trees), g, sp, idx,
                                   profile=prof, target_height_m=1.6))
    cells = np.concatenate([t.cells for t in tiles])
    cam = np.concatenate([t.camera for t in tiles])
    lev = np.concatenate([t.level for t in tiles])
    a, b = np.lexsort((lev, cam, cells)), np.lexsort((ref.level, ref.camera, ref.cells))
    assert len(cells) == len(ref.cells) > 300_000
    assert np.array_equal(cells[a], ref.cells[b])
    assert np.array_equal(cam[a], ref.camera[b])
    assert np.array_equal(lev[a], ref.level[b])
    want = ref.summary()
    want.pop("timings_s")
    got = merge_summary(tiles, g, prof, cams, target_height_m=1.6)
    assert got == want
    # the largest blind spot spans tiles: it was joined across their borders
    assert want["blind_spots"][0]["area_m2"] > 900.0 * 900.0
    assert merge_per_camera(tiles, g, prof, cams) == ref.per_camera()
    # the level polygons of the tiles put together are the untiled ones
    from twin.raster import level_polygons

    for q in range(1, len(prof.levels) + 1):
        whole = level_polygons(ref.best == q, ref.raster.xmin, ref.raster.ymax, ref.raster.res_m)
        parts = shapely.union_all([t.polygons[q - 1] for t in tiles])
        assert abs(parts.area - whole.area) < 1e-6 and shapely.symmetric_difference(parts, whole).area < 1e-6
