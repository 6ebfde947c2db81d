"""The metropolis generator: deterministic, the default district's density and road hierarchy, clean errors."""

from __future__ import annotations

import hashlib
from collections import Counter

import networkx as nx
import numpy as np
import pytest
import shapely

import twin
from twin.generate import generate_city, generate_metropolis


@pytest.fixture(scope="module")
def metro() -> twin.Twin:
    return generate_metropolis(width_km=2.6, height_km=2.2, seed=11)


def _digest(t: twin.Twin) -> str:
    h = hashlib.sha256()
    for b in t.buildings:
        h.update(shapely.to_wkb(b.footprint) + repr((b.id, b.height_m)).encode())
    for c in t.cameras:
        h.update(repr((c.id, c.x, c.y, c.heading_deg, c.hfov, c.type)).encode())
    for _, _, d in t.roads.edges(data=True):
        h.update(shapely.to_wkb(d["geometry"]))
    return h.hexdigest()


def test_same_seed_same_city_other_seed_other_city(metro: twin.Twin) -> None:
    assert _digest(generate_metropolis(width_km=2.6, height_km=2.2, seed=11)) == _digest(metro)
    assert _digest(generate_metropolis(width_km=2.6, height_km=2.2, seed=12)) != _digest(metro)


def test_extent_cameras_and_stations(metro: twin.Twin) -> None:
    x0, y0, x1, y1 = shapely.total_bounds(metro.footprints)
    assert -1300 <= x0 < -1100 and 1100 < x1 <= 1300 and -1100 <= y0 < -900 and 900 < y1 <= 1100
    # 16 cameras a km2 by default: 2.6 x 2.2 km -> 92 (rounded), all existing, none in a building
    assert len(metro.cameras) == 92 and {c.status for c in metro.cameras} == {"existing"}
    pts = shapely.points([(c.x, c.y) for c in metro.cameras])
    assert not shapely.STRtree(metro.footprints).query(pts, predicate="intersects").size
    xy = np.array([(c.x, c.y) for c in metro.cameras])
    from scipy.spatial import cKDTree

    # cameras stand 90 m apart at junctions (plus a few metres along a street from each)
    assert cKDTree(xy).query(xy, k=2)[0][:, 1].min() > 90.0 - 2 * 6.0 - 2 * 10.0
    assert len(metro.fire_stations) == 2 * 2  # one per 1.25 km square


def test_density_and_road_hierarchy_match_the_default_district(metro: twin.Twin) -> None:
    ref = generate_city(seed=20141015)
    land_ref = sum(z.polygon.area for z in ref.zones if z.landuse != "water") / 1e6
    land = 2.6 * 2.2
    dens_ref, dens = len(ref.buildings) / land_ref, len(metro.buildings) / land
    assert 0.7 < dens / dens_ref < 1.4, (dens, dens_ref)

    def road_km(t: twin.Twin) -> Counter:
        c: Counter = Counter()
        for d in t.road_edges():
            c[d["highway"]] += d["geometry"].length / 1000.0
        return c

    a, b = road_km(ref), road_km(metro)
    assert {"primary", "secondary", "residential"} <= set(b)
    # arterials (primary + secondary) as a share of all street length: within 10 points of the default's
    share = lambda c: (c["primary"] + c["secondary"]) / sum(c.values())  # noqa: E731
    assert abs(share(a) - share(b)) < 0.10, (share(a), share(b))
    assert 0.7 < (sum(b.values()) / land) / (sum(a.values()) / land_ref) < 1.4
    und = nx.Graph(metro.roads.to_undirected())
    assert nx.number_connected_components(und) == 1


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"width_km": 0.1, "height_km": 5, "seed": 1}, "width must be between 0.5 and 200 km, got 0.1"),
        ({"width_km": 5, "height_km": float("nan"), "seed": 1}, "height must be between"),
        ({"width_km": 5, "height_km": 5, "seed": -1}, "seed must be a non-negative integer"),
        ({"width_km": 1, "height_km": 1, "seed": 1, "cameras_per_km2": 500}, "has room for .* cameras"),
    ],
)
def test_bad_sizes_are_one_clear_error(kw: dict, match: str) -> None:
    with pytest.raises(twin.TwinError, match=match):
        generate_metropolis(**kw)
