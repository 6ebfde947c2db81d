"""Cameras of the generated district: the existing installation and the candidate sites.

Internal to :mod:`twin.generate._district`. Existing cameras stand where city CCTV stands: on poles at the
corners of arterial junctions looking down the streets, on squares (the waterfront promenade, the
central field, the city-hall forecourt, the port gate) and at some local junctions. Candidate sites
are every junction and a pole every :data:`POLE_SPACING_M` along every street, each with the default
lens; the planner later chooses among them and sets their headings. Every camera stands inside a
road ribbon or on an open square, never in a building.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import shapely
from scipy.spatial import cKDTree

from twin.model import Camera, PosePreset
from twin.optics import hfov_from_focal_deg

#: Sensor widths (mm) of common CCTV formats: hfov = 2 atan(width / (2 f)).
SENSOR_WIDTH_MM: dict[str, float] = {'1/3"': 4.8, '1/2.8"': 5.6, '1/2.7"': 5.4, '1/1.8"': 7.2}

#: Existing fixed cameras by resolution: share, sensor, frame rates (with weights), share of H.265.
#: The 2014 installation is mostly 1080p on 1/2.8" sensors; older 720p units remain; newer ones are
#: 4MP and a few 4K. Older units run H.264, newer H.265.
RESOLUTION_MIX: dict[str, tuple[float, str, tuple[tuple[float, float], ...], float]] = {
    "1080p": (0.70, '1/2.8"', ((25.0, 0.6), (20.0, 0.2), (15.0, 0.2)), 0.35),
    "720p": (0.12, '1/3"', ((25.0, 0.5), (15.0, 0.5)), 0.0),
    "4MP": (0.12, '1/2.7"', ((25.0, 0.5), (20.0, 0.5)), 0.8),
    "4K": (0.06, '1/1.8"', ((15.0, 0.5), (20.0, 0.5)), 1.0),
}
#: Lenses of existing fixed (bullet) cameras, mm, with their shares: wide for junctions, long for roads.
LENS_MIX_MM: tuple[tuple[float, float], ...] = ((2.8, 0.15), (4.0, 0.35), (6.0, 0.30), (12.0, 0.20))
#: Dome cameras: a 2.8 mm lens, mounted low.
DOME_FOCAL_MM = 2.8
#: PTZ cameras: 1080p, a 4.7-94 mm (20x) zoom on a 1/2.8" sensor; ``hfov_deg`` is the wide end.
PTZ_WIDE_FOCAL_MM = 4.7
#: Default lens of a candidate site: 4 mm on a 1/2.8" sensor (70 degrees), 1080p at 25 fps, H.265.
CANDIDATE_FOCAL_MM = 4.0
CANDIDATE_MOUNT_M = 6.0
CANDIDATE_TILT_DEG = 15.0
#: Spacing of candidate poles along a street, and the least distance between two candidate sites.
POLE_SPACING_M = 50.0
MIN_SITE_SPACING_M = 12.0
#: Number of existing cameras (Makassar's War Room: "more than 115").
EXISTING_CAMERAS = 115


def hfov_deg(focal_mm: float, sensor_mm: float) -> float:
    """Horizontal field of view of a lens on a sensor, degrees (:func:`twin.optics.hfov_from_focal_deg`)."""
    return hfov_from_focal_deg(sensor_mm, focal_mm)


def bearing_deg(dx: float, dy: float) -> float:
    """Compass bearing (clockwise from north) of a direction, degrees in [0, 360)."""
    return round(math.degrees(math.atan2(dx, dy)) % 360.0, 1)


@dataclass
class Site:
    """A place for an existing camera and what kind of camera stands there."""

    x: float
    y: float
    heading: float
    kind: str  # fixed, dome, fisheye, ptz
    name: str
    presets: list[tuple[float, str]] = field(default_factory=list)
    fallback: tuple[float, float] | None = None  # a spot on the road if (x, y) turns out to be in a building


class StreetPoses:
    """Poses on the streets around graph nodes, from the road graph."""

    def __init__(self, g: nx.MultiDiGraph, half_width: dict[str, float]):
        self.g = g
        self.half_width = half_width

    def out_edges(self, node: int) -> list[dict]:
        """The edges leaving a node (one per street direction), sorted by bearing for stable choices."""
        es = [d for _, _, d in self.g.out_edges(node, data=True)]
        return sorted(es, key=lambda d: self.direction(d)[2])

    def direction(self, d: dict, s: float = 0.0) -> tuple[np.ndarray, np.ndarray, float]:
        """Point at distance s along an edge, its unit direction and bearing."""
        line = d["geometry"]
        s = min(s, line.length)
        a = np.asarray(line.interpolate(max(0.0, s - 1.0)).coords[0])
        b = np.asarray(line.interpolate(min(line.length, s + 1.0)).coords[0])
        t = (b - a) / max(np.hypot(*(b - a)), 1e-9)
        p = np.asarray(line.interpolate(s).coords[0])
        return p, t, bearing_deg(*t)

    def pose(self, d: dict, s: float, side: int, frac: float, *, back: bool = False) -> tuple[float, float, float]:
        """A pole ``s`` m along an edge, ``frac`` of the half width off its centreline, looking along it."""
        p, t, hd = self.direction(d, s)
        n = np.array([-t[1], t[0]]) * side
        q = p + n * frac * self.half_width.get(d["highway"], 4.0)
        if back:
            hd = round((hd + 180.0) % 360.0, 1)
        return float(q[0]), float(q[1]), hd


def _choice(rng: np.random.Generator, pairs: tuple[tuple[float, float], ...]) -> float:
    vals = np.array([v for v, _ in pairs])
    p = np.array([w for _, w in pairs])
    return float(vals[int(rng.choice(len(vals), p=p / p.sum()))])


def make_camera(site: Site, cid: str, rng: np.random.Generator) -> Camera:
    """An existing camera for a site, drawing lens, resolution, fps and codec from the mixes above."""
    mount = round(float(rng.uniform(4.0, 8.0)), 1)
    tilt = round(float(rng.uniform(10.0, 30.0)), 1)
    if site.kind == "ptz":
        presets = [
            PosePreset(
                heading_deg=h,
                tilt_deg=round(float(rng.uniform(8.0, 20.0)), 1),
                dwell_s=float(5 * rng.integers(4, 13)),
                hfov_deg=round(float(rng.choice([hfov_deg(PTZ_WIDE_FOCAL_MM, 5.6), 30.0, 15.0])), 1),
                name=n,
            )
            for h, n in site.presets
        ]
        return Camera(
            cid, site.x, site.y, mount_height_m=round(float(rng.uniform(7.0, 8.0)), 1), heading_deg=site.heading,
            tilt_deg=tilt, hfov_deg=round(hfov_deg(PTZ_WIDE_FOCAL_MM, 5.6), 1), width_px=1920, height_px=1080,
            fps=25.0, codec="h265", type="ptz", status="existing", name=site.name, presets=presets,
        )
    if site.kind == "fisheye":
        return Camera(
            cid, site.x, site.y, mount_height_m=round(float(rng.uniform(4.5, 6.0)), 1), heading_deg=site.heading,
            tilt_deg=90.0, hfov_deg=360.0, width_px=2592, height_px=1944, fps=15.0, codec="h265", type="dome",
            status="existing", name=site.name,
        )
    res = list(RESOLUTION_MIX)
    shares = np.array([RESOLUTION_MIX[r][0] for r in res])
    rname = res[int(rng.choice(len(res), p=shares / shares.sum()))]
    _, sensor, fps_mix, h265 = RESOLUTION_MIX[rname]
    w, h = {"1080p": (1920, 1080), "720p": (1280, 720), "4MP": (2560, 1440), "4K": (3840, 2160)}[rname]
    fps = _choice(rng, fps_mix)
    codec = "h265" if rng.random() < h265 else "h264"
    if site.kind == "dome":
        focal, mount = DOME_FOCAL_MM, round(float(rng.uniform(4.0, 5.0)), 1)
    else:
        focal = _choice(rng, LENS_MIX_MM)
    return Camera(
        cid, site.x, site.y, mount_height_m=mount, heading_deg=site.heading, tilt_deg=tilt, hfov_deg=None,
        focal_mm=focal, sensor_width_mm=SENSOR_WIDTH_MM[sensor], width_px=w, height_px=h, fps=fps, codec=codec,
        type=site.kind, status="existing", name=site.name,
    )


def candidate_sites(
    sp: StreetPoses, rng: np.random.Generator
) -> list[tuple[float, float, float, str]]:
    """Candidate sites (x, y, heading, name): every junction and a pole every 50 m along every street."""
    g = sp.g
    out: list[tuple[float, float, float, str]] = []
    und = g.to_undirected(as_view=True)
    for node in g.nodes:
        if und.degree(node) >= 3:
            es = sp.out_edges(node)
            d = es[0]
            x, y, _ = sp.pose(d, min(4.0, d["length_m"] / 3.0), 1, 0.8)
            names = sorted({e["name"] for e in es if e["name"]})
            out.append((x, y, round(float(rng.uniform(0.0, 360.0)), 1), "junction " + " x ".join(names[:2])))
    seen: set[str] = set()
    for _, _, d in g.edges(data=True):
        if d["road_id"] in seen:
            continue
        seen.add(d["road_id"])
        length = d["length_m"]
        s = POLE_SPACING_M / 2.0
        side = 1 if rng.random() < 0.5 else -1
        while s <= length - 15.0:
            x, y, hd = sp.pose(d, s, side, 0.85, back=bool(rng.random() < 0.5))
            out.append((x, y, hd, f"pole {d['name'] or d['highway']}"))
            side = -side
            s += POLE_SPACING_M
    return out


def thin(xy: np.ndarray, keep_first: int, min_m: float) -> np.ndarray:
    """Indices of points kept greedily in order so that no two are closer than ``min_m``.

    The first ``keep_first`` points (existing cameras) are always kept.
    """
    tree = cKDTree(xy)
    pairs = tree.query_pairs(min_m, output_type="ndarray")
    nbr: dict[int, list[int]] = {}
    for i, j in pairs.tolist():
        nbr.setdefault(i, []).append(j)
        nbr.setdefault(j, []).append(i)
    blocked = np.zeros(len(xy), dtype=bool)
    kept = []
    for i in range(len(xy)):
        if blocked[i] and i >= keep_first:
            continue
        kept.append(i)
        for j in nbr.get(i, ()):
            if j > i:
                blocked[j] = True
    return np.array(kept, dtype=int)


def clear_of(buildings: shapely.STRtree, xy: np.ndarray, margin_m: float = 0.5) -> np.ndarray:
    """Mask of points farther than ``margin_m`` from every building."""
    pts = shapely.points(xy)
    hit = np.zeros(len(xy), dtype=bool)
    if len(xy):
        a, _ = buildings.query(pts, predicate="dwithin", distance=margin_m)
        hit[a] = True
    return ~hit


def candidate_camera(cid: str, x: float, y: float, heading: float, name: str) -> Camera:
    """A candidate site's camera with the default lens."""
    return Camera(
        cid, x, y, mount_height_m=CANDIDATE_MOUNT_M, heading_deg=heading, tilt_deg=CANDIDATE_TILT_DEG,
        hfov_deg=None, focal_mm=CANDIDATE_FOCAL_MM, sensor_width_mm=SENSOR_WIDTH_MM['1/2.8"'], width_px=1920,
        height_px=1080, fps=25.0, codec="h265", type="fixed", status="candidate", name=name,
    )
