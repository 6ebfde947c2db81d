"""PTZ cameras turning on their guard tours: where each one points at a time, and its marker's head.

A PTZ camera with presets walks them in order, holding each for its ``dwell_s`` (as
:func:`scenes.render.ptz_preset_at` says); between two presets the head slews at
:data:`SLEW_DPS` along the shorter way round, so a visitor sees it turn. The projector (the video on
the street) jumps to the new preset when the slew starts; only the marker animates the slew.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from panda3d.core import NodePath

from twin import Camera

from ._mesh import boxes, geom_node
from .pose import camera_pose

#: Slew speed of a PTZ head between presets (degrees a second): a guard tour's moderate speed
#: (PTZ domes move at up to a few hundred deg/s; tours are set slower), an assumption to make turns visible.
SLEW_DPS = 40.0
#: Most projectors moved to a new preset in one frame (each re-renders a depth map): a fast clock
#: (600x) would otherwise re-render every PTZ's depth map every frame.
MOVES_PER_FRAME = 2


@dataclass(frozen=True)
class PtzAim:
    """Where a PTZ camera points at a moment: pan and tilt (degrees, as in :class:`twin.Camera`), its preset."""

    heading_deg: float
    tilt_deg: float
    preset: int


def ptz_aim_at(camera: Camera, t_s: float, *, slew_dps: float = SLEW_DPS) -> PtzAim | None:
    """The PTZ camera's aim at ``t_s`` on its guard tour (slewing into each preset), or None if it has no tour."""
    if camera.type != "ptz" or not camera.presets:
        return None
    dwell = np.array([p.dwell_s for p in camera.presets], dtype=float)
    u = float(t_s) % float(dwell.sum())
    k = int(np.searchsorted(np.cumsum(dwell), u, side="right"))
    k = min(k, len(dwell) - 1)
    into = u - float(dwell[:k].sum())
    cur, prev = camera.presets[k], camera.presets[k - 1]
    dh = (cur.heading_deg - prev.heading_deg + 180.0) % 360.0 - 180.0
    dt = cur.tilt_deg - prev.tilt_deg
    slew_s = max(abs(dh), abs(dt)) / slew_dps
    if len(camera.presets) == 1 or into >= slew_s:
        return PtzAim(cur.heading_deg, cur.tilt_deg, k)
    w = into / slew_s
    return PtzAim((prev.heading_deg + w * dh) % 360.0, prev.tilt_deg + w * dt, k)


class PtzHeads:
    """The marker heads of the PTZ cameras with tours: one node each, turned by :meth:`turn`."""

    BODY_M = (0.35, 0.7, 0.3)

    def __init__(self, parent: NodePath, cameras: Sequence[Camera], rgb: Sequence[tuple[int, int, int]]) -> None:
        self.root = parent.attach_new_node("ptz-heads")
        self.cameras = {c.id: c for c in cameras}
        self.heads: dict[str, NodePath] = {}
        self.presets: dict[str, int] = {}
        self._next = 0
        for cam, col in zip(cameras, rgb, strict=True):
            pose = camera_pose(cam)
            head = self.root.attach_new_node(f"ptz-{cam.id}")
            # the body sits in front of the pole along the view, as the fixed cameras' do
            head.attach_new_node(geom_node("ptz-body", boxes([[0.0, 0.3, 0.0]], self.BODY_M, col)))
            head.set_pos(*map(float, pose.position))
            head.set_hpr(*pose.hpr)
            self.heads[cam.id] = head

    def turn(self, t_s: float, *, budget: int = MOVES_PER_FRAME) -> list[tuple[str, Camera, PtzAim]]:
        """Turn every head to its aim at ``t_s``; returns the cameras that moved on to a new preset.

        At most ``budget`` of them a call (each costs its projector a depth map): the others are
        returned by the next calls, their video a frame or two late, their heads turning already.
        """
        changed = []
        ids = list(self.heads)
        # round robin: the cameras left waiting last call go first this one
        order = ids[self._next :] + ids[: self._next]
        self._next = (self._next + 1) % max(len(ids), 1)
        for cid in order:
            head = self.heads[cid]
            cam = self.cameras[cid]
            aim = ptz_aim_at(cam, t_s)
            if aim is None:
                continue
            pose = camera_pose(cam, heading_deg=aim.heading_deg, tilt_deg=aim.tilt_deg)
            head.set_hpr(*pose.hpr)
            if self.presets.get(cid) != aim.preset and len(changed) < budget:
                self.presets[cid] = aim.preset
                changed.append((cid, cam, aim))
        return changed
