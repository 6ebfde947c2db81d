"""Numpy arrays to Panda3D geometry: triangle soups with normals and colours, lines, boxes, polygons.

Every builder here works on whole arrays (thousands of buildings at once) and writes vertex data
in one copy, so a city's mesh is built without a Python loop per triangle.
"""

from __future__ import annotations

import numpy as np
import shapely
from panda3d.core import (
    Geom,
    GeomLines,
    GeomNode,
    GeomTriangles,
    GeomVertexArrayFormat,
    GeomVertexData,
    GeomVertexFormat,
    InternalName,
)

_VERTEX_DTYPE = np.dtype([("pos", "<f4", 3), ("nrm", "<f4", 3), ("col", "u1", 4)])


def _vertex_format() -> GeomVertexFormat:
    arr = GeomVertexArrayFormat()
    arr.add_column(InternalName.get_vertex(), 3, Geom.NT_float32, Geom.C_point)
    arr.add_column(InternalName.get_normal(), 3, Geom.NT_float32, Geom.C_normal)
    arr.add_column(InternalName.get_color(), 4, Geom.NT_uint8, Geom.C_color)
    return GeomVertexFormat.register_format(GeomVertexFormat(arr))


VERTEX_FORMAT = _vertex_format()


class Soup:
    """Triangles as flat arrays: ``pos`` (n*3, 3), ``nrm`` (n*3, 3), ``col`` (n*3, 4) uint8 RGBA."""

    __slots__ = ("pos", "nrm", "col")

    def __init__(self, pos: np.ndarray, nrm: np.ndarray, col: np.ndarray):
        self.pos = np.asarray(pos, dtype=np.float32).reshape(-1, 3)
        self.nrm = np.asarray(nrm, dtype=np.float32).reshape(-1, 3)
        self.col = np.asarray(col, dtype=np.uint8).reshape(-1, 4)

    @classmethod
    def empty(cls) -> Soup:
        """A soup with no triangles."""
        z = np.zeros((0, 3))
        return cls(z, z, np.zeros((0, 4)))

    @property
    def n_triangles(self) -> int:
        """Number of triangles."""
        return len(self.pos) // 3

    @staticmethod
    def concat(soups: list[Soup]) -> Soup:
        """All soups in one."""
        soups = [s for s in soups if len(s.pos)]
        if not soups:
            return Soup.empty()
        return Soup(
            np.concatenate([s.pos for s in soups]),
            np.concatenate([s.nrm for s in soups]),
            np.concatenate([s.col for s in soups]),
        )

    def take_triangles(self, idx: np.ndarray) -> Soup:
        """The triangles with these indices."""
        v = (np.asarray(idx)[:, None] * 3 + np.arange(3)).ravel()
        return Soup(self.pos[v], self.nrm[v], self.col[v])


def geom_node(name: str, soup: Soup) -> GeomNode:
    """One GeomNode holding one Geom of non-indexed triangles (the soup as it is)."""
    n = len(soup.pos)
    rows = np.empty(n, dtype=_VERTEX_DTYPE)
    rows["pos"] = soup.pos
    rows["nrm"] = soup.nrm
    rows["col"] = soup.col
    vdata = GeomVertexData(name, VERTEX_FORMAT, Geom.UH_static)
    vdata.unclean_set_num_rows(n)
    vdata.modify_array_handle(0).copy_data_from(rows.tobytes())
    prim = GeomTriangles(Geom.UH_static)
    prim.add_next_vertices(n)
    geom = Geom(vdata)
    geom.add_primitive(prim)
    node = GeomNode(name)
    node.add_geom(geom)
    return node


def line_node(name: str, segments: np.ndarray, rgba: tuple[int, int, int, int]) -> GeomNode:
    """Line segments (n, 2, 3) in one colour."""
    pts = np.asarray(segments, dtype=np.float32).reshape(-1, 3)
    col = np.tile(np.array(rgba, dtype=np.uint8), (len(pts), 1))
    rows = np.empty(len(pts), dtype=_VERTEX_DTYPE)
    rows["pos"] = pts
    rows["nrm"] = (0.0, 0.0, 1.0)
    rows["col"] = col
    vdata = GeomVertexData(name, VERTEX_FORMAT, Geom.UH_static)
    vdata.unclean_set_num_rows(len(pts))
    vdata.modify_array_handle(0).copy_data_from(rows.tobytes())
    prim = GeomLines(Geom.UH_static)
    prim.add_next_vertices(len(pts))
    geom = Geom(vdata)
    geom.add_primitive(prim)
    node = GeomNode(name)
    node.add_geom(geom)
    return node


def shade(rgb: np.ndarray, normals: np.ndarray, *, sun=(0.35, -0.55, 0.76), ambient: float = 0.55) -> np.ndarray:
    """Baked facade shading: base colours (n, 3) 0..255 lit by a fixed sun (Lambert + ambient)."""
    s = np.asarray(sun, dtype=float)
    s = s / np.linalg.norm(s)
    lam = np.clip(np.asarray(normals, dtype=float) @ s, 0.0, 1.0)
    return np.clip(np.asarray(rgb, dtype=float) * (ambient + (1.0 - ambient) * lam)[:, None], 0, 255)


def _rgba(rgb: np.ndarray, n_vertices_each: int) -> np.ndarray:
    rgb = np.asarray(rgb, dtype=float).reshape(-1, 3)
    a = np.full((len(rgb), 1), 255.0)
    return np.repeat(np.hstack([rgb, a]), n_vertices_each, axis=0)


def flat_polygons(polys: np.ndarray, z: float | np.ndarray, rgb: np.ndarray) -> tuple[Soup, np.ndarray]:
    """Horizontal polygons (with holes) triangulated at height ``z``, facing up.

    Returns the soup and, per triangle, the index of the polygon it came from.
    """
    polys = np.asarray(polys, dtype=object)
    if len(polys) == 0:
        return Soup.empty(), np.zeros(0, dtype=int)
    tris = shapely.constrained_delaunay_triangles(polys)
    parts, owner = shapely.get_parts(tris, return_index=True)
    is_tri = shapely.get_type_id(parts) == 3
    parts, owner = parts[is_tri], owner[is_tri]
    if len(parts) == 0:
        return Soup.empty(), np.zeros(0, dtype=int)
    xy = shapely.get_coordinates(shapely.get_exterior_ring(parts)).reshape(-1, 4, 2)[:, :3]
    # counter-clockwise seen from above, so the face points up
    cross = (xy[:, 1, 0] - xy[:, 0, 0]) * (xy[:, 2, 1] - xy[:, 0, 1]) - (xy[:, 1, 1] - xy[:, 0, 1]) * (
        xy[:, 2, 0] - xy[:, 0, 0]
    )
    flip = cross < 0
    xy[flip] = xy[flip][:, ::-1]
    zz = np.broadcast_to(np.asarray(z, dtype=float), (len(polys),))[owner]
    pos = np.concatenate([xy, np.repeat(zz[:, None, None], 3, axis=1)], axis=2)
    nrm = np.tile([0.0, 0.0, 1.0], (len(pos) * 3, 1))
    rgb = np.broadcast_to(np.asarray(rgb, dtype=float), (len(polys), 3))[owner]
    return Soup(pos, nrm, _rgba(rgb, 3)), owner


def extrude_walls(
    polys: np.ndarray, heights: np.ndarray, rgb: np.ndarray, *, baked: bool = True
) -> tuple[Soup, np.ndarray]:
    """Vertical walls of polygon prisms from z=0 to each polygon's height, normals outwards.

    ``baked``: shade the colours by a fixed sun (:func:`shade`); off, they stay the albedo for a
    shader that lights them.

    Polygons are oriented first (exterior counter-clockwise, holes clockwise), so every edge's
    outward normal is (dy, -dx). Returns the soup and, per triangle, the owning polygon's index.
    """
    polys = shapely.orient_polygons(np.asarray(polys, dtype=object))
    rings, ring_owner = shapely.get_rings(polys, return_index=True)
    pts, pt_ring = shapely.get_coordinates(rings, return_index=True)
    same = pt_ring[:-1] == pt_ring[1:]
    a = pts[:-1][same]
    b = pts[1:][same]
    owner = ring_owner[pt_ring[:-1][same]]
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    keep = length > 1e-6
    a, b, d, length, owner = a[keep], b[keep], d[keep], length[keep], owner[keep]
    n = np.stack([d[:, 1] / length, -d[:, 0] / length, np.zeros(len(d))], axis=1)
    h = np.asarray(heights, dtype=float)[owner]
    z0 = np.zeros(len(a))
    p00 = np.stack([a[:, 0], a[:, 1], z0], 1)
    p10 = np.stack([b[:, 0], b[:, 1], z0], 1)
    p11 = np.stack([b[:, 0], b[:, 1], h], 1)
    p01 = np.stack([a[:, 0], a[:, 1], h], 1)
    # two triangles per wall, counter-clockwise seen from outside
    pos = np.stack([p00, p10, p11, p00, p11, p01], axis=1).reshape(-1, 3, 3)
    nrm = np.repeat(n, 6, axis=0)
    col = shade(np.asarray(rgb, dtype=float)[owner], n) if baked else np.asarray(rgb, dtype=float)[owner]
    tri_owner = np.repeat(owner, 2)
    return Soup(pos, nrm, _rgba(np.repeat(col, 2, axis=0), 3)), tri_owner


_BOX = np.array(
    [
        # each face: 4 corners in (-0.5..0.5)^3, counter-clockwise from outside, and its normal
        [[0.5, -0.5, -0.5], [0.5, 0.5, -0.5], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5]],
        [[-0.5, 0.5, -0.5], [-0.5, -0.5, -0.5], [-0.5, -0.5, 0.5], [-0.5, 0.5, 0.5]],
        [[0.5, 0.5, -0.5], [-0.5, 0.5, -0.5], [-0.5, 0.5, 0.5], [0.5, 0.5, 0.5]],
        [[-0.5, -0.5, -0.5], [0.5, -0.5, -0.5], [0.5, -0.5, 0.5], [-0.5, -0.5, 0.5]],
        [[-0.5, -0.5, 0.5], [0.5, -0.5, 0.5], [0.5, 0.5, 0.5], [-0.5, 0.5, 0.5]],
        [[-0.5, 0.5, -0.5], [0.5, 0.5, -0.5], [0.5, -0.5, -0.5], [-0.5, -0.5, -0.5]],
    ]
)
_BOX_N = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=float)


def boxes(
    centers: np.ndarray, sizes: np.ndarray, rgb: np.ndarray, rotations: np.ndarray | None = None, *, lit: bool = True
) -> Soup:
    """Boxes: centres (n, 3), sizes (n, 3), colours (n, 3), optional rotations (n, 3, 3) local->world."""
    centers = np.asarray(centers, dtype=float).reshape(-1, 3)
    n = len(centers)
    sizes = np.broadcast_to(np.asarray(sizes, dtype=float), (n, 3))
    rgb = np.broadcast_to(np.asarray(rgb, dtype=float), (n, 3))
    tri = _BOX[:, [0, 1, 2, 0, 2, 3]]  # (6 faces, 6 verts, 3)
    local = tri[None] * sizes[:, None, None, :]  # (n, 6, 6, 3)
    nrm = np.broadcast_to(_BOX_N[None, :, None, :], (n, 6, 6, 3))
    if rotations is not None:
        local = np.einsum("nij,nfvj->nfvi", rotations, local)
        nrm = np.einsum("nij,nfvj->nfvi", rotations, nrm)
    pos = local + centers[:, None, None, :]
    face_n = nrm[:, :, 0, :].reshape(-1, 3)
    col = shade(np.repeat(rgb, 6, axis=0), face_n) if lit else np.repeat(rgb, 6, axis=0)
    return Soup(pos, nrm, _rgba(col, 6))
