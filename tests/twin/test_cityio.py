"""City files: loading, saving, round trips, GDAL formats and every validation rule."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

import twin
from twin.profiles import DEFAULT_BUILDING_HEIGHT_M

from .conftest import base_layers, fc, feature, line, lonlat, point, square, write_city


def test_loads_every_layer_in_local_metres(city_dir: Path) -> None:
    t = twin.load(city_dir)
    assert t.name == "Test block"
    assert (t.frame.origin_lon, t.frame.origin_lat) == (119.42, -5.14)
    b1 = next(b for b in t.buildings if b.id == "B1")
    # a 30 m square written with an approximate degree scale: area 900 m2 within 0.1%
    assert b1.footprint.area == pytest.approx(900.0, rel=1e-3)
    assert b1.height_m == 9.0
    b2 = next(b for b in t.buildings if b.id == "B2")
    assert b2.height_m == 15.0 and b2.levels == 5.0  # 5 levels x 3 m
    cam = t.camera("CAM-001")
    assert cam.x == pytest.approx(100.0, abs=0.05) and cam.y == pytest.approx(100.0, abs=0.05)
    assert cam.heading_deg == 90.0 and cam.tilt_deg == 20.0 and (cam.width_px, cam.height_px) == (1920, 1080)
    st = t.fire_stations[0]
    assert (st.trucks, st.turnout_s) == (3, 90.0)
    assert t.zones[0].priority == 2.0 and t.zones[0].fire_rate_per_year == 4.0


def test_hfov_from_focal_length_and_sensor(city_dir: Path) -> None:
    cam = twin.load(city_dir).camera("CAM-002")
    # 2 atan(5.37 / (2 * 4)) = 2 * 33.87 = 67.74 degrees
    assert cam.hfov == pytest.approx(math.degrees(2 * math.atan(5.37 / 8.0)), abs=1e-9)
    assert cam.hfov == pytest.approx(67.74, abs=0.01)
    assert cam.status == "candidate"


def test_road_graph_splits_at_shared_vertex_and_honours_oneway(city_dir: Path) -> None:
    g = twin.load(city_dir).roads
    # R1 two-way split at the crossing -> 2 segments x 2 directions; R2 one-way split -> 2 segments
    assert g.number_of_edges() == 6
    assert g.number_of_nodes() == 5
    centre = [n for n, d in g.nodes(data=True) if abs(d["x"] - 100) < 0.1 and abs(d["y"] - 100) < 0.1]
    assert len(centre) == 1
    assert g.degree(centre[0]) == 6
    res = [d for _, _, d in g.edges(data=True) if d["highway"] == "residential"]
    assert all(d["oneway"] for d in res)
    # the residential street runs south to north only: every edge's end is north of its start
    assert all(d["geometry"].coords[-1][1] > d["geometry"].coords[0][1] for d in res)
    prim = [d for _, _, d in g.edges(data=True) if d["highway"] == "primary"]
    assert all(d["speed_kph"] == 50.0 for d in prim)
    assert prim[0]["travel_time_s"] == pytest.approx(prim[0]["length_m"] / (50 / 3.6))


def test_round_trip_keeps_model_within_a_centimetre(city_dir: Path, tmp_path: Path) -> None:
    a = twin.load(city_dir)
    twin.save(a, tmp_path / "out")
    b = twin.load(tmp_path / "out")
    assert len(a.buildings) == len(b.buildings)
    for x, y in zip(a.buildings, b.buildings, strict=True):
        assert x.id == y.id and x.height_m == y.height_m
        assert shapely.hausdorff_distance(x.footprint, y.footprint) < 0.01
    for x, y in zip(a.cameras, b.cameras, strict=True):
        assert math.hypot(x.x - y.x, x.y - y.y) < 0.01
        assert (x.heading_deg, x.tilt_deg, x.hfov, x.status, x.width_px) == (
            y.heading_deg,
            y.tilt_deg,
            y.hfov,
            y.status,
            y.width_px,
        )
    assert a.roads.number_of_edges() == b.roads.number_of_edges()
    assert (a.frame.origin_lon, a.frame.origin_lat) == (b.frame.origin_lon, b.frame.origin_lat)
    cc_a, cc_b = a.command_center, b.command_center
    assert math.hypot(cc_a.x - cc_b.x, cc_a.y - cc_b.y) < 0.01
    assert cc_a.server_room == cc_b.server_room and cc_a.operators == cc_b.operators


def test_round_trip_of_everything_a_camera_can_carry(tmp_path: Path) -> None:
    frame = twin.LocalFrame(119.42, -5.14)
    cam = twin.Camera(
        "PTZ-9",
        12.345,
        -67.891,
        mount_height_m=7.5,
        heading_deg=271.5,
        tilt_deg=12.0,
        hfov_deg=None,
        focal_mm=6.0,
        sensor_width_mm=5.37,
        width_px=2560,
        height_px=1440,
        fps=15,
        codec="h265",
        bitrate_kbps=3100.0,
        type="ptz",
        status="planned",
        name="Pantai Losari",
        stream_main="rtsp://user:secret@10.0.0.9/main",
        stream_sub="rtsp://10.0.0.9/sub",
        privacy_masks=[[(0, 0), (100, 0), (100, 50)]],
        presets=[twin.PosePreset(10.0, 15.0, 20.0, 40.0, "gate"), twin.PosePreset(200.0, 25.0, 40.0)],
        k1=-0.21,
        k2=0.05,
        correction=twin.PoseCorrection(heading_deg=1.5, roll_deg=-0.5, dz_m=0.2),
        cost=2.5,
        ir_range_m=30.0,
    )
    t = twin.Twin(frame=frame, cameras=[cam], buildings=[twin.Building("b", shapely.box(-100, -100, 100, 100), 3.0)])
    twin.save(t, tmp_path)
    back = twin.load(tmp_path).cameras[0]
    assert math.hypot(back.x - cam.x, back.y - cam.y) < 0.01
    for field in (
        "id",
        "mount_height_m",
        "heading_deg",
        "tilt_deg",
        "focal_mm",
        "sensor_width_mm",
        "width_px",
        "height_px",
        "fps",
        "codec",
        "bitrate_kbps",
        "type",
        "status",
        "name",
        "stream_main",
        "stream_sub",
        "privacy_masks",
        "presets",
        "k1",
        "k2",
        "correction",
        "cost",
        "ir_range_m",
    ):
        got, want = getattr(back, field), getattr(cam, field)
        if field == "privacy_masks":
            got = [[tuple(p) for p in m] for m in got]
        assert got == want, field


def test_local_frame_round_trips_to_wgs84_exactly() -> None:
    f = twin.LocalFrame(119.42, -5.14)
    x = np.array([-1250.0, 0.0, 1250.0, 2500.0])
    y = np.array([-1250.0, 0.0, 900.0, -2500.0])
    lon, lat = f.to_wgs84(x, y)
    x2, y2 = f.to_local(lon, lat)
    assert np.max(np.hypot(x2 - x, y2 - y)) < 1e-6
    # 1 km north is about 0.00904 degrees of latitude (1 degree ~ 110.57 km at 5 degrees south)
    lon1, lat1 = f.to_wgs84(0.0, 1000.0)
    assert float(lat1) - (-5.14) == pytest.approx(1000.0 / 110_574.0, rel=2e-3)
    assert float(lon1) == pytest.approx(119.42, abs=1e-9)


def test_planning_bitrate_table() -> None:
    from twin.profiles import planning_bitrate_kbps

    assert planning_bitrate_kbps(1920, 1080, 30, "h264") == pytest.approx(5500.0)
    assert planning_bitrate_kbps(1920, 1080, 15, "h264") == pytest.approx(2750.0)
    assert planning_bitrate_kbps(1280, 720, 30, "h265") == pytest.approx(2300.0 * 0.85)
    assert planning_bitrate_kbps(3840, 2160, 30, "h264") == pytest.approx(20000.0)
    with pytest.raises(twin.TwinError, match="unknown codec 'mpeg2'"):
        planning_bitrate_kbps(1920, 1080, 30, "mpeg2")


def test_dori_profiles_hold_both_standards() -> None:
    en = twin.dori_profile("EN62676-4:2015")
    assert en.ppm("Detect") == 25.0 and en.ppm("observe") == 62.5 and en.ppm("Identify") == 250.0
    iec = twin.dori_profile("iec2025")
    assert iec.names[0] == "Overview" and iec.ppm("Scrutinize") == 1500.0
    with pytest.raises(twin.TwinError, match="unknown DORI profile 'ISO'"):
        twin.dori_profile("ISO")
    with pytest.raises(twin.TwinError, match="unknown level 'Spot'"):
        en.ppm("Spot")


# ---------------------------------------------------------------------------------------------
# GDAL formats
# ---------------------------------------------------------------------------------------------
def _as_gdal(city_dir: Path, dest: Path, driver: str, crs: str = "EPSG:4326") -> None:
    """Write the fixture's layers with GDAL (via pyogrio) so the reader is checked against a real writer."""
    for layer in ("buildings", "roads", "cameras", "fire_stations", "zones"):
        doc = json.loads((city_dir / f"{layer}.geojson").read_text())
        geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in doc["features"]], dtype=object)
        keys = sorted({k for f in doc["features"] for k in f["properties"]})
        # a Shapefile keeps 10 characters of a field name and no ':' ("laundered", as GDAL writes them)
        fields = {
            k.replace(":", "_")[:10] if driver == "ESRI Shapefile" else k: np.array(
                [None if f["properties"].get(k) is None else str(f["properties"][k]) for f in doc["features"]],
                dtype=object,
            )
            for k in keys
        }
        if crs != "EPSG:4326":
            from pyproj import Transformer

            tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
            geoms = shapely.transform(geoms, lambda xy, tr=tr: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
        wkb = shapely.to_wkb(geoms)
        gtype = {"buildings": "Polygon", "roads": "LineString", "zones": "Polygon"}.get(layer, "Point")
        if driver == "GPKG":
            pyogrio.raw.write(
                dest,
                wkb,
                list(fields.values()),
                fields=list(fields),
                layer=layer,
                driver="GPKG",
                geometry_type=gtype,
                crs=crs,
                append=dest.exists(),
            )
        else:
            pyogrio.raw.write(
                dest / f"{layer}.shp",
                wkb,
                list(fields.values()),
                fields=list(fields),
                driver="ESRI Shapefile",
                geometry_type=gtype,
                crs=crs,
            )


def test_reads_the_same_city_from_a_geopackage_in_utm(city_dir: Path, tmp_path: Path) -> None:
    gpkg = tmp_path / "city.gpkg"
    _as_gdal(city_dir, gpkg, "GPKG", crs="EPSG:32750")  # UTM 50S, as Indonesian planners' files often are
    ref = twin.load(city_dir)
    t = twin.load(gpkg)
    assert [b.id for b in t.buildings] == ["B1", "B2"]
    assert t.camera("CAM-001").heading_deg == 90.0
    # different frames (no city.yaml beside the GeoPackage), so compare geometry in WGS84
    for a, b in zip(ref.cameras, t.cameras, strict=True):
        la = ref.frame.to_wgs84(a.x, a.y)
        lb = t.frame.to_wgs84(b.x, b.y)
        assert abs(float(la[0]) - float(lb[0])) < 1e-7 and abs(float(la[1]) - float(lb[1])) < 1e-7
    assert sum(b.footprint.area for b in t.buildings) == pytest.approx(900.0 + 1600.0, rel=2e-3)


def test_reads_shapefiles_with_their_prj(city_dir: Path, tmp_path: Path) -> None:
    d = tmp_path / "shp"
    d.mkdir()
    _as_gdal(city_dir, d, "ESRI Shapefile")
    t = twin.load(d)
    assert len(t.buildings) == 2 and len(t.cameras) == 2 and len(t.fire_stations) == 1
    assert t.roads.number_of_edges() == 6
    # laundered names (camera_dir, building_l, sensor_wid) are read as the format's own
    assert t.camera("CAM-001").heading_deg == 90.0
    assert next(b for b in t.buildings if b.id == "B2").height_m == 15.0
    assert t.camera("CAM-002").sensor_width_mm == 5.37


def test_shapefile_without_prj_is_an_unknown_crs(city_dir: Path, tmp_path: Path) -> None:
    d = tmp_path / "shp"
    d.mkdir()
    _as_gdal(city_dir, d, "ESRI Shapefile")
    for prj in d.glob("*.prj"):
        prj.unlink()
    with pytest.raises(twin.CityError, match=r"buildings.shp: has no CRS \(a Shapefile needs its .prj\)"):
        twin.load(d)


# ---------------------------------------------------------------------------------------------
# validation: each rule, with its message
# ---------------------------------------------------------------------------------------------
def _broken(tmp_path: Path, layer: str, features: list, **extra: object) -> Path:
    layers = base_layers()
    layers[layer] = fc(features)
    layers.update(extra)
    return write_city(tmp_path / "bad", **layers)


def _cam(fid: str | None = "CAM-X", x: float = 50, y: float = 50, **props: object) -> dict:
    p = dict(props)
    if fid is not None:
        p["id"] = fid
    return feature(point(x, y), **p)


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ([_cam(hfov_deg=240)], r'cameras.geojson feature 0 \("CAM-X"\): hfov_deg must be in \(0, 180\].*got 240'),
        ([_cam(hfov_deg=0)], r'feature 0 \("CAM-X"\): hfov_deg must be in \(0, 180\]'),
        ([_cam(fid=None)], r"cameras.geojson feature 0: camera has no id"),
        ([_cam("A"), _cam("A", 60, 60)], r'feature 1 \("A"\): duplicate camera id \'A\' \(first at feature 0\)'),
        ([_cam(x=5000, y=5000)], r'feature 0 \("CAM-X"\): camera is outside the city: \d+ m beyond its extent'),
        ([feature(square(10, 10, 5), id="CAM-P")], r'feature 0 \("CAM-P"\): geometry must be Point, got Polygon'),
        ([_cam(tilt_deg=120)], r"tilt_deg must be in \[-90, 90\], got 120"),
        ([_cam(height=-3)], r"height \(mount height\) must be > 0 m, got -3"),
        ([_cam(codec="mpeg2")], r"codec must be one of \['h264', 'h265', 'mjpeg'\], got 'mpeg2'"),
        ([_cam(bitrate_kbps=-1)], r"bitrate_kbps must be > 0, got -1"),
        ([_cam(status="wished")], r"status must be one of \['existing', 'planned', 'candidate'\]"),
        ([_cam(resolution="big")], r"resolution must be WIDTHxHEIGHT"),
        ([_cam(**{"camera:type": "laser"})], r"camera:type must be one of"),
        ([_cam(hfov_deg="wide")], r"hfov_deg must be a number, got 'wide'"),
        ([_cam(privacy_masks=[[[0, 0], [1, 1]]])], r"privacy_masks\[0\] needs at least 3 points"),
        ([_cam(presets=[{"heading_deg": 10, "dwell_s": 0}])], r"presets\[0\].dwell_s must be > 0"),
    ],
)
def test_camera_rules(tmp_path: Path, features: list, message: str) -> None:
    with pytest.raises(twin.CityError, match=message):
        twin.load(_broken(tmp_path, "cameras", features))


def test_dome_fisheye_may_see_all_round(tmp_path: Path) -> None:
    t = twin.load(_broken(tmp_path, "cameras", [_cam(hfov_deg=360, **{"camera:type": "dome"})]))
    assert t.cameras[0].hfov == 360.0
    with pytest.raises(twin.CityError, match="360 only for a dome fisheye"):
        twin.load(_broken(tmp_path / "2", "cameras", [_cam(hfov_deg=360)]))


def test_negative_building_height(tmp_path: Path) -> None:
    bad = _broken(tmp_path, "buildings", [feature(square(0, 0, 10), id="B9", height=-4)])
    with pytest.raises(twin.CityError, match=r'buildings.geojson feature 0 \("B9"\): height must be >= 0 m, got -4'):
        twin.load(bad)


def test_wrong_geometry_type_for_buildings_and_roads(tmp_path: Path) -> None:
    bad = _broken(tmp_path, "buildings", [feature(point(5, 5), id="B1")])
    with pytest.raises(twin.CityError, match=r"geometry must be Polygon or MultiPolygon, got Point"):
        twin.load(bad)
    bad = _broken(tmp_path / "r", "roads", [feature(square(0, 0, 10), id="R1", highway="primary")])
    with pytest.raises(twin.CityError, match=r'roads.geojson feature 0 \("R1"\): geometry must be LineString'):
        twin.load(bad)


def test_unreadable_json_names_file_line_and_column(tmp_path: Path) -> None:
    layers = base_layers()
    layers["zones"] = '{"type": "FeatureCollection", "features": [\n  {"type": "Feature",, }]}'
    bad = write_city(tmp_path / "bad", **layers)
    with pytest.raises(twin.CityError, match=r"zones.geojson: is not valid JSON: Expecting .* at line 2 column 22"):
        twin.load(bad)


def test_unknown_crs(tmp_path: Path) -> None:
    layers = base_layers()
    doc = layers["fire_stations"]
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}}
    bad = write_city(tmp_path / "bad", **layers)
    with pytest.raises(twin.CityError, match=r"fire_stations.geojson: unknown CRS .*999999.*use an EPSG code"):
        twin.load(bad)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    bad = _broken(tmp_path, "cameras", [_cam("A", hfov_deg=200), _cam("B", tilt_deg=-100), _cam("C")])
    with pytest.raises(twin.CityError) as err:
        twin.load(bad)
    assert [p.feature_id for p in err.value.problems] == ["A", "B"]
    assert all(p.file == "cameras.geojson" for p in err.value.problems)


def test_self_intersecting_footprint_is_repaired_and_counted(tmp_path: Path) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[lonlat(0, 0), lonlat(10, 10), lonlat(10, 0), lonlat(0, 10), lonlat(0, 0)]],
    }
    bad = _broken(tmp_path, "buildings", [feature(bowtie, id="BT", height=6), feature(square(30, 30, 10), id="OK")])
    with pytest.warns(
        twin.CityRepairWarning, match=r"buildings.geojson: repaired 1 self-intersecting footprint\(s\) \(features 0\)"
    ):
        t = twin.load(bad)
    bt = next(b for b in t.buildings if b.id == "BT")
    assert bt.footprint.is_valid
    assert bt.footprint.area == pytest.approx(50.0, rel=2e-3)  # two triangles of 25 m2


def test_height_falls_back_to_levels_then_default(tmp_path: Path) -> None:
    bad = _broken(
        tmp_path,
        "buildings",
        [
            feature(square(0, 0, 10), id="H", height="12.5 m", **{"building:levels": 9}),
            feature(square(20, 0, 10), id="L", **{"building:levels": "3.5"}),
            feature(square(40, 0, 10), id="D"),
        ],
    )
    t = twin.load(bad)
    h = {b.id: b.height_m for b in t.buildings}
    assert h == {"H": 12.5, "L": 10.5, "D": DEFAULT_BUILDING_HEIGHT_M}


def test_bad_station_and_zone_values(tmp_path: Path) -> None:
    bad = _broken(tmp_path, "fire_stations", [feature(point(5, 5), id="FS9", trucks=-1)])
    with pytest.raises(twin.CityError, match=r'fire_stations.geojson feature 0 \("FS9"\): trucks must be >= 0, got -1'):
        twin.load(bad)
    bad = _broken(tmp_path / "z", "zones", [feature(square(0, 0, 200), id="Z9", fire_rate_per_year=-2)])
    with pytest.raises(twin.CityError, match=r'zones.geojson feature 0 \("Z9"\): fire_rate_per_year must be >= 0'):
        twin.load(bad)


def test_city_yaml_errors(tmp_path: Path) -> None:
    layers = base_layers()
    layers["city_yaml"] = "name: x\ncommand_center:\n  server_room: {servers: 4, gpus: 2}\n"
    with pytest.raises(twin.CityError, match=r"city.yaml: server_room: unknown setting\(s\) \['gpus'\]"):
        twin.load(write_city(tmp_path / "a", **layers))
    layers["city_yaml"] = "name: [unclosed\n"
    with pytest.raises(twin.CityError, match=r"city.yaml: is not valid YAML"):
        twin.load(write_city(tmp_path / "b", **layers))
    layers["city_yaml"] = "!!python/object/apply:os.system ['echo hacked']\n"
    with pytest.raises(twin.CityError, match=r"city.yaml: is not valid YAML"):
        twin.load(write_city(tmp_path / "c", **layers))


def test_missing_folder_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(twin.CityError, match=r"nowhere: does not exist"):
        twin.load(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(twin.CityError, match=r"holds no city layer: expected one of buildings.geojson"):
        twin.load(tmp_path / "empty")


def test_city_errors_are_value_errors() -> None:
    assert issubclass(twin.CityError, ValueError) and issubclass(twin.CityError, twin.TwinError)


def test_save_never_leaves_partial_files(city_dir: Path, tmp_path: Path) -> None:
    t = twin.load(city_dir)
    out = tmp_path / "o"
    twin.save(t, out)
    assert sorted(p.name for p in out.iterdir()) == [
        "buildings.geojson",
        "cameras.geojson",
        "city.yaml",
        "fire_stations.geojson",
        "roads.geojson",
        "zones.geojson",
    ]


def test_reverse_oneway_keeps_its_direction_through_a_round_trip(tmp_path: Path) -> None:
    layers = base_layers()
    layers["roads"] = fc([feature(line((0, 50), (200, 50)), id="RW", highway="residential", oneway="-1")])
    a = twin.load(write_city(tmp_path / "a", **layers))
    ((u, v, d),) = a.roads.edges(data=True)
    assert a.roads.nodes[u]["x"] > a.roads.nodes[v]["x"]  # travel runs west, against the drawn line
    assert d["geometry"].coords[0][0] > d["geometry"].coords[-1][0]
    twin.save(a, tmp_path / "b")
    b = twin.load(tmp_path / "b")
    ((u2, v2, _),) = b.roads.edges(data=True)
    assert b.roads.nodes[u2]["x"] > b.roads.nodes[v2]["x"]
