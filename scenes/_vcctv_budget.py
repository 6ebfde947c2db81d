"""Virtual CCTV as the projectors' picture: the twin filmed from each camera, only where and as big as it is seen.

Each camera whose source is virtual CCTV gets the twin rendered from its pose and lens (traffic,
people, fires, trucks: everything under the scene root that :data:`VCCTV_MASK` shows, never the
projected video: the virtual camera draws the city with the plain shader, so a camera's picture
cannot film itself). Per frame, :meth:`VcctvBudget.update`:

- keeps only the cameras whose footprint (as a box up to the tallest roof) is in the viewer's frustum;
- sizes each render by how wide that box stands on screen: the smallest of ``widths_px`` at least
  as wide (a far camera's picture covering 40 pixels is rendered 64 wide, not 640);
- sets its refresh rate by the same width (``max_fps`` from ``full_rate_px`` on screen, less below);
- renders the due cameras stalest first (round-robin) until ``max_renders`` renders or
  ``max_megapixels`` are spent; the rest keep their last picture and come first next frame.

Renders share offscreen buffers: a pool per render size, at most ``max_renders`` buffers each,
re-aimed at a different camera every frame, instead of one buffer per camera.

Two ways to the projector (``mode``):

- ``texture`` (default): the buffer's image is copied on the GPU into the camera's own texture,
  which the projector shader samples where it samples the depth map (the render is a pinhole at
  the depth lens's field, so lens distortion is neither applied twice nor computed on the CPU). The
  privacy mask is a black overlay drawn into the same buffer over the render, in the render's
  coordinates (the mask polygons' image, mapped through the camera model).
- ``readback``: the image is read back to numpy the frame after, bent into the lens's distorted
  image with ``cv2.remap``, masked, and uploaded like a feed frame. It is the path a synthetic feed
  needs (frames as numpy), and the baseline ``bench/bench_vcctv.py`` measures the texture path against.

Privacy fails closed: a camera with privacy masks cannot be made a virtual CCTV source without
``mask_for`` (the root passes :class:`feeds.PrivacyMask`'s rasteriser; ``scenes`` never imports ``feeds``).
"""

from __future__ import annotations

__all__ = ["MaskFor", "VcctvBudget", "VcctvSettings", "VcctvStats"]

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np
from panda3d.core import Camera, NodePath, SamplerState, Texture

import twin

from ._vcctv_pool import Atlas, ReadbackSlot, aim_lens
from .engine import Graphics
from .pose import CameraPose
from .projectors import ProjectorSet
from .vcctv import distortion_maps, is_distorted, plain_state, source_size

#: ``mask_for(camera_id, width, height)``: True where the camera's image (at that size) is hidden, or None.
MaskFor = Callable[[str, int, int], "np.ndarray | None"]

MODES = ("texture", "readback")


@dataclass
class VcctvSettings:
    """How much virtual CCTV a frame may cost. Every field is a setting a user may change."""

    #: most virtual CCTV renders per frame
    max_renders: int = 4
    #: and at most this many megapixels rendered per frame (one render always goes, however large)
    max_megapixels: float = 0.25
    #: render widths (px); a camera gets the smallest at least as wide as its footprint on screen
    widths_px: tuple[int, ...] = (64, 128, 256, 512)
    #: refresh rate of a picture at least ``full_rate_px`` wide on screen (None: every frame it can)
    max_fps: float | None = 12.0
    full_rate_px: float = 256.0
    #: the rate never falls below this for a camera in view
    min_fps: float = 1.0
    #: ``texture`` (GPU copy into the projector's texture) or ``readback`` (numpy, remap, upload)
    mode: str = "texture"
    #: the render's far plane: the projection range times this (what lies further is never painted)
    far_factor: float = 1.25
    #: texture mode: also film every camera in view that has no picture yet, at the smallest width, past
    #: the budget (an offline render after a cut: the new view is complete in its first frame)
    fill_unseen: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise twin.TwinError(f"virtual CCTV mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.max_renders < 1 or self.max_megapixels <= 0:
            raise twin.TwinError(
                f"virtual CCTV budget must allow a render: max_renders >= 1 and max_megapixels > 0, "
                f"got {self.max_renders} and {self.max_megapixels:g}"
            )
        if not self.widths_px or min(self.widths_px) < 8:
            raise twin.TwinError(f"virtual CCTV widths_px must be at least 8 px each, got {self.widths_px}")


@dataclass
class VcctvStats:
    """What one :meth:`VcctvBudget.update` did."""

    #: cameras with virtual CCTV as their source whose footprint is in view
    in_view: int = 0
    #: of those, how many were due (their rate says a new picture is wanted)
    due: int = 0
    #: the cameras rendered this frame, in the order chosen
    rendered: list[str] = field(default_factory=list)
    #: their render sizes (w, h)
    sizes: list[tuple[int, int]] = field(default_factory=list)
    #: pixels rendered this frame
    pixels: int = 0
    #: due cameras left for a later frame by the budget
    deferred: int = 0
    #: of the rendered, those filmed past the budget for a first picture (``fill_unseen``)
    filled: int = 0
    #: readback mode: frames read back, bent, masked and uploaded this frame
    uploaded: int = 0
    #: time spent scheduling and (readback) reading back, ms
    cpu_ms: float = 0.0


class VcctvBudget:
    """Virtual CCTV pictures for a :class:`ProjectorSet`'s cameras, within a per-frame budget."""

    def __init__(
        self,
        projectors: ProjectorSet,
        graphics: Graphics,
        scene: NodePath,
        *,
        settings: VcctvSettings | None = None,
        mask_for: MaskFor | None = None,
        film: Callable[[Camera], None] | None = None,
    ) -> None:
        """Set up the budget (nothing is rendered until :meth:`enable` and :meth:`update`).

        Args:
            projectors: the scene's projectors (their poses, ranges, footprints and textures).
            graphics: engine and host output to make the shared buffers with.
            scene: the scene root the virtual cameras film.
            settings: the budget.
            mask_for: ``mask_for(camera_id, w, h)``, a camera's privacy mask at a size (True: hidden).
            film: called with each virtual camera made (the scene's look lights the city for it).
        """
        self.projectors, self.graphics, self.scene = projectors, graphics, scene
        self.film = film
        #: frames per second of video time: the refresh rates count rendered frames at this rate (an
        #: offline render is then the same however long a frame takes); None: the wall clock (a window)
        self.video_fps: float | None = None
        self.settings = settings or VcctvSettings()
        self.mask_for = mask_for
        self._state = plain_state()
        self._pool: dict[tuple[int, int], list[ReadbackSlot]] = {}
        self._atlases: dict[tuple[int, int], list[Atlas]] = {}
        self._atlas_of: dict[str, Atlas] = {}
        self._active: list = []
        self._index = {p.id: j for j, p in enumerate(projectors._order)}
        self._ids: list[str] = []
        self._masks: dict[tuple[str, tuple[int, int], tuple[float, ...]], Texture | None] = {}
        self._maps: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        n = len(projectors._order)
        # per projector (its index in the set): when it was last filmed, in frames and seconds
        self._last_frame = np.full(n, -1, dtype=np.int64)
        self._last_s = np.full(n, -math.inf)
        self._enabled = np.zeros(n, dtype=bool)
        self.frame = 0
        self.renders: dict[str, int] = {}

    # ---- which cameras ---------------------------------------------------------------------
    @property
    def camera_ids(self) -> list[str]:
        """The cameras whose picture is virtual CCTV."""
        return list(self._ids)

    def enable(self, camera_ids: Iterable[str]) -> None:
        """Make virtual CCTV these cameras' picture (their submitted feed frames are then ignored)."""
        for cid in camera_ids:
            if cid in self._ids:
                continue
            p = self.projectors.projectors.get(cid)
            if p is None:
                raise KeyError(cid)
            if p.camera.privacy_masks and self.mask_for is None:
                raise twin.TwinError(
                    f"camera {cid!r} has {len(p.camera.privacy_masks)} privacy mask(s): virtual CCTV needs mask_for "
                    "(the masks' rasteriser) to hide them; refusing to show it unmasked"
                )
            self._ids.append(cid)
            self._enabled[self._index[cid]] = True
            if self.settings.mode == "texture":
                self.projectors.projectors[cid].set_opacity(0.0)  # nothing until its first render

    def disable(self, camera_ids: Iterable[str]) -> None:
        """Give these cameras back to feed frames (their last uploaded frame shows again)."""
        for cid in list(camera_ids):
            if cid not in self._ids:
                continue
            self._ids.remove(cid)
            self._enabled[self._index[cid]] = False
            atlas = self._atlas_of.pop(cid, None)
            if atlas is not None:
                atlas.remove(cid)
                self.projectors.set_video_texture(cid, None)

    # ---- sizes, rates, masks ---------------------------------------------------------------
    def out_size(self, camera_id: str, screen_w_px: float) -> tuple[int, int]:
        """The image size for a picture ``screen_w_px`` wide on screen: a width class, the camera's aspect."""
        widths = sorted(self.settings.widths_px)
        w = next((c for c in widths if c >= screen_w_px), widths[-1])
        cam = self.projectors.projectors[camera_id].camera
        return w, max(2, int(round(w * cam.height_px / cam.width_px)))

    def render_size(self, camera_id: str, out: tuple[int, int]) -> tuple[int, int]:
        """The pinhole render behind an ``out`` image (wider for a distorted lens), rounded up to 8 px."""
        w, h = source_size(self.projectors.projectors[camera_id].pose, out)
        return (int(math.ceil(w / 8) * 8), int(math.ceil(h / 8) * 8))

    def fps_for(self, screen_w_px: float | np.ndarray) -> float | np.ndarray:
        """Refresh rate for a picture this wide on screen (inf: every frame); vectorised over an array."""
        s = self.settings
        w = np.asarray(screen_w_px, dtype=float)
        if s.max_fps is None:
            fps = np.full(w.shape, math.inf)
        else:
            fps = np.clip(s.max_fps * w / s.full_rate_px, s.min_fps, s.max_fps)
        return float(fps) if fps.ndim == 0 else fps

    def _mask_bool(self, camera_id: str, pose: CameraPose, render: tuple[int, int], out: tuple[int, int]):
        """The mask in the pinhole render's pixels (top row first), or None.

        Each render pixel's ray goes through the camera model (:meth:`twin.optics.Pose.image_uv`) to
        the image pixel whose mask it takes.
        """
        if self.mask_for is None or not self.projectors.projectors[camera_id].camera.privacy_masks:
            return None
        img = self.mask_for(camera_id, *out)
        if img is None or not np.any(img):
            return None
        w, h = render
        dth, dtv = pose.depth_tan_half
        nx = ((np.arange(w) + 0.5) / w * 2.0 - 1.0) * dth
        ny = (1.0 - (np.arange(h) + 0.5) / h * 2.0) * dtv
        gx, gy = np.meshgrid(nx, ny)
        rays = np.stack([gx, np.ones_like(gx), gy], axis=-1).reshape(-1, 3) @ np.asarray(pose.rotation).T
        uv = pose.image_uv(np.asarray(pose.position) + rays).reshape(h, w, 2)
        ow, oh = out
        map_x = np.nan_to_num(uv[..., 0] * ow - 0.5, nan=-1e6).astype(np.float32)
        map_y = np.nan_to_num((1.0 - uv[..., 1]) * oh - 0.5, nan=-1e6).astype(np.float32)
        src = img.astype(np.uint8) * 255
        m = cv2.remap(src, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT) > 0
        # conservative: a render pixel that touches a masked one is masked too
        return cv2.dilate(m.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)

    def _mask_texture(self, camera_id: str, pose: CameraPose, render: tuple[int, int], out: tuple[int, int]):
        # the mask is fixed in the image: only the lens (a PTZ's zoom) moves it in the render's pixels
        key = (camera_id, render, (*pose.tan_half, *pose.depth_tan_half))
        if key not in self._masks:
            m = self._mask_bool(camera_id, pose, render, out)
            tex = None
            if m is not None:
                w, h = render
                rgba = np.zeros((h, w, 4), np.uint8)
                rgba[..., 3] = np.where(m, 255, 0)
                tex = Texture(f"vcctv-mask-{camera_id}")
                tex.setup_2d_texture(w, h, Texture.T_unsigned_byte, Texture.F_rgba8)
                tex.set_minfilter(SamplerState.FT_nearest)
                tex.set_magfilter(SamplerState.FT_nearest)
                tex.set_ram_image(np.ascontiguousarray(rgba[::-1]).tobytes())  # Panda rows run bottom-up
            self._masks[key] = tex
        return self._masks[key]

    # ---- per frame -------------------------------------------------------------------------
    def _slot(self, size: tuple[int, int], used: set[int]) -> ReadbackSlot:
        slots = self._pool.setdefault(size, [])
        for s in slots:
            if id(s) not in used:
                return s
        s = ReadbackSlot(self.graphics, self.scene, size, self._state, len(slots))
        if self.film is not None:
            self.film(s.camera.node())
        slots.append(s)
        return s

    def _tile(self, cid: str, size: tuple[int, int], out: tuple[int, int]):
        """The camera's tile in an atlas of its render size (moved there if its size changed)."""
        atlas = self._atlas_of.get(cid)
        if atlas is not None and atlas.size != size:
            atlas.remove(cid)
            atlas = None
        if atlas is None:
            atlases = self._atlases.setdefault(size, [])
            atlas = next((a for a in atlases if not a.full), None)
            if atlas is None:
                atlas = Atlas(self.graphics, size, len(atlases))
                atlases.append(atlas)
            p = self.projectors.projectors[cid]
            tile = atlas.add(cid, self.scene, self._state, self._mask_texture(cid, p.pose, size, out))
            if self.film is not None:
                self.film(tile.camera.node())
            self._atlas_of[cid] = atlas
        return atlas, atlas.tiles[cid]

    def _read_back(self, st: VcctvStats) -> None:
        for slots in self._pool.values():
            for s in slots:
                if s.camera_id is None:
                    continue
                cid, s.camera_id = s.camera_id, None
                img = s.grab()
                if cid not in self._ids or img is None:
                    continue
                p = self.projectors.projectors[cid]
                out = s.out_size
                if is_distorted(p.pose):
                    key = (cid, out, s.size, p.pose.heading_deg, p.pose.tilt_deg, p.pose.tan_half)
                    maps = self._maps.get(key)
                    if maps is None:
                        maps = self._maps[key] = distortion_maps(p.pose, out, s.size)
                    border = cv2.BORDER_CONSTANT if p.pose.fisheye else cv2.BORDER_REPLICATE
                    img = cv2.remap(img, *maps, interpolation=cv2.INTER_LINEAR, borderMode=border)
                if p.camera.privacy_masks and self.mask_for is not None:
                    m = self.mask_for(cid, img.shape[1], img.shape[0])
                    if m is not None:
                        img[m] = 0
                p.upload(img)
                st.uploaded += 1

    def update(self, world_to_clip: np.ndarray, viewer_pos: np.ndarray, screen_px: tuple[int, int],
               now_s: float | None = None) -> VcctvStats:  # fmt: skip
        """Once per frame, before rendering: choose the cameras to film and aim the pooled buffers at them.

        Args:
            world_to_clip: the viewer's 4x4 matrix (Panda3D's row-vector convention).
            viewer_pos: the viewer's position (m), for the nearest-first tie break.
            screen_px: the viewer's image size (w, h) in pixels.
            now_s: a clock in seconds for the refresh rates (default: frames / :attr:`video_fps`, or
                the monotonic clock).
        """
        t0 = time.perf_counter()
        self.frame += 1
        if now_s is None:
            now_s = self.frame / self.video_fps if self.video_fps else time.monotonic()
        now = float(now_s)
        st = VcctvStats()
        self._read_back(st)
        for s in self._active:
            s.set_active(False)
        self._active.clear()
        if not self._ids:
            st.cpu_ms = (time.perf_counter() - t0) * 1000.0
            return st
        idx = np.flatnonzero(self._enabled)
        centre, corners = self.projectors._footprint_boxes()
        clip = corners[idx] @ world_to_clip
        vis = ProjectorSet._in_frustum(clip)
        if not vis.any():
            st.cpu_ms = (time.perf_counter() - t0) * 1000.0
            return st
        k = np.flatnonzero(vis)
        cs = clip[k]
        w = cs[..., 3]
        behind = np.any(w <= 1e-6, axis=1)  # the viewer stands in (or at) the footprint: it fills the screen
        ndc = np.clip(cs[..., :2] / np.where(w > 1e-6, w, 1.0)[..., None], -1.0, 1.0)
        extent = np.where(behind[:, None], 2.0, ndc.max(axis=1) - ndc.min(axis=1)) / 2.0  # (n, 2) screen fractions
        screen_w = extent[:, 0] * screen_px[0]
        dist = np.hypot(*(centre[idx[k]] - np.asarray(viewer_pos)[:2]).T)
        pj = idx[k]  # projector indices of the cameras in view
        st.in_view = len(pj)
        due = (now - self._last_s[pj]) >= (1.0 / self.fps_for(screen_w)) - 1e-9
        st.due = int(due.sum())
        order = np.lexsort((dist, self._last_frame[pj]))  # stalest first, then nearest
        order = order[due[order]]
        budget_px = self.settings.max_megapixels * 1e6
        chosen: list[tuple[int, str, tuple[int, int], tuple[int, int]]] = []  # (j, id, out, render size)
        for j in order:
            if len(chosen) >= self.settings.max_renders:
                break
            cid = self.projectors._order[pj[j]].id
            out = self.out_size(cid, screen_w[j])
            size = self.render_size(cid, out)
            if chosen and st.pixels + size[0] * size[1] > budget_px:
                break  # stop here rather than skip: the stalest camera goes first next frame (round-robin)
            chosen.append((j, cid, out, size))
            st.pixels += size[0] * size[1]
        st.deferred = st.due - len(chosen)
        if self.settings.fill_unseen and self.settings.mode == "texture":
            taken = {c[0] for c in chosen}
            for j in order[self._last_frame[pj[order]] < 0]:
                if j not in taken:
                    cid = self.projectors._order[pj[j]].id
                    out = self.out_size(cid, min(self.settings.widths_px))
                    size = self.render_size(cid, out)
                    chosen.append((j, cid, out, size))
                    st.pixels += size[0] * size[1]
                    st.filled += 1
        used: set[int] = set()
        for j, cid, out, size in chosen:
            p = self.projectors.projectors[cid]
            far_m = p.range_m * self.settings.far_factor
            if self.settings.mode == "texture":
                atlas, tile = self._tile(cid, size, out)
                tile.set_mask(self._mask_texture(cid, p.pose, size, out))
                aim_lens(tile.camera, tile.lens, p.pose, far_m)
                tile.set_active(True)
                atlas.buffer.set_active(True)
                self._active += [tile, atlas.buffer]
                self.projectors.set_video_texture(cid, atlas.texture, tile.rect)
                p.set_opacity(-p.settings.opacity)  # negative: sample the render where the depth map is
            else:
                slot = self._slot(size, used)
                used.add(id(slot))
                slot.out_size, slot.camera_id = out, cid
                aim_lens(slot.camera, slot.lens, p.pose, far_m)
                slot.buffer.set_active(True)
                self._active.append(slot.buffer)
            self._last_frame[pj[j]] = self.frame
            self._last_s[pj[j]] = now
            self.renders[cid] = self.renders.get(cid, 0) + 1
            st.rendered.append(cid)
            st.sizes.append(size)
        st.cpu_ms = (time.perf_counter() - t0) * 1000.0
        return st

    def pool_sizes(self) -> dict[tuple[int, int], int]:
        """How many shared offscreen buffers exist per render size (atlases, or read-back buffers)."""
        pools = self._atlases if self.settings.mode == "texture" else self._pool
        return {k: len(v) for k, v in pools.items() if v}

    def destroy(self) -> None:
        """Close the pooled buffers and hand the cameras back to feed frames."""
        self.disable(list(self._ids))
        for pool in (self._pool, self._atlases):
            for items in pool.values():
                for s in items:
                    s.destroy()
            pool.clear()
        for tex in self._masks.values():
            if tex is not None:
                tex.release_all()
        self._masks.clear()
