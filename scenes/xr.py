"""Head-mounted displays: the view-provider interface, a simulated headset, and OpenXR through pyopenxr.

A view provider answers, once a frame, "where is each eye and what does it see": a pose and an
asymmetric field of view per eye (OpenXR's ``XrView``). The showroom renders one texture per eye
with :func:`eye_lens` (:class:`scenes.StereoRig`) and hands them back. :class:`SimulatedHeadset`
follows a scripted head path with the fields of view of common headsets (the stereo-geometry tests
and machines with no runtime); :class:`OpenXRProvider` is the real thing, tested on the Monado
runtime. Every provider keeps the same :class:`FrameCounters`.
"""

from __future__ import annotations

__all__ = [
    "HEADSETS",
    "PROFILE_BINDINGS",
    "Controller",
    "EyeView",
    "Fov",
    "FrameCounters",
    "FrameTiming",
    "HeadPose",
    "OpenXRProvider",
    "SimulatedHeadset",
    "ViewProvider",
    "XRUnavailable",
    "eye_lens",
    "open_provider",
    "xr_to_panda",
]

from ._openxr import OpenXRProvider
from ._openxr_input import PROFILE_BINDINGS
from ._xr_sim import HEADSETS, SimulatedHeadset
from ._xr_types import (
    Controller,
    EyeView,
    Fov,
    FrameCounters,
    FrameTiming,
    HeadPose,
    ViewProvider,
    XRUnavailable,
    eye_lens,
    rotate,
    xr_to_panda,
)

_rotate = rotate  # the old private name, kept for callers of the single-module version


def open_provider(mode: str) -> tuple[ViewProvider | None, str]:
    """Choose the headset for ``--xr auto|on|off``: a provider (or None for the desktop) and a one-line reason.

    Raises:
        XRUnavailable: with ``on`` when no headset can be used.
    """
    if mode not in ("auto", "on", "off"):
        raise XRUnavailable(f"--xr must be auto, on or off, got {mode!r}")
    if mode == "off":
        return None, "VR off (--xr off): desktop view"
    try:
        p = OpenXRProvider()
    except XRUnavailable as e:
        if mode == "on":
            raise
        return None, f"VR unavailable: {e}"
    return p, f"VR: {p.system_name} on {p.runtime_name} {p.runtime_version}"
