"""The showroom's planning mode (``showroom view --plan``): input and state wiring around a PlanSession.

Mouse, keys, VR controllers and scripts all end in :class:`showroom_cli.plan_actions.PlanActions`;
this module turns pointer positions into rays and rays into picks on the city (the height raster,
:func:`scenes.pick_surface`), drags into previews, and after each edit hands the scene plain data:
the plan's cameras (:class:`twin.Camera`), the session's DORI levels raster, the panel's text.

Mouse and keys (window): left-click on a street, square, facade or roof places a camera with the
current lens there (dragging before the release slides it); left-drag a plan camera's pole moves
it; shift+left-drag aims the selected camera at the point under the pointer; Tab / shift+Tab
cycle the lens catalogue; ``,`` ``.`` turn, ``-`` ``=`` tilt, ``9`` ``0`` lower/raise; Delete
deletes; Ctrl+Z / Ctrl+Y undo/redo; L locks; shift+F fills the rest with the optimiser; Ctrl+S
saves. The engine recomputes on release (a drag moves only the drawing and the inset).
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from showroom_cli.plan_actions import PlanActions, is_locked, plan_cameras

#: How close (degrees off the pointer's ray) a plan camera must be to be grabbed.
GRAB_ANGLE_DEG = 3.0
#: Inset width (px) of the selected camera's virtual CCTV.
INSET_PX = 320


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """A field of a panel part, whether it is a dataclass or a mapping."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def panel_text(panel: Any, *, lens: str, selected: str | None, suggestion: str | None) -> str:
    """The consequences panel as text: DORI areas before/after, bitrate, storage, servers, fire minutes."""
    lines = [f"PLAN  lens {lens_text(lens)}", f"camera {selected or '-'}"]
    areas = _get(panel, "area_m2_by_level", {}) or {}
    if set(areas) >= {"before", "after"}:
        before, after = areas["before"], areas["after"]
        delta = areas.get("delta") or {k: after[k] - before[k] for k in after}
        lines.append("public space m2   before     after     delta")
        for level in after:
            lines.append(f"  {str(level):<12} {before[level]:>9,.0f} {after[level]:>9,.0f} {delta[level]:>+9,.0f}")
    servers = _get(panel, "servers")
    running = str(_get(panel, "servers_status", "done")).startswith("run")
    servers_txt = "running…" if servers is None else f"{servers}" + (" (running…)" if running else "")
    lines.append(
        f"bitrate {_get(panel, 'bitrate_kbps', 0) / 1000:,.1f} Mbit/s   storage {_get(panel, 'storage_tb', 0):,.1f} TB"
        f"   servers {servers_txt}"
    )
    fire = _get(panel, "fire")
    if fire is not None:
        status = str(_get(fire, "status", ""))
        saved = _get(fire, "minutes_saved")
        if saved is None or status.startswith("run"):
            lines.append("fire: running…" if saved is None else f"fire: {saved:+.2f} min (running…)")
        else:
            lo, hi = _get(fire, "ci_low", 0.0), _get(fire, "ci_high", 0.0)
            lines.append(f"fire: {saved:+.2f} min saved (95% CI {lo:+.2f} .. {hi:+.2f})")
    if suggestion:
        lines.append(suggestion.replace("²", "2"))  # the window's font has no superscript two
    ms = _get(panel, "last_update_ms")
    if ms is not None:
        lines.append(f"updated in {ms:.0f} ms")
    lines.append(KEYS_HELP)
    return "\n".join(lines)


def lens_text(name: str) -> str:
    """A catalogue lens in a few words: name, field of view, resolution (the name alone if not in the catalogue)."""
    from twin import LENSES

    spec = LENSES.get(name)
    if spec is None:
        return name
    return f"{name} ({spec.body}, {spec.hfov_deg:.0f} deg, {spec.width_px}x{spec.height_px})"


#: The keys, as the panel's last line shows them.
KEYS_HELP = (
    "click place | drag pole move | shift+drag aim\n"
    "Tab lens | , . turn | - = tilt | 9 0 height | Del delete\n"
    "Ctrl+Z/Y undo/redo | L lock | shift+F fill | Ctrl+S save"
)


class PlanningMode:
    """Planning in the showroom window (and headset): input to actions, session state to the scene.

    Args:
        app: the showroom app (its scene, camera, window, render root, VR origin).
        session: the planning session.
        city: the twin (its height raster is built for picking when the session has none).
        lenses: lens catalogue names, in cycling order.
        save_path: where Ctrl+S writes the plan.
        fill_n: how many cameras shift+F asks for (None: as many as the unlocked plan cameras it replaces).
    """

    def __init__(
        self, app: Any, session: Any, city: Any, *, lenses: list[str], save_path: Path, fill_n: int | None = None
    ) -> None:
        self.app = app
        self.session = session
        self.actions = PlanActions(session, lenses, save_path=save_path, fill_n=fill_n)
        raster = getattr(session, "raster", None)
        if raster is None or not hasattr(raster, "dsm"):
            from twin.raster import build_raster

            raster = build_raster(city, resolution_m=float(getattr(session, "resolution_m", 1.0)))
        self.dsm = np.asarray(raster.dsm)
        self.dsm_gt = tuple(raster.geotransform)
        self.dsm_top_m = float(self.dsm.max()) if self.dsm.size else 0.0
        self.layer = app.scene.plan_layer(np.asarray(session.levels), session.geotransform)
        self._drawn: dict[str, tuple[Any, bool, bool]] = {}
        self.grab: tuple[str, str] | None = None  # (camera id, "move" | "aim")
        self._grab_moved = False
        self._grab_by_mouse = True
        self._preview: Any = None
        self.pointer_override: tuple[float, float] | None = None
        self._vr_select: dict[str, bool] = {}
        self._vr_ray: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.suggestion: str | None = None
        self.suggest_ms: list[float] = []
        self._suggest_due = False
        self.timings_ms: list[dict[str, float]] = []
        self.drag_frames_ms: list[float] = []
        self._panel: Any = None
        self._panel_poll = 0.0
        # the session pushes its panel after each edit and when a background figure lands (from its worker
        # thread): the frame picks the newest up; assigning one reference is atomic, so no lock is needed
        self._pushed: tuple[float, Any] | None = None
        self._edit_t = time.perf_counter()
        self._waiting: set[str] = set()
        self.background_ms: dict[str, list[float]] = {"servers": [], "fire": []}
        self.frame_ms: dict[str, list[float]] = {"dragging": [], "idle": []}
        self._last_frame_t: float | None = None
        self._vr_text: Any = None
        if hasattr(session, "on_change"):
            session.on_change(self._on_change)
        self._make_ui()
        self._bind()
        self.refresh()

    # ---- UI ---------------------------------------------------------------------------------------
    def _make_ui(self) -> None:
        from direct.gui.OnscreenImage import OnscreenImage
        from direct.gui.OnscreenText import OnscreenText
        from panda3d.core import TextNode

        app = self.app
        self.text = OnscreenText(
            text="", parent=app.a2dTopRight, pos=(-1.02, -0.72), scale=0.036, align=TextNode.A_left,
            fg=(1, 1, 1, 1), bg=(0, 0, 0, 0.55), shadow=(0, 0, 0, 1), mayChange=True,
        )
        self.inset_image: OnscreenImage | None = None  # made with the first selected camera's view
        self._inset_tex: Any = None

    def _bind(self) -> None:
        a = self.actions
        bind = self.app.accept
        bind("mouse1", self.press, [False])
        bind("shift-mouse1", self.press, [True])
        for up in ("mouse1-up", "shift-mouse1-up"):
            bind(up, self.release)
        keys = {
            "tab": (a.cycle_lens, [1]),
            "shift-tab": (a.cycle_lens, [-1]),
            ",": (a.turn, [-1]),
            ".": (a.turn, [1]),
            "-": (a.tilt, [-1]),
            "=": (a.tilt, [1]),
            "9": (a.raise_, [-1]),
            "0": (a.raise_, [1]),
            "delete": (a.delete, []),
            "backspace": (a.delete, []),
            "control-z": (a.undo, []),
            "control-y": (a.redo, []),
            "l": (a.lock, []),
            "shift-f": (a.fill, []),
            "control-s": (a.save, []),
        }
        for key, (fn, args) in keys.items():
            bind(key, self.do, [fn, *args])

    def _on_change(self, panel: Any) -> None:
        self._pushed = (time.perf_counter(), panel)

    def do(self, fn: Any, *args: Any, **kw: Any) -> Any:
        """Run one action, then bring the scene and the panel up to date (timed)."""
        t0 = time.perf_counter()
        self._pushed = None
        out = fn(*args, **kw)
        t1 = time.perf_counter()
        self._edit_t = t0
        self._waiting = {"servers", "fire"}
        self.refresh()
        self.timings_ms.append(
            {"action": fn.__name__, "edit_ms": (t1 - t0) * 1000.0, "scene_ms": (time.perf_counter() - t1) * 1000.0}
        )
        return out

    # ---- pointer -> ray -> pick -------------------------------------------------------------------
    def pointer(self) -> tuple[float, float] | None:
        """The pointer in film units (-1..1): a script's, else the window's mouse."""
        if self.pointer_override is not None:
            return self.pointer_override
        mw = self.app.mouseWatcherNode
        if not mw.has_mouse():
            return None
        m = mw.get_mouse()
        return float(m[0]), float(m[1])

    def set_pointer(self, at: tuple[float, float]) -> None:
        """Move the pointer (scripts): the window's own pointer too, where the window allows."""
        self.pointer_override = (float(at[0]), float(at[1]))
        win = self.app.win
        if win is not None and hasattr(win, "move_pointer"):
            w, h = win.get_x_size(), win.get_y_size()
            win.move_pointer(0, int(round((at[0] + 1) / 2 * w)), int(round((1 - at[1]) / 2 * h)))

    def ray(self, at: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
        """The world ray through film point ``at`` of the window's camera."""
        from panda3d.core import Point3

        app = self.app
        near, far = Point3(), Point3()
        app.cam.node().get_lens().extrude(at, near, far)
        o = np.array(app.render.get_relative_point(app.cam, near))
        f = np.array(app.render.get_relative_point(app.cam, far))
        return o, f - o

    def pick(self, origin: np.ndarray, direction: np.ndarray) -> Any:
        """Where a ray meets the city (:class:`scenes.SurfaceHit`), or None."""
        from scenes.picking import pick_surface

        return pick_surface(origin, direction, self.dsm, self.dsm_gt, top_m=self.dsm_top_m)

    def _grabbable(self, origin: np.ndarray, direction: np.ndarray) -> str | None:
        from scenes.picking import pick_camera

        cams = plan_cameras(self.session)
        if not cams:
            return None
        k = pick_camera(origin, direction, np.array([c.position for c in cams]), max_angle_deg=GRAB_ANGLE_DEG)
        return None if k is None else cams[k].id

    def _viewer_heading_deg(self) -> float:
        """The viewer's look direction as a compass heading (a new camera looks the same way)."""
        return (-float(self.app.cam.get_h(self.app.render))) % 360.0

    # ---- press, drag, release (mouse and VR alike) -------------------------------------------------
    def press(self, aim: bool = False, ray: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Pointer down: aim (shift), grab a plan camera's pole, or place a new camera where it points."""
        self._grab_by_mouse = ray is None
        if ray is None:
            at = self.pointer()
            if at is None:
                return
            ray = self.ray(at)
        if aim:
            if self.actions.selected is not None:
                self.grab, self._grab_moved = (self.actions.selected, "aim"), False
            return
        cid = self._grabbable(*ray)
        if cid is not None:
            self.actions.select(cid)
            self.grab, self._grab_moved = (cid, "move"), False
            self.refresh()
            return
        hit = self.pick(*ray)
        if hit is None:
            return
        cid = self.do(self.actions.place_on, hit, heading_deg=self._viewer_heading_deg())
        self.grab, self._grab_moved = (cid, "move"), False
        self._suggest_due = True  # once the pointer lets go (a drag before that moves it first)

    def drag(self, ray: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Pointer held: preview the grabbed camera at the pointer (drawing and inset only, no recompute)."""
        if self.grab is None:
            return
        if ray is None:
            at = self.pointer()
            if at is None:
                return
            ray = self.ray(at)
        hit = self.pick(*ray)
        if hit is None:
            return
        cid, kind = self.grab
        cam = self.session.camera(cid)
        if kind == "move":
            if math.hypot(hit.x_m - cam.x, hit.y_m - cam.y) < 0.25 and not self._grab_moved:
                return
            preview = dataclasses.replace(cam, x=hit.x_m, y=hit.y_m)
        else:
            from showroom_cli.plan_actions import aim

            heading, tilt = aim(cam.position, (hit.x_m, hit.y_m, hit.z_m))
            preview = dataclasses.replace(cam, heading_deg=heading, tilt_deg=tilt)
        self._grab_moved = True
        self._preview = preview
        self.layer.show_camera(preview, selected=True, locked=is_locked(self.session, cid))
        self._show_inset(preview)

    def release(self, ray: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Pointer up: a dragged camera's move or aim goes to the session (the engine recomputes now)."""
        if self.grab is None:
            return
        self.drag(ray)
        cid, kind = self.grab
        self.grab = None
        p, self._preview = self._preview, None
        if not self._grab_moved or p is None:
            return
        if kind == "move":
            self.do(self.actions.move_to, p.x, p.y, cid)
        else:
            self.do(self.actions.set_pose, heading_deg=p.heading_deg, tilt_deg=p.tilt_deg)
        self._suggest_due = True

    # ---- VR --------------------------------------------------------------------------------------
    def vr_hands(self, hands: list[Any]) -> None:
        """Controllers this frame: the trigger presses, drags and releases along the laser, as the mouse does."""
        from panda3d.core import Point3, Vec3

        app = self.app
        seen = set()
        for c in hands:
            o = np.array(app.render.get_relative_point(app.vr_origin, Point3(*c.position)))
            d = np.array(app.render.get_relative_vector(app.vr_origin, Vec3(*c.direction)))
            seen.add(c.hand)
            self._vr_ray[c.hand] = (o, d)
            was = self._vr_select.get(c.hand, False)
            if c.select and not was:
                self.press(False, (o, d))
            elif c.select:
                self.drag((o, d))
            elif was:
                self.release((o, d))
            self._vr_select[c.hand] = bool(c.select)
        for hand in [h for h, on in self._vr_select.items() if on and h not in seen]:
            # a controller that vanished mid-press (tracking lost, or a one-frame scripted pull) lets go
            self._vr_select[hand] = False
            self.release(self._vr_ray.get(hand))  # where its laser last pointed, not the desktop mouse

    # ---- scene and panel ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring the drawing, the drape, the inset and the panel up to the session's state."""
        s = self.session
        self.layer.set_levels(np.asarray(s.levels))
        now: dict[str, tuple[Any, bool, bool]] = {}
        for c in plan_cameras(s):
            now[c.id] = (c, c.id == self.actions.selected, is_locked(s, c.id))
        for cid in set(self._drawn) - set(now):
            self.layer.hide_camera(cid)
        for cid, state in now.items():
            if self._drawn.get(cid) != state:
                self.layer.show_camera(state[0], selected=state[1], locked=state[2])
        self._drawn = now
        sel = self.actions.selected
        self._show_inset(s.camera(sel) if sel in now else None)
        pushed = self._pushed
        self._panel = pushed[1] if pushed is not None else s.panel()
        self._update_text()

    def _update_text(self) -> None:
        a = self.actions
        text = panel_text(self._panel, lens=a.lens, selected=a.selected, suggestion=self.suggestion)
        self.text.setText(text)
        if self.app.provider is not None:
            self._vr_panel(text)

    def _vr_panel(self, text: str) -> None:
        """In a headset the 2D panel is not seen: the same text floats in the play space, ahead and to the right."""
        from panda3d.core import TextNode

        if self._vr_text is None:
            node = TextNode("plan-panel-vr")
            node.set_text_color(1, 1, 1, 1)
            node.set_card_color(0, 0, 0, 0.6)
            node.set_card_as_margin(0.3, 0.3, 0.3, 0.3)
            self._vr_text = node
            np_ = self.app.vr_origin.attach_new_node(node)
            np_.set_pos(0.5, 1.2, 1.9)  # play-space metres: right, ahead, up
            np_.set_scale(0.035)
            np_.set_billboard_point_eye()
            np_.set_light_off()
            np_.set_depth_test(False)
            np_.set_bin("fixed", 50)
        self._vr_text.set_text(text)

    def _show_inset(self, cam: Any) -> None:
        from direct.gui.OnscreenImage import OnscreenImage
        from panda3d.core import TransparencyAttrib

        v = self.layer.inset(cam, width_px=INSET_PX)
        if v is None:
            if self.inset_image is not None:
                self.inset_image.hide()
            return
        aspect = cam.height_px / cam.width_px
        if self.inset_image is None:
            self.inset_image = OnscreenImage(image=v.view.texture, parent=self.app.a2dBottomRight)
            self.inset_image.set_transparency(TransparencyAttrib.M_none)
        elif v.view.texture is not self._inset_tex:
            self.inset_image.setImage(v.view.texture)
        self._inset_tex = v.view.texture
        self.inset_image.set_pos(-0.42, 0, 0.04 + 0.4 * aspect)
        self.inset_image.set_scale(0.4, 1, 0.4 * aspect)
        self.inset_image.show()

    def frame(self) -> None:
        """Once a frame: the drag preview, a due suggestion, background figures (servers, fire) as they land."""
        now = time.perf_counter()
        if self._last_frame_t is not None:
            series = self.frame_ms["dragging" if self.grab is not None else "idle"]
            series.append((now - self._last_frame_t) * 1000.0)
            del series[:-600]
        self._last_frame_t = now
        if self.grab is not None and self._grab_by_mouse:  # a controller's grab follows its laser in vr_hands
            t0 = time.perf_counter()
            self.drag()
            self.drag_frames_ms.append((time.perf_counter() - t0) * 1000.0)
            del self.drag_frames_ms[:-600]
        if self._suggest_due and self.grab is None:
            self._suggest_due = False
            sel = self.actions.selected
            if sel is not None and sel in self._drawn:
                t0 = time.perf_counter()
                self.suggestion = str(getattr(self.session.suggest(sel), "text", ""))
                self.suggest_ms.append((time.perf_counter() - t0) * 1000.0)
                self._update_text()
        pushed = self._pushed
        if pushed is not None and pushed[1] is not self._panel:
            self._panel = pushed[1]
            self._update_text()
        elif now >= self._panel_poll and self._waiting:
            self._panel_poll = now + 0.5  # without pushes from the session: look twice a second
            self._panel = self.session.panel()
            self._update_text()
        self._note_background(now if pushed is None else pushed[0])

    def _note_background(self, t: float) -> None:
        """Time from the last edit to each background figure of the current plan landing."""
        p = self._panel
        done = {
            "servers": not str(_get(p, "servers_status", "done")).startswith("run"),
            "fire": not str(_get(_get(p, "fire"), "status", "done")).startswith("run"),
        }
        for k in list(self._waiting):
            if done[k]:
                self._waiting.discard(k)
                self.background_ms[k].append((t - self._edit_t) * 1000.0)

    # ---- scripts and trace ------------------------------------------------------------------------
    def script_step(self, step: dict[str, Any]) -> None:
        """Planning steps of a ``--script``.

        ``pointer`` [fx, fy] (film units), ``pointer_at`` [x, y, z] (a world point's place on screen),
        ``pointer_at_camera`` (a plan camera's id, or ``@selected``: its lens on screen), ``press``
        ("mouse1" or "shift-mouse1"), ``release`` ("mouse1"), ``vr_ray`` (``{"position": [x, y, z],
        "direction": [dx, dy, dz], "select": true}`` in the play space: one frame of the right controller).
        """
        if "pointer" in step:
            self.set_pointer(tuple(map(float, step["pointer"])))
        if "pointer_at" in step:
            self.set_pointer(self.film_xy(tuple(map(float, step["pointer_at"]))))
        if "pointer_at_camera" in step:
            name = str(step["pointer_at_camera"])
            cid = self.actions.selected if name == "@selected" else name
            if cid is not None:
                self.set_pointer(self.film_xy(tuple(self.session.camera(cid).position)))
        if "vr_ray" in step and self.app.provider is not None:
            from scenes.xr import Controller

            r = step["vr_ray"]
            self.app.provider.inject(
                Controller(
                    str(r.get("hand", "right")),
                    tuple(map(float, r["position"])),
                    tuple(map(float, r["direction"])),
                    select=bool(r.get("select", True)),
                )
            )
        if "press" in step:
            self.app.messenger.send(str(step["press"]))
        if "release" in step:
            self.app.messenger.send(f"{step['release']}-up")

    def film_xy(self, xyz: tuple[float, ...]) -> tuple[float, float]:
        """Where a world point appears in the window (film units)."""
        from panda3d.core import Point2, Point3

        app = self.app
        p = app.cam.get_relative_point(app.render, Point3(*xyz))
        out = Point2()
        if not app.cam.node().get_lens().project(p, out):
            return (9.0, 9.0)
        return float(out[0]), float(out[1])

    def trace(self) -> dict[str, Any]:
        """What the planner did and what the panel showed (the window's ``--trace``)."""
        cams = plan_cameras(self.session)
        return {
            "actions": list(self.actions.log),
            "selected": self.actions.selected,
            "lens": self.actions.lens,
            "cameras": [
                {"id": c.id, "x": c.x, "y": c.y, "mount_height_m": c.mount_height_m, "heading_deg": c.heading_deg,
                 "tilt_deg": c.tilt_deg, "type": c.type, "locked": is_locked(self.session, c.id)}
                for c in cams
            ],
            "panel": _plain(self._panel),
            "panel_text": self.text.getText(),
            "suggestion": self.suggestion,
            "timings_ms": self.timings_ms,
            "drag_frames_ms": self.drag_frames_ms,
            "frame_ms": self.frame_ms,
            "background_ms": self.background_ms,
            "suggest_ms": self.suggest_ms,
            "drape_tiles_uploaded": self.layer.tiles_uploaded,
            "vr_panel": None if self._vr_text is None else self._vr_text.get_text(),
        }

    def destroy(self) -> None:
        """Stop the session's background work; remove the panel and inset (the layer goes with the scene)."""
        if hasattr(self.session, "close"):
            self.session.close()
        self.text.destroy()
        if self.inset_image is not None:
            self.inset_image.destroy()


def _plain(obj: Any) -> Any:
    """A panel as JSON-ready data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _plain(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    return obj


def open_session(city: Any, cameras: Any, *, resolution_m: float, seed: int) -> Any:
    """The planning session ``showroom view --plan`` edits: the city's cameras, or a plan file to start from."""
    from sim.planning import PlanSession

    return PlanSession(city, cameras=cameras, resolution_m=resolution_m, seed=seed, fire=True)


def scene_cameras(session: Any) -> list[Any]:
    """The cameras the scene projects video for in planning mode: the city's existing ones (the plan's are drawn)."""
    from showroom_cli.plan_actions import _ids

    return [c for c in (session.camera(cid) for cid in _ids(session)) if c.status == "existing"]


def open_planning(app: Any, city: Any, opts: Any) -> PlanningMode:
    """The planning mode on a showroom app, from its :class:`showroom_cli.viewing.ViewOptions`."""
    from twin import LENSES, lens_spec
    from twin.lenses import DEFAULT_LENS

    names = list(LENSES)
    names.insert(0, names.pop(names.index(lens_spec(DEFAULT_LENS).name)))  # the default lens comes first
    return PlanningMode(
        app, opts.plan_session, city, lenses=names, save_path=Path(opts.plan_out or "plan.geojson"),
        fill_n=opts.plan_fill,
    )
