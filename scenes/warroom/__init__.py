"""The War Room inside the command-center building: video wall, operator desks, fire control, server room.

Built with the scene (``CityScene.warroom``); fed by the root through the scene's snapshots and frames.
"""

from ._building import Layout, Rect, layout_for
from ._furniture import LEDS, led_levels
from ._panels import board_rows, rack_rows
from ._wall import VideoWall, WallSpec
from ._warroom import EYE_M, WarRoom, WarRoomStats

__all__ = [
    "EYE_M",
    "LEDS",
    "Layout",
    "Rect",
    "VideoWall",
    "WallSpec",
    "WarRoom",
    "WarRoomStats",
    "board_rows",
    "layout_for",
    "led_levels",
    "rack_rows",
]
