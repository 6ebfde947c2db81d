"""Reading OpenStreetMap: extracts (.osm.pbf/.osm) to raw features, tags to the twin's fields.

The OSM rules (what each tag becomes, every choice made) are in docs/osm-import.md. A city is
imported by :func:`twin.gis.import_city` / :func:`twin.gis.import_files`, which use this package.
"""

from __future__ import annotations

from ._build import build_buildings, build_cameras, build_fire_stations, build_roads
from ._pbf import OSM_SUFFIXES, read_osm
from ._raw import RawData, RawFeature

__all__ = [
    "OSM_SUFFIXES",
    "RawData",
    "RawFeature",
    "build_buildings",
    "build_cameras",
    "build_fire_stations",
    "build_roads",
    "read_osm",
]
