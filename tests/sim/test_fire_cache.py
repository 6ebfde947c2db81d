"""The fire model's sighting cache is keyed by everything it depends on: change an input, the answer changes.

Each case computes the sightings, changes one input, and asks again: the answer must equal a fresh
computation with the cache emptied (the cache did not answer for the old city) and differ from the
first (the input matters here, so the check can fail).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely

import twin
from sim.fire import _detect as detect
from twin.profiles import DORI_PROFILES, DoriProfile

# a camera 6 m up at the origin looking north (1920 px, hfov 90: Detect to 38.4 m slant)
CAM = twin.Camera("A", 0.0, 0.0, mount_height_m=6.0, heading_deg=0.0, tilt_deg=15.0, hfov_deg=90.0, type="ptz")
# 4 x 4 m houses north at 14, 30 and 60 m, one south at 20 m; a low wall between the camera and the 30 m house
TARGETS = [
    shapely.box(-2, 14, 2, 18),
    shapely.box(-2, 30, 2, 34),
    shapely.box(-2, 60, 2, 64),
    shapely.box(-2, -24, 2, -20),
]
WALL = shapely.box(-10, 23, 10, 26)  # 3 m thick: thicker than the 2 m raster cells that must hold it


def city() -> twin.Twin:
    houses = [twin.Building(f"H{k}", fp, 4.0) for k, fp in enumerate(TARGETS)]
    return twin.Twin(
        frame=twin.LocalFrame(119.42, -5.14),
        buildings=[*houses, twin.Building("W", WALL, 0.5)],
        cameras=[CAM],
        extent=(-100.0, -100.0, 100.0, 100.0),
    )


def pairs(t: twin.Twin, cams: list[twin.Camera], **kw) -> list[tuple[int, int, float]]:
    sg = detect.coverage_sightings(t, cams, np.array(TARGETS, dtype=object), **kw)
    return [
        (i, int(c), float(p))
        for i in range(len(TARGETS))
        for c, p in zip(sg.of(i), sg.ppm[sg.ptr[i] : sg.ptr[i + 1]], strict=True)
    ]


def fresh(t: twin.Twin, cams: list[twin.Camera], **kw) -> list[tuple[int, int, float]]:
    detect._SEEN_CACHE.clear()
    return pairs(t, cams, **kw)


def replace_cam(**kw) -> list[twin.Camera]:
    return [dataclasses.replace(CAM, **kw)]


CHANGES = {
    "mount height": lambda t: (t, replace_cam(mount_height_m=30.0), {}),
    "resolution": lambda t: (t, replace_cam(width_px=3840, height_px=2160), {}),
    "presets": lambda t: (t, replace_cam(presets=[twin.PosePreset(180.0, 15.0)]), {}),
    "correction": lambda t: (t, replace_cam(correction=twin.PoseCorrection(heading_deg=180.0)), {}),
    "lens": lambda t: (t, replace_cam(hfov_deg=30.0), {}),
    "raster resolution": lambda t: (t, [CAM], {"resolution_m": 25.0}),
    "target height": lambda t: (t, [CAM], {"target_height_m": 12.0}),
    "level": lambda t: (t, [CAM], {"level": "Observe"}),
}


@pytest.mark.parametrize("what", sorted(CHANGES))
def test_each_camera_and_model_input_is_in_the_key(what: str) -> None:
    t = city()
    before = fresh(t, [CAM])
    assert pairs(t, [CAM]) == before  # a hit
    t2, cams, kw = CHANGES[what](t)
    got = pairs(t2, cams, **kw)
    assert got == fresh(t2, cams, **kw), f"changing the {what} returned a stale cached answer"
    assert got != before, f"the {what} should change what the camera sees here"


def test_building_heights_changed_in_place() -> None:
    t = city()
    before = fresh(t, [CAM])
    assert (1, 0) in [(i, c) for i, c, _ in before], "the 30 m house is seen over the low wall"
    t.buildings[-1].height_m = 20.0  # the same Twin object, its wall raised
    got = pairs(t, [CAM])
    assert got == fresh(t, [CAM])
    assert (1, 0) not in [(i, c) for i, c, _ in got], "the raised wall hides the 30 m house"


def test_a_building_moved_or_added() -> None:
    t = city()
    before = fresh(t, [CAM])
    t.buildings[-1].footprint = shapely.box(-10, 40, 10, 43)  # the low wall moves away ...
    t.buildings.append(twin.Building("X", shapely.box(-10, 8, 10, 11), 30.0))  # ... and a tall one stands in front
    got = pairs(t, [CAM])
    assert got == fresh(t, [CAM]) and got != before


def test_the_dori_profile_is_in_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # a stricter profile with the same level names (profiles are data a user may add or change)
    strict = DoriProfile("STRICT", (("Monitor", 12.5), ("Detect", 40.0), ("Observe", 62.5)))
    monkeypatch.setitem(DORI_PROFILES, "STRICT", strict)
    t = city()
    before = fresh(t, [CAM])
    t.standards.dori = "STRICT"
    got = pairs(t, [CAM])
    assert got == fresh(t, [CAM]) and got != before


def test_twin_views_follow_the_data() -> None:
    # Twin's derived arrays are built from the buildings on each call, never a stale copy
    t = city()
    assert t.building_heights_m.tolist() == [4.0, 4.0, 4.0, 4.0, 0.5]
    t.buildings[0].height_m = 12.0
    t.buildings.append(twin.Building("Y", shapely.box(50, 50, 55, 55), 7.0))
    assert t.building_heights_m.tolist() == [12.0, 4.0, 4.0, 4.0, 0.5, 7.0]
    assert len(t.footprints) == 6 and t.footprints[-1].equals(shapely.box(50, 50, 55, 55))


def test_a_raster_is_read_only_so_what_is_kept_with_it_stays_true() -> None:
    # coverage keeps the target heights with the raster they come from: a raster cannot change under them
    from twin.coverage import target_heights
    from twin.raster import build_raster

    g = build_raster(city(), resolution_m=2.0)
    tz = target_heights(g, 1.6)
    for a in (g.dsm, g.building, g.public, g.priority, tz):
        with pytest.raises(ValueError, match="read-only"):
            a[0, 0] = 1
    assert target_heights(g, 1.6) is tz  # kept for the height asked ...
    assert float(np.nanmax(target_heights(g, 5.0))) == 5.0  # ... and made anew for another
