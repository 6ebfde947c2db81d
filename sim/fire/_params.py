"""Every parameter of the fire-response model, with its documented default (all changeable).

Delays are lognormal, given as a median and a sigma of the underlying normal (response times in
real data are roughly lognormal, REFERENCE.md). Where no published figure exists, the default is
a planning guess and says so; how video analytics detect comes from a detection profile measured
on labelled clips (:mod:`sim.fire.profile`), with its sample sizes.
"""

from __future__ import annotations

__all__ = ["FireParams", "Lognormal", "GROWTH_MIX", "HOUR_PROFILE", "LANDUSE_RATE_PER_KM2"]

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.firegrowth import GROWTH_CLASSES
from sim.travel import TravelParams
from twin import TwinError

if TYPE_CHECKING:
    from .profile import DetectionProfile


@dataclass(frozen=True)
class Lognormal:
    """A lognormal delay: ``median_s * exp(sigma * z)``, z standard normal."""

    median_s: float
    sigma: float

    def __post_init__(self) -> None:
        if not (self.median_s >= 0 and self.sigma >= 0):
            raise TwinError(f"a delay needs median_s >= 0 and sigma >= 0, got {self.median_s}, {self.sigma}")

    def of(self, z: np.ndarray | float) -> np.ndarray:
        """The delay for standard-normal draws ``z``."""
        return self.median_s * np.exp(self.sigma * np.asarray(z, dtype=float))

    @property
    def mean_s(self) -> float:
        """Mean of the distribution."""
        return float(self.median_s * np.exp(self.sigma**2 / 2.0))


#: Fires per km^2 per year by land use, used for a zone whose ``fire_rate_per_year`` is 0. Planning
#: figures scaled to Makassar's 138-395 fires a year over about 175 km^2 (1-2 per km^2), denser in
#: markets and informal housing.
LANDUSE_RATE_PER_KM2: dict[str, float] = {
    "residential": 2.0,
    "commercial": 3.0,
    "retail": 3.0,
    "market": 6.0,
    "industrial": 2.5,
    "informal": 6.0,
    "mixed": 2.5,
    "institutional": 1.0,
    "port": 1.5,
    "park": 0.3,
    "water": 0.0,
}

#: Share of fires by growth class (slow, medium, fast, ultra-fast) per land use.
GROWTH_MIX: dict[str, tuple[float, float, float, float]] = {
    "residential": (0.15, 0.45, 0.35, 0.05),
    "informal": (0.05, 0.30, 0.45, 0.20),
    "market": (0.05, 0.30, 0.45, 0.20),
    "commercial": (0.15, 0.45, 0.35, 0.05),
    "industrial": (0.10, 0.30, 0.40, 0.20),
    "default": (0.15, 0.45, 0.35, 0.05),
}

#: Relative fire incidence by hour of day (0-23): cooking peaks at dawn and in the evening.
HOUR_PROFILE: tuple[float, ...] = (
    0.6, 0.5, 0.5, 0.5, 0.6, 0.9,  # 00-05
    1.0, 1.0, 0.9, 0.9, 1.0, 1.1,  # 06-11
    1.2, 1.1, 1.0, 1.0, 1.2, 1.4,  # 12-17
    1.5, 1.4, 1.3, 1.1, 0.9, 0.7,  # 18-23
)  # fmt: skip


@dataclass(frozen=True)
class FireParams:
    """Parameters of :func:`sim.fire.run_fire` (seconds unless named otherwise)."""

    #: a citizen calls after ignition (median 3 min; fires in occupied buildings are called in fast,
    #: those at night or in closed shops late)
    call_delay: Lognormal = Lognormal(180.0, 0.7)
    #: a camera can see a fire once it releases this much heat (smoke and flame above the roofline)
    visible_kw: float = 50.0
    #: video analytics (smoke/flame) on this share of cameras (a planning choice, not a measurement)
    analytics_share: float = 0.25
    #: how analytics detect (chance by pixel-density band, delay, false alarms per camera-hour):
    #: a :class:`sim.fire.profile.DetectionProfile`; None: the profile measured on the shared real
    #: clips (``sim/fire/detection_profile.json``, ``showroom feeds evaluate``)
    detection: DetectionProfile | None = None
    #: "sample": the profile's numbers drawn from their evidence once per run (seeded; thin evidence
    #: makes runs differ); "central": the posterior means, the same every run
    detection_mode: str = "sample"
    #: operators watching the video wall: each tile shows a tour of cameras, ``tile_dwell_s`` each;
    #: an operator notices a fire on a tile with ``operator_p_notice`` per showing, after a delay.
    #: No published figure for noticing a fire on a wall tile was found: 0.5 is an assumption, and
    #: ``operator_p_notice_range`` (low, high) is the sensitivity range every fire study also runs.
    #: Studies of operators watching several monitors (Tickner & Poulton 1973, Ergonomics 16(4))
    #: found detection falling as monitors are added, which is why the range is wide.
    tile_dwell_s: float = 20.0
    operator_p_notice: float = 0.5
    operator_p_notice_range: tuple[float, float] = (0.2, 0.85)
    operator_notice: Lognormal = Lognormal(20.0, 0.5)
    #: an analytics alarm is verified by an operator on duty (a SimPy resource) before it is passed on;
    #: a false alarm costs the same verification (its operator minutes are reported)
    verify: Lognormal = Lognormal(30.0, 0.4)
    #: what an analytics alarm sets off: "verify" (an operator checks it first; a false one costs
    #: operator time only) or "dispatch" (a truck leaves at once as well; a false one also costs
    #: ``false_alarm_trip`` of a truck's time: turnout, drive, check, return; an assumption)
    false_alarm_policy: str = "verify"
    false_alarm_trip: Lognormal = Lognormal(1200.0, 0.3)
    #: call taking and dispatch at the fire control room
    call_processing: Lognormal = Lognormal(50.0, 0.35)
    #: sigma of turnout around the station's ``turnout_s`` (used as the median)
    turnout_sigma: float = 0.25
    #: arrival on scene to water on the fire
    setup: Lognormal = Lognormal(150.0, 0.35)
    #: time on scene: base plus a term per MW at water-on, doubled past flashover, lognormal noise
    on_scene_base_s: float = 1800.0
    on_scene_per_mw_s: float = 600.0
    on_scene_flashover_factor: float = 2.0
    on_scene_sigma: float = 0.3
    #: mutual aid: dispatch to on scene for a truck from outside the city (all own trucks busy)
    mutual_aid: Lognormal = Lognormal(1200.0, 0.3)
    #: the room of origin: opening area drawn uniformly in this range (m^2), opening height (m),
    #: flashover by Thomas's formula for a room of ``room_m2`` floor and ``room_height_m``
    opening_area_m2: tuple[float, float] = (1.6, 3.2)
    opening_height_m: float = 2.0
    room_m2: tuple[float, float] = (9.0, 20.0)
    room_height_m: float = 2.6
    growth_mix: dict[str, tuple[float, float, float, float]] = field(default_factory=lambda: dict(GROWTH_MIX))
    hour_profile: tuple[float, ...] = HOUR_PROFILE
    landuse_rate_per_km2: dict[str, float] = field(default_factory=lambda: dict(LANDUSE_RATE_PER_KM2))
    travel: TravelParams = field(default_factory=TravelParams)
    #: hour of day at sim time 0
    start_hour: float = 0.0
    #: which model says what a camera sees: "coverage" (twin.coverage: full frustum, occlusion on the
    #: height raster; a building is seen through any open cell within 3 m of it) or "cone" (the view
    #: cone to the DORI Detect distance with 2.5-D sight lines to the roof line; 100x faster)
    visibility: str = "coverage"
    #: cameras fail and are repaired (sim.faults: MTBF/MTTR by camera type); a dark camera sees nothing
    camera_faults: bool = True
    #: validation mode only: every truck's busy time (dispatch -> free) drawn from this distribution
    #: instead of the physical model: ``("exponential", mean_s)`` or ``("lognormal", median_s, sigma)``.
    #: The hypercube model assumes exponential busy times; Erlang B holds for any distribution.
    busy_override: tuple[str, float] | tuple[str, float, float] | None = None

    def __post_init__(self) -> None:
        for name in ("visible_kw", "tile_dwell_s", "on_scene_base_s", "on_scene_per_mw_s", "on_scene_sigma",
                     "turnout_sigma", "opening_height_m", "room_height_m"):
            v = getattr(self, name)
            if not v >= 0:
                raise TwinError(f"fire parameter {name} must be >= 0, got {v}")
        for name in ("analytics_share", "operator_p_notice"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise TwinError(f"fire parameter {name} must be a probability in [0, 1], got {v}")
        if len(self.hour_profile) != 24 or min(self.hour_profile) < 0 or sum(self.hour_profile) <= 0:
            raise TwinError("fire parameter hour_profile must hold 24 non-negative weights, not all 0")
        for use, mix in self.growth_mix.items():
            if len(mix) != len(GROWTH_CLASSES) or min(mix) < 0 or abs(sum(mix) - 1) > 1e-6:
                raise TwinError(f"growth_mix[{use!r}] must be 4 shares summing to 1 ({GROWTH_CLASSES}), got {mix}")
        for use, r in self.landuse_rate_per_km2.items():
            if not r >= 0:
                raise TwinError(f"landuse_rate_per_km2[{use!r}] must be >= 0, got {r}")
        lo, hi = self.operator_p_notice_range
        if not 0 <= lo <= hi <= 1:
            raise TwinError(f"fire parameter operator_p_notice_range must be (low, high) with 0 <= low <= high <= 1, "
                            f"got {self.operator_p_notice_range}")
        if self.detection_mode not in ("sample", "central"):
            raise TwinError(f"fire parameter detection_mode must be 'sample' or 'central', got {self.detection_mode!r}")
        if self.false_alarm_policy not in ("verify", "dispatch"):
            raise TwinError(f"fire parameter false_alarm_policy must be 'verify' or 'dispatch', "
                            f"got {self.false_alarm_policy!r}")
        if self.visibility not in ("coverage", "cone"):
            raise TwinError(f"fire parameter visibility must be 'coverage' or 'cone', got {self.visibility!r}")
        if self.busy_override is not None:
            kind = self.busy_override[0]
            if kind not in ("exponential", "lognormal") or any(not v > 0 for v in self.busy_override[1:2]):
                raise TwinError(f"busy_override must be ('exponential', mean_s) or ('lognormal', median_s, sigma), "
                                f"got {self.busy_override}")

    def growth_shares(self, landuse: str) -> np.ndarray:
        """Shares of the growth classes for a land use (``default`` when it is not listed)."""
        return np.asarray(self.growth_mix.get(landuse, self.growth_mix.get("default", GROWTH_MIX["default"])))
