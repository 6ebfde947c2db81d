"""A planning session: place, move, aim and delete cameras by hand and see the consequences at once.

:class:`PlanSession` is the engine behind the showroom's planning mode (window and VR) and the API
scripts and tests drive. It holds the plan's cameras, the city's coverage kept up to date in the
edited camera's window only (:class:`twin.CoverageState`), an undo/redo history of edit records
(who changed what), locks, the optimiser's fill around the locked cameras
(:func:`twin.plan_cameras` with ``fixed``), the optimiser's best site near a camera
(:func:`twin.best_nearby`), and the consequences worked out in a background thread
(:class:`~sim.planning._consequences.Consequences`: recording servers per camera-count band, fire
minutes saved from a paired fire run). :meth:`PlanSession.save` writes a ``plan.geojson`` that every
command's ``--cameras FILE`` reads back as the same camera set.
"""

from __future__ import annotations

__all__ = ["EditRecord", "Panel", "PlanSession", "Suggestion"]

import dataclasses
import math
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

import twin
from sim.planning._consequences import Consequences, FireFigure, camera_key
from sim.planning._planio import snap_xy

if TYPE_CHECKING:
    import os


@dataclass(frozen=True)
class EditRecord:
    """One change to one camera: ``before``/``after`` are the camera then (None: absent)."""

    seq: int
    edit: str
    camera_id: str
    by: str
    before: twin.Camera | None
    after: twin.Camera | None
    locked_before: bool = False
    locked_after: bool = False


@dataclass(frozen=True)
class Suggestion:
    """The optimiser's best pose near a camera, and how much more it would see.

    ``gain_m2_by_level``: public area the suggested pose adds at each level (or better) to the
    other cameras' coverage; ``vs_placed_m2_by_level``: that minus what the placed camera adds.
    ``objective_gain``/``placed_objective_gain``: the planner's objective (priority-weighted m2 at
    the level) of each. ``moved`` is False when no site nearby beats the placed camera.
    """

    x_m: float
    y_m: float
    heading_deg: float
    tilt_deg: float
    gain_m2_by_level: dict[str, float]
    vs_placed_m2_by_level: dict[str, float]
    text: str
    height_m: float = 6.0
    site_id: str | None = None
    moved: bool = False
    level: str = twin.placement.DEFAULT_LEVEL
    objective_gain: float = 0.0
    placed_objective_gain: float = 0.0
    distance_m: float = 0.0


@dataclass(frozen=True)
class Panel:
    """The consequences panel.

    ``area_m2_by_level`` and ``public_share_by_level`` are ``{"before", "after", "delta"}`` dicts of
    level -> figure (each level or better; before = the plan as loaded), as ``showroom coverage``'s
    summary.json ``area_m2`` and ``public_share``. ``servers_status``/``fire.status`` say whether the
    figure belongs to the current plan (``"done"``) or is still being worked out (``"running"``).
    """

    area_m2_by_level: dict[str, dict[str, float]]
    public_share_by_level: dict[str, dict[str, float]]
    cameras: int
    bitrate_kbps: float
    storage_tb: float
    servers: int | None
    servers_status: str
    fire: FireFigure
    last_update_ms: float
    edit_seq: int
    figures: dict[str, Any] = field(default_factory=dict)


def _delta(after: dict[str, float], before: dict[str, float], nd: int) -> dict[str, float]:
    return {k: round(after[k] - before[k], nd) for k in after}


_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


class PlanSession:
    """A plan edited by hand (see the module docstring).

    Args:
        city: the city.
        cameras: the starting plan: ``"all"``/``"existing"``/``"planned"``, a FILE
            (:func:`twin.select_cameras`) or a list of cameras.
        resolution_m: raster cell size.
        seed: seed of the background runs (capacity, fire).
        fire: run the paired fire study in the background.
        servers: size the recording servers in the background.
        profile: DORI profile (default the city's).
        level: the planning level of suggestions and fills (default Observe).
        band: camera-count band of the server sizing cache.
        fire_days: simulated days of the paired fire run (ten years, as ``showroom report``: fires
            are rare, and a year or two leaves the figure to a handful of them).
        raster: a height raster already built (else one at ``resolution_m``).
    """

    def __init__(self, city: twin.Twin, *, cameras: Any = "all", resolution_m: float = 1.0, seed: int = 0,
                 fire: bool = True, servers: bool = True, profile: str | None = None,
                 level: str = twin.placement.DEFAULT_LEVEL,
                 band: int = 10, fire_days: float = 3650.0, raster: twin.HeightRaster | None = None) -> None:
        self.city = city
        self.raster = raster or twin.build_raster(city, resolution_m=resolution_m)
        self.profile = twin.dori_profile(profile or city.standards.dori)
        self.level = self.profile.levels[self.profile.level_index(level) - 1][0]
        self.seed = int(seed)
        start = twin.select_cameras(city, cameras)
        self._cams: dict[str, twin.Camera] = {c.id: c for c in start}
        # what the panel reads per camera, kept per edit rather than summed over every camera per frame
        self._keys = {c.id: camera_key(c) for c in start}
        self._kbps = {c.id: c.planned_bitrate_kbps for c in start}
        self._initial = dict(self._cams)
        self._locked: set[str] = set()
        self._history: list[EditRecord] = []
        self._undo: list[list[EditRecord]] = []
        self._redo: list[list[EditRecord]] = []
        self._seq = 0
        self._next_id = 1
        self._callbacks: list[Callable[[Panel], None]] = []
        # edits (the caller's thread) and panels for background figures (the worker's thread) take turns
        self._lock = threading.RLock()
        self.state = twin.CoverageState(self.raster, profile=self.profile, cameras=start)
        self._before = self.state.figures()
        self._last_ms = 0.0
        # the worker holds the session weakly, so a session dropped without close() still stops its worker
        weak_notify = weakref.WeakMethod(self._notify)

        def notify() -> None:
            m = weak_notify()
            if m is not None:
                m()

        self.consequences = Consequences(city, band=band, fire=fire, servers=servers, fire_days=fire_days, seed=seed,
                                         notify=notify)
        self._finalizer = weakref.finalize(self, self.consequences.close)
        self._panel_now()  # queue the starting plan's sizing and fire run

    # ---- reading -------------------------------------------------------------------------------------
    @property
    def cameras(self) -> list[twin.Camera]:
        """The plan's cameras, in the order they entered it."""
        with self._lock:
            return list(self._cams.values())

    def camera(self, cid: str) -> twin.Camera:
        """One camera of the plan."""
        try:
            return self._cams[cid]
        except KeyError:
            raise twin.TwinError(f"camera {cid!r} is not in the plan") from None

    @property
    def levels(self) -> np.ndarray:
        """Per-cell best DORI level (0 unseen, 1 the profile's weakest level), (rows, cols) int8.

        A live, read-only view: edits change it in place (in :attr:`last_window`); copy it to keep a state.
        """
        v = self.state.best.view()
        v.flags.writeable = False
        return v

    @property
    def geotransform(self) -> tuple[float, float, float, float, float, float]:
        """GDAL geotransform of :attr:`levels` in the city's local metres (x east, y north)."""
        return self.state.geotransform

    @property
    def last_window(self) -> tuple[int, int, int, int] | None:
        """Rows and columns (i0, i1, j0, j1, ends excluded) of :attr:`levels` the last edit changed.

        A view redraws only this part of its level layer after an edit (None before any edit).
        """
        return self.state.last_window

    def camera_levels(self, cid: str) -> tuple[np.ndarray, tuple[float, float, float, float, float, float]]:
        """One camera's own DORI zones: its levels (0 unseen) on the window it sees, and that window's geotransform."""
        self.camera(cid)
        p = self.state.patch(cid)
        x0, res, _, y0, _, _ = self.state.geotransform
        v = p.level.view()
        v.flags.writeable = False
        return v, (x0 + p.j0 * res, res, 0.0, y0 - p.i0 * res, 0.0, -res)

    @property
    def history(self) -> list[EditRecord]:
        """Every edit applied, in order (undo and redo appear as the edits they apply)."""
        return list(self._history)

    def is_locked(self, cid: str) -> bool:
        """Whether a camera is locked (kept by :meth:`fill`)."""
        return cid in self._locked

    # ---- edits ---------------------------------------------------------------------------------------
    def place(self, x_m: float, y_m: float, *, lens: str | twin.LensSpec = twin.lenses.DEFAULT_LENS,
              heading_deg: float = 0.0, tilt_deg: float | None = None, height_m: float | None = None,
              by: str = "planner", cid: str | None = None) -> str:
        """Place a new camera; returns its id.

        Args:
            x_m: east, local metres.
            y_m: north, local metres.
            lens: catalogue name (:data:`twin.LENSES`) or a :class:`twin.LensSpec`.
            heading_deg: clockwise from north.
            tilt_deg: degrees *down* from horizontal (the twin's convention); None: the lens's default.
            height_m: mount height; None: 6 m on a pole.
            by: who placed it (written into the saved plan).
            cid: the id to give it (default ``HAND-001``, ``HAND-002``, ...).
        """
        spec = twin.lens_spec(lens)
        if cid is None:
            while f"HAND-{self._next_id:03d}" in self._cams:
                self._next_id += 1
            cid = f"HAND-{self._next_id:03d}"
            self._next_id += 1
        elif cid in self._cams:
            raise twin.TwinError(f"camera {cid!r} is already in the plan")
        x, y = snap_xy(self.city.frame, float(x_m), float(y_m))
        cam = twin.Camera(id=cid, x=x, y=y, mount_height_m=6.0 if height_m is None else height_m,
                          heading_deg=float(heading_deg) % 360.0,
                          tilt_deg=spec.tilt_deg if tilt_deg is None else float(tilt_deg),
                          status="planned", name=spec.name, **spec.camera_fields())
        self._apply([self._record("place", cid, by, None, cam)])
        return cid

    def move(self, cid: str, *, x_m: float | None = None, y_m: float | None = None, heading_deg: float | None = None,
             tilt_deg: float | None = None, height_m: float | None = None, lens: str | twin.LensSpec | None = None,
             by: str = "planner") -> None:
        """Move, aim (heading, tilt), raise or re-lens a camera: one undoable edit."""
        old = self.camera(cid)
        ch: dict[str, Any] = {}
        if x_m is not None or y_m is not None:
            ch["x"], ch["y"] = snap_xy(self.city.frame, old.x if x_m is None else float(x_m),
                                       old.y if y_m is None else float(y_m))
        if heading_deg is not None:
            ch["heading_deg"] = float(heading_deg) % 360.0
        if tilt_deg is not None:
            ch["tilt_deg"] = float(tilt_deg)
        if height_m is not None:
            ch["mount_height_m"] = float(height_m)
        if lens is not None:
            spec = twin.lens_spec(lens)
            ch.update(spec.camera_fields(), name=spec.name, bitrate_kbps=None)
        what = "aim" if set(ch) <= {"heading_deg", "tilt_deg"} else ("lens" if lens is not None else "move")
        new = dataclasses.replace(old, **ch)
        self._apply([self._record(what, cid, by, old, new)])

    def delete(self, cid: str, *, by: str = "planner") -> None:
        """Remove a camera from the plan (an existing one too: the saved plan records the removal)."""
        old = self.camera(cid)
        self._apply([self._record("delete", cid, by, old, None)])

    def lock(self, cid: str, locked: bool = True, *, by: str = "planner") -> None:
        """Lock (or unlock) a camera: :meth:`fill` keeps locked cameras."""
        cam = self.camera(cid)
        if (cid in self._locked) == locked:
            return
        self._apply([self._record("lock" if locked else "unlock", cid, by, cam, cam, locked_after=locked)])

    def undo(self) -> bool:
        """Undo the last edit (a fill as a whole); False when there is nothing to undo."""
        if not self._undo:
            return False
        group = self._undo.pop()
        inv = [self._record(f"undo {r.edit}", r.camera_id, r.by, r.after, r.before, locked_after=r.locked_before)
               for r in reversed(group)]
        self._apply(inv, log_undo=False)
        self._redo.append(group)
        return True

    def redo(self) -> bool:
        """Redo the last undone edit; False when there is nothing to redo."""
        if not self._redo:
            return False
        group = self._redo.pop()
        again = [self._record(f"redo {r.edit}", r.camera_id, r.by, r.before, r.after, locked_after=r.locked_after)
                 for r in group]
        self._apply(again, log_undo=False, keep_redo=True)
        self._undo.append(group)
        return True

    def fill(self, n: int, *, method: str = "greedy", by: str = "optimiser", headings: int = 8,
             candidates: list[twin.Camera] | None = None) -> list[str]:
        """Let the optimiser place ``n`` cameras around the kept ones; returns the new ids.

        Kept: every locked camera and every camera in service (status ``existing``: installed
        hardware the optimiser does not remove). Every other camera is replaced by the optimiser's
        ``n`` picks (:func:`twin.plan_cameras` with ``fixed`` = the kept cameras; ``method="milp"``
        takes the exact MILP's answer). One undoable edit.
        """
        if method not in ("greedy", "milp"):
            raise twin.TwinError(f"fill method must be 'greedy' or 'milp', got {method!r}")
        kept = [c for c in self._cams.values() if c.id in self._locked or c.status == "existing"]
        res = twin.plan_cameras(self.city, n, level=self.level, headings=headings, raster=self.raster,
                                profile=self.profile, fixed=kept, exact=(method == "milp"), candidates=candidates)
        picks = res.exact_cameras if method == "milp" and res.exact_cameras else res.cameras
        kept_ids = {c.id for c in kept}
        recs = [self._record("fill", cid, by, c, None) for cid, c in self._cams.items() if cid not in kept_ids]
        new_ids = []
        taken = set(self._cams) - {r.camera_id for r in recs}
        q = 0
        for c in picks:
            q += 1
            while f"FILL-{q:03d}" in taken:
                q += 1
            cid = f"FILL-{q:03d}"
            taken.add(cid)
            new_ids.append(cid)
            recs.append(self._record("fill", cid, by, None, dataclasses.replace(c, id=cid)))
        self._apply(recs)
        self.last_fill = res
        return new_ids

    def _record(self, edit: str, cid: str, by: str, before: twin.Camera | None, after: twin.Camera | None,
                *, locked_after: bool | None = None) -> EditRecord:
        was = cid in self._locked
        return EditRecord(0, edit, cid, by, before, after, was, was if locked_after is None else locked_after)

    def _apply(self, recs: list[EditRecord], *, log_undo: bool = True, keep_redo: bool = False) -> None:
        with self._lock:
            self._apply_locked(recs, log_undo=log_undo, keep_redo=keep_redo)

    def _apply_locked(self, recs: list[EditRecord], *, log_undo: bool, keep_redo: bool) -> None:
        t0 = time.perf_counter()
        applied = []
        for r in recs:
            self._seq += 1
            r = dataclasses.replace(r, seq=self._seq)
            cid = r.camera_id
            if r.before is not None and r.after is not None and r.before is not r.after:
                self.state.replace(cid, r.after)
            elif r.before is None and r.after is not None:
                self.state.add(cid, r.after)
            elif r.before is not None and r.after is None:
                self.state.remove(cid)
            if r.after is None:
                for d in (self._cams, self._keys, self._kbps):
                    d.pop(cid, None)
            elif r.after is not r.before:
                self._cams[cid] = r.after
                self._keys[cid] = camera_key(r.after)
                self._kbps[cid] = r.after.planned_bitrate_kbps
            if r.locked_after and r.after is not None:
                self._locked.add(cid)
            else:
                self._locked.discard(cid)
            applied.append(r)
        self._history += applied
        if log_undo:
            self._undo.append(applied)
        if log_undo and not keep_redo:
            self._redo.clear()
        self._last_ms = (time.perf_counter() - t0) * 1000.0
        self._notify()

    # ---- consequences --------------------------------------------------------------------------------
    def on_change(self, callback: Callable[[Panel], None]) -> None:
        """Call ``callback(panel)`` after each edit and when a background figure arrives.

        A background figure calls it from the worker thread: a GUI hands it to its own loop.
        """
        self._callbacks.append(callback)

    def _notify(self) -> None:
        if self._callbacks:
            p = self.panel()
            for cb in list(self._callbacks):
                cb(p)

    def _panel_now(self) -> Panel:
        t0 = time.perf_counter()
        cams = self.cameras
        fig = self.state.figures()
        kbps = float(sum(self._kbps.values()))
        room = self.city.command_center.server_room
        # 1 Mbit/s continuous is 10.8 GB a day (REFERENCE.md), plus ~70 kbit/s of container overhead a stream
        storage_tb = (kbps + 70.0 * len(cams)) / 1000.0 * 10.8e-3 * room.retention_days
        servers, s_status = self.consequences.servers(cams, total_kbps=kbps) if cams else (0, "done")
        fire = self.consequences.fire(cams, key=frozenset(self._keys.values()))
        ms = self._last_ms + (time.perf_counter() - t0) * 1000.0
        return Panel(
            area_m2_by_level={"before": self._before["area_m2"], "after": fig["area_m2"],
                              "delta": _delta(fig["area_m2"], self._before["area_m2"], 1)},
            public_share_by_level={"before": self._before["public_share"], "after": fig["public_share"],
                                   "delta": _delta(fig["public_share"], self._before["public_share"], 5)},
            cameras=len(cams), bitrate_kbps=round(kbps, 1), storage_tb=round(storage_tb, 3), servers=servers,
            servers_status=s_status, fire=fire, last_update_ms=round(ms, 3), edit_seq=self._seq, figures=fig,
        )

    def panel(self) -> Panel:
        """The panel now: coverage before/after, bitrate, storage, servers, fire minutes saved."""
        with self._lock:
            return self._panel_now()

    def wait(self, timeout_s: float = 120.0) -> Panel:
        """Wait for the background figures of the current plan (scripts and tests); the panel then."""
        self.consequences.wait(timeout_s)
        p = self.panel()
        if p.servers_status == "running" or p.fire.status == "running":
            self.consequences.wait(timeout_s)
            p = self.panel()
        return p

    def close(self) -> None:
        """Stop the background worker (also done when the session is garbage-collected, or at exit)."""
        self._finalizer()

    def __enter__(self) -> PlanSession:
        """The session, closed on leaving the ``with`` block."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the session."""
        self.close()

    # ---- suggestion ----------------------------------------------------------------------------------
    def suggest(self, cid: str, *, radius_m: float = 50.0, headings: int = 8,
                candidates: list[twin.Camera] | None = None) -> Suggestion:
        """The optimiser's best pose within ``radius_m`` of a camera (:func:`twin.best_nearby`), with its gains."""
        cam = self.camera(cid)
        ch = twin.best_nearby(self.city, self.state, cam, radius_m=radius_m, level=self.level, headings=headings,
                              candidates=candidates)
        names = self.profile.names
        placed = self._gain_by_level(cam, self.state.patch(cid))
        if ch.site is None:
            zero = {n: 0.0 for n in names}
            return Suggestion(cam.x, cam.y, cam.heading_deg, cam.tilt_deg, placed, zero,
                              f"no site within {radius_m:g} m does better at {ch.level}: keep it",
                              height_m=cam.mount_height_m, level=ch.level, objective_gain=ch.gain,
                              placed_objective_gain=ch.placed_gain)
        s = ch.site
        moved = dataclasses.replace(cam, x=s.x, y=s.y, mount_height_m=s.mount_height_m, tilt_deg=s.tilt_deg,
                                    heading_deg=ch.heading_deg, correction=twin.PoseCorrection())
        gain = self._gain_by_level(moved)
        vs = {n: round(gain[n] - placed[n], 1) for n in names}
        dx, dy = s.x - cam.x, s.y - cam.y
        dist = math.hypot(dx, dy)
        where = _COMPASS[int(((math.degrees(math.atan2(dx, dy)) % 360.0) + 22.5) // 45.0) % 8]
        text = (f"the optimiser would put it {dist:.0f} m {where}, {vs[ch.level]:+.0f} m² at {ch.level}"
                if dist >= 0.5 else f"the optimiser would turn it to {ch.heading_deg:.0f}°, "
                f"{vs[ch.level]:+.0f} m² at {ch.level}")
        return Suggestion(s.x, s.y, ch.heading_deg, s.tilt_deg, gain, vs, text, height_m=s.mount_height_m,
                          site_id=s.id, moved=True, level=ch.level, objective_gain=ch.gain,
                          placed_objective_gain=ch.placed_gain, distance_m=round(dist, 2))

    def _gain_by_level(self, cam: twin.Camera, patch: twin.CameraPatch | None = None) -> dict[str, float]:
        """Public m2 the camera adds at each level (or better) to the coverage of the plan's other cameras.

        ``patch``: the camera's coverage patch when the state already holds it (else it is computed).
        """
        p = patch if patch is not None else self.state.patches([cam])[0]
        names = self.profile.names
        if p.empty:
            return {n: 0.0 for n in names}
        win = (p.i0, p.i1, p.j0, p.j1)
        without = self.state.best_without(cam.id, win)
        pub = self.raster.public[p.i0:p.i1, p.j0:p.j1]
        a = self.raster.cell_area_m2
        return {n: round(float(((p.level >= q) & (without < q) & pub).sum()) * a, 1)
                for q, n in enumerate(names, start=1)}

    # ---- files ---------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the plan as a cameras GeoJSON every ``--cameras FILE`` reads back as this camera set."""
        from sim.planning._planio import write_plan

        write_plan(self, path)

    @classmethod
    def load(cls, city: twin.Twin, path: str | os.PathLike[str], **kw: Any) -> PlanSession:
        """Start from a saved plan (``showroom plan``'s ``plan.geojson`` or a session's save)."""
        from sim.planning._planio import read_marks

        s = cls(city, cameras=path, **kw)
        s._locked = {cid for cid in read_marks(path).get("locked", set()) if cid in s._cams}
        return s

    @property
    def initial_cameras(self) -> dict[str, twin.Camera]:
        """The plan as loaded, by id."""
        return dict(self._initial)
