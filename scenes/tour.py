"""The visitors' fly-over: a smooth camera path over the city, past the command center and back up.

Key poses come from the city's extent and the command center; a uniform
Catmull-Rom spline runs through them, so the path is smooth at every key and passes through each.
"""

from __future__ import annotations

__all__ = ["TourPath", "catmull_rom"]

from dataclasses import dataclass

import numpy as np

from twin import Twin


def catmull_rom(keys: np.ndarray, u: float) -> np.ndarray:
    """A point on the uniform Catmull-Rom spline through ``keys`` (n, d) at parameter ``u`` in [0, n-1]."""
    keys = np.asarray(keys, dtype=float)
    n = len(keys)
    if n == 1:
        return keys[0].copy()
    u = float(np.clip(u, 0.0, n - 1))
    i = min(int(u), n - 2)
    s = u - i
    p0 = keys[max(i - 1, 0)]
    p1, p2 = keys[i], keys[i + 1]
    p3 = keys[min(i + 2, n - 1)]
    return 0.5 * (
        2 * p1 + (-p0 + p2) * s + (2 * p0 - 5 * p1 + 4 * p2 - p3) * s**2 + (-p0 + 3 * p1 - 3 * p2 + p3) * s**3
    )


@dataclass
class TourPath:
    """Eye positions and look-at targets (n, 3) at key times over ``seconds``.

    ``times`` (n,), increasing, places the keys (a guided tour holds at each stop); None spaces
    them evenly. The spline's parameter follows time piecewise linearly between keys.
    """

    eyes: np.ndarray
    targets: np.ndarray
    seconds: float
    min_eye_m: float = 40.0
    times: np.ndarray | None = None

    @classmethod
    def over(cls, twin: Twin, seconds: float) -> TourPath:
        """The default tour of a city: round the city high up, down to the command center, up again."""
        xmin, ymin, xmax, ymax = twin.bounds()
        cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
        s = max(xmax - xmin, ymax - ymin, 200.0)
        cc = twin.command_center
        c = [cx, cy, 0.0]
        eyes = [
            [cx, ymin - 0.35 * s, 0.45 * s],
            [xmax + 0.15 * s, cy - 0.15 * s, 0.3 * s],
            [cx + 0.25 * s, ymax + 0.05 * s, 0.22 * s],
            [cc.x - 260.0, cc.y - 280.0, 170.0],
            [cc.x + 70.0, cc.y - 120.0, 65.0],
            [cc.x - 220.0, cc.y - 160.0, 230.0],
            [xmin - 0.1 * s, cy - 0.2 * s, 0.35 * s],
        ]
        targets = [c, c, c, [cc.x, cc.y, 0.0], [cc.x - 10.0, cc.y + 60.0, 5.0], [cc.x, cc.y, 0.0], c]
        return cls(np.array(eyes, dtype=float), np.array(targets, dtype=float), float(seconds))

    def pose_at(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Eye and target at time ``t`` seconds (clamped to the tour)."""
        if self.times is not None:
            u = float(np.interp(t, self.times, np.arange(len(self.times), dtype=float)))
        else:
            u = 0.0 if self.seconds <= 0 else t / self.seconds * (len(self.eyes) - 1)
        eye = catmull_rom(self.eyes, u)
        # a spline can dip between keys: never below roof level (the city's towers stay under it)
        eye[2] = max(eye[2], self.min_eye_m)
        return eye, catmull_rom(self.targets, u)
