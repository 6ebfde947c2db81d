"""Sim entities from state snapshots: trucks along their routes, fires sized by heat release, racks by load.

The scene never drives the simulation and never imports it: it reads snapshots handed over by the
root (the sim's ``sim.snapshot.SceneSnapshot`` dataclasses, or anything with the fields of
:class:`SnapshotLike`, plain mappings included) and interpolates between the last two for each
rendered frame, so the sim can step at its own rate. A snapshot as a mapping looks like::

    {"t": 130.0,
     "trucks": [{"id": "E1", "x": 10.0, "y": 52.0}                      # a position, or
                {"id": "E2", "route": [[0, 0], [80, 0]], "progress_m": 35.0}],  # a route and the distance along it
     "fires":  [{"id": "F1", "x": 40.0, "y": 60.0, "hrr_kw": 1055.0}],
     "racks":  [{"id": "R01", "load": 0.72}]}                           # utilisation 0..1
"""

from __future__ import annotations

__all__ = [
    "FireLike",
    "RackLike",
    "SimEntities",
    "SnapshotLike",
    "TruckLike",
    "flame_height_m",
    "fire_diameter_m",
    "load_rgb",
    "HRRPUA_KW_M2",
]

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import shapely
from panda3d.core import NodePath

from ._fire_look import FireLook
from ._mesh import boxes, geom_node
from ._truck_look import TruckLook
from .masks import DEPTH_MASK

#: Heat release rate per unit area of the burning fuel (kW/m2): sizes the fire's base from its HRR.
#: 500 kW/m2 is a common design value for furnished rooms (SFPE Handbook); make it a setting.
HRRPUA_KW_M2 = 500.0
RACK_SIZE_M = (3.0, 5.0, 10.0)  # server racks drawn 5x life size, so they read from the air


def fire_diameter_m(hrr_kw: float, hrrpua_kw_m2: float = HRRPUA_KW_M2) -> float:
    """Diameter of a round fire of this heat release: ``sqrt(4 Q / (pi q''))``."""
    return math.sqrt(4.0 * max(hrr_kw, 0.0) / (math.pi * hrrpua_kw_m2))


def flame_height_m(hrr_kw: float, hrrpua_kw_m2: float = HRRPUA_KW_M2) -> float:
    """Mean flame height by Heskestad's correlation ``L = 0.235 Q^(2/5) - 1.02 D`` (m, kW), never below 0."""
    q = max(hrr_kw, 0.0)
    return max(0.235 * q**0.4 - 1.02 * fire_diameter_m(q, hrrpua_kw_m2), 0.0)


def load_rgb(load: float) -> tuple[float, float, float]:
    """A rack's colour by load (0..1): green at 0, yellow at 0.5, red at 1 (RGB 0..1)."""
    u = float(np.clip(load, 0.0, 1.0))
    if u <= 0.5:
        return (0.15 + 1.6 * u, 0.75, 0.15)
    return (0.95, 0.75 - 1.3 * (u - 0.5), 0.15)


class TruckLike(Protocol):
    """A truck in a snapshot: ``x, y`` (m), or a ``route`` polyline and ``progress_m`` along it."""

    id: str
    x: float
    y: float


class FireLike(Protocol):
    """A fire in a snapshot: where (m) and its heat release rate (kW)."""

    id: str
    x: float
    y: float
    hrr_kw: float


class RackLike(Protocol):
    """A server rack in a snapshot: its load, 0..1."""

    id: str
    load: float


class SnapshotLike(Protocol):
    """What the scene reads from a sim snapshot (the sim's ``SceneSnapshot`` has these fields)."""

    t: float
    trucks: Sequence[TruckLike]
    fires: Sequence[FireLike]
    racks: Sequence[RackLike]


#: The fields the scene reads, by part of the snapshot (the others are ignored).
_FIELDS = {
    "snapshot": ("t", "trucks", "fires", "racks"),
    "trucks": ("id", "x", "y", "state", "route", "progress_m", "heading_deg"),
    "fires": ("id", "x", "y", "hrr_kw", "state", "z_m"),
    "racks": ("id", "load"),
}


def _as_dict(obj: Any, part: str = "snapshot") -> dict[str, Any]:
    """A mapping as it is; any other object read by attribute (the fields of ``part`` it has)."""
    if isinstance(obj, Mapping):
        return dict(obj)
    return {k: getattr(obj, k) for k in _FIELDS[part] if getattr(obj, k, None) is not None}


def _by_id(snap: Mapping[str, Any], key: str) -> dict[str, dict[str, Any]]:
    return {str(d["id"]): d for d in (_as_dict(x, key) for x in snap.get(key, []) or [])}


def _truck_xy(d: Mapping[str, Any]) -> tuple[np.ndarray, shapely.LineString | None, float]:
    route = d.get("route")
    if route is not None and len(route) >= 2:
        line = shapely.LineString(route)
        s = float(d.get("progress_m", 0.0))
        p = line.interpolate(s)
        return np.array([p.x, p.y]), line, s
    return np.array([float(d["x"]), float(d["y"])]), None, 0.0


class _Snapshot:
    """A pushed snapshot read once (not every frame): entities by id, each truck's place and route."""

    def __init__(self, snap: Mapping[str, Any]) -> None:
        self.t = float(snap["t"])
        self.trucks = {tid: (d, *_truck_xy(d)) for tid, d in _by_id(snap, "trucks").items()}
        self.fires = _by_id(snap, "fires")
        self.racks = dict(sorted(_by_id(snap, "racks").items()))  # placed in rows by id


class SimEntities:
    """Trucks, fires and racks under one node, placed from interpolated snapshots."""

    def __init__(self, parent: NodePath, *, rack_origin: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> None:
        self.root = parent.attach_new_node("sim-entities")
        self.root.hide(DEPTH_MASK)
        self.rack_origin = rack_origin
        self._truck_look = TruckLook()
        rack = boxes([[0, 0, RACK_SIZE_M[2] / 2]], RACK_SIZE_M, (255, 255, 255), lit=False)
        self._rack_geom = geom_node("rack", rack)
        self.trucks: dict[str, NodePath] = {}
        self.fires: dict[str, tuple[NodePath, NodePath]] = {}
        self._fire_looks: dict[str, FireLook] = {}
        self.racks: dict[str, NodePath] = {}
        self._prev: _Snapshot | None = None
        self._cur: _Snapshot | None = None

    # ---- snapshots --------------------------------------------------------------------------
    def push(self, snapshot: SnapshotLike | Mapping[str, Any]) -> None:
        """Add the sim's newest snapshot (it must carry ``t``, sim seconds)."""
        snap = _as_dict(snapshot)
        if "t" not in snap:
            raise ValueError("a sim snapshot needs 't' (sim seconds)")
        self._prev, self._cur = self._cur, _Snapshot(snap)

    def set_time(self, t: float) -> None:
        """Place everything at sim time ``t``, interpolated between the last two snapshots."""
        if self._cur is None:
            return
        prev = self._prev if self._prev is not None else self._cur
        t0, t1 = prev.t, self._cur.t
        a = 1.0 if t1 <= t0 else float(np.clip((t - t0) / (t1 - t0), 0.0, 1.0))
        self._place_trucks(prev, self._cur, a, t)
        self._place_fires(prev, self._cur, a, t)
        self._place_racks(self._cur)

    def _place_trucks(self, prev: _Snapshot, cur: _Snapshot, a: float, t: float) -> None:
        pa, pb = prev.trucks, cur.trucks
        for tid in list(self.trucks):
            if tid not in pb:
                self.trucks.pop(tid).remove_node()
        for tid, (db, xb, line, sb) in pb.items():
            da = pa.get(tid)
            if da is None:
                xy, heading = xb, db.get("heading_deg")
            else:
                _, xa, line_a, sa = da
                if line is not None and line_a is not None and line.equals(line_a):
                    # along the route, not across the corner
                    p = line.interpolate(sa + a * (sb - sa))
                    xy = np.array([p.x, p.y])
                else:
                    xy = xa + a * (xb - xa)
                heading = db.get("heading_deg")
                if heading is None and np.hypot(*(xb - xa)) > 1e-6:
                    heading = math.degrees(math.atan2(xb[0] - xa[0], xb[1] - xa[1]))
            node = self.trucks.get(tid)
            if node is None:
                node = self._truck_look.make(self.root, tid)
                self.trucks[tid] = node
            node.set_pos(float(xy[0]), float(xy[1]), 0.45)  # on the road ribbon
            if heading is not None:
                node.set_h(-float(heading))
            TruckLook.flash(node, t, str(db.get("state", "")))

    def _place_fires(self, prev: _Snapshot, cur: _Snapshot, a: float, t: float) -> None:
        pa, pb = prev.fires, cur.fires
        for fid in list(self.fires):
            if fid not in pb:
                self.fires.pop(fid)
                self._fire_looks.pop(fid).remove()
        for fid, db in pb.items():
            q1 = float(db.get("hrr_kw", 0.0))
            q0 = float(pa[fid].get("hrr_kw", q1)) if fid in pa else q1
            q = q0 + a * (q1 - q0)
            look = self._fire_looks.get(fid)
            if look is None:
                look = self._fire_looks[fid] = FireLook(self.root, fid)
                self.fires[fid] = (look.flame, look.plume)
            d = max(fire_diameter_m(q), 0.3)
            h = max(flame_height_m(q), 0.3)
            look.update(float(db["x"]), float(db["y"]), float(db.get("z_m", 0.0)), q, t, diameter_m=d, flame_m=h)

    def _place_racks(self, cur: _Snapshot) -> None:
        racks = cur.racks
        for rid in list(self.racks):
            if rid not in racks:
                self.racks.pop(rid).remove_node()
        x0, y0, z0 = self.rack_origin
        per_row = 10
        n_rows = (len(racks) + per_row - 1) // per_row
        for k, (rid, d) in enumerate(racks.items()):
            node = self.racks.get(rid)
            if node is None:
                node = self.root.attach_new_node(self._rack_geom.make_copy())
                self.racks[rid] = node
            # rows of ten, centred on the origin (the server room's place: on the command center's roof)
            col, row = k % per_row, k // per_row
            x = x0 + (col - (min(len(racks), per_row) - 1) / 2.0) * (RACK_SIZE_M[0] + 1.0)
            y = y0 + (row - (n_rows - 1) / 2.0) * (RACK_SIZE_M[1] + 2.0)
            node.set_pos(x, y, z0)
            node.set_color(*load_rgb(float(d.get("load", 0.0))), 1.0)

    def counts(self) -> dict[str, int]:
        """How many of each are shown."""
        return {"trucks": len(self.trucks), "fires": len(self.fires), "racks": len(self.racks)}

    def destroy(self) -> None:
        """Remove every entity."""
        self.root.remove_node()
        self.trucks.clear()
        self.fires.clear()
        self.racks.clear()
