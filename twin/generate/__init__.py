"""The seeded synthetic coastal district (the default city's generator)."""

from __future__ import annotations

from .district import (
    FIRE_STATIONS,
    LANDUSE,
    LANDUSE_GRID,
    OPERATORS,
    ROAD_WIDTH_M,
    SERVER_ROOM,
    SMALL_PARKS,
    ZONE_NAMES,
    LanduseSpec,
    expected_fires_per_year,
    generate_city,
)

__all__ = [
    "FIRE_STATIONS",
    "LANDUSE",
    "LANDUSE_GRID",
    "LanduseSpec",
    "OPERATORS",
    "ROAD_WIDTH_M",
    "SERVER_ROOM",
    "SMALL_PARKS",
    "ZONE_NAMES",
    "expected_fires_per_year",
    "generate_city",
]
