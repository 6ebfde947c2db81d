"""The planning mode's drawing: planned cameras, their footprints and DORI zones, the selected one's view.

:class:`PlanningLayer` draws what the root hands it as plain data (:class:`twin.Camera` objects and
a levels raster), never a planning session: poles and bodies of the plan's cameras (orange; the
selected one yellow, locked ones grey-blue), each camera's projected footprint (where its image
border meets the ground, cut at its Monitor range) as a line loop, the DORI levels draped on the
ground in tiles of ``tile_cells`` cells (a change re-uploads only the tiles it touches), and the
selected camera's virtual CCTV (the twin filmed from its pose and lens) for an inset.
"""

from __future__ import annotations

__all__ = ["PlanningLayer", "ground_footprint", "changed_window"]

import dataclasses
from collections.abc import Sequence

import numpy as np
from panda3d.core import NodePath, SamplerState, Texture

import twin

from ._mesh import Soup, boxes, geom_node, line_node
from .engine import Graphics
from .masks import DEPTH_MASK, VCCTV_MASK
from .overlays import LEVEL_RGBA, Z_DRAPE, coverage_rgba, drape_card
from .pose import CameraPose, camera_pose
from .vcctv import VirtualCCTV

#: Body colours (RGB 0..255): a plan's camera, the selected one, a locked one.
PLAN_RGB = (255, 140, 20)
SELECTED_RGB = (255, 230, 40)
LOCKED_RGB = (120, 140, 170)
#: Footprint outline colours (RGBA).
FOOTPRINT_RGBA = (255, 140, 20, 255)
FOOTPRINT_SELECTED_RGBA = (255, 240, 60, 255)
#: The footprint is cut where the pixel density falls to this (px/m: EN 62676-4's Monitor).
FOOTPRINT_PPM = 12.5
#: Footprints float this far above the ground (over the drape).
Z_FOOTPRINT = Z_DRAPE + 0.15


def ground_footprint(pose: CameraPose, range_m: float, *, samples: int = 16) -> np.ndarray:
    """The outline (n, 2) of where a camera's image border meets the ground, cut at ``range_m``.

    Rays along the border of the (undistorted) image, ``samples`` a side, run to the ground
    (z = 0) or to ``range_m`` of slant distance, whichever comes first; the loop of their ends is
    the footprint's outline (a trapezoid for a pinhole camera that sees the ground everywhere).
    A dome fisheye's footprint is the circle of its range.
    """
    pos = np.asarray(pose.position, dtype=float)
    if pose.fisheye:
        a = np.linspace(0.0, 2 * np.pi, 4 * samples, endpoint=False)
        r = float(np.sqrt(max(range_m**2 - pos[2] ** 2, 0.0)))
        return np.stack([pos[0] + r * np.cos(a), pos[1] + r * np.sin(a)], 1)
    s = np.linspace(-1.0, 1.0, samples, endpoint=False)
    th, tv = pose.tan_half
    # the border walked once round: bottom (left to right), right (up), top (right to left), left (down)
    u = np.concatenate([s, np.ones(samples), -s, -np.ones(samples)])
    v = np.concatenate([-np.ones(samples), s, np.ones(samples), -s])
    local = np.stack([u * th, np.ones_like(u), v * tv], 1)
    local /= np.linalg.norm(local, axis=1, keepdims=True)
    d = local @ np.asarray(pose.rotation, dtype=float).T
    with np.errstate(divide="ignore"):
        t_ground = np.where(d[:, 2] < -1e-9, pos[2] / -d[:, 2], np.inf)
    t = np.minimum(t_ground, range_m)
    return pos[None, :2] + d[:, :2] * t[:, None]


def changed_window(before: np.ndarray | None, after: np.ndarray) -> tuple[int, int, int, int] | None:
    """The smallest window ``(r0, r1, c0, c1)`` (half-open) holding every cell that differs; None if none."""
    if before is None or before.shape != after.shape:
        return (0, after.shape[0], 0, after.shape[1])
    diff = before != after
    rows = np.flatnonzero(diff.any(axis=1))
    if not len(rows):
        return None
    cols = np.flatnonzero(diff[rows[0] : rows[-1] + 1].any(axis=0))
    return (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)


@dataclasses.dataclass
class _Drawn:
    camera: twin.Camera
    node: NodePath


class PlanningLayer:
    """Planned cameras, footprints, the DORI drape and the selected camera's view, over a city scene.

    Args:
        graphics: the engine and window (the inset's buffer is made with it).
        scene_root: the scene's root (what the inset films).
        drape_parent: where the DORI drape hangs (the scene's coverage group: its overlay key toggles it).
        marker_parent: where cameras and footprints hang (the scene's markers: their key toggles them).
        levels: the DORI level of each cell (rows, cols), 0 unseen.
        geotransform: GDAL's north-up ``(x0, dx, 0, y0, 0, dy)`` of ``levels`` in local metres.
        tile_cells: drape tile side in cells.
        palette: level colours (level 1 first).
    """

    def __init__(
        self,
        graphics: Graphics,
        scene_root: NodePath,
        drape_parent: NodePath,
        marker_parent: NodePath,
        levels: np.ndarray,
        geotransform: Sequence[float],
        *,
        tile_cells: int = 256,
        palette: Sequence[tuple[int, int, int, int]] = LEVEL_RGBA,
    ) -> None:
        self.graphics = graphics
        self.scene_root = scene_root
        self.palette = palette
        self.gt = [float(v) for v in geotransform]
        if len(self.gt) != 6 or self.gt[2] != 0.0 or self.gt[4] != 0.0 or self.gt[1] == 0.0 or self.gt[5] == 0.0:
            raise twin.TwinError(
                f"planning levels geotransform must be north-up GDAL (x0, dx, 0, y0, 0, dy), got {self.gt}"
            )
        self.tile_cells = int(tile_cells)
        self.drape = drape_parent.attach_new_node("plan-drape")
        self.drape.hide(DEPTH_MASK | VCCTV_MASK)
        self.root = marker_parent.attach_new_node("plan-cameras")
        self.root.hide(DEPTH_MASK)
        self._tiles: dict[tuple[int, int], Texture] = {}
        self._levels: np.ndarray | None = None
        self._drawn: dict[str, _Drawn] = {}
        self._inset: VirtualCCTV | None = None
        self._inset_key: tuple | None = None
        self.tiles_uploaded = 0
        self.set_levels(levels)

    # ---- the DORI drape --------------------------------------------------------------------------
    def set_levels(self, levels: np.ndarray) -> tuple[int, int, int, int] | None:
        """Show new levels: only the tiles holding changed cells are re-coloured and re-uploaded.

        Returns the changed window ``(r0, r1, c0, c1)`` (None when nothing changed).
        """
        lv = np.asarray(levels)
        if lv.ndim != 2:
            raise twin.TwinError(f"planning levels must be a 2D array, got shape {lv.shape}")
        win = changed_window(self._levels, lv)
        if win is None:
            return None
        r0, r1, c0, c1 = win
        n = self.tile_cells
        for ti in range(r0 // n, (r1 - 1) // n + 1):
            for tj in range(c0 // n, (c1 - 1) // n + 1):
                self._upload_tile(ti, tj, lv[ti * n : (ti + 1) * n, tj * n : (tj + 1) * n])
        self._levels = lv.copy()
        return win

    def _upload_tile(self, ti: int, tj: int, block: np.ndarray) -> None:
        rgba = coverage_rgba(block, self.palette)
        x0, dx, _, y0, _, dy = self.gt
        rows, cols = rgba.shape[:2]
        img = rgba if dy > 0 else rgba[::-1]  # Panda's rows run bottom-up
        if dx < 0:
            img = img[:, ::-1]
        bgra = np.ascontiguousarray(img[:, :, [2, 1, 0, 3]])
        tex = self._tiles.get((ti, tj))
        if tex is None:
            tex = Texture(f"plan-drape-{ti}-{tj}")
            tex.setup_2d_texture(cols, rows, Texture.T_unsigned_byte, Texture.F_rgba8)
            for set_filter in (tex.set_magfilter, tex.set_minfilter):
                set_filter(SamplerState.FT_nearest)
            tex.set_wrap_u(SamplerState.WM_clamp)
            tex.set_wrap_v(SamplerState.WM_clamp)
            tex.set_ram_image(bgra.tobytes())
            n = self.tile_cells
            xa, xb = x0 + tj * n * dx, x0 + (tj * n + cols) * dx
            ya, yb = y0 + ti * n * dy, y0 + (ti * n + rows) * dy
            drape_card(self.drape, f"plan-drape-{ti}-{tj}", (xa, xb, ya, yb), tex)
            self._tiles[(ti, tj)] = tex
        else:
            dst = np.frombuffer(memoryview(tex.modify_ram_image()), dtype=np.uint8)
            dst[:] = bgra.reshape(-1)
        self.tiles_uploaded += 1

    # ---- cameras ---------------------------------------------------------------------------------
    def show_camera(self, cam: twin.Camera, *, selected: bool = False, locked: bool = False) -> None:
        """Draw (or redraw) one plan camera: pole, body, footprint outline."""
        self.hide_camera(cam.id)
        pose = camera_pose(cam)
        pos = np.asarray(pose.position, dtype=float)
        h = max(pos[2], 0.5)
        rgb = SELECTED_RGB if selected else LOCKED_RGB if locked else PLAN_RGB
        soup = Soup.concat(
            [
                boxes([[pos[0], pos[1], h / 2]], (0.4, 0.4, h), (200, 200, 205)),
                # twice life size, so the planner sees (and grabs) it from the air
                boxes([pos + pose.rotation[:, 1] * 0.8], (0.8, 1.6, 0.7), rgb, pose.rotation[None]),
            ]
        )
        node = self.root.attach_new_node(f"plan-{cam.id}")
        node.attach_new_node(geom_node(f"plan-body-{cam.id}", soup))
        loop = ground_footprint(pose, pose.optics.range_m(FOOTPRINT_PPM))
        pts = np.c_[loop, np.full(len(loop), Z_FOOTPRINT)]
        segs = np.stack([pts, np.roll(pts, -1, axis=0)], 1)
        lines = node.attach_new_node(
            line_node(f"plan-footprint-{cam.id}", segs, FOOTPRINT_SELECTED_RGBA if selected else FOOTPRINT_RGBA)
        )
        lines.set_render_mode_thickness(3 if selected else 2)
        lines.set_light_off()
        lines.hide(VCCTV_MASK)
        self._drawn[cam.id] = _Drawn(cam, node)

    def hide_camera(self, camera_id: str) -> None:
        """Remove one plan camera's drawing (nothing if it has none)."""
        d = self._drawn.pop(camera_id, None)
        if d is not None:
            d.node.remove_node()

    @property
    def shown(self) -> list[str]:
        """Ids of the cameras drawn."""
        return list(self._drawn)

    # ---- the selected camera's view -------------------------------------------------------------
    def inset(self, cam: twin.Camera | None, *, width_px: int = 320) -> VirtualCCTV | None:
        """The virtual CCTV of ``cam`` (re-posed when only its pose changed; rebuilt for a new lens).

        None (and the buffer closed) when no camera is selected.
        """
        if cam is None:
            self._close_inset()
            return None
        pose = camera_pose(cam)
        key = (round(cam.hfov, 6), cam.width_px, cam.height_px, cam.k1, cam.k2)
        if self._inset is None or key != self._inset_key:
            self._close_inset()
            h = max(2, round(width_px * cam.height_px / cam.width_px))
            self._inset = VirtualCCTV(self.graphics, self.scene_root, cam, size=(width_px, h))
            self._inset_key = key
        self._inset.camera = cam
        self._inset.set_pose(pose)
        return self._inset

    def _close_inset(self) -> None:
        if self._inset is not None:
            self._inset.destroy()
            self._inset = None
            self._inset_key = None

    def destroy(self) -> None:
        """Close the inset's buffer and remove every node and texture."""
        self._close_inset()
        for tex in self._tiles.values():
            tex.release_all()
        self._tiles.clear()
        self.drape.remove_node()
        self.root.remove_node()
        self._drawn.clear()
