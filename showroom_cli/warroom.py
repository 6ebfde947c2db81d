"""The War Room's wiring at the root: sim state and feed frames into ``scene.warroom``, and the visit inside.

:class:`WarRoomDriver` is what the showroom (window, headset, ``showroom render``) calls once a frame:
it asks :class:`sim.warroom.WarRoomSim` for the wall, board, racks and staff at the sim time, keeps the
hub watching exactly the cameras on the wall (a thumbnail tier: a tile is 256 px wide), and hands
their newest frames to the wall, which writes only tiles with a new frame and uploads once.
:class:`WarRoomVisit` makes walking in work: ``g`` steps through the War Room's viewpoints, and
inside the building the eye walks (3 m/s) with a near plane close enough for desks at arm's length.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Viewpoints ``g`` steps through, in order.
TOUR_STOPS = ("entrance", "video_wall", "fire_control", "server_room")
#: Walking speed inside (m/s) and the near plane there (m); outside the showroom's own apply.
WALK_MPS, NEAR_INSIDE_M = 3.0, 0.2


def demo_crash(
    city: Any, start_hour: float, *, after_min: float = 40.0, down_min: float = 30.0
) -> tuple[int, float, float]:
    """The showroom's scripted server crash, so visitors see a failover in the server room.

    The second recording server (the first if there is one only) goes down ``after_min`` into the
    scenario for ``down_min``; as ``(server, at_s, duration_s)`` in clock seconds since midnight.
    """
    room = city.command_center.server_room
    server = 1 if room.servers >= 2 else 0
    return (server, start_hour * 3600.0 + after_min * 60.0, down_min * 60.0)


@dataclass
class WarRoomTimes:
    """Where the War Room's time went in the last :meth:`WarRoomDriver.step` (ms) and what it did."""

    sim_ms: float = 0.0
    feeds_ms: float = 0.0
    wall_tiles: int = 0


class WarRoomDriver:
    """Feeds ``scene.warroom`` each frame from the War Room's sim and the hub.

    Args:
        city: the twin.
        scene: a :class:`scenes.CityScene` (its ``warroom``).
        hub: the feed hub the wall's frames come from (None: the wall shows the cameras' names only).
        engine: a live drill's fire engine for the board and the alarms (None: a quiet day).
        start_hour: local hour at sim time 0.
        seed: the rotation's and the server room's seed.
        crash: ``(server, at_s, duration_s)`` of a server crash to show (clock seconds since midnight).
        dwell_s: how long a wall tile shows one camera.
        step_s: the least sim time between two War Room snapshots.
        cameras: the cameras that rotate on the wall (default the city's existing ones; give the
            hub's, so every wall camera has a feed).
        tile_budget: the most wall tiles resized a frame (round robin): at 60 frames/s, 6 a frame
            refresh 24 tiles at 15 fps, more than the feeds' rate; a slow frame cannot snowball.
    """

    def __init__(
        self,
        city: Any,
        scene: Any,
        *,
        hub: Any = None,
        engine: Any = None,
        start_hour: float = 8.0,
        seed: int = 0,
        crash: tuple[int, float, float] | None = None,
        dwell_s: float = 20.0,
        step_s: float = 0.25,
        cameras: Any = "existing",
        tile_budget: int = 6,
    ) -> None:
        from sim.warroom import WarRoomSim

        self.scene = scene
        self.sim = WarRoomSim(city, engine=engine, start_hour=start_hour, wall_tiles=scene.warroom.wall_spec.tiles,
                              dwell_s=dwell_s, seed=seed, crash=crash, cameras=cameras)
        self.watch = hub.watch() if hub is not None else None
        self.step_s = float(step_s)
        self.tile_budget = int(tile_budget)
        self._t_last: float | None = None
        self._watched: list[str] = []
        self.times = WarRoomTimes()

    def step(self, t_s: float, eye: Any = None) -> WarRoomTimes:
        """Bring the War Room to sim time ``t_s``: a new snapshot when due, the wall cameras' new frames.

        With the viewer's position ``eye`` outside the building, nothing is done: no snapshot, the wall's
        cameras not watched (the hub lets their streams go after its grace), no frame resized.
        """
        t0 = time.perf_counter()
        wr = self.scene.warroom
        inside = eye is None or wr.inside(eye)
        # outside nothing of the War Room can be seen: no snapshot either (the first frame inside brings it)
        if inside and (self._t_last is None or abs(t_s - self._t_last) >= self.step_s):
            wr.push(self.sim.snapshot(t_s))
            self._t_last = float(t_s)
        t1 = time.perf_counter()
        n = 0
        if self.watch is not None:
            cams = wr.wall_cameras() if inside else []
            if cams != self._watched:
                self.watch.set({c: "thumb" for c in cams})
                self._watched = cams
            frames = {}
            for c in cams:
                f = self.watch.latest(c)
                if f is not None:
                    frames[c] = (f.image, f.seq)
            n = wr.submit_frames(frames, budget=self.tile_budget)
        t2 = time.perf_counter()
        self.times = WarRoomTimes((t1 - t0) * 1000.0, (t2 - t1) * 1000.0, n)
        return self.times

    def close(self) -> None:
        """Stop watching the wall's cameras."""
        if self.watch is not None:
            self.watch.close()
            self.watch = None


class WarRoomVisit:
    """Walking into the War Room from the showroom's flight controls: viewpoints on ``g``, walking pace inside."""

    def __init__(self, scene: Any, flight: Any, lens: Any, *, near_outside_m: float = 1.0) -> None:
        self.scene = scene
        self.flight = flight
        self.lens = lens
        self.near_outside_m = float(near_outside_m)
        self.fly_mps = float(flight.speed_mps)
        self.min_alt_m = float(flight.min_altitude_m)
        self._stop = -1
        self.room: str | None = None

    def next_stop(self) -> str:
        """Jump to the next War Room viewpoint (entrance, video wall, fire control, server room); returns its name."""
        self._stop = (self._stop + 1) % len(TOUR_STOPS)
        name = TOUR_STOPS[self._stop]
        eye, target = self.scene.warroom.viewpoints()[name]
        d = np.asarray(target, dtype=float) - np.asarray(eye, dtype=float)
        self.flight.position = np.asarray(eye, dtype=float)
        # Panda3D heading: counter-clockwise from +y (north)
        self.flight.heading_deg = math.degrees(math.atan2(-d[0], d[1]))
        self.flight.pitch_deg = math.degrees(math.atan2(d[2], math.hypot(d[0], d[1])))
        return name

    def frame(self, eye: np.ndarray) -> str | None:
        """Per frame: inside the building, walk and see close; outside, fly as before. Returns the room, if inside."""
        room = self.scene.warroom.room_at(float(eye[0]), float(eye[1]), float(eye[2]))
        if room != self.room:
            inside = room is not None
            self.flight.speed_mps = WALK_MPS if inside else self.fly_mps
            self.lens.set_near(NEAR_INSIDE_M if inside else self.near_outside_m)
            self.room = room
        return room


def render_stills(city_dir: str, out_dir: str, *, size: tuple[int, int] = (960, 540), drill: str | None = None,
                  minute: float = 12.0, seed: int = 0) -> dict[str, str]:
    """PNG stills of the War Room's viewpoints on a city, with a drill running and a server crashed.

    The drill (default: the first of ``assets/drills``) is run to ``minute``; recording server 2 is down
    from 15 minutes before, so the server room shows its failover. Returns viewpoint -> PNG path.
    """
    import math
    from pathlib import Path

    import cv2
    from panda3d.core import NodePath, PerspectiveLens

    import feeds
    import scenes
    import twin
    from sim.drill import live_drill, read_scenario

    from .viewing import synthetic_feed_configs

    city = twin.load(city_dir)
    root_dir = Path(__file__).resolve().parents[1]
    scenario = read_scenario(drill or sorted((root_dir / "assets" / "drills").glob("*.yaml"))[0])
    engine = live_drill(scenario, city)
    t_s = minute * 60.0
    engine.env.run(until=t_s)
    clock_s = scenario.start_hour * 3600.0 + t_s
    cams = twin.select_cameras(city, "existing")
    eng = scenes.HeadlessEngine()
    root = NodePath("render")
    scene = scenes.CityScene(city, root, eng.graphics, cameras=cams)
    w, h = size
    lens = PerspectiveLens()
    lens.set_fov(60.0, math.degrees(2 * math.atan(math.tan(math.radians(30.0)) * h / w)))
    lens.set_near_far(NEAR_INSIDE_M, 8000.0)
    view = scenes.OffscreenView(eng.graphics, root, w, h, lens=lens)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    with feeds.FeedHub(synthetic_feed_configs(cams, size=(320, 180), fps=5.0), grace_s=2.0) as hub:
        driver = WarRoomDriver(city, scene, hub=hub, engine=engine, start_hour=scenario.start_hour, seed=seed,
                               crash=(1, clock_s - 900.0, 3600.0), cameras=cams, tile_budget=24)
        for name, (eye, target) in scene.warroom.viewpoints().items():
            view.camera.set_pos(*eye)
            view.camera.look_at(*target)
            deadline = time.monotonic() + 20.0
            while time.monotonic() < deadline:
                driver.step(t_s, eye)
                if all(k in driver.scene.warroom.wall._seq for k in range(scene.warroom.wall_spec.tiles)):
                    break
                time.sleep(0.1)
            scene.update(view.camera, lens)
            eng.render_frame()
            p = out / f"warroom_{name}.png"
            cv2.imwrite(str(p), view.grab())
            written[name] = str(p)
        driver.close()
    view.destroy()
    scene.destroy()
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m showroom_cli.warroom --stills DIR``: the War Room's stills (README pictures)."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m showroom_cli.warroom", description=main.__doc__)
    ap.add_argument("--city", default="assets/city")
    ap.add_argument("--stills", required=True, metavar="DIR")
    ap.add_argument("--size", default="960x540")
    ap.add_argument("--drill", default=None)
    ap.add_argument("--minute", type=float, default=12.0)
    args = ap.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))
    for name, path in render_stills(args.city, args.stills, size=(w, h), drill=args.drill, minute=args.minute).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
