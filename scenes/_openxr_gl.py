"""The few raw OpenGL calls the OpenXR path needs, on Panda3D's own context (PyOpenGL).

None of them binds anything: Panda3D caches its GL bindings, so a texture or framebuffer bound
behind its back would corrupt its next draw. Copies and read-backs use calls that take texture
names directly (``glCopyImageSubData``, GL 4.3; ``glGetTextureImage``, GL 4.5).
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from ._xr_types import XRUnavailable


def current_glx() -> tuple[Any, int, Any, Any, Any]:
    """The current GLX display, visual id, FB config, drawable and context: every field of OpenXR's Xlib binding.

    Recent Monado checks all of them, not only the context.

    Raises:
        XRUnavailable: no GLX context is current (Panda3D is not on X11's OpenGL, e.g. EGL headless).
    """
    from OpenGL import GLX

    display = GLX.glXGetCurrentDisplay()
    context = GLX.glXGetCurrentContext()
    drawable = GLX.glXGetCurrentDrawable()
    if not context or not display:
        raise XRUnavailable(
            "no current GLX context: OpenXR here needs Panda3D's OpenGL on X11 (load-display pandagl, a DISPLAY)"
        )
    fb_id = ctypes.c_int(0)
    GLX.glXQueryContext(display, context, GLX.GLX_FBCONFIG_ID, ctypes.byref(fb_id))
    screen = ctypes.c_int(0)
    GLX.glXQueryContext(display, context, GLX.GLX_SCREEN, ctypes.byref(screen))
    attrs = (ctypes.c_int * 3)(GLX.GLX_FBCONFIG_ID, fb_id.value, 0)
    n = ctypes.c_int(0)
    configs = GLX.glXChooseFBConfig(display, screen.value, attrs, ctypes.byref(n))
    if not configs or n.value < 1:
        raise XRUnavailable("the GL context's framebuffer configuration cannot be found (glXChooseFBConfig)")
    visual = GLX.glXGetVisualFromFBConfig(display, configs[0])
    visualid = int(visual.contents.visualid) if visual else 0
    return display, visualid, configs[0], drawable, context


def context_version() -> tuple[int, int]:
    """The current context's OpenGL version (major, minor)."""
    from OpenGL import GL

    major, minor = GL.GLint(0), GL.GLint(0)
    GL.glGetIntegerv(GL.GL_MAJOR_VERSION, ctypes.byref(major))
    GL.glGetIntegerv(GL.GL_MINOR_VERSION, ctypes.byref(minor))
    return int(major.value), int(minor.value)


def texture_id(texture: Any, gsg: Any) -> int:
    """The GL name of a Panda3D texture on ``gsg`` (prepared there if it is not yet)."""
    tc = texture.prepare_now(0, gsg.get_prepared_objects(), gsg)
    if tc is None:
        raise RuntimeError(f"texture {texture.get_name()} could not be prepared on the GSG")
    return int(tc.get_native_id())


def copy_texture(src: int, dst: int, width: int, height: int) -> None:
    """Copy level 0 of one 2D texture into another on the GPU (same size class: RGBA8 into sRGB8_A8 is bits)."""
    from OpenGL import GL

    GL.glCopyImageSubData(src, GL.GL_TEXTURE_2D, 0, 0, 0, 0, dst, GL.GL_TEXTURE_2D, 0, 0, 0, 0, width, height, 1)


def read_texture(tex: int, width: int, height: int) -> np.ndarray:
    """A 2D texture's level 0 back in RAM: (height, width, 3) uint8 BGR, top row first (tests, captures)."""
    from OpenGL import GL

    buf = np.empty((height, width, 4), dtype=np.uint8)
    GL.glGetTextureImage(tex, 0, GL.GL_BGRA, GL.GL_UNSIGNED_BYTE, buf.nbytes, buf.ctypes.data_as(ctypes.c_void_p))
    return np.ascontiguousarray(buf[::-1, :, :3])
