"""The command-center building: a shell you can walk into, its rooms, doors and furniture.

The building stands on the command center's footprint (the city's building that contains the
command center's point, read as its minimum rotated rectangle; a 30 x 40 m block there when the
city has none). Its local frame has ``u`` across the front, ``v`` from the front door to the back
and ``z`` up; the ground floor holds four rooms:

```
 v ^  +--------------------------+-----------+
   |  |        video wall        |  server   |
   |  |                          |   room    |
   |  |   desks facing the wall  +--- d ----+
   |  |                          d   fire    |
   |  |                          |  control  |
   |  +------ d -----------------+---- d ---+
   |  |           lobby                      |
   |  +--------------- DOOR -----------------+
   +------------------------------------------> u
```

The video wall room is double height (:data:`WALL_ROOM_H_M`); the others have a ceiling at
:data:`FLOOR_H_M` with closed upper floors above. Everything is baked-colour geometry (no lights),
like the city, so it looks the same in the window, the headset and the headless render.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from panda3d.core import NodePath

import twin

from .._mesh import Soup, boxes, geom_node

#: Storey height of the closed rooms (lobby, fire control, server room), m.
FLOOR_H_M = 4.0
#: Clear height of the video wall room (two storeys), m.
WALL_ROOM_H_M = 8.0
#: Wall and slab thickness, m.
WALL_T_M = 0.3
#: Door openings: width and height, m.
DOOR_W_M, DOOR_H_M = 2.4, 2.8
#: The smallest block that holds the rooms (u across, v deep), m.
MIN_SIZE_M = (24.0, 30.0)
#: Depth of the lobby along v, m.
LOBBY_D_M = 6.0
#: Height of the ground floor above the street: above the city's road ribbons and coverage drape
#: (0.44 and 0.6 m), so neither shows through the floor; a step leads up to the door.
PLINTH_M = 0.75

FACADE_RGB = (196, 190, 178)
INNER_RGB = (214, 212, 204)
FLOOR_RGB = (92, 96, 104)
CEIL_RGB = (170, 170, 166)
ROOF_RGB = (120, 118, 112)
GLASS_RGB = (70, 96, 120)


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in the building's (u, v) frame, m."""

    u0: float
    v0: float
    u1: float
    v1: float

    @property
    def center(self) -> tuple[float, float]:
        """Its centre (u, v)."""
        return ((self.u0 + self.u1) / 2.0, (self.v0 + self.v1) / 2.0)


@dataclass(frozen=True)
class Layout:
    """Where the building stands and where its rooms are.

    Attributes:
        x: east of the building's centre (m, city frame).
        y: north of the building's centre (m, city frame).
        heading_rad: the angle from the city's x axis to the building's u axis.
        width_m: extent along u.
        depth_m: extent along v.
        height_m: roof height.
        building_index: the city building this one replaces (-1: none stood there).
    """

    x: float
    y: float
    heading_rad: float
    width_m: float
    depth_m: float
    height_m: float
    building_index: int = -1

    # ---- rooms ---------------------------------------------------------------------------------
    @property
    def strip_w_m(self) -> float:
        """Width of the side strip holding the fire control and server rooms."""
        return float(np.clip(0.4 * self.width_m, 9.0, 14.0))

    @property
    def lobby(self) -> Rect:
        """The lobby behind the front door."""
        w, d = self.width_m / 2.0, self.depth_m / 2.0
        return Rect(-w, -d, w, -d + LOBBY_D_M)

    @property
    def wall_room(self) -> Rect:
        """The video wall room (double height)."""
        w, d = self.width_m / 2.0, self.depth_m / 2.0
        return Rect(-w, -d + LOBBY_D_M, w - self.strip_w_m, d)

    @property
    def fire_room(self) -> Rect:
        """The fire control room (the front half of the side strip)."""
        w, d = self.width_m / 2.0, self.depth_m / 2.0
        v0 = -d + LOBBY_D_M
        return Rect(w - self.strip_w_m, v0, w, (v0 + d) / 2.0)

    @property
    def server_room(self) -> Rect:
        """The server room (the back half of the side strip)."""
        w, d = self.width_m / 2.0, self.depth_m / 2.0
        v0 = -d + LOBBY_D_M
        return Rect(w - self.strip_w_m, (v0 + d) / 2.0, w, d)

    # ---- frames --------------------------------------------------------------------------------
    def to_city(self, u: float, v: float, z: float = 0.0) -> tuple[float, float, float]:
        """A point of the building's frame (``z`` above the ground floor) in the city's frame."""
        c, s = math.cos(self.heading_rad), math.sin(self.heading_rad)
        return (self.x + c * u - s * v, self.y + s * u + c * v, z + PLINTH_M)

    @property
    def h_deg(self) -> float:
        """Panda3D heading of the building's node (its u axis along the city's x axis turned by this)."""
        return math.degrees(self.heading_rad)


def layout_for(city: twin.Twin) -> Layout:
    """The building at the city's command center: on the footprint that holds its point, else a new block."""
    cc = city.command_center
    idx = -1
    if city.buildings:
        inside = np.flatnonzero(shapely.contains_xy(city.footprints, cc.x, cc.y))
        if inside.size:
            idx = int(inside[0])
    if idx < 0:
        return Layout(float(cc.x), float(cc.y), 0.0, 30.0, 40.0, WALL_ROOM_H_M + 2.0, -1)
    fp = city.footprints[idx]
    rect = shapely.minimum_rotated_rectangle(fp)
    xy = np.asarray(rect.exterior.coords)[:4]
    e1, e2 = xy[1] - xy[0], xy[2] - xy[1]
    l1, l2 = float(np.hypot(*e1)), float(np.hypot(*e2))
    # v (front to back) along the long side: the rooms line up along the depth
    u_vec, w, d = (e1, l1, l2) if l1 <= l2 else (e2, l2, l1)
    heading = math.atan2(u_vec[1], u_vec[0])
    # keep the front door facing the southern half (v pointing north-ish), as a visitor arrives from the street
    if math.cos(heading) < 0:
        heading += math.pi
    c = np.asarray(rect.centroid.coords)[0]
    w, d = max(w, MIN_SIZE_M[0]), max(d, MIN_SIZE_M[1])
    h = max(float(city.building_heights_m[idx]), WALL_ROOM_H_M + 2.0)
    return Layout(float(c[0]), float(c[1]), heading, w, d, h, idx)


def _wall_pieces(
    a: tuple[float, float],
    b: tuple[float, float],
    height_m: float,
    openings: list[tuple[float, float, float]],
    *,
    z0_m: float = 0.0,
    thick_m: float = WALL_T_M,
) -> list[tuple[tuple[float, float, float], tuple[float, float, float]]]:
    """Boxes (centre, size) of an axis-aligned wall from ``a`` to ``b`` with openings (at, width, height).

    ``at`` is the opening's centre as a distance from ``a``; above each opening a lintel closes the wall.
    """
    (ua, va), (ub, vb) = a, b
    along_u = abs(vb - va) < 1e-9
    length = abs(ub - ua) if along_u else abs(vb - va)
    sgn = np.sign((ub - ua) if along_u else (vb - va)) or 1.0
    cuts = sorted((max(at - w / 2.0, 0.0), min(at + w / 2.0, length), h) for at, w, h in openings)
    spans, lintels, s = [], [], 0.0
    for c0, c1, h in cuts:
        if c0 > s:
            spans.append((s, c0))
        lintels.append((c0, c1, h))
        s = max(s, c1)
    if s < length:
        spans.append((s, length))
    out = []

    def piece(s0: float, s1: float, z0: float, z1: float) -> None:
        m = (s0 + s1) / 2.0
        if along_u:
            out.append(((ua + sgn * m, va, (z0 + z1) / 2.0), (s1 - s0, thick_m, z1 - z0)))
        else:
            out.append(((ua, va + sgn * m, (z0 + z1) / 2.0), (thick_m, s1 - s0, z1 - z0)))

    for s0, s1 in spans:
        piece(s0, s1, z0_m, height_m)
    for c0, c1, h in lintels:
        if h < height_m:
            piece(c0, c1, h, height_m)
    return out


_Piece = tuple[tuple[float, float, float], tuple[float, float, float]]


def _soup(pieces: list[_Piece], rgb: tuple[int, int, int]) -> Soup:
    if not pieces:
        return Soup.empty()
    return boxes(np.array([p[0] for p in pieces]), np.array([p[1] for p in pieces]), rgb)


def build_shell(layout: Layout, parent: NodePath) -> tuple[NodePath, NodePath, NodePath]:
    """The building's walls, floors, ceilings, roof and doors under a node placed in the city.

    The node's origin is the middle of the ground floor (:data:`PLINTH_M` above the street).
    Returns the node, its exterior (facade skin, roof, canopy, steps: lit by the time of day) and its
    windows (the glass bands: lit from inside at night); the interior keeps its office light.
    """
    node = parent.attach_new_node("warroom-building")
    node.set_pos(layout.x, layout.y, PLINTH_M)
    node.set_h(layout.h_deg)
    w, d, H = layout.width_m / 2.0, layout.depth_m / 2.0, layout.height_m
    L, WR, FR, SR = layout.lobby, layout.wall_room, layout.fire_room, layout.server_room
    door = (DOOR_W_M, DOOR_H_M)
    # the outer walls: the front door in the middle of the front, glass strips in the lobby's facade
    outer = []
    z0, Hr = -PLINTH_M, H - PLINTH_M
    outer += _wall_pieces((-w, -d), (w, -d), Hr, [(w, *door)], z0_m=z0)
    outer += _wall_pieces((w, -d), (w, d), Hr, [], z0_m=z0)
    outer += _wall_pieces((w, d), (-w, d), Hr, [], z0_m=z0)
    outer += _wall_pieces((-w, d), (-w, -d), Hr, [], z0_m=z0)
    # the plinth under the door opening, and two steps up to it
    outer.append(((0.0, -d, z0 / 2), (DOOR_W_M, WALL_T_M, PLINTH_M)))
    # inner walls with their doorways
    inner = []
    su = WR.u1  # the side strip's wall
    inner += _wall_pieces((-w, L.v1), (su, L.v1), WALL_ROOM_H_M, [((su + w) / 2.0 - 3.0, *door)])
    inner += _wall_pieces((su, L.v1), (w, L.v1), FLOOR_H_M, [(FR.u1 - FR.u0 - 3.0, *door)])
    inner += _wall_pieces((su, L.v1), (su, d), WALL_ROOM_H_M, [((FR.v1 - FR.v0) / 2.0, *door)])
    inner += _wall_pieces((su, FR.v1), (w, FR.v1), FLOOR_H_M, [(layout.strip_w_m / 2.0, *door)])
    # floor over the whole block, ceilings over the single-storey rooms, the slab over the wall room, the roof
    t = WALL_T_M
    slabs_floor = [((0.0, 0.0, -PLINTH_M / 2 + 0.01), (2 * w, 2 * d, PLINTH_M + 0.02))]
    steps = [((0.0, -d - 0.45, -PLINTH_M * 2 / 3), (DOOR_W_M + 2.0, 0.6, PLINTH_M * 2 / 3)),
             ((0.0, -d - 1.05, -PLINTH_M * 5 / 6), (DOOR_W_M + 2.0, 0.6, PLINTH_M / 3))]
    ceil = [
        ((0.0, L.center[1], FLOOR_H_M + t / 2), (2 * w, L.v1 - L.v0, t)),
        ((FR.center[0], (FR.v0 + SR.v1) / 2.0, FLOOR_H_M + t / 2), (FR.u1 - FR.u0, SR.v1 - FR.v0, t)),
        ((WR.center[0], WR.center[1], WALL_ROOM_H_M + t / 2), (WR.u1 - WR.u0, WR.v1 - WR.v0, t)),
    ]
    roof = [((0.0, 0.0, Hr + t / 2), (2 * w + t, 2 * d + t, t))]
    # a canopy over the front door, so the entrance reads from the street
    canopy = [((0.0, -d - 1.5, DOOR_H_M + 0.5), (DOOR_W_M + 4.0, 3.0, 0.25))]
    # dark glass bands along the facades at each storey (windows read from outside)
    bands = []
    for z in np.arange(FLOOR_H_M + 1.2, Hr - 1.0, FLOOR_H_M):
        o = t / 2 + 0.03  # just proud of the facade skin
        bands.append(((0.0, -d - o, z + 0.9), (2 * w - 2.0, 0.06, 1.6)))
        bands.append(((0.0, d + o, z + 0.9), (2 * w - 2.0, 0.06, 1.6)))
        bands.append(((-w - o, 0.0, z + 0.9), (0.06, 2 * d - 2.0, 1.6)))
        bands.append(((w + o, 0.0, z + 0.9), (0.06, 2 * d - 2.0, 1.6)))
    # the facade skin: a thin layer just outside the outer walls (their outside), with the door opening
    o, sk, e = t / 2 + 0.007, 0.012, t / 2 + 0.02
    skin = []
    skin += _wall_pieces((-w - e, -d - o), (w + e, -d - o), Hr, [(w + e, *door)], z0_m=z0, thick_m=sk)
    skin += _wall_pieces((w + o, -d - e), (w + o, d + e), Hr, [], z0_m=z0, thick_m=sk)
    skin += _wall_pieces((w + e, d + o), (-w - e, d + o), Hr, [], z0_m=z0, thick_m=sk)
    skin += _wall_pieces((-w - o, d + e), (-w - o, -d - e), Hr, [], z0_m=z0, thick_m=sk)
    interior = Soup.concat([
        _soup(outer, FACADE_RGB),
        _soup(inner, INNER_RGB),
        boxes(np.array([p[0] for p in slabs_floor]), np.array([p[1] for p in slabs_floor]), FLOOR_RGB, lit=False),
        _soup(ceil, CEIL_RGB),
    ])
    exterior = Soup.concat([
        _soup(skin, FACADE_RGB),
        _soup(roof, ROOF_RGB),
        _soup(canopy, (60, 64, 72)),
        _soup(steps, (150, 148, 140)),
    ])
    node.attach_new_node(geom_node("warroom-interior", interior))
    ext = node.attach_new_node(geom_node("warroom-exterior", exterior))
    windows = node.attach_new_node(geom_node("warroom-windows", _soup(bands, GLASS_RGB)))
    return node, ext, windows
