"""The city model's derived values against hand-computed figures."""

from __future__ import annotations

import math

import pytest
import shapely

import twin
from twin.roads import RoadFeature, build_road_graph, parse_maxspeed_kph, parse_oneway


def test_vfov_follows_the_aspect_ratio() -> None:
    cam = twin.Camera("c", 0, 0, hfov_deg=90.0, width_px=1920, height_px=1080)
    # tan(vfov/2) = tan(45 deg) * 1080/1920 = 0.5625 -> vfov = 58.72 deg
    assert cam.vfov == pytest.approx(2 * math.degrees(math.atan(0.5625)))
    assert cam.vfov == pytest.approx(58.72, abs=0.01)


def test_pose_correction_moves_the_lens() -> None:
    corr = twin.PoseCorrection(dx_m=0.5, dy_m=-1.0, dz_m=0.25)
    cam = twin.Camera("c", 10.0, 20.0, mount_height_m=6.0, correction=corr)
    assert cam.position == (10.5, 19.0, 6.25)
    assert twin.PoseCorrection().is_zero() and not cam.correction.is_zero()


def test_planned_bitrate_prefers_the_given_value() -> None:
    assert twin.Camera("c", 0, 0, bitrate_kbps=3000).planned_bitrate_kbps == 3000.0
    # 720p at 15 fps, H.265: 2300 x 0.5 x 0.85
    cam = twin.Camera("c", 0, 0, width_px=1280, height_px=720, fps=15, codec="h265")
    assert cam.planned_bitrate_kbps == pytest.approx(2300 * 0.5 * 0.85)


@pytest.mark.parametrize(
    ("tag", "kph"),
    [("50", 50.0), (40, 40.0), ("30 mph", 30 * 1.609344), ("30;50", 30.0), ("none", None), ("RU:urban", None),
     (None, None), ("0", None)],
)
def test_maxspeed_parsing(tag: object, kph: float | None) -> None:
    got = parse_maxspeed_kph(tag)
    assert got == (None if kph is None else pytest.approx(kph))


@pytest.mark.parametrize(("tag", "direction"), [("yes", 1), ("-1", -1), ("no", 0), (None, 0), (True, 1), ("1", 1)])
def test_oneway_parsing(tag: object, direction: int) -> None:
    assert parse_oneway(tag) == direction


def test_graph_routes_a_detour_by_travel_time() -> None:
    import networkx as nx

    # a 1 km primary at 50 km/h (72 s) against a 600 m residential shortcut at 30 km/h (72 s) + 400 m at 30 (48 s)
    g = build_road_graph(
        [
            RoadFeature("fast", shapely.LineString([(0, 0), (1000, 0)]), "primary"),
            RoadFeature("s1", shapely.LineString([(0, 0), (600, 0.5)]), "residential"),
            RoadFeature("s2", shapely.LineString([(600, 0.5), (1000, 0)]), "residential"),
        ]
    )
    a = next(n for n, d in g.nodes(data=True) if d["x"] == 0)
    b = next(n for n, d in g.nodes(data=True) if d["x"] == 1000)
    t = nx.shortest_path_length(g, a, b, weight="travel_time_s")
    assert t == pytest.approx(1000 / (50 / 3.6))


def test_bounds_cover_buildings_roads_and_zones() -> None:
    t = twin.Twin(
        frame=twin.LocalFrame(119.42, -5.14),
        buildings=[twin.Building("b", shapely.box(0, 0, 10, 10), 3.0)],
        roads=build_road_graph([RoadFeature("r", shapely.LineString([(-50, 5), (20, 5)]))]),
        zones=[twin.Zone("z", shapely.box(0, -30, 5, 0))],
    )
    assert t.bounds() == (-50.0, -30.0, 20.0, 10.0)  # the road reaches x = 20
