"""The city as data: model, city files, OpenStreetMap import, the default city and its geometry.

Pure data and geometry (numpy, shapely, pyproj, networkx, scipy); imports nothing of ``sim``,
``feeds`` or ``scenes``.
"""

from __future__ import annotations

from ._errors import CityError, Problem, TwinError
from .cityio import LAYERS, CityRepairWarning, load, save
from .geo import LocalFrame
from .info import city_info
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
from .osm import ImportReport, import_city
from .profiles import DORI_PROFILES, DoriProfile, dori_profile

__all__ = [
    "LAYERS",
    "DORI_PROFILES",
    "Building",
    "Camera",
    "CityError",
    "CityRepairWarning",
    "CommandCenter",
    "DoriProfile",
    "FireStation",
    "ImportReport",
    "LocalFrame",
    "Operators",
    "PoseCorrection",
    "PosePreset",
    "Problem",
    "ServerRoom",
    "Standards",
    "Twin",
    "TwinError",
    "Zone",
    "city_info",
    "dori_profile",
    "import_city",
    "load",
    "save",
]
