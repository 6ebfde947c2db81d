"""The city mesh: ground with land-use colours, water, road ribbons and extruded buildings, per tile.

Everything static is cut into square tiles (125 m by default) and each tile is one Geom: a few
hundred draw calls for a whole city instead of one per building, while view-frustum culling still
works tile by tile. The tiles are also the projectors' unit: each tile carries its own bounded list
of the cameras that can paint it (:mod:`scenes.projectors`).
"""

from __future__ import annotations

__all__ = ["CityMesh", "Tile", "build_city", "LANDUSE_RGB", "ROAD_WIDTH_M", "BUILDING_RGB"]

import math
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from panda3d.core import CullBinManager, NodePath

from twin import Twin

from . import _facades as fac
from ._mesh import Soup, extrude_walls, flat_polygons, geom_node
from ._vegetation import TreeSettings, tree_positions, tree_soup

#: Ground colours by land use (RGB 0..255); unknown uses get ``default``.
LANDUSE_RGB: dict[str, tuple[int, int, int]] = {
    "residential": (206, 200, 186),
    "commercial": (214, 192, 190),
    "retail": (222, 198, 184),
    "industrial": (196, 190, 204),
    "institutional": (205, 196, 214),
    "park": (148, 188, 118),
    "grass": (160, 196, 126),
    "recreation_ground": (152, 190, 122),
    "forest": (104, 148, 92),
    "cemetery": (170, 188, 158),
    "farmland": (196, 204, 150),
    "port": (180, 182, 186),
    "water": (88, 138, 196),
    "default": (200, 198, 188),
}
GROUND_RGB = (186, 186, 176)
#: Buildings' base colours by use; facades are shaded by a fixed sun, roofs a little darker.
BUILDING_RGB: dict[str, tuple[int, int, int]] = {
    "residential": (226, 214, 196),
    "house": (226, 214, 196),
    "apartments": (218, 210, 200),
    "commercial": (196, 208, 224),
    "retail": (214, 204, 222),
    "office": (190, 206, 226),
    "industrial": (200, 194, 182),
    "warehouse": (200, 194, 182),
    "public": (222, 206, 176),
    "default": (214, 208, 198),
}
ROOF_FACTOR = 0.82
#: Road ribbon widths by OSM highway class, metres; unknown classes get ``default``.
ROAD_WIDTH_M: dict[str, float] = {
    "motorway": 20.0,
    "trunk": 16.0,
    "primary": 14.0,
    "secondary": 11.0,
    "tertiary": 9.0,
    "residential": 7.0,
    "unclassified": 6.0,
    "living_street": 5.0,
    "service": 4.5,
    "footway": 2.5,
    "path": 2.0,
    "default": 6.0,
}
_MAJOR = {"motorway", "trunk", "primary", "secondary"}
# Layer heights above the ground plane: small, but enough that a 24-bit depth buffer keeps them
# apart from a few hundred metres up (the renderer also moves the near plane out with altitude).
Z_ZONE, Z_WATER, Z_MINOR_ROAD, Z_MAJOR_ROAD = 0.12, 0.24, 0.36, 0.44


#: A cull bin drawn front to back, for the city's opaque tiles (Panda's default "opaque" bin sorts by state).
CITY_BIN = "city-front-to-back"
if CullBinManager.get_global_ptr().find_bin(CITY_BIN) < 0:
    CullBinManager.get_global_ptr().add_bin(CITY_BIN, CullBinManager.BT_front_to_back, 15)


@dataclass
class Tile:
    """One square of the city: its grid index, ground-plan box and node."""

    ix: int
    iy: int
    box: shapely.Polygon
    node: NodePath
    n_triangles: int
    max_height_m: float


@dataclass
class CityMesh:
    """The static city: one node per tile under :attr:`root`, and figures about it."""

    root: NodePath
    tiles: list[Tile]
    tile_m: float
    bounds: tuple[float, float, float, float]
    max_height_m: float
    build_s: float
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def n_geoms(self) -> int:
        """Geoms under the root (after the per-tile merge)."""
        return sum(t.node.node().get_num_geoms() for t in self.tiles)

    @property
    def n_triangles(self) -> int:
        """Triangles under the root."""
        return sum(t.n_triangles for t in self.tiles)

    def destroy(self) -> None:
        """Detach and drop every node."""
        self.root.remove_node()
        self.tiles.clear()


def _variation(n: int) -> np.ndarray:
    """A deterministic +-7% brightness variation per building, so blocks do not look cast in one piece."""
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(2654435761)) % np.uint64(1000)
    return 0.93 + 0.14 * h.astype(float) / 1000.0


def _roads(t: Twin) -> tuple[np.ndarray, np.ndarray]:
    """One ribbon polygon per road feature and whether it is a major road."""
    if t.roads is None or t.roads.number_of_edges() == 0:
        return np.zeros(0, dtype=object), np.zeros(0, dtype=bool)
    seen: set[object] = set()
    lines, widths, major = [], [], []
    for _, _, d in t.roads.edges(data=True):
        k = d.get("road_id", id(d))
        if k in seen:
            continue
        seen.add(k)
        hw = d.get("highway", "default")
        if isinstance(hw, list):
            hw = hw[0]
        lines.append(d["geometry"])
        widths.append(ROAD_WIDTH_M.get(hw, ROAD_WIDTH_M["default"]))
        major.append(hw in _MAJOR)
    ribbons = shapely.buffer(np.array(lines, dtype=object), np.array(widths) / 2.0, cap_style="flat", quad_segs=2)
    return ribbons, np.array(major)


def _clip(geoms: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Polygon pieces of ``geoms`` cut by the tile ``boxes``: (pieces, owner index, tile index)."""
    if len(geoms) == 0:
        e = np.zeros(0, dtype=int)
        return np.zeros(0, dtype=object), e, e
    tree = shapely.STRtree(boxes)
    gi, bi = tree.query(geoms, predicate="intersects")
    pieces = shapely.intersection(geoms[gi], boxes[bi], grid_size=0.01)
    parts, k = shapely.get_parts(pieces, return_index=True)
    poly = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-4)
    return parts[poly], gi[k[poly]], bi[k[poly]]


def _code(soup: Soup, per_triangle: np.ndarray | int) -> Soup:
    """Write material codes into a soup's vertex alpha (the living look's shader reads them)."""
    soup.col[:, 3] = np.repeat(np.broadcast_to(fac.material_alpha(per_triangle), (soup.n_triangles,)), 3)
    return soup


def build_city(
    twin: Twin, parent: NodePath, *, tile_m: float = 125.0, look: str = "plain", trees: TreeSettings | None = None
) -> CityMesh:
    """Build the static city under ``parent``: one merged Geom per ``tile_m`` square tile.

    ``look="living"`` builds it for :mod:`scenes._look`: unshaded albedo, material codes in the
    vertex alpha (facade classes, roads, water, green), and trees (``trees``) merged into the tiles.
    """
    t0 = time.perf_counter()
    living = look == "living"
    xmin, ymin, xmax, ymax = twin.bounds()
    if not (xmax > xmin and ymax > ymin):
        xmin, ymin, xmax, ymax = -50.0, -50.0, 50.0, 50.0
    margin = 20.0
    xmin, ymin, xmax, ymax = xmin - margin, ymin - margin, xmax + margin, ymax + margin
    ix0, iy0 = math.floor(xmin / tile_m), math.floor(ymin / tile_m)
    nx, ny = math.ceil(xmax / tile_m) - ix0, math.ceil(ymax / tile_m) - iy0
    gx, gy = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    gx, gy = gx.ravel(), gy.ravel()
    bx0 = np.maximum((ix0 + gx) * tile_m, xmin)
    by0 = np.maximum((iy0 + gy) * tile_m, ymin)
    bx1 = np.minimum((ix0 + gx + 1) * tile_m, xmax)
    by1 = np.minimum((iy0 + gy + 1) * tile_m, ymax)
    boxes = shapely.box(bx0, by0, bx1, by1)

    soups: list[Soup] = []
    owners: list[np.ndarray] = []  # tile index per triangle
    # ground: each tile's box
    s, own = flat_polygons(boxes, 0.0, np.array(GROUND_RGB, dtype=float))
    soups.append(_code(s, fac.GROUND) if living else s)
    owners.append(own)
    # land use, water on top
    if twin.zones:
        zpolys = np.array([z.polygon for z in twin.zones], dtype=object)
        uses = [z.landuse for z in twin.zones]
        is_water = np.array([u == "water" for u in uses])
        zrgb = np.array([LANDUSE_RGB.get(u, LANDUSE_RGB["default"]) for u in uses], dtype=float)
        parts, zi, ti = _clip(zpolys, boxes)
        z = np.where(is_water[zi], Z_WATER, Z_ZONE)
        s, own = flat_polygons(parts, z, zrgb[zi])
        if living:
            _code(s, np.array([fac.zone_code(u) for u in uses])[zi][own])
        soups.append(s)
        owners.append(ti[own])
    # roads
    ribbons, major = _roads(twin)
    parts, ri, ti = _clip(ribbons, boxes)
    if len(parts):
        rgb = np.where(major[ri][:, None], [[72, 74, 80]], [[98, 100, 106]]).astype(float)
        s, own = flat_polygons(parts, np.where(major[ri], Z_MAJOR_ROAD, Z_MINOR_ROAD), rgb)
        soups.append(_code(s, fac.ROAD) if living else s)
        owners.append(ti[own])
    # buildings: whole, in the tile of their centre
    max_h = np.zeros(len(boxes))
    n_buildings = len(twin.buildings)
    if n_buildings:
        parts, bidx = shapely.get_parts(twin.footprints, return_index=True)
        heights = twin.building_heights_m[bidx]
        base = np.array([BUILDING_RGB.get(b.use, BUILDING_RGB["default"]) for b in twin.buildings], dtype=float)
        rgb = (base * _variation(n_buildings)[:, None])[bidx]
        cx = shapely.get_coordinates(shapely.point_on_surface(parts))
        bix = np.clip(np.floor(cx[:, 0] / tile_m).astype(int) - ix0, 0, nx - 1)
        biy = np.clip(np.floor(cx[:, 1] / tile_m).astype(int) - iy0, 0, ny - 1)
        btile = bix * ny + biy
        np.maximum.at(max_h, btile, heights)
        if living:
            centre = shapely.get_coordinates(shapely.point_on_surface(twin.footprints))
            around = fac.zone_uses_at(centre, [(z.polygon, z.landuse) for z in twin.zones])
            cls = fac.facade_class([b.use for b in twin.buildings], twin.building_heights_m, around)[bidx]
            s, own = extrude_walls(parts, heights, fac.wall_rgb(cls), baked=False)
            soups.append(_code(s, cls[own]))
            owners.append(btile[own])
            s, own = flat_polygons(parts, heights, fac.roof_rgb(cls))
            soups.append(_code(s, cls[own]))
        else:
            s, own = extrude_walls(parts, heights, rgb)
            soups.append(s)
            owners.append(btile[own])
            s, own = flat_polygons(parts, heights, rgb * ROOF_FACTOR)
            soups.append(s)
        owners.append(btile[own])
    n_trees = 0
    if living:
        xy = tree_positions(twin, ribbons, trees, road_width_m=ROAD_WIDTH_M)
        n_trees = len(xy)
        if n_trees:
            s, own = tree_soup(xy, seed=(trees or TreeSettings()).seed)
            np.maximum.at(max_h, (np.clip(np.floor(xy[:, 0] / tile_m).astype(int) - ix0, 0, nx - 1)) * ny
                          + np.clip(np.floor(xy[:, 1] / tile_m).astype(int) - iy0, 0, ny - 1), 11.0)
            tx = np.clip(np.floor(xy[:, 0] / tile_m).astype(int) - ix0, 0, nx - 1)
            ty = np.clip(np.floor(xy[:, 1] / tile_m).astype(int) - iy0, 0, ny - 1)
            # drawn after the buildings, before the roads (soups are reversed below)
            soups.insert(len(soups) - (2 if n_buildings else 0), s)
            owners.insert(len(owners) - (2 if n_buildings else 0), (tx * ny + ty)[own])

    # Within a tile, draw nearest-to-the-sky first: roofs, walls, roads, water, land use, ground. With
    # tiles also drawn front to back, the depth test then rejects hidden fragments before the
    # projector shader runs for them (early z), which is most of the saving on a software rasteriser.
    soups.reverse()
    owners.reverse()
    soup = Soup.concat(soups)
    owner = np.concatenate(owners) if owners else np.zeros(0, dtype=int)
    order = np.argsort(owner, kind="stable")
    cuts = np.searchsorted(owner[order], np.arange(len(boxes) + 1))
    root = parent.attach_new_node("city-static")
    root.set_bin(CITY_BIN, 0)
    tiles: list[Tile] = []
    for k in range(len(boxes)):
        idx = order[cuts[k] : cuts[k + 1]]
        if len(idx) == 0:
            continue
        ix, iy = int(gx[k] + ix0), int(gy[k] + iy0)
        node = root.attach_new_node(geom_node(f"tile_{ix}_{iy}", soup.take_triangles(idx)))
        tiles.append(Tile(ix, iy, boxes[k], node, len(idx), float(max_h[k])))
    mesh = CityMesh(
        root=root,
        tiles=tiles,
        tile_m=tile_m,
        bounds=(xmin, ymin, xmax, ymax),
        max_height_m=float(max_h.max()) if len(max_h) else 0.0,
        build_s=0.0,
        stats={"buildings": n_buildings, "roads": len(ribbons), "zones": len(twin.zones), "trees": n_trees},
    )
    mesh.build_s = time.perf_counter() - t0
    return mesh
