"""Failures and repairs: one definition of equipment faults, shared by every model in ``sim``.

A unit (a camera, a server, a disk, a switch uplink, the grid feeding the cameras) alternates
between *up* periods (mean ``mtbf_s``) and *down* periods (mean ``mttr_s``): an alternating
renewal process, whose long-run availability is ``mtbf / (mtbf + mttr)``. Two ways to use it:

* :func:`outage_intervals` draws every outage of many units up to a horizon at once (numpy,
  vectorised): the cheap way when nothing in the model changes how long a repair takes.
* :func:`failure_repair` is a SimPy process for one unit that calls back on failure and on repair;
  pass ``repair`` to let the model decide how the repair happens (a crew that travels, a queue).

Rates live in :data:`FAULT_RATES`, a named table a user can replace (planning values with their
sources). Everything takes a ``numpy.random.Generator``: same generator state, same faults.
"""

from __future__ import annotations

__all__ = [
    "FAULT_RATES",
    "FaultRate",
    "Outages",
    "availability",
    "camera_fault_rate",
    "failure_repair",
    "outage_intervals",
]

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from twin import TwinError

if TYPE_CHECKING:
    import simpy

HOUR_S = 3600.0


@dataclass(frozen=True)
class FaultRate:
    """How often a kind of unit fails and how long it stays down.

    Attributes:
        mtbf_s: mean time between failures (mean up time), seconds.
        mttr_s: mean time to repair (mean down time), seconds.
        repair: distribution of down times: ``"exponential"``, ``"lognormal"`` (with ``repair_cv``)
            or ``"fixed"`` (always ``mttr_s``). Up times are exponential (constant hazard).
        repair_cv: coefficient of variation of a lognormal repair time.
        source: where the planning figure comes from.
    """

    mtbf_s: float
    mttr_s: float
    repair: str = "exponential"
    repair_cv: float = 0.5
    source: str = ""

    def __post_init__(self) -> None:
        if not (self.mtbf_s > 0 and math.isfinite(self.mtbf_s)):
            raise TwinError(f"fault rate: mtbf_s must be > 0 s, got {self.mtbf_s!r}")
        if not (self.mttr_s >= 0 and math.isfinite(self.mttr_s)):
            raise TwinError(f"fault rate: mttr_s must be >= 0 s, got {self.mttr_s!r}")
        if self.repair not in ("exponential", "lognormal", "fixed"):
            raise TwinError(f"fault rate: repair must be exponential, lognormal or fixed, got {self.repair!r}")
        if self.repair == "lognormal" and not self.repair_cv > 0:
            raise TwinError(f"fault rate: repair_cv must be > 0 for a lognormal repair, got {self.repair_cv!r}")

    def draw_up_s(self, rng: np.random.Generator, size: int | tuple[int, ...] | None = None) -> Any:
        """Up times (time to the next failure), exponential with mean ``mtbf_s``."""
        return rng.exponential(self.mtbf_s, size)

    def draw_down_s(self, rng: np.random.Generator, size: int | tuple[int, ...] | None = None) -> Any:
        """Down times (time to repair) with mean ``mttr_s`` from the chosen distribution."""
        if self.repair == "fixed" or self.mttr_s == 0:
            return np.full(size, self.mttr_s) if size is not None else self.mttr_s
        if self.repair == "exponential":
            return rng.exponential(self.mttr_s, size)
        s2 = math.log1p(self.repair_cv**2)
        return rng.lognormal(math.log(self.mttr_s) - s2 / 2.0, math.sqrt(s2), size)


#: Planning fault rates. Figures are planning assumptions, each with its source; replace them with
#: your own maintenance records.
FAULT_RATES: dict[str, FaultRate] = {
    # a recording server stops recording (hardware, OS or VMS service crash): about once a year,
    # restored within a working morning (typical VMS vendor sizing guides assume yearly failures).
    "server": FaultRate(8760 * HOUR_S, 4 * HOUR_S, "lognormal", 0.5, "planning: one crash a year, 4 h restore"),
    # enterprise HDDs: annualised failure rate 1-2% (Backblaze drive stats); swap within a day.
    "disk": FaultRate(
        0.015**-1 * 8760 * HOUR_S, 24 * HOUR_S, "fixed", 0.5, "Backblaze drive stats: AFR about 1.5%, swap in 24 h"
    ),
    # an edge switch's fibre uplink (cut, switch failure, power at the cabinet)
    "uplink": FaultRate(2 * 8760 * HOUR_S, 6 * HOUR_S, "lognormal", 0.8, "planning: one outage in 2 years, 6 h"),
    # grid interruptions at the cameras (Indonesian PLN: SAIFI about 5-6 per year, SAIDI about 6-7 h a year)
    "power": FaultRate(8760 / 6 * HOUR_S, 1.2 * HOUR_S, "lognormal", 1.0, "PLN SAIFI about 6/yr, SAIDI about 7 h/yr"),
    # cameras: datasheet MTBF of fixed/dome units is 100,000 h and more; field figures (cabling,
    # vandalism, weather) are lower. PTZ units have moving parts. Repair: a crew within two days.
    "camera_fixed": FaultRate(60000 * HOUR_S, 48 * HOUR_S, "lognormal", 0.6, "planning: field MTBF 60,000 h"),
    "camera_dome": FaultRate(60000 * HOUR_S, 48 * HOUR_S, "lognormal", 0.6, "planning: field MTBF 60,000 h"),
    "camera_ptz": FaultRate(30000 * HOUR_S, 48 * HOUR_S, "lognormal", 0.6, "planning: PTZ field MTBF 30,000 h"),
}


def camera_fault_rate(camera_type: str, rates: dict[str, FaultRate] | None = None) -> FaultRate:
    """The fault rate of a camera type (``fixed``, ``dome``, ``ptz``) from ``rates`` (default :data:`FAULT_RATES`)."""
    table = FAULT_RATES if rates is None else rates
    key = f"camera_{camera_type}"
    if key not in table:
        known = sorted(k.removeprefix("camera_") for k in table if k.startswith("camera_"))
        raise TwinError(f"no fault rate for camera type {camera_type!r}: known types {known}")
    return table[key]


def availability(rate: FaultRate, *, detection_s: float = 0.0) -> float:
    """Long-run share of time a unit is up: ``mtbf / (mtbf + detection + mttr)``.

    ``detection_s`` is the mean time before anybody notices a failure (the repair starts then).
    """
    return rate.mtbf_s / (rate.mtbf_s + detection_s + rate.mttr_s)


@dataclass(frozen=True)
class Outages:
    """Down intervals of many units, sorted by start: ``unit[k]`` is down in ``[start_s[k], end_s[k])``."""

    unit: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray

    def __len__(self) -> int:
        return len(self.unit)

    def down_time_s(self, n_units: int, horizon_s: float) -> np.ndarray:
        """Seconds each unit spends down within ``[0, horizon_s)``."""
        d = np.minimum(self.end_s, horizon_s) - np.minimum(self.start_s, horizon_s)
        return np.bincount(self.unit, weights=d, minlength=n_units)


def outage_intervals(
    rng: np.random.Generator, n_units: int, horizon_s: float, rate: FaultRate, *, start_up: bool = True
) -> Outages:
    """Every outage of ``n_units`` independent units that starts before ``horizon_s``.

    Units start up (``start_up``; else they start in the steady state, up with probability
    :func:`availability`). Drawn in blocks of cycles for all units at once, so the cost is a few
    numpy calls however many units there are.
    """
    if n_units < 0:
        raise TwinError(f"n_units must be >= 0, got {n_units}")
    if not horizon_s >= 0:
        raise TwinError(f"horizon must be >= 0 s, got {horizon_s!r}")
    if n_units == 0 or horizon_s == 0:
        e = np.empty(0)
        return Outages(np.empty(0, dtype=np.int64), e, e.copy())
    cycle = rate.mtbf_s + rate.mttr_s
    k = int(horizon_s / cycle * 1.5) + 4  # cycles per block; more blocks are drawn if a unit needs them
    t = np.zeros(n_units)
    if start_up:
        down0 = np.zeros(n_units, dtype=bool)
    else:
        # steady state: down at time 0 with probability mttr / cycle; memoryless up times make the
        # residual up time exponential too (a residual repair is approximated by a fresh one)
        down0 = rng.random(n_units) < rate.mttr_s / cycle
    units, starts, ends = [], [], []
    # a unit down at 0 gets one outage [0, repair)
    if down0.any():
        idx = np.flatnonzero(down0)
        rep = np.asarray(rate.draw_down_s(rng, len(idx)), dtype=float)
        units.append(idx)
        starts.append(np.zeros(len(idx)))
        ends.append(rep)
        t[idx] = rep
    active = np.flatnonzero(t < horizon_s)
    while len(active):
        up = np.asarray(rate.draw_up_s(rng, (len(active), k)), dtype=float)
        down = np.asarray(rate.draw_down_s(rng, (len(active), k)), dtype=float)
        s = t[active, None] + np.cumsum(up + down, axis=1) - down  # failure instants
        e = s + down
        keep = s < horizon_s
        u = np.broadcast_to(active[:, None], s.shape)
        units.append(u[keep])
        starts.append(s[keep])
        ends.append(e[keep])
        t[active] = e[:, -1]
        active = active[t[active] < horizon_s]
    unit = np.concatenate(units).astype(np.int64)
    start = np.concatenate(starts)
    end = np.concatenate(ends)
    order = np.lexsort((unit, start))
    return Outages(unit[order], start[order], end[order])


def failure_repair(
    env: simpy.Environment,
    rng: np.random.Generator,
    rate: FaultRate,
    *,
    on_fail: Callable[[], None],
    on_repair: Callable[[], None],
    repair: Callable[[], Any] | None = None,
) -> Generator[Any, Any, None]:
    """A SimPy process: one unit failing and being repaired forever.

    Start it with ``env.process(failure_repair(env, rng, rate, on_fail=..., on_repair=...))``.
    ``repair``, when given, returns what the process waits for during the repair (an event or a
    process: a crew's travel and work); by default it waits a down time drawn from ``rate``.
    """
    while True:
        yield env.timeout(float(rate.draw_up_s(rng)))
        on_fail()
        if repair is None:
            yield env.timeout(float(rate.draw_down_s(rng)))
        else:
            yield repair()
        on_repair()
