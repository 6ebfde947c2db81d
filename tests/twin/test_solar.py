"""twin.solar against closed forms and an independent algorithm (the Astronomical Almanac's low-precision sun)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

import twin
from twin.solar import solar_position

UTC = dt.UTC


def almanac_sun(lat_deg: float, lon_deg: float, when_utc: dt.datetime) -> tuple[float, float]:
    """Azimuth and elevation by the Astronomical Almanac's low-precision formulae (ecliptic longitude,
    right ascension, Greenwich mean sidereal time): a different route from NOAA's Fourier series."""
    j2000 = dt.datetime(2000, 1, 1, 12, tzinfo=UTC)
    n = (when_utc - j2000).total_seconds() / 86400.0
    mean_lon = math.radians((280.460 + 0.9856474 * n) % 360)
    g = math.radians((357.528 + 0.9856003 * n) % 360)
    ecl_lon = mean_lon + math.radians(1.915) * math.sin(g) + math.radians(0.020) * math.sin(2 * g)
    eps = math.radians(23.439 - 0.0000004 * n)
    ra = math.atan2(math.cos(eps) * math.sin(ecl_lon), math.cos(ecl_lon))
    decl = math.asin(math.sin(eps) * math.sin(ecl_lon))
    gmst_h = (18.697374558 + 24.06570982441908 * n) % 24
    ha = math.radians(gmst_h * 15 + lon_deg) - ra
    lat = math.radians(lat_deg)
    el = math.asin(math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(ha))
    az = math.atan2(-math.sin(ha), math.tan(decl) * math.cos(lat) - math.sin(lat) * math.cos(ha))
    return math.degrees(az) % 360, math.degrees(el)


def _noon_max_elevation(lat: float, lon: float, day: dt.date) -> float:
    """Highest elevation over the day, minute by minute (local solar noon, wherever it falls)."""
    start = dt.datetime(day.year, day.month, day.day, tzinfo=UTC) - dt.timedelta(hours=lon / 15.0)
    return max(solar_position(lat, lon, start + dt.timedelta(minutes=m)).elevation_deg for m in range(600, 840))


@pytest.mark.parametrize(
    ("lat", "lon", "day", "decl_deg"),
    [
        (-5.14, 119.42, dt.date(2026, 6, 21), 23.44),  # Makassar, June solstice: 90 - |lat - decl| = 61.42
        (60.17, 24.94, dt.date(2026, 6, 21), 23.44),  # Helsinki, June solstice: 53.27
        (-5.14, 119.42, dt.date(2026, 12, 21), -23.44),  # Makassar, December solstice: 71.70
        (0.0, 0.0, dt.date(2026, 3, 20), 0.0),  # equator, March equinox: overhead
    ],
)
def test_noon_elevation_is_90_minus_lat_minus_declination(lat, lon, day, decl_deg):
    want = 90.0 - abs(lat - decl_deg)
    assert _noon_max_elevation(lat, lon, day) == pytest.approx(want, abs=0.5)


def test_noon_sun_is_north_of_makassar_in_june_and_south_in_december():
    june = solar_position(-5.14, 119.42, dt.datetime(2026, 6, 21, 12, 0))  # naive: local, UTC+8
    dec = solar_position(-5.14, 119.42, dt.datetime(2026, 12, 21, 12, 0))
    assert min(june.azimuth_deg, 360 - june.azimuth_deg) < 15  # north (solar noon is ~12:06 WITA)
    assert abs(dec.azimuth_deg - 180) < 15


def test_equinox_sun_rises_east_and_sets_west():
    # 06:07 and 18:07 local (solar noon 12:07: equation of time -7.5 min) at the equator on its zone
    # meridian on the equinox: the sun is on the horizon due east, then due west (1 degree: the
    # series lag 2026's equinox by half a day)
    am = solar_position(0.0, 120.0, dt.datetime(2026, 3, 20, 6, 7))
    pm = solar_position(0.0, 120.0, dt.datetime(2026, 3, 20, 18, 7))
    assert am.elevation_deg == pytest.approx(0.0, abs=0.6) and am.azimuth_deg == pytest.approx(90.0, abs=1.0)
    assert pm.elevation_deg == pytest.approx(0.0, abs=0.6) and pm.azimuth_deg == pytest.approx(270.0, abs=1.0)


@pytest.mark.parametrize("lat,lon", [(-5.14, 119.42), (60.17, 24.94), (40.0, -74.0), (-33.9, 151.2)])
@pytest.mark.parametrize("month", [1, 4, 7, 10])
@pytest.mark.parametrize("hour", [7, 10, 13, 16])
def test_agrees_with_the_almanac_algorithm(lat, lon, month, hour):
    when = dt.datetime(2026, month, 15, hour, 30, tzinfo=UTC) - dt.timedelta(hours=lon / 15.0)
    got = solar_position(lat, lon, when)
    az, el = almanac_sun(lat, lon, when)
    assert got.elevation_deg == pytest.approx(el, abs=0.5)
    if el > 2:  # azimuth is well defined away from the zenith and the horizon
        d = (got.azimuth_deg - az + 180) % 360 - 180
        assert abs(d) < 0.7 / max(math.cos(math.radians(el)), 0.2)


def test_timezone_aware_and_naive_local_agree():
    wita = dt.timezone(dt.timedelta(hours=8))
    a = solar_position(-5.14, 119.42, dt.datetime(2026, 3, 20, 9, 0, tzinfo=wita))
    b = solar_position(-5.14, 119.42, dt.datetime(2026, 3, 20, 9, 0))
    c = solar_position(-5.14, 119.42, dt.datetime(2026, 3, 20, 1, 0, tzinfo=UTC))
    assert a == b == c


def test_direction_is_a_unit_vector_towards_the_sun():
    p = twin.SunPosition(azimuth_deg=90.0, elevation_deg=30.0, declination_deg=0.0, eqtime_min=0.0)
    x, y, z = p.direction()
    assert (x, y, z) == pytest.approx((math.cos(math.radians(30)), 0.0, 0.5))


def test_bad_latitude_says_the_rule():
    with pytest.raises(twin.TwinError, match=r"latitude must be in \[-90, 90\] degrees, got 95"):
        solar_position(95.0, 0.0, dt.datetime(2026, 1, 1))
