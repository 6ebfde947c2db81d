"""The frame-budget HUD: where each frame's time goes (sim step, feed uploads, render) and the frame rate.

With a headset the frame is the runtime's (its display period, times the periods missed), and two
more parts show: the wait for the runtime's next frame (``xrWaitFrame``) and the submit (copy to
the swapchains and ``xrEndFrame``).
"""

from __future__ import annotations

__all__ = ["FrameBudget"]

from collections import deque
from dataclasses import dataclass, field

import numpy as np

#: ``life``: street life's snapshot and its vertex buffers (its steps run inside ``sim``, the shared clock's).
PARTS = ("sim", "life", "feeds", "scene", "render", "xr_wait", "xr_submit")
DESKTOP_PARTS = PARTS[:5]


@dataclass
class FrameBudget:
    """Rolling means of each part of the frame over the last ``window`` frames (milliseconds)."""

    window: int = 60
    _rows: deque = field(default_factory=deque)

    def add(self, frame_ms: float, **parts_ms: float) -> None:
        """Record one frame: its total and the parts (sim, life, feeds, scene, render; xr_wait, xr_submit in VR)."""
        row = [frame_ms] + [float(parts_ms.get(p, 0.0)) for p in PARTS]
        self._rows.append(row)
        while len(self._rows) > self.window:
            self._rows.popleft()

    def means(self) -> dict[str, float]:
        """Mean ms of the frame and each part, and the frame rate."""
        if not self._rows:
            return {"frame_ms": 0.0, "fps": 0.0, **{f"{p}_ms": 0.0 for p in PARTS}}
        a = np.asarray(self._rows, dtype=float).mean(axis=0)
        out = {"frame_ms": float(a[0]), "fps": 1000.0 / a[0] if a[0] > 0 else 0.0}
        out.update({f"{p}_ms": float(v) for p, v in zip(PARTS, a[1:], strict=True)})
        return out

    def text(self, *, sim_time_s: float | None = None, speed: float | None = None, paused: bool = False) -> str:
        """The HUD's lines."""
        m = self.means()
        lines = [f"{m['fps']:5.1f} fps  {m['frame_ms']:6.1f} ms/frame"]
        shown = PARTS if m["xr_wait_ms"] or m["xr_submit_ms"] else DESKTOP_PARTS
        lines.append("  ".join(f"{p.replace('xr_', 'xr ')} {m[p + '_ms']:5.1f}" for p in shown))
        if sim_time_s is not None:
            h, rem = divmod(int(sim_time_s), 3600)
            mnt, sec = divmod(rem, 60)
            state = "PAUSED" if paused else f"x{speed:g}"
            lines.append(f"sim {h:02d}:{mnt:02d}:{sec:02d}  {state}")
        return "\n".join(lines)
