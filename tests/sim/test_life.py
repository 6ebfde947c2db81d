"""Street life (sim.life): vehicles stay on their lanes and out of buildings, pedestrians in public space,
the counts follow the hourly profile, and a seed gives the same streets bit for bit.

Checks are made with shapely on the twin's own geometry (road lines, ribbons, footprints, parks),
independently of the model's packed arrays and its interpolation.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

import twin
from sim.clock import SimClock
from sim.life import LifeModel, load_traffic_profile
from twin.raster import DEFAULT_STREET_WIDTH_M, PUBLIC_LANDUSE, STREET_WIDTH_M

CITY = Path(__file__).resolve().parents[2] / "assets" / "city"
PROFILE = Path(__file__).resolve().parents[2] / "sim" / "life" / "traffic_profile.json"
FRAMES = 40  # frames of 1/10 s wall time at 10x: 40 s of sim time, 200 life steps
#: the largest lane offset of the default city's classes (primary, 3.0 m) plus a motorcycle's lateral spread
MAX_OFF_LANE_M = 3.0 + 0.8


@pytest.fixture(scope="module")
def city() -> twin.Twin:
    return twin.load(CITY)


@pytest.fixture(scope="module")
def run(city):
    """One morning model stepped frame by frame by a SimClock, its states kept (the showroom's loop)."""
    m = LifeModel(city, seed=3, start_s=8 * 3600.0)
    clock = SimClock(m.env, speed=10.0)
    states = []
    for _ in range(FRAMES):
        clock.tick(0.1)
        states.append(m.state())
    return m, states


def _class(d):
    hw = d.get("highway")
    return hw[0] if isinstance(hw, list) else str(hw)


@pytest.fixture(scope="module")
def geometry(city):
    edges = city.road_edges()
    lines = np.array([d["geometry"] for d in edges], dtype=object)
    width = np.array([STREET_WIDTH_M.get(_class(d), DEFAULT_STREET_WIDTH_M) for d in edges])
    ribbons = shapely.union_all(shapely.buffer(lines, width / 2.0, cap_style="flat"))
    parks = shapely.union_all([z.polygon for z in city.zones if z.landuse.lower() in PUBLIC_LANDUSE])
    buildings = shapely.union_all(city.footprints)
    public = shapely.difference(shapely.union(ribbons, parks), buildings)
    shapely.prepare(public)
    shapely.prepare(buildings)
    return shapely.STRtree(lines), lines, ribbons, public, buildings


def test_vehicles_move_along_their_lanes_and_never_through_buildings(run, geometry) -> None:
    m, states = run
    tree, lines, ribbons, _, buildings = geometry
    first, last = states[0], states[-1]
    assert len(last.vehicle_xy) > 1000
    for st in states[::8] + [last]:
        xy = st.vehicle_xy.astype(float)
        _, dist = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
        # within its lane's offset (+ a motorcycle's spread) of a road's centreline, inside the street's ribbon
        assert dist.max() <= MAX_OFF_LANE_M + 1e-3
        # inside the street's right of way (flat-capped ribbons leave a notch at the outside of a bend:
        # a vehicle waiting at an edge's very start may stand in it, within a metre of the ribbon)
        d_rib = shapely.distance(ribbons, shapely.points(xy))
        assert (d_rib == 0).mean() > 0.995 and d_rib.max() < 1.0, d_rib.max()
        # the vehicle's four corners (length by kind, 1.8 m wide) stand outside every footprint
        length = m.profile.fleet_length_m[st.vehicle_kind]
        h = st.vehicle_heading_rad.astype(float)
        fwd = np.stack([np.cos(h), np.sin(h)], 1) * (length / 2)[:, None]
        left = np.stack([-np.sin(h), np.cos(h)], 1) * 0.9
        corners = np.concatenate([xy + a * fwd + b * left for a in (-1, 1) for b in (-1, 1)])
        assert not shapely.contains_xy(buildings, corners[:, 0], corners[:, 1]).any()
    # they move: the same vehicles (by id) travelled, at street speeds (40 s at up to 50 km/h)
    common, ia, ib = np.intersect1d(first.vehicle_id, last.vehicle_id, return_indices=True)
    moved = np.hypot(*(last.vehicle_xy[ib] - first.vehicle_xy[ia]).T)
    assert len(common) > 500
    assert np.median(moved) > 50.0
    assert moved.max() < 40.0 * 50 / 3.6 * 1.1 + 1.0


def test_no_vehicle_runs_into_the_one_ahead(run) -> None:
    m, _ = run
    idx = np.flatnonzero(m.v_alive)
    e, s = m.v_edge[idx], m.v_s[idx]
    half = m.profile.fleet_length_m[m.v_kind[idx]] / 2
    order = np.lexsort((s, e))
    e, s, half = e[order], s[order], half[order]
    same = e[1:] == e[:-1]
    gap = (s[1:] - half[1:]) - (s[:-1] + half[:-1])
    # vehicles meeting where two roads merge may touch for a step; none on the same edge overlaps by more
    assert (gap[same] >= -0.5).mean() > 0.995


def test_pedestrians_stay_in_public_space(run, geometry) -> None:
    _, states = run
    _, _, _, public, _ = geometry
    for st in states[::8] + [states[-1]]:
        xy = st.pedestrian_xy.astype(float)
        assert len(xy) > 500
        inside = shapely.dwithin(public, shapely.points(xy), 0.05)
        assert inside.all(), xy[~inside][:5]


def test_same_seed_same_streets_bit_for_bit_and_another_seed_differs(city) -> None:
    def positions(seed: int) -> tuple[bytes, bytes]:
        m = LifeModel(city, seed=seed, start_s=17.5 * 3600)
        m.env.run(until=12.0)
        st = m.state()
        return st.vehicle_xy.tobytes() + st.vehicle_kind.tobytes(), st.pedestrian_xy.tobytes()

    a, b, c = positions(11), positions(11), positions(12)
    assert a == b
    assert a[0] != c[0] and a[1] != c[1]


def test_vehicle_count_follows_the_hourly_profile(city) -> None:
    """Count at 08:00 and 03:00 against the profile's density x road length, summed by hand from the JSON."""
    prof = json.loads(PROFILE.read_text())
    per_km = {k: v["vehicles_per_km"] for k, v in prof["classes"].items()}
    peak = sum(
        d["length_m"] / 1000 * per_km.get(_class(d), prof["default_class"]["vehicles_per_km"])
        for _, _, d in city.roads.edges(data=True)
    )
    counts = {}
    for hour in (8, 3):
        m = LifeModel(city, seed=5, start_s=hour * 3600.0)
        m.env.run(until=30.0)
        counts[hour] = m.counts()["vehicles"]
        want = (
            peak
            * prof["hourly_vehicles"][hour]
            * (1 + 30 / 3600 * (prof["hourly_vehicles"][hour + 1] - prof["hourly_vehicles"][hour]))
        )
        # the model holds its target to a vehicle or two (spawns fill it each step, leavers wait for a node);
        # its lengths are the polylines', the sum here the graph's length_m: 1% and 3 vehicles
        assert abs(counts[hour] - want) <= 0.01 * want + 3, (hour, counts[hour], want)
    ratio = prof["hourly_vehicles"][8] / prof["hourly_vehicles"][3]
    assert counts[8] / counts[3] == pytest.approx(ratio, rel=0.05)


def test_paused_clock_freezes_the_streets(city) -> None:
    m = LifeModel(city, seed=1)
    clock = SimClock(m.env, speed=1.0)
    clock.tick(0.5)
    clock.pause()
    a = m.state()
    for _ in range(5):
        clock.tick(0.2)
    b = m.state()
    assert a.t == b.t and np.array_equal(a.vehicle_xy, b.vehicle_xy)
    clock.resume()
    clock.tick(0.5)
    assert not np.array_equal(m.state().vehicle_xy, a.vehicle_xy)


def test_a_bad_profile_names_the_file_and_the_field(tmp_path) -> None:
    raw = json.loads(PROFILE.read_text())
    raw["hourly_vehicles"] = raw["hourly_vehicles"][:23]
    p = tmp_path / "busy.json"
    p.write_text(json.dumps(raw))
    with pytest.raises(twin.TwinError, match=r"busy\.json: hourly_vehicles must list 24 hourly values"):
        load_traffic_profile(p)
    raw = json.loads(PROFILE.read_text())
    raw["fleet"]["car"]["share"] = 0.5
    p.write_text(json.dumps(raw))
    with pytest.raises(twin.TwinError, match=r"busy\.json: fleet shares must sum to 1"):
        load_traffic_profile(p)


def test_footways_carry_pedestrians_and_never_vehicles() -> None:
    """A square of residential streets with a footway across it: walkers use the footway, cars never do."""
    from twin.roads import RoadFeature, build_road_graph

    c = [(-100.0, -100.0), (100.0, -100.0), (100.0, 100.0), (-100.0, 100.0)]
    feats = [RoadFeature(f"R{k}", shapely.LineString([c[k], c[(k + 1) % 4]]), highway="secondary") for k in range(4)]
    feats.append(RoadFeature("F", shapely.LineString([(-100.0, 0.0), (100.0, 0.0)]), highway="footway"))
    # the footway meets the streets at their middles: split them there so it joins the graph
    feats[1] = RoadFeature("R1a", shapely.LineString([(100.0, -100.0), (100.0, 0.0)]), highway="secondary")
    feats.append(RoadFeature("R1b", shapely.LineString([(100.0, 0.0), (100.0, 100.0)]), highway="secondary"))
    feats[3] = RoadFeature("R3a", shapely.LineString([(-100.0, 100.0), (-100.0, 0.0)]), highway="secondary")
    feats.append(RoadFeature("R3b", shapely.LineString([(-100.0, 0.0), (-100.0, -100.0)]), highway="secondary"))
    city = twin.Twin(frame=twin.LocalFrame(119.42, -5.14), roads=build_road_graph(feats), extent=(-150, -150, 150, 150))
    m = LifeModel(city, seed=2, start_s=12 * 3600.0, scale=4.0)
    footway = shapely.LineString([(-90.0, 0.0), (90.0, 0.0)])  # its middle, away from the junctions
    on_foot = 0
    for _ in range(10):
        m.env.run(until=m.env.now + 5.0)
        st = m.state()
        v = shapely.distance(footway, shapely.points(st.vehicle_xy.astype(float)))
        assert v.min() > 5.0, "a vehicle on the footway"
        p = shapely.distance(footway, shapely.points(st.pedestrian_xy.astype(float)))
        on_foot += int((p < 0.5).sum())
    # 20 walkers per km at the noon peak (1.0) x 4: 0.2 km x 2 directions x 80/km = 32 on it at any time
    assert on_foot >= 10 * 16


def test_long_steps_of_a_fast_clock_keep_vehicles_on_lanes_and_apart(city, geometry) -> None:
    """At 600x the showroom steps street life 2 s at a time: still on the lanes, still no one inside the one ahead."""
    tree, _, _, _, _ = geometry
    m = LifeModel(city, seed=9, step_s=2.0)
    m.env.run(until=120.0)
    xy = m.state().vehicle_xy.astype(float)
    _, dist = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    assert dist.max() <= MAX_OFF_LANE_M + 1e-3
    idx = np.flatnonzero(m.v_alive)
    e, s = m.v_edge[idx], m.v_s[idx]
    half = m.profile.fleet_length_m[m.v_kind[idx]] / 2
    order = np.lexsort((s, e))
    e, s, half = e[order], s[order], half[order]
    same = e[1:] == e[:-1]
    gap = (s[1:] - half[1:]) - (s[:-1] + half[:-1])
    assert (gap[same] >= -0.5).mean() > 0.995
    assert np.median(m.v_speed[idx]) > 5.0  # and they still drive
