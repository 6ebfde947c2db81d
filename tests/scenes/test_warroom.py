"""The War Room inside the command center: the video wall shows what the feed hub delivers for the cameras
the operators' rotation puts on it, the desks show the shift on duty, the board the fire model's open
incidents, and the server room a crashed server and its failover.

Real parts: synthetic feeds through the real :class:`feeds.FeedHub` (a thread per stream, privacy masks
applied in the hub), the real rotation (:class:`sim.warroom.WallRotation`), a real fire engine and a real
capacity run; small renders on llvmpipe. One scene for the module.
"""

from __future__ import annotations

import math
import time

import cv2
import numpy as np
import pytest
from panda3d.core import NodePath, PerspectiveLens, Point2, Point3

import scenes
import twin
from feeds import FeedHub
from sim.operators import Roster
from sim.snapshot import SceneSnapshot
from sim.warroom import Alarm, WallRotation

from .conftest import make_twin

SIZE = (640, 360)
N_CAMS = 60
STRIPES = 7  # privacy-mask stripes: each camera's own code, so every camera's picture differs from the others'


def _code(k: int) -> list[int]:
    """Camera k's stripes: k+1 in 6 bits plus a parity bit, so two cameras differ in at least 2 stripes."""
    bits = [(k + 1) >> i & 1 for i in range(6)]
    return [*bits, sum(bits) % 2]


def _camera(k: int) -> twin.Camera:
    w = 1920 / STRIPES
    masks = [[(i * w, 0.0), (i * w + w, 0.0), (i * w + w, 1080.0), (i * w, 1080.0)]
             for i, on in enumerate(_code(k)) if on]
    return twin.Camera(f"CAM-{k:03d}", 10.0 + k, -40.0, fps=5.0, privacy_masks=masks)


@pytest.fixture(scope="module")
def city() -> twin.Twin:
    # the command center stands in a 26 x 36 m block (the War Room replaces it), beside another building
    return make_twin(
        buildings=[(-13, -18, 13, 18, 14.0), (30, 0, 50, 20, 20.0)],
        cameras=[_camera(k) for k in range(N_CAMS)],
        extent=(-80.0, -80.0, 80.0, 80.0),
        command_center=twin.CommandCenter(x=0.0, y=0.0),
    )


class WarRig:
    def __init__(self, engine: scenes.HeadlessEngine, city: twin.Twin):
        self.engine = engine
        self.root = NodePath("render")
        # the wall's cameras need not project onto the city here: the scene gets none, and stays cheap
        self.scene = scenes.CityScene(city, self.root, engine.graphics, cameras=[])
        self.lens = PerspectiveLens()
        self.lens.set_fov(60.0, 2 * math.degrees(math.atan(math.tan(math.radians(30.0)) * SIZE[1] / SIZE[0])))
        self.lens.set_near_far(0.2, 2000.0)
        self.view = scenes.OffscreenView(engine.graphics, self.root, *SIZE, lens=self.lens)

    def look(self, name: str) -> None:
        eye, target = self.scene.warroom.viewpoints()[name]
        self.view.camera.set_pos(*eye)
        self.view.camera.look_at(*target)

    def render(self) -> np.ndarray:
        self.scene.update(self.view.camera, self.lens)
        self.engine.render_frame()
        return self.view.grab()

    def pixel(self, world) -> np.ndarray:
        """(x, y) image position of a world point (sub-pixel; pixel centres at integers)."""
        p = self.view.camera.get_relative_point(self.root, Point3(*world))
        film = Point2()
        assert self.view.lens.project(p, film), f"{world} is not in view"
        return np.array([(film[0] + 1) / 2 * SIZE[0] - 0.5, (1 - film[1]) / 2 * SIZE[1] - 0.5])


@pytest.fixture(scope="module")
def rig(engine, city):
    r = WarRig(engine, city)
    yield r
    r.view.destroy()
    r.scene.destroy()


# ---- the video wall -------------------------------------------------------------------------------
def _hub_frames(hub: FeedHub, watch, cams: list[str]) -> dict[str, tuple[np.ndarray, int]]:
    """The hub's latest frame of every camera asked for (waiting for each camera's first)."""
    watch.set({c: "thumb" for c in cams})
    deadline = time.monotonic() + 20.0
    out = {}
    while time.monotonic() < deadline and len(out) < len(cams):
        for c in cams:
            f = watch.latest(c)
            if f is not None:
                out[c] = (f.image, f.seq)
        time.sleep(0.05)
    assert len(out) == len(cams), f"the hub delivered no frame for {sorted(set(cams) - set(out))}"
    return out


def _tile_pixels(rig: WarRig, img: np.ndarray, k: int, size: tuple[int, int]) -> np.ndarray:
    """Tile k's picture as rendered, warped from its on-screen quad back to a ``size`` rectangle."""
    wall = rig.scene.warroom.wall
    quad = np.array([rig.pixel(p) for p in wall.picture_corners(k, rig.root)], dtype=np.float32)
    w, h = size
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32) - 0.5
    m = cv2.getPerspectiveTransform(quad, dst)
    return cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR)


def _tile_size(rig: WarRig, k: int) -> tuple[int, int]:
    q = np.array([rig.pixel(p) for p in rig.scene.warroom.wall.picture_corners(k, rig.root)])
    return int(round(np.linalg.norm(q[1] - q[0]))), int(round(np.linalg.norm(q[3] - q[0])))


def _mae(a: np.ndarray, b: np.ndarray, m: int = 2) -> float:
    """Mean absolute difference inside a margin of ``m`` px (the bezel bleeds into the picture's edge)."""
    return float(np.abs(a[m:-m, m:-m].astype(float) - b[m:-m, m:-m].astype(float)).mean())


def _tolerance(frame: np.ndarray, size: tuple[int, int], tile_px: tuple[int, int]) -> float:
    """How far two honest resamplings of the same picture to ``size`` differ, times two, plus 4 levels.

    The wall resizes a frame into its atlas cell (area average), the GPU samples the cell with
    trilinear mipmaps, and the test warps the render back: two resamplings more than the reference
    (one area average straight to ``size``). The first two stand in for that chain here.
    """
    ref = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    cell = cv2.resize(frame, tile_px, interpolation=cv2.INTER_AREA)
    chain = cv2.resize(cv2.resize(cell, size, interpolation=cv2.INTER_LINEAR), size, interpolation=cv2.INTER_LINEAR)
    return 2.0 * _mae(ref, chain) + 4.0


def _check_wall(rig: WarRig, img: np.ndarray, state, frames) -> None:
    """Each tile is within its tolerance of its camera's hub frame, and outside it for every other wall camera's."""
    on_wall = [c for c in state.camera_ids if c]
    tile_px = rig.scene.warroom.wall_spec.tile_px
    sizes = {k: _tile_size(rig, k) for k in range(len(state.camera_ids))}
    ref = {(c, sz): cv2.resize(frames[c][0], sz, interpolation=cv2.INTER_AREA)
           for c in on_wall for sz in set(sizes.values())}
    for k, cid in enumerate(state.camera_ids):
        if not cid:
            continue
        size = sizes[k]
        got = _tile_pixels(rig, img, k, size)
        own = _mae(got, ref[cid, size])
        tol = _tolerance(frames[cid][0], size, tile_px)
        other = min(_mae(got, ref[c, size]) for c in on_wall if c != cid)
        assert own <= tol, f"tile {k} ({cid}): differs from the hub's frame by {own:.1f} > {tol:.1f}"
        assert other > tol, f"tile {k}: another camera's frame fits it too ({other:.1f} <= {tol:.1f})"


def test_video_wall_shows_the_hub_frames_of_the_rotation_cameras_and_follows_the_rotation(rig, city) -> None:
    wr = rig.scene.warroom
    tiles = wr.wall_spec.tiles
    rot = WallRotation([c.id for c in city.cameras], tiles=tiles, dwell_s=30.0, seed=3)
    t1 = 3600.0 * 9 + 5.0
    s1 = rot.state(t1)
    assert len([c for c in s1.camera_ids if c]) == tiles and len(set(s1.camera_ids)) == tiles
    with FeedHub.from_cameras(city.cameras, synthetic_missing=True, grace_s=0.0) as hub:
        watch = hub.watch()
        rig.scene.push_snapshot(SceneSnapshot(t=t1, wall=s1))
        assert wr.wall_cameras() == sorted(s1.camera_ids)
        frames1 = _hub_frames(hub, watch, wr.wall_cameras())
        assert wr.submit_frames(frames1) == tiles
        assert wr.submit_frames(frames1) == 0, "the same frames again (same seq) write no tile"
        rig.look("video_wall")
        img1 = rig.render()
        _check_wall(rig, img1, s1, frames1)

        # a few tiles later in the staggered rotation: exactly the tiles that stepped show their new cameras
        t2 = t1 + 3.5 * rot.dwell_s / tiles
        s2 = rot.state(t2)
        changed = [k for k in range(tiles) if s2.camera_ids[k] != s1.camera_ids[k]]
        assert len(changed) in (3, 4), changed  # one tile steps every dwell/tiles seconds
        rig.scene.push_snapshot(SceneSnapshot(t=t2, wall=s2))
        frames2 = _hub_frames(hub, watch, wr.wall_cameras())
        frames = {**frames1, **frames2}
        # the tiles that stayed keep their camera; the hub's newer frame of it is handed over too
        for k in range(tiles):
            if k not in changed:
                frames[s2.camera_ids[k]] = frames2[s2.camera_ids[k]]
        wr.submit_frames(frames2)
        img2 = rig.render()
        _check_wall(rig, img2, s2, frames)
        watch.close()
    for k in changed:
        size = _tile_size(rig, k)
        got = _tile_pixels(rig, img2, k, size)
        old = _mae(got, cv2.resize(frames1[s1.camera_ids[k]][0], size, interpolation=cv2.INTER_AREA))
        assert old > _tolerance(frames1[s1.camera_ids[k]][0], size, wr.wall_spec.tile_px), (
            f"tile {k} still shows {s1.camera_ids[k]}")


def test_an_alarm_pins_its_camera_to_the_first_tile_with_a_red_bezel(rig, city) -> None:
    wr = rig.scene.warroom
    rot = WallRotation([c.id for c in city.cameras], tiles=wr.wall_spec.tiles, dwell_s=30.0, seed=3,
                       alarms=[Alarm("CAM-042", 100.0, 400.0)])
    s = rot.state(200.0)
    assert s.camera_ids[0] == "CAM-042" and s.alarm[0] and s.camera_ids.count("CAM-042") == 1
    wr.set_wall(s)
    rig.look("video_wall")
    img = rig.render()
    # the bezel just outside tile 0's picture is red; tile 1's is not
    for k, red in ((0, True), (1, False)):
        c = wr.wall.picture_corners(k, rig.root)
        x, y = rig.pixel(c[0] + (c[0] - c[2]) * 0.01)  # a hair outside the top-left corner
        b, g, r = img[int(round(y)), int(round(x))].astype(int)
        assert (r > 150 and b < 90 and g < 90) == red, (k, (b, g, r))


# ---- desks, board, racks -------------------------------------------------------------------------
def test_operators_at_their_desks_follow_the_roster(rig, city) -> None:
    wr = rig.scene.warroom
    roster = Roster.from_twin(city.command_center.operators)
    assert len(wr.desks.figures) == 14  # 40 staff in 3 shifts: the largest shift is 14 (40 = 14 + 13 + 13)
    for hour, expect in ((8.0, 14), (16.0, 13), (2.0, 13)):
        t = hour * 3600.0
        rig.scene.push_snapshot(SceneSnapshot(t=t, staff_on_duty=int(roster.on_duty(t))))
        assert wr.desks.shown() == expect, hour
    # the 14th desk's operator sits there on the morning shift and is gone on the afternoon one: in pixels
    rig.look("video_wall")
    eye, _ = wr.viewpoints()["video_wall"]
    rig.view.camera.set_pos(eye[0], eye[1], eye[2] + 3.0)  # from higher up (under the ceiling), over the desks
    last = wr.desks.figures[-1]
    head = rig.root.get_relative_point(last, last.get_bounds().get_center())
    rig.view.camera.look_at(head)
    rig.scene.push_snapshot(SceneSnapshot(t=8 * 3600.0, staff_on_duty=14))
    on = rig.render()
    rig.scene.push_snapshot(SceneSnapshot(t=16 * 3600.0, staff_on_duty=13))
    off = rig.render()
    c = (SIZE[1] // 2, SIZE[0] // 2)
    patch = (slice(c[0] - 3, c[0] + 4), slice(c[1] - 3, c[1] + 4))
    assert np.abs(on[patch].astype(int) - off[patch].astype(int)).mean() > 20


def _board_lines(img: np.ndarray) -> int:
    """Incident lines on the board image: bands of ink below the header (an independent count from pixels)."""
    body = img[165:, : img.shape[1] // 4]  # the INCIDENT column
    ink = (body.max(axis=2) > 150).any(axis=1)
    edges = np.flatnonzero(np.diff(ink.astype(int)) == 1)
    return len(edges) + int(ink[0])


def test_incident_board_agrees_with_the_fire_model(rig, tmp_path) -> None:
    from sim.drill import live_drill, read_scenario
    from sim.fire import grid_town
    from sim.warroom import incident_board

    town = grid_town(blocks=4, cameras=8)
    f = tmp_path / "town.yaml"
    f.write_text("""drill: board check
city: grid-town
seed: 4
start: "12:00"
duration_min: 60
background_rate_per_hour: 0
incidents:
  - {id: G1, at_min: 1, xy: [250, 250], growth: fast}
  - {id: G2, at_min: 4, xy: [100, 380], growth: medium}
  - {id: G3, at_min: 9, xy: [420, 60], growth: slow}
""", encoding="utf-8")
    sc = read_scenario(f)
    eng = live_drill(sc, town)
    o = eng.out
    wr = rig.scene.warroom
    seen_open = set()
    for t in (60.0, 300.0, 600.0, 1200.0):
        eng.env.run(until=t)
        board = incident_board(eng, standard_name="indonesia")
        # independent: incidents notified by t and not yet left (own truck) or watered (mutual aid)
        notified = np.isfinite(o.t_detect) & (o.t_detect <= t)
        closed = np.isfinite(o.t_leave) & (o.t_leave <= t)
        assert len(board) == int((notified & ~closed).sum()), t
        for inc in board:
            i = eng.inc.ids.index(inc.id)
            stop = o.t_water[i] if np.isfinite(o.t_water[i]) and o.t_water[i] <= t else t
            assert inc.elapsed_s == pytest.approx(stop - o.t_detect[i])
            assert inc.limit_s == 900.0  # waktu tanggap: 15 minutes notification to water
            if np.isfinite(o.t_dispatch[i]) and o.t_dispatch[i] <= t and o.truck[i] >= 0:
                assert inc.truck == eng.truck_names[int(o.truck[i])]
        rig.scene.push_snapshot(SceneSnapshot(t=t, incidents=board))
        assert _board_lines(wr.board.image) == len(board), t
        seen_open.add(len(board))
    assert max(seen_open) >= 1, "the drill opened no incident in its first 20 minutes"
    rig.look("fire_control")
    img = rig.render()
    # the board hangs in view: its dark face fills the middle of the fire control view
    mid = img[SIZE[1] // 3 : 2 * SIZE[1] // 3, SIZE[0] // 3 : 2 * SIZE[0] // 3].reshape(-1, 3).astype(int)
    assert (np.abs(mid - np.array([38, 30, 24])).max(axis=1) < 30).mean() > 0.3


def test_a_crashed_server_goes_dark_and_its_load_moves_to_the_spare(rig, city) -> None:
    from sim.warroom import ServerRoomSeries

    room = city.command_center.server_room
    crash_at, down_s = 6 * 3600.0, 4 * 3600.0
    series = ServerRoomSeries(city, days=0.5, seed=1, crash=(1, crash_at, down_s), sample_s=600.0)
    before = series.racks(crash_at - 1200.0)
    during = series.racks(crash_at + 3600.0)
    assert len(before) == room.servers + room.failover_servers
    assert all(r.up for r in before) and not during[1].up and during[1].load < 1e-9
    spare = room.servers  # the first failover server
    assert before[spare].spare and before[spare].load < 1e-9
    # the crashed server's cameras record on the spare: its load rises to about what server 1 carried
    assert during[spare].load > 0.5 * before[1].load > 0.0
    wr = rig.scene.warroom
    rig.scene.push_snapshot(SceneSnapshot(t=crash_at + 3600.0, racks=during))
    rig.look("server_room")
    img = rig.render()
    ids = [r.id for r in during]
    # the crashed rack's body is red (its front under the lights); its lights are all dark; the spare's are lit
    body = wr.racks.bodies[ids[1]]
    x, y = rig.pixel(rig.root.get_relative_point(body, body.get_bounds().get_center()) + Point3(0, -0.52, -0.85))
    b, g, r = img[int(round(y)), int(round(x))].astype(int)
    assert r > g + 15 and r > b + 15, (b, g, r)
    lights = {rid: _lit(rig, img, wr.racks.panels[rid]) for rid in ids}
    assert lights[ids[1]] == 0
    assert lights[ids[spare]] > 0
    assert all(lights[rid] > 0 for k, rid in enumerate(ids) if k not in (1,) and during[k].load > 0)
    # before the crash the spare was dark, server 1 lit
    rig.scene.push_snapshot(SceneSnapshot(t=crash_at - 1200.0, racks=before))
    img0 = rig.render()
    assert _lit(rig, img0, wr.racks.panels[ids[spare]]) == 0 and _lit(rig, img0, wr.racks.panels[ids[1]]) > 0


def _lit(rig: WarRig, img: np.ndarray, panel: NodePath) -> int:
    """Bright, saturated pixels (lit lights) inside a rack's light panel on screen."""
    lo, hi = panel.get_tight_bounds(rig.root)
    pts = [(x, y, z) for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
    xy = np.array([rig.pixel(p) for p in pts])
    x0, y0 = np.floor(xy.min(axis=0)).astype(int)
    x1, y1 = np.ceil(xy.max(axis=0)).astype(int)
    patch = img[max(y0, 0) : y1 + 1, max(x0, 0) : x1 + 1].astype(int)
    sat = patch.max(axis=2) - patch.min(axis=2)
    return int(((patch.max(axis=2) > 150) & (sat > 80)).sum())


# ---- the root's wiring and the visit -------------------------------------------------------------
def test_walking_in_through_the_front_door_and_the_driver_feeding_the_wall_only_inside(rig, city) -> None:
    from scenes.controls import FlightControls
    from showroom_cli.warroom import NEAR_INSIDE_M, WALK_MPS, WarRoomDriver, WarRoomVisit

    wr = rig.scene.warroom
    flight = FlightControls()
    visit = WarRoomVisit(rig.scene, flight, rig.lens)
    assert visit.next_stop() == "entrance"
    eye, target = wr.viewpoints()["entrance"]
    np.testing.assert_allclose(flight.position, eye)
    # walk level towards the door, at eye height above the floor: outside, then in the lobby
    lay = wr.layout
    flight.position = np.array(lay.to_city(0.0, -lay.depth_m / 2 - 6.0, 1.7))
    flight.heading_deg, flight.pitch_deg = lay.h_deg, 0.0
    flight.key("w", True)
    rooms = [visit.frame(flight.position)]
    for _ in range(40):
        rooms.append(visit.frame(flight.step(0.1)))
    flight.key("w", False)
    assert rooms[0] is None and "lobby" in rooms, rooms
    assert flight.speed_mps == WALK_MPS and rig.lens.get_near() == pytest.approx(NEAR_INSIDE_M)
    # the driver: outside nobody watches the wall's cameras, inside it hands the hub's frames to the wall
    with FeedHub.from_cameras(city.cameras, synthetic_missing=True, grace_s=0.0) as hub:
        drv = WarRoomDriver(city, rig.scene, hub=hub, cameras=city.cameras, start_hour=9.0)
        outside = eye
        inside = wr.viewpoints()["video_wall"][0]
        drv.step(10.0, outside)
        assert drv.watch.watched == {}
        before = wr.wall.uploads
        wr.update(outside)
        wr.update(outside)
        assert wr.wall.uploads == before, "the wall uploads nothing while nobody can see it"
        deadline = time.monotonic() + 20.0
        written = 0
        while time.monotonic() < deadline and written < wr.wall_spec.tiles:
            written += drv.step(10.0, inside).wall_tiles
            time.sleep(0.05)
        assert sorted(drv.watch.watched) == wr.wall_cameras()
        assert written >= wr.wall_spec.tiles
        wr.update(inside)
        assert wr.wall.uploads == before + 1
        drv.close()
    assert wr.desks.shown() == 14  # 9:00: the first shift (from 07:00), 14 of 40


def test_the_outside_follows_the_clock_and_the_inside_keeps_its_light(rig) -> None:
    import datetime as dt

    wr = rig.scene.warroom
    lay = wr.layout
    facade = lay.to_city(-lay.width_m / 4, -lay.depth_m / 2 - 0.2, 1.0)  # the front, beside the door
    inner = lay.to_city(lay.wall_room.u0 + 0.2, lay.wall_room.center[1], 2.0)  # the wall room's west wall
    shots = {}
    for hour in (12, 0):
        rig.scene.set_clock(dt.datetime(2026, 3, 20, hour, 0))
        rig.look("entrance")
        out = rig.render()
        rig.look("video_wall")
        rig.view.camera.look_at(*inner)
        shots[hour] = (out, rig.render())
    px = {h: (s[0], s[1]) for h, s in shots.items()}
    rig.look("entrance")
    fx, fy = np.round(rig.pixel(facade)).astype(int)
    day_f, night_f = (px[h][0][fy, fx].astype(float).mean() for h in (12, 0))
    assert night_f < 0.4 * day_f, (day_f, night_f)
    rig.look("video_wall")
    rig.view.camera.look_at(*inner)
    ix, iy = np.round(rig.pixel(inner)).astype(int)
    day_i, night_i = (px[h][1][iy, ix].astype(float) for h in (12, 0))
    np.testing.assert_allclose(night_i, day_i, atol=2)
    rig.scene.set_clock(dt.datetime(2026, 3, 20, 10, 0))
