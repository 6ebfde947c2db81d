"""Import a city from one OpenStreetMap extract (``.osm.pbf``, ``.osm``) or one GIS file.

:func:`import_city` is the one-file form of :func:`twin.gis.import_files`, which reads OSM extracts,
GIS files in any of the schemas it recognises, CityJSON and spreadsheets, several at once, and
accounts for every input feature. The OSM rules (what each tag becomes, every choice made) are in
docs/osm-import.md; the other formats and ``--map`` in docs/city-import.md.
"""

from __future__ import annotations

__all__ = ["import_city"]

import os

from ._import import import_files
from ._report import ImportReport


def import_city(
    path: str | os.PathLike[str],
    *,
    clip: tuple[float, float, float, float] | list[float] | None = None,
    maps: list[str] | tuple[str, ...] = (),
) -> ImportReport:
    """Import buildings, roads, cameras and fire stations from an OSM extract or a GIS file.

    Args:
        path: an ``.osm.pbf``/``.osm`` extract, a GeoPackage/Shapefile/GeoJSON (any vector file GDAL
            reads), a CityJSON file or a spreadsheet of points.
        clip: optional lon/lat box ``(W, S, E, N)``: buildings whose inside point lies in it are kept
            whole, roads are cut at its edge, cameras and stations outside are left out; it becomes
            the city's extent.
        maps: ``--map`` rules for fields the schemas do not recognise (docs/city-import.md).

    Returns:
        The report; ``report.twin`` is the city.

    Raises:
        TwinError: the file is missing, of an unknown type, unreadable or holds nothing to import;
            the message names the file.
    """
    return import_files([path], clip=clip, maps=maps)
