"""Small hand-made cities for the twin's tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ORIGIN = (119.42, -5.14)
# one metre in degrees near the origin (for hand-written fixtures; the loader projects exactly)
DEG_PER_M_LAT = 1.0 / 110_574.0
DEG_PER_M_LON = 1.0 / 110_874.0


def lonlat(x: float, y: float) -> list[float]:
    """Approximate WGS84 of local metres near ORIGIN (good to ~1 mm over 100 m)."""
    return [ORIGIN[0] + x * DEG_PER_M_LON, ORIGIN[1] + y * DEG_PER_M_LAT]


def fc(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def feature(geom: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geom}


def square(x0: float, y0: float, size: float) -> dict[str, Any]:
    ring = [lonlat(x0, y0), lonlat(x0 + size, y0), lonlat(x0 + size, y0 + size), lonlat(x0, y0 + size), lonlat(x0, y0)]
    return {"type": "Polygon", "coordinates": [ring]}


def point(x: float, y: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": lonlat(x, y)}


def line(*pts: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [lonlat(*p) for p in pts]}


def write_city(root: Path, **layers: Any) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, doc in layers.items():
        if name == "city_yaml":
            (root / "city.yaml").write_text(doc, encoding="utf-8")
        elif isinstance(doc, str):
            (root / f"{name}.geojson").write_text(doc, encoding="utf-8")
        else:
            (root / f"{name}.geojson").write_text(json.dumps(doc), encoding="utf-8")
    return root


def base_layers() -> dict[str, Any]:
    """A 200 x 200 m block: two roads crossing, two buildings, two cameras, a station, a zone."""
    return {
        "buildings": fc(
            [
                feature(square(20, 20, 30), id="B1", building="house", height=9),
                feature(square(120, 120, 40), id="B2", building="commercial", **{"building:levels": "5"}),
            ]
        ),
        "roads": fc(
            [
                feature(line((0, 100), (100, 100), (200, 100)), id="R1", highway="primary", maxspeed="50"),
                feature(line((100, 0), (100, 100), (100, 200)), id="R2", highway="residential", oneway="yes"),
            ]
        ),
        "cameras": fc(
            [
                feature(
                    point(100, 100),
                    id="CAM-001",
                    **{"camera:direction": 90, "camera:type": "fixed"},
                    height=6,
                    tilt_deg=20,
                    hfov_deg=90,
                    resolution="1920x1080",
                    fps=25,
                    codec="h264",
                ),
                feature(point(60, 100), id="CAM-002", focal_mm=4.0, sensor_width_mm=5.37, status="candidate"),
            ]
        ),
        "fire_stations": fc([feature(point(180, 20), id="FS1", name="Pos 1", trucks=3, turnout_s=90)]),
        "zones": fc([feature(square(0, 0, 200), id="Z1", landuse="commercial", priority=2.0, fire_rate_per_year=4)]),
        "city_yaml": f"name: Test block\norigin: {{lon: {ORIGIN[0]}, lat: {ORIGIN[1]}}}\n",
    }


@pytest.fixture
def city_dir(tmp_path: Path) -> Path:
    return write_city(tmp_path / "city", **base_layers())
