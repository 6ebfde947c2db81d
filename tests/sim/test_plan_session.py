"""Planning by hand (sim.planning.PlanSession) on the default city at 1 m.

Independent references: a full :func:`twin.compute_coverage` for the incremental coverage, the
greedy of :func:`twin.plan_cameras` on the neighbourhood's candidates for the suggestion, the real
``showroom coverage --cameras FILE`` command for a saved plan.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import twin
from sim.planning import PlanSession

ROOT = Path(__file__).resolve().parents[2]
CITY = ROOT / "assets" / "city"


@pytest.fixture(scope="module")
def city() -> twin.Twin:
    return twin.load(CITY)


@pytest.fixture(scope="module")
def raster(city: twin.Twin) -> twin.HeightRaster:
    return twin.build_raster(city, resolution_m=1.0)


@pytest.fixture
def session(city: twin.Twin, raster: twin.HeightRaster):
    s = PlanSession(city, raster=raster, fire=False, servers=False, seed=0)
    yield s
    s.close()


def _street_point(city: twin.Twin, k: int) -> tuple[float, float]:
    """A candidate pole of the city (on a kerb, outside buildings), picked by index."""
    c = city.cameras_by_status("candidate")[k]
    return c.x, c.y


def test_fifty_edits_with_undo_redo_equal_a_full_recompute(session: PlanSession, city: twin.Twin,
                                                           raster: twin.HeightRaster) -> None:
    rng = np.random.default_rng(7)
    lenses = list(twin.LENSES)
    ops = ["place", "move", "aim", "place", "undo", "redo", "delete", "lens", "undo", "place"]
    mine: list[str] = []
    for k in range(50):
        op = ops[k % len(ops)]
        if op == "place" or not mine and op in ("move", "aim", "delete", "lens"):
            x, y = _street_point(city, int(rng.integers(0, 2000)))
            mine.append(session.place(x, y, lens=lenses[k % len(lenses)], heading_deg=float(rng.uniform(0, 360))))
        elif op == "move":
            cid = mine[-1]
            c = session.camera(cid)
            session.move(cid, x_m=c.x + float(rng.uniform(-30, 30)), y_m=c.y + float(rng.uniform(-30, 30)))
        elif op == "aim":
            # an existing city camera re-aimed, too
            cid = session.cameras[k % 100].id
            session.move(cid, heading_deg=float(rng.uniform(0, 360)), tilt_deg=float(rng.uniform(5, 35)))
        elif op == "delete":
            cid = session.cameras[k].id
            session.delete(cid)
            if cid in mine:
                mine.remove(cid)
        elif op == "lens":
            session.move(mine[-1], lens=lenses[(k * 3) % len(lenses)])
        elif op == "undo":
            assert session.undo()
        else:
            session.redo()
        mine = [c for c in mine if c in {x.id for x in session.cameras}]
    full = twin.compute_coverage(city, session.cameras, raster=raster)
    assert np.array_equal(session.levels, full.best)
    assert np.array_equal(session.state.count, full.count)
    s = full.summary(blind_spots=0)
    assert session.panel().area_m2_by_level["after"] == s["area_m2"]
    assert session.panel().public_share_by_level["after"] == s["public_share"]
    assert len(session.history) >= 50


def test_undo_restores_the_plan_as_loaded(session: PlanSession, city: twin.Twin, raster: twin.HeightRaster) -> None:
    before = session.levels.copy()
    x, y = _street_point(city, 77)
    cid = session.place(x, y, heading_deg=90.0)
    # the camera's own DORI zones, placed on the raster by their geotransform, are its coverage alone
    zones, gt = session.camera_levels(cid)
    alone = twin.compute_coverage(city, [session.camera(cid)], raster=raster).best
    i0, j0 = round((raster.ymax - gt[3]) / raster.res_m), round((gt[0] - raster.xmin) / raster.res_m)
    assert zones.any() and np.array_equal(alone[i0:i0 + zones.shape[0], j0:j0 + zones.shape[1]], zones)
    assert int((alone > 0).sum()) == int((zones > 0).sum())
    w = session.last_window
    assert w is not None and w[0] <= i0 and w[2] <= j0
    session.move(cid, heading_deg=180.0)
    session.delete(session.cameras[0].id)
    assert session.undo() and session.undo() and session.undo()
    assert not session.undo()
    assert np.array_equal(session.levels, before)
    assert session.panel().area_m2_by_level["delta"] == {n: 0.0 for n in session.profile.names}
    assert session.redo()
    assert cid in {c.id for c in session.cameras}


def test_saved_plan_gives_the_panel_figures_in_the_real_cli(session: PlanSession, city: twin.Twin,
                                                              tmp_path: Path) -> None:
    """Place, move, aim, delete (a city camera too), save; ``showroom coverage --cameras FILE`` agrees."""
    a = session.place(*_street_point(city, 10), lens="bullet-6mm-1080p", heading_deg=45.0)
    b = session.place(*_street_point(city, 500), lens="dome-fisheye-5mp", by="ana")
    session.move(a, x_m=session.camera(a).x + 7.3, heading_deg=300.0)
    session.move(session.cameras[3].id, heading_deg=123.0, by="budi")
    gone = session.cameras[5].id
    session.delete(gone)
    session.lock(b, by="ana")
    panel = session.panel()
    plan = tmp_path / "plan.geojson"
    session.save(plan)
    out = tmp_path / "cov"
    r = subprocess.run([sys.executable, str(ROOT / "showroom.py"), "coverage", "--cameras", str(plan),
                        "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    summ = json.loads((out / "summary.json").read_text())
    assert summ["cameras"] == panel.cameras
    assert summ["area_m2"] == panel.area_m2_by_level["after"]
    assert summ["public_share"] == panel.public_share_by_level["after"]
    assert summ["overlap_area_m2"] == panel.figures["overlap_area_m2"]
    props = {f["properties"]["id"]: f["properties"] for f in json.loads(plan.read_text())["features"]}
    assert props[gone]["edit"] == "delete"
    assert props[b]["edited_by"] == "ana" and props[b]["locked"] is True and props[b]["edit"] == "lock"
    assert props[a]["edit"] == "aim" or props[a]["edit"] == "move"
    # and a session loaded from it starts where this one ended
    back = PlanSession.load(city, plan, raster=session.raster, fire=False, servers=False)
    try:
        assert np.array_equal(back.levels, session.levels)
        assert back.is_locked(b) and not back.is_locked(a)
    finally:
        back.close()
    assert math.isfinite(panel.storage_tb) and panel.bitrate_kbps > 0


def _objective(city: twin.Twin, raster: twin.HeightRaster, cams: list[twin.Camera], level: str = "Observe") -> float:
    """The planner's objective by a full recompute: priority-weighted public m2 seen at the level or better."""
    cov = twin.compute_coverage(city, cams, raster=raster)
    li = cov.level_index(level)
    w = raster.public * raster.priority * raster.cell_area_m2
    return float(w[cov.best >= li].sum())


def test_suggestion_is_the_greedy_on_the_neighbourhood_and_beats_the_placed_camera(
        session: PlanSession, city: twin.Twin, raster: twin.HeightRaster) -> None:
    from twin.placement import Lens, candidate_sites

    # a pole looking along its kerb at a low tilt: a poor pose the optimiser can beat nearby
    x, y = _street_point(city, 321)
    cid = session.place(x, y, lens="bullet-12mm-1080p", heading_deg=17.0, tilt_deg=60.0)
    sug = session.suggest(cid, radius_m=50.0)
    assert sug.moved and sug.site_id is not None
    assert sug.distance_m <= 50.0 + 1e-6
    # the greedy of twin.placement, run apart on the same neighbourhood, lens and cameras
    cam = session.camera(cid)
    sites = [s for s in candidate_sites(city) if math.hypot(s.x - x, s.y - y) <= 50.0]
    others = [c for c in session.cameras if c.id != cid]
    plan = twin.plan_cameras(city, 1, candidates=sites, lenses=[Lens("l", cam.hfov, cam.width_px, cam.height_px)],
                             headings=8, fixed=others, raster=raster)
    pick = plan.cameras[0]
    assert (pick.x, pick.y, pick.heading_deg) == (sug.x_m, sug.y_m, sug.heading_deg)
    assert plan.gains[0] == pytest.approx(sug.objective_gain, rel=1e-9)
    assert sug.objective_gain >= sug.placed_objective_gain
    # and by a full recompute, the suggested pose sees at least as much as the placed one
    moved = twin.Camera(cid, sug.x_m, sug.y_m, mount_height_m=sug.height_m, heading_deg=sug.heading_deg,
                        tilt_deg=sug.tilt_deg, hfov_deg=cam.hfov, width_px=cam.width_px, height_px=cam.height_px)
    assert _objective(city, raster, [*others, moved]) >= _objective(city, raster, [*others, cam])
    assert sug.level in sug.text and "m²" in sug.text


def test_lock_and_fill_keeps_the_locked_and_meets_the_greedy_bound(session: PlanSession, city: twin.Twin,
                                                                    raster: twin.HeightRaster) -> None:
    """Locked cameras stay as they are; the fill plans around them.

    What can be asserted honestly: the greedy with the locked set L fixed is a (1 - 1/e) approximation
    of the best n cameras added to L (submodular coverage, Nemhauser-Wolsey-Fisher), and the free
    greedy's n picks G are one such set, so f(L + fill) >= (1 - 1/e) f(L + G) + f(L) / e. Its gains
    come in non-increasing order.
    """
    a = session.place(*_street_point(city, 40), heading_deg=90.0)
    b = session.place(*_street_point(city, 900), lens="bullet-2.8mm-1080p", heading_deg=200.0)
    c = session.place(*_street_point(city, 1500), heading_deg=10.0)
    session.lock(a)
    session.lock(b)
    locked = [session.camera(a), session.camera(b)]
    cands = city.cameras_by_status("candidate")[::4]  # a quarter of the sites keeps the test quick
    new = session.fill(4, candidates=cands)
    ids = {x.id for x in session.cameras}
    assert a in ids and b in ids and c not in ids and set(new) <= ids and len(new) == 4
    assert session.camera(a) is locked[0] and session.camera(b) is locked[1]
    existing = city.cameras_by_status("existing")
    assert all(e.id in ids for e in existing)
    res = session.last_fill
    assert all(g1 >= g2 - 1e-9 for g1, g2 in zip(res.gains, res.gains[1:], strict=False))
    free = twin.plan_cameras(city, 4, raster=raster, fixed=existing, candidates=cands)
    f_l = _objective(city, raster, [*existing, *locked])
    f_fill = _objective(city, raster, session.cameras)
    f_l_free = _objective(city, raster, [*existing, *locked, *free.cameras])
    assert f_fill >= (1 - 1 / math.e) * f_l_free + f_l / math.e
    assert f_fill > f_l
    # one undo brings the hand-placed camera back
    assert session.undo()
    assert c in {x.id for x in session.cameras} and not set(new) & {x.id for x in session.cameras}


def test_fire_runs_in_the_background_and_the_newest_plan_wins(city: twin.Twin, raster: twin.HeightRaster) -> None:
    from sim.fire import minutes_saved, run_fire

    with PlanSession(city, raster=raster, fire=True, fire_days=180.0, seed=3) as s:
        p0 = s.wait(300)
        # the plan as loaded is the existing cameras: the paired runs are the same run, 0 minutes saved
        assert p0.fire.status == "done" and p0.fire.minutes_saved == 0.0 and p0.fire.ci_high == 0.0
        assert p0.servers is not None and p0.servers_status == "done"
        for k in (100, 200, 300, 400, 500):
            s.place(*_street_point(city, k), lens="dome-fisheye-5mp")
            # an edit never waits for the run
            assert s.panel().fire.status in ("running", "done")
        p = s.wait(300)
        assert p.fire.status == "done" and p.cameras == len(city.cameras_by_status("existing")) + 5
        assert p.fire.ci_low <= p.fire.minutes_saved <= p.fire.ci_high
        # the figure is the current plan's: the same paired runs, done here in the foreground
        kw = dict(days=180.0, seed=3, compare=False, sensitivity=False)
        base = run_fire(city, cameras="existing", **kw).with_cameras.outcome
        now = run_fire(city, cameras=s.cameras, **kw).with_cameras.outcome
        assert p.fire.minutes_saved == pytest.approx(minutes_saved(now, base)["mean"])


def test_milp_fill_is_at_least_the_greedy_and_on_change_sees_every_edit(session: PlanSession,
                                                                         city: twin.Twin) -> None:
    cands = city.cameras_by_status("candidate")[:120]
    seen: list[int] = []
    session.on_change(lambda p: seen.append(p.edit_seq))
    a = session.place(cands[3].x, cands[3].y)
    session.lock(a)
    session.fill(3, method="milp", candidates=cands)
    milp = session.last_fill
    assert milp.exact is not None and milp.exact.optimal
    # the proven optimum of the same instance is never below the greedy's value
    assert milp.exact.value >= sum(milp.gains) - 1e-6
    assert {c.name for c in session.cameras if c.id.startswith("FILL")} == {c.name for c in milp.exact_cameras}
    assert session.is_locked(a)
    assert seen == [1, 2, seen[2]] and seen[2] >= 5  # place, lock, then one call for the whole fill


def test_bad_edits_say_what_is_wrong_and_change_nothing(session: PlanSession) -> None:
    before = session.levels.copy()
    n = len(session.history)
    with pytest.raises(twin.TwinError, match=r"lens 'bullet-99mm' is not in the catalogue: use one of \["):
        session.place(0.0, 0.0, lens="bullet-99mm")
    with pytest.raises(twin.CameraError, match=r"tilt_deg must be in \[-90, 90\], got 120"):
        session.place(0.0, 0.0, tilt_deg=120.0)
    with pytest.raises(twin.TwinError, match="camera 'NOPE' is not in the plan"):
        session.move("NOPE", heading_deg=3.0)
    with pytest.raises(twin.TwinError, match="fill method must be 'greedy' or 'milp', got 'best'"):
        session.fill(2, method="best")
    assert len(session.history) == n and np.array_equal(session.levels, before)


def test_a_session_dropped_without_close_stops_its_worker(city: twin.Twin, raster: twin.HeightRaster) -> None:
    import gc

    s = PlanSession(city, raster=raster, fire=False, seed=0)
    s.wait(300)  # the sizing ran: the worker process is up
    proc = s.consequences._executor._proc
    assert proc.poll() is None
    del s
    gc.collect()
    assert proc.wait(timeout=30) is not None
