"""A Camera is checked once, when it is built: every rule with pytest.raises(match=...)."""

from __future__ import annotations

import dataclasses
import math

import pytest

import twin


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"hfov_deg": 240}, r"camera 'CAM-017': hfov_deg must be in \(0, 180\] \(360 only for a dome .*\), got 240"),
        ({"hfov_deg": 0.0}, r"hfov_deg must be in \(0, 180\]"),
        ({"hfov_deg": 360.0}, r"hfov_deg must be in \(0, 180\] \(360 only for a dome fisheye\), got 360"),
        ({"hfov_deg": None}, r"focal_mm must be > 0 when hfov_deg is not given, got None"),
        ({"hfov_deg": None, "focal_mm": 4.0}, r"sensor_width_mm must be > 0 when the lens is given by focal_mm"),
        ({"tilt_deg": 120}, r"tilt_deg must be in \[-90, 90\], got 120"),
        ({"mount_height_m": -3}, r"mount_height_m must be > 0 m, got -3"),
        ({"x": math.nan}, r"x must be a finite number, got nan"),
        ({"type": "laser"}, r"type must be one of \['fixed', 'ptz', 'dome'\], got 'laser'"),
        ({"status": "wished"}, r"status must be one of \['existing', 'planned', 'candidate'\], got 'wished'"),
        ({"width_px": 0}, r"width_px and height_px must be whole numbers > 0, got 0x1080"),
        ({"height_px": 720.5}, r"width_px and height_px must be whole numbers > 0, got 1920x720.5"),
        ({"fps": 0}, r"fps must be > 0, got 0"),
        ({"codec": "av1"}, r"codec must be one of \['h264', 'h265', 'mjpeg'\], got 'av1'"),
        ({"bitrate_kbps": -1.0}, r"bitrate_kbps must be > 0, got -1"),
        ({"cost": -2.0}, r"cost must be >= 0, got -2"),
        ({"ir_range_m": 0.0}, r"ir_range_m must be > 0 m, got 0"),
        ({"privacy_masks": [[(0, 0), (1, 1)]]}, r"privacy_masks\[0\] needs at least 3 points, got 2"),
        ({"presets": [twin.PosePreset(10.0, 5.0, dwell_s=0.0)]}, r"presets\[0\].dwell_s must be > 0, got 0"),
        ({"presets": [twin.PosePreset(10.0, 5.0, hfov_deg=200.0)]}, r"presets\[0\].hfov_deg must be in \(0, 180\]"),
        ({"presets": [twin.PosePreset(10.0, 95.0)]}, r"presets\[0\] needs a finite heading_deg and tilt_deg"),
    ],
)
def test_every_rule_at_construction(kwargs: dict, match: str) -> None:
    with pytest.raises(twin.CameraError, match=match) as e:
        twin.Camera(**{"id": "CAM-017", "x": 0.0, "y": 0.0, **kwargs})
    assert e.value.camera_id == "CAM-017"
    assert isinstance(e.value, ValueError)  # one family: TwinError is a ValueError


def test_a_good_camera_and_the_dome_fisheye_pass() -> None:
    twin.Camera("ok", 0.0, 0.0)
    d = twin.Camera("dome", 0.0, 0.0, type="dome", hfov_deg=360.0)
    assert d.hfov == 360.0
    # dataclasses.replace builds a new camera, so it is checked too
    with pytest.raises(twin.CameraError, match=r"camera 'ok': fps must be > 0"):
        dataclasses.replace(twin.Camera("ok", 0.0, 0.0), fps=-1.0)


def test_empty_id() -> None:
    with pytest.raises(twin.CameraError, match=r"id must be a non-empty string, got ''"):
        twin.Camera("", 0.0, 0.0)
