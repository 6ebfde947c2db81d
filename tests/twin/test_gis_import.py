"""Importing a city from several files in foreign schemas: every feature imported or counted with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

import twin
from twin.gis import import_files, parse_maps

from .gis_fixtures import (
    SPACING_M,
    UTM,
    UTM_SCALE,
    X0,
    Y0,
    N,
    block_buildings,
    exposure_gpkg,
    grid_segments,
    node,
    to_wgs84,
    write_csv,
    write_json,
    write_layer,
)


def _inputs(rep: twin.gis.ImportReport) -> dict[str, dict]:
    return {a["layer"] or a["file"]: a for a in rep.as_dict()["inputs"]}


def _assert_accounted(rep: twin.gis.ImportReport, written: dict[str, int]) -> None:
    """Every input layer's features are imported or left out under a reason, adding up to what was written."""
    doc = rep.as_dict()
    by = _inputs(rep)
    assert set(by) == set(written)
    for layer, n in written.items():
        a = by[layer]
        assert a["features"] == n, layer
        assert a["imported_total"] + a["left_out_total"] == n, layer
        assert sum(a["imported"].values()) == a["imported_total"]
        assert sum(a["left_out"].values()) == a["left_out_total"]
        assert "not imported (no reason recorded)" not in a["left_out"]
    f = doc["features"]
    assert f["read"] == sum(written.values())
    assert f["imported"] + f["left_out"] == f["read"]
    assert sum(doc["left_out"].values()) == f["left_out"]


# ---------------------------------------------------------------------------------------------
# the exposure GeoPackage of the issue: roads classed in TYPE / OSM_TYPE, not highway
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def exposure(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    p = tmp_path_factory.mktemp("exposure") / "exposure.gpkg"
    return p, exposure_gpkg(p)


def test_exposure_roads_are_recognised_from_osm_type_and_type(exposure: tuple[Path, dict[str, int]]) -> None:
    path, written = exposure
    rep = import_files([path])
    a = _inputs(rep)
    assert a["roads"]["schema"] == "exposure"
    assert a["roads"]["mapping"]["roads.class"] == "OSM_TYPE"
    # 180 grid segments are roads; the 5 footpaths are counted as not drivable
    assert a["roads"]["imported"] == {"roads": 180}
    assert a["roads"]["left_out"] == {"not a drivable road class: footway": 5}
    assert a["roads"]["left_out_rows"] == {"not a drivable road class: footway": [180, 181, 182, 183, 184]}
    classes = {d["highway"] for _u, _v, d in rep.twin.roads.edges(data=True)}
    assert classes == {"primary", "secondary", "residential", "living_street"}
    # the top row's OSM_TYPE is empty: its class comes from TYPE ("Secondary")
    top = [d for _u, _v, d in rep.twin.roads.edges(data=True) if d["highway"] == "secondary"]
    assert len(top) == 2 * (N - 1)  # two directions per segment
    # 180 segments of 60 grid metres, each once
    assert rep.details["roads"]["length_km"] == pytest.approx(180 * SPACING_M / UTM_SCALE / 1000, rel=2e-4)
    heights = sorted({b.height_m for b in rep.twin.buildings})
    assert heights == [3.0, 6.0, 9.0, 12.0]  # LEVELS 1-4 x 3 m
    assert {b.use for b in rep.twin.buildings} == {"house", "school"}
    _assert_accounted(rep, written)


def test_a_layer_that_maps_to_nothing_is_a_warning_with_its_map(exposure: tuple[Path, dict[str, int]]) -> None:
    path, _written = exposure
    rep = import_files([path])
    [w] = rep.warnings()
    assert "admin_boundary: 1 polygons map to none of our layers (fields: KEL_NAME, KEC_NAME, POP_2020)" in w
    assert "--map zones=admin_boundary" in w
    line = rep.left_out_line()
    assert line.startswith("left out 6 of 226 features (")
    assert "skipped: nothing" not in rep.summary()
    doc = rep.as_dict()
    b = _inputs(rep)["admin_boundary"]
    assert b["fields"] == ["KEL_NAME", "KEC_NAME", "POP_2020"]
    assert b["samples"] == {"KEL_NAME": ["Mariso"], "KEC_NAME": ["Mariso"], "POP_2020": [56000]}
    assert doc["suggestions"] == ["--map zones=admin_boundary"]


def test_exposure_city_saves_and_plans_20_cameras(exposure: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    import showroom

    path, _written = exposure
    city = tmp_path / "city"
    assert showroom.main(["city", "import", str(path), "--out", str(city)]) == 0
    loaded = twin.load(city)
    assert loaded.roads.number_of_edges() == 360
    out = tmp_path / "plan"
    assert showroom.main(["plan", "--add", "20", "--city", str(city), "--resolution", "2", "--out", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["added"] == 20


# ---------------------------------------------------------------------------------------------
# the same roads as a Shapefile in UTM with Indonesian field names: --map
# ---------------------------------------------------------------------------------------------
KELAS = {"Primary road": "Jalan Arteri", "Secondary": "Jalan Kolektor"}


def _jalan_shp(path: Path) -> int:
    segs = grid_segments()
    kls = []
    for kind, i, j, _l in segs:
        if (kind == "h" and j == 0) or (kind == "v" and i == 0):
            kls.append("Jalan Arteri")
        elif kind == "h" and j == N - 1:
            kls.append("Jalan Kolektor")
        else:
            kls.append("Jalan Lingkungan")
    lines = [s[3] for s in segs] + [shapely.LineString([node(1, 2), node(2, 3)])]
    kls.append("Jalan Setapak")
    write_layer(
        path,
        "jalan",
        lines,
        {
            "NAMA_JLN": [f"Jl. {k}" for k in range(len(lines))],
            "KLS_JALAN": kls,
            "ARAH": ["2 arah"] * len(lines),
            "PANJANG_M": [float(g.length) for g in lines],
        },
        UTM,
        "LineString",
    )
    return len(lines)


def test_unmapped_foreign_roads_fail_with_the_map_that_brings_them_in(tmp_path: Path) -> None:
    shp = tmp_path / "jalan.shp"
    _jalan_shp(shp)
    with pytest.raises(twin.TwinError) as e:
        import_files([shp])
    msg = str(e.value)
    assert "jalan.shp: holds no buildings, drivable roads, cameras or fire stations to import" in msg
    assert "left out 181 of 181 features" in msg
    assert "--map roads.class=KLS_JALAN" in msg
    assert "--map 'roads.class:Jalan Arteri=primary'" in msg


@pytest.mark.parametrize("suffix", [".shp", ".gpkg"])
def test_foreign_roads_in_utm_import_by_field_and_value_maps(tmp_path: Path, suffix: str) -> None:
    shp = tmp_path / f"jalan{suffix}"
    n = _jalan_shp(shp)
    maps = [
        "roads.class=KLS_JALAN",
        "roads.name=NAMA_JLN",
        "roads.class:Jalan Arteri=primary",
        "roads.class:Jalan Kolektor=secondary",
        "roads.class:jalan lingkungan=residential",  # values match case-insensitively
        "roads.class:Jalan Setapak=footway",
    ]
    rep = import_files([shp], maps=maps)
    a = _inputs(rep)["jalan"]
    assert a["crs"] == "EPSG:32750"
    assert a["imported"] == {"roads": 180}
    assert a["left_out"] == {"not a drivable road class: footway": 1}
    assert a["value_notes"] == {"road class read: map": 180}
    by_class = rep.details["roads"]["features_by_class"]
    assert by_class == {"primary": 18, "secondary": 9, "residential": 153}
    # reprojected: each segment is 60 grid metres of UTM, 60 / 1.00047 true metres in the local frame
    lengths = np.array([d["length_m"] for _u, _v, d in rep.twin.roads.edges(data=True)])
    assert lengths == pytest.approx(SPACING_M / UTM_SCALE, rel=5e-5)
    names = {d["name"] for _u, _v, d in rep.twin.roads.edges(data=True)}
    assert "Jl. 0" in names
    _assert_accounted(rep, {"jalan": n})
    assert rep.maps == maps


def test_an_unknown_value_is_counted_by_value_with_a_suggestion(tmp_path: Path) -> None:
    shp = tmp_path / "jalan.shp"
    _jalan_shp(shp)
    rep = import_files([shp], maps=["roads.class=KLS_JALAN", "roads.class:Jalan Lingkungan=residential"])
    a = _inputs(rep)["jalan"]
    assert a["left_out"] == {
        "road class not recognised: 'Jalan Arteri'": 18,
        "road class not recognised: 'Jalan Kolektor'": 9,
        "road class not recognised: 'Jalan Setapak'": 1,
    }
    assert a["suggestions"] == [
        "--map 'roads.class:Jalan Arteri=primary'",
        "--map 'roads.class:Jalan Kolektor=secondary'",
        "--map 'roads.class:Jalan Setapak=footway'",
    ]
    # a wildcard brings in every value not otherwise recognised
    rep = import_files([shp], maps=["roads.class=KLS_JALAN", "roads.class:*=residential"])
    assert _inputs(rep)["jalan"]["imported"] == {"roads": 181}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("roads.klass=KLS", "roads has no field 'klass'; its fields are id, name, class, maxspeed, oneway"),
        ("streets.class=KLS", "unknown layer 'streets'; ours are buildings, roads, cameras, fire_stations"),
        ("roads.class", "expected LAYER.FIELD=THEIRFIELD"),
        ("buildings.height:tall=20", "buildings.height takes numbers, not a vocabulary"),
        ("roads.class=", "nothing after '='"),
        ("roads.class:Jalan Arteri=arterial", "'arterial' is not a roads.class value we know; use one of"),
        ("cameras.status:rusak=broken", "'broken' is not a cameras.status value we know; use one of candidate"),
    ],
)
def test_malformed_maps_are_one_clear_error(rule: str, message: str) -> None:
    with pytest.raises(twin.TwinError, match=f"--map '{rule}'.*" + message.replace("(", r"\(").replace(")", r"\)")):
        parse_maps([rule])


def test_a_map_naming_a_field_no_input_has_is_an_error(tmp_path: Path) -> None:
    shp = tmp_path / "jalan.shp"
    _jalan_shp(shp)
    with pytest.raises(twin.TwinError, match=r"--map roads.class=KELAS: no input layer has a field 'KELAS'; "
                                             r"fields present: ARAH, KLS_JALAN, NAMA_JLN, PANJANG_M"):
        import_files([shp], maps=["roads.class=KELAS"])


# ---------------------------------------------------------------------------------------------
# Geofabrik's free Shapefiles
# ---------------------------------------------------------------------------------------------
def test_geofabrik_roads_buildings_and_pois(tmp_path: Path) -> None:
    roads = tmp_path / "gis_osm_roads_free_1.shp"
    lines = [
        shapely.LineString([(X0, Y0), (X0 + 100, Y0)]),  # primary, both ways
        shapely.LineString([(X0 + 100, Y0), (X0 + 100, Y0 + 80)]),  # residential, one way against the line
        shapely.LineString([(X0, Y0), (X0, Y0 + 80)]),  # highway=road: fclass "unknown"
        shapely.LineString([(X0, Y0 + 80), (X0 + 100, Y0 + 80)]),  # track_grade3: not drivable
        shapely.LineString([(X0 + 20, Y0 + 10), (X0 + 20, Y0 + 60)]),  # footway
    ]
    write_layer(
        roads,
        "gis_osm_roads_free_1",
        lines,
        {
            "osm_id": ["11", "12", "13", "14", "15"],
            "code": [5113, 5122, 5199, 5143, 5153],
            "fclass": ["primary", "residential", "unknown", "track_grade3", "footway"],
            "name": ["Jl. Ratulangi", "", "", "", ""],
            "oneway": ["B", "T", "B", "B", "B"],
            "maxspeed": [60, 0, 0, 0, 0],
        },
        UTM,
        "LineString",
    )
    bld = tmp_path / "gis_osm_buildings_a_free_1.shp"
    write_layer(
        bld,
        "gis_osm_buildings_a_free_1",
        [shapely.box(X0 + 30, Y0 + 20, X0 + 50, Y0 + 40), shapely.box(X0 + 60, Y0 + 20, X0 + 80, Y0 + 40)],
        {"osm_id": ["21", "22"], "code": [1500, 1500], "fclass": ["building", "building"], "name": ["", "Masjid"],
         "type": [None, "mosque"]},
        UTM,
        "Polygon",
    )
    pois = tmp_path / "gis_osm_pois_free_1.shp"
    write_layer(
        pois,
        "gis_osm_pois_free_1",
        [shapely.Point(X0 + 50, Y0 + 2), shapely.Point(X0 + 90, Y0 + 50), shapely.Point(X0 + 10, Y0 + 70)],
        {
            "osm_id": ["31", "32", "33"],
            "code": [2951, 2008, 2301],
            "fclass": ["camera_surveillance", "fire_station", "restaurant"],
            "name": ["", "Damkar", ""],
        },
        UTM,
        "Point",
    )
    landuse = tmp_path / "gis_osm_landuse_a_free_1.shp"
    write_layer(
        landuse,
        "gis_osm_landuse_a_free_1",
        [shapely.box(X0 - 50, Y0 - 50, X0 + 150, Y0 + 150), shapely.box(X0 + 60, Y0 + 50, X0 + 90, Y0 + 70)],
        {"osm_id": ["61", "62"], "code": [7203, 7202], "fclass": ["residential", "park"], "name": ["", "Taman"]},
        UTM,
        "Polygon",
    )
    rep = import_files([roads, bld, pois, landuse])
    a = _inputs(rep)
    # Geofabrik's land use is classed by fclass too, but it is not buildings: a warning, not 2 buildings
    assert a["gis_osm_landuse_a_free_1"]["imported"] == {}
    warned = "gis_osm_landuse_a_free_1.shp: 2 polygons map to none of our layers"
    assert any(w.startswith(warned) for w in rep.warnings())
    assert {v["schema"] for v in a.values()} == {"geofabrik"}
    assert a["gis_osm_roads_free_1"]["imported"] == {"roads": 3}
    assert a["gis_osm_roads_free_1"]["left_out"] == {
        "not a drivable road class: track_grade3": 1, "not a drivable road class: footway": 1
    }
    e = {d["road_id"]: d for _u, _v, d in rep.twin.roads.edges(data=True)}
    assert e["gis_osm_roads_free_1-11"]["speed_kph"] == 60.0 and not e["gis_osm_roads_free_1-11"]["oneway"]
    assert e["gis_osm_roads_free_1-13"]["highway"] == "road"
    # oneway T: traffic runs against the line, so the one edge runs from its end (north) to its start
    res = [(u, v) for u, v, d in rep.twin.roads.edges(data=True) if d["road_id"] == "gis_osm_roads_free_1-12"]
    [(u, v)] = res
    assert rep.twin.roads.nodes[u]["y"] > rep.twin.roads.nodes[v]["y"]
    b = {x.id: x for x in rep.twin.buildings}
    assert b["gis_osm_buildings_a_free_1-22"].use == "mosque" and b["gis_osm_buildings_a_free_1-21"].use == "yes"
    assert [c.id for c in rep.twin.cameras] == ["gis_osm_pois_free_1-31"]
    assert [s.name for s in rep.twin.fire_stations] == ["Damkar"]
    assert a["gis_osm_pois_free_1"]["left_out"] == {
        "point is neither a camera (man_made=surveillance) nor a fire station": 1
    }
    _assert_accounted(
        rep,
        {"gis_osm_roads_free_1": 5, "gis_osm_buildings_a_free_1": 2, "gis_osm_pois_free_1": 3,
         "gis_osm_landuse_a_free_1": 2},
    )


# ---------------------------------------------------------------------------------------------
# the HOT export tool: OSM tags with laundered names, osm_type an element type (not a class)
# ---------------------------------------------------------------------------------------------
def test_hot_export_reads_tags_and_ignores_the_element_type(tmp_path: Path) -> None:
    p = tmp_path / "hotosm_idn_makassar.gpkg"
    write_layer(
        p,
        "hotosm_idn_makassar_roads_lines",
        [shapely.LineString([(X0, Y0), (X0 + 50, Y0)]), shapely.LineString([(X0 + 50, Y0), (X0 + 50, Y0 + 50)])],
        {"osm_id": ["41", "42"], "osm_type": ["ways_line", "ways_line"], "highway": ["tertiary", "steps"],
         "name": ["Jl. Somba Opu", None], "surface": ["asphalt", None]},
        UTM,
        "LineString",
    )
    write_layer(
        p,
        "hotosm_idn_makassar_buildings_polygons",
        [shapely.box(X0 + 5, Y0 + 5, X0 + 15, Y0 + 15), shapely.box(X0 + 20, Y0 + 5, X0 + 30, Y0 + 15)],
        {"osm_id": ["51", "52"], "osm_type": ["ways_poly", "ways_poly"], "building": ["yes", "house"],
         "building_l": ["4", None], "addr_house": ["12", None]},
        UTM,
        "Polygon",
    )
    rep = import_files([p])
    a = _inputs(rep)
    assert a["hotosm_idn_makassar_roads_lines"]["schema"] == "hot"
    assert a["hotosm_idn_makassar_roads_lines"]["mapping"]["roads.class"] == "highway"
    assert a["hotosm_idn_makassar_roads_lines"]["left_out"] == {"not a drivable road class: steps": 1}
    assert sorted(b.height_m for b in rep.twin.buildings) == [6.0, 12.0]  # default; 4 levels x 3 m
    _assert_accounted(rep, {"hotosm_idn_makassar_roads_lines": 2, "hotosm_idn_makassar_buildings_polygons": 2})


# ---------------------------------------------------------------------------------------------
# open building footprints: Microsoft (height -1 = unknown), Google (CSV with WKT), Overture
# ---------------------------------------------------------------------------------------------
def _geojson_fc(feats: list[tuple[shapely.Geometry, dict]]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": json.loads(shapely.to_geojson(to_wgs84(g)))}
            for g, p in feats
        ],
    }


def test_microsoft_footprints_height_minus_one_is_unknown(tmp_path: Path) -> None:
    p = tmp_path / "Indonesia.geojsonl.geojson"
    boxes = [shapely.box(X0 + 30 * k, Y0, X0 + 30 * k + 12, Y0 + 10) for k in range(4)]
    props = [
        {"height": -1.0, "confidence": -1.0},
        {"height": 7.25, "confidence": 0.93},
        {"height": -1.0, "confidence": 0.55},
        {"height": 12.5, "confidence": 0.81},
    ]
    write_json(p, _geojson_fc(list(zip(boxes, props, strict=True))))
    rep = import_files([p])
    a = _inputs(rep)["Indonesia.geojsonl"]
    assert a["schema"] == "microsoft"
    assert sorted(b.height_m for b in rep.twin.buildings) == [6.0, 6.0, 7.25, 12.5]
    assert rep.details["buildings"]["height_source"] == {"height": 2, "building:levels": 0, "default": 2}
    assert a["value_notes"]["height -1 (unknown): the next source is used"] == 2
    assert a["value_notes"]["confidence -1 (unknown): kept"] == 1
    rep = import_files([p], min_confidence=0.8)
    a = _inputs(rep)["Indonesia.geojsonl"]
    assert a["imported"] == {"buildings": 3}
    assert a["left_out"] == {"confidence below --min-confidence 0.8": 1}


def test_google_open_buildings_csv_with_wkt_polygons(tmp_path: Path) -> None:
    p = tmp_path / "open_buildings_v3_polygons.csv"
    rows = []
    for k, conf in enumerate([0.91, 0.68, 0.77]):
        g = to_wgs84(shapely.box(X0 + 40 * k, Y0, X0 + 40 * k + 10, Y0 + 20))
        c = g.centroid
        rows.append([f"{c.y:.7f}", f"{c.x:.7f}", f"{200.0 / UTM_SCALE**2:.4f}", conf, f'"{g.wkt}"', f"6QJ{k}+XX"])
    write_csv(p, ["latitude", "longitude", "area_in_meters", "confidence", "geometry", "full_plus_code"], rows)
    rep = import_files([p], min_confidence=0.7)
    a = _inputs(rep)["open_buildings_v3_polygons"]
    assert a["schema"] == "google"
    assert a["imported"] == {"buildings": 2}
    assert a["left_out"] == {"confidence below --min-confidence 0.7": 1}
    areas = sorted(b.footprint.area for b in rep.twin.buildings)
    assert areas == pytest.approx([200.0 / UTM_SCALE**2] * 2, rel=1e-3)


def test_overture_buildings_and_segments(tmp_path: Path) -> None:
    b = tmp_path / "overture_buildings.geojson"
    write_json(b, _geojson_fc([
        (shapely.box(X0, Y0, X0 + 10, Y0 + 10), {"id": "08b1", "subtype": "residential", "class": "house",
                                                  "height": 9.5, "num_floors": 3, "names": None, "version": 1}),
        (shapely.box(X0 + 20, Y0, X0 + 30, Y0 + 10), {"id": "08b2", "subtype": "civic", "class": None,
                                                       "height": None, "num_floors": 5,
                                                       "names": {"primary": "Balai Kota"}, "version": 1}),
    ]))
    s = tmp_path / "overture_segments.geojson"
    write_json(s, _geojson_fc([
        (shapely.LineString([(X0, Y0 - 10), (X0 + 60, Y0 - 10)]),
         {"id": "s1", "subtype": "road", "class": "secondary", "names": {"primary": "Jl. Ahmad Yani"}, "version": 2}),
        (shapely.LineString([(X0 + 60, Y0 - 10), (X0 + 60, Y0 + 40)]),
         {"id": "s2", "subtype": "road", "class": "parking_aisle", "names": None, "version": 2}),
        (shapely.LineString([(X0, Y0 - 30), (X0 + 60, Y0 - 30)]),
         {"id": "s3", "subtype": "rail", "class": "standard_gauge", "names": None, "version": 2}),
        (shapely.LineString([(X0, Y0 - 20), (X0 + 60, Y0 - 20)]),
         {"id": "s4", "subtype": "road", "class": "sidewalk", "names": None, "version": 2}),
    ]))
    places = tmp_path / "overture_places.geojson"
    write_json(places, _geojson_fc([
        (shapely.Point(X0 + 40, Y0 + 30), {"id": "p1", "categories": {"primary": "fire_station", "alternate": []},
                                           "names": {"primary": "Pos Pemadam Mariso"}, "confidence": 0.9}),
        (shapely.Point(X0 + 10, Y0 + 30), {"id": "p2", "categories": {"primary": "restaurant"},
                                           "names": {"primary": "Warung"}, "confidence": 0.8}),
    ]))
    land = tmp_path / "overture_land_use.geojson"
    write_json(land, _geojson_fc([(shapely.box(X0 - 20, Y0 - 40, X0 + 80, Y0 + 40),
                                   {"id": "l1", "subtype": "residential", "class": "residential", "names": None,
                                    "version": 0})]))
    rep = import_files([b, s, places, land])
    a = _inputs(rep)
    assert {a[k]["schema"] for k in a} == {"overture"}
    [fs] = rep.twin.fire_stations
    assert (fs.id, fs.name) == ("overture_places-p1", "Pos Pemadam Mariso")
    assert a["overture_land_use"]["imported"] == {}
    bs = {x.id: x for x in rep.twin.buildings}
    assert bs["overture_buildings-08b1"].height_m == 9.5
    assert bs["overture_buildings-08b2"].height_m == 15.0 and bs["overture_buildings-08b2"].name == "Balai Kota"
    e = {d["road_id"]: d for _u, _v, d in rep.twin.roads.edges(data=True)}
    assert e["overture_segments-s1"]["highway"] == "secondary" and e["overture_segments-s1"]["name"] == "Jl. Ahmad Yani"
    assert e["overture_segments-s2"]["highway"] == "service"
    assert a["overture_segments"]["left_out"] == {
        "road class not recognised: 'standard_gauge'": 1,
        "not a drivable road class: sidewalk": 1,
    }
    _assert_accounted(rep, {"overture_buildings": 2, "overture_segments": 4, "overture_places": 2,
                            "overture_land_use": 1})


# ---------------------------------------------------------------------------------------------
# cameras from a spreadsheet; several files into one city
# ---------------------------------------------------------------------------------------------
def test_camera_spreadsheet_with_indonesian_columns_and_decimal_commas(tmp_path: Path) -> None:
    roads = tmp_path / "jalan.shp"
    _jalan_shp(roads)
    csv = tmp_path / "titik_cctv.csv"
    rows = []
    for k in range(6):
        x, y = node(k, 0)
        lon, lat = (float(v) for v in to_wgs84(shapely.Point(x + 30, y + 3)).coords[0])
        heading, height = ["90", "NE", "180", "", "270", "45"][k], ["8", "", "6,5", "7", "", "9"][k]
        lat_s, lon_s = f"{lat:.7f}".replace(".", ","), f"{lon:.7f}".replace(".", ",")
        rows.append([k + 1, f"CCTV Simpang {k + 1}", lat_s, lon_s, heading, height, "PTZ" if k == 2 else ""])
    rows.append([7, "tanpa koordinat", "", "", "", "", ""])
    write_csv(csv, ["No", "Nama Lokasi", "Lintang", "Bujur", "Arah", "Tinggi", "Tipe"], rows, delimiter=";")
    rep = import_files([roads, csv], maps=["roads.class=KLS_JALAN", "roads.class:*=residential"])
    a = _inputs(rep)
    assert a["titik_cctv"]["schema"] == "table" and a["titik_cctv"]["read_as"] == ["cameras"]
    assert a["titik_cctv"]["left_out"] == {"no geometry": 1}
    cams = {c.id: c for c in rep.twin.cameras}
    assert set(cams) == {f"titik_cctv-{k}" for k in range(1, 7)}
    assert [cams[f"titik_cctv-{k}"].heading_deg for k in range(1, 7)] == [90.0, 45.0, 180.0, 0.0, 270.0, 45.0]
    assert [cams[f"titik_cctv-{k}"].mount_height_m for k in range(1, 7)] == [8.0, 6.0, 6.5, 7.0, 6.0, 9.0]
    assert cams["titik_cctv-3"].type == "ptz" and cams["titik_cctv-3"].name == "CCTV Simpang 3"
    # 3 m north of the middle of a segment: the road along y = Y0 runs 3 m south of each camera
    first = cams["titik_cctv-1"]
    d = min(shapely.distance(shapely.Point(first.x, first.y), dd["geometry"])
            for _u, _v, dd in rep.twin.roads.edges(data=True))
    assert d == pytest.approx(3.0 / UTM_SCALE, abs=0.01)
    _assert_accounted(rep, {"jalan": 181, "titik_cctv": 7})


def test_projected_csv_needs_its_crs(tmp_path: Path) -> None:
    roads = tmp_path / "jalan.shp"
    _jalan_shp(roads)
    csv = tmp_path / "cctv_utm.csv"
    write_csv(csv, ["id", "x", "y", "heading"], [["A", X0 + 60, Y0 + 2, 90], ["B", X0 + 120, Y0 + 2, 270]])
    with pytest.raises(twin.TwinError, match=r"cctv_utm.csv row 2: x=766060.0, y=9431002.0 is not a longitude/latitude"
                                             r": the coordinates look projected; give their CRS, e.g. --crs EPSG"):
        import_files([roads, csv], maps=["roads.class:*=residential", "roads=jalan"])
    rep = import_files([roads, csv], maps=["roads.class:*=residential", "roads=jalan"], crs=UTM)
    cams = {c.id: c for c in rep.twin.cameras}
    assert set(cams) == {"cctv_utm-A", "cctv_utm-B"}
    assert cams["cctv_utm-B"].x - cams["cctv_utm-A"].x == pytest.approx(60.0 / UTM_SCALE, abs=0.05)


def test_several_files_into_one_city_every_feature_accounted(
    exposure: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    gpkg, written = exposure
    csv = tmp_path / "cctv.csv"
    rows = [[f"C{k}", *to_wgs84(shapely.Point(*node(k, k))).coords[0], 45 * k] for k in range(N)]
    rows.append(["FAR", 120.5, -5.5, 0])  # 100 km away: left out, counted
    write_csv(csv, ["kode", "longitude", "latitude", "heading"], rows)
    stations = tmp_path / "pos_damkar.geojson"
    write_json(stations, _geojson_fc([(shapely.Point(*node(4, 4)), {"nama": "Pos Damkar Mariso"})]))
    rep = import_files([gpkg, csv, stations])
    assert len(rep.twin.cameras) == N and len(rep.twin.fire_stations) == 1
    assert rep.twin.fire_stations[0].name == "Pos Damkar Mariso"
    a = _inputs(rep)
    assert a["cctv"]["left_out"] == {"cameras: more than 50 m outside the buildings and roads imported": 1}
    _assert_accounted(rep, {**written, "cctv": N + 1, "pos_damkar": 1})
    doc = rep.as_dict()
    assert doc["features"] == {"read": 226 + N + 2, "imported": 220 + N + 1, "left_out": 7}


def test_xlsx_spreadsheet_of_cameras(tmp_path: Path) -> None:
    roads = tmp_path / "jalan.shp"
    _jalan_shp(roads)
    xlsx = tmp_path / "kamera.xlsx"
    lon, lat = to_wgs84(shapely.Point(*node(3, 3))).coords[0]
    _write_xlsx(xlsx, lon, lat)
    rep = import_files([roads, xlsx], maps=["roads.class:*=residential", "roads=jalan"])
    [c] = rep.twin.cameras
    assert (c.id, c.heading_deg) == ("kamera-K1", 135.0)


def _write_xlsx(path: Path, lon: float, lat: float) -> None:
    from osgeo import ogr

    ds = ogr.GetDriverByName("XLSX").CreateDataSource(str(path))
    lyr = ds.CreateLayer("kamera", geom_type=ogr.wkbNone)
    for name, kind in (("ID", ogr.OFTString), ("Longitude", ogr.OFTReal), ("Latitude", ogr.OFTReal),
                       ("Direction", ogr.OFTReal)):
        lyr.CreateField(ogr.FieldDefn(name, kind))
    f = ogr.Feature(lyr.GetLayerDefn())
    for name, v in (("ID", "K1"), ("Longitude", lon), ("Latitude", lat), ("Direction", 135.0)):
        f.SetField(name, v)
    lyr.CreateFeature(f)
    ds = None  # noqa: F841  (closing the data source writes the file)


def test_grid_geometry_helper_is_what_the_tests_assume() -> None:
    # the fixture itself: 90 + 90 segments of 60 m, and 40 buildings inside the grid
    segs = grid_segments()
    assert len(segs) == 180 and {round(s[3].length, 6) for s in segs} == {SPACING_M}
    assert all(shapely.box(X0, Y0, X0 + 540, Y0 + 540).contains(b) for b, _lv in block_buildings())
    assert np.isclose(node(9, 9), (X0 + 540, Y0 + 540)).all()


def test_osm_extract_is_accounted_like_any_input(tmp_path: Path) -> None:
    small = Path(__file__).resolve().parents[1] / "fixtures" / "osm" / "small.osm"
    rep = import_files([small])
    a = _inputs(rep)["small.osm"]
    # 11 buildings and 5 cameras as tests/twin/test_osm.py counts them by hand; every skip of the reader a row
    assert a["imported"] == {"buildings": 11, "roads": 5, "cameras": 5, "fire_stations": 1}
    assert a["left_out"]["buildings: ring is not closed (first and last node differ)"] == 1
    assert a["left_out"]["cameras: surveillance:type=guard is not a camera"] == 1
    assert a["left_out"]["fire_stations: same station as one within 100 m (merged)"] == 1
    assert a["left_out"]["not a drivable road class: footway"] == 1
    _assert_accounted(rep, {"small.osm": 31})


def test_exposure_roads_as_a_shapefile_on_their_own(tmp_path: Path) -> None:
    # the second file: the same roads alone, in UTM, as an office exports them
    segs = grid_segments()
    shp = tmp_path / "roads_osm.shp"
    write_layer(
        shp,
        "roads_osm",
        [s[3] for s in segs],
        {"TYPE": ["Road, residential, living street, etc."] * len(segs), "OSM_TYPE": ["residential"] * len(segs)},
        UTM,
        "LineString",
    )
    rep = import_files([shp])
    assert _inputs(rep)["roads_osm"]["imported"] == {"roads": 180}
    assert rep.twin.roads.number_of_edges() == 360


def test_coordinate_columns_by_map_and_a_shapefile_without_prj(tmp_path: Path) -> None:
    shp = tmp_path / "jalan.shp"
    _jalan_shp(shp)
    shp.with_suffix(".prj").unlink()
    csv = tmp_path / "cctv.csv"
    write_csv(csv, ["KODE", "KOORD_X", "KOORD_Y"], [["K1", X0 + 30, Y0 + 4], ["K2", X0 + 90, Y0 + 4]])
    maps = ["roads.class:*=residential", "roads=jalan", "cameras.lon=KOORD_X", "cameras.lat=KOORD_Y", "cameras=cctv"]
    with pytest.raises(twin.TwinError, match=r"jalan.shp: has no CRS \(a Shapefile needs its .prj\): add one, or give "
                                             r"--crs \(e.g. --crs EPSG:32750\)"):
        import_files([shp, csv], maps=maps)
    rep = import_files([shp, csv], maps=maps, crs=UTM)
    cams = sorted(rep.twin.cameras, key=lambda c: c.id)
    assert [c.id for c in cams] == ["cctv-K1", "cctv-K2"]
    assert cams[1].x - cams[0].x == pytest.approx(60.0 / UTM_SCALE, abs=0.05)
    a = _inputs(rep)["cctv"]
    assert a["fields"] == ["KODE", "KOORD_X", "KOORD_Y"]
    _assert_accounted(rep, {"jalan": 181, "cctv": 2})


def test_a_zipped_shapefile_as_offices_send_them(tmp_path: Path) -> None:
    import zipfile

    shp = tmp_path / "jalan.shp"
    n = _jalan_shp(shp)
    z = tmp_path / "jalan_kota.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for part in tmp_path.glob("jalan.*"):
            zf.write(part, part.name)
    rep = import_files([z], maps=["roads.class=KLS_JALAN", "roads.class:*=residential"])
    a = _inputs(rep)["jalan"]
    assert (a["file"], a["crs"], a["imported"]) == ("jalan_kota.zip", "EPSG:32750", {"roads": n})


def test_camera_status_and_indonesian_compass_words(tmp_path: Path) -> None:
    roads = tmp_path / "jalan.shp"
    _jalan_shp(roads)
    csv = tmp_path / "cctv_malang.csv"
    rows = []
    for k, (arah, status) in enumerate([("Timur Laut", "Terpasang"), ("Selatan", "Rencana"), ("barat", "Usulan"),
                                        ("270", "rusak"), ("Utara", "")]):
        lon, lat = to_wgs84(shapely.Point(*node(k + 1, 1))).coords[0]
        rows.append([f"M{k}", lon, lat, arah, status])
    write_csv(csv, ["ID", "Longitude", "Latitude", "Arah", "Status"], rows)
    rep = import_files([roads, csv], maps=["roads.class:*=residential", "roads=jalan", "cameras.status:rusak=existing"])
    cams = {c.id: c for c in rep.twin.cameras}
    assert [cams[f"cctv_malang-M{k}"].heading_deg for k in range(5)] == [45.0, 180.0, 270.0, 270.0, 0.0]
    assert [cams[f"cctv_malang-M{k}"].status for k in range(5)] == [
        "existing", "planned", "planned", "existing", "existing"
    ]
    rep = import_files([roads, csv], maps=["roads.class:*=residential", "roads=jalan"])
    assert _inputs(rep)["cctv_malang"]["value_notes"] == {"camera status 'rusak' not recognised: existing assumed": 1}


def test_building_fields_by_map_and_use_values(tmp_path: Path) -> None:
    shp = tmp_path / "bangunan_kota.shp"
    write_layer(
        shp,
        "bangunan_kota",
        [shapely.box(X0 + 20 * k, Y0, X0 + 20 * k + 12, Y0 + 10) for k in range(4)],
        {
            "TING_BGN": [12.5, None, 0.0, 30.0],
            "JML_LT": [None, 5, 2, None],
            "FUNGSI": ["Rumah", "Kantor", "Sekolah", ""],
        },
        UTM,
        "Polygon",
    )
    rep = import_files(
        [shp], maps=["buildings.height=TING_BGN", "buildings.use=FUNGSI", "buildings.use:Rumah=house",
                     "buildings.use:Sekolah=school"]
    )
    b = {x.id: x for x in rep.twin.buildings}
    # TING_BGN, else JML_LT (an alias) x 3 m, else the default; 0 is unknown, not a height
    assert [b[f"bangunan_kota-{k}"].height_m for k in range(4)] == [12.5, 15.0, 6.0, 30.0]
    assert [b[f"bangunan_kota-{k}"].use for k in range(4)] == ["house", "kantor", "school", "yes"]
    a = _inputs(rep)["bangunan_kota"]
    assert a["mapping"]["buildings.height"] == "TING_BGN"
    assert a["value_notes"] == {"height 0.0 (unknown): the next source is used": 1}  # a text field, as written


def test_clip_box_leaves_features_out_with_a_reason(exposure: tuple[Path, dict[str, int]]) -> None:
    path, written = exposure
    # the western half of the grid (x <= node 4.5): buildings by a point inside, roads cut at the edge
    w, s = to_wgs84(shapely.Point(X0 - 30, Y0 - 30)).coords[0]
    e, n = to_wgs84(shapely.Point(X0 + 4.5 * SPACING_M, Y0 + 9.5 * SPACING_M)).coords[0]
    rep = import_files([path], clip=(w, s, e, n))
    a = _inputs(rep)
    # buildings sit at x0 + 20..40 of columns 0-7: columns 0-3 are inside (x <= 270 m), 4-7 outside
    assert a["buildings"]["imported"] == {"buildings": 20}
    assert a["buildings"]["left_out"] == {"buildings: outside the clip box": 20}
    # horizontal segments from columns 5-8 (40) lie wholly east; the (4, 5) segments are cut; verticals 5-9 east
    assert a["roads"]["left_out"]["roads: outside the clip box"] == 10 * 4 + 5 * 9
    assert rep.details["roads"]["cut"] == {"cut at the clip box": 10}
    _assert_accounted(rep, written)


def test_cameras_from_a_google_earth_kml_folder(tmp_path: Path) -> None:
    # planners keep camera points in Google Earth: a KML folder named for them, with 3D points
    roads = tmp_path / "jalan.shp"
    _jalan_shp(roads)
    kml = tmp_path / "survey.kml"
    pts = [to_wgs84(shapely.Point(*node(k, 4))) for k in range(3)]
    kml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        "<Folder><name>CCTV Dishub</name>"
        + "".join(
            f"<Placemark><name>Cam {k}</name><description>pole</description>"
            f"<Point><coordinates>{p.x:.8f},{p.y:.8f},12</coordinates></Point></Placemark>"
            for k, p in enumerate(pts)
        )
        + "</Folder><Folder><name>Batas Kelurahan</name><Placemark><name>Mariso</name><Polygon><outerBoundaryIs>"
        "<LinearRing><coordinates>119.4,-5.14,0 119.41,-5.14,0 119.41,-5.13,0 119.4,-5.14,0</coordinates>"
        "</LinearRing></outerBoundaryIs></Polygon></Placemark></Folder></Document></kml>",
        encoding="utf-8",
    )
    rep = import_files([roads, kml], maps=["roads.class:*=residential", "roads=jalan"])
    a = _inputs(rep)
    assert a["CCTV Dishub"]["imported"] == {"cameras": 3}
    assert sorted(c.name for c in rep.twin.cameras) == ["Cam 0", "Cam 1", "Cam 2"]
    assert a["Batas Kelurahan"]["imported"] == {}
    assert any(w.startswith("survey.kml:Batas Kelurahan: 1 polygons map to none") for w in rep.warnings())
    _assert_accounted(rep, {"jalan": 181, "CCTV Dishub": 3, "Batas Kelurahan": 1})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kode,lon,lat\nA,119.42,-5.14\nB,119.43\n",
         r"cctv.csv row 3: has 2 cells but the header has 3 \(delimiter ','\); quote cells that hold the delimiter"),
        ("kode,bujur,lintang\nA,-5.14,119.42\n",
         r"cctv.csv row 2: bujur=-5.14, lintang=119.42: longitude and latitude look swapped \(lintang is read as the "
         r"latitude, bujur as the longitude\)"),
        ("", r"cctv.csv: is empty \(no header row\)"),
    ],
)
def test_bad_spreadsheets_are_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "cctv.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(twin.TwinError, match=message):
        import_files([p])


def test_osm_tags_as_one_json_object_per_feature(tmp_path: Path) -> None:
    # HOT's raw-data API writes each feature's OSM tags as one object
    p = tmp_path / "raw_data_api_export.geojson"
    write_json(p, _geojson_fc([
        (shapely.box(X0, Y0, X0 + 10, Y0 + 10),
         {"osm_id": 71, "osm_type": "ways_poly", "tags": {"building": "yes", "building:levels": "3"}}),
        (shapely.box(X0 + 20, Y0, X0 + 40, Y0 + 10),
         {"osm_id": 72, "osm_type": "ways_poly", "tags": {"landuse": "grass"}}),
        (shapely.LineString([(X0, Y0 - 10), (X0 + 60, Y0 - 10)]),
         {"osm_id": 73, "osm_type": "ways_line", "tags": {"highway": "secondary", "name": "Jl. Sudirman"}}),
        (shapely.LineString([(X0, Y0 - 20), (X0 + 60, Y0 - 20)]),
         {"osm_id": 74, "osm_type": "ways_line", "tags": {"waterway": "canal"}}),
        (shapely.Point(X0 + 30, Y0 - 12),
         {"osm_id": 75, "osm_type": "nodes", "tags": {"man_made": "surveillance", "camera:direction": "270"}}),
    ]))
    rep = import_files([p])
    a = _inputs(rep)["raw_data_api_export"]
    assert a["schema"] == "hot"
    assert a["imported"] == {"buildings": 1, "roads": 1, "cameras": 1}
    assert a["left_out"] == {"polygon has no building value": 1, "line without a highway value (not a road)": 1}
    [b] = rep.twin.buildings
    assert b.height_m == 9.0
    [c] = rep.twin.cameras
    assert c.heading_deg == 270.0
    assert {d["name"] for _u, _v, d in rep.twin.roads.edges(data=True)} == {"Jl. Sudirman"}
    _assert_accounted(rep, {"raw_data_api_export": 5})


def test_zones_with_land_use_priority_and_fire_rate(tmp_path: Path) -> None:
    roads = tmp_path / "jalan.shp"
    _jalan_shp(roads)
    z = tmp_path / "zona_prioritas.gpkg"
    x1, y1 = node(N - 1, N - 1)
    write_layer(
        z,
        "zona_prioritas",
        [shapely.box(X0, Y0, X0 + 270, y1), shapely.box(X0 + 270, Y0, x1, y1), shapely.box(X0, Y0, x1, Y0 + 60)],
        {"NAMA": ["Pasar", "Permukiman", "Pelabuhan"], "GUNA_LAHAN": ["Komersial", "Perumahan", "Industri"],
         "PRIORITAS": ["3", "1,5", "tinggi"], "FIRE_RATE": [4.0, 1.5, 2.0]},
        UTM,
        "Polygon",
    )
    rep = import_files(
        [roads, z],
        maps=["roads.class:*=residential", "roads=jalan", "zones.landuse:Komersial=commercial",
              "zones.landuse:Perumahan=residential"],
    )
    zs = {x.name: x for x in rep.twin.zones}
    assert set(zs) == {"Pasar", "Permukiman"}
    assert (zs["Pasar"].landuse, zs["Pasar"].priority, zs["Pasar"].fire_rate_per_year) == ("commercial", 3.0, 4.0)
    assert (zs["Permukiman"].landuse, zs["Permukiman"].priority) == ("residential", 1.5)
    a = _inputs(rep)["zona_prioritas"]
    assert a["read_as"] == ["zones"]
    assert a["left_out"] == {"zones: priority or fire_rate_per_year is not a number": 1}
    assert zs["Pasar"].polygon.area == pytest.approx(270 * 540 / UTM_SCALE**2, rel=5e-4)
    twin.save(rep.twin, tmp_path / "city")
    assert len(twin.load(tmp_path / "city").zones) == 2
    _assert_accounted(rep, {"jalan": 181, "zona_prioritas": 3})


def test_microsoft_global_footprints_csv_gz_of_geojson_lines(tmp_path: Path) -> None:
    import gzip

    # Microsoft's global footprints: one .csv.gz a quadkey, each line a GeoJSON feature (not CSV at all)
    p = tmp_path / "120200023.csv.gz"
    lines = []
    for k, h in enumerate((-1.0, 8.5, 4.25)):
        g = to_wgs84(shapely.box(X0 + 20 * k, Y0, X0 + 20 * k + 10, Y0 + 10))
        lines.append(json.dumps({"type": "Feature", "geometry": json.loads(shapely.to_geojson(g)),
                                 "properties": {"height": h, "confidence": -1.0}}))
    lines.append('{"type": "Feature", "geometry": null, "properties": {"height": 3.0, "confidence": -1.0}}')
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    rep = import_files([p])
    a = _inputs(rep)["120200023"]
    assert (a["schema"], a["format"], a["features"]) == ("microsoft", "geojsonl", 4)
    assert sorted(b.height_m for b in rep.twin.buildings) == [4.25, 6.0, 8.5]
    assert a["left_out"] == {"no geometry": 1}
    # and a gzipped spreadsheet is a spreadsheet
    csv = tmp_path / "cctv.csv.gz"
    lon, lat = to_wgs84(shapely.Point(X0 + 5, Y0 - 3)).coords[0]
    with gzip.open(csv, "wt", encoding="utf-8") as fh:
        fh.write(f"id,lon,lat\nG1,{lon},{lat}\n")
    rep = import_files([p, csv])
    assert [c.id for c in rep.twin.cameras] == ["cctv-G1"]
