"""Camera mask bits: who sees what.

A viewer (the showroom's camera, :class:`scenes.OffscreenView`) uses :data:`VIEW_MASK`; the
projectors' depth cameras use :data:`DEPTH_MASK` (markers, overlays and entities hide from them,
so they never cast video shadows); virtual CCTVs use :data:`VCCTV_MASK` (overlays hide from them).
A camera left at Panda3D's default mask (all bits) would see nothing hidden from any of these.
"""

from __future__ import annotations

__all__ = ["VIEW_MASK", "DEPTH_MASK", "VCCTV_MASK"]

from panda3d.core import BitMask32

VIEW_MASK = BitMask32.bit(0)
DEPTH_MASK = BitMask32.bit(5)
VCCTV_MASK = BitMask32.bit(6)
