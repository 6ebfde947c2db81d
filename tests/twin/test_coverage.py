"""Coverage: closed forms on a flat plane, an exact wall shadow, the tilt limits, GDAL's viewshed, outputs."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).parent))
from test_coverage_cities import FRAME, block_city, empty_city  # noqa: E402

import twin  # noqa: E402
from twin import Building, Camera, PosePreset, Twin, TwinError  # noqa: E402
from twin.coverage import compute_coverage, load_cells, viewshed  # noqa: E402
from twin.raster import build_raster  # noqa: E402

EN = [("Monitor", 12.5), ("Detect", 25.0), ("Observe", 62.5)]


def wedge_area(h_m: float, hfov_deg: float, width_px: int, height_px: int, ppm: float, target_m: float = 1.6) -> float:
    """Ground area seen by a level-looking (tilt 0) pinhole over a plane, by hand.

    With tilt 0 the image's side edges are vertical planes at +-hfov/2 (a wedge on the ground), the
    bottom edge cuts the wedge at forward distance y0 = (h - t) / tan(vfov/2), and the level keeps
    horizontal radius rho = sqrt(d^2 - (h - t)^2), d = w / (2 ppm tan(hfov/2)). Area: sector minus
    the triangle before y0 (valid while y0 <= rho cos(hfov/2)).
    """
    a = math.radians(hfov_deg) / 2
    dz = h_m - target_m
    tan_v = math.tan(a) * height_px / width_px
    y0 = dz / tan_v
    d = width_px / (2 * ppm * math.tan(a))
    rho2 = d * d - dz * dz
    assert y0 <= math.sqrt(rho2) * math.cos(a)
    return a * rho2 - y0 * y0 * math.tan(a)


@pytest.mark.parametrize("heading", [0.0, 10.0, 237.0])
def test_flat_plane_level_areas_match_the_closed_form(heading):
    cam = Camera("a", 0.31, 0.17, mount_height_m=6.0, heading_deg=heading, tilt_deg=0.0, hfov_deg=90.0)
    t = empty_city([cam], extent=(-80, -80, 80, 80))
    res = compute_coverage(t, [cam], resolution_m=0.25)
    area = res.summary()["area_m2"]
    for name, ppm in EN:
        expect = wedge_area(6.0, 90.0, 1920, 1080, ppm)
        assert area[name] == pytest.approx(expect, rel=0.01), name
    # Recognise (125 px/m) ends at 7.7 m slant, before the image's bottom edge reaches the ground
    assert area["Recognise"] == 0.0


def test_dome_fisheye_sees_a_disc_below_the_lens():
    cam = Camera("d", 0.13, -0.21, mount_height_m=5.0, type="dome", hfov_deg=360.0, width_px=2592, height_px=1944)
    t = empty_city([cam], extent=(-60, -60, 60, 60))
    area = compute_coverage(t, [cam], resolution_m=0.25).summary()["area_m2"]
    ppm_num = 1944 / math.pi  # equidistant fisheye: min(w, h) pixels across 180 degrees
    for name, ppm in EN:
        d = ppm_num / ppm
        assert area[name] == pytest.approx(math.pi * (d * d - 3.4**2), rel=0.01), name


def test_ptz_presets_cover_the_union_of_their_wedges():
    presets = [PosePreset(heading_deg=0.0, tilt_deg=0.0), PosePreset(heading_deg=180.0, tilt_deg=0.0, hfov_deg=60.0)]
    cam = Camera("p", 0.31, 0.17, mount_height_m=6.0, type="ptz", tilt_deg=0.0, hfov_deg=90.0, presets=presets)
    t = empty_city([cam], extent=(-90, -90, 90, 90))
    res = compute_coverage(t, [cam], resolution_m=0.25)
    a = res.summary()["area_m2"]["Detect"]
    assert a == pytest.approx(wedge_area(6, 90, 1920, 1080, 25) + wedge_area(6, 60, 1920, 1080, 25), rel=0.01)
    # a PTZ without presets is its home pose
    fixed = Camera("f", 0.31, 0.17, mount_height_m=6.0, type="ptz", tilt_deg=0.0, hfov_deg=90.0)
    a1 = compute_coverage(t, [fixed], resolution_m=0.25).summary()["area_m2"]["Detect"]
    assert a1 == pytest.approx(wedge_area(6, 90, 1920, 1080, 25), rel=0.01)


def _axis_levels(res, xs, y):
    return np.array([res.best[res.raster.cell_of(x, y)] for x in xs])


def test_a_wall_casts_its_exact_shadow():
    # camera 6 m up looks east along y = 0; a 1 m thick, 20 m long wall of 4 m from x = 20 to 21
    cam = Camera("w", 0.3, 0.25, mount_height_m=6.0, heading_deg=90.0, tilt_deg=5.0, hfov_deg=90.0)
    wall = Building("wall", shapely.box(20.0, -10.0, 21.0, 10.0), 4.0)
    t = Twin(frame=FRAME, buildings=[wall], cameras=[cam], extent=(-5, -60, 80, 60))
    res = compute_coverage(t, [cam], resolution_m=0.5)
    # the line of sight to a 1.6 m target first clears the wall's far top edge (x = 21) at
    # D = 20.7 * (6 - 1.6) / (6 - 4) = 45.54 m from the lens: x = 45.84
    end = 0.3 + 20.7 * 4.4 / 2.0
    xs = np.arange(21.25, 70.0, 0.5)
    seen = _axis_levels(res, xs, 0.25) > 0
    assert not seen[xs < end - 0.75].any()
    assert seen[(xs > end + 0.75) & (xs < 70)].all()
    # before the wall and beyond its ends the ground is in plain view
    assert (_axis_levels(res, np.arange(8.25, 19.75, 0.5), 0.25) > 0).all()
    assert res.best[res.raster.cell_of(30.0, 20.0)] > 0  # the line passes the wall's end (y = 10) at y = 14
    # a wall taller than the lens hides everything behind it
    wall.height_m = 10.0
    t2 = Twin(frame=FRAME, buildings=[wall], cameras=[cam], extent=(-5, -60, 80, 60))
    r2 = compute_coverage(t2, [cam], resolution_m=0.5)
    assert not (_axis_levels(r2, np.arange(21.25, 75, 0.5), 0.25) > 0).any()
    # cells inside the building hold no target
    assert res.best[res.raster.cell_of(20.5, 0.25)] == 0


def test_targets_just_inside_and_outside_the_tilt_limits():
    # tilt 35 down, vfov/2 = atan(tan(45) * 1080 / 1920) = 29.36 deg: the image spans 5.64..64.36 deg down
    cam = Camera("t", 0.025, 0.025, mount_height_m=6.0, heading_deg=0.0, tilt_deg=35.0, hfov_deg=90.0)
    t = empty_city([cam], extent=(-1.0, -1.0, 1.0, 60.0))
    res = compute_coverage(t, [cam], resolution_m=0.05)
    half_v = math.degrees(math.atan(1080 / 1920))
    near = 4.4 / math.tan(math.radians(35 + half_v))  # 2.12 m
    far = 4.4 / math.tan(math.radians(35 - half_v))  # 44.56 m
    for d, seen in ((near - 0.1, False), (near + 0.1, True), (far - 0.1, True), (far + 0.1, False)):
        lv = res.best[res.raster.cell_of(0.025, 0.025 + d)]
        assert (lv > 0) == seen, (d, lv)


def test_pixel_density_levels_change_at_their_distances():
    cam = Camera("l", 0.025, 0.025, mount_height_m=6.0, heading_deg=0.0, tilt_deg=0.0, hfov_deg=90.0)
    t = empty_city([cam], extent=(-1.0, -1.0, 1.0, 80.0))
    res = compute_coverage(t, [cam], resolution_m=0.05)
    for ppm, name, below in ((25.0, "Detect", "Monitor"), (62.5, "Observe", "Detect")):
        d = 1920 / (2 * ppm)  # slant distance, tan(45) = 1
        ground = math.sqrt(d * d - 4.4**2)
        assert res.cameras_at(0.025, 0.025 + ground - 0.1) == [("l", name)]
        assert res.cameras_at(0.025, 0.025 + ground + 0.1) == [("l", below)]


def test_which_cameras_see_a_spot_is_kept_per_cell_and_round_trips(tmp_path):
    a = Camera("A", 0.3, 0.2, mount_height_m=6.0, heading_deg=90.0, tilt_deg=0.0, hfov_deg=90.0)
    b = Camera("B", 40.3, 0.2, mount_height_m=6.0, heading_deg=270.0, tilt_deg=0.0, hfov_deg=90.0)
    t = empty_city([a, b], extent=(-10, -30, 50, 30))
    res = compute_coverage(t, [a, b], resolution_m=0.5)
    # at x = 30 the slant distance to A is 30.0 m (Detect to 38.4 m), to B 11.2 m (Observe to 15.4 m)
    assert res.cameras_at(30.0, 0.25) == [("B", "Observe"), ("A", "Detect")]
    assert res.count[res.raster.cell_of(30.0, 0.25)] == 2
    res.save_cells(str(tmp_path / "cells.npz"))
    idx = load_cells(str(tmp_path / "cells.npz"))
    rng = np.random.default_rng(0)
    for x, y in rng.uniform((-10, -30), (50, 30), size=(200, 2)):
        assert idx.at(x, y) == res.cameras_at(x, y)
    per = {r["id"]: r for r in res.per_camera()}
    assert per["A"]["area_m2_Monitor"] == pytest.approx(per["B"]["area_m2_Monitor"], rel=0.02)


def test_open_ground_and_metrics_on_a_block_city():
    t = block_city(size_m=400, n_candidates=30, seed=5)
    for c in t.cameras:
        c.status = "existing"
    res = compute_coverage(t, resolution_m=1.0)
    s = res.summary()
    names = [n for n, _ in res.profile.levels]
    # cumulative levels shrink, shares are shares, the street length is the grid's: 6 lines each way of 400 m
    assert all(s["area_m2"][a] >= s["area_m2"][b] for a, b in zip(names, names[1:], strict=False))
    assert 0 < s["public_share"]["Monitor"] < 1
    assert s["street_length_m"] == pytest.approx(12 * 400.0, rel=1e-6)
    assert s["street_seen_m"]["Monitor"] <= s["street_length_m"]
    assert s["blind_spots"][0]["area_m2"] >= s["blind_spots"][-1]["area_m2"]
    # no camera sees into a building
    assert not res.raster.building.ravel()[res.cells].any()
    # no buildings at all: open ground is fine
    t.buildings = []
    s2 = compute_coverage(t, resolution_m=1.0).summary()
    assert s2["area_m2"]["Monitor"] > s["area_m2"]["Monitor"]


def test_bad_input_gets_a_clear_error():
    cam = Camera("a", 0.0, 0.0)
    t = empty_city([cam])
    with pytest.raises(TwinError, match="resolution must be > 0"):
        compute_coverage(t, resolution_m=0)
    with pytest.raises(TwinError, match="unknown DORI profile"):
        compute_coverage(t, profile="ISO-9999")
    with pytest.raises(TwinError, match="unknown level 'Gaze'"):
        compute_coverage(t, resolution_m=2.0).level_index("Gaze")


def test_iec_profile_has_its_own_levels():
    cam = Camera("a", 0.31, 0.17, mount_height_m=6.0, tilt_deg=0.0, hfov_deg=90.0)
    t = empty_city([cam], extent=(-80, -80, 80, 80))
    s = compute_coverage(t, resolution_m=0.25, profile="IEC62676-4:2025").summary()
    assert list(s["area_m2"])[:3] == ["Overview", "Outline", "Discern"]
    assert s["area_m2"]["Outline"] == pytest.approx(wedge_area(6, 90, 1920, 1080, 40.0), rel=0.01)


# ---- agreement with GDAL's viewshed -------------------------------------------------------------
_GDAL_SCRIPT = r"""
import sys, numpy as np
from osgeo import gdal
z = np.load(sys.argv[1])
dsm, gt, obs, rng = z["dsm"], z["gt"], z["obs"], float(z["range"])
ds = gdal.GetDriverByName("MEM").Create("", dsm.shape[1], dsm.shape[0], 1, gdal.GDT_Float32)
ds.SetGeoTransform(tuple(gt)); ds.GetRasterBand(1).WriteArray(dsm)
out = np.zeros((len(obs),) + dsm.shape, dtype=bool)
for k, (x, y, h, t) in enumerate(obs):
    v = gdal.ViewshedGenerate(ds.GetRasterBand(1), "MEM", "", [], x, y, h, t, 255, 0, 0, -1, 0,
                              gdal.GVM_Edge, rng, None, None, gdal.GVOT_NORMAL)
    g = v.GetGeoTransform(); a = v.GetRasterBand(1).ReadAsArray() > 0
    i0 = int(round((gt[3] - g[3]) / gt[1])); j0 = int(round((g[0] - gt[0]) / gt[1]))
    out[k, i0:i0 + a.shape[0], j0:j0 + a.shape[1]] = a
np.save(sys.argv[2], out)
"""


def gdal_viewsheds(dsm, gt, obs, rng, tmp_path):
    """GDAL's ViewshedGenerate for each observer: in this interpreter if it has osgeo, else Debian's python3."""
    np.savez(tmp_path / "in.npz", dsm=dsm, gt=np.array(gt), obs=np.array(obs), range=rng)
    try:
        from osgeo import gdal  # noqa: F401

        python = sys.executable
    except ImportError:
        python = shutil.which("python3", path="/usr/bin") or "/usr/bin/python3"
    subprocess.run([python, "-c", _GDAL_SCRIPT, str(tmp_path / "in.npz"), str(tmp_path / "out.npy")], check=True)
    return np.load(tmp_path / "out.npy")


@pytest.mark.parametrize("res_m", [1.0, 0.5])
def test_line_of_sight_agrees_with_gdal_viewshed(tmp_path, res_m):
    t = block_city(size_m=640, seed=11)
    g = build_raster(t, resolution_m=res_m)
    rng = np.random.default_rng(3)
    open_cells = np.argwhere(~g.building)
    obs = []
    for i, j in open_cells[rng.choice(len(open_cells), 8, replace=False)]:
        obs.append((g.xmin + (j + 0.5) * res_m, g.ymax - (i + 0.5) * res_m, 6.0, 1.6))
    R = 80.0
    theirs = gdal_viewsheds(g.dsm, g.geotransform, obs, R, tmp_path)
    jj, ii = np.meshgrid(np.arange(g.shape[1]), np.arange(g.shape[0]))
    cx, cy = g.xmin + (jj + 0.5) * res_m, g.ymax - (ii + 0.5) * res_m
    agree = total = 0
    for k, (x, y, h, tgt) in enumerate(obs):
        ours = viewshed(g, x, y, observer_height_m=h, target_height_m=tgt, range_m=R)
        inr = (cx - x) ** 2 + (cy - y) ** 2 <= R * R
        agree += int((ours == theirs[k])[inr].sum())
        total += int(inr.sum())
    assert total > 8 * 0.9 * math.pi * R * R / res_m**2
    assert agree / total >= 0.98, agree / total


# ---- the command ----------------------------------------------------------------------------------
def test_showroom_coverage_writes_its_files(tmp_path):
    import showroom

    t = block_city(size_m=320, n_candidates=12, seed=2)
    for c in t.cameras:
        c.status = "existing"
    twin.save(t, tmp_path / "city")
    out = tmp_path / "out"
    assert showroom.main(["coverage", "--city", str(tmp_path / "city"), "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["cameras"] == 12 and s["profile"] == "EN62676-4:2015"
    gj = json.loads((out / "coverage.geojson").read_text())
    lon0, lat0 = FRAME.origin_lon, FRAME.origin_lat
    for f in gj["features"]:
        assert f["geometry"]["type"] == "MultiPolygon"
        lon, lat = shapely.get_coordinates(shapely.geometry.shape(f["geometry"])).T
        assert abs(lon - lon0).max() < 0.01 and abs(lat - lat0).max() < 0.01
        # the polygons hold exactly the cells of their level
        local = shapely.geometry.shape(f["geometry"])
        local = shapely.transform(local, lambda xy: np.column_stack(FRAME.to_local(xy[:, 0], xy[:, 1])))
        assert local.area == pytest.approx(f["properties"]["area_m2"], rel=1e-4)
    lines = (out / "per_camera.csv").read_text().splitlines()
    assert len(lines) == 13 and lines[0].startswith("id,status,type,poses,range_m,area_m2_Monitor")
    assert (out / "coverage.png").stat().st_size > 10_000
    assert load_cells(str(out / "cells.npz")).camera_ids == [c.id for c in t.cameras]
    assert showroom.main(["coverage", "--city", str(tmp_path / "city"), "--resolution", "0", "--out", str(out)]) == 2


def test_night_cuts_each_camera_at_its_ir_range():
    cam = Camera("n", 0.31, 0.17, mount_height_m=6.0, tilt_deg=0.0, hfov_deg=90.0, ir_range_m=20.0)
    t = empty_city([cam], extent=(-80, -80, 80, 80))
    day = compute_coverage(t, resolution_m=0.25).summary()["area_m2"]["Monitor"]
    night = compute_coverage(t, resolution_m=0.25, night=True).summary()["area_m2"]["Monitor"]
    assert day == pytest.approx(wedge_area(6, 90, 1920, 1080, 12.5), rel=0.01)
    # 20 m of slant range is the range at which 1920 px over 90 degrees give 48 px/m
    assert night == pytest.approx(wedge_area(6, 90, 1920, 1080, 1920 / 40.0), rel=0.01)


def test_sweep_matches_a_brute_force_segment_test():
    """Part (b) against its definition: sample each lens-target segment finely and look for a cell above it."""
    t = block_city(size_m=400, seed=8)
    g = build_raster(t, resolution_m=1.0)
    rng = np.random.default_rng(5)
    open_cells = np.argwhere(~g.building)
    agree = n = 0
    for i, j in open_cells[rng.choice(len(open_cells), 6, replace=False)]:
        x, y = g.xmin + (j + 0.5), g.ymax - (i + 0.5)
        seen = viewshed(g, x, y, observer_height_m=6.0, range_m=60.0, targets_on_roofs=False)
        cand = np.argwhere(~g.building & ((np.arange(g.shape[0])[:, None] - i) ** 2
                                          + (np.arange(g.shape[1])[None, :] - j) ** 2 < 59**2))
        for a, b in cand[rng.choice(len(cand), 150, replace=False)]:
            tx, ty = g.xmin + (b + 0.5), g.ymax - (a + 0.5)
            s = np.linspace(0, 1, 801)[1:-1]
            px, py, pz = x + (tx - x) * s, y + (ty - y) * s, 6.0 + (1.6 - 6.0) * s
            ci, cj = g.cell_of(px, py)
            own = (ci == i) & (cj == j)
            truth = not np.any((g.dsm[ci, cj] > pz) & ~own)
            agree += truth == seen[a, b]
            n += 1
    assert agree / n >= 0.99, agree / n
