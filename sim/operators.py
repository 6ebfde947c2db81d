"""Operators at the video wall: one definition of staff in shifts, shared by every model in ``sim``.

About 40 staff work the command center in shifts; each operator watches a bounded number of tiles.
:class:`Roster` says who is on duty when (a pure function of time, vectorised) and
:class:`OperatorDesk` makes the on-duty operators a SimPy resource whose capacity follows the
shifts (an operator who is busy at a shift change finishes the task first, as people do).

Shifts are equal blocks of ``24 h / shifts`` starting at ``first_shift_h`` (local time; sim time 0
is midnight). Staff are split as evenly as possible, earlier shifts taking the remainder: 40 staff
in 3 shifts are 14, 13 and 13 on duty.
"""

from __future__ import annotations

__all__ = ["DAY_S", "OperatorDesk", "Roster"]

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from twin import TwinError

if TYPE_CHECKING:
    import simpy

    import twin

DAY_S = 86400.0


@dataclass(frozen=True)
class Roster:
    """Operators in shifts.

    Attributes:
        count: all staff who watch the wall, across every shift.
        shifts: shifts a day (equal lengths).
        tiles_per_operator: live-video tiles one operator can watch at once.
        first_shift_h: local hour the first shift starts (0-24).
    """

    count: int = 40
    shifts: int = 3
    tiles_per_operator: int = 9
    first_shift_h: float = 7.0

    def __post_init__(self) -> None:
        for name in ("count", "shifts", "tiles_per_operator"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
                raise TwinError(f"operators: {name} must be a whole number >= 1, got {v!r}")
        if self.shifts > self.count:
            raise TwinError(f"operators: {self.count} staff cannot fill {self.shifts} shifts (need count >= shifts)")
        if not 0.0 <= self.first_shift_h < 24.0:
            raise TwinError(f"operators: first_shift_h must be in [0, 24), got {self.first_shift_h!r}")

    @classmethod
    def from_twin(cls, ops: twin.Operators, *, first_shift_h: float = 7.0) -> Roster:
        """The roster of a city's :class:`twin.Operators` section."""
        return cls(int(ops.count), int(ops.shifts), int(ops.tiles_per_operator), first_shift_h)

    @property
    def shift_s(self) -> float:
        """Length of one shift, seconds."""
        return DAY_S / self.shifts

    def staff_per_shift(self) -> tuple[int, ...]:
        """Operators on duty in each shift, first shift first."""
        base, extra = divmod(self.count, self.shifts)
        return tuple(base + (1 if k < extra else 0) for k in range(self.shifts))

    def shift_at(self, t_s: Any) -> Any:
        """Index of the shift on duty at sim time ``t_s`` (scalar or array)."""
        since = np.mod(np.asarray(t_s, dtype=float) - self.first_shift_h * 3600.0, DAY_S)
        k = np.minimum((since // self.shift_s).astype(np.int64), self.shifts - 1)
        return int(k) if np.ndim(k) == 0 else k

    def on_duty(self, t_s: Any) -> Any:
        """Operators on duty at sim time ``t_s`` (scalar or array)."""
        staff = np.asarray(self.staff_per_shift())
        n = staff[self.shift_at(t_s)]
        return int(n) if np.ndim(n) == 0 else n

    def tiles(self, t_s: Any) -> Any:
        """Live tiles watched at sim time ``t_s``: operators on duty times tiles per operator."""
        return self.on_duty(t_s) * self.tiles_per_operator

    def changes(self, until_s: float) -> list[tuple[float, int]]:
        """``(time, operators on duty)`` at 0 and at every shift change before ``until_s``."""
        out = [(0.0, self.on_duty(0.0))]
        first = self.first_shift_h * 3600.0
        k0 = math.floor((0.0 - first) / self.shift_s) + 1
        t = first + k0 * self.shift_s
        while t < until_s:
            n = self.on_duty(t)
            if n != out[-1][1]:
                out.append((float(t), n))
            t += self.shift_s
        return out

    def mean_on_duty(self) -> float:
        """Operators on duty on average over a day."""
        return self.count / self.shifts


class OperatorDesk:
    """The on-duty operators as a SimPy resource whose capacity follows the roster.

    Request an operator with ``with desk.request() as req: yield req`` (lower ``priority`` first,
    as in :class:`simpy.PriorityResource`). At each shift change the desk grows or shrinks:
    shrinking takes operators away as soon as they finish what they are doing.
    """

    #: priority of the placeholders that hold the seats of off-duty operators (before any task)
    _OFF_DUTY = -(2**31)

    def __init__(self, env: simpy.Environment, roster: Roster):
        import simpy

        self.env = env
        self.roster = roster
        self.seats = max(roster.staff_per_shift())
        self.resource = simpy.PriorityResource(env, capacity=self.seats)
        self._off: list[Any] = []
        self._apply(roster.on_duty(env.now))
        env.process(self._shifts())

    def request(self, priority: int = 0) -> Any:
        """A request for one on-duty operator (use as a context manager, then yield it)."""
        return self.resource.request(priority=priority)

    @property
    def on_duty(self) -> int:
        """Operators on duty now (from the roster)."""
        return int(self.roster.on_duty(self.env.now))

    @property
    def busy(self) -> int:
        """On-duty operators busy with a task now."""
        return self.resource.count - sum(1 for r in self._off if r.triggered)

    def _apply(self, n: int) -> None:
        want_off = self.seats - n
        while len(self._off) > want_off:
            r = self._off.pop()
            if r.triggered:
                self.resource.release(r)
            else:
                r.cancel()  # still waiting for a busy operator to finish: withdraw it
        while len(self._off) < want_off:
            self._off.append(self.resource.request(priority=self._OFF_DUTY))

    def _shifts(self) -> Generator[Any, Any, None]:
        horizon = self.env.now + 400 * DAY_S
        while True:
            for t, n in self.roster.changes(horizon)[1:]:
                if t <= self.env.now:
                    continue
                yield self.env.timeout(t - self.env.now)
                self._apply(n)
            # no (more) changes before the look-ahead (one shift, or shifts of equal size): wait for it
            # instead of looping without ever yielding
            if self.env.now < horizon:
                yield self.env.timeout(horizon - self.env.now)
            horizon += 400 * DAY_S
