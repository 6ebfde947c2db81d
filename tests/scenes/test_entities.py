"""Sim entities from snapshots: closed-form fire sizes, interpolation along routes, colours in pixels."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from scenes.entities import SimEntities, fire_diameter_m, flame_height_m, load_rgb

from .conftest import make_twin


def test_fire_size_closed_forms():
    # Q = 1055 kW (a fast fire at 150 s) at 500 kW/m2: D = sqrt(4 * 1055 / (pi * 500)) = 1.6391 m;
    # Heskestad L = 0.235 * 1055^0.4 - 1.02 D = 0.235 * 16.192 - 1.672 = 2.133 m
    assert fire_diameter_m(1055.0) == pytest.approx(1.6391, abs=1e-3)
    assert flame_height_m(1055.0) == pytest.approx(2.133, abs=5e-3)
    assert flame_height_m(0.0) == 0.0
    assert flame_height_m(5000.0) > flame_height_m(1055.0)


def test_rack_colours_by_load():
    assert load_rgb(0.0) == pytest.approx((0.15, 0.75, 0.15))
    assert load_rgb(0.5) == pytest.approx((0.95, 0.75, 0.15))
    assert load_rgb(1.0) == pytest.approx((0.95, 0.1, 0.15))
    assert load_rgb(7.0) == load_rgb(1.0)


@dataclass
class Snap:
    t: float
    trucks: list


def test_trucks_interpolate_between_snapshots_and_along_routes():
    from panda3d.core import NodePath

    e = SimEntities(NodePath("r"))
    route = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]]
    e.push({"t": 0.0, "trucks": [{"id": "A", "x": 0.0, "y": 0.0}, {"id": "B", "route": route, "progress_m": 0.0}]})
    e.push(Snap(t=10.0, trucks=[{"id": "A", "x": 10.0, "y": 0.0}, {"id": "B", "route": route, "progress_m": 20.0}]))
    e.set_time(5.0)
    a, b = e.trucks["A"].get_pos(), e.trucks["B"].get_pos()
    assert (a[0], a[1]) == pytest.approx((5.0, 0.0))
    assert e.trucks["A"].get_h() == pytest.approx(-90.0), "heading east, from its motion"
    # halfway along the route is its corner, not the straight midpoint (5, 5)
    assert (b[0], b[1]) == pytest.approx((10.0, 0.0))
    e.set_time(99.0)
    assert e.trucks["A"].get_x() == pytest.approx(10.0), "never extrapolated past the last snapshot"
    e.push({"t": 20.0, "trucks": []})
    e.set_time(20.0)
    assert e.counts()["trucks"] == 0
    with pytest.raises(ValueError, match="'t'"):
        e.push({"trucks": []})


def test_the_sims_typed_snapshot_places_trucks_fires_and_racks():
    # the sim's SceneSnapshot (handed over by the root) is read by attribute, like any SnapshotLike
    from panda3d.core import NodePath

    from sim.snapshot import FireState, RackState, SceneSnapshot, TruckState

    e = SimEntities(NodePath("r"))
    route = ((0.0, 0.0), (30.0, 0.0), (30.0, 40.0))
    e.push(SceneSnapshot(0.0, trucks=(TruckState("A", 0.0, 0.0, "responding", route=route, progress_m=0.0),),
                         fires=(FireState("F", 5.0, 6.0, 1055.0),), racks=(RackState("R1", 0.25),)))
    e.push(SceneSnapshot(10.0, trucks=(TruckState("A", 0.0, 0.0, "responding", route=route, progress_m=50.0),),
                         fires=(FireState("F", 5.0, 6.0, 2055.0),), racks=(RackState("R1", 0.75),)))
    e.set_time(5.0)
    # 25 m along the route: still on its first leg (the corner is at 30 m)
    a = e.trucks["A"].get_pos()
    assert (a[0], a[1]) == pytest.approx((25.0, 0.0))
    assert e.counts() == {"trucks": 1, "fires": 1, "racks": 1}
    flame, _ = e.fires["F"]
    assert (flame.get_x(), flame.get_y()) == pytest.approx((5.0, 6.0))


def test_fire_truck_and_racks_in_pixels(rig):
    from twin import CommandCenter

    r = rig(make_twin(command_center=CommandCenter(x=-40.0, y=-50.0)))
    r.scene.push_snapshot(
        {
            "t": 0.0,
            "fires": [{"id": "F", "x": 0.0, "y": 0.0, "hrr_kw": 3000.0}],
            "trucks": [{"id": "E1", "x": 10.0, "y": 0.0, "heading_deg": 0.0}],
            "racks": [{"id": "R1", "load": 0.0}, {"id": "R2", "load": 1.0}],
        }
    )
    r.scene.set_sim_time(0.0)
    r.look((0, -30, 2.0), (0, 0, 1.0))
    img = r.render(1)
    b, g, rr = r.color_at(img, (0, 0, 0.8))
    assert rr > 200 and 60 < g < 170 and b < 80, f"the flame is orange, got BGR {(b, g, rr)}"
    b, g, rr = r.color_at(img, (10, 0, 1.5))
    assert rr > 120 and g < 60 and b < 60, "the truck is red"
    # two racks centred on the command center, 4 m apart, green and red, on the roof of the War Room's
    # building (a new 10 m block here: open ground; racks from z 11 m)
    roof = r.scene.warroom.layout.height_m + 1.0
    r.look((-40, -85, roof + 15), (-40, -50, roof + 5))
    img = r.render(1)
    b, g, rr = r.color_at(img, (-42, -50, roof + 5))
    assert g > 150 and rr < 80, "an idle rack is green"
    b, g, rr = r.color_at(img, (-38, -50, roof + 5))
    assert rr > 200 and g < 60, "a rack at full load is red"
    r.scene.set_overlay("entities", False)
    img = r.render(1)
    b, g, rr = r.color_at(img, (-38, -50, roof + 5))
    assert not (rr > 200 and g < 60)
