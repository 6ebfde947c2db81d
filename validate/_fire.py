"""Fire models against references: routed travel times by hand and by an independent router; t-squared vs NFPA.

Travel, by hand: a small town whose routes a person can trace: a primary avenue, a secondary, a
one-way tertiary and residential lanes, each with a posted limit above the truck's class speed (so
the class speed holds). Each expected time below is the hand-routed path's length over the class
speeds, plus the start-and-stop term ``v / a`` with ``v`` the trip's mean cruising speed
(``a = 0.8 m/s2``), or ``2 sqrt(d / a)`` for a trip too short to reach it.

Travel, on the default city: every station's routed times against networkx's Dijkstra (another
implementation of shortest paths) over the same edge times.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from sim.firegrowth import time_to_kw
from sim.travel import TRUCK_SPEED_KPH, TravelModel, TravelParams
from twin import FireStation, Twin
from twin.roads import RoadFeature, build_road_graph

from ._check import Check, within_abs, within_rel

#: NFPA 72 / SFPE growth classes: seconds to reach 1,055 kW (1,000 BTU/s).
NFPA_1055_KW_S = {"slow": 600.0, "medium": 300.0, "fast": 150.0, "ultra-fast": 75.0}

_KPH = {"primary": 50.0, "secondary": 45.0, "tertiary": 38.0, "residential": 25.0}  # TRUCK_SPEED_KPH, by hand


def _hand(d_m: float, cruise_s: float, a: float = 0.8) -> float:
    v = d_m / cruise_s
    return cruise_s + v / a if d_m >= v * v / a else 2 * math.sqrt(d_m / a)


#: (label, destination x, y, hand-routed length m, cruise s, forward (True) or the way back)
HAND_ROUTES = [
    ("station -> (1200, 0): 1200 m of primary", (1200.0, 0.0), 1200.0, 1200 / (50 / 3.6), True),
    ("station -> (600, 400): 600 m primary + 400 m secondary (the lanes, 1000 m at 25 km/h, are slower)",
     (600.0, 400.0), 1000.0, 600 / (50 / 3.6) + 400 / (45 / 3.6), True),
    ("station -> (1200, 400): primary, secondary, then 600 m of the one-way tertiary east",
     (1200.0, 400.0), 1600.0, 600 / (50 / 3.6) + 400 / (45 / 3.6) + 600 / (38 / 3.6), True),
    ("(1200, 400) -> station: against the one-way, 400 m lane + 1200 m primary",
     (1200.0, 400.0), 1600.0, 400 / (25 / 3.6) + 1200 / (50 / 3.6), False),
    ("station -> (600, 800): primary then 800 m of secondary", (600.0, 800.0), 1400.0,
     600 / (50 / 3.6) + 800 / (45 / 3.6), True),
    ("station -> (0, 400): 400 m of lane", (0.0, 400.0), 400.0, 400 / (25 / 3.6), True),
    ("station -> (0, 40): 40 m of lane, too short to reach 25 km/h", (0.0, 40.0), 40.0, 40 / (25 / 3.6), True),
]


def hand_town() -> list[RoadFeature]:
    """The town of :data:`HAND_ROUTES`; posted limits sit above the truck speeds so class speeds hold."""

    def f(fid: str, pts: list[tuple[float, float]], hw: str, limit: str, oneway: str | None = None) -> RoadFeature:
        return RoadFeature(fid, shapely.LineString(pts), hw, maxspeed=limit, oneway=oneway)

    return [
        f("avenue", [(0, 0), (600, 0), (1200, 0)], "primary", "60"),
        f("lane-w", [(0, 0), (0, 40), (0, 400), (600, 400)], "residential", "30"),
        f("second", [(600, 0), (600, 400), (600, 800)], "secondary", "50"),
        f("lane-e", [(1200, 0), (1200, 400)], "residential", "30"),
        f("oneway", [(600, 400), (1200, 400)], "tertiary", "40", "yes"),
        # dead-end spurs make junctions of (0, 40) and (0, 400)
        f("spur-1", [(0, 40), (-30, 40)], "residential", "30"),
        f("spur-2", [(0, 400), (-50, 400)], "residential", "30"),
    ]


def travel_vs_hand_routes(*, quick: bool, seed: int) -> list[Check]:  # noqa: ARG001 - deterministic
    """Routed times (station -> node, node -> station) of ``sim.travel`` against hand-routed times."""
    assert all(TRUCK_SPEED_KPH[k] == v for k, v in _KPH.items()), "the hand routes assume these class speeds"
    tm = TravelModel(build_road_graph(hand_town()), [FireStation("S", 0.0, 0.0)], TravelParams(accel_mps2=0.8))
    worst, got_worst, exp_worst, lines = 0.0, 0.0, 0.0, []
    for label, (x, y), d_m, cruise_s, fwd in HAND_ROUTES:
        node = int(tm.snap(np.array([[x, y]]))[0][0])
        got = float(tm.fwd_s[0, node] if fwd else tm.back_s[0, node])
        exp = _hand(d_m, cruise_s)
        lines.append(f"{label}: {got:.2f} s vs {exp:.2f} s")
        rel = abs(got / exp - 1)
        if rel >= worst:
            worst, got_worst, exp_worst = rel, got, exp
    row = within_rel("fire", f"routed truck travel time, worst of {len(HAND_ROUTES)} hand-routed trips, s",
                     "hand-routed paths: length / class speed + v / a", got_worst, exp_worst, 1e-6,
                     "; ".join(lines))
    return [row]


def travel_vs_networkx(*, quick: bool, seed: int, city: Twin) -> list[Check]:
    """Every station's routed times on ``city`` against networkx's Dijkstra on the same edge times."""
    import networkx as nx

    p = TravelParams()
    tm = TravelModel(city.roads, city.fire_stations, p)
    g = nx.DiGraph()
    for u, v, d in city.roads.edges(data=True):
        kph = min(p.speed_kph.get(d.get("highway", "road"), d["speed_kph"]), d["speed_kph"] * p.limit_factor)
        t = d["length_m"] / (kph / 3.6)
        if not g.has_edge(u, v) or g[u][v]["t"] > t:
            g.add_edge(u, v, t=t)
    rng = np.random.default_rng(seed)
    worst = 0.0
    n = 0
    for s, node in enumerate(tm.station_node):
        dist = nx.single_source_dijkstra_path_length(g, tm.node_ids[node], weight="t")
        ids = list(dist)
        pick = ids if not quick else [ids[i] for i in rng.choice(len(ids), min(300, len(ids)), replace=False)]
        theirs = np.array([dist[i] for i in pick])
        cols = np.array([tm.index[i] for i in pick])
        # the model's cruise time is its routed time less the start-and-stop term; compare cruise to cruise
        d = tm.fwd_m[s, cols]
        ours = tm.fwd_s[s, cols]
        v = np.where(theirs > 0, d / np.where(theirs > 0, theirs, 1.0), 0.0)
        expected = np.where(d >= v * v / p.accel_mps2, theirs + v / p.accel_mps2, 2 * np.sqrt(d / p.accel_mps2))
        expected[theirs == 0] = 0.0
        worst = max(worst, float(np.max(np.abs(ours - expected))))
        n += len(pick)
    return [within_abs("fire", f"routed travel time on the default city, worst |diff| over {n:,} station-node "
                       "pairs, s", "networkx single_source_dijkstra on the same edge times (+ v / a)",
                       worst, 0.0, 1e-6, f"{len(tm.station_node)} stations, {city.roads.number_of_nodes():,} nodes")]


def tsquared_vs_nfpa(*, quick: bool, seed: int) -> list[Check]:  # noqa: ARG001 - deterministic
    """Seconds for each t-squared growth class to reach 1,055 kW, against NFPA 72's definition."""
    return [
        within_rel("fire", f"t-squared '{cls}' fire: seconds to 1,055 kW", "NFPA 72 (Annex B) / SFPE growth classes",
                   float(time_to_kw(1055.0, cls)), t_ref, 0.005,
                   "the model's alpha is the rounded published coefficient (kW/s2)")
        for cls, t_ref in NFPA_1055_KW_S.items()
    ]
