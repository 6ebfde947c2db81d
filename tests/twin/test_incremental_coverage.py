"""Incremental coverage (twin.CoverageState) equals a full recompute, cell for cell, on the default city."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import twin

CITY = Path(__file__).resolve().parents[2] / "assets" / "city"


@pytest.fixture(scope="module")
def city_raster() -> tuple[twin.Twin, twin.HeightRaster]:
    city = twin.load(CITY)
    return city, twin.build_raster(city, resolution_m=1.0)


def _full(city: twin.Twin, raster: twin.HeightRaster, cams: dict[str, twin.Camera]) -> twin.CoverageResult:
    return twin.compute_coverage(city, list(cams.values()), raster=raster)


def test_fifty_edits_equal_a_full_recompute(city_raster: tuple[twin.Twin, twin.HeightRaster]) -> None:
    """Place, move, aim, re-lens and delete 50 times (PTZ presets and a fisheye among them); compare every 10."""
    city, raster = city_raster
    start = twin.select_cameras(city, "all")
    cams = {c.id: c for c in start}
    state = twin.CoverageState(raster, profile=city.standards.dori, cameras=start)
    full = _full(city, raster, cams)
    assert np.array_equal(state.best, full.best) and np.array_equal(state.count, full.count)
    rng = np.random.default_rng(19)
    x0, x1 = raster.xmin + 50, raster.xmin + raster.shape[1] * raster.res_m - 50
    y0, y1 = raster.ymax - raster.shape[0] * raster.res_m + 50, raster.ymax - 50
    ptz = twin.PosePreset(heading_deg=10.0, tilt_deg=20.0)
    placed: list[str] = []
    for k in range(50):
        op = ["place", "move", "aim", "delete", "lens"][k % 5] if placed else "place"
        if op == "place":
            cid = f"T{k:02d}"
            kind = k % 3
            extra = ({"type": "ptz", "presets": [ptz, twin.PosePreset(heading_deg=200.0, tilt_deg=10.0)]}
                     if kind == 1 else {"type": "dome", "hfov_deg": 360.0} if kind == 2 else {})
            cam = twin.Camera(cid, float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1)),
                              heading_deg=float(rng.uniform(0, 360)), status="planned", **extra)
            win = state.add(cid, cam)
            cams[cid] = cam
            placed.append(cid)
        else:
            # edit a camera placed here or one of the city's, alternately
            cid = placed[k % len(placed)] if k % 2 else list(cams)[k % len(cams)]
            old = cams[cid]
            if op == "delete":
                win = state.remove(cid)
                del cams[cid]
                if cid in placed:
                    placed.remove(cid)
                continue
            if op == "move":
                dx, dy = rng.uniform(-40, 40, size=2)
                new = dataclasses.replace(old, x=old.x + float(dx), y=old.y + float(dy))
            elif op == "aim":
                h, t = float(rng.uniform(0, 360)), float(rng.uniform(5, 40))
                new = dataclasses.replace(old, heading_deg=h, tilt_deg=t)
            else:
                new = dataclasses.replace(old, hfov_deg=40.0 if old.hfov < 60 else 30.0, type="fixed", presets=[])
            win = state.replace(cid, new)
            cams[cid] = new
        assert win[0] <= win[1] and win[2] <= win[3]
        if k % 10 == 9:
            full = _full(city, raster, cams)
            assert np.array_equal(state.best, full.best), f"best differs after edit {k}"
            assert np.array_equal(state.count, full.count), f"count differs after edit {k}"
    assert set(state.camera_ids) == set(cams)
    s = full.summary(blind_spots=0)
    fig = state.figures()
    for key in fig:
        assert fig[key] == s[key], key


def test_an_edit_touches_only_its_window(city_raster: tuple[twin.Twin, twin.HeightRaster]) -> None:
    """Cells outside the moved camera's old and new windows keep their values (the window is the reach)."""
    city, raster = city_raster
    start = twin.select_cameras(city, "all")
    state = twin.CoverageState(raster, profile=city.standards.dori, cameras=start)
    before = state.best.copy()
    c = start[0]
    win = state.replace(c.id, dataclasses.replace(c, heading_deg=(c.heading_deg + 90.0) % 360.0))
    i0, i1, j0, j1 = win
    outside = np.ones(raster.shape, dtype=bool)
    outside[i0:i1, j0:j1] = False
    assert np.array_equal(state.best[outside], before[outside])
    # the window is the camera's reach (old and new aim), not the city: within twice its Monitor range
    reach = twin.optics.camera_range_m(c, 12.5) / raster.res_m
    assert i1 - i0 <= 2 * reach + 2 and j1 - j0 <= 2 * reach + 2
    assert (i1 - i0) * (j1 - j0) < 0.05 * raster.cells


def test_lens_catalogue_by_the_pinhole_formula() -> None:
    """hfov = 2 atan(w / 2f): 4 mm on a 5.6 mm sensor is 69.98 degrees; Detect (25 px/m) reach by hand."""
    ln = twin.LENSES["bullet-4mm-1080p"]
    assert ln.hfov_deg == pytest.approx(69.984, abs=1e-3)
    # focal in pixels = 1920 / (2 tan(hfov/2)) = 1920 * 4 / 5.6
    assert ln.range_m(25.0) == pytest.approx(1920 * 4 / 5.6 / 25.0)
    assert twin.LENSES["dome-fisheye-5mp"].camera_fields()["hfov_deg"] == 360.0
    with pytest.raises(twin.TwinError, match="not in the catalogue"):
        twin.lens_spec("bullet-99mm")
