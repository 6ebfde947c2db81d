"""Street life in the scene: every vehicle and pedestrian of a life snapshot, one GeomNode per kind.

The root hands over the sim's ``LifeState`` (read through :class:`LifeLike`: arrays of positions,
headings, kinds and ids) each frame. Each kind (motorcycle, car, bus, pedestrian) is one Geom whose
vertex buffer is rebuilt from the arrays with numpy (a template mesh rotated and moved to every
instance at once, ``(n, V, 3)``) and copied in one call: no NodePath per agent, one draw per kind,
and any shader (the virtual CCTV's included) draws it as ordinary geometry. Colours follow each
agent's id, so a car keeps its paint while others come and go.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from panda3d.core import Geom, GeomNode, GeomTriangles, GeomVertexData, NodePath, OmniBoundingVolume

from ._inspect import tag_category
from ._mesh import _BOX, _BOX_N, _VERTEX_DTYPE, VERTEX_FORMAT, shade
from .masks import DEPTH_MASK

#: Height (m) of the street surface agents stand on (the major road ribbon's top in scenes.city).
STREET_Z_M = 0.45
#: Paint colours (RGB 0..255) drawn by id: vehicles (white, silver, black, red, blue, ...) and clothes.
VEHICLE_PAINT = np.array(
    [[235, 235, 232], [168, 170, 176], [32, 32, 36], [190, 30, 34], [30, 70, 160], [120, 122, 128],
     [230, 200, 40], [40, 120, 70], [245, 245, 245], [90, 20, 25]], dtype=float,
)  # fmt: skip
CLOTHES = np.array(
    [[200, 40, 40], [40, 90, 180], [240, 240, 235], [30, 30, 30], [230, 170, 30], [60, 150, 90],
     [150, 60, 150], [230, 120, 150]], dtype=float,
)  # fmt: skip
BUS_PAINT = np.array([[20, 110, 190], [230, 120, 20], [200, 30, 40]], dtype=float)


class LifeLike(Protocol):
    """What the scene reads of a life snapshot (the sim's ``LifeState`` has these fields)."""

    t: float
    vehicle_xy: np.ndarray
    vehicle_heading_rad: np.ndarray
    vehicle_kind: np.ndarray
    vehicle_id: np.ndarray
    pedestrian_xy: np.ndarray
    pedestrian_heading_rad: np.ndarray
    pedestrian_id: np.ndarray


class _Template:
    """One kind's mesh in its own frame (x forward, y left, z up): indexed boxes, which vertices take the paint."""

    def __init__(self, parts: list[tuple[tuple[float, float, float], tuple[float, float, float], bool]]) -> None:
        faces = np.flatnonzero(_BOX_N[:, 2] > -0.5)  # bottoms are never seen: no vertices for them
        pos, nrm, paint, tris = [], [], [], []
        quad = np.array([0, 1, 2, 0, 2, 3])
        for centre, size, painted in parts:
            base = len(pos) * 4 * len(faces)
            pos.append((_BOX[faces] * np.asarray(size) + np.asarray(centre)).reshape(-1, 3))
            nrm.append(np.repeat(_BOX_N[faces], 4, axis=0))
            paint.append(np.full(4 * len(faces), painted))
            tris.append((quad[None, :] + 4 * np.arange(len(faces))[:, None]).ravel() + base)
        self.pos = np.concatenate(pos).astype(np.float32)
        self.nrm = np.concatenate(nrm).astype(np.float32)
        self.paint = np.concatenate(paint)
        self.tris = np.concatenate(tris).astype(np.uint32)
        # baked light per vertex, as the city's facades have (the real light, where there is one, adds to it)
        self.light = shade(np.full((len(self.pos), 3), 255.0), self.nrm)[:, 0] / 255.0
        self.n = len(self.pos)


#: Kinds in the order of a snapshot's ``vehicle_kind`` codes, then pedestrians: two boxes a vehicle, one a
#: pedestrian (llvmpipe pays per triangle; thousands of agents must stay a small share of a frame).
_TEMPLATES = {
    "motorcycle": _Template([((0.0, 0.0, 0.55), (1.9, 0.55, 0.6), True), ((-0.15, 0.0, 1.4), (0.45, 0.5, 1.1), False)]),
    "car": _Template([((0.0, 0.0, 0.65), (4.3, 1.75, 0.75), True), ((-0.3, 0.0, 1.3), (2.3, 1.6, 0.6), False)]),
    "bus": _Template([((0.0, 0.0, 1.75), (11.0, 2.5, 2.7), True), ((0.2, 0.0, 2.35), (10.4, 2.56, 0.95), False)]),
    "pedestrian": _Template([((0.0, 0.0, 0.85), (0.35, 0.45, 1.7), True)]),
}
#: Colour of the unpainted parts: riders' clothes (dark), windows (dark glass), skin.
_UNPAINTED = {"motorcycle": (60, 55, 50), "car": (40, 48, 58), "bus": (35, 42, 52), "pedestrian": (150, 110, 80)}
_PALETTE = {"motorcycle": VEHICLE_PAINT, "car": VEHICLE_PAINT, "bus": BUS_PAINT, "pedestrian": CLOTHES}


class _KindLayer:
    """One kind's GeomNode and its per-frame vertex buffer."""

    def __init__(self, parent: NodePath, kind: str) -> None:
        self.kind = kind
        self.tpl = _TEMPLATES[kind]
        self.vdata = GeomVertexData(kind, VERTEX_FORMAT, Geom.UH_dynamic)
        self.prim = GeomTriangles(Geom.UH_dynamic)
        self.prim.set_index_type(Geom.NT_uint32)
        self._index: np.ndarray = np.zeros(0, dtype=np.uint32)
        self.geom = Geom(self.vdata)
        self.geom.add_primitive(self.prim)
        node = GeomNode(f"life-{kind}")
        node.add_geom(self.geom)
        # agents roam the whole city: no bounds to recompute each frame, never culled as a whole
        node.set_bounds(OmniBoundingVolume())
        node.set_final(True)
        self.np = parent.attach_new_node(node)
        self.count = 0
        # every palette entry's vertex colours, lit: a frame's colours are one gather by id
        t = self.tpl
        pal = _PALETTE[kind]
        base = np.where(t.paint[None, :, None], pal[:, None, :], np.array(_UNPAINTED[kind], dtype=float))
        self.colours = np.empty((len(pal), t.n, 4), dtype=np.uint8)
        self.colours[..., :3] = np.clip(base * t.light[None, :, None], 0, 255)
        self.colours[..., 3] = 255

    def set(self, xy: np.ndarray, heading_rad: np.ndarray, ids: np.ndarray) -> None:
        """Place ``n`` instances (rebuilds the vertex buffer)."""
        t = self.tpl
        n = len(xy)
        c = np.cos(heading_rad).astype(np.float32)[:, None]
        s = np.sin(heading_rad).astype(np.float32)[:, None]
        x0 = xy[:, 0:1].astype(np.float32)
        y0 = xy[:, 1:2].astype(np.float32)
        rows = np.empty((n, t.n), dtype=_VERTEX_DTYPE)
        pos = rows["pos"]
        lx, ly = t.pos[None, :, 0], t.pos[None, :, 1]
        pos[..., 0] = lx * c - ly * s + x0
        pos[..., 1] = lx * s + ly * c + y0
        pos[..., 2] = t.pos[None, :, 2] + np.float32(STREET_Z_M)
        nrm = rows["nrm"]
        nx, ny = t.nrm[None, :, 0], t.nrm[None, :, 1]
        nrm[..., 0] = nx * c - ny * s
        nrm[..., 1] = nx * s + ny * c
        nrm[..., 2] = t.nrm[None, :, 2]
        rows["col"] = self.colours[np.asarray(ids, dtype=np.int64) % len(self.colours)]
        vdata = self.geom.modify_vertex_data()
        vdata.unclean_set_num_rows(n * t.n)
        if n:
            vdata.modify_array_handle(0).copy_data_from(rows.reshape(-1))
        k = n * len(t.tris)
        if len(self._index) < k:
            # the index list for up to twice as many agents, grown (rarely) when more come
            m = 2 * n
            self._index = (t.tris[None, :] + (t.n * np.arange(m, dtype=np.uint32))[:, None]).ravel()
        prim = self.geom.modify_primitive(0)
        arr = prim.modify_vertices()
        arr.unclean_set_num_rows(k)
        if k:
            arr.modify_handle().copy_data_from(self._index[:k])
        self.count = n


class LifeView:
    """Vehicles and pedestrians of the latest life snapshot, under ``parent`` (one node per kind).

    ``look``: the scene's living look (``scenes._look.Look``), which lights them like the city; None: unlit.
    """

    KINDS = ("motorcycle", "car", "bus")

    def __init__(self, parent: NodePath, *, look: Any = None) -> None:
        self.root = parent.attach_new_node("life")
        if look is not None:
            # lit like the city (sun, shadows, street lamps at night), never painted with projected video
            look.apply(self.root)
            self.root.set_shader_input("inspect_video", 0.0)
        # moving agents never cast video shadows (the depth maps are of the static city); virtual CCTV sees them
        self.root.hide(DEPTH_MASK)
        self.layers = {k: _KindLayer(self.root, k) for k in (*self.KINDS, "pedestrian")}
        # the tour's frame inspector counts each kind's node as one instance of its category
        for k, layer in self.layers.items():
            tag_category(layer.np, "pedestrians" if k == "pedestrian" else "vehicles")
        self.t: float | None = None

    def push(self, state: LifeLike) -> None:
        """Show ``state``: every agent where it is now."""
        kinds = np.asarray(state.vehicle_kind)
        xy = np.asarray(state.vehicle_xy, dtype=np.float64).reshape(-1, 2)
        hd = np.asarray(state.vehicle_heading_rad, dtype=np.float64)
        ids = np.asarray(state.vehicle_id)
        for code, kind in enumerate(self.KINDS):
            m = kinds == code
            self.layers[kind].set(xy[m], hd[m], ids[m])
        self.layers["pedestrian"].set(
            np.asarray(state.pedestrian_xy, dtype=np.float64).reshape(-1, 2),
            np.asarray(state.pedestrian_heading_rad, dtype=np.float64),
            np.asarray(state.pedestrian_id),
        )
        self.t = float(state.t)

    def counts(self) -> dict[str, int]:
        """Agents shown, by kind."""
        return {k: layer.count for k, layer in self.layers.items()}

    def destroy(self) -> None:
        """Remove every agent's geometry."""
        self.root.remove_node()
