"""Materials of the living look: facade classes by building use and height, their colours, material codes.

The city stays one Geom per tile, so a surface's material travels in its vertex colour: the RGB
is its albedo (not pre-shaded: the sun lights it in the shader) and the alpha carries a material
code, ``alpha = 255 - 8 * code``, which ``scenes/shaders/look_living.glsl`` reads back. Codes 1..8
are facade classes (their window grids are in the shader), the others ground materials.
"""

from __future__ import annotations

__all__ = [
    "FACADE_CLASSES",
    "GROUND",
    "ROAD",
    "WATER",
    "GREEN",
    "FOLIAGE",
    "TRUNK",
    "TOWER_MIN_M",
    "facade_class",
    "material_alpha",
    "wall_rgb",
    "roof_rgb",
    "zone_code",
    "zone_uses_at",
]

from collections.abc import Sequence

import numpy as np
import shapely

#: Facade classes, code -> name; the shader holds each one's storey height, bay width and glazing.
FACADE_CLASSES: dict[int, str] = {
    1: "house",
    2: "apartments",
    3: "shop",
    4: "office",
    5: "tower",
    6: "industrial",
    7: "civic",
    8: "other",
}
GROUND, ROAD, WATER, GREEN, FOLIAGE, TRUNK = 0, 10, 11, 12, 13, 14
#: A building this tall (m) is a tower whatever its use (glass curtain walls), unless it is industrial.
TOWER_MIN_M = 40.0

_USE_CLASS: dict[str, int] = {
    "house": 1, "detached": 1, "semidetached_house": 1, "terrace": 1, "bungalow": 1, "residential": 1,
    "apartments": 2, "hotel": 2, "dormitory": 2,
    "retail": 3, "commercial": 3, "shop": 3, "supermarket": 3, "kiosk": 3, "mall": 3,
    "office": 4,
    "industrial": 6, "warehouse": 6, "factory": 6, "hangar": 6,
    "civic": 7, "government": 7, "public": 7, "school": 7, "hospital": 7, "university": 7, "church": 7,
    "mosque": 7, "temple": 7,
}  # fmt: skip
#: Wall albedo per class (RGB 0..255): plaster, paint, concrete, glass-and-steel, metal cladding.
_WALL_RGB = np.array(
    [
        (200, 196, 188),  # 0 unused
        (232, 214, 188),  # house: warm plaster
        (214, 206, 196),  # apartments
        (228, 220, 206),  # shops
        (184, 194, 204),  # offices: concrete and glass
        (150, 172, 192),  # towers: blue-grey glass
        (192, 188, 178),  # industrial: cladding
        (226, 210, 176),  # civic: sandstone
        (214, 208, 198),  # other
    ],
    dtype=float,
)
#: Roof albedo per class: terracotta tiles on houses, concrete and bitumen on the rest, metal on sheds.
_ROOF_RGB = np.array(
    [
        (150, 150, 150),
        (176, 96, 72),
        (150, 146, 140),
        (132, 130, 128),
        (120, 124, 128),
        (100, 110, 122),
        (168, 172, 176),
        (150, 110, 90),
        (140, 138, 134),
    ],
    dtype=float,
)
_GREEN_USES = {"park", "grass", "recreation_ground", "forest", "cemetery", "garden", "village_green", "meadow"}


#: A building whose use says nothing (OSM's ``building=yes``) takes its class from the land use around it.
_ZONE_CLASS: dict[str, int] = {
    "residential": 1, "commercial": 4, "retail": 3, "industrial": 6, "port": 6,
    "institutional": 7, "government": 7, "education": 7,
}  # fmt: skip


def facade_class(
    uses: Sequence[str], heights_m: np.ndarray, zone_uses: Sequence[str | None] | None = None
) -> np.ndarray:
    """Facade class code (1..8) per building from its use (OSM ``building=`` value) and height.

    A use that says nothing (``yes``, unknown) falls back to the land use of the zone the building
    stands in (``zone_uses``, None where none): residential, commercial (offices; shops below
    12 m), retail, industrial or port, institutional. Houses taller than four storeys (12 m) are
    apartment blocks; anything but industry from :data:`TOWER_MIN_M` up is a tower.
    """
    code = np.array([_USE_CLASS.get(str(u).lower(), 8) for u in uses], dtype=int)
    h = np.asarray(heights_m, dtype=float)
    if zone_uses is not None:
        by_zone = np.array([_ZONE_CLASS.get(str(z), 8) if z is not None else 8 for z in zone_uses], dtype=int)
        by_zone = np.where((by_zone == 4) & (h <= 12.0), 3, by_zone)
        code = np.where(code == 8, by_zone, code)
    code = np.where((code == 1) & (h > 12.0), 2, code)
    return np.where((code != 6) & (h >= TOWER_MIN_M), 5, code)


def _variation(n: int, salt: int) -> np.ndarray:
    """A deterministic +-8% brightness per building, so a block does not look cast in one piece."""
    i = np.arange(n, dtype=np.uint64) + np.uint64(salt)
    h = (i * np.uint64(2654435761)) % np.uint64(1009)
    return 0.92 + 0.16 * h.astype(float) / 1009.0


def wall_rgb(codes: np.ndarray) -> np.ndarray:
    """Wall albedo (n, 3) for facade class codes, varied per building."""
    return np.clip(_WALL_RGB[codes] * _variation(len(codes), 0)[:, None], 0, 255)


def roof_rgb(codes: np.ndarray) -> np.ndarray:
    """Roof albedo (n, 3) for facade class codes, varied per building."""
    return np.clip(_ROOF_RGB[codes] * _variation(len(codes), 7)[:, None], 0, 255)


def zone_uses_at(points_xy: np.ndarray, zones: Sequence[tuple[object, str]]) -> list[str | None]:
    """The land use of the zone each point stands in (the last zone listed wins where they overlap)."""
    if not zones or len(points_xy) == 0:
        return [None] * len(points_xy)
    polys = np.array([z for z, _ in zones], dtype=object)
    pi, zi = shapely.STRtree(polys).query(shapely.points(points_xy), predicate="within")
    which = np.full(len(points_xy), -1)
    np.maximum.at(which, pi, zi)
    return [zones[k][1] if k >= 0 else None for k in which]


def zone_code(landuse: str) -> int:
    """Ground material of a land-use zone: water, green (parks and the like) or plain ground."""
    if landuse == "water":
        return WATER
    return GREEN if landuse in _GREEN_USES else GROUND


def material_alpha(codes: np.ndarray | int) -> np.ndarray:
    """The vertex alpha (0..255) that carries a material code to the shader."""
    return 255 - 8 * np.asarray(codes, dtype=int)
