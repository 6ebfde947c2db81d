"""Street life in the showroom: the root's piece that runs :class:`sim.life.LifeModel` and hands its state to the scene.

The window (``showroom view``) runs it in the fire engine's environment, stepped by the same
:class:`sim.clock.SimClock`; the headless renders (``showroom render``, the tour video) step it to
each frame's time. Either way the scene gets one ``LifeState`` a frame (:meth:`CityScene.push_life`),
and the PTZ cameras' markers turn on their guard tours (:meth:`CityScene.turn_ptz`).
"""

from __future__ import annotations

from typing import Any

import simpy

#: The hour of day street life starts at when none is asked for: the morning peak, a busy street.
DEFAULT_HOUR = 8.0
#: Sim seconds per life step at 1x; faster clocks take longer steps (the same work per frame).
BASE_STEP_S = 0.2
#: The longest step (s): vehicles cross at most a few short edges in one, and keep their headway.
MAX_STEP_S = 2.0


class StreetLife:
    """Street life for one scene.

    Args:
        city: the twin.
        env: the environment to run in (the live fire engine's); a new one if None.
        seed: street life's seed.
        hour: the hour of day at the environment's time 0.
        profile: a traffic profile file, or None for the shipped one.
    """

    def __init__(
        self,
        city: Any,
        *,
        env: simpy.Environment | None = None,
        seed: int = 0,
        hour: float = DEFAULT_HOUR,
        profile: str | None = None,
    ) -> None:
        from sim.life import LifeModel

        self.model = LifeModel(
            city, env=env, seed=seed, start_s=float(hour) * 3600.0, profile=profile, step_s=BASE_STEP_S
        )
        self._pushed_t: float | None = None
        self._state: Any = None

    def set_speed(self, speed: float) -> None:
        """Match the step to the clock's speed: past 10x a step covers more sim time (at most :data:`MAX_STEP_S`).

        A frame at 60x covers 2 s of sim time whatever the step; the state between steps is placed
        along the polylines, so longer steps cost fewer updates, not smoothness.
        """
        self.model.step_s = min(MAX_STEP_S, BASE_STEP_S * max(1.0, float(speed) / 10.0))

    def attach(self, env: simpy.Environment) -> None:
        """Follow the clock onto another environment (a replay that jumped)."""
        self.model.attach(env)

    def run_to(self, t: float) -> None:
        """Step the life model's own environment to sim time ``t`` (headless renders)."""
        env = self.model.env
        if t > env.now:
            env.run(until=t)

    @classmethod
    def beside(cls, city: Any, live: Any, *, seed: int = 0) -> StreetLife:
        """Street life in a live run's (or replay's) environment, from its scenario's start hour."""
        hour = getattr(getattr(live, "scenario", None), "start_hour", DEFAULT_HOUR)
        return cls(city, env=live.env, seed=seed, hour=float(hour))

    def frame(self, scene: Any, t_s: float | None = None, *, speed: float | None = None) -> None:
        """Hand the scene this frame's street life, and turn the PTZ markers to ``t_s`` (default the sim time).

        ``speed``: the clock's speed now (sim s per wall s): the life step follows it.
        """
        if speed is not None:
            self.set_speed(speed)
        now = float(self.model.env.now)
        if now != self._pushed_t:  # paused: the streets stand still, nothing to rebuild
            self._state = self.model.state()
            scene.push_life(self._state)
            self._pushed_t = now
        st = self._state
        turn = getattr(scene, "turn_ptz", None)
        if turn is not None:
            turn(st.t if t_s is None else t_s)

    def on_frame(self, scene: Any) -> Any:
        """A ``render_sequence`` frame hook: step to the frame's time and push the state."""

        def hook(t: float) -> None:
            self.run_to(t)
            self.frame(scene, t)

        return hook
