"""City files: a folder of GeoJSON layers plus ``city.yaml``, or any vector format GDAL reads.

The format is documented in docs/city-format.md. Loading validates everything and raises one
:class:`~twin.CityError` listing every problem (file, feature index and id, rule); repairable
defects (self-intersecting footprints) are repaired and reported with a :class:`CityRepairWarning`.

Modules: :mod:`.read` (any source to raw features in the local frame), :mod:`.layers` (buildings,
roads, stations, zones), :mod:`.cameras` (the camera fields and their rules), :mod:`.load` (a whole
city, ``city.yaml`` included), :mod:`.write` (a city folder and JSON reports).
"""

from __future__ import annotations

from ._cameras import camera_from_properties, camera_properties, load_cameras
from ._layers import building_height_m
from ._load import load
from ._read import _COORD_DECIMALS as COORD_DECIMALS
from ._read import CAMERA_MARGIN_M, KNOWN_PROPERTIES, LAYERS, CityRepairWarning
from ._write import feature_collection, json_safe, save, write_geojson, write_json

__all__ = [
    "CAMERA_MARGIN_M",
    "COORD_DECIMALS",
    "KNOWN_PROPERTIES",
    "LAYERS",
    "CityRepairWarning",
    "building_height_m",
    "camera_from_properties",
    "camera_properties",
    "feature_collection",
    "json_safe",
    "load",
    "load_cameras",
    "save",
    "write_geojson",
    "write_json",
]
