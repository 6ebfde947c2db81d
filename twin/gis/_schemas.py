"""The field schemas an import recognises on its own, and how their values read as ours.

Recognition is by field names (case-insensitive) *and* by values: a layer's road class is read from
the candidate field whose values are most often road classes, so an exposure layer's ``OSM_TYPE``
(``primary``) wins over its ``TYPE`` (``Primary road``) and both beat a HOT export's ``osm_type``
(``ways_line``, an element type, not a class). The schemas named in the report:

==============  ====================================================================================
schema          recognised by
==============  ====================================================================================
osm             OSM tag names as fields (``highway``, ``building``, ``building:levels``, ``other_tags``)
hot             the HOT export tool / raw-data API: OSM tags with Shapefile-laundered names
                (``building_l``, ``addr_house``) and ``osm_id`` / ``osm_type`` (an element type)
geofabrik       Geofabrik's free Shapefiles: ``osm_id``, ``code``, ``fclass``, ``name`` (+ ``type``)
exposure        disaster-risk exposure layers (InaSAFE and the like): ``TYPE`` / ``OSM_TYPE`` /
                ``LEVELS``, ``TYPE`` holding OSM values or labels such as ``Primary road``
microsoft       Microsoft's building footprints: ``height`` (-1 = unknown) and ``confidence``
google          Google's Open Buildings: ``confidence``, ``area_in_meters``, ``full_plus_code``
overture        Overture Maps: ``id`` + ``subtype``/``class``, ``names`` (JSON), ``num_floors``
table           a spreadsheet of points (lon/lat, longitude/latitude, x/y, bujur/lintang)
generic         anything else: read by the aliases below and by ``--map``
==============  ====================================================================================
"""

from __future__ import annotations

__all__ = [
    "ALIASES",
    "NON_DRIVABLE_HIGHWAY",
    "detect_schema",
    "layer_hint",
    "road_class",
]

import json
import re
from typing import Any

from ..profiles import DRIVABLE_CLASSES

#: (our layer, our field) -> field names that mean it, lower case, in order of preference.
ALIASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("buildings", "id"): ("id", "osm_id", "osm_way_id", "fid", "objectid", "building_id", "bldg_id"),
    ("buildings", "name"): ("name", "nama", "names", "nama_bangunan", "nama_gedung"),
    ("buildings", "height"): (
        "height", "height_m", "building:height", "building_height", "measuredheight", "tinggi", "tinggi_m", "hgt",
    ),
    ("buildings", "levels"): (
        "building:levels", "building_levels", "building_l", "levels", "floors", "storeys", "num_floors",
        "lantai", "jml_lantai", "jumlah_lantai", "jml_lt",
    ),
    ("buildings", "use"): ("building", "osm_type", "type", "class", "fclass", "jenis", "fungsi", "penggunaan"),
    ("buildings", "confidence"): ("confidence",),
    ("roads", "id"): ("id", "osm_id", "osm_way_id", "fid", "objectid", "road_id"),
    ("roads", "name"): ("name", "nama", "names", "nama_jalan", "namobj", "street"),
    ("roads", "class"): (
        "highway", "fclass", "osm_type", "type", "class", "road_class", "highway_class",
        "kelas", "kelas_jalan", "jns_jalan", "jenis_jalan", "remark",
    ),
    ("roads", "maxspeed"): ("maxspeed", "max_speed", "speed_limit", "speed_kph", "kecepatan"),
    ("roads", "oneway"): ("oneway", "one_way", "satu_arah"),
    ("cameras", "id"): ("id", "camera_id", "cam_id", "kode", "kode_cctv", "osm_id", "no", "fid", "code"),
    ("cameras", "name"): ("name", "nama", "lokasi", "location", "nama_lokasi", "label"),
    ("cameras", "heading"): (
        "camera:direction", "camera_direction", "camera_dir", "direction", "heading", "heading_deg",
        "azimuth", "bearing", "arah", "arah_deg",
    ),
    ("cameras", "height"): (
        "height", "mount_height_m", "mount_height", "camera:height", "camera_height", "tinggi", "tinggi_m",
        "tinggi_tiang",
    ),
    ("cameras", "type"): ("camera:type", "camera_type", "type", "tipe", "jenis", "jenis_kamera"),
    ("cameras", "status"): ("status", "camera_status", "kondisi", "keterangan", "state"),
    ("fire_stations", "id"): ("id", "kode", "osm_id", "fid", "code"),
    ("fire_stations", "name"): ("name", "nama", "names", "nama_pos"),
    ("zones", "id"): ("id", "kode", "objectid", "fid", "osm_id"),
    ("zones", "name"): ("name", "nama", "names", "namobj", "kel_name", "kelurahan", "desa", "wadmkd"),
    ("zones", "landuse"): ("landuse", "land_use", "guna_lahan", "penggunaan", "class", "type", "fclass"),
    ("zones", "priority"): ("priority", "prioritas", "bobot", "weight"),
    ("zones", "fire_rate_per_year"): ("fire_rate_per_year", "fire_rate", "kebakaran_per_tahun"),
}

#: Compass words of spreadsheets (Indonesian and English) -> degrees clockwise from north.
COMPASS_WORDS: dict[str, float] = {
    "utara": 0.0, "timur laut": 45.0, "timur": 90.0, "tenggara": 135.0, "selatan": 180.0,
    "barat daya": 225.0, "barat": 270.0, "barat laut": 315.0,
    "north": 0.0, "north-east": 45.0, "northeast": 45.0, "east": 90.0, "south-east": 135.0, "southeast": 135.0,
    "south": 180.0, "south-west": 225.0, "southwest": 225.0, "west": 270.0, "north-west": 315.0, "northwest": 315.0,
}

#: A camera's status as spreadsheets write it -> ours (``existing``, ``planned``, ``candidate``).
CAMERA_STATUS: dict[str, str] = {
    "existing": "existing", "installed": "existing", "active": "existing", "online": "existing",
    "offline": "existing", "terpasang": "existing", "aktif": "existing", "ada": "existing", "eksisting": "existing",
    "planned": "planned", "proposed": "planned", "new": "planned", "rencana": "planned", "usulan": "planned",
    "baru": "planned", "direncanakan": "planned",
    "candidate": "candidate", "kandidat": "candidate", "calon": "candidate",
}

#: OSM tags passed through as they are when a layer has them (cameras and stations need them).
PASS_THROUGH: dict[str, tuple[str, ...]] = {
    "man_made": ("man_made",),
    "amenity": ("amenity",),
    "surveillance": ("surveillance",),
    "surveillance:type": ("surveillance:type", "surveillance_type", "surveillan"),
    "junction": ("junction",),
    "revolving": ("revolving",),
}

#: OSM ``highway`` values that are not roads for a fire truck (counted, left out).
NON_DRIVABLE_HIGHWAY = frozenset(
    {
        "footway", "cycleway", "path", "steps", "pedestrian", "track", "bridleway", "platform", "corridor",
        "construction", "proposed", "bus_guideway", "raceway", "escape", "busway", "elevator", "via_ferrata",
        "abandoned", "disused", "rest_area", "services", "sidewalk", "crossing", "bus_stop", "ladder",
        "track_grade1", "track_grade2", "track_grade3", "track_grade4", "track_grade5", "crosswalk",
    }
)

#: Class labels of other schemas -> OSM ``highway`` (keys lower case, spaces and punctuation folded).
HIGHWAY_LABELS: dict[str, str] = {
    # exposure layers made by InaSAFE's OSM downloader (and QGIS styles copied from it)
    "motorway or highway": "motorway",
    "motorway link": "motorway_link",
    "primary road": "primary",
    "primary link": "primary_link",
    "secondary road": "secondary",
    "secondary link": "secondary_link",
    "tertiary road": "tertiary",
    "tertiary link": "tertiary_link",
    "road, residential, living street, etc.": "residential",
    "road residential living street etc": "residential",
    "cycleway, footpath, etc.": "footway",
    "cycleway footpath etc": "footway",
    "trunk road": "trunk",
    "residential road": "residential",
    "service road": "service",
    # Geofabrik: highway=road is fclass "unknown"
    "unknown": "road",
    # Overture's transportation classes that OSM spells otherwise
    "parking_aisle": "service",
    "driveway": "service",
    "alley": "service",
}

_FOLD_RE = re.compile(r"[\s_\-]+")


def _fold(s: str) -> str:
    return _FOLD_RE.sub(" ", s.strip().lower())


def road_class(value: Any) -> tuple[str | None, str]:
    """Their road class as an OSM ``highway`` value, and how it was read.

    Returns:
        ``(class, how)``: how is ``"osm"`` (already an OSM value), ``"label"`` (a known label of
        another schema), or ``"unrecognised"`` with class None.
    """
    if value is None:
        return None, "empty"
    s = str(value).strip()
    if not s:
        return None, "empty"
    low = s.lower()
    if low in DRIVABLE_CLASSES or low in NON_DRIVABLE_HIGHWAY:
        return low, "osm"
    folded = _fold(s)
    for key in (low, folded, folded.replace(",", "").replace(".", "")):
        if key in HIGHWAY_LABELS:
            return HIGHWAY_LABELS[key], "label"
    u = low.replace(" ", "_")
    if u in DRIVABLE_CLASSES or u in NON_DRIVABLE_HIGHWAY:
        return u, "label"
    return None, "unrecognised"


def overture_name(value: Any) -> Any:
    """Overture's ``names`` (``{"primary": "Jalan Ratulangi", ...}``) as its primary name."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            doc = json.loads(value)
        except ValueError:
            return value
        if isinstance(doc, dict):
            return doc.get("primary") or next((v for v in doc.values() if isinstance(v, str)), None)
    return value


def overture_category(value: Any) -> str | None:
    """Overture's place ``categories`` (``{"primary": "fire_station", ...}``) as its primary category."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            doc = json.loads(value)
        except ValueError:
            return None
        if isinstance(doc, dict) and isinstance(doc.get("primary"), str):
            return doc["primary"]
    return None


_HOT_ELEMENT_TYPES = frozenset({"node", "way", "relation", "nodes", "ways", "relations", "ways_line", "ways_poly"})


def detect_schema(names: set[str], values: dict[str, list[str]]) -> str:
    """The schema a layer's field names (lower case) and a few of their values look like.

    Args:
        names: the layer's field names, lower case.
        values: lower-case field name -> some distinct non-empty values (as text).
    """
    if "id" in names and (names & {"subtype", "categories"}) and (names & {"names", "sources", "class", "version"}):
        return "overture"
    if names & {"num_floors", "roof_height", "is_underground", "has_parts"}:
        return "overture"
    if "confidence" in names and names & {"area_in_meters", "full_plus_code"}:
        return "google"
    if "confidence" in names and "height" in names:
        return "microsoft"
    if "fclass" in names and ("code" in names or "osm_id" in names):
        return "geofabrik"
    osm_type_values = {v.lower() for v in values.get("osm_type", [])}
    if osm_type_values and osm_type_values <= _HOT_ELEMENT_TYPES:
        return "hot"
    if names & {"addr_house", "addr_stree", "building_l", "changeset"} and "osm_id" in names:
        return "hot"
    if names & {"highway", "building", "building:levels", "other_tags", "man_made", "amenity"}:
        return "osm"
    if names & {"type", "osm_type"}:
        return "exposure"
    return "generic"


#: Words in a layer's or file's name that say what its features are.
_HINTS: dict[str, tuple[str, ...]] = {
    "zones": ("zone", "zona"),
    "cameras": ("cctv", "camera", "kamera", "surveil"),
    "fire_stations": ("fire", "pemadam", "damkar", "firestation"),
    "buildings": ("build", "bangunan", "gedung", "footprint", "bldg", "rumah"),
    "roads": ("road", "jalan", "street", "highway", "segment", "transport", "jln"),
}


def layer_hint(*names: str) -> str | None:
    """Our layer a layer's (or file's) name points at, or None."""
    for name in names:
        low = name.lower()
        for layer, words in _HINTS.items():
            if any(w in low for w in words):
                return layer
    return None
