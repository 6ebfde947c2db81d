"""The War Room's furniture: operator desks with staff by shift, and the server racks with load lights.

Desks stand in rows facing the video wall, one per operator of the largest shift; a seated figure
shows at the first ``n`` desks for the ``n`` operators on duty. Racks stand in a row in the server
room; each has a column of lights (:data:`LEDS` cells, lit bottom up in proportion to its
recording load, green to red). A crashed server's rack goes dark with a red body; the lights of all
racks are one small texture updated only when a load or a state changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from panda3d.core import CardMaker, NodePath, SamplerState, Texture

from .._mesh import Soup, boxes, geom_node

#: Light cells per rack.
LEDS = 10
DESK_SIZE_M = (1.8, 0.8, 0.75)
RACK_SIZE_M = (0.6, 1.0, 2.0)
SKIN_RGB = [(200, 160, 130), (150, 110, 80), (110, 80, 60), (225, 190, 160)]
SHIRT_RGB = [(40, 70, 140), (30, 30, 36), (150, 150, 160), (120, 40, 40), (40, 110, 80)]
CRASHED_RGBA = (0.85, 0.12, 0.1, 1.0)
_OFF_BGR = (26, 26, 26)
_GAP_BGR = (8, 8, 8)


def desk_positions(n: int, *, center_u: float, front_v: float, row_w_m: float) -> np.ndarray:
    """(n, 2) desk centres (u, v): rows across the room, the first row nearest the wall, spaced for a chair."""
    per_row = max(int(row_w_m // (DESK_SIZE_M[0] + 0.6)), 1)
    k = np.arange(n)
    row, col = k // per_row, k % per_row
    in_row = np.minimum(n - row * per_row, per_row)
    u = center_u + (col - (in_row - 1) / 2.0) * (DESK_SIZE_M[0] + 0.6)
    v = front_v - row * 3.2
    return np.stack([u, v], 1)


class Desks:
    """Operator desks (static, one geometry) and seated figures (shown for the operators on duty)."""

    def __init__(self, parent: NodePath, xy: np.ndarray):
        self.root = parent.attach_new_node("warroom-desks")
        n = len(xy)
        self.xy = np.asarray(xy, dtype=float)
        z = np.zeros(n)
        tops = np.stack([xy[:, 0], xy[:, 1], z + DESK_SIZE_M[2] - 0.03], 1)
        legs = np.stack([xy[:, 0], xy[:, 1] + 0.3, z + DESK_SIZE_M[2] / 2], 1)
        mon_l = np.stack([xy[:, 0] - 0.42, xy[:, 1] + 0.22, z + DESK_SIZE_M[2] + 0.3], 1)
        mon_r = np.stack([xy[:, 0] + 0.42, xy[:, 1] + 0.22, z + DESK_SIZE_M[2] + 0.3], 1)
        chair = np.stack([xy[:, 0], xy[:, 1] - 0.8, z + 0.25], 1)
        soup = Soup.concat([
            boxes(tops, (DESK_SIZE_M[0], DESK_SIZE_M[1], 0.06), (150, 130, 104)),
            boxes(legs, (DESK_SIZE_M[0] - 0.1, 0.06, DESK_SIZE_M[2]), (70, 70, 76)),
            boxes(np.concatenate([mon_l, mon_r]), (0.78, 0.05, 0.46), (22, 24, 30)),
            boxes(chair, (0.5, 0.5, 0.5), (40, 40, 48)),
        ])
        self.root.attach_new_node(geom_node("desks", soup))
        # the figures: a seated body and a head at each desk, one node per desk to show or stash
        self.figures: list[NodePath] = []
        rng = np.random.default_rng(7)  # looks only: which shirt and skin tone sits where
        for k in range(n):
            u, v = float(xy[k, 0]), float(xy[k, 1]) - 0.75
            body = boxes([[u, v, 0.95]], (0.48, 0.3, 0.62), SHIRT_RGB[int(rng.integers(len(SHIRT_RGB)))])
            legs_ = boxes([[u, v + 0.25, 0.55]], (0.4, 0.5, 0.18), (40, 44, 60))
            head = boxes([[u, v, 1.4]], (0.22, 0.24, 0.26), SKIN_RGB[int(rng.integers(len(SKIN_RGB)))])
            hair = boxes([[u, v - 0.02, 1.54]], (0.23, 0.25, 0.06), (20, 18, 16))
            fig = self.root.attach_new_node(geom_node(f"operator-{k}", Soup.concat([body, legs_, head, hair])))
            self.figures.append(fig)
        self.on_duty = n

    def set_on_duty(self, n: int) -> None:
        """Show ``n`` seated operators (the first ``n`` desks); the rest of the desks stand empty."""
        n = int(np.clip(n, 0, len(self.figures)))
        if n == self.on_duty:
            return
        for k, f in enumerate(self.figures):
            if k < n and f.is_stashed():
                f.unstash()
            elif k >= n and not f.is_stashed():
                f.stash()
        self.on_duty = n

    def shown(self) -> int:
        """Figures shown now."""
        return sum(not f.is_stashed() for f in self.figures)


def led_levels(load: float) -> int:
    """Lit cells for a load (0..1): a cell per tenth, rounded up, so any load shows one."""
    return int(np.clip(np.ceil(float(load) * LEDS - 1e-9), 0, LEDS))


def led_bgr(cell: int) -> tuple[int, int, int]:
    """A lit cell's colour by its height: green low, amber past 70 %, red past 90 % (BGR)."""
    frac = (cell + 1) / LEDS
    if frac <= 0.7:
        return (60, 210, 70)
    if frac <= 0.9:
        return (30, 170, 240)
    return (40, 40, 235)


class Racks:
    """Server racks in a row; their lights are one texture (3 px a rack, 3 px a cell)."""

    def __init__(self, parent: NodePath, *, origin: tuple[float, float], facing_v: float = -1.0, max_racks: int = 12):
        self.root = parent.attach_new_node("warroom-racks")
        self.origin = origin
        self.facing_v = facing_v
        self.max_racks = max_racks
        self.texture = Texture("rack-lights")
        self._img = np.zeros((LEDS * 3, max_racks * 3, 3), np.uint8)
        self.texture.setup_2d_texture(max_racks * 3, LEDS * 3, Texture.T_unsigned_byte, Texture.F_rgb8)
        self.texture.set_minfilter(SamplerState.FT_nearest)
        self.texture.set_magfilter(SamplerState.FT_nearest)
        self.texture.set_ram_image(self._img.tobytes())
        self.bodies: dict[str, NodePath] = {}
        self.panels: dict[str, NodePath] = {}
        self._key: Any = None
        self.redraws = 0

    def rack_xy(self, k: int, n: int) -> tuple[float, float]:
        """Rack ``k`` of ``n``'s centre (u, v): a row along u, centred on the origin."""
        return (self.origin[0] + (k - (n - 1) / 2.0) * (RACK_SIZE_M[0] + 0.35), self.origin[1])

    def set_racks(self, rows: Sequence[tuple[str, int, bool, bool]], loads: Sequence[float]) -> bool:
        """Place and light the racks: rows as :func:`scenes.warroom._panels.rack_rows`; returns whether it redrew."""
        key = tuple((r[0], led_levels(ld), r[2]) for r, ld in zip(rows, loads, strict=True))
        if key == self._key:
            return False
        self._key = key
        n = min(len(rows), self.max_racks)
        ids = [r[0] for r in rows[:n]]
        for rid in list(self.bodies):
            if rid not in ids:
                self.bodies.pop(rid).remove_node()
                self.panels.pop(rid).remove_node()
        img = self._img
        img[:] = _GAP_BGR
        for k, (rid, lit, up) in enumerate(key[:n]):
            if rid not in self.bodies:
                u, v = self.rack_xy(k, n)
                body = self.root.attach_new_node(
                    geom_node(f"rack-{rid}", boxes([[u, v, RACK_SIZE_M[2] / 2]], RACK_SIZE_M, (46, 48, 54))))
                cm = CardMaker(f"rack-lights-{rid}")
                cm.set_frame(-0.2, 0.2, 0.25, 1.85)
                cm.set_uv_range((k * 3 / img.shape[1], 0.0), ((k + 1) * 3 / img.shape[1], 1.0))
                panel = self.root.attach_new_node(cm.generate())
                panel.set_pos(u, v + self.facing_v * (RACK_SIZE_M[1] / 2 + 0.01), 0.0)
                if self.facing_v > 0:
                    panel.set_h(180.0)
                panel.set_texture(self.texture)
                panel.set_light_off(1)
                panel.set_shader_off(1)
                self.bodies[rid], self.panels[rid] = body, panel
            # the cell rows of the texture: row 0 is the bottom (Panda's rows run bottom up)
            for cell in range(LEDS):
                on = up and cell < lit
                img[cell * 3 : cell * 3 + 2, k * 3 : k * 3 + 2] = led_bgr(cell) if on else _OFF_BGR
            if up:
                self.bodies[rid].clear_color_scale()
            else:
                self.bodies[rid].set_color_scale(*CRASHED_RGBA)
        # img rows run bottom up already (row 0 = lowest cell): hand it over as it is
        memoryview(self.texture.modify_ram_image())[:] = img.reshape(-1)
        self.redraws += 1
        return True

    def destroy(self) -> None:
        """Remove the racks and release the light texture."""
        self.root.remove_node()
        self.texture.release_all()
