"""Importing a city from several files in several schemas, every feature accounted for.

``import_files`` reads OpenStreetMap extracts, GIS files (GeoPackage, Shapefile, GeoJSON, ...),
CityJSON and spreadsheets of points, recognises the common field schemas on its own (OSM tags,
Geofabrik, the HOT export tool, exposure layers, Microsoft and Google building footprints,
Overture) and any other through ``--map`` rules, and reports every input feature as imported or
left out with a reason. The rules are in docs/city-import.md (and docs/osm-import.md for OSM tags).
"""

from __future__ import annotations

from ._city import import_city
from ._import import GIS_SUFFIXES, import_files
from ._ledger import LayerAccount
from ._maps import OUR_FIELDS, FieldMaps, parse_maps
from ._report import ImportReport
from ._schemas import road_class
from ._settings import ImportSettings, previous_settings, read_import_settings, write_import_settings

__all__ = [
    "GIS_SUFFIXES",
    "OUR_FIELDS",
    "FieldMaps",
    "ImportReport",
    "ImportSettings",
    "LayerAccount",
    "import_city",
    "import_files",
    "parse_maps",
    "previous_settings",
    "read_import_settings",
    "road_class",
    "write_import_settings",
]
