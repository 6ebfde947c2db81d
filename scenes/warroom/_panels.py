"""Text panels drawn with OpenCV into textures: the fire control room's incident board, the server room's status.

A panel redraws only when what it shows changes (the incident rows, the minutes rounded to a tenth,
the racks' loads rounded to a percent), and then uploads once. Panels are cards in the building.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

import cv2
import numpy as np
from panda3d.core import CardMaker, NodePath, SamplerState, Texture

BOARD_BG = (38, 30, 24)
INK = (235, 235, 235)
DIM = (150, 150, 150)
GREEN = (80, 200, 90)
AMBER = (40, 180, 240)
RED = (50, 50, 230)


class IncidentLike(Protocol):
    """What the board reads from the sim's ``IncidentState``."""

    id: str
    phase: str
    truck: str
    elapsed_s: float
    limit_s: float


class Panel:
    """A card with a texture the owner draws into (BGR, top row first) and uploads on change."""

    def __init__(self, parent: NodePath, name: str, size_px: tuple[int, int], *, width_m: float):
        self.w_px, self.h_px = size_px
        self.image = np.zeros((self.h_px, self.w_px, 3), np.uint8)
        self.texture = Texture(name)
        self.texture.setup_2d_texture(self.w_px, self.h_px, Texture.T_unsigned_byte, Texture.F_rgb8)
        self.texture.set_minfilter(SamplerState.FT_linear_mipmap_linear)
        self.texture.set_magfilter(SamplerState.FT_linear)
        self.texture.set_ram_image(self.image.tobytes())
        cm = CardMaker(name)
        self.width_m = float(width_m)
        self.height_m = self.width_m * self.h_px / self.w_px
        cm.set_frame(-self.width_m / 2, self.width_m / 2, -self.height_m / 2, self.height_m / 2)
        self.node = parent.attach_new_node(cm.generate())
        self.node.set_texture(self.texture)
        self.node.set_light_off(1)
        self.node.set_shader_off(1)
        self._key: Any = object()
        self.redraws = 0

    def show(self, key: Any, draw: Any) -> bool:
        """Redraw with ``draw(image)`` and upload, unless ``key`` equals the last one; returns whether it redrew."""
        if key == self._key:
            return False
        self._key = key
        draw(self.image)
        memoryview(self.texture.modify_ram_image())[:] = np.ascontiguousarray(self.image[::-1]).reshape(-1)
        self.redraws += 1
        return True

    def destroy(self) -> None:
        """Remove the card and its texture."""
        self.node.remove_node()
        self.texture.release_all()


def _text(img: np.ndarray, s: str, xy: tuple[int, int], scale: float, color: tuple[int, ...], thick: int = 2) -> None:
    cv2.putText(img, s, xy, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thick, cv2.LINE_AA)


def board_rows(incidents: Sequence[IncidentLike]) -> tuple[tuple[str, str, str, float, float], ...]:
    """What the board shows per incident: id, phase, truck, minutes (to a tenth), limit minutes."""
    return tuple(
        (str(i.id), str(i.phase), str(i.truck) or "-", round(float(i.elapsed_s) / 60.0, 1),
         round(float(i.limit_s) / 60.0, 1) if math.isfinite(float(i.limit_s)) else float("nan"))
        for i in incidents
    )


def draw_board(img: np.ndarray, rows: tuple[tuple[str, str, str, float, float], ...], standard: str,
               *, max_rows: int = 8) -> None:
    """The incident board: a title, the count of open incidents, then one line per incident."""
    h, w = img.shape[:2]
    img[:] = BOARD_BG
    _text(img, "FIRE CONTROL - INCIDENTS", (24, 52), 1.4, INK, 3)
    _text(img, f"OPEN {len(rows)}", (w - 250, 52), 1.4, AMBER if rows else GREEN, 3)
    _text(img, f"standard: {standard}" if standard else "", (24, 92), 0.8, DIM, 2)
    cv2.line(img, (20, 108), (w - 20, 108), DIM, 2)
    cols = (24, 250, 520, 760)
    for x, head in zip(cols, ("INCIDENT", "PHASE", "TRUCK", "MIN / LIMIT"), strict=True):
        _text(img, head, (x, 146), 0.8, DIM, 2)
    line_h = max((h - 170) // max_rows, 30)
    for n, (iid, phase, truck, mins, lim) in enumerate(rows[:max_rows]):
        y = 190 + n * line_h
        late = math.isfinite(lim) and mins > lim
        near = math.isfinite(lim) and mins > 2.0 / 3.0 * lim
        colour = RED if late else (AMBER if near else GREEN)
        _text(img, iid, (cols[0], y), 0.95, INK)
        _text(img, phase.upper(), (cols[1], y), 0.95, INK)
        _text(img, truck, (cols[2], y), 0.95, INK)
        lim_s = f"{lim:g}" if math.isfinite(lim) else "-"
        _text(img, f"{mins:5.1f} / {lim_s}", (cols[3], y), 0.95, colour)
        # a bar of the minutes used against the standard
        if math.isfinite(lim) and lim > 0:
            frac = min(mins / lim, 1.0)
            cv2.rectangle(img, (cols[3], y + 8), (cols[3] + int(220 * frac), y + 14), colour, -1)
    if len(rows) > max_rows:
        _text(img, f"+{len(rows) - max_rows} more", (24, h - 16), 0.8, DIM, 2)


class RackLike(Protocol):
    """A server rack: its load 0..1; ``up`` and ``spare`` when the sim says."""

    id: str
    load: float


def rack_rows(racks: Sequence[Any]) -> tuple[tuple[str, int, bool, bool], ...]:
    """What the server status panel shows per rack: id, load in percent, up, spare."""
    out = []
    for r in racks:
        get = r.get if isinstance(r, dict) else (lambda k, d=None, r=r: getattr(r, k, d))
        out.append((str(get("id")), int(round(100 * float(np.clip(get("load", 0.0), 0.0, 1.0)))),
                    bool(get("up", True)), bool(get("spare", False))))
    return tuple(out)


def draw_racks(img: np.ndarray, rows: tuple[tuple[str, int, bool, bool], ...]) -> None:
    """The server room's status panel: one bar per recording server, DOWN in red for a crashed one."""
    h, w = img.shape[:2]
    img[:] = BOARD_BG
    down = sum(not r[2] for r in rows)
    _text(img, "RECORDING SERVERS", (20, 44), 1.1, INK, 2)
    _text(img, f"{down} DOWN" if down else "ALL UP", (w - 200, 44), 1.1, RED if down else GREEN, 2)
    line_h = max((h - 70) // max(len(rows), 1), 24)
    for n, (rid, pct, up, spare) in enumerate(rows):
        y = 90 + n * line_h
        _text(img, rid + (" spare" if spare else ""), (20, y), 0.8, INK)
        if not up:
            _text(img, "DOWN - FAILOVER", (220, y), 0.8, RED)
            continue
        colour = GREEN if pct < 70 else (AMBER if pct < 90 else RED)
        cv2.rectangle(img, (220, y - 18), (220 + int((w - 340) * pct / 100.0), y), colour, -1)
        _text(img, f"{pct:3d}%", (w - 110, y), 0.8, INK)
