"""What the sim hands the 3D scene each snapshot step: typed, immutable, in the sim's own terms.

The root (``showroom_cli``) takes a :class:`SceneSnapshot` from a live run or a replay
(:mod:`sim.live`) and pushes it to the scene. The scene never imports ``sim``: it reads these
objects by attribute (``scenes.entities.SnapshotLike`` describes the fields it reads), so any
object with the same fields will do. Units: metres in the city's local frame, seconds since the
scenario's start, kW.
"""

from __future__ import annotations

__all__ = ["FireState", "IncidentState", "LifeState", "RackState", "SceneSnapshot", "TruckState", "WallState"]

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class TruckState:
    """A fire truck: where it is (or a route and how far along it) and what it is doing.

    Attributes:
        id: the truck's id (e.g. ``FS1-E1``).
        x: east (m), local frame.
        y: north (m), local frame.
        state: ``at_station``, ``responding``, ``on_scene``, ``returning`` (the fire engine's words).
        route: the road polyline being driven ((x, y) pairs, m), when known; then ``progress_m`` places it.
        progress_m: distance travelled along ``route`` (m).
    """

    id: str
    x: float
    y: float
    state: str = ""
    route: tuple[tuple[float, float], ...] | None = None
    progress_m: float = 0.0


@dataclass(frozen=True, slots=True)
class FireState:
    """A fire: where it burns and its heat release rate.

    Attributes:
        id: the incident's id.
        x: east (m), local frame.
        y: north (m), local frame.
        hrr_kw: heat release rate (kW).
        state: the incident's state in the fire engine (``growing``, ``controlled``, ...).
    """

    id: str
    x: float
    y: float
    hrr_kw: float
    state: str = ""


@dataclass(frozen=True, slots=True)
class RackState:
    """A recording server's rack: its load (0..1), whether it is up, whether it is a failover spare."""

    id: str
    load: float
    up: bool = True
    spare: bool = False


@dataclass(frozen=True, slots=True)
class WallState:
    """The video wall at sim time ``t``: per tile, the camera shown (``""``: dark), since when, alarm or not.

    Tiles run row by row from the top left (the wall's reading order).
    """

    t: float
    camera_ids: tuple[str, ...]
    since_s: tuple[float, ...]
    alarm: tuple[bool, ...] = ()


@dataclass(frozen=True, slots=True)
class IncidentState:
    """One open incident on the fire control room's board.

    Attributes:
        id: the incident's id.
        phase: ``notified``, ``dispatched``, ``en route``, ``on scene`` or ``water on``.
        truck: the truck assigned (``""`` before dispatch, ``mutual aid`` when none of ours).
        elapsed_s: seconds since notification (stopped when the water is on).
        limit_s: the standard's limit for notification to water on the fire (s).
        standard: the standard profile's name.
    """

    id: str
    phase: str
    truck: str
    elapsed_s: float
    limit_s: float
    standard: str = ""


@dataclass(frozen=True, slots=True)
class SceneSnapshot:
    """The sim's state at sim time ``t`` (s): trucks, fires, server racks, and the War Room's wall, board and staff."""

    t: float
    trucks: tuple[TruckState, ...] = ()
    fires: tuple[FireState, ...] = ()
    racks: tuple[RackState, ...] = ()
    wall: WallState | None = None
    incidents: tuple[IncidentState, ...] = ()
    staff_on_duty: int | None = None


@dataclass(frozen=True, slots=True)
class LifeState:
    """Street life at sim time ``t`` (s): every vehicle and pedestrian, as read-only arrays (never one object each).

    Attributes:
        t: sim time (s).
        hour: the hour of day (0..24) it shows.
        vehicle_xy: (n, 2) vehicle centres (m, local frame), on their lanes.
        vehicle_heading_rad: (n,) direction of travel, counter-clockwise from east.
        vehicle_kind: (n,) index into ``kinds``.
        pedestrian_xy: (m, 2) pedestrians (m).
        pedestrian_heading_rad: (m,) their walking direction, counter-clockwise from east.
        vehicle_id: (n,) each vehicle's stable id while it lives (its colour follows it).
        pedestrian_id: (m,) the same for pedestrians.
        kinds: the vehicle kinds' names.
    """

    t: float
    hour: float
    vehicle_xy: np.ndarray
    vehicle_heading_rad: np.ndarray
    vehicle_kind: np.ndarray
    pedestrian_xy: np.ndarray
    pedestrian_heading_rad: np.ndarray
    vehicle_id: np.ndarray
    pedestrian_id: np.ndarray
    kinds: tuple[str, ...] = ("motorcycle", "car", "bus")

    @classmethod
    def of(cls, **fields: object) -> LifeState:
        """A state from arrays (copied to compact dtypes and made read-only)."""
        a = {
            "vehicle_xy": np.asarray(fields.pop("vehicle_xy"), dtype=np.float32).reshape(-1, 2),
            "vehicle_heading_rad": np.asarray(fields.pop("vehicle_heading_rad"), dtype=np.float32).ravel(),
            "vehicle_kind": np.asarray(fields.pop("vehicle_kind"), dtype=np.int8).ravel(),
            "pedestrian_xy": np.asarray(fields.pop("pedestrian_xy"), dtype=np.float32).reshape(-1, 2),
            "pedestrian_heading_rad": np.asarray(fields.pop("pedestrian_heading_rad"), dtype=np.float32).ravel(),
            "vehicle_id": np.asarray(fields.pop("vehicle_id"), dtype=np.int32).ravel(),
            "pedestrian_id": np.asarray(fields.pop("pedestrian_id"), dtype=np.int32).ravel(),
        }
        for v in a.values():
            v.flags.writeable = False
        return cls(**fields, **a)  # type: ignore[arg-type]
