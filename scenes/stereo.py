"""The stereo rig: two eye cameras and their textures, a mirror of them, and a headset's frame loop.

The app calls :meth:`StereoRig.begin` before Panda3D draws (it blocks in the provider's wait for
the runtime's frame, then places the eye cameras) and :meth:`StereoRig.submit` after the draw (the
provider copies the eye textures to the headset). The eye textures stay on the GPU for OpenXR;
the mirror shows them side by side in the desktop window, so a visitor's companion sees what the
headset sees.
"""

from __future__ import annotations

__all__ = ["StereoRig"]

import time
from typing import Any

from panda3d.core import CardMaker, NodePath

from ._xr_types import EyeView, eye_lens
from .engine import Graphics, OffscreenView


class StereoRig:
    """Eye buffers under a play-space origin, fed by a view provider.

    Args:
        provider: a :class:`scenes.xr.ViewProvider`.
        graphics: the engine and host window whose GSG the eye buffers share.
        origin: the play-space node; the eye cameras are its children (they see the whole scene).
        mirror: a 2D node (the window's ``render2d``) to show both eyes on, or None for no mirror.
        near_m: the eye cameras' near plane.
    """

    def __init__(
        self,
        provider: Any,
        graphics: Graphics,
        origin: NodePath,
        *,
        mirror: NodePath | None = None,
        near_m: float = 0.1,
    ) -> None:
        self.provider = provider
        self.near_m = near_m
        w, h = provider.recommended_size
        self.views = [
            OffscreenView(graphics, origin, w, h, name=f"eye{k}", sort=-5, to_ram=provider.needs_ram_images)
            for k in range(2)
        ]
        self.drawing = False
        self.eyes: list[EyeView] = []
        self.submit_ms = 0.0
        self.mirror: NodePath | None = None
        if mirror is not None:
            self.mirror = mirror.attach_new_node("xr-mirror")
            self.mirror.set_bin("background", 0)
            self.mirror.set_depth_write(False)
            for k, view in enumerate(self.views):
                cm = CardMaker(f"mirror{k}")
                # each eye keeps its aspect in its half of the window: [-1, 0] and [0, 1] across, centred
                cm.set_frame(-1.0 + k, 0.0 + k, -1.0, 1.0)
                card = self.mirror.attach_new_node(cm.generate())
                card.set_texture(view.texture)
        self._set_active(False)

    def _set_active(self, on: bool) -> None:
        for v in self.views:
            v.buffer.set_active(on)

    def bind_if_needed(self) -> None:
        """Create the provider's session on the current GL context (OpenXR), once Panda3D has drawn.

        Raises:
            XRUnavailable: the runtime refused the session (the message says why).
        """
        if getattr(self.provider, "needs_binding", False):
            self.provider.bind_current_glx()

    def begin(self) -> bool:
        """Wait for the headset's next frame and place the eyes; True when this frame is drawn."""
        if getattr(self.provider, "needs_binding", False):
            return False
        got = self.provider.begin_frame()
        self.drawing = got is not None
        self._set_active(self.drawing)
        if got is None:
            self.eyes = []
            return False
        _, self.eyes = got
        for view, eye in zip(self.views, self.eyes, strict=True):
            view.camera.node().set_lens(eye_lens(eye.fov, near_m=self.near_m))
            view.camera.set_pos(*eye.position)
            view.camera.set_hpr(*eye.hpr)
        return True

    def submit(self) -> None:
        """Hand the drawn eyes to the provider (or end a skipped frame); times it for the HUD."""
        t0 = time.perf_counter()
        # a window closed under us takes the shared GSG (and the eye textures) with it: end with no layer
        alive = all(v.buffer.is_valid() and v.buffer.get_gsg() is not None for v in self.views)
        self.provider.end_frame(self.views if self.drawing and alive else None)
        self.drawing = False
        self.submit_ms = (time.perf_counter() - t0) * 1000.0

    def destroy(self) -> None:
        """Remove the mirror and the eye buffers (the provider is closed by its owner)."""
        if self.mirror is not None:
            self.mirror.remove_node()
            self.mirror = None
        for v in self.views:
            v.destroy()
        self.views = []
