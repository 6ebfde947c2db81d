"""A fire truck as the visitors see it: cab, body, wheels, and a light bar that flashes by sim time.

The warning lights alternate (left red, right blue) at :data:`FLASH_HZ`, within NFPA 1901's rule of
at least 75 flashes a minute, while the truck is on a call (responding or on scene); they are dark at
the station and on the way back. The flash follows sim time, so a paused sim holds it and a frame
at a given time always shows the same lights (at high sim speeds the flashing is sampled, as a
time-lapse would).
"""

from __future__ import annotations

import math

from panda3d.core import NodePath

from ._mesh import Soup, boxes, geom_node

#: Flash frequency of each warning light (Hz of sim time): 1.5 Hz = 90 flashes a minute.
FLASH_HZ = 1.5
TRUCK_RED = (205, 28, 28)
LIGHT_ON = ((1.0, 0.08, 0.05), (0.15, 0.35, 1.0))
LIGHT_OFF = ((0.25, 0.05, 0.05), (0.05, 0.07, 0.2))
#: Truck states with the lights on (the fire engine's words); an unknown state counts as a call.
FLASHING = frozenset({"responding", "on_scene", "dispatched", ""})
#: Where the light bar sits (m, truck frame: x right, y forward, z up).
LIGHT_Z_M = 3.05
LIGHT_Y_M = 2.9


def truck_soup() -> Soup:
    """The truck's body in its own frame (8 m long, 2.5 m wide; y forward), baked-lit colours."""
    parts = [
        ((0.0, -1.0, 1.75), (2.5, 6.0, 2.6), TRUCK_RED),  # body with the pump and hoses
        ((0.0, 3.0, 1.55), (2.45, 2.0, 2.2), TRUCK_RED),  # cab
        ((0.0, 3.95, 1.9), (2.2, 0.12, 0.9), (40, 55, 70)),  # windscreen
        ((0.0, -1.0, 3.15), (1.4, 5.6, 0.2), (190, 190, 195)),  # ladder on the roof
        ((0.0, -1.0, 1.5), (2.56, 5.0, 0.18), (235, 235, 225)),  # the white stripe
    ]
    for y in (2.8, -0.5, -2.9):
        for x in (-1.15, 1.15):
            parts.append(((x, y, 0.5), (0.35, 1.0, 1.0), (25, 25, 28)))  # wheels
    return Soup.concat([boxes([c], s, rgb) for c, s, rgb in parts])


class TruckLook:
    """Geometry shared by every truck node, and the per-truck light bar."""

    def __init__(self) -> None:
        self.body = geom_node("truck", truck_soup())
        self.light = geom_node("truck-light", boxes([[0.0, 0.0, 0.0]], (1.0, 0.6, 0.4), (255, 255, 255), lit=False))

    def make(self, parent: NodePath, truck_id: str) -> NodePath:
        """A new truck node (body and two lights) under ``parent``."""
        node = parent.attach_new_node(f"truck-{truck_id}")
        node.attach_new_node(self.body.make_copy())
        for k, x in enumerate((-0.6, 0.6)):
            lamp = node.attach_new_node(self.light.make_copy())
            lamp.set_name(f"light-{k}")
            lamp.set_pos(x, LIGHT_Y_M, LIGHT_Z_M)
            lamp.set_light_off()
        return node

    @staticmethod
    def flash(node: NodePath, t_s: float, state: str) -> None:
        """Set the truck's lights for sim time ``t_s``: alternating while on a call, dark otherwise."""
        on_call = state in FLASHING
        phase = int(math.floor(t_s * 2.0 * FLASH_HZ)) % 2
        for k in range(2):
            lamp = node.find(f"light-{k}")
            lit = on_call and phase == k
            lamp.set_color(*(LIGHT_ON[k] if lit else LIGHT_OFF[k]), 1.0)
