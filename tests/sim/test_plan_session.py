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
    s = PlanSession(city, raster=raster, fire=False, seed=0)
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


def test_undo_restores_the_plan_as_loaded(session: PlanSession) -> None:
    before = session.levels.copy()
    x, y = 100.0, 40.0
    cid = session.place(x, y, heading_deg=90.0)
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
    back = PlanSession.load(city, plan, raster=session.raster, fire=False)
    try:
        assert np.array_equal(back.levels, session.levels)
        assert back.is_locked(b) and not back.is_locked(a)
    finally:
        back.close()
    assert math.isfinite(panel.storage_tb) and panel.bitrate_kbps > 0
