"""The road network: lines with OSM tags to a routable ``networkx.MultiDiGraph``."""

from __future__ import annotations

__all__ = ["RoadFeature", "build_road_graph", "parse_maxspeed_kph", "parse_oneway"]

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import shapely

from twin.profiles import DEFAULT_SPEED_KPH

_SPEED_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", re.IGNORECASE)


@dataclass
class RoadFeature:
    """One road line as read from a file, before it is split at junctions."""

    id: str
    line: shapely.LineString
    highway: str = "residential"
    maxspeed: Any = None
    oneway: Any = None
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def parse_maxspeed_kph(value: Any) -> float | None:
    """A ``maxspeed`` tag in km/h, or None when it is missing or not a number ("none", "RU:urban").

    ``"50"`` -> 50, ``"30 mph"`` -> 48.3, ``"30;50"`` -> 30 (the lower, conservative for response times).
    """
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if value > 0 else None
    parts = [p for p in str(value).split(";") if p.strip()]
    speeds = []
    for p in parts:
        m = _SPEED_RE.match(p)
        if m:
            v = float(m.group(1))
            if m.group(2) and m.group(2).lower() == "mph":
                v *= 1.609344
            if v > 0:
                speeds.append(v)
    return min(speeds) if speeds else None


def parse_oneway(value: Any) -> int:
    """OSM ``oneway``: 1 for forward, -1 for against the line's direction, 0 for two-way."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 1 if value else 0
    s = str(value).strip().lower()
    if s in ("yes", "true", "1"):
        return 1
    if s in ("-1", "reverse"):
        return -1
    return 0


def _key(x: float, y: float) -> tuple[int, int]:
    # endpoints within a centimetre are one junction
    return (int(round(x * 100.0)), int(round(y * 100.0)))


def build_road_graph(features: list[RoadFeature]) -> nx.MultiDiGraph:
    """Build the routable graph, splitting lines at every vertex that two features share.

    That is how OSM roads meet (a shared node) and how GIS layers that were not split at
    junctions still route correctly; crossings without a shared vertex (bridges) stay apart.
    """
    g = nx.MultiDiGraph()
    coords = [np.asarray(f.line.coords)[:, :2] for f in features]
    usage: Counter[tuple[int, int]] = Counter()
    for c in coords:
        usage.update({_key(x, y) for x, y in c})
    node_of: dict[tuple[int, int], int] = {}

    def node(x: float, y: float) -> int:
        k = _key(x, y)
        n = node_of.get(k)
        if n is None:
            n = len(node_of)
            node_of[k] = n
            g.add_node(n, x=float(x), y=float(y))
        return n

    for f, c in zip(features, coords, strict=True):
        speed = parse_maxspeed_kph(f.maxspeed) or DEFAULT_SPEED_KPH.get(f.highway, 30.0)
        direction = parse_oneway(f.oneway)
        cut = [0] + [i for i in range(1, len(c) - 1) if usage[_key(*c[i])] > 1] + [len(c) - 1]
        for part, (i, j) in enumerate(zip(cut, cut[1:], strict=False)):
            seg = c[i : j + 1]
            if len(seg) < 2:
                continue
            line = shapely.LineString(seg)
            length = float(line.length)
            if length <= 0.0:
                continue
            u, v = node(*seg[0]), node(*seg[-1])
            attrs = {
                "road_id": f.id if len(cut) == 2 else f"{f.id}#{part}",
                "feature": f.id,
                "highway": f.highway,
                "speed_kph": speed,
                "length_m": length,
                "travel_time_s": length / (speed / 3.6),
                "oneway": direction != 0,
                "name": f.name,
                "geometry": line,
            }
            if direction >= 0:
                g.add_edge(u, v, **attrs)
            if direction <= 0:
                # the reverse edge carries its own geometry, drawn in its direction of travel
                back = dict(attrs, geometry=shapely.LineString(seg[::-1]))
                g.add_edge(v, u, **back)
    return g


def graph_length_m(g: nx.MultiDiGraph) -> float:
    """Total length of road (each two-way road counted once)."""
    seen: dict[str, float] = {}
    for _, _, d in g.edges(data=True):
        seen[d["road_id"]] = d["length_m"]
    return float(math.fsum(seen.values()))
