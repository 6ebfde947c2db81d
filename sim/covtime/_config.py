"""Settings of the coverage-over-time model: faults and crews, PTZ patrols, day and night, the wall."""

from __future__ import annotations

__all__ = [
    "DETECTIONS",
    "NIGHT_PROFILES",
    "ROTATIONS",
    "CoverageTimeConfig",
    "NightProfile",
    "config_from_mapping",
    "load_settings",
]

import datetime as dt
import math
from dataclasses import dataclass, field

from sim.faults import FaultRate
from twin import TwinError

#: Wall rotation policies (see :mod:`sim.covtime._model`).
ROTATIONS = ("round_robin", "priority_zones", "alarm_driven")
#: How an outage is noticed: the feed's health watchdog, or a periodic check of every camera.
DETECTIONS = ("feed", "periodic")
#: Light: the sun at the city's latitude and date, or always day / always night.
DAYLIGHT = ("sun", "day", "night")


@dataclass(frozen=True)
class NightProfile:
    """How a kind of camera sees by day and by night.

    Attributes:
        day_ppm_factor: pixel density by day relative to the lens's (1: full resolution).
        night_ppm_factor: pixel density by night (low light and noise halve usable detail on most
            sensors; infrared gives a monochrome image).
        ir_range_m: infrared reach (horizontal metres) of a camera of this kind that gives none.
    """

    day_ppm_factor: float = 1.0
    night_ppm_factor: float = 0.6
    ir_range_m: float = 30.0

    def __post_init__(self) -> None:
        for name in ("day_ppm_factor", "night_ppm_factor"):
            v = getattr(self, name)
            if not (math.isfinite(v) and 0.0 < v <= 1.0):
                raise TwinError(
                    f"night profile: {name} must be in (0, 1] (a factor only lowers pixel density), got {v!r}"
                )
        if not (self.ir_range_m > 0):
            raise TwinError(f"night profile: ir_range_m must be > 0 m, got {self.ir_range_m!r}")


#: Planning values by camera type: infrared reach as datasheets give it for mid-range units
#: (bullet 30 m, dome 20 m, PTZ with IR illuminators 100-200 m); night factor a planning guess
#: (keep a parameter: there is no standard figure). A camera's own ``ir_range_m`` wins.
NIGHT_PROFILES: dict[str, NightProfile] = {
    "fixed": NightProfile(1.0, 0.6, 30.0),
    "dome": NightProfile(1.0, 0.6, 20.0),
    "ptz": NightProfile(1.0, 0.7, 150.0),
}


@dataclass(frozen=True)
class CoverageTimeConfig:
    """Settings of one coverage-over-time run (every figure a planning value a user can change).

    Attributes:
        days: simulated days (sim time 0 is local midnight of ``start_date``).
        operators: wall staff across all shifts (default: the city's ``command_center.operators``).
        shifts: shifts a day (default: the city's).
        tiles_per_operator: live tiles one operator watches (default: the city's).
        first_shift_h: local hour the first shift starts.
        rotation: wall policy, one of :data:`ROTATIONS`.
        tile_dwell_s: how long a rotating tile shows one camera before the next.
        pinned_share: ``priority_zones``: share of the tiles pinned to the top cameras.
        alarms_per_camera_day: ``alarm_driven``: alarms (motion, analytics, calls) per camera a day.
        alarm_hold_s: ``alarm_driven``: how long an alarmed camera holds a tile.
        faults: cameras fail and wait for a crew.
        districts: power and network outages take a whole zone's cameras down.
        district_rates: keys of :data:`sim.faults.FAULT_RATES` (or ``fault_rates``) drawn per zone.
        fault_rates: fault table to use instead of :data:`sim.faults.FAULT_RATES`.
        crews: repair crews (a SimPy resource).
        crew_speed_kph: crew travel speed.
        road_factor: road distance over straight-line distance from the depot (the command center).
        detection: ``feed`` (the feed watchdog notices after ``feed_timeout_s``) or ``periodic``
            (a check of every camera each ``check_interval_s``, at fixed clock times).
        feed_timeout_s: feed watchdog delay.
        check_interval_s: periodic check interval.
        takeovers_per_ptz_day: incidents a day for which an operator takes each PTZ off its patrol.
        takeover_hold_s: mean time an operator keeps a PTZ at an incident (exponential).
        daylight: one of ``sun``, ``day``, ``night``.
        start_date: ISO date of day 0 (for sunrise and sunset).
        utc_offset_h: local clock offset (default: the nearest whole hour to longitude / 15).
        night_profiles: per camera type (default :data:`NIGHT_PROFILES`).
        camera_factors: per camera id, ``(day_ppm_factor, night_ppm_factor)`` overriding the type's.
        bin_s: length of the time bins of the coverage series (an hour).
    """

    days: float = 7.0
    operators: int | None = None
    shifts: int | None = None
    tiles_per_operator: int | None = None
    first_shift_h: float = 7.0
    rotation: str = "round_robin"
    tile_dwell_s: float = 30.0
    pinned_share: float = 0.75
    alarms_per_camera_day: float = 3.0
    alarm_hold_s: float = 120.0
    faults: bool = True
    districts: bool = True
    district_rates: tuple[str, ...] = ("power", "uplink")
    fault_rates: dict[str, FaultRate] | None = None
    crews: int = 1
    crew_speed_kph: float = 30.0
    road_factor: float = 1.4
    detection: str = "feed"
    feed_timeout_s: float = 60.0
    check_interval_s: float = 4 * 3600.0
    takeovers_per_ptz_day: float = 2.0
    takeover_hold_s: float = 600.0
    daylight: str = "sun"
    start_date: str = "2026-03-01"
    utc_offset_h: float | None = None
    night_profiles: dict[str, NightProfile] | None = None
    camera_factors: dict[str, tuple[float, float]] = field(default_factory=dict)
    bin_s: float = 3600.0

    def __post_init__(self) -> None:
        if self.rotation not in ROTATIONS:
            raise TwinError(f"unknown rotation {self.rotation!r}: choose one of {', '.join(ROTATIONS)}")
        if self.detection not in DETECTIONS:
            raise TwinError(f"unknown detection {self.detection!r}: choose one of {', '.join(DETECTIONS)}")
        if self.daylight not in DAYLIGHT:
            raise TwinError(f"unknown daylight {self.daylight!r}: choose one of {', '.join(DAYLIGHT)}")
        if self.operators is not None and (
            isinstance(self.operators, bool) or int(self.operators) != self.operators or self.operators < 1
        ):
            raise TwinError(
                f"operators must be a whole number >= 1 (nobody at the wall watches nothing), got {self.operators!r}"
            )
        if isinstance(self.crews, bool) or int(self.crews) != self.crews or self.crews < 1:
            raise TwinError(f"crews must be a whole number >= 1, got {self.crews!r}")
        positive = (
            "days",
            "tile_dwell_s",
            "alarm_hold_s",
            "crew_speed_kph",
            "road_factor",
            "feed_timeout_s",
            "check_interval_s",
            "takeover_hold_s",
            "bin_s",
        )
        for name in positive:
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise TwinError(f"{name} must be > 0, got {v!r}")
        for name in ("alarms_per_camera_day", "takeovers_per_ptz_day"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise TwinError(f"{name} must be >= 0, got {v!r}")
        if not 0.0 <= self.pinned_share <= 1.0:
            raise TwinError(f"pinned_share must be in [0, 1], got {self.pinned_share!r}")
        try:
            dt.date.fromisoformat(self.start_date)
        except (TypeError, ValueError):
            raise TwinError(f"start_date must be an ISO date like 2026-03-01, got {self.start_date!r}") from None
        for cid, fs in self.camera_factors.items():
            if len(fs) != 2 or not all(math.isfinite(f) and 0.0 < f <= 1.0 for f in fs):
                raise TwinError(f"camera_factors[{cid!r}] must be (day, night) factors in (0, 1], got {fs!r}")

    @property
    def horizon_s(self) -> float:
        """Simulated seconds."""
        return self.days * 86400.0

    @property
    def date(self) -> dt.date:
        """Day 0 as a date."""
        return dt.date.fromisoformat(self.start_date)


def config_from_mapping(doc: dict, *, source: str = "settings") -> CoverageTimeConfig:
    """A config from a plain mapping (a YAML file's): field names of :class:`CoverageTimeConfig`.

    ``night_profiles`` maps camera types to :class:`NightProfile` fields; ``fault_rates`` maps keys to
    :class:`sim.faults.FaultRate` fields and is laid over :data:`sim.faults.FAULT_RATES`;
    ``camera_factors`` maps camera ids to ``[day, night]``.

    Raises:
        TwinError: an unknown key or a bad value, naming ``source`` and the key.
    """
    import dataclasses

    from sim.faults import FAULT_RATES

    if not isinstance(doc, dict):
        raise TwinError(f"{source}: expected a mapping of coverage-over-time settings, got {type(doc).__name__}")
    names = {f.name for f in dataclasses.fields(CoverageTimeConfig)}
    kw = {}
    for k, v in doc.items():
        if k not in names:
            raise TwinError(f"{source}: unknown setting {k!r}; known: {', '.join(sorted(names))}")
        try:
            if k == "night_profiles":
                v = {t: NightProfile(**p) for t, p in v.items()}
            elif k == "fault_rates":
                v = {**FAULT_RATES, **{n: FaultRate(**p) for n, p in v.items()}}
            elif k == "camera_factors":
                v = {str(c): (float(f[0]), float(f[1])) for c, f in v.items()}
            elif k == "district_rates":
                v = tuple(v)
        except TwinError as e:
            raise TwinError(f"{source}: {k}: {e}") from None
        except (TypeError, AttributeError, IndexError, ValueError) as e:
            raise TwinError(f"{source}: {k} has the wrong shape ({e})") from None
        kw[k] = v
    try:
        return CoverageTimeConfig(**kw)
    except TwinError as e:
        raise TwinError(f"{source}: {e}") from None
    except TypeError as e:
        raise TwinError(f"{source}: {e}") from None


def load_settings(path: str) -> CoverageTimeConfig:
    """Read a YAML file of coverage-over-time settings (see :func:`config_from_mapping`)."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
    except OSError as e:
        raise TwinError(f"cannot read settings file {path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise TwinError(f"settings file {path} is not valid YAML: {e}") from None
    return config_from_mapping(doc, source=str(path))
