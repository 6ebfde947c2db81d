"""The road graph as flat numpy arrays: every directed edge's polyline, its class and its successors.

Agents live on edges as ``(edge, s)`` (s: metres from the edge's start); :meth:`RoadArrays.place`
turns whole arrays of them into positions and headings at once (one ``searchsorted`` over all the
edges' vertices), so no per-agent Python runs per frame. Successors are the edges leaving an edge's
head node, less the way back (a U-turn only at a dead end), each with a weight; one seeded draw picks
the next edge of many agents at once (:meth:`RoadArrays.choose_next`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:
    import networkx as nx


def _class_of(hw: object) -> str:
    return str(hw[0]) if isinstance(hw, list) and hw else str(hw or "")


class RoadArrays:
    """A road graph packed into arrays (read-only after construction).

    Attributes:
        n_edges: number of directed edges.
        length_m: (E,) each edge's polyline length.
        cls: (E,) each edge's OSM ``highway`` class.
        speed_mps: (E,) each edge's speed limit.
        pts: (P, 2) every edge's vertices, edge after edge; ``off`` (E+1,) where each edge's start.
        reverse: (E,) the edge running the other way between the same nodes, or -1.
    """

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        edges = list(graph.edges(keys=True, data=True))
        self.n_edges = len(edges)
        lines = [d["geometry"] for _, _, _, d in edges]
        coords = [np.asarray(shapely.get_coordinates(g), dtype=float) for g in lines]
        n_v = np.array([len(c) for c in coords], dtype=np.int64)
        self.off = np.concatenate([[0], np.cumsum(n_v)])
        self.pts = np.concatenate(coords) if coords else np.zeros((0, 2))
        seg = np.diff(self.pts, axis=0)
        seg_len = np.hypot(seg[:, 0], seg[:, 1])
        # cumulative length at each vertex, restarting at 0 on each edge
        cum = np.concatenate([[0.0], np.cumsum(seg_len)])
        first = np.repeat(cum[self.off[:-1]], n_v)
        self.cum = cum - first
        self.length_m = self.cum[self.off[1:] - 1].copy()
        # a global arc length: edge e spans [base[e], base[e] + length[e]]; a 1 m gap keeps edges apart
        self.base = np.concatenate([[0.0], np.cumsum(self.length_m + 1.0)])[:-1]
        self.gcum = self.cum + np.repeat(self.base, n_v)
        self.cls = np.array([_class_of(d.get("highway")) for _, _, _, d in edges], dtype=object)
        self.speed_mps = np.array([float(d.get("speed_kph", 30.0)) / 3.6 for _, _, _, d in edges])
        nodes = {n: i for i, n in enumerate(graph.nodes)}
        self.tail = np.array([nodes[u] for u, _, _, _ in edges], dtype=np.int64)
        self.head = np.array([nodes[v] for _, v, _, _ in edges], dtype=np.int64)
        pair = {(int(a), int(b)): e for e, (a, b) in enumerate(zip(self.tail, self.head, strict=True))}
        self.reverse = np.array([pair.get((int(b), int(a)), -1) for a, b in zip(self.tail, self.head, strict=True)])
        self.lines = np.array(lines, dtype=object)

    # ---- geometry -------------------------------------------------------------------------------
    def place(
        self, edge: np.ndarray, s_m: np.ndarray, offset_m: np.ndarray | float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions (n, 2) and headings (n,) (radians, counter-clockwise from east) of agents at ``(edge, s)``.

        ``offset_m`` shifts each agent to the left of its edge's direction (Indonesia keeps left).
        """
        edge = np.asarray(edge, dtype=np.int64)
        s = np.clip(np.asarray(s_m, dtype=float), 0.0, self.length_m[edge])
        g = self.base[edge] + s
        k = np.searchsorted(self.gcum, g, side="right") - 1
        k = np.clip(k, self.off[edge], self.off[edge + 1] - 2)
        a, b = self.pts[k], self.pts[k + 1]
        d = b - a
        seg = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
        u = ((s - self.cum[k]) / seg)[:, None]
        xy = a + u * d
        left = np.stack([-d[:, 1], d[:, 0]], 1) / seg[:, None]
        xy = xy + left * np.asarray(offset_m, dtype=float).reshape(-1, 1)
        return xy, np.arctan2(d[:, 1], d[:, 0])

    # ---- routing --------------------------------------------------------------------------------
    def successors(self, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each edge's successors and their cumulative choice weights, as CSR arrays.

        Args:
            weight: (E,) how strongly an agent prefers to turn into each edge (0: never, unless it is
                the only way on).

        Returns:
            ``start`` (E+1,), ``succ`` (the successor edges, row after row) and ``ccum`` (each row's
            cumulative normalised weights plus the row's index, so one ``searchsorted`` of
            ``row + u`` picks from the right row).
        """
        out: dict[int, list[int]] = {}
        for e, t in enumerate(self.tail):
            out.setdefault(int(t), []).append(e)
        rows, weights = [], []
        for e in range(self.n_edges):
            cand = [f for f in out.get(int(self.head[e]), []) if f != self.reverse[e] and weight[f] > 0]
            if not cand:
                # a dead end (or only closed ways on): turn back if the way back is open, else anywhere
                back = int(self.reverse[e])
                cand = [back] if back >= 0 and weight[back] > 0 else out.get(int(self.head[e]), [e])
            w = np.maximum(np.asarray([weight[f] for f in cand], dtype=float), 1e-9)
            rows.append(cand)
            weights.append(w / w.sum())
        start = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
        succ = np.fromiter((f for r in rows for f in r), dtype=np.int64, count=int(start[-1]))
        ccum = np.concatenate([np.cumsum(w) + i for i, w in enumerate(weights)]) if rows else np.zeros(0)
        # the last of each row is exactly row + 1 so a draw of u < 1 never spills into the next row
        ccum[start[1:] - 1] = np.arange(self.n_edges) + 1.0
        return start, succ, ccum

    @staticmethod
    def choose_next(edge: np.ndarray, u: np.ndarray, table: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
        """The next edge after each of ``edge`` for uniform draws ``u`` in [0, 1), from a :meth:`successors` table."""
        start, succ, ccum = table
        k = np.searchsorted(ccum, edge + u, side="right")
        k = np.clip(k, start[edge], start[edge + 1] - 1)
        return succ[k]
