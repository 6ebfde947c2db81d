"""The living look on llvmpipe: shadows opposite the sun that move with the hour, day and night skies,
street lamps, lit windows and infrared pools at night. Expected sides and lengths come from the
Almanac's low-precision sun (tests/twin/test_solar.py), not from the scene's own solar code."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
import shapely

import scenes
import twin
from tests.twin.test_solar import almanac_sun
from twin.roads import RoadFeature, build_road_graph

from .conftest import Rig, make_twin

LAT, LON = -5.14, 119.42  # make_twin's origin (Makassar)
WITA = dt.timezone(dt.timedelta(hours=8))
EQUINOX = dt.date(2026, 3, 20)
TOWER_M = 30.0


def _sun(hour: int) -> tuple[float, float]:
    local = dt.datetime(EQUINOX.year, EQUINOX.month, EQUINOX.day, hour, tzinfo=WITA)
    return almanac_sun(LAT, LON, local.astimezone(dt.UTC))


def _brightness(img: np.ndarray, rc: tuple[int, int], r: int = 1) -> float:
    row, col = rc
    return float(img[row - r : row + r + 1, col - r : col + r + 1].mean())


@pytest.fixture(scope="module")
def tower(engine):
    """One 10 x 10 x 30 m box on bare ground, seen straight down from 400 m."""
    city = make_twin(buildings=[(-5, -5, 5, 5, TOWER_M)], extent=(-80.0, -80.0, 80.0, 80.0))
    r = Rig(engine, city, size=(240, 240))
    lens = r.view.lens
    lens.set_fov(2 * math.degrees(math.atan(75 / 400)))
    r.view.camera.set_pos(0, 0, 400)
    r.view.camera.set_hpr(0, -90, 0)  # straight down, north up
    yield r
    r.close()


@pytest.mark.parametrize("hour", [9, 15])
def test_shadow_falls_opposite_the_sun_as_long_as_the_sun_is_low(tower, hour):
    az, el = _sun(hour)
    tower.scene.set_clock(dt.datetime(2026, 3, 20, hour, 0))  # naive: local time, UTC+8 at 119.42 E
    img = tower.render(2)
    length = TOWER_M / math.tan(math.radians(el))  # hand: shadow length of a 30 m box
    u = -np.array([math.sin(math.radians(az)), math.cos(math.radians(az))])  # away from the sun
    half = 5.0 / max(abs(u[0]), abs(u[1]))  # from the centre to the box's edge along u
    in_shadow = tower.pixel((*(u * (half + 0.7 * length)), 0.0))
    sunward = tower.pixel((*(-u * (half + 0.7 * length)), 0.0))
    past_tip = tower.pixel((*(u * (half + length + 5.0)), 0.0))
    dark, lit, tip = (_brightness(img, p) for p in (in_shadow, sunward, past_tip))
    assert dark < 0.7 * lit, (hour, az, el, dark, lit)
    assert tip > 0.9 * lit, (hour, az, el, tip, lit)
    # and the sides: west of the tower in the morning, east in the afternoon
    west = _brightness(img, tower.pixel((-(5 + 0.5 * length), 0.0, 0.0)))
    east = _brightness(img, tower.pixel((5 + 0.5 * length, 0.0, 0.0)))
    assert (west < 0.7 * east) if hour == 9 else (east < 0.7 * west)


def test_shadow_map_is_sized_to_the_view_not_the_city(tower):
    tower.scene.set_clock(dt.datetime(2026, 3, 20, 9, 0))
    tower.render(1)
    # straight down from 400 m through a 2 atan(75 / 400) lens: a 150 m square of ground; seen along
    # the sun's rays with the 30 m tower's height, at most about 250 m across: 2048 texels of 7-15 cm
    assert 150 / 2048 <= tower.scene.look.shadow.texel_m <= 250 / 2048
    tower.view.camera.set_pos(0, -900, 600)  # far and oblique: the view reaches the 600 m shadow range
    tower.view.camera.look_at(0, 0, 0)
    tower.render(1)
    far = tower.scene.look.shadow.texel_m
    tower.view.camera.set_pos(0, 0, 400)
    tower.view.camera.set_hpr(0, -90, 0)
    assert far > 2 * 250 / 2048  # more than twice as coarse: the same city, a wider view


def test_the_solar_clock_agrees_with_the_almanac(tower):
    tower.scene.set_clock(dt.datetime(2026, 3, 20, 9, 0))
    az, el = _sun(9)
    sun = tower.scene.look.sun
    assert sun.azimuth_deg == pytest.approx(az, abs=1.0) and sun.elevation_deg == pytest.approx(el, abs=0.6)


def _street() -> twin.Twin:
    roads = build_road_graph([RoadFeature("R1", shapely.LineString([(-80, 0), (80, 0)]), highway="primary")])
    cam = twin.Camera("C", -20.0, -20.0, mount_height_m=6, heading_deg=180, tilt_deg=30, hfov_deg=60)
    return make_twin(
        buildings=[(-20, 12, 20, 30, 24.0)], roads=roads, cameras=[cam], extent=(-80.0, -80.0, 80.0, 80.0)
    )


@pytest.fixture(scope="module")
def street(engine):
    r = Rig(engine, _street(), size=(320, 200))
    yield r
    r.close()


ABOVE = ((0, -75, 45), (0, 0, 0))


def _frames(r: Rig, when: dt.datetime) -> tuple[np.ndarray, np.ndarray]:
    """(towards the horizon, from above) at ``when``; the viewer is left at the view from above."""
    r.scene.set_clock(when)
    r.scene.set_overlay("markers", False)
    r.look((0, -60, 3), (0, 60, 12))
    horizon = r.render(2)
    r.look(*ABOVE)
    return horizon, r.render(2)


def test_sky_is_bright_by_day_and_dark_at_night(street):
    day, _ = _frames(street, dt.datetime(2026, 3, 20, 12, 0))
    night, _ = _frames(street, dt.datetime(2026, 3, 20, 23, 0))
    sky_day, sky_night = day[:12].reshape(-1, 3), night[:12].reshape(-1, 3)
    assert sky_day.mean() > 150 and sky_day[:, 0].mean() > sky_day[:, 2].mean()  # bright and blue (BGR)
    assert sky_night.mean() < 35


def test_street_lamps_and_windows_are_lit_at_night(street):
    r = street
    _, day = _frames(r, dt.datetime(2026, 3, 20, 12, 0))
    _, night = _frames(r, dt.datetime(2026, 3, 20, 21, 0))
    # lamps: floor(160 m / 28 m) = 5 along the 160 m road, evenly 32 m apart from 16 m in: x = -64, -32, 0, 32, 64
    lamp = np.mean([_brightness(night, r.pixel((x, 0.0, 0.4)), 2) for x in (0.0, 32.0)])
    dark = _brightness(night, r.pixel((10.0, -30.0, 0.0)), 2)  # open ground 30 m from the road
    assert lamp > 60 and lamp > 3 * dark, (lamp, dark)
    # the building's south face: some windows warm and bright at night, none by day
    face = [r.pixel((x, 12.0, z)) for x in np.linspace(-18, 18, 25) for z in np.linspace(4, 22, 19)]
    rows, cols = np.array(face).T
    px_night = night[rows, cols].astype(int)
    px_day = day[rows, cols].astype(int)
    warm = lambda px: (px[:, 2] > 150) & (px[:, 2] > px[:, 0] + 30)  # noqa: E731 - red well above blue
    assert warm(px_night).mean() > 0.05, warm(px_night).mean()
    assert warm(px_day).mean() < 0.01
    # and the wall between the windows is dark at night
    assert np.percentile(px_night.sum(axis=1), 30) < 120


def test_infrared_reach_shows_at_night_without_video(street):
    r = street
    r.scene.set_overlay("video", False)
    try:
        _, night = _frames(r, dt.datetime(2026, 3, 20, 23, 0))
    finally:
        r.scene.set_overlay("video", True)
    # the camera at (-20, -20) looks south; 12 m in front of it (inside its 30 m IR reach), away from lamps
    pool = _brightness(night, r.pixel((-20.0, -32.0, 0.0)), 2)
    beside = _brightness(night, r.pixel((20.0, -32.0, 0.0)), 2)
    assert pool > beside + 12, (pool, beside)


def test_a_sims_clock_reads_as_local_time():
    # a night drill starting at 22:30: 2 h 15 min into it is 00:45 the next day
    assert scenes.clock_at(8100.0, start_hour=22.5) == dt.datetime(2026, 3, 21, 0, 45)


def test_plain_look_has_no_sky_dome_or_shadow_buffer(engine):
    r = Rig(engine, _street(), size=(64, 48))
    try:
        assert r.scene.look is not None
    finally:
        r.close()
    from panda3d.core import NodePath

    root = NodePath("render")
    s = scenes.CityScene(_street(), root, engine.graphics, settings=scenes.SceneSettings(look="plain"))
    try:
        assert s.look is None and root.find("**/sky-dome").is_empty()
        s.set_clock(dt.datetime(2026, 3, 20, 23, 0))  # a no-op, not an error
    finally:
        s.destroy()
    with pytest.raises(twin.TwinError, match="SceneSettings.look must be one of living, plain, got 'dark'"):
        scenes.CityScene(_street(), root, engine.graphics, settings=scenes.SceneSettings(look="dark"))


def test_render_command_lights_the_city_by_the_hour(tmp_path):
    import json

    import cv2

    import showroom

    from .test_render_cli import _save_city

    city = _save_city(tmp_path / "city")
    means = {}
    for hour in ("12", "22.5"):
        out = tmp_path / hour
        args = ["render", "--city", str(city), "--seconds", "0.5", "--fps", "2", "--size", "96x64", "--no-life"]
        assert showroom.main([*args, "--hour", hour, "--out", str(out)]) == 0
        s = json.loads((out / "summary.json").read_text())
        assert s["clock"].startswith("2026-03-20T12:00" if hour == "12" else "2026-03-20T22:30")
        means[hour] = cv2.imread(str(out / "frames" / "frame_00000.png")).mean()
    assert means["22.5"] < 0.5 * means["12"], means


def test_facade_classes_by_use_height_and_land_use():
    from scenes._facades import facade_class, zone_uses_at

    uses = ["house", "house", "office", "yes", "yes", "yes", "warehouse", "retail"]
    heights = np.array([6.0, 15.0, 20.0, 9.0, 30.0, 8.0, 50.0, 45.0])
    zones = ["residential", None, None, "commercial", "commercial", "industrial", None, None]
    # house; a 15 m house is apartments; office; 'yes' in a commercial zone: shop below 12 m, office
    # above; 'yes' in industry: industrial; a 50 m warehouse stays industrial; 45 m retail is a tower
    assert facade_class(uses, heights, zones).tolist() == [1, 2, 4, 3, 4, 6, 6, 5]
    assert facade_class(["yes"], np.array([8.0])).tolist() == [8]  # no zone, no word: 'other'
    zs = [(shapely.box(0, 0, 10, 10), "residential"), (shapely.box(5, 5, 20, 20), "commercial")]
    assert zone_uses_at(np.array([[2, 2], [7, 7], [15, 15], [30, 30]]), zs) == [
        "residential", "commercial", "commercial", None]  # fmt: skip
