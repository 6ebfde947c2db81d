"""What every headset provider shares: eyes, fields of view, controllers, frame counters and the lens.

Frames: OpenXR is right-handed with x right, y up and -z forward; the city (and Panda3D) has
x east, y north (forward), z up. ``panda = (x, -z, y)`` of OpenXR.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np


class XRUnavailable(RuntimeError):
    """No headset can be used here (no OpenXR runtime, no HMD, or no display); the message says which."""


@dataclass(frozen=True)
class Fov:
    """An eye's field of view as OpenXR gives it: four angles in radians (left and down negative)."""

    angle_left: float
    angle_right: float
    angle_up: float
    angle_down: float

    @property
    def tangents(self) -> tuple[float, float, float, float]:
        """Tangents of the left, right, up and down angles."""
        return (
            math.tan(self.angle_left),
            math.tan(self.angle_right),
            math.tan(self.angle_up),
            math.tan(self.angle_down),
        )

    @classmethod
    def from_degrees(cls, left: float, right: float, up: float, down: float) -> Fov:
        """Build from degrees (left and down negative)."""
        return cls(math.radians(left), math.radians(right), math.radians(up), math.radians(down))


@dataclass(frozen=True)
class HeadPose:
    """Where the head is (city metres, z up) and where it looks (heading clockwise from north, pitch up)."""

    x: float
    y: float
    z: float
    heading_deg: float = 0.0
    pitch_deg: float = 0.0


@dataclass(frozen=True)
class EyeView:
    """One eye for one frame: position in the play space (Panda3D axes), orientation (h, p, r degrees), FOV."""

    position: tuple[float, float, float]
    hpr: tuple[float, float, float]
    fov: Fov


@dataclass(frozen=True)
class Controller:
    """A hand controller this frame, in the play space (Panda3D axes): where it points and what is pressed.

    ``select`` (trigger) picks what the laser points at; ``teleport`` (grip) moves the play space to
    where the laser meets the ground; ``fly`` (thumbstick or trackpad, x right and y forward, -1..1)
    flies the play space along the laser.
    """

    hand: str
    position: tuple[float, float, float]
    direction: tuple[float, float, float]
    select: bool = False
    teleport: bool = False
    fly: tuple[float, float] = (0.0, 0.0)


@dataclass
class FrameCounters:
    """What a provider did, counted the same way for every provider (the run's trace prints them).

    ``waited`` frames came back from the runtime's wait (``xrWaitFrame``; the simulated headset's
    fixed clock); each was ``begun`` and ``ended``. Of those, ``rendered`` had ``shouldRender`` true
    and were drawn, ``skipped`` had it false (ended with no layer). ``submitted`` frames ended with a
    projection layer. ``late`` counts display periods the app missed: the runtime's predicted display
    time moved on by more than one period between two waits. ``acquired``/``released`` count
    swapchain images (two a rendered frame on a real runtime).
    """

    waited: int = 0
    begun: int = 0
    ended: int = 0
    rendered: int = 0
    skipped: int = 0
    submitted: int = 0
    layers: int = 0
    late: int = 0
    acquired: int = 0
    released: int = 0
    states: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A plain dict for the trace JSON."""
        return asdict(self)


@dataclass(frozen=True)
class FrameTiming:
    """The runtime's clock for one frame (milliseconds).

    ``period_ms`` is the display's refresh period; ``frame_ms`` how far the predicted display time
    moved on since the previous frame (a period, or several when the app was late); ``paced_ms``
    the period the runtime paces this app at (``predicted_display_period``: a runtime may hand a
    slow app a multiple of the refresh period); ``wait_ms`` how long ``xrWaitFrame`` blocked;
    ``ahead_ms`` how far in the future the runtime predicts the display; ``late`` the display
    periods missed since the previous frame.
    """

    period_ms: float
    wait_ms: float
    frame_ms: float | None = None
    paced_ms: float | None = None
    ahead_ms: float | None = None
    late: int = 0


class EyeTarget(Protocol):
    """A rendered eye as the app hands it to a provider: a GPU texture, readable back to RAM if needed."""

    texture: Any
    buffer: Any
    width: int
    height: int

    def grab(self) -> np.ndarray:
        """The image in RAM (BGR, top row first)."""


class ViewProvider(Protocol):
    """What the showroom needs from a headset.

    Per frame: :meth:`begin_frame` (waits for the runtime), render the eyes, :meth:`end_frame`.
    ``needs_ram_images`` says whether the eyes must be copied to RAM for :meth:`end_frame`
    (the simulated headset keeps images; OpenXR copies texture to swapchain on the GPU).
    """

    name: str
    recommended_size: tuple[int, int]
    counters: FrameCounters
    needs_ram_images: bool
    exiting: bool
    timing: FrameTiming | None

    def begin_frame(self) -> tuple[float, list[EyeView]] | None:
        """Wait for the next frame; the predicted display time (s) and the eyes, or None to skip drawing."""

    def end_frame(self, eyes: Sequence[EyeTarget] | None) -> None:
        """Submit the rendered eyes, or None when the frame was skipped."""

    def close(self) -> None:
        """Release the session."""

    def controllers(self) -> list[Controller]:
        """The hand controllers' state for the frame begun last (empty when none is tracked)."""

    def describe(self) -> dict[str, Any]:
        """The runtime, system and session facts for the run's trace."""


def xr_to_panda(v: tuple[float, float, float]) -> tuple[float, float, float]:
    """A vector in OpenXR's frame (x right, y up, -z forward) in Panda3D's (x right, y forward, z up)."""
    return (v[0], -v[2], v[1])


def rotate(q: tuple[float, float, float, float], v: tuple[float, float, float]) -> tuple[float, float, float]:
    """Rotate ``v`` by the unit quaternion ``q`` = (x, y, z, w)."""
    x, y, z, w = q
    u = np.array([x, y, z])
    vv = np.array(v, dtype=float)
    r = 2.0 * np.dot(u, vv) * u + (w * w - np.dot(u, u)) * vv + 2.0 * w * np.cross(u, vv)
    return (float(r[0]), float(r[1]), float(r[2]))


def quat_to_hpr(q: object) -> tuple[float, float, float]:
    """An OpenXR orientation quaternion as Panda3D heading, pitch, roll (degrees)."""
    from panda3d.core import LQuaternionf

    # OpenXR (x right, y up, -z forward) to Panda (x right, y forward, z up): rotate the axes
    pq = LQuaternionf(q.w, q.x, -q.z, q.y)  # type: ignore[attr-defined]
    hpr = pq.get_hpr()
    return (float(hpr[0]), float(hpr[1]), float(hpr[2]))


def eye_lens(fov: Fov, *, near_m: float = 0.05, far_m: float = 5000.0):  # noqa: ANN201 - panda3d type
    """A Panda3D lens with an eye's asymmetric frustum, exactly.

    The film sits one unit in front of the eye and spans the four tangents, so the off-axis
    projection equals OpenXR's (``xrMatrix4x4f_CreateProjectionFov``).
    """
    from panda3d.core import PerspectiveLens

    tl, tr, tu, td = fov.tangents
    lens = PerspectiveLens()
    lens.set_film_size(tr - tl, tu - td)
    lens.set_focal_length(1.0)
    lens.set_film_offset((tr + tl) / 2.0, (tu + td) / 2.0)
    lens.set_near_far(near_m, far_m)
    return lens
