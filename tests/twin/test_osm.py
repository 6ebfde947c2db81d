"""OpenStreetMap and GIS import, on small fixtures made by hand (tests/fixtures/osm/small.osm).

small.osm lies on a grid: cell (i, j) is lon 119.4 + i * 1e-4, lat -5.14 + j * 1e-4; its comments
say what each feature is for. Expected lengths and areas come from the WGS84 ellipsoid's radii of
curvature (closed forms below), not from the projection the importer uses.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import osmium
import pytest
import shapely

import twin
from twin.gis import import_city
from twin.osm._tags import parse_direction_deg, parse_length_m, parse_levels

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "osm"
SMALL = FIXTURES / "small.osm"
LON0, LAT0, STEP = 119.4, -5.14, 1e-4

# WGS84 radii of curvature at the fixture's latitude: metres per degree of longitude and latitude
_A, _E2 = 6_378_137.0, 6.694_379_990_14e-3
_PHI = math.radians(LAT0 + 10 * STEP)
_W = math.sqrt(1.0 - _E2 * math.sin(_PHI) ** 2)
M_PER_DEG_LON = math.radians(1.0) * _A * math.cos(_PHI) / _W
M_PER_DEG_LAT = math.radians(1.0) * _A * (1.0 - _E2) / _W**3
CELL_X = STEP * M_PER_DEG_LON  # about 11.09 m
CELL_Y = STEP * M_PER_DEG_LAT  # about 11.06 m


@pytest.fixture(scope="module")
def small() -> twin.gis.ImportReport:
    return import_city(SMALL)


def _by_id(items: list) -> dict:
    return {x.id: x for x in items}


def _grid(rep: twin.gis.ImportReport, i: float, j: float) -> tuple[float, float]:
    """Local metres of grid cell (i, j), through the city's own frame (only pyproj's projection)."""
    x, y = rep.twin.frame.to_local(LON0 + i * STEP, LAT0 + j * STEP)
    return float(x), float(y)


# ---------------------------------------------------------------------------------------------
# tag values
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "metres", "kind"),
    [
        ("12", 12.0, "number"),
        ("12 m", 12.0, "metres"),
        ("12.5", 12.5, "number"),
        ("12,5", 12.5, "decimal comma"),
        ("40'", 12.192, "feet"),
        ("40 ft", 12.192, "feet"),
        ("12'6\"", 3.81, "feet"),
        ("10+", 10.0, "at least"),
        ("4-7", 5.5, "range"),
        ("10-12 m", 11.0, "range"),
        ("~10", 10.0, "approximate"),
        ("ca. 20", 20.0, "approximate"),
        ("3;4", 3.5, "list"),
        ("yes", None, "unreadable"),
        ("", None, "unreadable"),
        ("-3", None, "not positive"),
        ("0", None, "not positive"),
    ],
)
def test_height_values(value: str, metres: float | None, kind: str) -> None:
    got, kinds = parse_length_m(value)
    if metres is None:
        assert got is None
    else:
        assert got == pytest.approx(metres, abs=1e-9)
    assert kind in kinds


@pytest.mark.parametrize(
    ("value", "levels", "kind"),
    [
        ("3", 3.0, "integer"),
        ("3.5", 3.5, "decimal"),
        ("2,5", 2.5, "decimal comma"),
        ("10+", 10.0, "at least"),
        ("4-7", 5.5, "range"),
        ("3;4", 3.5, "list"),
        ("~6", 6.0, "approximate"),
        ("many", None, "unreadable"),
        ("3 m", None, "unreadable"),
        ("0", None, "not positive"),
    ],
)
def test_levels_values(value: str, levels: float | None, kind: str) -> None:
    got, kinds = parse_levels(value)
    assert got == (None if levels is None else pytest.approx(levels))
    assert kind in kinds


@pytest.mark.parametrize(
    ("value", "deg", "kind"),
    [
        ("90", 90.0, "degrees"),
        ("370", 10.0, "degrees"),
        ("-90", 270.0, "degrees"),
        ("NE", 45.0, "cardinal"),
        ("nne", 22.5, "cardinal"),
        ("W", 270.0, "cardinal"),
        ("NNW", 337.5, "cardinal"),
        ("45-135", 90.0, "range"),
        ("350-10", 0.0, "range"),
        ("90;270", 90.0, "list"),
        ("forward", None, "unreadable"),
    ],
)
def test_direction_values(value: str, deg: float | None, kind: str) -> None:
    got, how = parse_direction_deg(value)
    assert got == (None if deg is None else pytest.approx(deg))
    assert how == kind


# ---------------------------------------------------------------------------------------------
# buildings
# ---------------------------------------------------------------------------------------------
def test_building_heights_from_height_levels_and_default(small: twin.gis.ImportReport) -> None:
    b = _by_id(small.twin.buildings)
    expected = {
        "osm-w101": 12.0,  # height "12 m"
        "osm-w102": 10.5,  # levels 3.5 x 3 m
        "osm-w103": 30.0,  # levels "10+" -> 10
        "osm-w104": 12.192,  # 40 feet
        "osm-w105": 6.0,  # nothing tagged: the documented default
        "osm-w106": 16.5,  # levels "4-7" -> 5.5
        "osm-w107": 6.0,  # height "yes" is unreadable, levels 2 -> 6 m
        "osm-w108": 10.0,  # "~10"
        "osm-w116": 10.5,  # levels "3;4" -> 3.5
        "osm-r201": 20.0,  # the multipolygon's own height tag
        "osm-w115": 6.0,  # the fire station building: default
    }
    assert set(b) == set(expected)
    for fid, h in expected.items():
        assert b[fid].height_m == pytest.approx(h, abs=1e-9), fid
    assert b["osm-w102"].levels == 3.5
    assert b["osm-w103"].use == "apartments"


def test_height_sources_and_messy_values_are_counted(small: twin.gis.ImportReport) -> None:
    d = small.as_dict()["buildings"]
    assert d["height_source"] == {"height": 4, "building:levels": 5, "default": 2}
    # 10+, 4-7, 3;4 (levels), 40', ~10, yes (height)
    assert d["messy_values_interpreted"] == 6
    assert d["values_read"]["building:levels"] == {"at least": 1, "decimal": 1, "integer": 1, "list": 1, "range": 1}
    listed = {(x["tag"], x["value"]): (x["read_as"], x["how"]) for x in d["interpreted"]}
    assert listed[("building:levels", "4-7")] == (5.5, ["range"])
    assert listed[("height", "40'")] == (12.192, ["feet"])
    assert listed[("height", "yes")] == (None, ["unreadable"])


def test_broken_rings_are_skipped_and_counted(small: twin.gis.ImportReport) -> None:
    d = small.as_dict()
    sk = d["skipped"]["buildings"]
    assert sk == {
        "ring is not closed (first and last node differ)": 1,
        "ring has nodes missing from the extract (clipped at the edge)": 1,
        "multipolygon has member ways missing from the extract (clipped at the edge)": 1,
        "building mapped as a node (no footprint)": 1,
    }
    ex = d["skipped_examples"]["buildings"]
    assert ex["ring is not closed (first and last node differ)"] == ["osm-w109"]
    assert ex["ring has nodes missing from the extract (clipped at the edge)"] == ["osm-w110"]
    assert ex["multipolygon has member ways missing from the extract (clipped at the edge)"] == ["osm-r202"]
    assert d["skipped_total"]["buildings"] == 4
    assert "ring is not closed" in small.summary()


def test_multipolygon_building_keeps_its_courtyard(small: twin.gis.ImportReport) -> None:
    fp = _by_id(small.twin.buildings)["osm-r201"].footprint
    assert fp.geom_type == "Polygon"
    assert len(fp.interiors) == 1
    # 6 x 6 cells with a 2 x 2 courtyard
    assert fp.area == pytest.approx((36 - 4) * CELL_X * CELL_Y, rel=2e-3)
    cx, cy = _grid(small, 3, 23)  # inside the courtyard
    assert not fp.contains(shapely.Point(cx, cy))
    assert fp.contains(shapely.Point(*_grid(small, 1, 21)))


def test_square_building_footprint_size(small: twin.gis.ImportReport) -> None:
    fp = _by_id(small.twin.buildings)["osm-w101"].footprint
    x0, y0, x1, y1 = fp.bounds
    assert x1 - x0 == pytest.approx(2 * CELL_X, rel=2e-3)
    assert y1 - y0 == pytest.approx(2 * CELL_Y, rel=2e-3)


# ---------------------------------------------------------------------------------------------
# cameras and fire stations
# ---------------------------------------------------------------------------------------------
def test_cameras_direction_type_height(small: twin.gis.ImportReport) -> None:
    c = _by_id(small.twin.cameras)
    assert set(c) == {"osm-n4001", "osm-n4002", "osm-n4005", "osm-w401", "osm-n4008"}
    assert (c["osm-n4001"].heading_deg, c["osm-n4001"].type, c["osm-n4001"].mount_height_m) == (45.0, "dome", 5.0)
    assert c["osm-n4002"].heading_deg == 90.0  # plain `direction`
    assert c["osm-n4005"].heading_deg == 90.0  # ALPR kept; "45-135" -> its middle
    # a surveillance relation: the camera sees a point due north and one due east
    assert c["osm-n4008"].heading_deg == pytest.approx(45.0, abs=1e-9)
    assert (c["osm-n4008"].type, c["osm-n4008"].mount_height_m) == ("ptz", 8.0)  # revolving=yes, est_height
    assert c["osm-w401"].heading_deg == 0.0
    assert all(x.status == "existing" for x in c.values())
    # positions: the node's own place; the way's midpoint
    assert (c["osm-n4001"].x, c["osm-n4001"].y) == pytest.approx(_grid(small, 3, 3), abs=1e-6)
    assert (c["osm-w401"].x, c["osm-w401"].y) == pytest.approx(_grid(small, 13, 3), abs=0.05)
    dx = c["osm-n4002"].x - c["osm-n4001"].x
    assert dx == pytest.approx(4 * CELL_X, rel=2e-3)


def test_cameras_left_out_are_counted(small: twin.gis.ImportReport) -> None:
    d = small.as_dict()
    assert d["skipped"]["cameras"] == {
        "surveillance:type=guard is not a camera": 1,
        "indoor camera (surveillance=indoor) does not see the street": 1,
        "more than 50 m outside the buildings and roads imported": 1,
    }
    assert d["skipped_examples"]["cameras"]["more than 50 m outside the buildings and roads imported"] == ["osm-n4006"]
    hf = d["cameras"]["heading_from"]
    assert hf["camera:direction (cardinal)"] == 1
    assert hf["type=surveillance relation (towards the points it sees)"] == 1
    assert hf["untagged (0 = north assumed)"] == 1
    assert d["cameras"]["surveillance:type"] == {"(absent: camera)": 3, "alpr": 1, "camera": 1}


def test_fire_station_from_an_area_with_its_node_merged(small: twin.gis.ImportReport) -> None:
    [fs] = small.twin.fire_stations
    assert (fs.id, fs.name) == ("osm-w115", "Pos Damkar")
    area = _by_id(small.twin.buildings)["osm-w115"].footprint
    assert area.contains(shapely.Point(fs.x, fs.y))
    assert small.as_dict()["skipped"]["fire_stations"] == {"same station as one within 100 m (merged)": 1}


# ---------------------------------------------------------------------------------------------
# roads
# ---------------------------------------------------------------------------------------------
def _edges(rep: twin.gis.ImportReport) -> list[tuple[dict, tuple[float, float], tuple[float, float]]]:
    g = rep.twin.roads
    out = []
    for u, v, d in g.edges(data=True):
        out.append((d, (g.nodes[u]["x"], g.nodes[u]["y"]), (g.nodes[v]["x"], g.nodes[v]["y"])))
    return out


def test_roads_split_at_shared_nodes_with_speeds_and_oneway(small: twin.gis.ImportReport) -> None:
    g = small.twin.roads
    # primary 0-5-10 and residential crossing it at 5: each split in two, both ways (8);
    # the one-way secondary (1) and tertiary (1); the two-way service road (2); no footway
    assert (g.number_of_edges(), g.number_of_nodes()) == (12, 7)
    edges = _edges(small)
    by_hw: dict[str, list] = {}
    for d, a, b in edges:
        by_hw.setdefault(d["highway"], []).append((d, a, b))
    assert sorted(by_hw) == ["primary", "residential", "secondary", "service", "tertiary"]
    assert {d["road_id"] for d, _, _ in by_hw["primary"]} == {"osm-w301#0", "osm-w301#1"}
    for d, _, _ in by_hw["primary"]:
        assert d["speed_kph"] == 50.0
        assert d["length_m"] == pytest.approx(5 * CELL_X, rel=2e-3)
        assert d["travel_time_s"] == pytest.approx(d["length_m"] / (50.0 / 3.6))
    for d, _, _ in by_hw["residential"]:
        assert (d["speed_kph"], d["length_m"]) == (30.0, pytest.approx(5 * CELL_Y, rel=2e-3))
    [(sec, a, b)] = by_hw["secondary"]
    assert sec["speed_kph"] == pytest.approx(30 * 1.609344)  # "30 mph"
    assert sec["oneway"] and b[1] > a[1]  # drawn northwards, one way
    [(ter, a, b)] = by_hw["tertiary"]
    assert ter["oneway"] and b[0] > a[0]  # oneway=-1 on a line drawn westwards: traffic goes east
    assert ter["speed_kph"] == 40.0
    assert {d["speed_kph"] for d, _, _ in by_hw["service"]} == {20.0}  # "FI:urban" is unreadable
    d = small.as_dict()
    assert d["non_drivable_highway"] == {"footway": 1}
    assert d["roads"]["maxspeed_unreadable"] == {"FI:urban": 1}


# ---------------------------------------------------------------------------------------------
# round trip, clip, formats
# ---------------------------------------------------------------------------------------------
def _assert_same_city(a: twin.Twin, b: twin.Twin) -> None:
    assert twin.city_info(a)["counts"] == twin.city_info(b)["counts"]
    ca, cb = _by_id(a.cameras), _by_id(b.cameras)
    assert set(ca) == set(cb)
    for k in ca:
        assert math.hypot(ca[k].x - cb[k].x, ca[k].y - cb[k].y) < 0.01
        assert (ca[k].heading_deg, ca[k].type, ca[k].mount_height_m) == (
            pytest.approx(cb[k].heading_deg),
            cb[k].type,
            cb[k].mount_height_m,
        )
    ba, bb = _by_id(a.buildings), _by_id(b.buildings)
    assert set(ba) == set(bb)
    for k in ba:
        assert shapely.hausdorff_distance(ba[k].footprint, bb[k].footprint) < 0.01
        assert ba[k].height_m == pytest.approx(bb[k].height_m, abs=1e-3)
    la = sorted(d["length_m"] for _, _, d in a.roads.edges(data=True))
    lb = sorted(d["length_m"] for _, _, d in b.roads.edges(data=True))
    assert np.allclose(la, lb, atol=0.01)
    for sa, sb in zip(a.fire_stations, b.fire_stations, strict=True):
        assert math.hypot(sa.x - sb.x, sa.y - sb.y) < 0.01


def test_round_trip_import_save_load(small: twin.gis.ImportReport, tmp_path: Path) -> None:
    twin.save(small.twin, tmp_path / "city")
    back = twin.load(tmp_path / "city")
    _assert_same_city(small.twin, back)
    assert len(back.cameras) == 5 and len(back.buildings) == 11


def test_clip_keeps_what_lies_in_the_box(tmp_path: Path) -> None:
    box = (LON0 - 1 * STEP, LAT0 - 6 * STEP, LON0 + 6.5 * STEP, LAT0 + 13 * STEP)
    rep = import_city(SMALL, clip=box)
    assert {b.id for b in rep.twin.buildings} == {"osm-w101", "osm-w102"}
    assert [c.id for c in rep.twin.cameras] == ["osm-n4001"]
    assert rep.twin.fire_stations == []
    # primary cut at the box (0-5-6.5), residential whole, tertiary's cut piece one way, service
    g = rep.twin.roads
    assert (g.number_of_edges(), g.number_of_nodes()) == (4 + 4 + 1 + 2, 7)
    xs = [d["x"] for _, d in g.nodes(data=True)]
    assert max(xs) == pytest.approx(_grid(rep, 6.5, 0)[0], abs=0.01)
    d = rep.as_dict()
    assert d["clip"] == list(box)
    assert d["skipped"]["buildings"]["outside the clip box"] == 9
    assert d["skipped"]["cameras"]["outside the clip box"] == 6
    assert d["skipped"]["roads"]["outside the clip box"] == 1  # the secondary at i = 10
    assert d["roads"]["cut"] == {"cut at the clip box": 2}
    assert rep.twin.extent is not None
    twin.save(rep.twin, tmp_path / "clipped")
    back = twin.load(tmp_path / "clipped")
    _assert_same_city(rep.twin, back)


def test_pbf_reads_the_same_as_xml(small: twin.gis.ImportReport, tmp_path: Path) -> None:
    pbf = tmp_path / "small.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as w:
        for o in osmium.FileProcessor(SMALL):
            w.add(o)
    rep = import_city(pbf)
    assert rep.format == "osm.pbf"
    assert rep.imported == small.imported
    assert rep.skipped == small.skipped
    _assert_same_city(small.twin, rep.twin)


def _write_layer(path: Path, layer: str, geoms: list, fields: dict[str, list], crs: str, gtype: str) -> None:
    import pyogrio.raw

    pyogrio.raw.write(
        path,
        geometry=shapely.to_wkb(np.array(geoms, dtype=object)),
        field_data=[np.array(v, dtype=object) for v in fields.values()],
        fields=list(fields),
        layer=layer,
        driver="GPKG" if path.suffix == ".gpkg" else "ESRI Shapefile",
        geometry_type=gtype,
        crs=crs,
        append=path.exists() and path.suffix == ".gpkg",
    )


# UTM zone 50S near the fixture: the GIS file is in metres, not degrees, so the import must reproject
UTM = "EPSG:32750"
X0, Y0 = 765_700.0, 9_431_700.0
UTM_SCALE = 1.000_47  # UTM's scale factor 265 km east of zone 50's central meridian (0.9996 (1 + x^2 / 2R^2))


def test_geopackage_import(tmp_path: Path) -> None:
    gpkg = tmp_path / "district.gpkg"
    _write_layer(
        gpkg,
        "buildings",
        [shapely.box(X0, Y0, X0 + 20, Y0 + 30), shapely.box(X0 + 40, Y0, X0 + 50, Y0 + 10)],
        {"osm_id": ["7", "8"], "height": ["15", None], "building_levels": [None, "4-7"], "name": ["Balai", ""]},
        UTM,
        "Polygon",
    )
    _write_layer(
        gpkg,
        "roads",
        [
            shapely.LineString([(X0, Y0 - 10), (X0 + 50, Y0 - 10), (X0 + 100, Y0 - 10)]),
            shapely.LineString([(X0 + 50, Y0 - 60), (X0 + 50, Y0 - 10)]),
            shapely.LineString([(X0, Y0 - 60), (X0, Y0 - 10)]),
        ],
        {"fclass": ["primary", "residential", "footway"], "oneway": ["B", "F", "B"], "maxspeed": ["0", "25", "0"]},
        UTM,
        "LineString",
    )
    _write_layer(
        gpkg,
        "pois",
        [shapely.Point(X0 + 5, Y0 - 12), shapely.Point(X0 + 45, Y0 + 5)],
        {"man_made": ["surveillance", None], "amenity": [None, "fire_station"], "camera_direction": ["S", None]},
        UTM,
        "Point",
    )
    rep = import_city(gpkg)
    b = _by_id(rep.twin.buildings)
    assert set(b) == {"buildings-7", "buildings-8"}
    assert b["buildings-7"].height_m == 15.0 and b["buildings-7"].name == "Balai"
    assert b["buildings-8"].height_m == 16.5  # levels 4-7 -> 5.5 x 3 m
    assert b["buildings-7"].footprint.area == pytest.approx(600.0 / UTM_SCALE**2, rel=5e-4)
    g = rep.twin.roads
    # the primary is cut at the vertex the residential ends on (x0+50): 2 pieces x 2 ways; residential 1 way
    assert g.number_of_edges() == 5
    speeds = sorted({(d["highway"], d["speed_kph"], d["oneway"]) for _, _, d in g.edges(data=True)})
    assert speeds == [("primary", 50.0, False), ("residential", 25.0, True)]
    lengths = sorted(d["length_m"] for _, _, d in g.edges(data=True) if d["highway"] == "residential")
    assert lengths == [pytest.approx(50.0 / UTM_SCALE, rel=5e-4)]
    [cam] = rep.twin.cameras
    assert cam.heading_deg == 180.0
    [fs] = rep.twin.fire_stations
    assert fs.id == "pois-1"
    assert rep.as_dict()["non_drivable_highway"] == {"footway": 1}
    # the camera is 12 m south and 5 m east of the first building's south-west corner: 13 m away
    # (distances, not offsets: UTM's grid north is turned about 0.2 degrees from true north here)
    corners = np.asarray(b["buildings-7"].footprint.exterior.coords)
    nearest = np.hypot(corners[:, 0] - cam.x, corners[:, 1] - cam.y).min()
    assert nearest == pytest.approx(13.0 / UTM_SCALE, abs=0.01)
    twin.save(rep.twin, tmp_path / "city")
    _assert_same_city(rep.twin, twin.load(tmp_path / "city"))


def test_shapefile_with_truncated_field_names(tmp_path: Path) -> None:
    shp = tmp_path / "bangunan.shp"
    _write_layer(
        shp,
        "bangunan",
        [shapely.box(X0, Y0, X0 + 10, Y0 + 10), shapely.box(X0 + 20, Y0, X0 + 30, Y0 + 10)],
        {"building_l": ["2", "3,5"], "building": ["house", "no"]},
        UTM,
        "Polygon",
    )
    rep = import_city(shp)
    [b] = rep.twin.buildings
    assert (b.height_m, b.use) == (6.0, "house")
    [a] = rep.as_dict()["inputs"]
    assert a["left_out"] == {"polygon has building=no": 1}


def test_malformed_gis_geometry_is_counted_not_fatal(tmp_path: Path) -> None:
    import struct

    import pyogrio.raw

    # a polygon whose only ring has 2 points (GDAL writes such rings from broken OSM areas), in a layer
    # named for buildings (a polygon layer without a sign of buildings maps to nothing: test_gis_import)
    bad = struct.pack("<BIII4d", 1, 3, 1, 2, 119.4, -5.14, 119.401, -5.14)
    good = shapely.to_wkb(shapely.box(119.4, -5.14, 119.4001, -5.1399))
    p = tmp_path / "b.gpkg"
    pyogrio.raw.write(
        p,
        np.array([good, bad], dtype=object),
        [np.array(["1", "2"], dtype=object)],
        ["id"],
        layer="buildings",
        driver="GPKG",
        geometry_type="Polygon",
        crs="EPSG:4326",
    )
    rep = import_city(p)
    assert [b.id for b in rep.twin.buildings] == ["buildings-1"]
    [a] = rep.as_dict()["inputs"]
    assert a["left_out"] == {"malformed geometry (e.g. a ring of under 4 points, or unreadable coordinates)": 1}


def test_geopackage_made_by_gdal_from_the_extract(small: twin.gis.ImportReport, tmp_path: Path) -> None:
    """GDAL's OSM driver keeps most tags in ``other_tags``; such a GeoPackage imports like the extract."""
    import pyogrio.raw

    gpkg = tmp_path / "from-gdal.gpkg"
    for layer in ("points", "lines", "multipolygons"):
        meta, _fids, geoms, fields = pyogrio.raw.read(SMALL, layer=layer)
        pyogrio.raw.write(
            gpkg,
            geoms,
            fields,
            list(meta["fields"]),
            layer=layer,
            driver="GPKG",
            geometry_type=meta["geometry_type"],
            crs="EPSG:4326",
            append=gpkg.exists(),
        )
    rep = import_city(gpkg)
    # GDAL assembles the same 11 areas (it, too, drops the unclosed ring, the way with a missing node
    # and the relation with a missing member); heights come from other_tags
    heights = sorted(round(b.height_m, 3) for b in rep.twin.buildings)
    assert heights == sorted(round(b.height_m, 3) for b in small.twin.buildings)
    assert rep.imported["road_edges"] == small.imported["road_edges"] == 12
    # the cameras less none: GDAL puts the way-camera in `lines`, read at its midpoint
    assert len(rep.twin.cameras) == len(small.twin.cameras) == 5
    assert sorted(c.heading_deg for c in rep.twin.cameras) == [0.0, 0.0, 45.0, 90.0, 90.0]  # no relations here
    assert len(rep.twin.fire_stations) == 1


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------
def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(twin.TwinError, match=r"nowhere\.osm\.pbf: does not exist"):
        import_city(tmp_path / "nowhere.osm.pbf")


def test_unknown_extension(tmp_path: Path) -> None:
    p = tmp_path / "city.dxf2"
    p.write_text("id,x,y\n")
    with pytest.raises(twin.TwinError, match=r"city\.dxf2: unknown file type '\.dxf2': use an OpenStreetMap extract"):
        import_city(p)


def test_corrupt_pbf(tmp_path: Path) -> None:
    p = tmp_path / "broken.osm.pbf"
    p.write_bytes(b"this is not a protocol buffer " * 50)
    with pytest.raises(twin.TwinError, match=r"broken\.osm\.pbf: cannot be read as OpenStreetMap osm\.pbf data"):
        import_city(p)


def test_truncated_pbf(tmp_path: Path) -> None:
    whole = tmp_path / "whole.osm.pbf"
    with osmium.SimpleWriter(str(whole)) as w:
        for o in osmium.FileProcessor(SMALL):
            w.add(o)
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(twin.TwinError, match=r"cut\.osm\.pbf: cannot be read .*EOF"):
        import_city(cut)


def test_malformed_xml(tmp_path: Path) -> None:
    p = tmp_path / "bad.osm"
    p.write_text('<osm version="0.6"><node id="1" lat="1" lon="2"><tag k=')
    with pytest.raises(twin.TwinError, match=r"bad\.osm: cannot be read as OpenStreetMap osm data"):
        import_city(p)


def test_bad_clip_and_empty_clip() -> None:
    with pytest.raises(twin.TwinError, match=r"clip box W S E N = 10 0 5 1 is not a lon/lat box"):
        import_city(SMALL, clip=(10, 0, 5, 1))
    with pytest.raises(twin.TwinError, match=r"small\.osm: holds no buildings.* inside the clip box"):
        import_city(SMALL, clip=(0.0, 0.0, 0.001, 0.001))


# ---------------------------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------------------------
def test_cli_import_writes_a_city_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import showroom

    out = tmp_path / "out"
    assert showroom.main(["city", "import", str(SMALL), "--out", str(out)]) == 0
    rep = json.loads((out / "import_report.json").read_text())
    assert rep["imported"]["buildings"] == 11 and rep["imported"]["cameras"] == 5
    assert "ring is not closed" in capsys.readouterr().out
    assert len(twin.load(out).buildings) == 11
    assert showroom.main(["city", "import", str(tmp_path / "none.osm"), "--out", str(out)]) == 2
    assert "none.osm: does not exist" in capsys.readouterr().err
