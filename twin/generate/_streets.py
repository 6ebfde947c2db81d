"""Street layout of the generated district: coastline, arterial lattice and local streets.

Internal to :mod:`twin.generate._district`. Every street is a list of indices into one shared point list, so
two streets that meet share the very same coordinates (the road graph joins lines at shared
vertices, and a junction computed twice could differ in the last bit).

The district is a lattice of jittered arterial lines (superblocks of about 370 m). Each superblock
is filled with local streets in its own parameter space ``(a, b)`` in [0, 1]^2 (mapped onto the
superblock's four curved sides by a Coons patch): "through" streets at constant ``a`` that join the
two opposite sides, meandering a little, and between neighbouring through streets short cross
streets that are staggered (T-junctions), slanted, sometimes kinked, sometimes dead ends, and now
and then one long diagonal. Every local street touches a street that reaches an arterial, so the
network is connected by construction; the tests check it with networkx.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

#: Half the map's side, metres: the district is the square [-HALF_M, HALF_M]^2 around the origin.
HALF_M = 1250.0
#: Junctions closer than this along an arterial are merged into one (a cross street, not a jog).
SNAP_M = 12.0

#: Arterials: x of the north-south lines (east of the coastal road) and y of the east-west lines,
#: before jitter, with their names and OSM classes (names of central Makassar's streets, reused).
NS_ARTERIALS = (
    (-560.0, "Jalan Somba Opu", "secondary"),
    (-180.0, "Jalan Ahmad Yani", "primary"),
    (200.0, "Jalan Jenderal Sudirman", "primary"),
    (580.0, "Jalan Sam Ratulangi", "secondary"),
    (960.0, "Jalan Veteran Utara", "primary"),
)
EW_ARTERIALS = (
    (-930.0, "Jalan Haji Bau", "secondary"),
    (-560.0, "Jalan Sultan Hasanuddin", "primary"),
    (-190.0, "Jalan Kajaolalido", "secondary"),
    (180.0, "Jalan Gunung Bawakaraeng", "primary"),
    (550.0, "Jalan Masjid Raya", "secondary"),
    (920.0, "Jalan Tentara Pelajar", "secondary"),
)
COASTAL_NAMES = ("Jalan Penghibur", "Jalan Nusantara")  # south of the port, along the port

#: Names for local through streets (reused with a number when the list runs out).
LOCAL_NAMES = (
    "Bontolempangan", "Maipa", "Lamadukelleng", "Daeng Tompo", "Sungai Saddang", "Kakatua", "Rajawali",
    "Cendrawasih", "Arief Rate", "Mappanyukki", "Pattimura", "Bali", "Sulawesi", "Timor", "Irian",
    "Lombok", "Sumba", "Sangir", "Bulukunyi", "Landak", "Rusa", "Baji Gau", "Kumala", "Mongisidi",
    "Hati Mulia", "Cokonuri", "Sungai Limboto", "Sungai Cerekang", "Andalas", "Bandang", "Kandea",
    "Lamuru", "Datu Museng", "Maccini", "Tinumbu", "Gagak", "Kasuari", "Merpati", "Nuri", "Elang",
)

#: Local street pattern by land use: (through-street spacing m, cross-street spacing m) ranges.
STREET_SPACING_M: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "residential": ((95.0, 130.0), (70.0, 100.0)),
    "commercial": ((120.0, 160.0), (95.0, 130.0)),
    "government": ((170.0, 200.0), (150.0, 190.0)),
    "industrial": ((150.0, 200.0), (120.0, 160.0)),
}


@dataclass
class Street:
    """A street as point indices, with its OSM class and name."""

    points: list[int]
    highway: str
    name: str


@dataclass
class Superblock:
    """One lattice cell: its column and row, land use, outline and the streets drawn inside it."""

    col: int
    row: int
    landuse: str
    outline: shapely.Polygon
    streets: list[Street] = field(default_factory=list)


class Points:
    """The shared point list (local metres)."""

    def __init__(self) -> None:
        self.xy: list[tuple[float, float]] = []

    def add(self, x: float, y: float) -> int:
        """Append a point and return its index."""
        self.xy.append((float(x), float(y)))
        return len(self.xy) - 1

    def add_many(self, xy: np.ndarray) -> list[int]:
        """Append points (an (n, 2) array) and return their indices."""
        start = len(self.xy)
        self.xy.extend((float(x), float(y)) for x, y in xy)
        return list(range(start, len(self.xy)))

    def array(self) -> np.ndarray:
        """All points as an (n, 2) array."""
        return np.asarray(self.xy, dtype=float)


class Edge:
    """A lattice side between two lattice nodes: a polyline parametrised by arc-length fraction ``t``.

    Streets that end on it register a junction at their ``t``; junctions within :data:`SNAP_M`
    of each other are merged.
    """

    def __init__(self, pts: Points, shape: np.ndarray, i0: int, i1: int, *, road: bool = True):
        self.pts = pts
        self.road = road
        self.shape = np.asarray(shape, dtype=float)
        seg = np.hypot(*np.diff(self.shape, axis=0).T)
        self.s = np.concatenate([[0.0], np.cumsum(seg)])
        self.length = float(self.s[-1])
        self.junctions: dict[float, int] = {0.0: i0, 1.0: i1}

    def point(self, t: np.ndarray | float) -> np.ndarray:
        """Points at fractions ``t`` (an (n, 2) array for an array ``t``)."""
        d = np.asarray(t, dtype=float) * self.length
        return np.stack([np.interp(d, self.s, self.shape[:, 0]), np.interp(d, self.s, self.shape[:, 1])], axis=-1)

    def register(self, t: float) -> int:
        """The point index of a junction at ``t`` (an existing one when it is within SNAP_M)."""
        for t0, idx in self.junctions.items():
            if abs(t0 - t) * self.length < SNAP_M:
                return idx
        idx = self.pts.add(*self.point(t))
        self.junctions[float(t)] = idx
        return idx

    def chain(self) -> list[int]:
        """Point indices from start to end: junctions plus the inner vertices of a curved side."""
        items = sorted(self.junctions.items())
        ts = [t for t, _ in items]
        inner = self.s[1:-1] / self.length if self.length > 0 else np.empty(0)
        for t in inner:
            if min(abs(t - u) for u in ts) * self.length > 3.0:
                items.append((float(t), self.pts.add(*self.point(t))))
        return [idx for _, idx in sorted(items)]


# ---------------------------------------------------------------------------------------------
# coastline and lattice
# ---------------------------------------------------------------------------------------------
@dataclass
class Coast:
    """The shore and the coastal road's line (both x as a function of y, sampled every 25 m)."""

    y: np.ndarray
    shore_x: np.ndarray
    road_x: np.ndarray
    port_y: float

    def shore(self) -> shapely.LineString:
        """The coastline, south to north."""
        return shapely.LineString(np.column_stack([self.shore_x, self.y]))

    def road_at(self, y: float) -> float:
        """The coastal road's x at ``y``."""
        return float(np.interp(y, self.y, self.road_x))


def make_coast(rng: np.random.Generator) -> Coast:
    """A gently wavy shore about 300 m from the west edge, with reclaimed port land in the north."""
    y = np.linspace(-HALF_M, HALF_M, 101)
    ph = rng.uniform(0.0, 2.0 * np.pi, 3)
    base = (
        -935.0
        + 22.0 * np.sin(2.0 * np.pi * y / 1300.0 + ph[0])
        + 9.0 * np.sin(2.0 * np.pi * y / 410.0 + ph[1])
        + 4.0 * np.sin(2.0 * np.pi * y / 170.0 + ph[2])
    )
    port_y = 540.0 + rng.uniform(-40.0, 40.0)
    # the port's reclaimed land juts about 190 m into the sea north of port_y (a 60 m wide ramp)
    bulge = 190.0 * 0.5 * (1.0 + np.tanh((y - port_y) / 60.0))
    shore = base - bulge
    road = base + 38.0  # the waterfront road runs about 38 m inland of the natural shore
    return Coast(y, shore, road, port_y)


@dataclass
class Grid:
    """Arterial lattice: nodes P[i][j] (i: x-lines west to east, j: y-lines south to north) and sides.

    What :func:`fill_superblock` reads; the metropolis generator uses it as it is.
    """

    nodes: list[list[int]]
    vertical: list[list[Edge]]  # vertical[i][j]: P[i][j] -> P[i][j+1]
    horizontal: list[list[Edge]]  # horizontal[i][j]: P[i][j] -> P[i+1][j]

    @property
    def nx(self) -> int:
        """Number of x-lines (here: coastal road, arterials, east boundary)."""
        return len(self.nodes)

    @property
    def ny(self) -> int:
        """Number of y-lines (here: south boundary, arterials, north boundary)."""
        return len(self.nodes[0])


@dataclass
class Lattice(Grid):
    """The default city's lattice: a :class:`Grid` whose first x-line is the coastal road."""

    coast: Coast


def make_lattice(pts: Points, coast: Coast, rng: np.random.Generator) -> Lattice:
    """Jitter the arterial lines and join them into a lattice with the coast road and the map edges."""
    xs = [np.nan] + [x for x, _, _ in NS_ARTERIALS] + [HALF_M]
    ys = [-HALF_M] + [y for y, _, _ in EW_ARTERIALS] + [HALF_M]
    nxl, nyl = len(xs), len(ys)
    line_dx = rng.uniform(-30.0, 30.0, nxl)
    line_dy = rng.uniform(-30.0, 30.0, nyl)
    node_xy = np.zeros((nxl, nyl, 2))
    for j in range(nyl):
        for i in range(nxl):
            y = ys[j] if j in (0, nyl - 1) else ys[j] + line_dy[j] + rng.uniform(-12.0, 12.0)
            if i == 0:
                x = coast.road_at(y)
            elif i == nxl - 1:
                x = HALF_M
            else:
                x = xs[i] + line_dx[i] + rng.uniform(-12.0, 12.0)
            node_xy[i, j] = (x, y)
    nodes = [[pts.add(*node_xy[i, j]) for j in range(nyl)] for i in range(nxl)]
    vertical = []
    for i in range(nxl):
        col = []
        for j in range(nyl - 1):
            a, b = node_xy[i, j], node_xy[i, j + 1]
            if i == 0:  # the coastal road follows the shore
                inner = (coast.y > a[1] + 1.0) & (coast.y < b[1] - 1.0)
                shape = np.vstack([a, np.column_stack([coast.road_x[inner], coast.y[inner]]), b])
            else:
                shape = np.vstack([a, b])
            col.append(Edge(pts, shape, nodes[i][j], nodes[i][j + 1], road=i < nxl - 1))
        vertical.append(col)
    horizontal = [
        [
            Edge(pts, np.vstack([node_xy[i, j], node_xy[i + 1, j]]), nodes[i][j], nodes[i + 1][j], road=0 < j < nyl - 1)
            for j in range(nyl)
        ]
        for i in range(nxl - 1)
    ]
    return Lattice(nodes, vertical, horizontal, coast)


def arterial_streets(lat: Lattice) -> list[Street]:
    """The arterials and the coastal road as streets (call after every junction is registered)."""
    out = []
    nxl, nyl = lat.nx, lat.ny
    # coastal road, split into its two names at the lattice node nearest the port
    port_j = 1 + int(np.argmin([abs(e.shape[-1, 1] - lat.coast.port_y) for e in lat.vertical[0][:-1]]))
    for name, js in ((COASTAL_NAMES[0], range(0, port_j)), (COASTAL_NAMES[1], range(port_j, nyl - 1))):
        out.append(Street(_join([lat.vertical[0][j].chain() for j in js]), "primary", name))
    for i in range(1, nxl - 1):
        _, name, hw = NS_ARTERIALS[i - 1]
        out.append(Street(_join([lat.vertical[i][j].chain() for j in range(nyl - 1)]), hw, name))
    for j in range(1, nyl - 1):
        _, name, hw = EW_ARTERIALS[j - 1]
        out.append(Street(_join([lat.horizontal[i][j].chain() for i in range(nxl - 1)]), hw, name))
    return out


def _join(chains: list[list[int]]) -> list[int]:
    out = list(chains[0])
    for c in chains[1:]:
        out.extend(c[1:])
    return out


# ---------------------------------------------------------------------------------------------
# superblocks
# ---------------------------------------------------------------------------------------------
class Patch:
    """Coons patch of a superblock: (u, v) in [0, 1]^2 onto the area between its four sides."""

    def __init__(self, south: Edge, north: Edge, west: Edge, east: Edge):
        self.south, self.north, self.west, self.east = south, north, west, east
        self.sw, self.se = south.point(0.0), south.point(1.0)
        self.nw, self.ne = north.point(0.0), north.point(1.0)

    def __call__(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Map parameter points to local metres."""
        u = np.asarray(u, dtype=float)[:, None]
        v = np.asarray(v, dtype=float)[:, None]
        s, n = self.south.point(u[:, 0]), self.north.point(u[:, 0])
        w, e = self.west.point(v[:, 0]), self.east.point(v[:, 0])
        corners = (1 - u) * (1 - v) * self.sw + u * (1 - v) * self.se + (1 - u) * v * self.nw + u * v * self.ne
        return (1 - v) * s + v * n + (1 - u) * w + u * e - corners

    def outline(self) -> shapely.Polygon:
        """The superblock's outline (its four sides)."""
        ring = np.vstack(
            [self.south.shape, self.east.shape[1:], self.north.shape[::-1][1:], self.west.shape[::-1][1:]]
        )
        return shapely.Polygon(ring)


class _Names:
    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def through(self) -> str:
        k = sum(self.used.values())
        base = LOCAL_NAMES[k % len(LOCAL_NAMES)]
        n = self.used.get(base, 0) + 1
        self.used[base] = n
        return f"Jalan {base}" + ("" if n == 1 else f" {n}")


def fill_superblock(
    pts: Points, lat: Grid, col: int, row: int, landuse: str, rng: np.random.Generator, names: _Names
) -> Superblock:
    """Draw the local streets of one superblock (none for a park)."""
    south, north = lat.horizontal[col][row], lat.horizontal[col][row + 1]
    west, east = lat.vertical[col][row], lat.vertical[col + 1][row]
    patch = Patch(south, north, west, east)
    sb = Superblock(col, row, landuse, patch.outline())
    if landuse not in STREET_SPACING_M:
        return sb
    (sa0, sa1), (sb0, sb1) = STREET_SPACING_M[landuse]
    transpose = bool(rng.random() < 0.35)
    # in (a, b): through streets at constant a run from side b=0 to side b=1
    if transpose:
        side = {"a0": south, "a1": north, "b0": west, "b1": east}

        def to_uv(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return b, a
    else:
        side = {"a0": west, "a1": east, "b0": south, "b1": north}

        def to_uv(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return a, b

    a_len = 0.5 * (side["b0"].length + side["b1"].length)
    b_len = 0.5 * (side["a0"].length + side["a1"].length)
    n_cols = max(2, int(round(a_len / rng.uniform(sa0, sa1))))
    gap = 1.0 / n_cols
    a_k = np.arange(1, n_cols) * gap + rng.uniform(-0.12, 0.12, n_cols - 1) * gap
    wiggle = [
        (rng.uniform(-0.1, 0.1) * gap, rng.uniform(-0.05, 0.05) * gap) if rng.random() < 0.5 else (0.0, 0.0)
        for _ in range(n_cols - 1)
    ]

    def a_of(k: int, b: np.ndarray) -> np.ndarray:
        # line 0 and line n_cols are the superblock's sides
        if k == 0:
            return np.zeros_like(b)
        if k == n_cols:
            return np.ones_like(b)
        w1, w2 = wiggle[k - 1]
        return a_k[k - 1] + w1 * np.sin(np.pi * b) + w2 * np.sin(2.0 * np.pi * b)

    # cross streets of each column: (b_left, b_right, kind, kink, dead-end fraction)
    cross: list[list[tuple[float, float, str, float, float]]] = []
    attach: list[list[float]] = [[] for _ in range(n_cols + 1)]
    diagonal_col = int(rng.integers(0, n_cols)) if landuse == "residential" and rng.random() < 0.2 else -1
    for k in range(n_cols):
        segs = []
        if k == diagonal_col:
            lo, hi = (0.15, 0.85) if rng.random() < 0.5 else (0.85, 0.15)
            segs.append((lo, hi, "full", 0.0, 1.0))
        else:
            n_rows = max(2, int(round(b_len / rng.uniform(sb0, sb1))))
            slot = 1.0 / n_rows
            for j in range(1, n_rows):
                r = rng.random()
                if r < 0.08:
                    continue  # no street here: two blocks merge into one
                b = j * slot + rng.uniform(-0.15, 0.15) * slot
                slant = rng.uniform(-0.22, 0.22) * slot
                kink = rng.uniform(-0.1, 0.1) * slot if rng.random() < 0.3 else 0.0
                kind = "full"
                if r > 0.92:
                    kind = "dead_left"
                elif r > 0.86:
                    kind = "dead_right"
                # a dead end must hang on a street, not on the map's edge
                if kind == "dead_left" and k == 0 and not side["a0"].road:
                    kind = "dead_right"
                elif kind == "dead_right" and k == n_cols - 1 and not side["a1"].road:
                    kind = "dead_left"
                segs.append((b - slant / 2, b + slant / 2, kind, kink, rng.uniform(0.5, 0.72)))
        cross.append(segs)
        for bl, br, kind, _, _ in segs:
            if kind != "dead_right":
                attach[k].append(bl)
            if kind != "dead_left":
                attach[k + 1].append(br)

    # through streets: vertices at regular samples plus every attachment
    line_pt: list[dict[float, int]] = [{} for _ in range(n_cols + 1)]
    for k in (0, n_cols):
        s = side["a0"] if k == 0 else side["a1"]
        for b in attach[k]:
            line_pt[k][b] = s.register(b)
    through_names = []
    for k in range(1, n_cols):
        bs = np.array(sorted(set(attach[k])))
        samples = np.linspace(0.0, 1.0, 9)[1:-1]
        if len(bs):
            samples = samples[np.min(np.abs(samples[:, None] - bs[None, :]), axis=1) > 0.03]
        inner = np.sort(np.concatenate([bs, samples]))
        u, v = to_uv(a_of(k, inner), inner)
        idx = pts.add_many(patch(u, v))
        for b, i in zip(inner, idx, strict=True):
            line_pt[k][float(b)] = i
        first = side["b0"].register(float(a_k[k - 1]))
        last = side["b1"].register(float(a_k[k - 1]))
        name = names.through()
        through_names.append(name)
        hw = "tertiary" if k == n_cols // 2 and landuse != "residential" else "residential"
        sb.streets.append(Street([first, *idx, last], hw, name))

    # cross streets
    lorong = 0
    for k, segs in enumerate(cross):
        base = through_names[min(k, n_cols - 2)]
        for bl, br, kind, kink, frac in segs:
            lorong += 1
            name = f"{base} Lorong {lorong}"
            al, ar = a_of(k, np.array([bl]))[0], a_of(k + 1, np.array([br]))[0]
            if kind == "full":
                mid_a, mid_b = 0.5 * (al + ar), 0.5 * (bl + br) + kink
                u, v = to_uv(np.array([mid_a]), np.array([mid_b]))
                mid = pts.add_many(patch(u, v)) if kink else []
                chain = [line_pt[k][bl], *mid, line_pt[k + 1][br]]
            elif kind == "dead_left":
                ea, eb = al + frac * (ar - al), bl + frac * (br - bl)
                u, v = to_uv(np.array([ea]), np.array([eb]))
                chain = [line_pt[k][bl], *pts.add_many(patch(u, v))]
            else:
                ea, eb = ar + frac * (al - ar), br + frac * (bl - br)
                u, v = to_uv(np.array([ea]), np.array([eb]))
                chain = [line_pt[k + 1][br], *pts.add_many(patch(u, v))]
            sb.streets.append(Street(chain, "residential", name))
    return sb


def port_streets(pts: Points, lat: Lattice, rng: np.random.Generator) -> list[Street]:
    """Service roads from the coastal road west into the port's reclaimed land, ending near the quay."""
    coast = lat.coast
    out = []
    y_top = HALF_M - 60.0
    ys = np.linspace(coast.port_y + 110.0, y_top, 3) + rng.uniform(-15.0, 15.0, 3)
    for n, y in enumerate(ys, start=1):
        # find the coastal road side that spans y and register a junction on it
        for e in lat.vertical[0]:
            y0, y1 = e.shape[0, 1], e.shape[-1, 1]
            if y0 + SNAP_M < y < y1 - SNAP_M:
                t = float(np.interp(y, e.shape[:, 1], e.s / e.length))
                j = e.register(t)
                break
        else:
            continue
        jx, jy = pts.xy[j]
        quay_x = float(np.interp(jy, coast.y, coast.shore_x)) + 35.0
        end = pts.add(quay_x, jy)
        out.append(Street([j, end], "service", f"Jalan Dermaga {n}"))
    return out
