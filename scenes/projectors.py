"""Live CCTV video projected onto the city: per-camera depth maps, per-tile camera lists, one shader pass.

Each camera is a projector: its latest frame is a 2D texture (Panda3D 1.10 cannot update one layer
of a texture array), its depth map is rendered once for the static city and again only when a PTZ
camera moves. Each city tile binds a bounded list of the cameras that can paint it, chosen by pixel
density, and one fragment shader blends them; a frame costs one pass over the city however many
cameras there are. New frames are uploaded only for cameras whose footprint is in view, nearest
first, up to a per-frame budget; the rest keep their last still frame.
"""

from __future__ import annotations

__all__ = ["Projector", "ProjectorSet", "ProjectorSettings", "UploadStats", "projector_shader"]

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

import cv2
import numpy as np
import shapely
from panda3d.core import (
    Camera,
    GraphicsOutput,
    LColor,
    LVecBase4f,
    Mat4,
    NodePath,
    PerspectiveLens,
    PTA_LMatrix4f,
    PTA_LVecBase4f,
    SamplerState,
    Shader,
    Texture,
)

import twin
from twin import optics

from .city import CityMesh
from .engine import Graphics
from .masks import DEPTH_MASK
from .pose import CameraPose, camera_pose, footprint, render_pose

_NO_OCCLUDER_M = 1.0e9


@dataclass
class ProjectorSettings:
    """How projection trades quality for speed. Every field is a setting a user may change."""

    #: most cameras one tile blends (the shader's slot count)
    max_per_tile: int = 8
    #: depth map width in pixels (height follows the lens)
    depth_px: int = 512
    #: video texture width in pixels (frames are resized to it; height follows the camera's aspect)
    video_px: int = 320
    #: most frames uploaded per rendered frame; past it, the cameras furthest from view keep their still
    upload_budget: int = 32
    #: and at most this long spent uploading per frame (ms; None: no time limit), checked after each upload
    upload_budget_ms: float | None = None
    #: the projection ends where a camera's pixel density falls below this (px/m); the default is
    #: the lowest DORI level of EN 62676-4 (Monitor, 12.5 px/m): past it the picture tells nothing
    min_ppm: float = 12.5
    #: and never reaches further than this (m)
    max_range_m: float = 300.0
    #: how much the video covers the surface colour where it is sharpest (0..1)
    opacity: float = 0.95
    #: absolute occlusion tolerance (m) added to the slope-scaled one
    occlusion_tolerance_m: float = 0.25
    #: width of the soft edge at the image border, in texture uv
    edge_fade: float = 0.02


@dataclass
class UploadStats:
    """What one :meth:`ProjectorSet.update` did."""

    visible: int = 0
    #: the cameras in view, nearest first (feeds can pause the others or drop them to a thumbnail stream)
    visible_ids: list[str] = field(default_factory=list)
    #: per camera in view, how high its footprint (as a box up to the tallest roof) stands on screen,
    #: as a fraction of the screen height (1: the whole height or more, or the viewer inside it); a
    #: feed consumer turns it into a decode level (a far, small picture needs key frames only)
    screen_frac: dict[str, float] = field(default_factory=dict)
    uploaded: list[str] = field(default_factory=list)
    deferred: int = 0
    depth_renders: int = 0
    upload_ms: float = 0.0


def _mat4(m: np.ndarray) -> Mat4:
    """A column-vector numpy matrix as Panda3D's row-vector Mat4 (GLSL then computes ``M * v`` alike)."""
    return Mat4(*np.asarray(m, dtype=float).T.ravel())


def _shader_source(name: str) -> str:
    return resources.files("scenes").joinpath("shaders", name).read_text(encoding="utf-8")


def projector_shader(slots: int, look: str = "plain") -> Shader:
    """The projector shader for exactly ``slots`` cameras (0 draws the city's own colours).

    ``look`` picks how the city itself is shaded under the video: ``"plain"`` (its vertex
    colours) or ``"living"`` (sun, shadows, facades, night: :mod:`scenes._look`).

    One variant per camera count, chosen per tile: a software rasteriser pays for every slot a
    shader declares, used or not, so a tile with two cameras must not run an eight-slot loop.
    """
    vdecls, vcalls, decls, calls = [], [], [], []
    for i in range(slots):
        vdecls.append(f"uniform mat4 view{i};\nout vec3 v_cam{i};")
        vcalls.append(f"    v_cam{i} = (view{i} * world).xyz;")
        decls.append(
            f"in vec3 v_cam{i};\nuniform vec4 pos{i};\nuniform vec4 lens{i};\nuniform vec4 dist{i};\n"
            f"uniform vec4 rect{i};\nuniform sampler2D vid{i};\nuniform sampler2D dep{i};"
        )
        calls.append(f"    paint(v_cam{i}, pos{i}, lens{i}, dist{i}, rect{i}, vid{i}, dep{i}, n, acc, wsum, cover);")
    vert = (
        _shader_source("projector.vert")
        .replace("@SLOT_VERTEX_DECLARATIONS@", "\n".join(vdecls))
        .replace("@SLOT_VERTEX_CALLS@", "\n".join(vcalls))
    )
    frag = (
        _shader_source("projector.frag")
        .replace("@SLOT_DECLARATIONS@", "\n".join(decls))
        .replace("@SLOT_CALLS@", "\n".join(calls))
        .replace("@LOOK@", _shader_source(f"look_{look}.glsl"))
    )
    return Shader.make(Shader.SL_GLSL, vert, frag)


def depth_shader() -> Shader:
    """The depth pass shader (linear distance from the lens)."""
    return Shader.make(Shader.SL_GLSL, _shader_source("depth.vert"), _shader_source("depth.frag"))


def range_m(pose: CameraPose, settings: ProjectorSettings) -> float:
    """How far a pose's picture is worth painting: where its pixel density falls to ``min_ppm`` (:mod:`twin.optics`)."""
    return float(min(pose.optics.range_m(settings.min_ppm), settings.max_range_m))


class Projector:
    """One camera as a projector: pose uniforms, video texture, depth buffer."""

    def __init__(self, cam: twin.Camera, graphics: Graphics, scene: NodePath, settings: ProjectorSettings, depth_state):
        self.camera = cam
        self.id = cam.id
        self.ptz = cam.type == "ptz"
        self.pose: CameraPose = camera_pose(cam)
        # a PTZ may turn to its home pose or any preset: it paints as far as the furthest-reaching one
        poses = [self.pose] + ([render_pose(p) for p in optics.camera_poses(cam)] if self.ptz else [])
        self.range_m = max(range_m(p, settings) for p in poses)
        self.settings = settings
        self.view = PTA_LMatrix4f([Mat4.ident_mat()])
        self.pos = PTA_LVecBase4f([LVecBase4f(0, 0, 0, 0)])
        self.lens = PTA_LVecBase4f([LVecBase4f(1, 1, 1, 1)])
        self.dist = PTA_LVecBase4f([LVecBase4f(0, 0, 1, 0)])
        #: where the picture lies in the bound texture: xy scale, zw offset (a tile of a virtual CCTV atlas)
        self.rect = PTA_LVecBase4f([LVecBase4f(1, 1, 0, 0)])
        vw = int(settings.video_px)
        vh = max(2, int(round(vw * cam.height_px / cam.width_px)))
        self.video = Texture(f"video-{cam.id}")
        self.video.setup_2d_texture(vw, vh, Texture.T_unsigned_byte, Texture.F_rgb8)
        self.video.set_wrap_u(SamplerState.WM_clamp)
        self.video.set_wrap_v(SamplerState.WM_clamp)
        self.video.set_minfilter(SamplerState.FT_linear)
        self.video.set_magfilter(SamplerState.FT_linear)
        self.video.set_ram_image(np.full((vh, vw, 3), 64, dtype=np.uint8).tobytes())
        self.video_size = (vw, vh)
        #: the texture the tiles sample: ``video`` (uploaded frames) or a virtual CCTV render
        #: (:meth:`ProjectorSet.set_video_texture`)
        self.bound_video = self.video
        self.frames_uploaded = 0
        self.pending: np.ndarray | None = None
        self.pending_seq: object = None
        self.shown_seq: object = None
        self.depth_renders = 0
        self._depth_active = False
        self.dirty = True
        self.graphics = graphics
        dw = int(settings.depth_px)
        dh = max(16, int(round(dw * self.pose.depth_tan_half[1] / self.pose.depth_tan_half[0])))
        self.depth_size = (dw, dh)
        self.depth_buffer = graphics.make_buffer(f"depth-{cam.id}", dw, dh, sort=-20, float_color=True)
        self.depth_buffer.set_clear_color(LColor(_NO_OCCLUDER_M, 0, 0, 0))
        self.depth = Texture(f"depth-{cam.id}")
        self.depth_buffer.add_render_texture(self.depth, GraphicsOutput.RTM_bind_or_copy, GraphicsOutput.RTP_color)
        self.depth.set_wrap_u(SamplerState.WM_border_color)
        self.depth.set_wrap_v(SamplerState.WM_border_color)
        self.depth.set_border_color(LColor(_NO_OCCLUDER_M, 0, 0, 0))
        self.depth.set_minfilter(SamplerState.FT_nearest)
        self.depth.set_magfilter(SamplerState.FT_nearest)
        self.depth_lens = PerspectiveLens()
        cam_node = Camera(f"depth-cam-{cam.id}", self.depth_lens)
        cam_node.set_camera_mask(DEPTH_MASK)
        cam_node.set_initial_state(depth_state)
        self.depth_camera = scene.attach_new_node(cam_node)
        self.region = self.depth_buffer.make_display_region()
        self.region.set_camera(self.depth_camera)
        self.set_pose(self.pose)

    # ---- pose ------------------------------------------------------------------------------
    def set_pose(self, pose: CameraPose) -> None:
        """Move the projector (uniforms, depth camera) and mark its depth map for one re-render."""
        self.pose = pose
        self.view.set_element(0, _mat4(pose.world_to_camera()))
        self.pos.set_element(0, LVecBase4f(*pose.position, self.range_m))
        th, tv = pose.tan_half
        dth, dtv = pose.depth_tan_half
        if pose.fisheye:
            # a negative first lens term tells the shader to use the equidistant fisheye model
            cu, cv = pose.circle_uv
            th, tv = -2.0 * cu, 2.0 * cv
        self.lens.set_element(0, LVecBase4f(th, tv, dth, dtv))
        alpha = self.dist[0][3]
        self.dist.set_element(0, LVecBase4f(pose.k1, pose.k2, pose.focal_px, alpha))
        self.depth_lens.set_fov(math.degrees(2 * math.atan(dth)), math.degrees(2 * math.atan(dtv)))
        self.depth_lens.set_near_far(0.2, self.range_m * 1.05)
        self.depth_camera.set_pos(*pose.position)
        self.depth_camera.set_hpr(*pose.hpr)
        self.dirty = True

    def footprint(self) -> shapely.Geometry:
        """Where on the ground plan this projector can paint (a PTZ: anywhere within its range)."""
        if self.ptz:
            return shapely.Point(self.pose.position[:2]).buffer(self.range_m, quad_segs=16)
        return footprint(self.pose, self.range_m)

    # ---- frames ----------------------------------------------------------------------------
    def upload(self, frame: np.ndarray) -> None:
        """Write a BGR frame (top row first) into the video texture, in place."""
        vw, vh = self.video_size
        if frame.shape[1] != vw or frame.shape[0] != vh:
            frame = cv2.resize(frame, (vw, vh), interpolation=cv2.INTER_AREA)
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        dst = np.frombuffer(memoryview(self.video.modify_ram_image()), dtype=np.uint8).reshape(vh, vw, 3)
        # Panda keeps rows bottom-up and channels BGR, as OpenCV's BGR, so only a vertical flip
        dst[:] = frame[::-1, :, :3]
        if self.dist[0][3] == 0.0:
            self.set_opacity(self.settings.opacity)
        self.frames_uploaded += 1

    def set_opacity(self, alpha: float) -> None:
        """How much the picture covers the surface (0: none yet; negative: a render sampled at the depth map's uv)."""
        d = self.dist[0]
        self.dist.set_element(0, LVecBase4f(d[0], d[1], d[2], float(alpha)))

    # ---- depth map scheduling ---------------------------------------------------------------
    def begin_frame(self) -> int:
        """Switch the depth buffer on for this frame if the pose changed; off once it has drawn."""
        if self._depth_active:
            self.depth_buffer.set_active(False)
            self._depth_active = False
        if self.dirty:
            self.depth_buffer.set_active(True)
            self._depth_active = True
            self.dirty = False
            self.depth_renders += 1
            return 1
        return 0

    def destroy(self) -> None:
        """Close the depth buffer and drop the camera and textures."""
        self.region.set_camera(NodePath())
        self.depth_buffer.clear_render_textures()
        self.graphics.remove(self.depth_buffer)
        self.depth_camera.remove_node()
        # release the GPU copies now: cached render states may hold the Texture objects a while longer
        self.video.release_all()
        self.depth.release_all()
        self.video.clear_ram_image()


class ProjectorSet:
    """Every camera's projector over one city mesh, bound into the tiles' shader inputs."""

    def __init__(
        self,
        cameras: Iterable[twin.Camera],
        city: CityMesh,
        graphics: Graphics,
        scene: NodePath,
        settings: ProjectorSettings | None = None,
        *,
        look: str = "plain",
    ) -> None:
        self.settings = settings or ProjectorSettings()
        self.look = look
        self.city = city
        self.graphics = graphics
        state_np = NodePath("depth-state")
        state_np.set_shader(depth_shader(), 1000)
        depth_state = state_np.get_state()
        self.projectors: dict[str, Projector] = {}
        for cam in cameras:
            self.projectors[cam.id] = Projector(cam, graphics, scene, self.settings, depth_state)
        self._order = list(self.projectors.values())
        self.video_on = True
        self._boxes: tuple[np.ndarray, np.ndarray] | None = None
        self._bind()

    # ---- binding cameras to tiles ------------------------------------------------------------
    def _bind(self) -> None:
        s = self.settings
        root = self.city.root
        self._shaders = [projector_shader(k, self.look) for k in range(s.max_per_tile + 1)]
        root.set_shader(self._shaders[0])
        # x: 1 / depth map width; the shader scales it by each depth lens's tan(half fov) to a texel's angle
        root.set_shader_input("proj_params", LVecBase4f(1.0 / s.depth_px, s.occlusion_tolerance_m, s.edge_fade, 0.0))
        root.set_shader_input("video_on", 1.0)
        root.set_shader_input("inspect_video", 0.0)  # scenes._inspect turns it on for its pass
        self.tile_cameras: dict[tuple[int, int], list[str]] = {}
        self.truncated_tiles = 0
        if not self._order or not self.city.tiles:
            return
        boxes = np.array([t.box for t in self.city.tiles], dtype=object)
        prints = np.array([p.footprint() for p in self._order], dtype=object)
        tree = shapely.STRtree(boxes)
        pi, ti = tree.query(prints, predicate="intersects")
        cam_xy = np.array([p.pose.position[:2] for p in self._order])
        focal = np.array([p.pose.focal_px for p in self._order])
        d = shapely.distance(shapely.points(cam_xy[pi]), boxes[ti])
        score = optics.pixel_density_ppm(focal[pi], np.maximum(d, 1.0))  # px/m at the tile's nearest point
        order = np.lexsort((-score, ti))
        pi, ti = pi[order], ti[order]
        starts = np.searchsorted(ti, np.arange(len(boxes) + 1))
        for k, tile in enumerate(self.city.tiles):
            chosen = pi[starts[k] : starts[k + 1]]
            if len(chosen) > s.max_per_tile:
                self.truncated_tiles += 1
                chosen = chosen[: s.max_per_tile]
            if len(chosen) == 0:
                continue
            node = tile.node
            node.set_shader(self._shaders[len(chosen)])
            for slot, j in enumerate(chosen):
                p = self._order[j]
                node.set_shader_input(f"view{slot}", p.view)
                node.set_shader_input(f"pos{slot}", p.pos)
                node.set_shader_input(f"lens{slot}", p.lens)
                node.set_shader_input(f"dist{slot}", p.dist)
                node.set_shader_input(f"rect{slot}", p.rect)
                node.set_shader_input(f"vid{slot}", p.bound_video)
                node.set_shader_input(f"dep{slot}", p.depth)
            self.tile_cameras[(tile.ix, tile.iy)] = [self._order[j].id for j in chosen]

    # ---- API ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.projectors)

    def submit(self, camera_id: str, frame: np.ndarray, seq: object = None) -> None:
        """Hand over a camera's latest frame (BGR, top row first). Uploaded later, if new and seen.

        ``seq`` (a frame number or timestamp) tells a repeat from a new frame; without it every
        submitted array counts as new unless it is the very same object as the last one.
        """
        p = self.projectors.get(camera_id)
        if p is None:
            return
        key = id(frame) if seq is None else seq
        if key == p.shown_seq or key == p.pending_seq:
            return
        p.pending, p.pending_seq = frame, key

    def set_video_texture(
        self, camera_id: str, texture: Texture | None, rect: tuple[float, float, float, float] = (1.0, 1.0, 0.0, 0.0)
    ) -> None:
        """Project ``texture`` for a camera instead of its uploaded frames (None: back to the uploads).

        ``texture`` holds a render of the twin from the camera's pose at its depth lens's pinhole field
        (rows bottom-up, as a render texture is) in ``rect`` (uv scale x, y and offset x, y: a tile of
        an atlas): the shader samples it where it samples the depth map, so no distortion is applied
        twice, and the real image's edges still bound it. It shows once the renderer calls
        ``set_opacity(-opacity)`` on the projector (after its first render).
        """
        p = self.projectors[camera_id]
        p.rect.set_element(0, LVecBase4f(*(rect if texture is not None else (1.0, 1.0, 0.0, 0.0))))
        if (p.video if texture is None else texture) is p.bound_video:
            return
        p.bound_video = p.video if texture is None else texture
        p.set_opacity((self.settings.opacity if p.frames_uploaded else 0.0) if texture is None else 0.0)
        nodes = {(t.ix, t.iy): t.node for t in self.city.tiles}
        for key, ids in self.tile_cameras.items():
            if camera_id in ids:
                nodes[key].set_shader_input(f"vid{ids.index(camera_id)}", p.bound_video)

    def set_video(self, on: bool) -> None:
        """Show or hide the projected video (the city keeps its own colours)."""
        self.video_on = bool(on)
        self.city.root.set_shader_input("video_on", 1.0 if on else 0.0)

    def set_ptz(self, camera_id: str, *, heading_deg: float, tilt_deg: float, hfov_deg: float | None = None) -> None:
        """Turn a PTZ camera: its footprint moves and its depth map is re-rendered once."""
        p = self.projectors[camera_id]
        if not p.ptz:
            raise twin.TwinError(f"camera {camera_id!r} is {p.camera.type}, not ptz: it cannot turn")
        p.set_pose(camera_pose(p.camera, heading_deg=heading_deg, tilt_deg=tilt_deg, hfov_deg=hfov_deg))

    def visible(self, world_to_clip: np.ndarray) -> np.ndarray:
        """Which projectors' footprints (as boxes up to the tallest building) a viewer's frustum meets.

        ``world_to_clip`` is the viewer's 4x4 matrix in Panda3D's row-vector convention.
        """
        if not self._order:
            return np.zeros(0, dtype=bool)
        return self._in_frustum(self._footprint_boxes()[1] @ world_to_clip)

    @staticmethod
    def _in_frustum(clip: np.ndarray) -> np.ndarray:
        """Which boxes, given by their corners in clip space (n, 8, 4), the frustum meets."""
        w = clip[..., 3:4]
        outside = np.concatenate([clip[..., :3] < -w, clip[..., :3] > w], axis=2)  # (n, 8, 6)
        return ~np.any(np.all(outside, axis=1), axis=1)

    def _footprint_boxes(self) -> tuple[np.ndarray, np.ndarray]:
        """Per projector, once: its footprint box's centre (n, 2) and corners up to the tallest roof (n, 8, 4).

        Neither moves: a fixed camera's footprint is fixed, a PTZ's circle does not move when it turns.
        """
        if self._boxes is None:
            b = np.array([p.footprint().bounds for p in self._order], dtype=float)
            h = max(self.city.max_height_m, 1.0)
            xs = np.stack([b[:, 0], b[:, 2]], 1)
            ys = np.stack([b[:, 1], b[:, 3]], 1)
            corners = np.stack(
                [
                    np.stack([xs[:, i], ys[:, j], np.full(len(b), z), np.ones(len(b))], 1)
                    for i in (0, 1)
                    for j in (0, 1)
                    for z in (0.0, h)
                ],
                1,
            )
            centre = np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2], 1)
            self._boxes = (centre, corners)
        return self._boxes

    def update(self, viewer_pos: np.ndarray, world_to_clip: np.ndarray) -> UploadStats:
        """Once per frame, before rendering: schedule depth maps, upload new frames of cameras in view.

        Cameras in view with a new frame are uploaded nearest first (distance from the viewer to
        the footprint's centre) up to ``upload_budget``; the rest keep their last still frame.
        """
        st = UploadStats()
        for p in self._order:
            st.depth_renders += p.begin_frame()
        if not self._order:
            return st
        clip = self._footprint_boxes()[1] @ world_to_clip  # (n, 8, 4): once a frame, for the test and the heights
        vis = self._in_frustum(clip)
        st.visible = int(vis.sum())
        centre = self._footprint_boxes()[0]
        dist = np.hypot(centre[:, 0] - viewer_pos[0], centre[:, 1] - viewer_pos[1])
        near_first = np.argsort(dist, kind="stable")
        seen = near_first[vis[near_first]]
        st.visible_ids = [self._order[j].id for j in seen]
        if len(seen):
            cs = clip[seen]  # (k, 8, 4)
            w = cs[..., 3]
            behind = np.any(w <= 1e-6, axis=1)  # a corner behind the eye: the viewer is at or in the footprint
            y = np.clip(cs[..., 1] / np.where(w > 1e-6, w, 1.0), -1.0, 1.0)
            frac = np.where(behind, 1.0, (y.max(axis=1) - y.min(axis=1)) / 2.0)
            st.screen_frac = {self._order[j].id: float(f) for j, f in zip(seen, frac, strict=True)}
        pending = np.array([p.pending is not None for p in self._order])
        idx = seen[pending[seen]]
        t0 = time.perf_counter()
        limit_ms = self.settings.upload_budget_ms
        for j in idx[: self.settings.upload_budget]:
            if limit_ms is not None and st.uploaded and (time.perf_counter() - t0) * 1000.0 >= limit_ms:
                break
            p = self._order[j]
            p.upload(p.pending)
            p.shown_seq, p.pending, p.pending_seq = p.pending_seq, None, None
            st.uploaded.append(p.id)
        st.deferred = len(idx) - len(st.uploaded)
        st.upload_ms = (time.perf_counter() - t0) * 1000.0
        return st

    def destroy(self) -> None:
        """Close every depth buffer and unbind the tiles."""
        for p in self._order:
            p.destroy()
        self.projectors.clear()
        self._order.clear()
        self.city.root.clear_shader()
        for t in self.city.tiles:
            t.node.clear_shader()
            for i in range(self.settings.max_per_tile):
                for name in ("view", "pos", "lens", "dist", "rect", "vid", "dep"):
                    t.node.clear_shader_input(f"{name}{i}")
