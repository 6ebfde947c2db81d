"""The city mesh: triangles counted by hand, outward normals, one geom per tile, layers in pixels."""

from __future__ import annotations

import numpy as np
import shapely
from panda3d.core import GeomVertexReader, NodePath

import twin
from scenes.city import GROUND_RGB, LANDUSE_RGB, build_city
from twin.roads import RoadFeature, build_road_graph

from .conftest import make_twin


def _vertices(node: NodePath) -> tuple[np.ndarray, np.ndarray]:
    pos, nrm = [], []
    for gn in node.find_all_matches("**/+GeomNode"):
        for g in gn.node().get_geoms():
            vd = g.get_vertex_data()
            rp, rn = GeomVertexReader(vd, "vertex"), GeomVertexReader(vd, "normal")
            while not rp.is_at_end():
                pos.append(list(rp.get_data3()))
                nrm.append(list(rn.get_data3()))
    return np.array(pos), np.array(nrm)


def test_one_box_building_triangles_and_normals():
    # one 10 x 20 m building, 12 m tall, in a city of a single 125 m tile: 4 walls x 2 + roof 2 = 10 triangles,
    # plus the tile's ground (2)
    t = make_twin(buildings=[(30, 30, 40, 50, 12.0)], extent=(25, 25, 60, 60))  # with its 20 m margin: 5..80
    root = NodePath("r")
    mesh = build_city(t, root, tile_m=125.0)
    assert len(mesh.tiles) == 1 and mesh.n_geoms == 1
    assert mesh.n_triangles == 12
    pos, nrm = _vertices(mesh.root)
    assert pos[:, 2].max() == np.float32(12.0)
    walls = np.abs(nrm[:, 2]) < 1e-6
    # every wall normal points away from the building's centre (35, 40)
    out = (pos[walls, :2] - [35.0, 40.0]) * nrm[walls, :2]
    assert (out.sum(axis=1) > 0).all()
    roofs = (nrm[:, 2] > 0.99) & (pos[:, 2] > 11.9)
    assert roofs.sum() == 6


def test_courtyard_walls_face_into_the_yard():
    outer = shapely.box(0, 0, 30, 30)
    yard = shapely.Polygon(outer.exterior.coords, [shapely.box(10, 10, 20, 20).exterior.coords])
    t = make_twin(extent=(-10, -10, 40, 40))
    t.buildings = [twin.Building("Y", yard, 9.0)]
    mesh = build_city(t, NodePath("r"))
    pos, nrm = _vertices(mesh.root)
    walls = np.abs(nrm[:, 2]) < 1e-6
    inner = walls & (pos[:, 0] > 9) & (pos[:, 0] < 21) & (pos[:, 1] > 9) & (pos[:, 1] < 21)
    assert inner.sum() == 4 * 6  # four inner walls, two triangles each
    # their normals point towards the yard's centre (15, 15)
    d = ([15.0, 15.0] - pos[inner, :2]) * nrm[inner, :2]
    assert (d.sum(axis=1) > 0).all()


def test_tiles_split_the_city_and_keep_buildings_whole():
    bs = [(x, y, x + 8, y + 8, 10.0) for x in range(0, 240, 20) for y in range(0, 240, 20)]
    t = make_twin(buildings=bs, extent=(0, 0, 250, 250))
    mesh = build_city(t, NodePath("r"), tile_m=125.0)
    # the extent grows by a 20 m margin: -20..270 covers tiles -1..2 on each axis
    assert len(mesh.tiles) == 16
    assert mesh.n_geoms == len(mesh.tiles)
    assert mesh.n_triangles == 144 * 10 + 16 * 2


def test_layers_show_in_colour(rig):
    roads = build_road_graph([RoadFeature("R1", shapely.LineString([(-50, -20), (50, -20)]), highway="primary")])
    zones = [
        twin.Zone("W", shapely.box(20, 10, 50, 40), landuse="water"),
        twin.Zone("P", shapely.box(-50, 10, -20, 40), landuse="park"),
    ]
    # the plain look's flat layer colours (the living look's are lit: tests/scenes/test_look.py)
    r = rig(make_twin(zones=zones, roads=roads, buildings=[(-5, 15, 5, 25, 10.0)]), look="plain")
    r.look((0, 0, 150), (0, 0.001, 0))
    img = r.render(1)

    def rgb(p):
        b, g, rr = r.color_at(img, p)
        return np.array([rr, g, b])

    assert np.abs(rgb((35, 25, 0)) - LANDUSE_RGB["water"]).max() < 6
    assert np.abs(rgb((-35, 25, 0)) - LANDUSE_RGB["park"]).max() < 6
    assert np.abs(rgb((30, -40, 0)) - GROUND_RGB).max() < 6
    assert rgb((0, -20, 0)).max() < 90, "a primary road is dark asphalt"
    roof = rgb((0, 20, 10))
    assert np.abs(roof - GROUND_RGB).max() > 10, "the roof is not the ground"
