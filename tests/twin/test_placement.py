"""Planner: greedy against the MILP optimum and against brute force, constraints, candidates, errors, CLI."""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).parent))
from test_coverage_cities import FRAME, block_city, empty_city  # noqa: E402

import twin  # noqa: E402
from twin import Camera, Twin, TwinError  # noqa: E402
from twin.coverage import target_heights  # noqa: E402
from twin.placement import Lens, _site_pose_cells, plan_cameras, street_candidates  # noqa: E402
from twin.roads import RoadFeature, build_road_graph  # noqa: E402


@pytest.fixture(scope="module")
def city300() -> Twin:
    t = block_city(size_m=800, n_candidates=300, seed=3)
    rng = np.random.default_rng(0)
    for c in t.cameras[:25]:  # some cameras are already up
        c.status = "existing"
        c.heading_deg = float(rng.uniform(0, 360))
    for c in t.cameras[25:]:
        c.cost = float(rng.choice([1.0, 1.5, 2.0]))
    return t


def test_greedy_is_within_two_percent_of_the_milp_optimum(city300):
    # K = 20 from 275 sites x 8 headings, with HiGHS proving optimality
    plan = plan_cameras(city300, 20, exact=True, time_limit_s=120)
    assert plan.instance["poses"] == 275 * 8
    assert plan.exact is not None and plan.exact.optimal
    assert len(plan.cameras) == 20
    assert sum(plan.gains) <= plan.exact.value + 1e-6
    assert sum(plan.gains) >= 0.98 * plan.exact.value
    assert plan.gap is not None and plan.gap <= 0.02
    # greedy gains never grow (coverage is submodular)
    assert all(a >= b - 1e-9 for a, b in itertools.pairwise(plan.gains))


def test_constraints_hold_in_greedy_and_milp(city300):
    excluded = [c.id for c in city300.cameras[25:45]]
    plan = plan_cameras(
        city300, 15, exact=True, budget=18.0, min_spacing_m=60.0, exclude=excluded, backup_weight=0.5, time_limit_s=120
    )
    sites = {c.id: c for c in city300.cameras}
    chosen = [sites[c.name.removeprefix("site ")] for c in plan.cameras]
    assert not {s.id for s in chosen} & set(excluded)
    assert sum(s.cost for s in chosen) <= 18.0
    assert len({s.id for s in chosen}) == len(chosen)
    for a, b in itertools.combinations(chosen, 2):
        assert math.hypot(a.x - b.x, a.y - b.y) >= 60.0
    assert plan.exact.optimal and sum(plan.gains) <= plan.exact.value + 1e-6
    assert all(c.status == "planned" for c in plan.cameras)


def _brute_force(sets, c0, w1, w2, k, site_of):
    best = 0.0
    for combo in itertools.combinations(range(len(sets)), k):
        if len({site_of[p] for p in combo}) < k:
            continue
        n = dict(c0)
        for p in combo:
            for c in sets[p]:
                n[c] = n.get(c, 0) + 1
        v = sum(w1[c] for c, m in n.items() if m >= 1 and c0.get(c, 0) == 0 and c in w1)
        v += sum(w2[c] for c, m in n.items() if m >= 2 and c0.get(c, 0) < 2 and c in w2)
        best = max(best, v)
    return best


def test_milp_and_greedy_against_brute_force_on_a_tiny_instance():
    t = block_city(size_m=240, n_candidates=7, seed=9)
    plan = plan_cameras(t, 2, headings=4, exact=True, backup_weight=0.7, backup_min_priority=2.0)
    # recompute the objective by hand from each pose's cells, with python sets
    g = plan.raster
    tz = target_heights(g, 1.6)
    hd = np.arange(4) * 90.0
    sets, site_of = [], []
    for si, s in enumerate(t.cameras):
        for cells in _site_pose_cells(s, [Lens("site", 90.0)], hd, g, tz, 62.5, np.ones(g.cells, dtype=bool)):
            sets.append(set(cells.tolist()))
            site_of.append(si)
    w = (g.public * g.priority).ravel() * g.cell_area_m2
    w1 = {c: float(w[c]) for s in sets for c in s if w[c] > 0}
    w2 = {c: 0.7 * float(w[c]) for s in sets for c in s if w[c] > 0 and g.priority.ravel()[c] >= 2.0}
    opt = _brute_force(sets, {}, w1, w2, 2, site_of)
    assert plan.exact.value == pytest.approx(opt, rel=1e-9)
    assert sum(plan.gains) <= opt + 1e-9
    assert sum(plan.gains) >= (1 - 1 / math.e) * opt


def test_existing_cameras_are_kept_and_not_counted_again():
    cam = Camera("E", 40.0, 4.0, mount_height_m=6.0, heading_deg=90.0, tilt_deg=20.0, status="existing")
    twin_site = Camera("S", 40.0, 4.0, mount_height_m=6.0, heading_deg=0.0, tilt_deg=20.0, status="candidate")
    other = Camera("T", 200.0, 4.0, mount_height_m=6.0, heading_deg=0.0, tilt_deg=20.0, status="candidate")
    t = block_city(size_m=400, seed=4)
    t.cameras = [cam, twin_site, other]
    plan = plan_cameras(t, 1, headings=4)
    # site S looking east would only repeat E's view; it is worth less than T, or S looking elsewhere
    c = plan.cameras[0]
    assert not (c.name == "site S" and c.heading_deg == 90.0)
    assert plan.base_value > 0


def test_lens_catalogue_and_generated_street_poles():
    # a T: a 500 m street east from (0, 0) and a 100 m street north from its middle
    roads = [
        RoadFeature(id="a", line=shapely.LineString([(0, 0), (250, 0), (500, 0)]), highway="residential"),
        RoadFeature(id="b", line=shapely.LineString([(250, 0), (250, 100)]), highway="primary"),
    ]
    t = Twin(frame=FRAME, roads=build_road_graph(roads))
    poles = street_candidates(t, spacing_m=50.0)
    # the junction at (250, 0); on each 250 m half of "a" poles at 25, 75, .., 225 m (to 15 m before
    # its end): 5 each, 4.5 m off the centreline; on "b" at 25 and 75 m, 8 m off; sides alternate
    assert len(poles) == 1 + 5 + 5 + 2
    junction = [p for p in poles if (p.x, p.y) == (250.0, 0.0)]
    assert len(junction) == 1
    on_a = sorted((round(p.x, 6), round(abs(p.y), 6)) for p in poles if p.y != 0 and abs(p.y) < 5)
    assert on_a == [(x, 4.5) for x in (25.0, 75.0, 125.0, 175.0, 225.0, 275.0, 325.0, 375.0, 425.0, 475.0)]
    on_b = sorted((round(abs(p.x - 250), 6), round(p.y, 6)) for p in poles if p.y > 5)
    assert on_b == [(8.0, 25.0), (8.0, 75.0)]
    lenses = [Lens("wide", 100.0, 1920, 1080), Lens("tele", 30.0, 3840, 2160, cost=0.5)]
    plan = plan_cameras(t, 3, lenses=lenses, headings=4)
    assert plan.instance["poses"] == 13 * 4 * 2
    assert {c.hfov for c in plan.cameras} <= {100.0, 30.0}


def test_plan_errors_are_clear():
    t = block_city(size_m=240, n_candidates=5, seed=1)
    with pytest.raises(TwinError, match="cannot add 6 cameras: only 5 candidate sites"):
        plan_cameras(t, 6)
    with pytest.raises(TwinError, match="unknown level 'Gaze'"):
        plan_cameras(t, 1, level="Gaze")
    with pytest.raises(TwinError, match="unknown DORI profile"):
        plan_cameras(t, 1, profile="nope")
    with pytest.raises(TwinError, match="resolution must be > 0"):
        plan_cameras(t, 1, resolution_m=0.0)
    with pytest.raises(TwinError, match="not candidate sites"):
        plan_cameras(t, 1, exclude=["zzz"])
    with pytest.raises(TwinError, match="neither candidate cameras nor streets"):
        plan_cameras(empty_city(), 1)
    # no buildings is fine: open ground
    t.buildings = []
    assert len(plan_cameras(t, 2).cameras) == 2


def test_showroom_plan_writes_a_cameras_layer(tmp_path):
    import showroom

    t = block_city(size_m=320, n_candidates=40, seed=6)
    for c in t.cameras[:5]:
        c.status = "existing"
    twin.save(t, tmp_path / "city")
    out = tmp_path / "plan"
    argv = ["plan", "--city", str(tmp_path / "city"), "--add", "6", "--exact", "--out", str(out)]
    assert showroom.main(argv) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["added"] == 6 and len(s["gains"]) == 6 and s["exact"]["optimal"]
    assert s["gap"] <= 0.02
    assert s["after"]["public_share"]["Observe"] > s["before"]["public_share"]["Observe"]
    cams = twin.cityio.load_cameras(out / "plan.geojson", t.frame)
    assert [c.status for c in cams] == ["planned"] * 6
    for c in cams:  # back where the planner put them (to well under a millimetre)
        site = next(x for x in t.cameras if f"site {x.id}" == c.name)
        assert math.hypot(c.x - site.x, c.y - site.y) < 1e-3
    for name in ("plan.png", "marginal.png"):
        assert (out / name).stat().st_size > 10_000
    # the plan can be evaluated as a cameras file on top of the city
    assert showroom.main(["coverage", "--city", str(tmp_path / "city"), "--cameras", str(out / "plan.geojson"),
                          "--out", str(tmp_path / "cov")]) == 0
    assert json.loads((tmp_path / "cov" / "summary.json").read_text())["cameras"] == 11
    assert showroom.main(["plan", "--city", str(tmp_path / "city"), "--add", "500", "--out", str(out)]) == 2
