"""The street-life profile: densities by road class, their shape over the day, the fleet mix.

Read from a JSON file (the shipped one is ``sim/life/traffic_profile.json``; its ``about`` says
where the numbers come from and which are assumptions), checked field by field: a bad file gets one
error naming the file, the field and the rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from twin import TwinError

#: The vehicle kinds, in the order of :attr:`sim.snapshot.LifeState.vehicle_kind` codes.
VEHICLE_KINDS = ("motorcycle", "car", "bus")


@dataclass(frozen=True)
class ClassLife:
    """Life on one road class: peak densities (per km of one direction) and the lane's offset from the centreline."""

    vehicles_per_km: float
    lane_offset_m: float
    pedestrians_per_km: float


@dataclass(frozen=True)
class TrafficProfile:
    """Street life by hour of day (see the module docstring).

    Attributes:
        hourly_vehicles: (24,) share of the peak vehicle density at each hour (h:00), linear between.
        hourly_pedestrians: (24,) the same for pedestrians.
        classes: life by OSM ``highway`` class; ``default_class`` for the others.
        park_pedestrians_per_ha: pedestrians per hectare of park or square at the peak.
        fleet_share: (3,) share of motorcycles, cars and buses (:data:`VEHICLE_KINDS`), summing to 1.
        fleet_length_m: (3,) their lengths.
        fleet_speed_factor: (3,) their cruising speed as a share of the road's limit.
        walking_speed_mps: (low, high) pedestrians' speeds, drawn uniformly.
        sidewalk_inset_m: how far inside the edge of the street's right of way pedestrians walk.
        source: the file it was read from.
    """

    hourly_vehicles: np.ndarray
    hourly_pedestrians: np.ndarray
    classes: dict[str, ClassLife]
    default_class: ClassLife
    park_pedestrians_per_ha: float
    fleet_share: np.ndarray
    fleet_length_m: np.ndarray
    fleet_speed_factor: np.ndarray
    walking_speed_mps: tuple[float, float]
    sidewalk_inset_m: float
    source: str = ""

    def of(self, cls: str) -> ClassLife:
        """Life on road class ``cls`` (the default class for one not listed)."""
        return self.classes.get(cls, self.default_class)

    @staticmethod
    def level(hourly: np.ndarray, hour: float) -> float:
        """The profile at ``hour`` (0..24, wrapping), linear between whole hours."""
        h = float(hour) % 24.0
        k = int(h)
        w = h - k
        return float((1.0 - w) * hourly[k] + w * hourly[(k + 1) % 24])


def _num(d: dict[str, Any], key: str, where: str, name: str, *, lo: float = 0.0) -> float:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v < lo:
        raise TwinError(f"{name}: {where}{key} must be a number >= {lo:g}, got {v!r}")
    return float(v)


def _hourly(d: dict[str, Any], key: str, name: str) -> np.ndarray:
    v = d.get(key)
    if not isinstance(v, list) or len(v) != 24:
        raise TwinError(f"{name}: {key} must list 24 hourly values (00:00..23:00), got {v!r:.60}")
    a = np.array([_num({"v": x}, "v", f"{key}[{i}] ", name) for i, x in enumerate(v)])
    if a.max() <= 0:
        raise TwinError(f"{name}: {key} must have at least one hour above 0")
    return a


def _class(d: Any, where: str, name: str) -> ClassLife:
    if not isinstance(d, dict):
        raise TwinError(f"{name}: {where} must be an object with vehicles_per_km, lane_offset_m, pedestrians_per_km")
    return ClassLife(
        _num(d, "vehicles_per_km", f"{where}.", name),
        _num(d, "lane_offset_m", f"{where}.", name),
        _num(d, "pedestrians_per_km", f"{where}.", name),
    )


def load_traffic_profile(path: str | Path | None = None) -> TrafficProfile:
    """Read a street-life profile (default: the shipped ``traffic_profile.json``).

    Raises:
        TwinError: naming the file and the field that breaks its rule.
    """
    if path is None:
        text = resources.files("sim.life").joinpath("traffic_profile.json").read_text(encoding="utf-8")
        name = "traffic_profile.json"
    else:
        p = Path(path)
        name = p.name
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as e:
            raise TwinError(f"{name}: cannot read the traffic profile: {e.strerror}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise TwinError(f"{name}: not JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(raw, dict):
        raise TwinError(f"{name}: a traffic profile is a JSON object")
    classes = raw.get("classes")
    if not isinstance(classes, dict) or not classes:
        raise TwinError(f"{name}: classes must map road classes (OSM highway) to their densities")
    fleet = raw.get("fleet")
    if not isinstance(fleet, dict) or set(fleet) != set(VEHICLE_KINDS):
        raise TwinError(f"{name}: fleet must have exactly {', '.join(VEHICLE_KINDS)}, got {sorted(fleet or {})}")
    share = np.array([_num(fleet[k], "share", f"fleet.{k}.", name) for k in VEHICLE_KINDS])
    if abs(share.sum() - 1.0) > 1e-6:
        raise TwinError(f"{name}: fleet shares must sum to 1, got {share.sum():g}")
    walk = raw.get("walking_speed_mps")
    if (
        not isinstance(walk, list)
        or len(walk) != 2
        or not all(isinstance(x, int | float) for x in walk)
        or not (0 < walk[0] <= walk[1])
    ):
        raise TwinError(f"{name}: walking_speed_mps must be [low, high] with 0 < low <= high, got {walk!r}")
    return TrafficProfile(
        hourly_vehicles=_hourly(raw, "hourly_vehicles", name),
        hourly_pedestrians=_hourly(raw, "hourly_pedestrians", name),
        classes={str(k): _class(v, f"classes.{k}", name) for k, v in classes.items()},
        default_class=_class(raw.get("default_class"), "default_class", name),
        park_pedestrians_per_ha=_num(raw, "park_pedestrians_per_ha", "", name),
        fleet_share=share,
        fleet_length_m=np.array([_num(fleet[k], "length_m", f"fleet.{k}.", name, lo=0.5) for k in VEHICLE_KINDS]),
        fleet_speed_factor=np.array(
            [_num(fleet[k], "speed_factor", f"fleet.{k}.", name, lo=0.1) for k in VEHICLE_KINDS]
        ),
        walking_speed_mps=(float(walk[0]), float(walk[1])),
        sidewalk_inset_m=_num(raw, "sidewalk_inset_m", "", name),
        source=name,
    )
