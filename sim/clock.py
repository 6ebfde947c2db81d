"""Coupling a SimPy environment to a render loop: one ticker, sim time = wall time x speed.

The render loop calls :meth:`SimClock.tick` once a frame with the frame's wall-clock ``dt``. The
clock advances a plain ``simpy.Environment`` with ``env.run(until=...)`` (never the sleeping
``RealtimeEnvironment``), so every event up to the target time is processed in order: a slow frame
makes the next step longer, never skips an event. Snapshots taken at fixed sim steps let the
renderer interpolate motion between them instead of waiting on the simulation.
"""

from __future__ import annotations

__all__ = ["SimClock", "SPEEDS"]

import time
from collections.abc import Callable
from typing import Any

import simpy

from twin import TwinError

#: The time controls the showroom offers (pause is separate).
SPEEDS = (1.0, 60.0, 600.0)


class SimClock:
    """Advance ``env`` each frame to the frame's wall time times ``speed``.

    Args:
        env: the simulation to drive; its ``now`` is the sim time in seconds.
        speed: sim seconds per wall second (> 0).
        snapshot_step_s: sim seconds between state snapshots (when ``snapshot`` is given).
        snapshot: a function returning the model's state (plain data) at the current sim time.
    """

    def __init__(
        self,
        env: simpy.Environment,
        *,
        speed: float = 1.0,
        snapshot_step_s: float = 1.0,
        snapshot: Callable[[], Any] | None = None,
    ) -> None:
        if speed <= 0:
            raise TwinError(f"speed must be > 0, got {speed:g}")
        if snapshot_step_s <= 0:
            raise TwinError(f"snapshot_step_s must be > 0, got {snapshot_step_s:g}")
        self.env = env
        self.speed = float(speed)
        self.paused = False
        self.target = float(env.now)
        self.snapshot_step_s = float(snapshot_step_s)
        self._snapshot = snapshot
        self.prev: tuple[float, Any] | None = None
        self.curr: tuple[float, Any] | None = (env.now, snapshot()) if snapshot else None
        self.last_step_ms = 0.0
        self.frames = 0

    def rebind(self, env: simpy.Environment) -> None:
        """Drive another environment from its own time on (a replay that jumped); snapshots restart there."""
        self.env = env
        self.target = float(env.now)
        self.prev = None
        self.curr = (env.now, self._snapshot()) if self._snapshot else None

    def set_speed(self, speed: float) -> None:
        """Change the speed from the next frame on (sim time already reached is kept)."""
        if speed <= 0:
            raise TwinError(f"speed must be > 0, got {speed:g}")
        self.speed = float(speed)

    def pause(self) -> None:
        """Stop sim time; frames keep rendering."""
        self.paused = True

    def resume(self) -> None:
        """Let sim time run again from where it stopped."""
        self.paused = False

    def toggle(self) -> None:
        """Pause when running, run when paused."""
        self.paused = not self.paused

    def tick(self, wall_dt: float) -> float:
        """Advance by one frame of ``wall_dt`` wall seconds; returns the sim time reached."""
        if wall_dt < 0:
            raise TwinError(f"a frame cannot last {wall_dt:g} s")
        self.frames += 1
        if self.paused:
            self.last_step_ms = 0.0
            return float(self.env.now)
        t0 = time.perf_counter()
        self.target += wall_dt * self.speed
        if self._snapshot is None:
            self._run_to(self.target)
        else:
            # step to each snapshot boundary, so the renderer always has two states to blend
            nxt = (self.curr[0] if self.curr else self.env.now) + self.snapshot_step_s
            while nxt <= self.target:
                self._run_to(nxt)
                self.prev, self.curr = self.curr, (nxt, self._snapshot())
                nxt += self.snapshot_step_s
            self._run_to(self.target)
        self.last_step_ms = (time.perf_counter() - t0) * 1000.0
        return float(self.env.now)

    def _run_to(self, t: float) -> None:
        # state "at t" includes the events due at t (simpy's run(until=t) stops just before them)
        if t > self.env.now:
            self.env.run(until=t)
        while self.env.peek() <= t:
            self.env.step()

    def blend(self) -> tuple[Any, Any, float] | None:
        """The two snapshots around the current sim time and the weight of the newer one, in [0, 1]."""
        if self.curr is None:
            return None
        if self.prev is None:
            return self.curr[1], self.curr[1], 1.0
        (t0, a), (t1, b) = self.prev, self.curr
        w = 1.0 if t1 <= t0 else min(1.0, max(0.0, (self.target - t1) / (t1 - t0)))
        return a, b, w
