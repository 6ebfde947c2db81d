"""Camera streams: planning bitrates and the scene-activity rate process.

Each camera sends a *main* stream (recorded) and a *sub* stream (live view on the wall). The main
stream's planning bitrate comes from the camera (``bitrate_kbps`` when measured, else the planning
table of :mod:`twin.profiles` by resolution, fps and codec). What the encoder really sends moves
with the scene; :class:`StreamProfile` multiplies the planning bitrate by

* a day or night factor (noisy night scenes cost more bits; the day starts at ``day_start_h``),
* a busy-scene factor for a share of the cameras (traffic, foliage: a property of the site),
* an event factor while an event is in view (a crowd, an accident: "scene complexity can triple
  bitrate"), events coming and going as an alternating renewal process per camera.

The rate is piecewise constant: a model needs an event only when a factor changes, never per frame.
Every container adds ``container_overhead_kbps`` on top. Profiles are named data a user can replace
with measured figures (:func:`load_profile` reads YAML or JSON with the same fields).
"""

from __future__ import annotations

__all__ = [
    "PROFILES",
    "StreamProfile",
    "busy_factors",
    "day_night_changes",
    "day_night_factor",
    "event_intervals",
    "load_profile",
    "main_kbps",
    "mean_multiplier",
    "storage_bytes",
    "sub_kbps",
]

import json
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from twin import TwinError
from twin.profiles import planning_bitrate_kbps

from .faults import FaultRate, Outages, outage_intervals

if TYPE_CHECKING:
    import twin

DAY_S = 86400.0


@dataclass(frozen=True)
class StreamProfile:
    """How camera bitrates move with the scene (factors multiply the planning bitrate).

    Attributes:
        name: the profile's name.
        source: where the figures come from.
        container_overhead_kbps: added to every stream (RTP/container overhead, REFERENCE: ~70 kbit/s).
        sub_width_px: width of the live-view sub stream.
        sub_height_px: height of the live-view sub stream.
        sub_fps: frame rate of the sub stream.
        day_start_h: local hour the day starts (sim time 0 is midnight).
        night_start_h: local hour the night starts.
        day_factor: bitrate factor by day.
        night_factor: bitrate factor by night (sensor noise in low light raises bitrate).
        busy_share: share of cameras with busy scenes.
        busy_factor: bitrate factor of a busy scene.
        events_per_day: events per camera per day (starts).
        event_mean_s: mean length of an event in view (exponential).
        event_factor: bitrate factor while an event is in view.
    """

    name: str = "planning"
    source: str = "REFERENCE.md: planning table, night noise, scene complexity up to 3x"
    container_overhead_kbps: float = 70.0
    sub_width_px: int = 640
    sub_height_px: int = 360
    sub_fps: float = 15.0
    day_start_h: float = 6.0
    night_start_h: float = 18.0
    day_factor: float = 1.0
    night_factor: float = 1.25
    busy_share: float = 0.25
    busy_factor: float = 1.5
    events_per_day: float = 6.0
    event_mean_s: float = 300.0
    event_factor: float = 2.0

    def __post_init__(self) -> None:
        where = f"stream profile {self.name!r}"
        for f in ("container_overhead_kbps", "event_mean_s", "events_per_day"):
            v = getattr(self, f)
            if not (v >= 0 and math.isfinite(v)):
                raise TwinError(f"{where}: {f} must be >= 0, got {v!r}")
        for f in ("day_factor", "night_factor", "busy_factor", "event_factor", "sub_fps"):
            v = getattr(self, f)
            if not (v > 0 and math.isfinite(v)):
                raise TwinError(f"{where}: {f} must be > 0, got {v!r}")
        if self.sub_width_px <= 0 or self.sub_height_px <= 0:
            raise TwinError(f"{where}: sub stream size must be > 0, got {self.sub_width_px}x{self.sub_height_px}")
        if not 0.0 <= self.busy_share <= 1.0:
            raise TwinError(f"{where}: busy_share must be in [0, 1], got {self.busy_share!r}")
        if not (0.0 <= self.day_start_h < self.night_start_h <= 24.0):
            raise TwinError(
                f"{where}: need 0 <= day_start_h < night_start_h <= 24, got {self.day_start_h}, {self.night_start_h}"
            )
        if self.events_per_day > 0 and self.event_mean_s >= DAY_S / self.events_per_day:
            raise TwinError(
                f"{where}: {self.events_per_day:g} events a day of {self.event_mean_s:g} s each do not fit in a day"
            )

    @property
    def day_share(self) -> float:
        """Share of the day that is day."""
        return (self.night_start_h - self.day_start_h) / 24.0

    @property
    def event_share(self) -> float:
        """Long-run share of time an event is in view (event mean over cycle mean)."""
        if self.events_per_day == 0 or self.event_mean_s == 0:
            return 0.0
        return self.event_mean_s * self.events_per_day / DAY_S

    def event_rate(self) -> FaultRate | None:
        """The event process as an alternating renewal: quiet (exponential) then event (exponential)."""
        if self.event_share == 0:
            return None
        quiet = DAY_S / self.events_per_day - self.event_mean_s
        return FaultRate(quiet, self.event_mean_s, "exponential")


#: Named profiles. ``planning`` moves with day, night, busy scenes and events; ``flat`` sends the
#: planning bitrate all the time (the vendor-calculator view; handy for closed-form checks).
PROFILES: dict[str, StreamProfile] = {
    "planning": StreamProfile(),
    "flat": StreamProfile(
        name="flat",
        source="constant planning bitrate (vendor calculators)",
        night_factor=1.0,
        busy_share=0.0,
        events_per_day=0.0,
    ),
}


def load_profile(name_or_path: str | Path) -> StreamProfile:
    """A profile by name (:data:`PROFILES`) or from a YAML/JSON file of the same fields."""
    key = str(name_or_path)
    if key in PROFILES:
        return PROFILES[key]
    p = Path(key)
    if not p.is_file():
        raise TwinError(f"unknown stream profile {key!r}: use one of {sorted(PROFILES)} or a YAML/JSON file")
    text = p.read_text(encoding="utf-8")
    try:
        if p.suffix.lower() == ".json":
            doc = json.loads(text)
        else:
            import yaml

            doc = yaml.safe_load(text)
    except Exception as e:  # json and yaml raise their own error types
        raise TwinError(f"{p.name}: cannot be read as a stream profile: {e}") from None
    if not isinstance(doc, dict):
        raise TwinError(f"{p.name}: a stream profile must be a mapping of fields")
    known = {f.name for f in fields(StreamProfile)}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise TwinError(f"{p.name}: unknown stream profile field(s) {unknown}; known: {sorted(known)}")
    doc.setdefault("name", p.stem)
    try:
        return StreamProfile(**doc)
    except TypeError as e:
        raise TwinError(f"{p.name}: {e}") from None


def main_kbps(cameras: list[twin.Camera]) -> np.ndarray:
    """Planning bitrate of each camera's main stream, kbit/s (without container overhead).

    The cameras' codec, bitrate, resolution and fps are valid: :class:`twin.Camera` checks them when built.
    """
    return np.array([c.planned_bitrate_kbps for c in cameras], dtype=float).reshape(len(cameras))


def sub_kbps(cameras: list[twin.Camera], profile: StreamProfile) -> np.ndarray:
    """Planning bitrate of each camera's sub stream (the profile's size and fps, the camera's codec), kbit/s."""
    w, h, f = profile.sub_width_px, profile.sub_height_px, profile.sub_fps
    cache: dict[str, float] = {}
    out = np.empty(len(cameras))
    for k, c in enumerate(cameras):
        codec = str(c.codec).lower()
        if codec not in cache:
            cache[codec] = planning_bitrate_kbps(w, h, f, codec)
        out[k] = cache[codec]
    return out


def busy_factors(rng: np.random.Generator, n: int, profile: StreamProfile) -> np.ndarray:
    """Each camera's scene factor: ``busy_factor`` for a random ``busy_share`` of them, else 1."""
    n_busy = int(round(profile.busy_share * n))
    f = np.ones(n)
    if n_busy:
        f[rng.choice(n, size=n_busy, replace=False)] = profile.busy_factor
    return f


def day_night_factor(profile: StreamProfile, t_s: Any) -> Any:
    """The day or night factor at sim time ``t_s`` (0 is midnight; scalar or array)."""
    h = np.mod(np.asarray(t_s, dtype=float), DAY_S) / 3600.0
    day = (h >= profile.day_start_h) & (h < profile.night_start_h)
    f = np.where(day, profile.day_factor, profile.night_factor)
    return float(f) if np.ndim(f) == 0 else f


def day_night_changes(profile: StreamProfile, horizon_s: float) -> list[tuple[float, float]]:
    """``(time, factor)`` at 0 and at every sunrise and sunset before ``horizon_s``."""
    out = [(0.0, float(day_night_factor(profile, 0.0)))]
    if profile.day_factor == profile.night_factor:
        return out
    day = 0.0
    while day < horizon_s:
        for h in (profile.day_start_h, profile.night_start_h):
            t = day + h * 3600.0
            if 0.0 < t < horizon_s:
                out.append((t, float(day_night_factor(profile, t))))
        day += DAY_S
    return out


def event_intervals(rng: np.random.Generator, n: int, horizon_s: float, profile: StreamProfile) -> Outages:
    """Every event in view of ``n`` cameras before ``horizon_s`` (camera, start, end), sorted by start."""
    rate = profile.event_rate()
    if rate is None:
        e = np.empty(0)
        return Outages(np.empty(0, dtype=np.int64), e, e.copy())
    return outage_intervals(rng, n, horizon_s, rate)


def mean_multiplier(profile: StreamProfile, busy: np.ndarray | float = 1.0) -> Any:
    """Long-run mean bitrate factor (closed form): busy x (day/night mix) x (event mix)."""
    dn = profile.day_share * profile.day_factor + (1.0 - profile.day_share) * profile.night_factor
    ev = 1.0 + profile.event_share * (profile.event_factor - 1.0)
    return np.asarray(busy, dtype=float) * dn * ev


def storage_bytes(kbps: Any, seconds: float, *, overhead_kbps: float = 70.0) -> float:
    """Bytes written by streams of ``kbps`` (summed) over ``seconds``, with container overhead.

    1 Mbit/s for a day is 10.8 GB (decimal): ``storage_bytes(1000, 86400, overhead_kbps=0)`` is 10.8e9.
    """
    k = np.asarray(kbps, dtype=float)
    return float((k + overhead_kbps).sum() * 1000.0 / 8.0 * seconds)
