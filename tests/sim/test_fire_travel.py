"""Travel-time matrices on hand-built road graphs, and camera sight lines on hand-built scenes."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from sim.fire._detect import sightings
from sim.travel import TravelModel, TravelParams
from twin import Camera, FireStation, TwinError, optics
from twin.roads import RoadFeature, build_road_graph


def _line(fid: str, pts: list[tuple[float, float]], hw: str = "residential", oneway: str | None = None) -> RoadFeature:
    return RoadFeature(fid, shapely.LineString(pts), hw, oneway=oneway)


def test_routed_times_by_hand() -> None:
    # a 3-node street, 100 m per block, residential: a fire truck cruises at 25 km/h (6.944 m/s)
    g = build_road_graph([_line("a", [(0, 0), (100, 0), (200, 0)])])
    tm = TravelModel(g, [FireStation("S", 0.0, 0.0)], TravelParams(accel_mps2=0.8))
    far = tm.index[next(n for n, d in g.nodes(data=True) if d["x"] == 200)]
    # 200 m: 28.8 s cruising + v / a = 8.68 s for starting and stopping
    assert tm.fwd_m[0, far] == pytest.approx(200.0)
    assert tm.fwd_s[0, far] == pytest.approx(28.8 + 6.9444 / 0.8, rel=1e-4)
    assert tm.back_s[0, far] == pytest.approx(tm.fwd_s[0, far])
    assert tm.fwd_s[0, tm.station_node[0]] == 0.0
    assert tm.route_out(0, far) == [tm.station_node[0], far]  # one edge: the line has no junction inside


def test_fastest_parallel_edge_one_way_and_closure() -> None:
    # two roads between the same junctions: a primary (50 km/h) and a lane (25 km/h); a one-way back edge
    g = build_road_graph([
        _line("lane", [(0, 0), (0, 50), (400, 50), (400, 0)]),
        _line("main", [(0, 0), (400, 0)], "primary", oneway="yes"),
    ])
    st = [FireStation("S", 0.0, 0.0)]
    tm = TravelModel(g, st, TravelParams(accel_mps2=0.0))
    end = tm.snap(np.array([[400.0, 0.0]]))[0][0]
    assert tm.fwd_s[0, end] == pytest.approx(400 / (50 / 3.6))  # the primary, 28.8 s
    # back against the one-way: along the lane, 500 m at 25 km/h = 72 s
    assert tm.back_s[0, end] == pytest.approx(500 / (25 / 3.6))
    closed = tm.with_closures(tm.edges_near(200.0, 0.0, 5.0))
    assert closed.fwd_s[0, end] == pytest.approx(500 / (25 / 3.6))
    assert closed.fwd_m[0, end] == pytest.approx(500.0)


def test_realised_time_is_fdsim_affine_times_congestion_and_noise() -> None:
    g = build_road_graph([_line("a", [(0, 0), (100, 0)])])
    cong = tuple([1.0] * 8 + [1.5] + [1.0] * 15)
    tm = TravelModel(g, [FireStation("S", 0.0, 0.0)], TravelParams(a_s=10.0, b=1.2, sigma=0.2,
                                                                    congestion_by_hour=cong))
    # (10 + 1.2 * 100) * 1.5 (08:00-09:00) * exp(0.2 * 1.0) = 195 * 1.22140 = 238.17
    assert tm.realise_one(100.0, 8.5 * 3600, 1.0) == pytest.approx(238.17, rel=1e-4)
    assert float(tm.realise(np.array(100.0), 8.5 * 3600, np.array(1.0))) == pytest.approx(238.17, rel=1e-4)
    # a scenario that starts at 07:00: sim time 1.5 h is 08:30
    assert tm.realise_one(100.0, 1.5 * 3600, 0.0, start_hour=7.0) == pytest.approx(130 * 1.5)
    with pytest.raises(TwinError, match="24 positive factors"):
        TravelParams(congestion_by_hour=(1.0,) * 23)


def test_no_roads_or_stations_is_a_clear_error() -> None:
    g = build_road_graph([_line("a", [(0, 0), (100, 0)])])
    with pytest.raises(TwinError, match="no fire stations"):
        TravelModel(g, [])


def test_detect_range_matches_reference() -> None:
    # REFERENCE.md: 1920 px at 90 deg reaches Detect (25 px/m) to 38.4 m
    assert float(optics.range_m(optics.focal_px(90.0, 1920, 1080), 25.0)) == pytest.approx(38.4)


def _scene(blocker_h: float | None) -> tuple[list[Camera], np.ndarray, np.ndarray]:
    cam = Camera("C", 0.0, 0.0, mount_height_m=8.0, heading_deg=90.0, hfov_deg=90.0)  # looks east
    fps = [
        shapely.box(25, -5, 30, 5),  # 0: east, 25 m away: in the cone and in range
        shapely.box(-30, -5, -25, 5),  # 1: behind the camera
        shapely.box(60, -5, 70, 5),  # 2: east but beyond 38.4 m
        shapely.box(5, 20, 10, 30),  # 3: north-east at 45+ deg off the heading: outside the cone
    ]
    h = [10.0, 10.0, 10.0, 10.0]
    if blocker_h is not None:
        fps.append(shapely.box(12, -8, 15, 8))  # 4: a building across the sight line to 0
        h.append(blocker_h)
    return [cam], np.array(fps, dtype=object), np.array(h)


@pytest.mark.parametrize(("blocker_h", "seen"), [(None, True), (3.0, True), (12.0, False)])
def test_sight_lines_cone_range_and_occlusion(blocker_h: float | None, seen: bool) -> None:
    cams, fps, h = _scene(blocker_h)
    sg = sightings(cams, fps, h, fps, h, target_obstacle=np.arange(len(fps)))
    assert bool(sg.seen[0]) is seen
    # behind, too far, outside the cone: never seen
    assert not sg.seen[1] and not sg.seen[2] and not sg.seen[3]
    if seen:
        # pixel density at the nearest face (25 m ground, 8 -> 8 m: slant 25 m): 1920 / (2 * 25 * tan 45) = 38.4
        assert sg.ppm[0] == pytest.approx(38.4, rel=1e-6)
