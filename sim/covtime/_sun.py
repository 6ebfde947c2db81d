"""Sunrise and sunset from latitude, longitude and date (NOAA's general solar position formulas).

The formulas are those of NOAA's Global Monitoring Laboratory ("General Solar Position
Calculations"): fractional year, equation of time and declination as Fourier series, and the
hour angle of the sun at a zenith of 90.833 degrees (the upper limb at the horizon with standard
refraction). Accurate to about a minute at low and middle latitudes; no network, no tables.
"""

from __future__ import annotations

__all__ = ["daylight_intervals", "sun_times"]

import datetime as dt
import math

import numpy as np

from twin import TwinError
from twin.solar import eqtime_declination

#: Zenith angle of sunrise/sunset in degrees: 90 + 50' (refraction 34' + the sun's radius 16').
SUNRISE_ZENITH_DEG = 90.833


def _check_latlon(lat_deg: float, lon_deg: float) -> None:
    if not (math.isfinite(lat_deg) and -90.0 <= lat_deg <= 90.0):
        raise TwinError(f"latitude must be in [-90, 90] degrees, got {lat_deg!r}")
    if not (math.isfinite(lon_deg) and -180.0 <= lon_deg <= 180.0):
        raise TwinError(f"longitude must be in [-180, 180] degrees, got {lon_deg!r}")


def sun_times(
    lat_deg: float, lon_deg: float, dates: list[dt.date], *, utc_offset_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """Sunrise and sunset, in local hours after midnight (clock time at ``utc_offset_h``), for each date.

    A day with the sun always up gives (0, 24); a polar night gives (12, 12) (no daylight).
    """
    _check_latlon(lat_deg, lon_deg)
    doy = np.array([d.timetuple().tm_yday for d in dates], dtype=float)
    ndays = np.array([366.0 if _leap(d.year) else 365.0 for d in dates])
    g = 2.0 * np.pi / ndays * (doy - 1.0)  # at noon: (hour - 12) / 24 = 0
    eqtime, decl = eqtime_declination(g)
    lat = math.radians(lat_deg)
    arg = math.cos(math.radians(SUNRISE_ZENITH_DEG)) / (math.cos(lat) * np.cos(decl)) - math.tan(lat) * np.tan(decl)
    ha = np.degrees(np.arccos(np.clip(arg, -1.0, 1.0)))
    rise_utc_min = 720.0 - 4.0 * (lon_deg + ha) - eqtime
    set_utc_min = 720.0 - 4.0 * (lon_deg - ha) - eqtime
    rise = rise_utc_min / 60.0 + utc_offset_h
    sset = set_utc_min / 60.0 + utc_offset_h
    rise = np.where(arg <= -1.0, 0.0, np.where(arg >= 1.0, 12.0, rise))
    sset = np.where(arg <= -1.0, 24.0, np.where(arg >= 1.0, 12.0, sset))
    return rise, sset


def _leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def daylight_intervals(
    lat_deg: float, lon_deg: float, start: dt.date, horizon_s: float, *, utc_offset_h: float
) -> np.ndarray:
    """Daylight intervals ``[[start_s, end_s], ...]`` in sim seconds (0 = local midnight of ``start``)."""
    n = int(math.ceil(horizon_s / 86400.0)) + 1
    dates = [start + dt.timedelta(days=k) for k in range(n)]
    rise, sset = sun_times(lat_deg, lon_deg, dates, utc_offset_h=utc_offset_h)
    base = np.arange(n) * 86400.0
    iv = np.column_stack([base + rise * 3600.0, base + sset * 3600.0])
    iv = iv[iv[:, 1] > iv[:, 0]]
    iv = np.clip(iv, 0.0, horizon_s)
    return iv[iv[:, 1] > iv[:, 0]]
