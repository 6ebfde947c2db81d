"""The showroom's headset side, beside ``showroom_cli/app.py``: the frame loop around a view provider and VR input.

:class:`HeadsetFrames` is mixed into the one ShowBase subclass. Two tasks bracket Panda3D's draw
(``igLoop``, sort 50): ``xr-begin`` (sort 40) waits for the runtime's frame, places the play space
on the flight pose and the eyes in it, and reads the controllers; ``xr-submit`` (sort 55) hands the
drawn eyes to the headset, and on the first frame creates the OpenXR session on the GL context
that is current then. Escape asks the runtime to end the session; the app quits when the runtime
says EXITING (bounded by three seconds), so every path closes the session the OpenXR way.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from typing import Any

import numpy as np
from panda3d.core import CardMaker, LineSegs, Point3, Vec3

from scenes.picking import pick_camera


def has_display() -> bool:
    """Whether a desktop window can open (the VR mirror; OpenXR's Xlib binding needs an X display)."""
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY"))


class HeadsetFrames:
    """The VR methods of the showroom app (a mixin: it uses the app's scene, flight, panel and provider)."""

    rig: Any = None
    provider: Any = None
    _quit_deadline: float | None = None
    _lasers: Any = None
    teleports = 0
    xr_fallback: str | None = None
    frame_dt = 0.0

    def start_headset(self, graphics: Any) -> None:
        """The stereo rig under the play-space origin, the window as its mirror, and the two frame tasks.

        The eye cameras render the whole scene graph above the origin; the window shows the eyes, so
        its own 3D camera draws nothing.
        """
        from scenes.stereo import StereoRig

        self.rig = StereoRig(self.provider, graphics, self.vr_origin, mirror=self.render2d)
        self.camNode.set_active(False)
        self.task_mgr.add(self._xr_begin, "xr-begin", sort=40)
        self.task_mgr.add(self._xr_submit, "xr-submit", sort=55)  # after igLoop (50) has drawn

    def request_quit(self) -> None:
        """Escape: a headset session is ended the OpenXR way first (the runtime walks it to EXITING)."""
        if self.rig is not None and hasattr(self.provider, "request_exit"):
            self.provider.request_exit()
            self._quit_deadline = time.perf_counter() + 3.0
        else:
            self.quit(0)

    def _xr_begin(self, task: Any) -> int:
        """Before the draw: wait for the headset's frame, place the play space and the eyes, read the hands."""
        p = self.provider
        if self.rig is None:
            return task.cont
        if getattr(p, "exiting", False) or (
            self._quit_deadline is not None and time.perf_counter() > self._quit_deadline
        ):
            self._xr_done()
            return task.cont
        self.vr_origin.set_pos(self.cam.get_pos(self.render))
        self.vr_origin.set_hpr(self.cam.get_h(self.render), 0.0, 0.0)
        if self.rig.begin():
            hands = p.controllers()
            self._handle_controllers(hands)
            self._fly(hands)
        return task.cont

    def _xr_submit(self, task: Any) -> int:
        """After the draw: the eyes go to the headset; the session binds here (the GL context is current)."""
        if self.rig is None:
            return task.cont
        if getattr(self.provider, "needs_binding", False):
            from scenes.xr import XRUnavailable

            try:
                self.rig.bind_if_needed()
            except XRUnavailable as e:
                self._xr_failed(str(e))
            return task.cont
        self.rig.submit()
        return task.cont

    def _xr_done(self) -> None:
        """The runtime ended the session (asked to exit, session lost, or Escape went through): quit."""
        p = self.provider
        reason = getattr(p, "exit_reason", None) or "the VR session ended"
        code = int(getattr(p, "exit_code", 0))
        print(f"VR session ended: {reason}", flush=True)
        self.quit(code)

    def _xr_failed(self, why: str) -> None:
        """The session could not start: --xr auto goes on on the desktop, --xr on quits with code 3."""
        if self.opts.xr_mode == "on":
            print(f"error: {why}", file=sys.stderr, flush=True)
            self.quit(3)
            return
        print(f"VR unavailable: {why}; desktop view", flush=True)
        self.xr_fallback = why
        self.provider.close()
        self.rig.destroy()
        self.rig = None
        self.camNode.set_active(True)

    xr_fallback: str | None = None

    def _fly(self, hands: list[Any]) -> None:
        """A controller's stick flies the play space along its laser (x strafes), at the flight speed."""
        for c in hands:
            fx, fy = c.fly
            if abs(fx) < 0.15 and abs(fy) < 0.15:  # a resting stick drifts a little
                continue
            d = np.array(self.render.get_relative_vector(self.vr_origin, Vec3(*c.direction)))
            right = np.array(self.render.get_relative_vector(self.vr_origin, Vec3(1.0, 0.0, 0.0)))
            timing = self.provider.timing
            dt = timing.frame_ms / 1000.0 if timing is not None and timing.frame_ms else self.frame_dt
            self.flight.position = self.flight.position + (fy * d + fx * right) * self.flight.speed_mps * dt

    def _handle_controllers(self, hands: list[Any]) -> None:
        """Lasers from the controllers; select opens a camera's feed on a floating panel, teleport moves."""
        from panda3d.core import Vec3

        if self._lasers is not None:
            self._lasers.remove_node()
            self._lasers = None
        planning = getattr(self, "planning", None)
        if planning is not None:  # the trigger places, grabs and moves plan cameras instead of opening feeds
            planning.vr_hands(hands)
        if not hands:
            return
        segs = LineSegs("lasers")
        segs.set_thickness(3.0)
        segs.set_color(1.0, 0.2, 0.2, 1.0)
        for c in hands:
            o = self.render.get_relative_point(self.vr_origin, Point3(*c.position))
            d = self.render.get_relative_vector(self.vr_origin, Vec3(*c.direction))
            d.normalize()
            segs.move_to(o)
            segs.draw_to(o + d * 500.0)
            if c.select and planning is None:
                k = pick_camera(np.array(o), np.array(d), self.cam_xyz, max_angle_deg=3.0)
                if k is not None:
                    self.open_panel(self.cam_ids[k])
                    self._float_panel(np.array(o), np.array(d))
            if c.teleport and d[2] < -1e-6:
                s = -o[2] / d[2]
                hit = np.array(o) + s * np.array(d)
                self.flight.position = np.array([hit[0], hit[1], 0.0])
                self.teleports += 1
        self._lasers = self.render.attach_new_node(segs.create())

    _lasers = None
    teleports = 0

    def _float_panel(self, origin: np.ndarray, direction: np.ndarray) -> None:
        """The feed on a card 2 m along the laser, turned to face the viewer (VR has no 2D overlay)."""
        if getattr(self, "_vr_panel", None) is None:
            cm = CardMaker("vr-panel")
            cm.set_frame(-0.8, 0.8, -0.45, 0.45)
            self._vr_panel = self.render.attach_new_node(cm.generate())
            self._vr_panel.set_texture(self.panel_tex)
            self._vr_panel.set_light_off()
            self._vr_panel.set_billboard_point_eye()
            self._vr_panel.set_two_sided(True)
        self._vr_panel.set_pos(*(origin + 2.0 * direction / np.linalg.norm(direction)))

    def vr_ray_to(self, target: np.ndarray) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """A controller ray in play-space coordinates from the head towards a world point (scripts)."""
        from panda3d.core import Vec3

        head = self.render.get_relative_point(self.vr_origin, Point3(0.0, 0.0, 1.5))
        d = Vec3(*map(float, target)) - head
        o_local = self.vr_origin.get_relative_point(self.render, head)
        d_local = self.vr_origin.get_relative_vector(self.render, d)
        return (o_local[0], o_local[1], o_local[2]), (d_local[0], d_local[1], d_local[2])

    def xr_budget(self, frame_ms: float, parts: dict[str, float]) -> float:
        """With a headset on a runtime, the frame is the runtime's and its wait and submit are parts of it.

        The frame is how far the runtime's predicted display time moved on; the rest of the
        interval (``parts["render"]``, filled by the app) is split into the wait in ``xrWaitFrame``,
        the draw and the submit. Returns the frame time to record (``frame_ms`` without a runtime).
        """
        timing = getattr(self.provider, "timing", None)
        if self.rig is None or timing is None:
            return frame_ms
        parts["xr_wait"] = timing.wait_ms
        parts["xr_submit"] = self.rig.submit_ms
        parts["render"] = max(parts["render"] - timing.wait_ms - self.rig.submit_ms, 0.0)
        return timing.frame_ms if timing.frame_ms is not None else timing.period_ms

    def xr_trace(self) -> dict[str, Any]:
        """The headset's part of the run's trace: runtime, counters, the last frame's timing, any fallback."""
        p = self.provider
        timing = getattr(p, "timing", None)
        return {
            "xr": None if p is None else p.name,
            "xr_runtime": None if p is None else p.describe(),
            "xr_frames": None if p is None else p.counters.as_dict(),
            "xr_timing": None if timing is None else dataclasses.asdict(timing),
            "xr_fallback": self.xr_fallback,
            "eye_frames_submitted": 0 if p is None else p.counters.submitted,
        }
