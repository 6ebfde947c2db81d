"""A headset without hardware: a scripted head path with the fields of view of common headsets.

It is what the stereo-geometry tests use (they need an exact head path) and what ``--xr
simulated`` shows on a machine with no OpenXR runtime. Its head path runs on its refresh rate's
clock; it never waits (every frame waited is rendered) and, having no runtime clock, leaves
``timing`` empty so the app times its frames on the wall clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._xr_types import Controller, EyeTarget, EyeView, Fov, FrameCounters, FrameTiming, HeadPose, XRUnavailable


@dataclass(frozen=True)
class Headset:
    """A headset's per-eye field of view (left eye; the right eye mirrors it), IPD and panel size."""

    name: str
    fov_left_eye: Fov
    ipd_m: float
    eye_size: tuple[int, int]
    refresh_hz: float


#: Fields of view of common headsets as their runtimes report them (degrees, left eye; rounded).
HEADSETS: dict[str, Headset] = {
    "quest3": Headset("Meta Quest 3", Fov.from_degrees(-52.0, 44.0, 48.0, -52.0), 0.063, (2064, 2208), 90.0),
    "quest2": Headset("Meta Quest 2", Fov.from_degrees(-49.0, 42.0, 46.0, -51.0), 0.063, (1832, 1920), 90.0),
    "index": Headset("Valve Index", Fov.from_degrees(-54.0, 49.0, 55.0, -55.0), 0.064, (1440, 1600), 90.0),
    "vivepro2": Headset("HTC Vive Pro 2", Fov.from_degrees(-57.0, 50.0, 52.0, -53.0), 0.064, (2448, 2448), 90.0),
    "pico4": Headset("Pico 4", Fov.from_degrees(-52.0, 45.0, 50.0, -52.0), 0.062, (2160, 2160), 90.0),
}


def _mirror(f: Fov) -> Fov:
    return Fov(-f.angle_right, -f.angle_left, f.angle_up, f.angle_down)


def eyes_from_head(head: HeadPose, headset: Headset) -> list[EyeView]:
    """Both eyes of a head: offset by half the IPD along the head's right axis (no roll: it stays level)."""
    h = math.radians(head.heading_deg)
    right = np.array([math.cos(h), -math.sin(h), 0.0])  # heading clockwise from north
    centre = np.array([head.x, head.y, head.z])
    hpr = (-head.heading_deg, head.pitch_deg, 0.0)
    half = headset.ipd_m / 2.0
    left_pos = centre - right * half
    right_pos = centre + right * half
    return [
        EyeView(tuple(float(v) for v in left_pos), hpr, headset.fov_left_eye),
        EyeView(tuple(float(v) for v in right_pos), hpr, _mirror(headset.fov_left_eye)),
    ]


class SimulatedHeadset:
    """A headset without hardware: a scripted head path at a fixed frame rate.

    Args:
        path: head pose as a function of time (s); default: standing still at the origin, 1.7 m up.
        model: a key of :data:`HEADSETS`.
        scale: render at this fraction of the panel size (tests use small images).
        hands: the controllers as a function of time (a scripted laser and its buttons).
    """

    needs_ram_images = True

    def __init__(
        self,
        path: Callable[[float], HeadPose] | None = None,
        *,
        model: str = "quest3",
        scale: float = 1.0,
        hands: Callable[[float], list[Controller]] | None = None,
    ) -> None:
        if model not in HEADSETS:
            raise XRUnavailable(f"unknown simulated headset {model!r}: use one of {sorted(HEADSETS)}")
        self.headset = HEADSETS[model]
        self.name = f"simulated {self.headset.name}"
        w, h = self.headset.eye_size
        self.recommended_size = (max(16, int(w * scale)), max(16, int(h * scale)))
        self.path = path or (lambda t: HeadPose(0.0, 0.0, 1.7))
        self.hands = hands or (lambda t: [])
        self._injected: list[Controller] = []
        self.frame = 0
        self.counters = FrameCounters(states=["FOCUSED"])
        self.exiting = False
        # no runtime clock: the app times its frames on the wall clock (a made-up 90 Hz would flatter it)
        self.timing: FrameTiming | None = None
        self.last_images: list[np.ndarray] | None = None
        self._begun = False

    def begin_frame(self) -> tuple[float, list[EyeView]]:
        """The eyes at the next display time (frames at the headset's refresh rate)."""
        t = self.frame / self.headset.refresh_hz
        self.counters.waited += 1
        self.counters.begun += 1
        self.counters.rendered += 1
        self._begun = True

        return t, eyes_from_head(self.path(t), self.headset)

    def end_frame(self, eyes: Sequence[EyeTarget] | Sequence[np.ndarray] | None) -> None:
        """Keep the last pair of images (not every frame: a long session stays small)."""
        if not self._begun:
            return
        self._begun = False
        self.frame += 1
        self.counters.ended += 1
        if eyes is None:
            return
        self.last_images = [e if isinstance(e, np.ndarray) else e.grab() for e in eyes]
        self.counters.submitted += 1
        self.counters.layers += 1

    def controllers(self) -> list[Controller]:
        """The scripted controllers at the current frame's time, plus any injected for this frame."""
        out = list(self.hands(self.frame / self.headset.refresh_hz)) + self._injected
        self._injected = []
        return out

    def inject(self, controller: Controller) -> None:
        """A controller state for the next frame only (a scripted trigger pull)."""
        self._injected.append(controller)

    def describe(self) -> dict[str, Any]:
        """The simulated headset's facts for the run's trace."""
        w, h = self.recommended_size
        return {
            "runtime": "simulated (no OpenXR runtime)",
            "runtime_version": None,
            "system": self.headset.name,
            "eye_size": [w, h],
            "ipd_m": self.headset.ipd_m,
            "refresh_hz": self.headset.refresh_hz,
        }

    def close(self) -> None:
        """Nothing to release."""
