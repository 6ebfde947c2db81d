"""Import a city from OpenStreetMap (.osm.pbf/.osm) or GIS files (GeoPackage, Shapefile)."""

from __future__ import annotations

from .importer import ImportReport, import_city

__all__ = ["ImportReport", "import_city"]
