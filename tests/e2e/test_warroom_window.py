"""Walking into the War Room in the real showroom window: ``g`` to the entrance, ``g`` to the video wall.

A real window under Xvfb (the same fixture as the other window tests), the default city, the drill
live; the trace says where the eye ended up and what the War Room did.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2

from .test_showroom_window import _view, xvfb  # noqa: F401 - the Xvfb fixture, used by name


def test_g_walks_into_the_war_room_and_the_wall_shows_the_hub_pictures(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    shot = tmp_path / "wall.png"
    script = [
        {"t": 1.0, "key": "g"},
        {"t": 1.5, "key": "g"},
        {"t": 6.0, "screenshot": str(shot)},
        {"t": 6.5, "key": "escape"},
    ]
    r = _view(tmp_path, xvfb, "--xr", "off", script=script)
    assert r.returncode == 0, r.stderr[-3000:]
    trace = json.loads((tmp_path / "trace.json").read_text())
    wr = trace["warroom"]
    assert wr["room"] == "video_wall"
    assert len(wr["wall_cameras"]) == wr["tiles"] == 24
    assert wr["wall_tile_writes"] > 0 and wr["wall_uploads"] > 0, wr
    assert wr["operators_shown"] in (13, 14)  # the shift on duty at the drill's hour
    img = cv2.imread(str(shot))
    # the wall fills the middle of the view: test-pattern bars, saturated colours, where the tiles have pictures
    mid = img[img.shape[0] // 6 : img.shape[0] // 2, img.shape[1] // 6 : 5 * img.shape[1] // 6].astype(int)
    sat = mid.max(axis=2) - mid.min(axis=2)
    assert (sat > 100).mean() > 0.05
