"""The fire model end to end: determinism, cameras in the loop, fire size, bad input, the command."""

from __future__ import annotations

import json

import numpy as np
import pytest

import showroom
import twin
from sim.fire import FireParams, Lognormal, grid_town, run_fire
from sim.firegrowth import heat_release_kw
from twin import TwinError


@pytest.fixture(scope="module")
def town() -> twin.Twin:
    return grid_town(cameras=40, fire_rate_per_year=400)


@pytest.fixture(scope="module")
def study(town: twin.Twin):
    return run_fire(town, cameras="existing", days=365, seed=3)


def _strip_timing(s: dict) -> dict:
    return {k: v for k, v in s.items() if k != "timing_s"}


def test_same_seed_same_numbers(town: twin.Twin, study) -> None:
    again = run_fire(town, cameras="existing", days=365, seed=3)
    assert json.dumps(_strip_timing(again.summary), sort_keys=True) == json.dumps(
        _strip_timing(study.summary), sort_keys=True)
    assert again.with_cameras.outcome.events == study.with_cameras.outcome.events
    other = run_fire(town, cameras="existing", days=365, seed=4)
    assert not np.array_equal(other.incidents.t_s[:5], study.incidents.t_s[:5])


def test_cameras_only_ever_make_detection_sooner(study) -> None:
    w = study.with_cameras.outcome
    wo = study.without_cameras.outcome
    det_w = w.t_detect - w.t_ignite
    det_wo = wo.t_detect - wo.t_ignite
    # the citizen's call of each fire, by hand from its drawn normal: the lognormal median * exp(sigma * z)
    p = FireParams()
    call_s = p.call_delay.median_s * np.exp(p.call_delay.sigma * study.incidents.z["call"])
    # without cameras every fire is a citizen's call, detected exactly that long after ignition
    assert (wo.source == 0).all()
    assert det_wo == pytest.approx(call_s, rel=1e-9, abs=1e-6)
    # with cameras a fire first reported by a call is detected at the same moment (common random
    # numbers), and a fire seen on the video (an operator or the analytics) strictly sooner
    by_call = w.source == 0
    assert by_call.any() and (~by_call).any()
    assert det_w[by_call] == pytest.approx(call_s[by_call], rel=1e-9, abs=1e-6)
    assert (det_w[~by_call] < call_s[~by_call]).all()
    saved = study.summary["camera_minutes_saved"]
    assert saved["incidents_helped"] > 0 and saved["mean"] > 0
    # the paired difference, recomputed from the two runs' times
    d = ((wo.t_water - wo.t_ignite) - (w.t_water - w.t_ignite)) / 60.0
    assert saved["mean"] == pytest.approx(float(d.mean()))


def test_fire_size_at_water_on_is_t_squared(study) -> None:
    o, inc = study.with_cameras.outcome, study.incidents
    age = o.t_water - o.t_ignite
    want = np.minimum(inc.alpha * age**2, inc.vent_kw)
    np.testing.assert_allclose(o.q_water_kw, want, rtol=1e-12)
    at_arrival = np.minimum(inc.alpha * (o.t_arrive - o.t_ignite) ** 2, inc.vent_kw)
    np.testing.assert_allclose(o.q_arrive_kw, at_arrival, rtol=1e-12)
    assert (o.q_arrive_kw <= o.q_water_kw).all()
    # flashover exactly when alpha t^2 reached the room's threshold before water was on
    np.testing.assert_array_equal(o.flashed_over, inc.alpha * age**2 >= inc.flashover_kw)
    assert float(heat_release_kw(age[0], inc.growth_name(0))) == pytest.approx(inc.alpha[0] * age[0] ** 2)


def test_phases_add_up_and_trucks_come_home(study) -> None:
    o = study.with_cameras.outcome
    ph = o.phases()
    own = o.station >= 0
    np.testing.assert_allclose((ph["call_processing"] + ph["turnout"] + ph["travel"])[own], ph["response"][own])
    np.testing.assert_allclose((ph["response"] + ph["setup"]), ph["total"])
    assert np.isfinite(o.t_back[own]).all()
    # a truck is never out twice at once
    for iv in o.busy:
        a = np.asarray(iv)
        if len(a) > 1:
            assert (a[1:, 0] >= a[:-1, 1] - 1e-9).all()
    s = study.summary
    assert set(s["with_cameras"]["compliance"]["phases"]) == {"dispatch_prep", "travel", "setup", "total"}
    assert 0 <= s["with_cameras"]["flashover_share"] <= 1
    assert "hypercube" in s and set(s["hypercube"]["truck_busy"]) == {"ST1-E1", "ST1-E2", "ST2-E1", "ST2-E2"}


def test_more_cameras_save_more(town: twin.Twin) -> None:
    none = run_fire(town, cameras="none", days=120, seed=9, compare=False)
    alls = run_fire(town, cameras="all", days=120, seed=9, compare=False)
    a = none.with_cameras.outcome
    b = alls.with_cameras.outcome
    assert (b.t_detect - b.t_ignite <= a.t_detect - a.t_ignite + 1e-9).all()


def test_bad_input_is_a_clear_error(town: twin.Twin) -> None:
    with pytest.raises(TwinError, match="days must be > 0"):
        run_fire(town, days=-1)
    with pytest.raises(TwinError, match="rate_scale must be >= 0"):
        run_fire(town, days=1, rate_scale=-2)
    with pytest.raises(TwinError, match="unknown fire standard"):
        run_fire(town, days=1, standard="iso9001")
    with pytest.raises(TwinError, match="median_s >= 0"):
        Lognormal(-5.0, 0.3)
    with pytest.raises(TwinError, match="probability"):
        FireParams(analytics_share=1.5)
    with pytest.raises(TwinError, match="cameras 'nope' is no such file"):
        run_fire(town, days=1, cameras="nope")


def test_showroom_fire_writes_its_outputs(town: twin.Twin, tmp_path) -> None:
    city = tmp_path / "city"
    twin.save(town, city)
    out = tmp_path / "out"
    rc = showroom.main(["fire", "--city", str(city), "--days", "60", "--seed", "2", "--standard", "nfpa1710",
                        "--out", str(out)])
    assert rc == 0
    for f in ("summary.json", "fire_cdf.png", "fire_drive_time.png", "incidents.csv", "events.csv"):
        assert (out / f).stat().st_size > 0
    s = json.loads((out / "summary.json").read_text())
    assert s["standard"] == "nfpa1710"
    assert {"with_cameras", "without_cameras", "camera_minutes_saved", "camera_set", "hypercube"} <= set(s)
    assert set(s["with_cameras"]["compliance"]["phases"]) == {"call_processing", "turnout", "travel"}
    rows = (out / "incidents.csv").read_text().splitlines()
    assert len(rows) == s["with_cameras"]["incidents"] + 1
    assert showroom.main(["fire", "--city", str(city), "--days", "1", "--standard", "bogus",
                          "--out", str(tmp_path / "bad")]) == 2


def test_a_closure_that_cuts_the_way_home_still_ends() -> None:
    import shapely

    from sim.fire._engine import FireEngine, Inject
    from sim.fire._incidents import make_incidents
    from sim.operators import Roster
    from sim.travel import TravelModel
    from twin import FireStation
    from twin.roads import RoadFeature, build_road_graph

    g = build_road_graph([RoadFeature("a", shapely.LineString([(0, 0), (300, 0)]), "residential")])
    st = [FireStation("S", 0.0, 0.0, trucks=1)]
    tm = TravelModel(g, st)
    p = FireParams()
    inc = make_incidents(tm, t_s=np.array([10.0]), x=np.array([300.0]), y=np.array([5.0]), zone=np.array([-1]),
                         building=np.array([-1]), growth=np.array([2]), params=p, rng=np.random.default_rng(1))
    closure = Inject(600.0, "road_closure", {"edges": sorted(tm.edges_near(150.0, 0.0, 5.0), key=str)})
    eng = FireEngine(st, tm, inc, p, camera_va_s=np.full(1, np.inf), camera_op_s=np.full(1, np.inf),
                     roster=Roster(), horizon_s=86400.0, injects=[closure], log_routes=True)
    o = eng.run()
    assert o.t_arrive[0] < 600.0 < o.t_leave[0] < o.t_back[0] < np.inf
    # a later fire at the cut-off end goes to mutual aid: no station reaches it any more
    assert eng.options(0)[0].station_id == "mutual_aid"
