"""Shared offscreen targets for virtual CCTV: atlases the projectors sample, and read-back buffers.

- :class:`Atlas` (render-to-texture): one 2040 px square buffer per render size, its texture bound
  straight into the projector shader. Each camera filmed at that size owns a tile (a display region
  with its own virtual camera, 2 px apart); a frame activates only the tiles chosen to render, each
  clearing its own region, so every other tile keeps its last picture. Re-aiming one buffer at a
  new target texture every frame rebuilds its framebuffer (measured here at 1-3 s a frame for 4
  renders on llvmpipe); tiles never change target.
- :class:`ReadbackSlot`: a buffer of one render size whose image is copied to RAM, re-aimed at
  another camera each frame (the numpy path).
"""

from __future__ import annotations

__all__ = ["ATLAS_PX", "Atlas", "ReadbackSlot", "aim_lens"]

import math

import numpy as np
from panda3d.core import (
    Camera,
    CardMaker,
    DisplayRegion,
    GraphicsOutput,
    LColor,
    NodePath,
    OrthographicLens,
    PerspectiveLens,
    RenderState,
    SamplerState,
    Texture,
    TransparencyAttrib,
)

from .engine import Graphics, close_offscreen, texture_bgr
from .masks import VCCTV_MASK
from .pose import CameraPose

#: an atlas's side in pixels. Not a power of two, and RGB like the uploaded frames: llvmpipe compiles
#: a shader variant per combination of bound textures' formats and power-of-two-ness, so an atlas
#: unlike the upload textures made each tile's shader recompile as its cameras switched source
#: (measured: 1-6 s a frame)
ATLAS_PX = 2040
#: the virtual camera's sky (the viewer's clear colour)
SKY_RGB = (0.62, 0.74, 0.86)
_GUTTER_PX = 2


def aim_lens(camera: NodePath, lens: PerspectiveLens, pose: CameraPose, far_m: float) -> None:
    """Put a virtual camera at a pose, with a pinhole lens at the pose's depth-lens field."""
    dth, dtv = pose.depth_tan_half
    lens.set_fov(math.degrees(2 * math.atan(dth)), math.degrees(2 * math.atan(dtv)))
    lens.set_near_far(0.3, far_m)
    camera.set_pos(*pose.position)
    camera.set_hpr(*pose.hpr)


def _virtual_camera(scene: NodePath, name: str, state: RenderState) -> tuple[NodePath, PerspectiveLens]:
    lens = PerspectiveLens()
    node = Camera(name, lens)
    node.set_camera_mask(VCCTV_MASK)
    node.set_initial_state(state)
    return scene.attach_new_node(node), lens


class _Tile:
    """A camera's place in an atlas: its display region and virtual camera, and a privacy overlay."""

    def __init__(self, atlas: Atlas, k: int, camera_id: str, scene: NodePath, state: RenderState, mask: Texture | None):
        w, h = atlas.size
        cols = atlas.cols
        x0 = (k % cols) * (w + _GUTTER_PX) + 1
        y0 = (k // cols) * (h + _GUTTER_PX) + 1
        s = float(ATLAS_PX)
        self.k = k
        #: shader rect: uv scale x, y and offset x, y of this tile in the atlas texture
        self.rect = (w / s, h / s, x0 / s, y0 / s)
        self.camera, self.lens = _virtual_camera(scene, f"vcctv-{camera_id}", state)
        self.region: DisplayRegion = atlas.buffer.make_display_region(x0 / s, (x0 + w) / s, y0 / s, (y0 + h) / s)
        self.region.set_clear_color_active(True)
        self.region.set_clear_color(LColor(*SKY_RGB, 1.0))
        self.region.set_clear_depth_active(True)
        self.region.set_camera(self.camera)
        self.region.set_active(False)
        self.overlay: NodePath | None = None
        self.overlay_region: DisplayRegion | None = None
        self.mask = mask
        if mask is not None:
            # the privacy mask: a card over the tile, black where the camera's image is hidden
            self.overlay = NodePath(f"vcctv-privacy-{camera_id}")
            ortho = OrthographicLens()
            ortho.set_film_size(2.0, 2.0)
            ortho.set_near_far(-10.0, 10.0)
            cam = self.overlay.attach_new_node(Camera(f"vcctv-privacy-cam-{camera_id}", ortho))
            cm = CardMaker("vcctv-privacy-card")
            cm.set_frame(-1.0, 1.0, -1.0, 1.0)
            card = self.overlay.attach_new_node(cm.generate())
            card.set_y(1.0)
            card.set_texture(mask, 1)
            self.card = card
            card.set_transparency(TransparencyAttrib.M_alpha)
            card.set_depth_test(False)
            card.set_depth_write(False)
            self.overlay_region = atlas.buffer.make_display_region(
                x0 / s, (x0 + w) / s, y0 / s, (y0 + h) / s
            )
            self.overlay_region.set_sort(10)
            self.overlay_region.set_clear_color_active(False)
            self.overlay_region.set_clear_depth_active(False)
            self.overlay_region.set_camera(cam)
            self.overlay_region.set_active(False)

    def set_mask(self, mask: Texture | None) -> None:
        """A new mask image (a PTZ zoomed); a camera's masks exist from its first tile or never."""
        if mask is not None and mask is not self.mask and self.overlay is not None:
            self.card.set_texture(mask, 1)
            self.mask = mask

    def set_active(self, on: bool) -> None:
        self.region.set_active(on)
        if self.overlay_region is not None:
            self.overlay_region.set_active(on)

    def destroy(self, buffer: GraphicsOutput) -> None:
        for dr in (self.region, self.overlay_region):
            if dr is not None:
                dr.set_camera(NodePath())
                buffer.remove_display_region(dr)
        self.camera.remove_node()
        if self.overlay is not None:
            self.overlay.remove_node()


class Atlas:
    """A buffer of tiles of one render size; its texture is what the projectors of its cameras sample."""

    def __init__(self, graphics: Graphics, size: tuple[int, int], n: int) -> None:
        self.graphics, self.size = graphics, size
        w, h = size
        self.cols = ATLAS_PX // (w + _GUTTER_PX)
        self.capacity = self.cols * (ATLAS_PX // (h + _GUTTER_PX))
        self.buffer = graphics.make_buffer(f"vcctv-atlas-{w}x{h}-{n}", ATLAS_PX, ATLAS_PX, sort=-10, alpha=False)
        self.buffer.set_clear_color_active(False)  # each tile clears its own region
        self.buffer.set_clear_depth_active(False)
        self.texture = Texture(f"vcctv-atlas-{w}x{h}-{n}")
        self.buffer.add_render_texture(self.texture, GraphicsOutput.RTM_bind_or_copy)
        self.texture.set_wrap_u(SamplerState.WM_clamp)
        self.texture.set_wrap_v(SamplerState.WM_clamp)
        self.texture.set_minfilter(SamplerState.FT_linear)
        self.texture.set_magfilter(SamplerState.FT_linear)
        self.tiles: dict[str, _Tile] = {}
        self._free = list(range(self.capacity))[::-1]
        self.buffer.set_active(False)

    @property
    def full(self) -> bool:
        """Whether every tile is taken."""
        return not self._free

    def add(self, camera_id: str, scene: NodePath, state: RenderState, mask: Texture | None) -> _Tile:
        """Give a camera a tile."""
        tile = _Tile(self, self._free.pop(), camera_id, scene, state, mask)
        self.tiles[camera_id] = tile
        return tile

    def remove(self, camera_id: str) -> None:
        """Free a camera's tile."""
        tile = self.tiles.pop(camera_id)
        self._free.append(tile.k)
        tile.destroy(self.buffer)

    def destroy(self) -> None:
        """Close the buffer and its tiles."""
        for cid in list(self.tiles):
            self.remove(cid)
        self.buffer.clear_render_textures()
        self.graphics.remove(self.buffer)
        self.texture.release_all()


class ReadbackSlot:
    """A buffer of one render size copied to RAM after each render; aimed at any camera each frame."""

    def __init__(self, graphics: Graphics, scene: NodePath, size: tuple[int, int], state: RenderState, n: int) -> None:
        self.graphics, self.size = graphics, size
        w, h = size
        self.buffer = graphics.make_buffer(f"vcctv-ram-{w}x{h}-{n}", w, h, sort=-10)
        self.buffer.set_clear_color(LColor(*SKY_RGB, 1.0))
        self.camera, self.lens = _virtual_camera(scene, f"vcctv-ram-cam-{w}x{h}-{n}", state)
        self.region = self.buffer.make_display_region()
        self.region.set_camera(self.camera)
        self.texture = Texture(f"vcctv-ram-{w}x{h}-{n}")
        self.buffer.add_render_texture(self.texture, GraphicsOutput.RTM_copy_ram)
        self.camera_id: str | None = None  # rendered this frame, read at the next update
        self.out_size = size  # the (distorted) image the render stands for
        self.buffer.set_active(False)

    def grab(self) -> np.ndarray | None:
        """The last render as BGR, top row first (None before the first)."""
        if not self.texture.has_ram_image():
            return None
        return texture_bgr(self.texture)

    def destroy(self) -> None:
        """Close the buffer."""
        close_offscreen(self.graphics, self.buffer, self.region, self.camera, self.texture)
