"""The city as data: buildings, roads, cameras, fire stations, zones and the command center.

Everything is in the city's local frame (metres; x east, y north, z up) and the frame keeps its
geographic origin, so any result goes back to WGS84 (:class:`twin.geo.LocalFrame`).
"""

from __future__ import annotations

__all__ = [
    "Building",
    "Camera",
    "CommandCenter",
    "FireStation",
    "Operators",
    "PosePreset",
    "PoseCorrection",
    "ServerRoom",
    "Standards",
    "Twin",
    "Zone",
    "CAMERA_STATUSES",
    "CAMERA_TYPES",
    "check_camera",
]

import math
import numbers
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely

from . import optics
from ._errors import CameraError
from .profiles import CODEC_FACTOR, planning_bitrate_kbps

if TYPE_CHECKING:
    import networkx as nx

    from .geo import LocalFrame

CAMERA_TYPES = ("fixed", "ptz", "dome")
CAMERA_STATUSES = ("existing", "planned", "candidate")


@dataclass
class Building:
    """A building: a footprint prism of ``height_m`` above the ground."""

    id: str
    footprint: shapely.Polygon | shapely.MultiPolygon
    height_m: float
    levels: float | None = None
    use: str = "yes"
    name: str = ""


@dataclass(frozen=True)
class PosePreset:
    """A PTZ preset: where the camera looks, for how long, and at which zoom."""

    heading_deg: float
    tilt_deg: float
    dwell_s: float = 30.0
    hfov_deg: float | None = None
    name: str = ""


@dataclass(frozen=True)
class PoseCorrection:
    """Small offsets from a calibration that correct a surveyed pose."""

    heading_deg: float = 0.0
    tilt_deg: float = 0.0
    roll_deg: float = 0.0
    dx_m: float = 0.0
    dy_m: float = 0.0
    dz_m: float = 0.0

    def is_zero(self) -> bool:
        """True when the correction changes nothing."""
        return not any((self.heading_deg, self.tilt_deg, self.roll_deg, self.dx_m, self.dy_m, self.dz_m))


@dataclass
class Camera:
    """A CCTV camera: pose, lens, sensor, stream and status.

    ``heading_deg`` is clockwise from north (OSM's ``camera:direction``); ``tilt_deg`` is down
    from horizontal. The lens is either ``hfov_deg`` or ``focal_mm`` with ``sensor_width_mm``;
    whichever is given, :attr:`hfov` is the horizontal field of view in degrees. A dome camera with
    ``hfov_deg`` of 360 is a fisheye that sees all round (see docs/city-format.md).
    """

    id: str
    x: float
    y: float
    mount_height_m: float = 6.0
    heading_deg: float = 0.0
    tilt_deg: float = 15.0
    hfov_deg: float | None = 90.0
    focal_mm: float | None = None
    sensor_width_mm: float | None = None
    width_px: int = 1920
    height_px: int = 1080
    fps: float = 25.0
    codec: str = "h264"
    bitrate_kbps: float | None = None
    type: str = "fixed"
    status: str = "existing"
    name: str = ""
    stream_main: str | None = None
    stream_sub: str | None = None
    privacy_masks: list[list[tuple[float, float]]] = field(default_factory=list)
    presets: list[PosePreset] = field(default_factory=list)
    k1: float = 0.0
    k2: float = 0.0
    correction: PoseCorrection = field(default_factory=PoseCorrection)
    cost: float = 1.0
    ir_range_m: float | None = None

    def __post_init__(self) -> None:
        """Check every rule once, here (see docs/city-format.md); a file reader adds the file and feature."""
        check_camera(self)

    @property
    def hfov(self) -> float:
        """Horizontal field of view in degrees, from ``hfov_deg`` or the focal length and sensor width."""
        if self.hfov_deg is not None:
            return float(self.hfov_deg)
        return optics.hfov_from_focal_deg(self.sensor_width_mm, self.focal_mm)

    @property
    def vfov(self) -> float:
        """Vertical field of view in degrees (:func:`twin.optics.vfov_deg`: a fisheye's circle spans 180)."""
        return optics.vfov_deg(self.hfov, self.width_px, self.height_px)

    @property
    def planned_bitrate_kbps(self) -> float:
        """The stream's bitrate: as given, else the planning table's value for its resolution, fps and codec."""
        if self.bitrate_kbps is not None:
            return float(self.bitrate_kbps)
        return planning_bitrate_kbps(self.width_px, self.height_px, self.fps, self.codec)

    @property
    def position(self) -> tuple[float, float, float]:
        """Lens position (x, y, z) in local metres, with the pose correction applied."""
        c = self.correction
        return (self.x + c.dx_m, self.y + c.dy_m, self.mount_height_m + c.dz_m)


def _finite(v: object) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


def check_camera(c: Camera) -> None:
    """Raise :class:`~twin.CameraError` for the first rule the camera breaks (the rules of docs/city-format.md)."""

    def bad(field_name: str, rule: str) -> CameraError:
        return CameraError(c.id, field_name, rule)

    if not isinstance(c.id, str) or not c.id.strip():
        raise CameraError(str(c.id), "id", f"must be a non-empty string, got {c.id!r}")
    for name in ("x", "y", "heading_deg", "k1", "k2"):
        if not _finite(getattr(c, name)):
            raise bad(name, f"must be a finite number, got {getattr(c, name)!r}")
    if c.type not in CAMERA_TYPES:
        raise bad("type", f"must be one of {list(CAMERA_TYPES)}, got {c.type!r}")
    if c.status not in CAMERA_STATUSES:
        raise bad("status", f"must be one of {list(CAMERA_STATUSES)}, got {c.status!r}")
    if not (_finite(c.tilt_deg) and -90.0 <= c.tilt_deg <= 90.0):
        raise bad("tilt_deg", f"must be in [-90, 90], got {c.tilt_deg:g}")
    if not (_finite(c.mount_height_m) and c.mount_height_m > 0):
        raise bad("mount_height_m", f"must be > 0 m, got {c.mount_height_m:g}")
    if c.hfov_deg is not None:
        h = c.hfov_deg
        panoramic = c.type == "dome" and h == 360.0
        if not (_finite(h) and (0.0 < h <= 180.0 or panoramic)):
            raise bad("hfov_deg", f"must be in (0, 180] (360 only for a dome fisheye), got {h:g}")
    else:
        if not (_finite(c.focal_mm) and c.focal_mm > 0):
            raise bad("focal_mm", f"must be > 0 when hfov_deg is not given, got {c.focal_mm}")
        if not (_finite(c.sensor_width_mm) and c.sensor_width_mm > 0):
            raise bad("sensor_width_mm", f"must be > 0 when the lens is given by focal_mm, got {c.sensor_width_mm}")
    w, h = c.width_px, c.height_px
    if not (isinstance(w, numbers.Integral) and isinstance(h, numbers.Integral) and w > 0 and h > 0):
        raise bad("width_px and height_px", f"must be whole numbers > 0, got {w}x{h}")
    if not (_finite(c.fps) and c.fps > 0):
        raise bad("fps", f"must be > 0, got {c.fps:g}")
    if not isinstance(c.codec, str) or c.codec.lower() not in CODEC_FACTOR:
        raise bad("codec", f"must be one of {sorted(CODEC_FACTOR)}, got {c.codec!r}")
    if c.bitrate_kbps is not None and not (_finite(c.bitrate_kbps) and c.bitrate_kbps > 0):
        raise bad("bitrate_kbps", f"must be > 0, got {c.bitrate_kbps:g}")
    if not (_finite(c.cost) and c.cost >= 0):
        raise bad("cost", f"must be >= 0, got {c.cost:g}")
    if c.ir_range_m is not None and not (_finite(c.ir_range_m) and c.ir_range_m > 0):
        raise bad("ir_range_m", f"must be > 0 m, got {c.ir_range_m:g}")
    for k, m in enumerate(c.privacy_masks):
        if len(m) < 3:
            raise bad(f"privacy_masks[{k}]", f"needs at least 3 points, got {len(m)}")
    for k, p in enumerate(c.presets):
        if not (_finite(p.heading_deg) and _finite(p.tilt_deg) and -90.0 <= p.tilt_deg <= 90.0):
            raise bad(f"presets[{k}]", f"needs a finite heading_deg and tilt_deg in [-90, 90], got {p.heading_deg}, "
                      f"{p.tilt_deg}")
        if not (_finite(p.dwell_s) and p.dwell_s > 0):
            raise bad(f"presets[{k}].dwell_s", f"must be > 0, got {p.dwell_s:g}")
        if p.hfov_deg is not None and not (_finite(p.hfov_deg) and 0.0 < p.hfov_deg <= 180.0):
            raise bad(f"presets[{k}].hfov_deg", f"must be in (0, 180], got {p.hfov_deg:g}")


@dataclass
class FireStation:
    """A fire station (pos pemadam) with its trucks."""

    id: str
    x: float
    y: float
    name: str = ""
    trucks: int = 2
    turnout_s: float = 80.0


@dataclass
class Zone:
    """A land-use zone with a priority weight for coverage and a fire rate for the fire model."""

    id: str
    polygon: shapely.Polygon | shapely.MultiPolygon
    landuse: str = "residential"
    priority: float = 1.0
    fire_rate_per_year: float = 0.0
    name: str = ""


@dataclass
class ServerRoom:
    """The recording servers and their storage."""

    servers: int = 4
    cameras_per_server: int = 75
    nic_gbps: float = 10.0
    disks_per_server: int = 12
    disk_tb: float = 16.0
    raid: str = "raid6"
    retention_days: float = 30.0
    failover_servers: int = 1
    # optional, for the capacity model (sim.capacity); defaults are planning values
    disk_write_mb_s: float = 180.0  # sustained write of one disk, MB/s (7,200 rpm enterprise HDD)
    disk_slots: int = 24  # drive bays per server (caps the disks a sizing may add)
    uplink_gbps: float = 1.0  # each edge switch's uplink to the core
    cameras_per_switch: int = 16  # cameras behind one edge switch
    core_gbps: float = 40.0  # the server room's core switch


@dataclass
class Operators:
    """The video-wall staff."""

    count: int = 40
    shifts: int = 3
    tiles_per_operator: int = 9


@dataclass
class Standards:
    """Names of the standard profiles the analyses use by default."""

    dori: str = "EN62676-4:2015"
    fire: str = "indonesia"


@dataclass
class CommandCenter:
    """The command center: where it is, its server room and its operators."""

    x: float = 0.0
    y: float = 0.0
    name: str = "Command Center"
    server_room: ServerRoom = field(default_factory=ServerRoom)
    operators: Operators = field(default_factory=Operators)


@dataclass
class Twin:
    """A whole city in its local frame.

    ``roads`` is a ``networkx.MultiDiGraph``: nodes carry ``x``, ``y``; edges carry ``length_m``,
    ``highway``, ``speed_kph``, ``oneway``, ``travel_time_s``, ``name``, ``geometry`` (a shapely
    LineString in local metres) and ``road_id`` (the road feature's id). A two-way road has an edge each way.
    """

    frame: LocalFrame
    name: str = "city"
    buildings: list[Building] = field(default_factory=list)
    roads: nx.MultiDiGraph | None = None
    cameras: list[Camera] = field(default_factory=list)
    fire_stations: list[FireStation] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    command_center: CommandCenter = field(default_factory=CommandCenter)
    standards: Standards = field(default_factory=Standards)
    extent: tuple[float, float, float, float] | None = None
    source: str = ""

    # ---- derived views -----------------------------------------------------------------------
    def cameras_by_status(self, *statuses: str) -> list[Camera]:
        """Cameras whose status is one of ``statuses``."""
        return [c for c in self.cameras if c.status in statuses]

    def camera(self, camera_id: str) -> Camera:
        """The camera with this id (KeyError if none)."""
        for c in self.cameras:
            if c.id == camera_id:
                return c
        raise KeyError(camera_id)

    # Built on each call, never cached: buildings and their heights may change after loading (a study
    # raises a block, an editor adds one), and a stale copy would answer for the old city. 1 ms for 4,263.
    @property
    def building_heights_m(self) -> np.ndarray:
        """Heights of all buildings, in the order of :attr:`buildings`."""
        return np.array([b.height_m for b in self.buildings], dtype=float)

    @property
    def footprints(self) -> np.ndarray:
        """Building footprints as a shapely geometry array (for vectorised predicates)."""
        return np.array([b.footprint for b in self.buildings], dtype=object)

    def bounds(self) -> tuple[float, float, float, float]:
        """The city's extent (xmin, ymin, xmax, ymax) in local metres.

        ``extent`` when given, else the bounds of buildings, roads and zones together.
        """
        if self.extent is not None:
            return self.extent
        return data_bounds(self)

    def road_edges(self) -> list[dict]:
        """The data of one edge per road feature (``road_id``), in edge order: a two-way road's two edges give one."""
        if self.roads is None:
            return []
        seen: set[object] = set()
        out = []
        for _, _, d in self.roads.edges(data=True):
            k = d.get("road_id")
            if k in seen:
                continue
            seen.add(k)
            out.append(d)
        return out

    def road_lines(self) -> list[shapely.LineString]:
        """One line per road feature (a two-way road's two edges give one line)."""
        return [d["geometry"] for d in self.road_edges()]


def data_bounds(twin: Twin) -> tuple[float, float, float, float]:
    """Bounds of buildings, roads, zones and stations together (cameras excluded, so they can be checked)."""
    geoms: list[object] = [b.footprint for b in twin.buildings]
    geoms += [z.polygon for z in twin.zones]
    geoms += twin.road_lines()
    pts = [(s.x, s.y) for s in twin.fire_stations]
    if geoms:
        b = shapely.total_bounds(np.array(geoms, dtype=object))
        xmin, ymin, xmax, ymax = (float(v) for v in b)
    else:
        xmin = ymin = math.inf
        xmax = ymax = -math.inf
    for x, y in pts:
        xmin, ymin, xmax, ymax = min(xmin, x), min(ymin, y), max(xmax, x), max(ymax, y)
    if not math.isfinite(xmin):
        return (0.0, 0.0, 0.0, 0.0)
    return (xmin, ymin, xmax, ymax)
