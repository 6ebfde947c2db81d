"""The whole 3D twin as one object: city mesh, projectors, markers, overlays, sim entities, virtual CCTVs.

:class:`CityScene` is the API the showroom (window, VR, ``showroom render``) drives. It is built from
a :class:`twin.Twin` under any NodePath with any Panda3D graphics engine (:class:`scenes.Graphics`),
so it runs in a ShowBase window and headless alike. Each frame: hand over new feed frames
(:meth:`~CityScene.submit_frame`) and sim snapshots (:meth:`~CityScene.push_snapshot`,
:meth:`~CityScene.set_sim_time`), call :meth:`~CityScene.update` with the viewer's camera, render.
"""

from __future__ import annotations

__all__ = ["CityScene", "SceneSettings", "FrameStats", "OVERLAYS"]

import dataclasses
import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from panda3d.core import Lens, Mat4, NodePath, RenderState

import twin

from ._life import LifeView
from ._look import LOOKS, Look, LookSettings, lit_window_share
from ._planning import PlanningLayer
from ._vcctv_budget import MaskFor, VcctvBudget, VcctvSettings, VcctvStats
from .city import CityMesh, build_city
from .engine import Graphics
from .entities import SimEntities
from .markers import Markers, build_markers
from .overlays import KEYMAP, LEVEL_RGBA, coverage_overlay
from .projectors import ProjectorSet, ProjectorSettings, UploadStats
from .vcctv import VirtualCCTV
from .warroom import WarRoom

#: Overlay names and whether each is on when a scene is built.
OVERLAYS: dict[str, bool] = {"coverage": True, "frustums": False, "video": True, "markers": True, "entities": True}


@dataclass
class SceneSettings:
    """How a scene is built."""

    tile_m: float = 125.0
    projectors: ProjectorSettings = field(default_factory=ProjectorSettings)
    #: "living" (sun, shadows, sky, facades, trees, night: :meth:`CityScene.set_clock`) or "plain" (flat colours)
    look: str = "living"
    look_settings: LookSettings = field(default_factory=LookSettings)


@dataclass
class FrameStats:
    """What :meth:`CityScene.update` did this frame (the showroom's HUD shows it)."""

    uploads: UploadStats
    update_ms: float
    #: what the virtual CCTV budget did (None: no camera has virtual CCTV as its source)
    vcctv: VcctvStats | None = None


def _without(city: twin.Twin, index: int) -> twin.Twin:
    """The city less one building (the War Room's, drawn by :mod:`scenes.warroom`); the city itself if -1."""
    if index < 0:
        return city
    return dataclasses.replace(city, buildings=[b for k, b in enumerate(city.buildings) if k != index])


class CityScene:
    """A twin's city, its cameras' live video and its sim state, under ``parent``."""

    def __init__(
        self,
        city: twin.Twin,
        parent: NodePath,
        graphics: Graphics,
        *,
        settings: SceneSettings | None = None,
        cameras: Sequence[twin.Camera] | None = None,
    ) -> None:
        """Build the scene.

        Args:
            city: the twin.
            parent: the node the scene hangs under.
            graphics: the engine and window (or offscreen host) to render with.
            settings: tiles and projector settings.
            cameras: the cameras that project their feeds and get markers (a plan's included:
                :func:`twin.select_cameras`); default the city's ``all`` (existing and planned).
        """
        t0 = time.perf_counter()
        self.twin = city
        self.settings = settings or SceneSettings()
        if self.settings.look not in LOOKS:
            raise twin.TwinError(f"SceneSettings.look must be one of {', '.join(LOOKS)}, got {self.settings.look!r}")
        self.graphics = graphics
        self.cameras: list[twin.Camera] = twin.select_cameras(city, "all" if cameras is None else cameras)
        self.root = parent.attach_new_node(f"scene-{city.name}")
        # the command center is the War Room's building (scenes.warroom), not a block of the city mesh
        self.warroom = WarRoom(city, self.root)
        st = self.settings
        self.city: CityMesh = build_city(
            _without(city, self.warroom.layout.building_index),
            self.root,
            tile_m=st.tile_m,
            look=st.look,
            trees=st.look_settings.trees,
        )
        self.projectors = ProjectorSet(self.cameras, self.city, graphics, self.root, st.projectors, look=st.look)
        living = st.look == "living"
        self.look = Look(city, self.root, self.city, self.projectors, graphics, st.look_settings) if living else None
        if self.look is not None:  # the War Room's outside takes the look's starting hour too
            c = self.look.clock
            self.warroom.set_daylight(self.look.light, lit_window_share(c.hour + c.minute / 60.0))
        self.markers: Markers = build_markers(city, self.root, cameras=self.cameras)
        cc = city.command_center
        # the racks' load bars stand on the War Room's roof, read from the air (inside: the server room)
        self.entities = SimEntities(self.root, rack_origin=(cc.x, cc.y, self.warroom.layout.height_m + 1.0))
        self.life = LifeView(self.root, look=self.look)
        self._coverage_group = self.root.attach_new_node("coverage")
        self._overlay_on = dict(OVERLAYS)
        self._overlay_on["frustums"] = False
        self._vcctvs: list[VirtualCCTV] = []
        self._plan: PlanningLayer | None = None
        self.vcctv_source: VcctvBudget | None = None
        self.build_s = time.perf_counter() - t0

    # ---- feeds and sim ----------------------------------------------------------------------
    def submit_frame(self, camera_id: str, frame: np.ndarray, seq: object = None) -> None:
        """A camera's latest frame (BGR, top row first); uploaded at the next update if new and in view."""
        self.projectors.submit(camera_id, frame, seq)

    def submit_frames(self, frames: Mapping[str, np.ndarray]) -> None:
        """Several cameras' latest frames at once."""
        for cid, f in frames.items():
            self.projectors.submit(cid, f)

    def push_snapshot(self, snapshot: Any) -> None:
        """The sim's newest state snapshot (trucks, fires, racks; the War Room's wall, incidents, staff)."""
        self.entities.push(snapshot)
        self.warroom.push(snapshot)

    def push_life(self, state: Any) -> None:
        """Street life now (the sim's ``LifeState``, read as :class:`scenes.LifeLike`): vehicles and pedestrians."""
        self.life.push(state)

    def set_sim_time(self, t: float) -> None:
        """Place sim entities at sim time ``t`` (interpolated between the last two snapshots)."""
        self.entities.set_time(t)

    def set_ptz(self, camera_id: str, *, heading_deg: float, tilt_deg: float, hfov_deg: float | None = None) -> None:
        """Turn a PTZ camera; its depth map is re-rendered once at the next frame (virtual CCTVs follow)."""
        self.projectors.set_ptz(camera_id, heading_deg=heading_deg, tilt_deg=tilt_deg, hfov_deg=hfov_deg)
        pose = self.projectors.projectors[camera_id].pose
        for v in self._vcctvs:
            if v.camera.id == camera_id:
                v.set_pose(pose)

    def turn_ptz(self, t_s: float) -> None:
        """PTZ cameras on their guard tours at ``t_s``: marker heads slew, projectors move to each new preset."""
        if self.markers.ptz is None:
            return
        for cid, cam, aim in self.markers.ptz.turn(t_s):
            if cid in self.projectors.projectors:
                p = cam.presets[aim.preset]
                self.set_ptz(cid, heading_deg=p.heading_deg, tilt_deg=p.tilt_deg, hfov_deg=p.hfov_deg)

    def set_clock(self, when: dt.datetime) -> None:
        """The city's local time: sets the sun, the sky and the night lights (no effect on a plain look)."""
        if self.look is not None:
            self.look.set_clock(when)
            hour = when.hour + when.minute / 60.0 + when.second / 3600.0
            self.warroom.set_daylight(self.look.light, lit_window_share(hour))

    # ---- overlays ---------------------------------------------------------------------------
    def set_coverage(
        self,
        levels: np.ndarray,
        geotransform: Sequence[float],
        *,
        palette: Sequence[tuple[int, int, int, int]] = LEVEL_RGBA,
    ) -> None:
        """Drape a coverage raster (levels 0..L and its GDAL geotransform) on the ground; replaces any before."""
        self._clear_coverage()
        coverage_overlay(levels, geotransform, self._coverage_group, palette=palette)

    def _clear_coverage(self) -> None:
        for child in self._coverage_group.get_children():
            for tex in child.find_all_textures():
                tex.release_all()
            child.remove_node()

    def _overlay_node(self, name: str) -> NodePath | None:
        return {
            "coverage": self._coverage_group,
            "frustums": self.markers.frustums,
            "markers": self.markers.root,
            "entities": self.entities.root,
        }.get(name)

    def set_overlay(self, name: str, on: bool) -> None:
        """Show or hide an overlay: coverage, frustums, video, markers, entities."""
        if name not in OVERLAYS:
            raise twin.TwinError(f"unknown overlay {name!r}: choose one of {', '.join(OVERLAYS)}")
        on = bool(on)
        self._overlay_on[name] = on
        if name == "video":
            self.projectors.set_video(on)
            return
        node = self._overlay_node(name)
        if node is not None:
            # stash rather than hide: hide/show would undo the camera-mask hides (depth, CCTV) below
            if on and node.is_stashed():
                node.unstash()
            elif not on and not node.is_stashed():
                node.stash()

    def toggle_overlay(self, name: str) -> bool:
        """Flip an overlay; returns whether it is now on."""
        self.set_overlay(name, not self._overlay_on.get(name, False))
        return self._overlay_on[name]

    def overlay_on(self, name: str) -> bool:
        """Whether an overlay is shown."""
        return self._overlay_on[name]

    def handle_key(self, key: str) -> str | None:
        """Toggle the overlay bound to ``key`` (:data:`scenes.KEYMAP`); returns its name, or None."""
        name = KEYMAP.get(key)
        if name is not None:
            self.toggle_overlay(name)
        return name

    # ---- per frame --------------------------------------------------------------------------
    def use_virtual_cctv(
        self,
        camera_ids: Sequence[str] | None = None,
        *,
        settings: VcctvSettings | None = None,
        mask_for: MaskFor | None = None,
    ) -> VcctvBudget:
        """Make virtual CCTV (the twin filmed from the camera, within a budget) these cameras' picture.

        ``camera_ids``: default every projecting camera. ``mask_for(camera_id, w, h)`` gives a camera's
        privacy mask at a size (True: hidden); a camera with masks needs it. See :mod:`scenes._vcctv_budget`.
        """
        if self.vcctv_source is None:
            film = self.look.film if self.look is not None else None  # the city lit as the viewer sees it
            self.vcctv_source = VcctvBudget(
                self.projectors, self.graphics, self.root, settings=settings, mask_for=mask_for, film=film
            )
        self.vcctv_source.enable(list(self.projectors.projectors) if camera_ids is None else camera_ids)
        return self.vcctv_source

    def update(self, viewer: NodePath, lens: Lens, screen_px: tuple[int, int] = (1280, 720)) -> FrameStats:
        """Before rendering a frame seen through ``viewer`` with ``lens``: depth maps due, uploads, virtual CCTV.

        ``screen_px``: the viewer's image size (w, h), which sizes the virtual CCTV renders.
        """
        t0 = time.perf_counter()
        m = Mat4(viewer.get_mat(self.root))
        m.invert_in_place()
        m = m * lens.get_projection_mat()
        w2c = np.array(m, dtype=np.float64)  # Mat4's buffer, row-major like get_cell(row, col)
        pos = viewer.get_pos(self.root)
        eye = np.array([pos[0], pos[1], pos[2]])
        up = self.projectors.update(eye, w2c)
        if self.look is not None:
            self.look.update(viewer, lens)
        self.warroom.update(pos)
        vc = None if self.vcctv_source is None else self.vcctv_source.update(w2c, eye, screen_px)
        return FrameStats(uploads=up, update_ms=(time.perf_counter() - t0) * 1000.0, vcctv=vc)

    def virtual_cctv(
        self, camera_id: str, *, size: tuple[int, int] | None = None, with_video: bool = False
    ) -> VirtualCCTV:
        """An offscreen camera at this CCTV camera's pose and lens (destroyed with the scene)."""
        cam = self.camera(camera_id)
        v = VirtualCCTV(self.graphics, self.root, cam, size=size, with_video=with_video)
        if self.look is not None and not with_video:
            self.look.film(v.view.camera.node())
        p = self.projectors.projectors.get(camera_id)
        if p is not None:
            v.set_pose(p.pose)
        self._vcctvs.append(v)
        return v

    def plan_layer(self, levels: np.ndarray, geotransform: Sequence[float], **kw: Any) -> PlanningLayer:
        """The planning mode's layer (:class:`scenes.PlanningLayer`): plan cameras, footprints, DORI drape, inset.

        Its drape hangs in the coverage overlay and its cameras in the markers (their keys toggle
        them); a second call replaces the first.
        """
        if self._plan is not None:
            self._plan.destroy()
        self._plan = PlanningLayer(
            self.graphics, self.root, self._coverage_group, self.markers.root, levels, geotransform, **kw
        )
        return self._plan

    def camera(self, camera_id: str) -> twin.Camera:
        """The scene's camera with this id (a plan's too); KeyError if the scene has none such."""
        for c in self.cameras:
            if c.id == camera_id:
                return c
        raise KeyError(camera_id)

    # ---- figures and teardown -----------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Build figures: buildings, tiles, geoms, triangles, projecting cameras, build time."""
        return {
            "buildings": len(self.twin.buildings),
            "tiles": len(self.city.tiles),
            "geoms": self.city.n_geoms,
            "triangles": self.city.n_triangles,
            "cameras": len(self.cameras),
            "cameras_projecting": len(self.projectors),
            "cameras_fisheye": sum(p.pose.fisheye for p in self.projectors.projectors.values()),
            "tiles_over_camera_limit": self.projectors.truncated_tiles,
            "max_cameras_per_tile": max((len(v) for v in self.projectors.tile_cameras.values()), default=0),
            "city_build_s": round(self.city.build_s, 3),
            "scene_build_s": round(self.build_s, 3),
        }

    def destroy(self) -> None:
        """Close every buffer this scene opened and remove its nodes."""
        for v in self._vcctvs:
            v.destroy()
        self._vcctvs.clear()
        if self._plan is not None:
            self._plan.destroy()
            self._plan = None
        if self.vcctv_source is not None:
            self.vcctv_source.destroy()
            self.vcctv_source = None
        self._clear_coverage()
        self.projectors.destroy()
        self.warroom.destroy()
        self.entities.destroy()
        self.life.destroy()
        self.markers.destroy()
        if self.look is not None:
            self.look.destroy()
        self.city.destroy()
        self.root.remove_node()
        # drop cached render states that still name this scene's textures and shaders
        RenderState.garbage_collect()
