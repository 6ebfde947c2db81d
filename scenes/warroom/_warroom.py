"""The War Room: the command-center building with its video wall, desks, incident board and server room.

:class:`WarRoom` is built with a :class:`scenes.CityScene` (``scene.warroom``). The root hands it
what the sim and the feeds say, through the scene: the sim's snapshot (``wall``, ``incidents``,
``racks``, ``staff_on_duty``: see ``sim.snapshot``) with :meth:`WarRoom.push`, the wall cameras'
frames with :meth:`WarRoom.submit_frames`; :meth:`WarRoom.update` uploads what changed once a
frame. The scene never asks the sim or the feeds for anything.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from panda3d.core import NodePath

import twin

from ..masks import DEPTH_MASK
from ._building import FLOOR_H_M, GLASS_RGB, PLINTH_M, WALL_ROOM_H_M, WALL_T_M, Layout, build_shell, layout_for
from ._furniture import Desks, Racks, desk_positions
from ._panels import Panel, board_rows, draw_board, draw_racks, rack_rows
from ._wall import VideoWall, WallSpec

#: Eye height of a standing visitor, m.
EYE_M = 1.7


@dataclass
class WarRoomStats:
    """What the War Room did in the last :meth:`WarRoom.update` and since it was built."""

    wall_uploads: int
    wall_tile_writes: int
    board_redraws: int
    rack_redraws: int
    update_ms: float


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


class _Obj:
    """A mapping read by attribute (the wall, board and racks take either)."""

    def __init__(self, d: Mapping[str, Any]):
        self.__dict__.update(d)


class WarRoom:
    """The command center's building and interior under ``parent``, in the city's frame.

    Args:
        city: the twin (its command center's place and footprint, its operators).
        parent: the scene's root.
        wall: the video wall's grid and pixels.
        desks: operator desks (default: the largest shift of the city's operators).
    """

    def __init__(self, city: twin.Twin, parent: NodePath, *, wall: WallSpec | None = None, desks: int | None = None):
        self.layout: Layout = layout_for(city)
        lay = self.layout
        self.root = parent.attach_new_node("warroom")
        # the projectors' depth maps need not see it (its floor covers the ground they paint)
        self.root.hide(DEPTH_MASK)
        self.building, self.exterior, self.windows = build_shell(lay, self.root)
        # what is inside the rooms: stashed while the viewer is outside (nothing of it can be seen there)
        self.contents = self.building.attach_new_node("warroom-contents")
        WR, FR, SR = lay.wall_room, lay.fire_room, lay.server_room
        # the video wall on the back wall of its room, facing the desks
        self.wall_spec = wall or WallSpec()
        aw, ah = self.wall_spec.atlas_px
        width_m = min(WR.u1 - WR.u0 - 3.0, 15.0, (WALL_ROOM_H_M - 1.6) * aw / ah)
        height_m = width_m * ah / aw
        self._wall_center = (WR.center[0], WR.v1 - WALL_T_M / 2 - 0.05, 1.1 + height_m / 2)
        self.wall = VideoWall(self.contents, self.wall_spec, width_m=width_m, center=self._wall_center)
        # desks in rows facing the wall, the first row 6 m before it
        ops = city.command_center.operators
        n_desks = int(desks if desks is not None else math.ceil(ops.count / max(ops.shifts, 1)))
        xy = desk_positions(n_desks, center_u=WR.center[0], front_v=WR.v1 - 6.0, row_w_m=WR.u1 - WR.u0 - 3.0)
        self.desks = Desks(self.contents, xy)
        # the incident board on the fire control room's outer wall, facing into the room
        board_w = min(FR.v1 - FR.v0 - 1.5, 5.0)
        self.board = Panel(self.contents, "incident-board", (1024, 576), width_m=board_w)
        self.board.node.set_pos(FR.u1 - WALL_T_M / 2 - 0.03, FR.center[1], 2.0)
        self.board.node.set_h(-90.0)
        # the server room: racks in a row facing its door, a status panel on the outer wall
        self.racks = Racks(self.contents, origin=(SR.center[0] - 0.5, SR.center[1] + 1.0), facing_v=-1.0)
        self.status = Panel(self.contents, "server-status", (768, 432), width_m=min(SR.v1 - SR.v0 - 1.5, 3.2))
        self.status.node.set_pos(SR.u1 - WALL_T_M / 2 - 0.03, SR.center[1], 2.0)
        self.status.node.set_h(-90.0)
        self.board.show(((), ""), lambda img: draw_board(img, (), ""))
        self.status.show((), lambda img: draw_racks(img, ()))
        self._approach_m = self._clear_approach_m(city)
        self.incidents: tuple[Any, ...] = ()
        self.rack_states: tuple[Any, ...] = ()
        self.last = WarRoomStats(0, 0, 0, 0, 0.0)

    # ---- what the root hands over --------------------------------------------------------------
    def push(self, snapshot: Any) -> None:
        """Read a sim snapshot's War Room parts (any it lacks keep their last state)."""
        wall = _get(snapshot, "wall")
        if wall is not None:
            self.set_wall(_Obj(wall) if isinstance(wall, Mapping) else wall)
        incidents = _get(snapshot, "incidents")
        if incidents is not None:
            self.set_incidents(incidents)
        racks = _get(snapshot, "racks")
        if racks:
            self.set_racks(racks)
        staff = _get(snapshot, "staff_on_duty")
        if staff is not None:
            self.desks.set_on_duty(int(staff))

    def set_wall(self, state: Any) -> list[int]:
        """The wall's cameras now (a ``WallState``); returns the tiles that changed camera."""
        return self.wall.set_state(state)

    def wall_cameras(self) -> list[str]:
        """The cameras on the wall now: the root hands their frames to :meth:`submit_frames`."""
        return self.wall.wanted()

    def submit_frames(self, frames: Mapping[str, Any], *, budget: int | None = None) -> int:
        """Frames of wall cameras by id (BGR, top row first, or ``(frame, seq)``); returns tiles written.

        ``budget``: at most this many tiles written in this call (round robin over calls).
        """
        return self.wall.submit(frames, budget=budget)

    def set_incidents(self, incidents: Any) -> bool:
        """The open incidents (``IncidentState``s or mappings); the board redraws if what it shows changed."""
        items = tuple(_Obj(i) if isinstance(i, Mapping) else i for i in incidents)
        self.incidents = items
        rows = board_rows(items)
        std = str(_get(items[0], "standard", "")) if items else ""
        return self.board.show((rows, std), lambda img: draw_board(img, rows, std))

    def set_racks(self, racks: Any) -> bool:
        """The recording servers' racks (``RackState``s or mappings); lights and panel redraw on change."""
        self.rack_states = tuple(racks)
        rows = rack_rows(self.rack_states)
        loads = [float(np.clip(_get(r, "load", 0.0), 0.0, 1.0)) for r in self.rack_states]
        a = self.racks.set_racks(rows, loads)
        b = self.status.show(rows, lambda img: draw_racks(img, rows))
        return a or b

    def set_daylight(self, light: Any, windows_lit: float = 0.0) -> tuple[float, float]:
        """Light the outside by the time of day; the inside keeps its office light.

        Args:
            light: the look's daylight (``sun_rgb``, ``sky_rgb``, ``night`` 0..1: ``scenes._sky.Daylight``).
            windows_lit: share of windows lit (0..1), shown warm on the glass at night.

        Returns:
            (exterior brightness 0..1, night 0..1) as applied.
        """
        sky = np.asarray(_get(light, "sky_rgb", (0.42, 0.45, 0.5)), dtype=float)
        sun = np.asarray(_get(light, "sun_rgb", (0.82, 0.8, 0.74)), dtype=float)
        night = float(np.clip(_get(light, "night", 0.0), 0.0, 1.0))
        # per channel: about 1 at noon (sky 0.46, sun 0.79 on average), the sky's bluish share alone at
        # dusk, never below 0.18 (the facade still reads against the night sky, as the city's do)
        rgb = np.clip(0.55 * sky / 0.46 + 0.45 * sun / 0.79, 0.18, 1.0)
        ext = float(rgb.mean())
        self.exterior.set_color_scale(*rgb, 1.0)
        base = np.array(GLASS_RGB, dtype=float) / 255.0
        warm = np.array((1.0, 0.86, 0.6)) * min(1.0, 0.25 + 1.2 * float(windows_lit))
        col = (1.0 - night) * base * rgb + night * warm
        self.windows.set_color_scale(*(col / base), 1.0)
        return ext, night

    def set_staff(self, on_duty: int) -> None:
        """Operators at their desks now."""
        self.desks.set_on_duty(on_duty)

    # ---- per frame -----------------------------------------------------------------------------
    def inside(self, eye: Any) -> bool:
        """Whether a point of the city frame is inside the building (where the wall can be seen)."""
        return self.room_at(float(eye[0]), float(eye[1]), float(eye[2])) is not None

    def update(self, eye: Any = None) -> WarRoomStats:
        """Upload the wall's atlas if any tile changed (once a frame at most).

        With the viewer's position ``eye`` (city frame) outside the building, nothing is uploaded and the
        rooms' contents (wall, desks, board, racks) are not drawn: they are behind closed walls; the
        changes wait for the viewer to come in.
        """
        t0 = time.perf_counter()
        inside = eye is None or self.inside(eye)
        if inside and self.contents.is_stashed():
            self.contents.unstash()
        elif not inside and not self.contents.is_stashed():
            self.contents.stash()
        up = self.wall.upload() if inside else False
        self.last = WarRoomStats(int(up), self.wall.tile_writes, self.board.redraws, self.racks.redraws,
                                 (time.perf_counter() - t0) * 1000.0)
        return self.last

    # ---- where to look -------------------------------------------------------------------------
    def viewpoints(self) -> dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]]:
        """Good views, name -> (eye, target) in the city's frame: entrance, video_wall, fire_control, server_room."""
        lay = self.layout
        d = lay.depth_m / 2.0
        WR, FR, SR = lay.wall_room, lay.fire_room, lay.server_room
        cu, cv, cz = self._wall_center
        # far enough back that the whole wall fits a 60-degree view, at most the room's depth
        dist = min(self.wall.width_m / 2.0 / math.tan(math.radians(30.0)) * 1.15, WR.v1 - WR.v0 - 1.0)
        rack_u, rack_v = self.racks.origin
        board_v = FR.center[1]
        return {
            "entrance": (lay.to_city(0.0, -d - self._approach_m, 6.0), lay.to_city(0.0, -d, 4.0)),
            "video_wall": (lay.to_city(cu, cv - dist, 3.0), lay.to_city(cu, cv, cz)),
            "fire_control": (lay.to_city(FR.u1 - 6.5, board_v - 2.5, EYE_M), lay.to_city(FR.u1, board_v, 2.0)),
            "server_room": (lay.to_city(rack_u - 2.5, SR.v0 + 0.8, EYE_M + 0.3),
                            lay.to_city(rack_u + 2.5, rack_v, 1.2)),
        }

    def _clear_approach_m(self, city: twin.Twin, longest_m: float = 34.0) -> float:
        """How far in front of the door the entrance view can stand with no other building in the way."""
        lay = self.layout
        d = lay.depth_m / 2.0
        if not city.buildings:
            return longest_m
        door = shapely.Point(lay.to_city(0.0, -d)[:2])
        others = np.array([fp for k, fp in enumerate(city.footprints) if k != lay.building_index], dtype=object)
        if not len(others):
            return longest_m
        near = others[shapely.dwithin(others, door, longest_m + 5.0)]
        for dist in np.arange(longest_m, 7.0, -3.0):
            eye = lay.to_city(0.0, -d - float(dist))[:2]
            sight = shapely.LineString([eye, (door.x, door.y)]).buffer(1.5)
            if not len(near) or not shapely.intersects(near, sight).any():
                return float(dist)
        return 8.0

    def room_at(self, x: float, y: float, z: float = EYE_M + PLINTH_M) -> str | None:
        """The room a point of the city frame is in (``lobby``, ``video_wall``, ``fire_control``, ``server_room``)."""
        lay = self.layout
        c, s = math.cos(lay.heading_rad), math.sin(lay.heading_rad)
        dx, dy, z = x - lay.x, y - lay.y, z - PLINTH_M
        u, v = c * dx + s * dy, -s * dx + c * dy
        for name, r, h in (("lobby", lay.lobby, FLOOR_H_M), ("video_wall", lay.wall_room, WALL_ROOM_H_M),
                           ("fire_control", lay.fire_room, FLOOR_H_M), ("server_room", lay.server_room, FLOOR_H_M)):
            if r.u0 <= u <= r.u1 and r.v0 <= v <= r.v1 and 0.0 <= z <= h:
                return name
        return None

    def stats(self) -> dict[str, Any]:
        """Figures: tiles, desks, operators shown, racks, uploads and redraws so far."""
        return {
            "tiles": self.wall_spec.tiles,
            "desks": len(self.desks.figures),
            "operators_shown": self.desks.shown(),
            "racks": len(self.racks.bodies),
            "wall_uploads": self.wall.uploads,
            "wall_tile_writes": self.wall.tile_writes,
            "board_redraws": self.board.redraws,
            "rack_redraws": self.racks.redraws,
        }

    def destroy(self) -> None:
        """Remove the building and release its textures."""
        self.wall.destroy()
        self.board.destroy()
        self.status.destroy()
        self.racks.destroy()
        self.root.remove_node()
