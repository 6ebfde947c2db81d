"""The city as data: model, city files, OpenStreetMap import, the default city and its geometry.

Pure data and geometry (numpy, shapely, pyproj, networkx, scipy); imports nothing of ``sim``,
``feeds`` or ``scenes``.
"""

from __future__ import annotations

from . import optics, solar
from ._errors import CameraError, CityError, Problem, TwinError
from ._incremental import CameraPatch, CoverageState
from ._nearby import NearbyChoice, best_nearby
from ._tiles_plan import TilePlan
from .cityio import LAYERS, CityRepairWarning, load, save
from .coverage import CoverageResult, compute_coverage, load_cells, viewshed
from .geo import LocalFrame
from .gis import ImportReport, import_city
from .info import city_info
from .lenses import LENSES, LensSpec, lens_spec
from .model import (
    Building,
    Camera,
    CommandCenter,
    FireStation,
    Operators,
    PoseCorrection,
    PosePreset,
    ServerRoom,
    Standards,
    Twin,
    Zone,
)
from .placement import Lens, PlanResult, plan_cameras, street_candidates
from .profiles import DORI_PROFILES, DoriProfile, dori_profile
from .raster import HeightRaster, build_raster
from .selection import CAMERA_SPECS, select_cameras
from .solar import SunPosition, solar_position

__all__ = [
    "LAYERS",
    "LENSES",
    "CameraPatch",
    "CoverageState",
    "NearbyChoice",
    "best_nearby",
    "LensSpec",
    "lens_spec",
    "TilePlan",
    "DORI_PROFILES",
    "CAMERA_SPECS",
    "Building",
    "Camera",
    "CameraError",
    "CityError",
    "CityRepairWarning",
    "CommandCenter",
    "CoverageResult",
    "DoriProfile",
    "FireStation",
    "HeightRaster",
    "ImportReport",
    "Lens",
    "LocalFrame",
    "Operators",
    "PlanResult",
    "PoseCorrection",
    "PosePreset",
    "Problem",
    "ServerRoom",
    "Standards",
    "SunPosition",
    "Twin",
    "TwinError",
    "Zone",
    "build_raster",
    "city_info",
    "compute_coverage",
    "dori_profile",
    "import_city",
    "load",
    "load_cells",
    "optics",
    "plan_cameras",
    "save",
    "select_cameras",
    "solar",
    "solar_position",
    "street_candidates",
    "viewshed",
]
