"""The showroom window (desktop or VR): part of the composition root, beside ``showroom.py``.

The one ShowBase subclass lives here. It wires the four packages and computes nothing itself:
the city scene (``scenes``), camera video (``feeds``: every frame privacy-masked before it is shown),
the simulation (``sim``: a SimPy environment advanced each frame by :class:`sim.clock.SimClock`,
never blocking the frame) and the visitor tour. Keys: WASD/arrows fly, r/z up/down, right-drag
looks, left-click a camera opens its feed, c/f/v/m/e toggle overlays, space pauses, 1/2/3 set
1x/60x/600x, h hides the HUD, Escape quits (exit code 0).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from showroom_cli.sources import CameraSources, parse_sources
from showroom_cli.viewing import ViewOptions, due, tour_parts

SPEED_KEYS = {"1": 1.0, "2": 60.0, "3": 600.0}


def run_view(city: Any, live: Any, opts: ViewOptions, provider: Any = None) -> int:
    """Open the showroom window (or drive a headset) until the user quits; returns the exit code."""
    from panda3d.core import load_prc_file_data

    from scenes.engine import ENGINE_PRC

    w, h = opts.size
    load_prc_file_data("showroom-window", f"win-size {w} {h}\nwindow-title Command-center twin showroom\n{ENGINE_PRC}")
    app = _make_app(city, live, opts, provider)
    try:
        app.run()
    except SystemExit as e:  # ShowBase's own exit path (window closed)
        code = e.code if isinstance(e.code, int) else 0
        app.close_all()
        return code
    except BaseException:
        # an exception in a frame: the headset session, feeds and windows still close before it propagates
        app.close_all()
        raise
    return app.close_all()


def _make_app(city: Any, live: Any, opts: ViewOptions, provider: Any) -> Any:  # noqa: C901 - one window's wiring
    from direct.gui.OnscreenImage import OnscreenImage
    from direct.gui.OnscreenText import OnscreenText
    from direct.showbase.ShowBase import ShowBase
    from panda3d.core import PerspectiveLens, Point3, TextNode, Texture, TransparencyAttrib

    import scenes
    from scenes.controls import FlightControls
    from scenes.hud import FrameBudget
    from scenes.picking import pick_camera
    from scenes.visit import GuidedTour
    from showroom_cli.life import DEFAULT_HOUR as LIFE_START_HOUR
    from showroom_cli.life import StreetLife
    from showroom_cli.vr import HeadsetFrames, has_display
    from showroom_cli.warroom import WarRoomDriver, WarRoomVisit, demo_crash
    from sim.clock import SimClock

    class ShowroomApp(HeadsetFrames, ShowBase):
        """The showroom: a window (or headset) on the twin city with the simulation running alongside."""

        def __init__(self) -> None:
            # a headset mirrors its eyes in a desktop window when there is a display (OpenXR's GLX needs one)
            super().__init__(windowType="onscreen" if provider is None or has_display() else "offscreen")
            self.disable_mouse()
            self.exit_code = 0
            self.opts = opts
            w, h = opts.size
            graphics = scenes.Graphics(self.graphicsEngine, self.win)
            self.scene = scenes.CityScene(city, self.render, graphics, cameras=opts.cameras)
            self.scene_stats = self.scene.stats()
            lens = PerspectiveLens()
            lens.set_fov(60.0, math.degrees(2 * math.atan(math.tan(math.radians(30.0)) * h / w)))
            lens.set_near_far(1.0, 8000.0)
            self.cam.node().set_lens(lens)
            self.cam.node().set_camera_mask(scenes.VIEW_MASK)
            self.set_background_color(0.62, 0.74, 0.86, 1)
            xmin, ymin, xmax, ymax = city.bounds()
            self.flight = FlightControls(
                position=np.array([(xmin + xmax) / 2, ymin - 0.25 * (ymax - ymin), 0.3 * (ymax - ymin)]),
                pitch_deg=-30.0,
            )
            # the window's light follows the sim clock, not the story's: the tour goes inside, not into the night
            parts, views = tour_parts(self.scene)
            self.tour = GuidedTour.build(city, seconds=90.0, lang=opts.lang, have=parts & {"war_room"},
                                         viewpoints=views)  # fmt: skip
            self.tour_on = opts.tour
            self._coverage_shown = False
            projecting = list(self.scene.projectors.projectors)
            # each camera's picture from its source (--source: virtual CCTV by default), every one privacy-masked
            choice = parse_sources(opts.sources, projecting, clips=opts.clips is not None)
            self.pump = CameraSources(self.scene, choice, clips_dir=opts.clips, budget=opts.feed_budget)
            self.hub = self.pump.hub
            self.cam_ids = projecting
            self.cam_xyz = np.array([self.scene.camera(cid).position for cid in projecting]).reshape(-1, 3)
            self.panel_sub = None
            self.panel_id: str | None = None
            self._panel_seq: int | None = None  # the frame on the panel: a repeat is not uploaded again
            self.panel_tex = Texture("panel")
            self.panel = None
            # the simulation alongside
            self.clock = SimClock(
                live.env, speed=opts.speed, snapshot_step_s=live.snapshot_step_s, snapshot=live.snapshot
            )
            # the sun, the night lights and street life follow the sim's clock from its scenario's start hour
            self._start_hour = float(getattr(getattr(live, "scenario", None), "start_hour", LIFE_START_HOUR))
            self.life = StreetLife(city, env=live.env, hour=self._start_hour)
            # the War Room inside the command center: its wall, board, racks and staff; g walks in
            self.warroom = WarRoomDriver(city, self.scene, hub=self.hub, engine=getattr(live, "engine", None),
                                         start_hour=self._start_hour, crash=demo_crash(city, self._start_hour),
                                         cameras=[c for c in self.scene.cameras if c.status == "existing"])
            self.visit = WarRoomVisit(self.scene, self.flight, lens)
            self.budget = FrameBudget()
            self.hud_on = True
            self.hud = OnscreenText(
                text="",
                parent=self.a2dTopLeft,
                pos=(0.05, -0.08),
                scale=0.045,
                align=TextNode.A_left,
                fg=(1, 1, 1, 1),
                shadow=(0, 0, 0, 1),
                mayChange=True,
            )
            self.caption = OnscreenText(
                text="",
                parent=self.a2dBottomCenter,
                pos=(0, 0.12),
                scale=0.05,
                fg=(1, 1, 1, 1),
                shadow=(0, 0, 0, 1),
                mayChange=True,
                wordwrap=40,
            )
            self.timeline = OnscreenText(
                text="",
                parent=self.a2dBottomLeft,
                pos=(0.05, 0.35),
                scale=0.04,
                align=TextNode.A_left,
                fg=(1, 1, 0.8, 1),
                shadow=(0, 0, 0, 1),
                mayChange=True,
            )
            if opts.training:
                OnscreenText(
                    text="TRAINING",
                    parent=self.a2dTopCenter,
                    pos=(0, -0.12),
                    scale=0.1,
                    fg=(1, 0.2, 0.1, 1),
                    shadow=(0, 0, 0, 1),
                )
            self.provider = provider
            self.vr_origin = self.render.attach_new_node("vr-play-space")
            if provider is not None:
                self.start_headset(graphics)
            self._bind_keys()
            self.planning = None
            if opts.plan_session is not None:
                from showroom_cli.planning_mode import open_planning

                self.planning = open_planning(self, city, opts)
                self._coverage_shown = True  # 'c' toggles the plan's DORI drape
            self._script = list(opts.script)
            self._t0 = time.perf_counter()
            self._last = self._t0
            self._drag_from: tuple[float, float] | None = None
            self.task_mgr.add(self._frame, "showroom-frame")

        # ---- input ------------------------------------------------------------------------
        def _bind_keys(self) -> None:
            for key in (
                "w",
                "a",
                "s",
                "d",
                "r",
                "z",
                "arrow_up",
                "arrow_down",
                "arrow_left",
                "arrow_right",
                "page_up",
                "page_down",
                "shift",
            ):
                self.accept(key, self.flight.key, [key, True])
                self.accept(f"{key}-up", self.flight.key, [key, False])
            for key in scenes.KEYMAP:
                self.accept(key, self.on_key, [key])
            self.accept("space", self.clock.toggle)
            for key, speed in SPEED_KEYS.items():
                self.accept(key, self.clock.set_speed, [speed])
            self.accept("h", self.toggle_hud)
            self.accept("[", self.jump, [-300.0])
            self.accept("]", self.jump, [300.0])
            self.accept("t", self.toggle_tour)
            self.accept("g", self.visit.next_stop)
            self.accept("escape", self.request_quit)
            self.accept("mouse1", self.on_click)
            self.accept("mouse3", self._start_drag)
            self.accept("mouse3-up", self._end_drag)

        def on_key(self, key: str) -> None:
            if key == "c" and not self._coverage_shown:
                self.show_coverage()
            self.scene.handle_key(key)

        def show_coverage(self) -> None:
            """Compute the scene's cameras' coverage once and drape it (the 'c' key's first press)."""
            from twin.coverage import compute_coverage

            cov = compute_coverage(city, self.scene.cameras, resolution_m=opts.coverage_resolution_m)
            self.scene.set_coverage(cov.best.reshape(cov.raster.shape), cov.raster.geotransform)
            self._coverage_shown = True
            self.scene.set_overlay("coverage", False)  # handle_key flips it on next

        def jump(self, dt_s: float) -> None:
            """Replays only: five minutes back or on in the drill (a live run cannot rewind)."""
            if not hasattr(live, "seek"):
                return
            self.clock.rebind(live.seek(float(self.clock.env.now) + dt_s))
            self.life.attach(self.clock.env)
            self.jumps += 1

        jumps = 0

        def toggle_hud(self) -> None:
            self.hud_on = not self.hud_on
            (self.hud.show if self.hud_on else self.hud.hide)()

        def toggle_tour(self) -> None:
            self.tour_on = not self.tour_on
            self._tour_t0 = time.perf_counter()

        def _mouse(self) -> tuple[float, float] | None:
            if not self.mouseWatcherNode.has_mouse():
                return None
            m = self.mouseWatcherNode.get_mouse()
            return float(m[0]), float(m[1])

        def _start_drag(self) -> None:
            self._drag_from = self._mouse()

        def _end_drag(self) -> None:
            self._drag_from = None

        def on_click(self, at: tuple[float, float] | None = None) -> str | None:
            """Open the feed of the camera under the mouse (or at film coordinates ``at``)."""
            at = at or self._mouse()
            if at is None or not len(self.cam_xyz):
                return None
            near, far = Point3(), Point3()
            self.cam.node().get_lens().extrude(at, near, far)
            o = self.render.get_relative_point(self.cam, near)
            f = self.render.get_relative_point(self.cam, far)
            k = pick_camera(np.array(o), np.array(f) - np.array(o), self.cam_xyz, max_angle_deg=3.0)
            if k is None:
                return None
            self.open_panel(self.cam_ids[k])
            return self.cam_ids[k]

        def open_panel(self, camera_id: str) -> None:
            """Show a camera's live (masked) feed on a panel; the title is its id and name, never its URL."""
            if self.panel_sub is not None:
                self.panel_sub.close()
            self.panel_sub = self.pump.subscribe(camera_id, "low")  # the picture its source gives
            self.panel_id = camera_id
            self._panel_seq = None
            if self.panel is None:
                self.panel = OnscreenImage(
                    image=self.panel_tex, parent=self.a2dTopRight, pos=(-0.55, 0, -0.42), scale=(0.5, 1, 0.2812)
                )
                self.panel.set_transparency(TransparencyAttrib.M_none)
                self.panel_title = OnscreenText(
                    text="",
                    parent=self.a2dTopRight,
                    pos=(-1.04, -0.1),
                    scale=0.04,
                    align=TextNode.A_left,
                    fg=(1, 1, 1, 1),
                    shadow=(0, 0, 0, 1),
                    mayChange=True,
                    wordwrap=24,
                )
            cam = self.scene.camera(camera_id)
            self.panel_title.setText(f"{cam.id}  {cam.name}".strip())

        def _camera_named(self, name: str) -> str:
            """A camera id, or ``@center``: the projecting camera nearest the middle of the view."""
            if name != "@center":
                return name
            xy = np.array([self.film_xy(cid) for cid in self.cam_ids])
            return self.cam_ids[int(np.argmin(np.hypot(xy[:, 0], xy[:, 1])))]

        def film_xy(self, camera_id: str) -> tuple[float, float]:
            """Where a camera appears in the window, in film units (-1..1): a script clicks there."""
            from panda3d.core import Point2

            p = self.cam.get_relative_point(self.render, Point3(*self.scene.camera(camera_id).position))
            out = Point2()
            if not self.cam.node().get_lens().project(p, out):
                return (9.0, 9.0)  # off screen: the click hits nothing
            return float(out[0]), float(out[1])

        def _update_panel(self) -> None:
            if self.panel_sub is None:
                return
            f = self.panel_sub.latest()
            if f is None or f.seq == self._panel_seq:
                return
            self._panel_seq = f.seq
            img = np.ascontiguousarray(f.image[::-1])  # Panda rows run bottom-up; BGR as it is
            ih, iw = img.shape[:2]
            if self.panel_tex.get_x_size() != iw or self.panel_tex.get_y_size() != ih:
                self.panel_tex.setup_2d_texture(iw, ih, Texture.T_unsigned_byte, Texture.F_rgb)
            self.panel_tex.set_ram_image(img.tobytes())

        def quit(self, code: int = 0) -> None:
            self.exit_code = code
            self.task_mgr.stop()


        # ---- scripted input (tests, demos) ----------------------------------------------------
        def _run_script(self, t: float) -> None:
            submitted = 0 if self.provider is None else self.provider.counters.submitted
            while self._script and due(self._script[0], t, submitted):
                step = self._script.pop(0)
                if "key" in step:
                    self.messenger.send(str(step["key"]))
                if "key_up" in step:
                    self.messenger.send(f"{step['key_up']}-up")
                if "click" in step:
                    self.on_click(tuple(step["click"]))
                if "vr_select" in step or "vr_teleport" in step:
                    from scenes.xr import Controller

                    if "vr_select" in step:
                        target = np.array(self.scene.camera(self._camera_named(str(step["vr_select"]))).position)
                    else:
                        target = np.array([*map(float, step["vr_teleport"]), 0.0])
                    o, d = self.vr_ray_to(target)
                    self.provider.inject(
                        Controller("right", o, d, select="vr_select" in step, teleport="vr_teleport" in step)
                    )
                if "click_camera" in step:
                    self.on_click(self.film_xy(self._camera_named(str(step["click_camera"]))))
                if "drag" in step:
                    self.flight.drag(*map(float, step["drag"]))
                if "screenshot" in step:
                    self.graphicsEngine.render_frame()
                    self.win.save_screenshot(str(step["screenshot"]))
                if step.get("quit"):
                    self.quit(0)
                if step.get("close_window"):
                    # what ShowBase does when the window manager closes its window (windowEvent: not open)
                    self.userExit()
                if self.planning is not None:
                    self.planning.script_step(step)
                if "fail" in step:
                    raise RuntimeError(f"scripted failure: {step['fail']}")

        # ---- the frame ---------------------------------------------------------------------------
        def _frame(self, task: Any) -> int:
            now = time.perf_counter()
            frame_ms = (now - self._last) * 1000.0
            dt = min(now - self._last, 0.25)  # a stall (window drag) must not fling the camera
            self.frame_dt = dt
            self._last = now
            t = now - self._t0
            self._run_script(t)
            if opts.quit_after_s is not None and t >= opts.quit_after_s:
                self.quit(0)
            t_sim0 = time.perf_counter()
            self.clock.tick(dt)
            if self.clock.curr is not None and self.clock.curr is not self._pushed:
                # a new snapshot (the clock makes a new pair for each): the scene reads it once, not every frame
                self._pushed = self.clock.curr
                self.scene.push_snapshot(self._pushed[1])
            # one snapshot step behind the clock, so the scene always blends between two snapshots
            self.scene.set_sim_time(self.clock.target - self.clock.snapshot_step_s)
            t_life0 = time.perf_counter()
            self.life.frame(self.scene, speed=self.clock.speed)
            self.scene.set_clock(scenes.clock_at(float(self.clock.env.now), start_hour=self._start_hour))
            t_feeds0 = time.perf_counter()
            eye = self._place_eye(dt, t)
            self.visit.frame(eye)
            self.warroom.step(float(self.clock.env.now), eye)
            self.pump.choose(eye, now, self._visible, self._screen_px)
            self.pump.pump(self.scene, visible=self._visible)
            self._update_panel()
            if self.planning is not None:
                self.planning.frame()
            t_scene0 = time.perf_counter()
            # in VR the visitor's left eye (last frame's pose) decides which cameras' video is seen
            viewer = self.rig.views[0].camera if self.rig is not None and self.rig.eyes else self.cam
            win_px = (self.win.get_x_size(), self.win.get_y_size()) if self.win is not None else opts.size
            stats = self.scene.update(viewer, viewer.node().get_lens(), win_px)
            self._visible = list(stats.uploads.visible_ids)
            win_h = self.win.get_y_size() if self.win is not None else 720
            self._screen_px = {cid: f * win_h for cid, f in stats.uploads.screen_frac.items()}
            t_end = time.perf_counter()
            parts = {
                "sim": (t_life0 - t_sim0) * 1000.0,
                "life": (t_feeds0 - t_life0) * 1000.0,
                "feeds": (t_scene0 - t_feeds0) * 1000.0,
                "scene": (t_end - t_scene0) * 1000.0,
            }
            # the window's draw runs between this task and the next frame's: the rest of the interval
            prev = self._prev_parts_ms
            parts["render"] = max(frame_ms - prev, 0.0)
            frame_ms = self.xr_budget(frame_ms, parts)
            self._prev_parts_ms = (t_end - now) * 1000.0
            if self.frames_seen > 0:
                self.budget.add(frame_ms, **parts)
            self.frames_seen += 1
            if hasattr(live, "timeline"):
                now_s = float(self.clock.env.now)
                minutes = f"{now_s / 60:5.1f} / {live.duration_s / 60:.0f} min"
                head = f"{getattr(live, 'title', 'replay')}  {minutes}  ([ ] -/+5 min)"
                self.timeline.setText("\n".join([head, *live.timeline(now_s)]))
            if self.hud_on:
                self.hud.setText(
                    self.budget.text(sim_time_s=self.clock.env.now, speed=self.clock.speed, paused=self.clock.paused)
                )
            return task.cont

        _closed = False
        frame_dt = 0.0
        _prev_parts_ms = 0.0
        _pushed: tuple[float, Any] | None = None
        frames_seen = 0
        _visible: list[str] | None = None
        _screen_px: dict[str, float] | None = None

        def _place_eye(self, dt: float, t: float) -> np.ndarray:
            if self.tour_on:
                tt = (time.perf_counter() - getattr(self, "_tour_t0", self._t0)) % self.tour.path.seconds
                eye, target = self.tour.pose_at(tt)
                self.cam.set_pos(*map(float, eye))
                self.cam.look_at(*map(float, target))
                self.caption.setText(self.tour.caption_at(tt))
                return np.asarray(eye, dtype=float)
            self.caption.setText("")
            if self._drag_from is not None:
                m = self._mouse()
                if m is not None:
                    w, h = opts.size
                    self.flight.drag((m[0] - self._drag_from[0]) * w / 2, -(m[1] - self._drag_from[1]) * h / 2)
                    self._drag_from = m
            pos = self.flight.step(dt)
            self.cam.set_pos(*map(float, pos))
            self.cam.set_hpr(self.flight.heading_deg, self.flight.pitch_deg, 0.0)
            return pos

        def trace_state(self) -> dict[str, Any]:
            """What the session did, for tests and demos: frames, overlays, panel, sim clock, frame budget."""
            return {
                "frames": self.frames_seen,
                "overlays": {k: self.scene.overlay_on(k) for k in scenes.OVERLAYS},
                "coverage_computed": self._coverage_shown,
                "panel_camera": self.panel_id,
                "sim_time_s": float(self.clock.env.now),
                "paused": self.clock.paused,
                "speed": self.clock.speed,
                "eye": [float(v) for v in self.cam.get_pos(self.render)],
                "budget_ms": self.budget.means(),
                "scene": self.scene_stats,
                "feeds_subscribed": sorted(self.pump.subs),
                **self.xr_trace(),
                "teleports": self.teleports,
                "jumps": self.jumps,
                "timeline": live.timeline(float(self.clock.env.now)) if hasattr(live, "timeline") else [],
                "plan": None if self.planning is None else self.planning.trace(),
                "warroom": {**self.scene.warroom.stats(), "room": self.visit.room,
                            "wall_cameras": self.scene.warroom.wall_cameras()},
            }

        def close_all(self) -> int:
            """Close feeds, the headset and the scene; returns the exit code (a second call does nothing more)."""
            if self._closed:
                return self.exit_code
            self._closed = True
            # the task manager outlives this app: its frame tasks must not run on a destroyed scene next time
            for name in ("showroom-frame", "xr-begin", "xr-submit"):
                self.task_mgr.remove(name)
            if self.provider is not None:
                self.provider.close()  # first: the session's last states (STOPPING, EXITING) go into the trace
            if opts.trace:
                Path(opts.trace).write_text(json.dumps(self.trace_state(), indent=2) + "\n", encoding="utf-8")
            self.pump.close()
            if self.planning is not None:
                self.planning.destroy()
            self.warroom.close()
            if self.panel_sub is not None:
                self.panel_sub.close()
            self.hub.close(timeout_s=2.0)
            if self.rig is not None:
                self.rig.destroy()
            self.scene.destroy()
            self.destroy()
            return self.exit_code

    return ShowroomApp()
