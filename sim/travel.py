"""Fire-truck travel times: station-to-node matrices computed once, then a cheap realised-time model.

Routed times come from shortest paths on the road graph with fire-apparatus speeds by road class
(:data:`TRUCK_SPEED_KPH`); ``scipy.sparse.csgraph.dijkstra`` runs from all stations at once, forward
(station -> every node) and backward (every node -> station, on the reversed graph, for the return).
A realised trip then follows the Amsterdam fire department's fdsim recipe (REFERENCE.md): an
acceleration term for short trips, ``realised = (a + b * modelled) * congestion(hour) * weather *
lognormal noise``. Never route per event: a road closure builds a new :class:`TravelModel` once.
"""

from __future__ import annotations

__all__ = [
    "CONGESTION_BY_HOUR",
    "TRUCK_SPEED_KPH",
    "TravelModel",
    "TravelParams",
    "accel_time_s",
]

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from twin import TwinError

if TYPE_CHECKING:
    import networkx as nx

    from twin import FireStation

#: Fire-apparatus cruising speed by OSM ``highway`` class, km/h. Heavier than cars and with lights
#: and siren: faster than traffic on arterials, slower than the limit in narrow residential lanes
#: (gang streets) where a 10 t truck must creep. Planning values; fit them to AVL data where you have it.
TRUCK_SPEED_KPH: dict[str, float] = {
    "motorway": 80.0,
    "trunk": 60.0,
    "primary": 50.0,
    "secondary": 45.0,
    "tertiary": 38.0,
    "unclassified": 28.0,
    "residential": 25.0,
    "living_street": 12.0,
    "service": 15.0,
    "motorway_link": 45.0,
    "trunk_link": 35.0,
    "primary_link": 35.0,
    "secondary_link": 30.0,
    "tertiary_link": 28.0,
    "road": 28.0,
}

#: Travel-time multiplier by hour of day (0-23): morning (06-09) and evening (16-19) peaks of an
#: Indonesian city centre, free flow at night. Lights and siren cut through part of the jam, so the
#: peaks are milder than for cars.
CONGESTION_BY_HOUR: tuple[float, ...] = (
    1.00, 1.00, 1.00, 1.00, 1.00, 1.05,  # 00-05
    1.20, 1.35, 1.30, 1.15, 1.10, 1.10,  # 06-11
    1.15, 1.10, 1.10, 1.15, 1.30, 1.40,  # 12-17
    1.35, 1.20, 1.10, 1.05, 1.00, 1.00,  # 18-23
)  # fmt: skip


def accel_time_s(distance_m: np.ndarray, cruise_time_s: np.ndarray, accel_mps2: float) -> np.ndarray:
    """Trip time with a start from rest and a stop, at constant acceleration and braking ``accel_mps2``.

    A trip of ``d`` metres at cruising speed ``v = d / t`` takes ``d / v + v / a`` (the time lost to
    accelerating and braking); a trip too short to reach ``v`` (``d < v^2 / a``) takes ``2 sqrt(d / a)``.
    """
    d = np.asarray(distance_m, dtype=float)
    t = np.asarray(cruise_time_s, dtype=float)
    if accel_mps2 <= 0:
        return t.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(t > 0, d / t, 0.0)
        full = t + v / accel_mps2
        short = 2.0 * np.sqrt(np.maximum(d, 0.0) / accel_mps2)
        out = np.where(d < v * v / accel_mps2, short, full)
    return np.where(np.isfinite(t), out, np.inf)


@dataclass(frozen=True)
class TravelParams:
    """How routed times become realised ones. All defaults are planning values; fit a, b, sigma to AVL data."""

    speed_kph: dict[str, float] = field(default_factory=lambda: dict(TRUCK_SPEED_KPH))
    #: apparatus may exceed a posted limit only by this factor (lights and siren)
    limit_factor: float = 1.1
    accel_mps2: float = 0.8
    #: fdsim's affine correction, realised = a + b * modelled (seconds)
    a_s: float = 0.0
    b: float = 1.0
    #: sigma of the multiplicative lognormal noise (median 1)
    sigma: float = 0.15
    congestion_by_hour: tuple[float, ...] = CONGESTION_BY_HOUR
    #: speed of the last leg from the nearest road node to the building (hose lay, walking pace of a truck)
    access_kph: float = 10.0

    def __post_init__(self) -> None:
        if len(self.congestion_by_hour) != 24 or min(self.congestion_by_hour) <= 0:
            raise TwinError("travel congestion_by_hour must hold 24 positive factors")
        if self.sigma < 0 or self.b <= 0 or self.accel_mps2 < 0:
            raise TwinError(f"travel: need sigma >= 0, b > 0, accel_mps2 >= 0 (got {self.sigma}, {self.b}, "
                            f"{self.accel_mps2})")

    def congestion(self, t_s: np.ndarray | float, start_hour: float = 0.0) -> np.ndarray:
        """Congestion factor at sim time ``t_s`` (seconds after a scenario starting at ``start_hour``)."""
        h = ((np.asarray(t_s, dtype=float) / 3600.0 + start_hour) % 24.0).astype(int)
        return np.asarray(self.congestion_by_hour)[h]


class TravelModel:
    """Station <-> node travel times of fire trucks on one road graph (with optional closures).

    Attributes:
        node_ids: graph node ids in matrix order. xy: (n, 2) node coordinates.
        station_ids: station ids in matrix order. station_node: matrix index of each station's node.
        fwd_s, fwd_m: (stations, nodes) modelled time (with acceleration) and length, station -> node.
        back_s, back_m: the same, node -> station (the return trip).
        reachable: nodes that every-way reach and are reached by at least one station.
    """

    def __init__(
        self,
        roads: nx.MultiDiGraph,
        stations: list[FireStation],
        params: TravelParams | None = None,
        *,
        closed_edges: frozenset[tuple[object, object, object]] = frozenset(),
    ):
        if roads is None or roads.number_of_nodes() == 0:
            raise TwinError("the city has no road graph: fire response needs roads")
        if not stations:
            raise TwinError("the city has no fire stations: fire response needs at least one")
        self.params = params or TravelParams()
        self.roads = roads
        self.stations = list(stations)
        self.closed_edges = frozenset(closed_edges)
        self.node_ids = list(roads.nodes)
        index = {n: i for i, n in enumerate(self.node_ids)}
        self.index = index
        self.xy = np.array([(roads.nodes[n]["x"], roads.nodes[n]["y"]) for n in self.node_ids], dtype=float)
        n = len(self.node_ids)
        sp = self.params.speed_kph
        rows = []
        for u, v, k, d in roads.edges(keys=True, data=True):
            if (u, v, k) in self.closed_edges:
                continue
            kph = min(sp.get(d.get("highway", "road"), d["speed_kph"]), d["speed_kph"] * self.params.limit_factor)
            rows.append((index[u], index[v], d["length_m"] / (kph / 3.6), d["length_m"]))
        arr = np.array(rows, dtype=float).reshape(-1, 4)
        # parallel edges: keep the fastest (csr_matrix would sum duplicates)
        order = np.lexsort((arr[:, 2], arr[:, 1], arr[:, 0]))
        arr = arr[order]
        keep = np.ones(len(arr), bool)
        keep[1:] = (arr[1:, 0] != arr[:-1, 0]) | (arr[1:, 1] != arr[:-1, 1])
        arr = arr[keep]
        u_i, v_i = arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64)
        self._t = csr_matrix((arr[:, 2], (u_i, v_i)), shape=(n, n))
        self._len = csr_matrix((arr[:, 3], (u_i, v_i)), shape=(n, n))
        self._tree = cKDTree(self.xy)
        self.station_ids = [s.id for s in self.stations]
        self.station_xy = np.array([(s.x, s.y) for s in self.stations], dtype=float)
        self.station_node = self._tree.query(self.station_xy)[1].astype(np.int64)
        src = self.station_node
        cruise_f, self._pred_f = dijkstra(self._t, directed=True, indices=src, return_predecessors=True)
        cruise_b, self._pred_b = dijkstra(self._t.T.tocsr(), directed=True, indices=src, return_predecessors=True)
        self._pred_f = np.asarray(self._pred_f)
        self._pred_b = np.asarray(self._pred_b)
        self.fwd_m = self._path_lengths(self._pred_f, self._len, src)
        self.back_m = self._path_lengths(self._pred_b, self._len.T.tocsr(), src)
        acc = self.params.accel_mps2
        self.fwd_s = accel_time_s(self.fwd_m, cruise_f, acc)
        self.back_s = accel_time_s(self.back_m, cruise_b, acc)
        self.reachable = np.isfinite(self.fwd_s).any(axis=0) & np.isfinite(self.back_s).any(axis=0)
        if not self.reachable.any():
            raise TwinError("no road node is reachable from a fire station and back: check the road graph")
        self._reach_idx = np.flatnonzero(self.reachable)
        self._reach_tree = cKDTree(self.xy[self._reach_idx])

    @staticmethod
    def _path_lengths(pred: np.ndarray, lengths: csr_matrix, sources: np.ndarray) -> np.ndarray:
        """Lengths of the shortest-time paths, by pointer jumping up the predecessor trees (no loop per node)."""
        out = np.empty(pred.shape, dtype=float)
        for s in range(pred.shape[0]):
            p = pred[s].astype(np.int64)
            has = p >= 0
            idx = np.flatnonzero(has)
            d = np.zeros(p.size)
            d[idx] = np.asarray(lengths[p[idx], idx]).ravel()
            anc = np.where(has, p, -1)
            while (anc >= 0).any():
                m = np.flatnonzero(anc >= 0)
                d[m] += d[anc[m]]
                nxt = np.full_like(anc, -1)
                nxt[m] = anc[anc[m]]
                anc = nxt
            d[~has] = np.inf  # unreached (the source itself is set back to 0 below)
            d[sources[s]] = 0.0
            out[s] = d
        return out

    # ---- places ------------------------------------------------------------------------------
    def snap(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest reachable road node (matrix index) of each point and the straight distance to it (m)."""
        d, i = self._reach_tree.query(np.asarray(xy, dtype=float).reshape(-1, 2))
        return self._reach_idx[i].astype(np.int64), np.asarray(d, dtype=float)

    def with_closures(self, closed_edges: set[tuple[object, object, object]]) -> TravelModel:
        """A new model with these directed edges ``(u, v, key)`` closed as well as the ones closed already."""
        both = set(closed_edges) | self.closed_edges
        return TravelModel(self.roads, self.stations, self.params, closed_edges=frozenset(both))

    def edges_near(self, x: float, y: float, radius_m: float) -> set[tuple[object, object, object]]:
        """Directed edges ``(u, v, key)`` whose geometry passes within ``radius_m`` of (x, y) (both ways of a road)."""
        import shapely

        pt = shapely.Point(x, y)
        out = set()
        for u, v, k, d in self.roads.edges(keys=True, data=True):
            g = d.get("geometry")
            if g is not None and g.distance(pt) <= radius_m:
                out.add((u, v, k))
        return out

    # ---- realised times -----------------------------------------------------------------------
    def realise(
        self,
        modelled_s: np.ndarray,
        t_s: np.ndarray | float,
        noise_z: np.ndarray,
        *,
        start_hour: float = 0.0,
        weather: float = 1.0,
    ) -> np.ndarray:
        """Realised trip seconds: ``(a + b * modelled) * congestion * weather * exp(sigma * z)``.

        ``noise_z`` are standard-normal draws made by the caller (so two runs can share them).
        """
        p = self.params
        return (p.a_s + p.b * np.asarray(modelled_s)) * p.congestion(t_s, start_hour) * weather * np.exp(
            p.sigma * np.asarray(noise_z)
        )

    def realise_one(self, modelled_s: float, t_s: float, noise_z: float, *, start_hour: float = 0.0,
                    weather: float = 1.0) -> float:
        """:meth:`realise` for one trip, in plain floats (the engine's hot path)."""
        p = self.params
        h = int((t_s / 3600.0 + start_hour) % 24.0)
        return (p.a_s + p.b * modelled_s) * p.congestion_by_hour[h] * weather * math.exp(p.sigma * noise_z)

    def preference(self) -> np.ndarray:
        """(nodes, stations): stations ordered by routed time to each node, nearest first (ties by index)."""
        return np.argsort(self.fwd_s.T, axis=1, kind="stable")

    # ---- routes (for the replay log and the 3D showroom) ----------------------------------
    def _walk(self, station: int, node: int, *, back: bool) -> list[int]:
        """Node indices from ``node`` up the station's forward (or, ``back``, backward) shortest-path tree to it."""
        pred = (self._pred_b if back else self._pred_f)[station]
        path = [int(node)]
        while path[-1] != self.station_node[station]:
            p = int(pred[path[-1]])
            if p < 0:
                st, nd = f"station {self.station_ids[station]}", f"node {self.node_ids[node]}"
                raise TwinError(f"{st} is not reachable from {nd}" if back else f"{nd} is not reachable from {st}")
            path.append(p)
        return path

    def route_out(self, station: int, node: int) -> list[int]:
        """Matrix node indices from station ``station`` (its index) to ``node``, both ends included."""
        return self._walk(station, node, back=False)[::-1]

    def route_back(self, node: int, station: int) -> list[int]:
        """Matrix node indices from ``node`` back to station ``station``."""
        return self._walk(station, node, back=True)

    def timed_polyline(self, path: list[int], duration_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Node coordinates along ``path`` and the seconds into the trip at which each is passed.

        Times are the routed edge times scaled so the trip takes ``duration_s`` (the realised time).
        """
        xy = self.xy[path]
        if len(path) < 2:
            return xy, np.array([duration_s])
        edge_t = np.asarray(self._t[path[:-1], path[1:]]).ravel()
        cum = np.concatenate([[0.0], np.cumsum(edge_t)])
        total = cum[-1] if cum[-1] > 0 else 1.0
        return xy, cum / total * duration_s
