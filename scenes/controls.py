"""Desktop flight: keys and mouse to a camera's motion, frame-rate independent.

Pure state and numpy: the window feeds key-down/up and mouse deltas in, and :meth:`FlightControls.step`
moves the eye by ``speed x dt`` (so motion does not depend on the frame rate).
"""

from __future__ import annotations

__all__ = ["FLIGHT_KEYS", "FlightControls"]

import math
from dataclasses import dataclass, field

import numpy as np

#: key -> (forward, right, up) direction it pushes; shift flies five times faster. (c, f, v, m, e toggle
#: overlays, space pauses and 1/2/3 set the speed, so flight keeps off them.)
FLIGHT_KEYS: dict[str, tuple[float, float, float]] = {
    "w": (1, 0, 0),
    "arrow_up": (1, 0, 0),
    "s": (-1, 0, 0),
    "arrow_down": (-1, 0, 0),
    "d": (0, 1, 0),
    "arrow_right": (0, 1, 0),
    "a": (0, -1, 0),
    "arrow_left": (0, -1, 0),
    "r": (0, 0, 1),
    "page_up": (0, 0, 1),
    "z": (0, 0, -1),
    "page_down": (0, 0, -1),
}


@dataclass
class FlightControls:
    """The eye's position (m) and heading/pitch (Panda3D degrees), driven by held keys and mouse drags."""

    position: np.ndarray = field(default_factory=lambda: np.array([0.0, -600.0, 400.0]))
    heading_deg: float = 0.0
    pitch_deg: float = -35.0
    speed_mps: float = 60.0
    boost: float = 5.0
    mouse_deg_per_px: float = 0.2
    min_altitude_m: float = 1.7
    held: set[str] = field(default_factory=set)

    def key(self, name: str, down: bool) -> bool:
        """A key went down or up; returns whether it is a flight key."""
        if name not in FLIGHT_KEYS and name != "shift":
            return False
        (self.held.add if down else self.held.discard)(name)
        return True

    def drag(self, dx_px: float, dy_px: float) -> None:
        """Mouse dragged by (dx, dy) pixels: turn and look up/down (pitch clamped to +-89 deg)."""
        self.heading_deg -= dx_px * self.mouse_deg_per_px
        self.pitch_deg = float(np.clip(self.pitch_deg - dy_px * self.mouse_deg_per_px, -89.0, 89.0))

    def step(self, dt: float) -> np.ndarray:
        """Advance ``dt`` seconds; returns the new position."""
        push = np.zeros(3)
        for k in self.held:
            if k in FLIGHT_KEYS:
                push += FLIGHT_KEYS[k]
        if not push.any():
            return self.position
        h = math.radians(self.heading_deg)
        p = math.radians(self.pitch_deg)
        # Panda3D heading is counter-clockwise from +y (north): forward = (-sin h cos p, cos h cos p, sin p)
        fwd = np.array([-math.sin(h) * math.cos(p), math.cos(h) * math.cos(p), math.sin(p)])
        right = np.array([math.cos(h), math.sin(h), 0.0])
        up = np.array([0.0, 0.0, 1.0])
        v = push[0] * fwd + push[1] * right + push[2] * up
        v /= max(np.linalg.norm(v), 1e-9)
        speed = self.speed_mps * (self.boost if "shift" in self.held else 1.0)
        self.position = self.position + v * speed * dt
        self.position[2] = max(self.position[2], self.min_altitude_m)
        return self.position
