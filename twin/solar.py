"""Where the sun is: solar azimuth and elevation from latitude, longitude and a clock time.

NOAA Global Monitoring Laboratory's "General Solar Position Calculations": the fractional year,
the equation of time and the declination as short Fourier series, then the hour angle from the
true solar time. Good to about half a degree (the series lag the leap-year cycle by up to a day
near the equinoxes; no tables, no network). Elevations are geometric (no refraction): the sun's centre
above the mathematical horizon.
"""

from __future__ import annotations

__all__ = ["SunPosition", "eqtime_declination", "solar_position", "standard_utc_offset_h"]

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from ._errors import TwinError


@dataclass(frozen=True)
class SunPosition:
    """The sun seen from a place at a moment.

    Attributes:
        azimuth_deg: clockwise from north, 0..360.
        elevation_deg: above the horizon (negative at night), geometric.
        declination_deg: the sun's declination that day.
        eqtime_min: the equation of time (true solar minus mean solar time), minutes.
    """

    azimuth_deg: float
    elevation_deg: float
    declination_deg: float
    eqtime_min: float

    def direction(self) -> tuple[float, float, float]:
        """Unit vector towards the sun in a local frame (x east, y north, z up)."""
        az, el = math.radians(self.azimuth_deg), math.radians(self.elevation_deg)
        return (math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el))


def eqtime_declination(gamma_rad: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """NOAA's equation of time (minutes) and declination (radians) at the fractional year ``gamma``.

    ``gamma = 2 pi / days_in_year * (day_of_year - 1 + (hour - 12) / 24)``.
    """
    g = np.asarray(gamma_rad, dtype=float)
    eqtime = 229.18 * (
        0.000075 + 0.001868 * np.cos(g) - 0.032077 * np.sin(g) - 0.014615 * np.cos(2 * g) - 0.040849 * np.sin(2 * g)
    )
    decl = (
        0.006918
        - 0.399912 * np.cos(g)
        + 0.070257 * np.sin(g)
        - 0.006758 * np.cos(2 * g)
        + 0.000907 * np.sin(2 * g)
        - 0.002697 * np.cos(3 * g)
        + 0.00148 * np.sin(3 * g)
    )
    return eqtime, decl


def standard_utc_offset_h(lon_deg: float) -> float:
    """The nearest whole-hour zone to a longitude (lon / 15, rounded): the clock when none is given."""
    return float(round(lon_deg / 15.0))


def _check(lat_deg: float, lon_deg: float) -> None:
    if not (math.isfinite(lat_deg) and -90.0 <= lat_deg <= 90.0):
        raise TwinError(f"latitude must be in [-90, 90] degrees, got {lat_deg!r}")
    if not (math.isfinite(lon_deg) and -180.0 <= lon_deg <= 180.0):
        raise TwinError(f"longitude must be in [-180, 180] degrees, got {lon_deg!r}")


def solar_position(
    lat_deg: float, lon_deg: float, when: dt.datetime, *, utc_offset_h: float | None = None
) -> SunPosition:
    """The sun's azimuth and elevation at ``(lat_deg, lon_deg)`` at ``when``.

    Args:
        lat_deg: latitude, degrees north.
        lon_deg: longitude, degrees east.
        when: the clock time. A timezone-aware datetime is taken as it says; a naive one is local
            clock time at ``utc_offset_h``.
        utc_offset_h: hours ahead of UTC of a naive ``when`` (default :func:`standard_utc_offset_h`
            of the longitude, e.g. +8 for Makassar).

    Raises:
        TwinError: latitude or longitude out of range.
    """
    _check(lat_deg, lon_deg)
    if when.tzinfo is not None and when.utcoffset() is not None:
        utc = when.astimezone(dt.UTC).replace(tzinfo=None)
    else:
        off = standard_utc_offset_h(lon_deg) if utc_offset_h is None else float(utc_offset_h)
        utc = when - dt.timedelta(hours=off)
    year_days = 366.0 if (utc.year % 4 == 0 and (utc.year % 100 != 0 or utc.year % 400 == 0)) else 365.0
    hour = utc.hour + utc.minute / 60.0 + (utc.second + utc.microsecond / 1e6) / 3600.0
    gamma = 2.0 * math.pi / year_days * (utc.timetuple().tm_yday - 1 + (hour - 12.0) / 24.0)
    eqtime, decl = (float(v) for v in eqtime_declination(gamma))
    true_solar_min = hour * 60.0 + eqtime + 4.0 * lon_deg
    ha = math.radians(true_solar_min / 4.0 - 180.0)
    lat = math.radians(lat_deg)
    cos_zen = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(ha)
    elevation = 90.0 - math.degrees(math.acos(max(-1.0, min(1.0, cos_zen))))
    # azimuth from south, westwards positive, turned to from north, clockwise
    az_south = math.atan2(math.sin(ha), math.cos(ha) * math.sin(lat) - math.tan(decl) * math.cos(lat))
    azimuth = (math.degrees(az_south) + 180.0) % 360.0
    return SunPosition(azimuth, elevation, math.degrees(decl), eqtime)
