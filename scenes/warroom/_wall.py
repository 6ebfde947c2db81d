"""The video wall: a grid of tiles showing the cameras the operators watch, drawn from one texture atlas.

Each tile is a cell of one atlas texture: the camera's picture, a label bar with its id under it
and a bezel around both (red while the camera has an alarm). A new frame for a camera on the wall is
resized into its cell on the CPU (only that cell); the atlas is uploaded once per rendered frame
when any cell changed (Panda3D 1.10 uploads a texture whole: one upload a frame, never one per tile).
The wall is one card (two triangles, one texture, one draw call) whatever the tile count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np
from panda3d.core import CardMaker, NodePath, Point3, SamplerState, Texture

#: Bezel colour (BGR) between tiles, and around a tile with an alarm.
BEZEL_BGR = (28, 28, 30)
ALARM_BGR = (20, 20, 230)
DARK_BGR = (12, 12, 14)
LABEL_BGR = (40, 40, 44)


class WallStateLike(Protocol):
    """What the wall reads from the sim's ``WallState``: tile cameras (``""`` dark) and alarms."""

    t: float
    camera_ids: Sequence[str]
    since_s: Sequence[float]
    alarm: Sequence[bool]


@dataclass(frozen=True)
class WallSpec:
    """The wall's grid and pixels.

    Attributes:
        rows: tile rows.
        cols: tile columns.
        tile_px: (width, height) of one tile's picture in the atlas.
        label_px: height of the label bar under each picture.
        bezel_px: bezel around each cell, px.
    """

    rows: int = 4
    cols: int = 6
    tile_px: tuple[int, int] = (256, 144)
    label_px: int = 16
    bezel_px: int = 4

    @property
    def tiles(self) -> int:
        """Tiles on the wall."""
        return self.rows * self.cols

    @property
    def cell_px(self) -> tuple[int, int]:
        """(width, height) of one atlas cell: picture, label bar and bezels."""
        return (self.tile_px[0] + 2 * self.bezel_px, self.tile_px[1] + self.label_px + 2 * self.bezel_px)

    @property
    def atlas_px(self) -> tuple[int, int]:
        """(width, height) of the atlas."""
        cw, ch = self.cell_px
        return (cw * self.cols, ch * self.rows)

    def picture_px(self, k: int) -> tuple[int, int, int, int]:
        """Tile ``k``'s picture in the atlas (top row first): (x0, y0, x1, y1), pixels, end exclusive."""
        r, c = divmod(k, self.cols)
        cw, ch = self.cell_px
        x0, y0 = c * cw + self.bezel_px, r * ch + self.bezel_px
        return (x0, y0, x0 + self.tile_px[0], y0 + self.tile_px[1])


class VideoWall:
    """The wall's card and atlas; feed it :meth:`set_state`, :meth:`submit`, then :meth:`upload` once a frame.

    Args:
        parent: the node the wall hangs under (the building); the card lies in its x-z plane, facing -y.
        spec: grid and pixels.
        width_m: the card's width, m.
        center: the card's centre in ``parent``'s frame.
    """

    def __init__(self, parent: NodePath, spec: WallSpec, *, width_m: float, center: tuple[float, float, float]):
        self.spec = spec
        aw, ah = spec.atlas_px
        self.width_m = float(width_m)
        self.height_m = self.width_m * ah / aw
        self.atlas = np.empty((ah, aw, 3), np.uint8)  # top row first; flipped into the texture on upload
        self.atlas[:] = BEZEL_BGR
        self.texture = Texture("video-wall")
        self.texture.setup_2d_texture(aw, ah, Texture.T_unsigned_byte, Texture.F_rgb8)
        # no mipmaps: on llvmpipe their generation costs ~20 ms an upload against ~3 ms without, and the
        # wall is seen from its room (minified 1-3x), where plain bilinear filtering holds up
        self.texture.set_minfilter(SamplerState.FT_linear)
        self.texture.set_magfilter(SamplerState.FT_linear)
        self.texture.set_wrap_u(SamplerState.WM_clamp)
        self.texture.set_wrap_v(SamplerState.WM_clamp)
        self.texture.set_ram_image(np.ascontiguousarray(self.atlas[::-1]).tobytes())
        cm = CardMaker("video-wall")
        cm.set_frame(-self.width_m / 2, self.width_m / 2, -self.height_m / 2, self.height_m / 2)
        self.node = parent.attach_new_node(cm.generate())
        self.node.set_pos(*center)
        self.node.set_texture(self.texture)
        self.node.set_light_off(1)
        self.node.set_shader_off(1)
        self.camera_ids: list[str] = [""] * spec.tiles
        self.alarm: list[bool] = [False] * spec.tiles
        self._seq: dict[int, Any] = {}
        self._next = 0  # the tile a budgeted submit starts at
        self._dirty = True
        self.uploads = 0
        self.tile_writes = 0
        for k in range(spec.tiles):
            self._blank(k)

    # ---- state -------------------------------------------------------------------------------
    def set_state(self, state: WallStateLike | None) -> list[int]:
        """Which camera each tile shows now; returns the tiles whose camera changed (they go dark until a frame)."""
        if state is None:
            return []
        ids = [str(c) for c in list(state.camera_ids)[: self.spec.tiles]]
        ids += [""] * (self.spec.tiles - len(ids))
        alarm = [bool(a) for a in list(getattr(state, "alarm", ()) or ())[: self.spec.tiles]]
        alarm += [False] * (self.spec.tiles - len(alarm))
        changed = [k for k in range(self.spec.tiles) if ids[k] != self.camera_ids[k] or alarm[k] != self.alarm[k]]
        for k in changed:
            self.camera_ids[k], self.alarm[k] = ids[k], alarm[k]
            self._seq.pop(k, None)
            self._blank(k)
        return changed

    def wanted(self) -> list[str]:
        """The cameras on the wall now (the root subscribes to these)."""
        return sorted({c for c in self.camera_ids if c})

    def submit(self, frames: Mapping[str, Any], *, budget: int | None = None) -> int:
        """New frames by camera id (BGR uint8, top row first, or a ``(frame, seq)`` pair); returns tiles written.

        A frame whose ``seq`` equals the one already in its tile is skipped (no resize, no upload).
        ``budget`` caps the tiles written in one call; the next call starts after the last tile
        written, so under a budget every tile still gets its turn (round robin).
        """
        n, T = 0, self.spec.tiles
        for j in range(T):
            k = (self._next + j) % T
            cid = self.camera_ids[k]
            if not cid or cid not in frames:
                continue
            f = frames[cid]
            img, seq = (f if isinstance(f, tuple) else (f, None))
            if img is None or (seq is not None and self._seq.get(k) == seq):
                continue
            if budget is not None and n >= budget:
                self._next = k
                break
            x0, y0, x1, y1 = self.spec.picture_px(k)
            img = np.asarray(img)
            # area averaging where the frame shrinks 2x or more (no aliasing); bilinear below, ~5x cheaper
            shrink = img.shape[1] / (x1 - x0)
            interp = cv2.INTER_AREA if shrink >= 2.0 else cv2.INTER_LINEAR
            self.atlas[y0:y1, x0:x1] = cv2.resize(img, (x1 - x0, y1 - y0), interpolation=interp)
            self._seq[k] = seq
            self._dirty = True
            n += 1
        else:
            self._next = 0
        self.tile_writes += n
        return n

    def upload(self) -> bool:
        """Copy the atlas into the texture if anything changed since the last upload; returns whether it did."""
        if not self._dirty:
            return False
        buf = self.texture.modify_ram_image()
        memoryview(buf)[:] = np.ascontiguousarray(self.atlas[::-1]).reshape(-1)
        self._dirty = False
        self.uploads += 1
        return True

    # ---- drawing -------------------------------------------------------------------------------
    def _blank(self, k: int) -> None:
        """Tile ``k`` without a picture yet: dark, with its bezel and label (the camera id, or nothing)."""
        s = self.spec
        r, c = divmod(k, s.cols)
        cw, ch = s.cell_px
        cell = self.atlas[r * ch : (r + 1) * ch, c * cw : (c + 1) * cw]
        cell[:] = ALARM_BGR if self.alarm[k] else BEZEL_BGR
        b = s.bezel_px
        cell[b : b + s.tile_px[1], b : b + s.tile_px[0]] = DARK_BGR
        lab = cell[b + s.tile_px[1] : b + s.tile_px[1] + s.label_px, b : b + s.tile_px[0]]
        lab[:] = LABEL_BGR
        cid = self.camera_ids[k]
        if cid:
            scale = s.label_px / 26.0
            cv2.putText(lab, cid[:28], (4, s.label_px - 4), cv2.FONT_HERSHEY_SIMPLEX, scale, (235, 235, 235), 1,
                        cv2.LINE_AA)
        self._dirty = True

    def picture_corners(self, k: int, other: NodePath) -> np.ndarray:
        """Tile ``k``'s picture corners in ``other``'s frame: (4, 3) top-left, top-right, bottom-right, bottom-left."""
        aw, ah = self.spec.atlas_px
        x0, y0, x1, y1 = self.spec.picture_px(k)
        u = (np.array([x0, x1, x1, x0]) / aw - 0.5) * self.width_m
        z = (0.5 - np.array([y0, y0, y1, y1]) / ah) * self.height_m
        pts = [other.get_relative_point(self.node, Point3(float(a), 0.0, float(b))) for a, b in zip(u, z, strict=True)]
        return np.array([[p[0], p[1], p[2]] for p in pts])

    def destroy(self) -> None:
        """Remove the card and release its texture."""
        self.node.remove_node()
        self.texture.release_all()
