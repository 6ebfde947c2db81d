"""Markers: camera poles and bodies at their real poses, view frustums, fire stations, the command center.

Markers never occlude projected video (they hide from the projectors' depth cameras) and each
group is one node, so an overlay toggle shows or hides it at once.
"""

from __future__ import annotations

__all__ = ["Markers", "build_markers", "STATUS_RGB"]

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from panda3d.core import NodePath

from twin import Camera, Twin, select_cameras

from ._mesh import Soup, boxes, geom_node, line_node
from ._ptz import PtzHeads
from .masks import DEPTH_MASK, VCCTV_MASK
from .pose import CameraPose, camera_pose

#: Camera body colours by status.
STATUS_RGB = {"existing": (40, 40, 46), "planned": (30, 110, 220), "candidate": (150, 150, 150)}
POLE_RGB = (120, 122, 128)
STATION_RGB = (200, 40, 36)
COMMAND_RGB = (36, 70, 150)
#: How far a drawn view frustum reaches (m): enough to read the direction, not a wall of lines.
FRUSTUM_M = 25.0


@dataclass
class Markers:
    """Marker groups under one root: ``cameras``, ``frustums``, ``stations``, ``command_center``."""

    root: NodePath
    cameras: NodePath
    frustums: NodePath
    stations: NodePath
    command_center: NodePath
    #: the PTZ cameras on guard tours: heads that turn (:meth:`scenes.CityScene.turn_ptz`)
    ptz: PtzHeads | None = None

    def destroy(self) -> None:
        """Detach every marker."""
        self.root.remove_node()


def _frustum_segments(poses: list[CameraPose]) -> np.ndarray:
    segs = []
    for pose in poses:
        th, tv = pose.tan_half
        corners = np.array([[-th, 1, -tv], [th, 1, -tv], [th, 1, tv], [-th, 1, tv]])
        corners = corners / np.linalg.norm(corners, axis=1, keepdims=True) * FRUSTUM_M
        w = corners @ pose.rotation.T + pose.position
        for k in range(4):
            segs.append([pose.position, w[k]])
            segs.append([w[k], w[(k + 1) % 4]])
    return np.array(segs, dtype=float).reshape(-1, 2, 3)


def build_markers(twin: Twin, parent: NodePath, *, cameras: Sequence[Camera] | None = None) -> Markers:
    """Poles, camera bodies and frustums for ``cameras`` (default the city's ``all``); stations; the command center."""
    root = parent.attach_new_node("markers")
    root.hide(DEPTH_MASK)
    cams = select_cameras(twin, "all" if cameras is None else cameras)
    poses = [camera_pose(c) for c in cams]
    soups: list[Soup] = []
    if cams:
        pos = np.array([c.position for c in cams], dtype=float)
        h = np.maximum(pos[:, 2], 0.5)
        pole_size = np.stack([np.full(len(h), 0.25), np.full(len(h), 0.25), h], 1)
        soups.append(boxes(np.stack([pos[:, 0], pos[:, 1], h / 2], 1), pole_size, POLE_RGB))
        rot = np.array([p.rotation for p in poses])
        body_c = pos + rot[:, :, 1] * 0.3  # the body sits in front of the pole, along the view
        rgb = np.array([STATUS_RGB.get(c.status, STATUS_RGB["existing"]) for c in cams], dtype=float)
        # a PTZ camera on a guard tour gets a head of its own that turns; the others are merged
        fixed = np.array([not (c.type == "ptz" and c.presets) for c in cams])
        soups.append(boxes(body_c[fixed], (0.35, 0.7, 0.3), rgb[fixed], rot[fixed]))
    cam_node = root.attach_new_node(geom_node("camera-bodies", Soup.concat(soups)))
    touring = [c for c in cams if c.type == "ptz" and c.presets]
    ptz = PtzHeads(cam_node, touring, [STATUS_RGB.get(c.status, STATUS_RGB["existing"]) for c in touring])
    fr = _frustum_segments(poses)
    frustums = root.attach_new_node(line_node("frustums", fr, (255, 210, 40, 255)) if len(fr) else "frustums")
    frustums.set_light_off()
    frustums.hide(VCCTV_MASK)
    frustums.stash()  # off until toggled on (stash, so the mask hides stay as they are)
    st = twin.fire_stations
    if st:
        xy = np.array([[s.x, s.y] for s in st], dtype=float)
        n = len(st)
        hall = boxes(np.c_[xy, np.full(n, 3.5)], (22.0, 16.0, 7.0), STATION_RGB)
        tower = boxes(np.c_[xy + [9.0, 6.0], np.full(n, 9.0)], (3.5, 3.5, 18.0), STATION_RGB)
        stations = root.attach_new_node(geom_node("fire-stations", Soup.concat([hall, tower])))
    else:
        stations = root.attach_new_node("fire-stations")
    cc = twin.command_center
    # a beacon mast over the command center, tall enough to find it from the air
    mast_h = 60.0
    beacon = Soup.concat(
        [
            boxes([[cc.x, cc.y, mast_h / 2]], (1.5, 1.5, mast_h), COMMAND_RGB),
            boxes([[cc.x, cc.y, mast_h + 3.0]], (6.0, 6.0, 6.0), (40, 200, 255), lit=False),
        ]
    )
    command = root.attach_new_node(geom_node("command-center", beacon))
    return Markers(root, cam_node, frustums, stations, command, ptz)


