"""Small cities for the coverage-over-time tests (builders only)."""

from __future__ import annotations

from twin import Camera, PosePreset, Twin
from twin.raster import build_raster

from ..twin.test_coverage_cities import block_city, empty_city


def street_cameras() -> list[Camera]:
    """Eight fixed cameras and a 360-degree dome along the streets of :func:`block_city` (320 m square)."""
    cams = [
        Camera("F1", 4.0, 40.0, heading_deg=0.0, tilt_deg=15.0),
        Camera("F2", 84.0, 150.0, heading_deg=180.0, tilt_deg=20.0, hfov_deg=60.0),
        Camera("F3", 160.0, 84.0, heading_deg=90.0, tilt_deg=10.0),
        Camera("F4", 240.0, 244.0, heading_deg=270.0, tilt_deg=15.0, width_px=2560, height_px=1440),
        Camera("F5", 244.0, 10.0, heading_deg=0.0, tilt_deg=12.0),
        Camera("F6", 20.0, 164.0, heading_deg=90.0, tilt_deg=15.0),
        Camera("F7", 164.0, 300.0, heading_deg=200.0, tilt_deg=18.0),
        Camera("F8", 300.0, 164.0, heading_deg=250.0, tilt_deg=15.0),
        Camera("D1", 160.0, 160.0, mount_height_m=5.0, heading_deg=0.0, tilt_deg=90.0, hfov_deg=360.0, type="dome"),
    ]
    return cams


def ptz(cid: str = "P1", x: float = 0.0, y: float = 0.0, *, dwell: tuple[float, float] = (30.0, 30.0)) -> Camera:
    """A PTZ camera with two presets looking opposite ways (east, west)."""
    return Camera(
        cid,
        x,
        y,
        mount_height_m=8.0,
        tilt_deg=15.0,
        hfov_deg=60.0,
        type="ptz",
        presets=[
            PosePreset(90.0, 15.0, dwell_s=dwell[0], hfov_deg=60.0, name="east"),
            PosePreset(270.0, 15.0, dwell_s=dwell[1], hfov_deg=60.0, name="west"),
        ],
    )


def streets(with_ptz: bool = False) -> Twin:
    city = block_city()
    city.cameras = street_cameras() + ([ptz("P1", 84.0, 84.0)] if with_ptz else [])
    return city


def open_ground(cams: list[Camera], half_m: float = 100.0) -> Twin:
    return empty_city(cams, extent=(-half_m, -half_m, half_m, half_m))


def raster(city: Twin, res_m: float = 2.0):  # noqa: ANN201 - a HeightRaster
    return build_raster(city, resolution_m=res_m)
