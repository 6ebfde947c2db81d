"""The planning mode's one action layer: keys and mouse, VR controllers and scripts all call these.

:class:`PlanActions` holds what the planner has in hand (the selected camera, the lens to place
next) and turns each action into calls on a :class:`sim.planning.PlanSession`; it draws nothing.
The window (:mod:`showroom_cli.planning_mode`) maps input to these methods; a test can drive a
second session through the same methods, or the session's own API, and expect the same figures.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

#: Heading and tilt steps of the aiming keys (degrees), the height step (m).
HEADING_STEP_DEG = 5.0
TILT_STEP_DEG = 2.0
HEIGHT_STEP_M = 0.5
#: A camera on a wall stands this far out from it (m), so its own building does not hide its view.
WALL_OFFSET_M = 0.4
#: Lowest mount on a wall (m) and a mast's height over a roof (m).
MIN_WALL_MOUNT_M = 2.5
ROOF_MAST_M = 2.0


def aim(from_xyz: tuple[float, float, float], to_xyz: tuple[float, float, float]) -> tuple[float, float]:
    """Heading (clockwise from north) and tilt (down from horizontal) in degrees of a camera looking at a point."""
    dx, dy = to_xyz[0] - from_xyz[0], to_xyz[1] - from_xyz[1]
    dz = from_xyz[2] - to_xyz[2]
    heading = math.degrees(math.atan2(dx, dy)) % 360.0
    tilt = math.degrees(math.atan2(dz, math.hypot(dx, dy)))
    return heading, tilt


def mount_for(hit: Any) -> dict[str, float | None]:
    """Where a camera goes for a pick on the city (:class:`scenes.SurfaceHit`): position, height, heading.

    The ground: the lens's own mount height (a pole). A facade: on the wall at the picked height
    (at least :data:`MIN_WALL_MOUNT_M`), a little out from it, looking out along its normal. A
    roof: a mast of :data:`ROOF_MAST_M` over it.
    """
    if hit.kind == "facade":
        nx, ny, _ = hit.normal
        return {
            "x_m": hit.x_m + nx * WALL_OFFSET_M,
            "y_m": hit.y_m + ny * WALL_OFFSET_M,
            "height_m": max(hit.z_m, MIN_WALL_MOUNT_M),
            "heading_deg": math.degrees(math.atan2(nx, ny)) % 360.0,
        }
    if hit.kind == "roof":
        return {"x_m": hit.x_m, "y_m": hit.y_m, "height_m": hit.z_m + ROOF_MAST_M, "heading_deg": None}
    return {"x_m": hit.x_m, "y_m": hit.y_m, "height_m": None, "heading_deg": None}


class PlanActions:
    """What a planner can do, whatever the input: place, move, aim, change lens, delete, undo, lock, fill, save.

    Args:
        session: the planning session (:class:`sim.planning.PlanSession`).
        lenses: the lens catalogue's names, in the order the lens key cycles them.
        save_path: where :meth:`save` writes the plan.
        fill_n: how many cameras :meth:`fill` asks the optimiser for; None: as many as the plan's unlocked
            cameras it replaces (the plan keeps its size), at least one.
    """

    def __init__(self, session: Any, lenses: list[str], *, save_path: Path, fill_n: int | None = None) -> None:
        self.s = session
        self.lenses = list(lenses)
        self.lens_index = 0
        self.save_path = Path(save_path)
        self.fill_n = None if fill_n is None else int(fill_n)
        self.selected: str | None = None
        self.log: list[str] = []  # one line an action: what the window's trace reports

    @property
    def lens(self) -> str:
        """The lens the next placed camera gets (and the selected one, when cycled)."""
        return self.lenses[self.lens_index]

    def _done(self, line: str) -> None:
        self.log.append(line)

    # ---- edits ------------------------------------------------------------------------------------
    def place(
        self,
        x_m: float,
        y_m: float,
        *,
        height_m: float | None = None,
        heading_deg: float | None = None,
        tilt_deg: float | None = None,
    ) -> str:
        """A new camera with the current lens at (x, y); it becomes the selected one."""
        kw: dict[str, Any] = {"lens": self.lens, "height_m": height_m}
        if heading_deg is not None:
            kw["heading_deg"] = float(heading_deg)
        if tilt_deg is not None:
            kw["tilt_deg"] = float(tilt_deg)
        cid = self.s.place(float(x_m), float(y_m), **kw)
        self.selected = cid
        self._done(f"place {cid} {self.lens} at {x_m:.2f} {y_m:.2f}")
        return cid

    def place_on(self, hit: Any, *, heading_deg: float | None = None) -> str:
        """A new camera where a pick met the city (ground, facade or roof: :func:`mount_for`)."""
        m = mount_for(hit)
        heading = m["heading_deg"] if m["heading_deg"] is not None else heading_deg
        return self.place(m["x_m"], m["y_m"], height_m=m["height_m"], heading_deg=heading)  # type: ignore[arg-type]

    def move_to(self, x_m: float, y_m: float, camera_id: str | None = None) -> None:
        """Move a camera's pole (default the selected one) to (x, y)."""
        cid = camera_id or self.selected
        if cid is None:
            return
        self.s.move(cid, x_m=float(x_m), y_m=float(y_m))
        self._done(f"move {cid} to {x_m:.2f} {y_m:.2f}")

    def aim_at(self, x_m: float, y_m: float, z_m: float = 0.0) -> tuple[float, float] | None:
        """Turn the selected camera to look at a point; returns (heading, tilt) in degrees."""
        if self.selected is None:
            return None
        heading, tilt = aim(self.s.camera(self.selected).position, (x_m, y_m, z_m))
        self.set_pose(heading_deg=heading, tilt_deg=tilt)
        return heading, tilt

    def set_pose(
        self, *, heading_deg: float | None = None, tilt_deg: float | None = None, height_m: float | None = None
    ) -> None:
        """Set the selected camera's heading, tilt or height (the panel's values)."""
        if self.selected is None:
            return
        self.s.move(self.selected, heading_deg=heading_deg, tilt_deg=tilt_deg, height_m=height_m)
        self._done(f"pose {self.selected} heading={heading_deg} tilt={tilt_deg} height={height_m}")

    def turn(self, steps: int) -> None:
        """Heading by ``steps`` x :data:`HEADING_STEP_DEG` (clockwise)."""
        if self.selected is not None:
            c = self.s.camera(self.selected)
            self.set_pose(heading_deg=(c.heading_deg + steps * HEADING_STEP_DEG) % 360.0)

    def tilt(self, steps: int) -> None:
        """Tilt by ``steps`` x :data:`TILT_STEP_DEG` (down), kept within -90..90."""
        if self.selected is not None:
            c = self.s.camera(self.selected)
            self.set_pose(tilt_deg=max(-90.0, min(90.0, c.tilt_deg + steps * TILT_STEP_DEG)))

    def raise_(self, steps: int) -> None:
        """Mount height by ``steps`` x :data:`HEIGHT_STEP_M` (at least 0.5 m)."""
        if self.selected is not None:
            c = self.s.camera(self.selected)
            self.set_pose(height_m=max(0.5, c.mount_height_m + steps * HEIGHT_STEP_M))

    def cycle_lens(self, step: int = 1) -> str:
        """The next lens in the catalogue; the selected camera (if any) takes it too."""
        self.lens_index = (self.lens_index + step) % len(self.lenses)
        if self.selected is not None:
            self.s.move(self.selected, lens=self.lens)
            self._done(f"lens {self.selected} {self.lens}")
        return self.lens

    def delete(self) -> None:
        """Delete the selected camera."""
        if self.selected is not None:
            self.s.delete(self.selected)
            self._done(f"delete {self.selected}")
            self.selected = None

    def undo(self) -> None:
        """Undo the last edit."""
        self.s.undo()
        self._done("undo")
        self._keep_selection()

    def redo(self) -> None:
        """Redo the last undone edit."""
        self.s.redo()
        self._done("redo")
        self._keep_selection()

    def _keep_selection(self) -> None:
        if self.selected is not None and self.selected not in _ids(self.s):
            self.selected = None

    def lock(self) -> None:
        """Lock or unlock the selected camera (the optimiser's fill keeps locked ones where they are)."""
        if self.selected is not None:
            now = not is_locked(self.s, self.selected)
            self.s.lock(self.selected, locked=now)
            self._done(f"lock {self.selected} {now}")

    def fill(self) -> list[str]:
        """Let the optimiser re-place the plan's unlocked cameras around the locked (and existing) ones."""
        n = self.fill_n
        if n is None:
            n = max(1, sum(not is_locked(self.s, c.id) for c in plan_cameras(self.s)))
        added = list(self.s.fill(n))
        self._done(f"fill {len(added)}")
        return added

    def select(self, camera_id: str | None) -> None:
        """Make a camera the selected one (None: none)."""
        self.selected = camera_id

    def save(self) -> Path:
        """Write the plan (GeoJSON that every command's ``--cameras`` accepts)."""
        self.save_path.parent.mkdir(parents=True, exist_ok=True)
        self.s.save(self.save_path)
        self._done(f"save {self.save_path}")
        return self.save_path


def _ids(session: Any) -> list[str]:
    """The session's camera ids (its ``cameras`` may be a list of cameras, of ids, or a mapping)."""
    cams = session.cameras
    if isinstance(cams, dict):
        return list(cams)
    return [c if isinstance(c, str) else c.id for c in cams]


def plan_cameras(session: Any) -> list[Any]:
    """The session's cameras a planner may edit: every one but the city's existing ones."""
    out = []
    for cid in _ids(session):
        c = session.camera(cid)
        if c.status != "existing":
            out.append(c)
    return out


def is_locked(session: Any, camera_id: str) -> bool:
    """Whether a camera is locked in the session."""
    locked = getattr(session, "locked", None)
    if locked is not None:
        return camera_id in locked
    return bool(getattr(session, "is_locked", lambda _c: False)(camera_id))
