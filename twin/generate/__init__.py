"""Seeded synthetic cities: the coastal district (the default city) and a metropolis of any size."""

from __future__ import annotations

from ._district import (
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
from .metropolis import generate_metropolis

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
    "generate_metropolis",
]
