"""Planning by hand in the showroom: a real window under Xvfb (and a simulated headset), scripted mouse and keys.

The city is a small generated one (600 x 600 m) so a run takes seconds. Where the pointer lands is
solved by hand from the window's starting view (eye over the city's southern edge, pitch -30 degrees,
60-degree horizontal field of view); the panel's figures are checked against a second planning
session driven through the Python API with the same edits; the screenshot against the level colours
the reference session gives the cells around the new camera.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import twin

from .test_showroom_window import xvfb  # noqa: F401 - the module-scoped X server fixture

ROOT = Path(__file__).resolve().parents[2]
SIZE = (640, 360)
QUIET_DRILL = """\
drill: A quiet afternoon (planning)
city: default
seed: 1
start: "14:00"
duration_min: 60
cameras: existing
standard: indonesia
background_rate_per_hour: 0.0
incidents:
  - id: Q1
    at_min: 55
    building: B0000001
    growth: slow
"""


@pytest.fixture(scope="module")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("plan-city")
    r = subprocess.run(
        [sys.executable, str(ROOT / "showroom.py"), "city", "generate", "--size-km", "0.6", "0.6",
         "--out", str(d / "city")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    (d / "quiet.yaml").write_text(QUIET_DRILL, encoding="utf-8")
    return d / "city", d / "quiet.yaml"


def ground_point(city: twin.Twin, fx: float, fy: float) -> tuple[float, float]:
    """Where film point (fx, fy) of the starting view meets z = 0, solved by hand.

    The eye starts at (x mid, ymin - 0.25 H, 0.3 H) looking north, pitched 30 degrees down; the lens
    is 60 degrees wide, tan(vfov/2) = tan(30 deg) * h / w. The ray is forward + fy tan(vfov/2) up +
    fx tan(hfov/2) right.
    """
    xmin, ymin, xmax, ymax = city.bounds()
    eye = np.array([(xmin + xmax) / 2, ymin - 0.25 * (ymax - ymin), 0.3 * (ymax - ymin)])
    p = math.radians(30.0)
    th = math.tan(math.radians(30.0))
    tv = th * SIZE[1] / SIZE[0]
    fwd = np.array([0.0, math.cos(p), -math.sin(p)])
    up = np.array([0.0, math.sin(p), math.cos(p)])
    d = fwd + fy * tv * up + fx * th * np.array([1.0, 0.0, 0.0])
    s = eye[2] / -d[2]
    return float(eye[0] + s * d[0]), float(eye[1] + s * d[1])


def _view(tmp: Path, display: str, city: Path, drill: Path, script: list[dict], *args: str):
    env = dict(os.environ, DISPLAY=display)
    (tmp / "script.json").write_text(json.dumps(script))
    cmd = [
        sys.executable, str(ROOT / "showroom.py"), "view", "--city", str(city), "--scenario", str(drill),
        "--plan", "--plan-resolution", "1", "--size", f"{SIZE[0]}x{SIZE[1]}", "--seconds", "120",
        "--trace", str(tmp / "trace.json"), "--script", str(tmp / "script.json"), "--out", str(tmp / "out"), *args,
    ]
    return subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=600)


def test_a_camera_placed_moved_and_aimed_with_mouse_and_keys_matches_the_api(xvfb, small_city, tmp_path) -> None:  # noqa: F811
    from sim.planning import PlanSession

    city_dir, drill = small_city
    city = twin.load(city_dir)
    p1 = ground_point(city, 0.0, -0.3)
    p2 = ground_point(city, 0.02, -0.5)
    p3 = ground_point(city, 0.25, -0.45)
    before_png, after_png = tmp_path / "before.png", tmp_path / "after.png"
    script = [
        {"t": 3.0, "pointer": [0.0, -0.3]},
        {"t": 3.2, "screenshot": str(before_png)},
        {"t": 3.5, "press": "mouse1"},  # a click on the street: a camera with the first lens
        {"t": 3.7, "release": "mouse1"},
        {"t": 4.2, "key": "tab"},  # the next lens in the catalogue
        {"t": 4.7, "pointer_at_camera": "@selected"},
        {"t": 5.0, "press": "mouse1"},  # grab its pole ...
        {"t": 5.4, "pointer": [0.02, -0.5]},  # ... drag it ...
        {"t": 5.8, "release": "mouse1"},  # ... and let go: the engine recomputes now
        {"t": 6.1, "pointer": [0.25, -0.45]},
        {"t": 6.3, "press": "shift-mouse1"},  # aim at the point under the pointer
        {"t": 6.5, "release": "mouse1"},
        {"t": 6.8, "key": "."},
        {"t": 7.0, "key": "."},  # heading +10 degrees
        {"t": 7.2, "key": "l"},  # lock
        {"t": 7.4, "key": "delete"},
        {"t": 7.6, "key": "control-z"},
        {"t": 7.8, "key": "control-y"},
        {"t": 8.0, "key": "control-z"},  # deleted, back, deleted, back
        {"t": 8.3, "key": "control-s"},
        {"t": 9.0, "screenshot": str(after_png)},
        {"t": 9.5, "key": "shift-f"},  # the optimiser adds --fill 2 around the locked camera
        {"t": 11.0, "key": "escape"},
    ]
    r = _view(tmp_path, xvfb, city_dir, drill, script, "--xr", "off", "--fill", "2")
    assert r.returncode == 0, r.stderr[-3000:]
    plan = json.loads((tmp_path / "trace.json").read_text())["plan"]
    cid = plan["actions"][0].split()[1]
    assert [a.split()[0] for a in plan["actions"]] == [
        "place", "lens", "move", "pose", "pose", "pose", "lock", "delete", "undo", "redo", "undo", "save", "fill",
    ]
    cams = {c["id"]: c for c in plan["cameras"]}
    assert len(cams) == 3 and plan["actions"][-1] == "fill 2"
    cam = cams[cid]
    assert (cam["x"], cam["y"]) == pytest.approx(p2, abs=1e-3)
    # aimed at p3 from the lens (p2, mount height), then turned 10 degrees clockwise
    dx, dy = p3[0] - p2[0], p3[1] - p2[1]
    heading = math.degrees(math.atan2(dx, dy))
    tilt = math.degrees(math.atan2(cam["mount_height_m"], math.hypot(dx, dy)))
    assert cam["heading_deg"] == pytest.approx((heading + 10.0) % 360.0, abs=1e-4)
    assert cam["tilt_deg"] == pytest.approx(tilt, abs=1e-4)
    assert cam["locked"] is True
    # the lens key walks the catalogue from the default lens on, in the catalogue's order
    order = [twin.lenses.DEFAULT_LENS, *[n for n in twin.LENSES if n != twin.lenses.DEFAULT_LENS]]
    second = order[1]
    assert plan["lens"] == second

    # the same edits through the Python API give the same figures
    ref = PlanSession(city, cameras="all", resolution_m=1.0, seed=0, fire=False, servers=False)
    assert ref.place(*p1, heading_deg=0.0) == cid
    ref.move(cid, lens=second)
    ref.move(cid, x_m=p2[0], y_m=p2[1])
    ref.move(cid, heading_deg=heading % 360.0, tilt_deg=tilt)
    ref.move(cid, heading_deg=(heading + 5.0) % 360.0)
    ref.move(cid, heading_deg=(heading + 10.0) % 360.0)
    ref.lock(cid)
    ref.delete(cid)
    ref.undo()
    ref.redo()
    ref.undo()
    shot_levels = np.asarray(ref.levels).copy()  # what the "after" screenshot shows
    ref.fill(2)
    want = ref.panel()
    got = plan["panel"]
    for part in ("before", "after", "delta"):
        assert got["area_m2_by_level"][part] == pytest.approx(want.area_m2_by_level[part], abs=1e-6)
    assert got["bitrate_kbps"] == pytest.approx(want.bitrate_kbps)
    assert got["storage_tb"] == pytest.approx(want.storage_tb)
    assert sorted(cams) == sorted(c.id for c in ref.cameras if c.status != "existing")
    assert want.area_m2_by_level["delta"][next(iter(want.area_m2_by_level["delta"]))] > 0
    assert "public space m2" in plan["panel_text"] and "fire:" in plan["panel_text"]
    # the optimiser's best site nearby, asked once the pointer let go, is on the panel
    assert plan["suggestion"] and plan["suggestion"].replace("²", "2") in plan["panel_text"]

    # the saved plan holds the camera where the panel had it
    saved = tmp_path / "out" / "plan.geojson"
    back = {c.id: c for c in twin.select_cameras(city, str(saved))}
    assert (back[cid].x, back[cid].y) == pytest.approx(p2, abs=0.01)
    assert back[cid].heading_deg == pytest.approx((heading + 10.0) % 360.0, abs=1e-4)

    # the screenshot: around the new camera the ground now shows its DORI level colours
    before, after = cv2.imread(str(before_png)).astype(float), cv2.imread(str(after_png)).astype(float)
    ref0 = PlanSession(city, cameras="all", resolution_m=1.0, seed=0, fire=False, servers=False)
    lv0, lv1 = np.asarray(ref0.levels), shot_levels
    x0, dx, _, y0, _, dy = ref.geotransform
    interior = (lv1 > 0) & (lv0 == 0)
    for axis in (0, 1):  # cells whose neighbours have the same new level (no edge blending)
        interior &= np.roll(lv1, 1, axis) == lv1
        interior &= np.roll(lv1, -1, axis) == lv1
    ii, jj = np.nonzero(interior)
    assert len(ii) > 50
    hit = total = 0
    from scenes import LEVEL_RGBA

    for i, j in zip(ii[:: max(1, len(ii) // 400)], jj[:: max(1, len(ii) // 400)], strict=True):
        row, col = _pixel(city, x0 + (j + 0.5) * dx, y0 + (i + 0.5) * dy)
        if not (0 <= row < SIZE[1] and 0 <= col < SIZE[0] * 0.6):  # the panel and inset sit on the right
            continue
        rgba = np.array(LEVEL_RGBA[lv1[i, j] - 1], dtype=float)
        a = rgba[3] / 255.0
        expected = before[row, col] * (1 - a) + rgba[[2, 1, 0]] * a
        total += 1
        px = after[row, col].astype(float)
        hit += bool(np.abs(px - expected).max() <= 12 and np.abs(px - before[row, col]).max() > 8)
    # buildings hide some of the ground the camera sees from its pole: most of it is in view from the air
    assert total > 30 and hit / total > 0.5, (hit, total)


def _pixel(city: twin.Twin, x: float, y: float) -> tuple[int, int]:
    """(row, col) of a ground point in the starting view (the inverse of :func:`ground_point`)."""
    xmin, ymin, xmax, ymax = city.bounds()
    eye = np.array([(xmin + xmax) / 2, ymin - 0.25 * (ymax - ymin), 0.3 * (ymax - ymin)])
    p = math.radians(30.0)
    th = math.tan(math.radians(30.0))
    tv = th * SIZE[1] / SIZE[0]
    v = np.array([x, y, 0.0]) - eye
    fwd = np.array([0.0, math.cos(p), -math.sin(p)])
    up = np.array([0.0, math.sin(p), math.cos(p)])
    depth = v @ fwd
    fx, fy = (v[0] / depth) / th, (v @ up / depth) / tv
    return int(round((1 - fy) / 2 * SIZE[1] - 0.5)), int(round((fx + 1) / 2 * SIZE[0] - 0.5))


def test_a_controller_ray_and_trigger_place_a_camera_where_the_laser_meets_the_street(
    xvfb, small_city, tmp_path  # noqa: F811
) -> None:
    city_dir, drill = small_city
    city = twin.load(city_dir)
    xmin, ymin, xmax, ymax = city.bounds()
    # the play space sits at the eye (heading north, so play-space axes are the world's): a controller
    # 1.5 m up at the origin, pointing north and down by 181.5 / 251.75, meets z = 0 251.75 m north of the eye
    eye_y, eye_z = ymin - 0.25 * (ymax - ymin), 0.3 * (ymax - ymin)
    reach = 251.75
    drop = eye_z + 1.5
    # the session starts from a saved plan (--cameras FILE --plan): one planned camera in the north-east
    from sim.planning import PlanSession

    with PlanSession(city, cameras="all", resolution_m=2.0, fire=False, servers=False) as start:
        start.place(150.0, 150.0, heading_deg=45.0)
        start.save(tmp_path / "start.geojson")
    script = [
        {"t": 3.0, "vr_frames": 3,
         "vr_ray": {"position": [0.0, 0.0, 1.5], "direction": [0.0, reach, -drop], "select": True}},
        {"t": 5.0, "key": "escape", "vr_frames": 8},  # the trigger's press and release frames are past
    ]
    start_plan = str(tmp_path / "start.geojson")
    r = _view(tmp_path, xvfb, city_dir, drill, script, "--xr", "simulated", "--cameras", start_plan)
    assert r.returncode == 0, r.stderr[-3000:]
    plan = json.loads((tmp_path / "trace.json").read_text())["plan"]
    assert len(plan["cameras"]) == 2, plan["actions"]
    loaded, cam = plan["cameras"]
    assert (loaded["x"], loaded["y"], loaded["heading_deg"]) == pytest.approx((150.0, 150.0, 45.0), abs=1e-3)
    # (Panda3D's transforms are single precision: a few hundredths of a millimetre at 450 m)
    assert (cam["x"], cam["y"]) == pytest.approx(((xmin + xmax) / 2, eye_y + reach), abs=1e-3)
    # one trigger pull, one edit: the place (no move when the laser let go where it pressed)
    assert len(plan["actions"]) == 1
    assert plan["actions"][0].startswith(f"place {cam['id']} {twin.lenses.DEFAULT_LENS} at")


def test_planning_without_a_display_or_headset_says_so_and_exits_3(small_city, tmp_path) -> None:
    city_dir, _ = small_city
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    cmd = [sys.executable, str(ROOT / "showroom.py"), "view", "--plan", "--city", str(city_dir), "--out", str(tmp_path)]
    r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 3, r.stderr[-2000:]
    assert r.stderr.startswith("error: VR unavailable: ")
    assert "the planning mode (--plan) needs a window or a headset" in r.stderr
    assert not (tmp_path / "render.mp4").exists()  # no tour video instead of what was asked
    bad = subprocess.run([*cmd, "--fill", "0"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "--fill must be at least 1 camera, got 0" in bad.stderr


def test_the_action_layer_mounts_aims_and_fills_as_a_planner_expects(small_city, tmp_path) -> None:
    from scenes import SurfaceHit
    from showroom_cli.plan_actions import ROOF_MAST_M, WALL_OFFSET_M, PlanActions, aim, mount_for, plan_cameras
    from sim.planning import PlanSession

    # a camera 6 m up at the origin looking at (10, 10, 0): north-east, down atan(6 / sqrt(200))
    assert aim((0.0, 0.0, 6.0), (10.0, 10.0, 0.0)) == pytest.approx((45.0, math.degrees(math.atan2(6.0, 200**0.5))))
    assert aim((0.0, 0.0, 6.0), (-3.0, 0.0, 6.0)) == pytest.approx((270.0, 0.0))
    # a wall facing east (normal +x) at 7 m: on the wall, a little out, looking east; a roof: a mast over it
    wall = mount_for(SurfaceHit(50.0, 20.0, 7.0, "facade", (1.0, 0.0, 0.0), 30.0))
    assert wall == pytest.approx({"x_m": 50.0 + WALL_OFFSET_M, "y_m": 20.0, "height_m": 7.0, "heading_deg": 90.0})
    low = mount_for(SurfaceHit(50.0, 20.0, 0.5, "facade", (0.0, -1.0, 0.0), 30.0))
    assert low["height_m"] == 2.5 and low["heading_deg"] == pytest.approx(180.0)
    roof = mount_for(SurfaceHit(5.0, 6.0, 12.0, "roof", (0.0, 0.0, 1.0), 30.0))
    assert roof == {"x_m": 5.0, "y_m": 6.0, "height_m": 12.0 + ROOF_MAST_M, "heading_deg": None}

    city = twin.load(small_city[0])
    with PlanSession(city, cameras="all", resolution_m=2.0, fire=False, servers=False) as s:
        a = PlanActions(s, list(twin.LENSES), save_path=tmp_path / "p.geojson")
        first = a.place(0.0, -200.0)
        a.place(0.0, -150.0)
        a.place(0.0, -100.0)
        a.select(first)
        a.lock()
        assert s.is_locked(first)
        # the fill re-places the two unlocked cameras: the plan keeps its three
        a.fill()
        ids = [c.id for c in plan_cameras(s)]
        assert len(ids) == 3 and first in ids
        assert a.log[-1] == "fill 2"


def test_planning_runs_in_a_real_openxr_session_on_monado(small_city, tmp_path) -> None:
    from tests.monado import monado_env
    from tests.monado import xvfb as monado_xvfb

    city_dir, drill = small_city
    script = [{"t": 2.0, "key": "tab", "vr_frames": 3}, {"t": 3.0, "key": "escape", "vr_frames": 6}]
    with monado_xvfb() as display:
        env = monado_env(display, SIMULATED_LEFT="simple", SIMULATED_RIGHT="simple")
        (tmp_path / "script.json").write_text(json.dumps(script))
        cmd = [
            sys.executable, str(ROOT / "showroom.py"), "view", "--city", str(city_dir), "--scenario", str(drill),
            "--plan", "--plan-resolution", "2", "--xr", "on", "--size", "640x360", "--seconds", "120",
            "--trace", str(tmp_path / "trace.json"), "--script", str(tmp_path / "script.json"),
            "--out", str(tmp_path / "out"),
        ]
        r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.splitlines()[0].startswith("VR: Monado")
    t = json.loads((tmp_path / "trace.json").read_text())
    assert t["xr_frames"]["submitted"] >= 5 and t["xr_frames"]["states"][-1] == "EXITING"
    # the panel floats in the play space (the headset sees no 2D overlay), and the lens key reached it
    order = [twin.lenses.DEFAULT_LENS, *[n for n in twin.LENSES if n != twin.lenses.DEFAULT_LENS]]
    assert t["plan"]["lens"] == order[1]
    assert t["plan"]["vr_panel"].startswith(f"PLAN  lens {order[1]} ")
    assert "public space m2" in t["plan"]["vr_panel"]
