"""Fire incidents: where and when fires start, how fast they grow, and every random draw they need.

All draws are made here, up front and vectorised, so two runs over the same incidents (with and
without cameras, or a drill replayed with other decisions) share them: common random numbers make
"minutes saved" a paired difference instead of the gap between two noisy runs.
"""

from __future__ import annotations

__all__ = ["Incidents", "generate_incidents", "make_incidents"]

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely

from sim.firegrowth import GROWTH_ALPHA_KW_S2, GROWTH_CLASSES, flashover_kw_thomas, ventilation_limit_kw
from twin import TwinError

if TYPE_CHECKING:
    from sim.fire._params import FireParams
    from sim.travel import TravelModel
    from twin import Twin

#: the standard-normal draws each incident carries (one per phase)
Z_KEYS = ("call", "cp", "turnout", "setup", "scene", "mutual", "verify", "busy")


@dataclass
class Incidents:
    """Incidents as parallel arrays (one row per fire), sorted by ignition time."""

    ids: list[str]
    t_s: np.ndarray
    x: np.ndarray
    y: np.ndarray
    zone: np.ndarray
    building: np.ndarray
    node: np.ndarray
    access_s: np.ndarray
    growth: np.ndarray
    flashover_kw: np.ndarray
    vent_kw: np.ndarray
    #: standard-normal draws per phase (``Z_KEYS``), and per station for the trip out and back
    z: dict[str, np.ndarray] = field(default_factory=dict)
    z_out: np.ndarray | None = None
    z_back: np.ndarray | None = None
    #: uniform draws for the busy-time override (validation mode)
    u_busy: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def alpha(self) -> np.ndarray:
        """Growth coefficient (kW/s^2) per incident."""
        return np.asarray([GROWTH_ALPHA_KW_S2[c] for c in GROWTH_CLASSES])[self.growth]

    def growth_name(self, i: int) -> str:
        """Growth class name of incident ``i``."""
        return GROWTH_CLASSES[int(self.growth[i])]


def _draws(inc: Incidents, n_stations: int, rng: np.random.Generator) -> None:
    n = len(inc)
    inc.z = {k: rng.standard_normal(n) for k in Z_KEYS}
    inc.z_out = rng.standard_normal((n, n_stations))
    inc.z_back = rng.standard_normal((n, n_stations))
    inc.u_busy = rng.random(n)


def _rooms(n: int, params: FireParams, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    a_o = rng.uniform(*params.opening_area_m2, n)
    floor = rng.uniform(*params.room_m2, n)
    side = np.sqrt(floor)
    a_t = 2 * floor + 4 * side * params.room_height_m - a_o
    return flashover_kw_thomas(a_t, a_o, params.opening_height_m), ventilation_limit_kw(a_o, params.opening_height_m)


def zone_rates_per_year(twin: Twin, params: FireParams) -> np.ndarray:
    """Fires a year per zone: the zone's own ``fire_rate_per_year``, else its land use's rate per km^2."""
    rates = []
    for z in twin.zones:
        if z.fire_rate_per_year > 0:
            rates.append(z.fire_rate_per_year)
        else:
            rates.append(params.landuse_rate_per_km2.get(z.landuse, 0.0) * z.polygon.area / 1e6)
    return np.asarray(rates, dtype=float)


def building_zone(twin: Twin) -> np.ndarray:
    """Zone index of each building (by its centroid; -1 outside every zone)."""
    out = np.full(len(twin.buildings), -1, np.int64)
    if not twin.buildings or not twin.zones:
        return out
    cent = shapely.centroid(twin.footprints)
    zt = shapely.STRtree(np.array([z.polygon for z in twin.zones], dtype=object))
    bi, zi = zt.query(cent, predicate="within")
    out[bi[::-1]] = zi[::-1]  # the first zone listed wins where zones overlap
    return out


def generate_incidents(
    twin: Twin,
    travel: TravelModel,
    *,
    days: float,
    params: FireParams,
    rng: np.random.Generator,
    rate_scale: float = 1.0,
) -> Incidents:
    """Poisson fires per zone over ``days``, at buildings of the zone (weighted by footprint area).

    Each zone's rate comes from :func:`zone_rates_per_year` times ``rate_scale``; the hour of day
    follows ``params.hour_profile``. A zone with no building gets fires at its road nodes.
    """
    if days <= 0:
        raise TwinError(f"days must be > 0, got {days}")
    if rate_scale < 0:
        raise TwinError(f"rate_scale must be >= 0, got {rate_scale}")
    if not twin.zones:
        raise TwinError("the city has no zones: the fire model draws incidents per zone (land use, fire rate)")
    rates = zone_rates_per_year(twin, params) * rate_scale
    counts = rng.poisson(rates * days / 365.0)
    bz = building_zone(twin)
    areas = shapely.area(twin.footprints) if twin.buildings else np.zeros(0)
    hp = np.asarray(params.hour_profile, dtype=float)
    hp = hp / hp.sum()
    ts, xs, ys, zs, bs, gs = [], [], [], [], [], []
    for zi, (z, k) in enumerate(zip(twin.zones, counts, strict=True)):
        if k == 0:
            continue
        # day uniform, hour by the profile, minute uniform: an inhomogeneous Poisson process
        t = (rng.integers(0, max(int(np.ceil(days)), 1), k) * 86400.0 + rng.choice(24, k, p=hp) * 3600.0
             + rng.random(k) * 3600.0 - params.start_hour * 3600.0) % (days * 86400.0)
        members = np.flatnonzero(bz == zi)
        if members.size:
            w = areas[members] / areas[members].sum()
            b = members[rng.choice(members.size, k, p=w)]
            c = shapely.get_coordinates(shapely.centroid(twin.footprints[b]))
        else:
            inside = shapely.contains_xy(z.polygon, travel.xy[:, 0], travel.xy[:, 1]) & travel.reachable
            nodes = np.flatnonzero(inside)
            if nodes.size == 0:
                continue
            b = np.full(k, -1)
            c = travel.xy[nodes[rng.integers(0, nodes.size, k)]]
        g = rng.choice(len(GROWTH_CLASSES), k, p=params.growth_shares(z.landuse))
        ts.append(t)
        xs.append(c[:, 0])
        ys.append(c[:, 1])
        zs.append(np.full(k, zi))
        bs.append(b)
        gs.append(g)
    if ts:
        t_s = np.concatenate(ts)
        order = np.argsort(t_s, kind="stable")
        cols = [np.concatenate(a)[order] for a in (ts, xs, ys, zs, bs, gs)]
    else:
        cols = [np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64),
                np.zeros(0, np.int64)]
    t_s, x, y, zone, bld, growth = cols
    return make_incidents(
        travel, t_s=t_s, x=x, y=y, zone=zone.astype(np.int64), building=bld.astype(np.int64),
        growth=growth.astype(np.int64), params=params, rng=rng,
    )


def make_incidents(
    travel: TravelModel,
    *,
    t_s: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    zone: np.ndarray,
    building: np.ndarray,
    growth: np.ndarray,
    params: FireParams,
    rng: np.random.Generator,
    ids: list[str] | None = None,
) -> Incidents:
    """Incidents at given places and times (a drill's script), with rooms and draws from ``rng``."""
    n = len(t_s)
    node, dist = travel.snap(np.column_stack([x, y])) if n else (np.zeros(0, np.int64), np.zeros(0))
    fo, vent = _rooms(n, params, rng)
    inc = Incidents(
        ids=ids if ids is not None else [f"F{i + 1:05d}" for i in range(n)],
        t_s=np.asarray(t_s, dtype=float),
        x=np.asarray(x, dtype=float),
        y=np.asarray(y, dtype=float),
        zone=np.asarray(zone, dtype=np.int64),
        building=np.asarray(building, dtype=np.int64),
        node=node,
        access_s=dist / (travel.params.access_kph / 3.6),
        growth=np.asarray(growth, dtype=np.int64),
        flashover_kw=fo,
        vent_kw=vent,
    )
    _draws(inc, len(travel.station_ids), rng)
    return inc
