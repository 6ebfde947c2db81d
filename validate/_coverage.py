"""Coverage through the production kernel (``compute_coverage`` -> ``poses_levels``) against two references.

1. GDAL's ``ViewshedGenerate`` (line of sight alone): 360-degree domes standing on open ground see
   every target below the lens, so with a level of 1 px/m their cells are exactly the kernel's line
   of sight; GDAL gets the same height raster, observer height and target height.
2. A brute force of the model's definition (docs/coverage.md) written here from scratch: the camera
   frame from rotation matrices, the image rectangle, the pixel density levels, and the line of sight
   as a fine walk along every lens-target segment (a tenth of a cell) looking for a cell above it.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from twin import Camera
from twin.coverage import compute_coverage
from twin.profiles import DoriProfile, dori_profile
from twin.raster import HeightRaster, build_raster

from ._check import Check, at_least, unavailable
from ._cities import block_city

_GDAL_SCRIPT = r"""
import sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
z = np.load(sys.argv[1])
dsm, gt, obs, rng = z["dsm"], z["gt"], z["obs"], float(z["range"])
src = gdal.GetDriverByName("MEM").Create("", dsm.shape[1], dsm.shape[0], 1, gdal.GDT_Float32)
src.SetGeoTransform(tuple(float(v) for v in gt))
src.GetRasterBand(1).WriteArray(dsm)
out = np.zeros((len(obs),) + dsm.shape, dtype=bool)
for k, (x, y, h, t) in enumerate(obs):
    v = gdal.ViewshedGenerate(src.GetRasterBand(1), "MEM", "", [], float(x), float(y), float(h), float(t),
                              255, 0, 0, -1, 0, gdal.GVM_Edge, rng, None, None, gdal.GVOT_NORMAL)
    g = v.GetGeoTransform()
    a = v.GetRasterBand(1).ReadAsArray() > 0
    i0 = int(round((gt[3] - g[3]) / gt[1]))
    j0 = int(round((g[0] - gt[0]) / gt[1]))
    out[k, i0:i0 + a.shape[0], j0:j0 + a.shape[1]] = a
np.save(sys.argv[2], out)
"""

#: Where Debian's python3 lives (python3-gdal installs osgeo there); tried when this interpreter lacks it.
SYSTEM_PYTHON = "/usr/bin/python3"
#: Horizontal range of the viewshed comparison, metres.
GDAL_RANGE_M = 80.0


def find_gdal_python(explicit: str | None = None) -> tuple[str | None, str]:
    """An interpreter that can ``from osgeo import gdal``: ``explicit`` only, else this one, else Debian's.

    Returns:
        (path or None, what was tried, in words).
    """
    tried = [explicit] if explicit else [sys.executable, SYSTEM_PYTHON]
    for py in tried:
        exe = shutil.which(py) if py else None
        if exe is None:
            continue
        probe = subprocess.run([exe, "-c", "from osgeo import gdal"], capture_output=True, timeout=60)
        if probe.returncode == 0:
            return exe, exe
    return None, " and ".join(str(p) for p in tried)


def gdal_viewsheds(raster: HeightRaster, observers: list[tuple[float, float, float, float]], range_m: float,
                   python: str) -> np.ndarray:
    """GDAL's viewshed of each ``(x, y, observer_height_m, target_height_m)``, (n, rows, cols) bool."""
    with tempfile.TemporaryDirectory(prefix="validate-gdal-") as tmp:
        src, dst = Path(tmp) / "in.npz", Path(tmp) / "out.npy"
        np.savez(src, dsm=raster.dsm.astype(np.float32), gt=np.array(raster.geotransform), obs=np.array(observers),
                 range=range_m)
        subprocess.run([python, "-c", _GDAL_SCRIPT, str(src), str(dst)], check=True, capture_output=True,
                       timeout=600)
        return np.load(dst)


def _open_points(g: HeightRaster, n: int, rng: np.random.Generator, margin_m: float) -> list[tuple[float, float]]:
    """``n`` open-ground cell centres at least ``margin_m`` from the raster's edge."""
    rows, cols = g.shape
    ii, jj = np.nonzero(~g.building)
    m = int(math.ceil(margin_m / g.res_m))
    ok = (ii >= m) & (ii < rows - m) & (jj >= m) & (jj < cols - m)
    pick = rng.choice(np.flatnonzero(ok), n, replace=False)
    return [(g.xmin + (jj[p] + 0.5) * g.res_m, g.ymax - (ii[p] + 0.5) * g.res_m) for p in pick]


def _centres(g: HeightRaster) -> tuple[np.ndarray, np.ndarray]:
    jj, ii = np.meshgrid(np.arange(g.shape[1]), np.arange(g.shape[0]))
    return g.xmin + (jj + 0.5) * g.res_m, g.ymax - (ii + 0.5) * g.res_m


def coverage_vs_gdal(*, quick: bool, seed: int, gdal_python: str | None) -> list[Check]:
    """Line of sight of the production kernel against GDAL's viewshed, on open ground around 360-degree domes."""
    figure = "line of sight through poses_levels: share of open cells within 80 m where it agrees with GDAL"
    reference = "GDAL ViewshedGenerate (GVM_Edge), same DSM, observer 6 m, target 1.6 m"
    python, tried = find_gdal_python(gdal_python)
    if python is None:
        return [unavailable("coverage", figure, reference,
                            f"GDAL's Python bindings (osgeo) were not found in {tried}; install them with "
                            "pip install --no-build-isolation \"gdal==$(gdal-config --version)\"")]
    city = block_city(size_m=400 if quick else 640, seed=11)
    rows = []
    for res_m in (1.0,) if quick else (1.0, 0.5):
        g = build_raster(city, resolution_m=res_m)
        rng = np.random.default_rng(seed)
        pts = _open_points(g, 4 if quick else 8, rng, GDAL_RANGE_M)
        cams = [Camera(f"D{k}", x, y, mount_height_m=6.0, tilt_deg=90.0, hfov_deg=360.0, type="dome")
                for k, (x, y) in enumerate(pts)]
        # one level at 1 px/m: the dome's range (343 m) lies beyond GDAL's, so only the line of sight is cut
        cov = compute_coverage(city, cams, raster=g, profile=DoriProfile("line of sight", (("seen", 1.0),)),
                               target_height_m=1.6)
        theirs = gdal_viewsheds(g, [(x, y, 6.0, 1.6) for x, y in pts], GDAL_RANGE_M, python)
        cx, cy = _centres(g)
        agree = total = seen = 0
        for k, (x, y) in enumerate(pts):
            ours = np.zeros(g.shape, dtype=bool)
            ours.ravel()[cov.cells[cov.camera == k]] = True
            inner = (np.hypot(cx - x, cy - y) <= GDAL_RANGE_M - 2 * res_m) & ~g.building
            agree += int((ours == theirs[k])[inner].sum())
            total += int(inner.sum())
            seen += int(ours[inner].sum())
        rows.append(at_least(
            "coverage", f"{figure} ({res_m:g} m cells)", reference, seen / total, None, agree / total, 0.98,
            f"{len(pts)} domes on a seeded block city, {total:,} open cells compared; GDAL ran in {python}",
            cells=total, cells_seen=seen))
    return rows


def _camera_frame(heading_deg: float, tilt_deg: float) -> np.ndarray:
    """Columns: right, forward, up of a camera, built as rotations of a north-looking level camera."""
    h, t = math.radians(heading_deg), math.radians(tilt_deg)
    tilt_down = np.array([[1, 0, 0], [0, math.cos(t), math.sin(t)], [0, -math.sin(t), math.cos(t)]])
    clockwise = np.array([[math.cos(h), math.sin(h), 0], [-math.sin(h), math.cos(h), 0], [0, 0, 1]])
    return clockwise @ tilt_down  # applied to (right, forward, up) = the identity's columns


def brute_force_levels(g: HeightRaster, cam: Camera, thresholds: np.ndarray, target_height_m: float) -> np.ndarray:
    """Each cell's DORI level (0 = unseen) for a fixed pinhole camera, from the model's definition, by brute force."""
    frame = _camera_frame(cam.heading_deg, cam.tilt_deg)
    tan_h = math.tan(math.radians(cam.hfov) / 2)
    tan_v = tan_h * cam.height_px / cam.width_px
    ppm_num = cam.width_px / (2 * tan_h)
    x0, y0, z0 = cam.position
    cx, cy = _centres(g)
    v = np.stack([cx - x0, cy - y0, np.full(g.shape, target_height_m - z0)], axis=-1)
    right, fwd, up = (v @ frame[:, k] for k in range(3))
    d = np.linalg.norm(v, axis=-1)
    inside = (fwd > 0) & (np.abs(right) <= fwd * tan_h) & (np.abs(up) <= fwd * tan_v) & ~g.building
    with np.errstate(divide="ignore"):
        ppm = np.where(d > 0, ppm_num / d, np.inf)
    level = (ppm[..., None] >= thresholds).sum(axis=-1) * inside
    cand = np.flatnonzero(level.ravel() > 0)
    li, lj = g.cell_of(x0, y0)
    tx, ty = cx.ravel()[cand], cy.ravel()[cand]
    step = 0.1 * g.res_m
    n_s = int(math.ceil(float(np.hypot(tx - x0, ty - y0).max(initial=0.0)) / step)) + 2
    s = np.linspace(0.0, 1.0, n_s)[1:-1]
    blocked = np.zeros(len(cand), dtype=bool)
    for a in range(0, len(cand), 2000):  # in chunks: cells x samples stays a few tens of MB
        px = x0 + np.outer(tx[a:a + 2000] - x0, s)
        py = y0 + np.outer(ty[a:a + 2000] - y0, s)
        pz = z0 + (target_height_m - z0) * s
        i, j = g.cell_of(px, py)
        inb = g.inside(i, j) & ~((i == li) & (j == lj))  # the lens's own cell never blocks
        top = np.where(inb, g.dsm[np.clip(i, 0, g.shape[0] - 1), np.clip(j, 0, g.shape[1] - 1)], -np.inf)
        blocked[a:a + 2000] = (top > pz[None, :]).any(axis=1)
    out = level.ravel().astype(np.int8)
    out[cand[blocked]] = 0
    return out.reshape(g.shape)


def coverage_vs_brute_force(*, quick: bool, seed: int) -> list[Check]:
    """DORI level of every cell through ``compute_coverage`` against the brute force of the definition."""
    city = block_city(size_m=400, seed=8)
    res_m = 1.0
    g = build_raster(city, resolution_m=res_m)
    prof = dori_profile("EN62676-4:2015")
    thresholds = np.array([v for _, v in prof.levels])
    rng = np.random.default_rng(seed)
    pts = _open_points(g, 4 if quick else 8, rng, 20.0)
    lenses = [(90.0, 1920, 1080), (60.0, 2560, 1440), (110.0, 1280, 720), (40.0, 3840, 2160)]
    cams = []
    for k, (x, y) in enumerate(pts):
        hfov, w, h = lenses[k % len(lenses)]
        cams.append(Camera(f"F{k}", x, y, mount_height_m=float(rng.uniform(4, 12)),
                           heading_deg=float(rng.uniform(0, 360)), tilt_deg=float(rng.uniform(5, 35)),
                           hfov_deg=hfov, width_px=w, height_px=h))
    cov = compute_coverage(city, cams, raster=g, profile=prof, target_height_m=1.6)
    agree = union = 0
    for k, cam in enumerate(cams):
        ours = np.zeros(g.cells, dtype=np.int8)
        m = cov.camera == k
        ours[cov.cells[m]] = cov.level[m]
        brute = brute_force_levels(g, cam, thresholds, 1.6).ravel()
        either = (ours > 0) | (brute > 0)
        agree += int((ours == brute)[either].sum())
        union += int(either.sum())
    return [at_least(
        "coverage", f"DORI level per cell through poses_levels: share of the cells either sees with the same level "
        f"({res_m:g} m cells)",
        "brute force of docs/coverage.md: rotation-matrix frame, image rectangle, px/m levels, segment walk at "
        "0.1 cell", float(union), None, agree / union, 0.98,
        f"{len(cams)} fixed cameras (4 lenses, random heading/tilt/height) on a seeded block city; "
        f"{union:,} cells seen by either", cells=union)]
