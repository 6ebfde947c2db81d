"""A real headset through pyopenxr: OpenXR 1.0 with the OpenGL Xlib binding to Panda3D's own context.

Start-up (:class:`OpenXRProvider`): instance with ``XR_KHR_opengl_enable`` (and
``XR_KHR_convert_timespec_time`` where the runtime has it, to measure how far ahead it predicts),
the head-mounted system, the stereo view configuration and its recommended eye size. The session
needs the renderer's GL context, so :meth:`OpenXRProvider.bind_current_glx` creates it from the
render thread once Panda3D has drawn: session, one swapchain per eye in a format the runtime offers,
the reference space and the actions (``_openxr_input``).

The frame loop is the runtime's: :meth:`begin_frame` polls the session's state, blocks in
``xrWaitFrame`` until the runtime wants the next frame, begins it and locates the eyes at the
predicted display time; :meth:`end_frame` copies each eye's texture into its swapchain image on the
GPU (``glCopyImageSubData``, no read-back) and ends the frame with one projection layer, or with no
layer when the runtime said not to render. Every frame waited is begun and ended, whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from . import _openxr_gl as gl
from ._openxr_input import Hands
from ._xr_types import (
    Controller,
    EyeTarget,
    EyeView,
    Fov,
    FrameCounters,
    FrameTiming,
    XRUnavailable,
    quat_to_hpr,
    xr_to_panda,
)

#: Swapchain formats we can copy Panda3D's RGBA8 eye textures into, in order of preference: sRGB first
#: (Panda3D writes display-encoded colour, which an sRGB image tells the compositor it is).
COPYABLE_FORMATS = {0x8C43: "GL_SRGB8_ALPHA8", 0x8058: "GL_RGBA8"}

#: How long :meth:`OpenXRProvider.close` waits for the runtime to walk a running session to EXITING.
EXIT_TIMEOUT_S = 3.0


def xr_error(e: BaseException) -> str:
    """An OpenXR exception as ``XR_ERROR_NAME: message`` (one line)."""
    name = type(e).__name__
    get = getattr(e, "get_result_enum", None)
    with contextlib.suppress(Exception):
        res = get() if get else None
        if res is not None:
            name = f"XR_{res.name}"
    msg = " ".join(str(e).split())
    return f"{name}: {msg}" if msg else name


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence the OpenXR loader's and runtime's own lines on fd 2 (several per start, and on failure)."""
    if os.environ.get("SHOWROOM_XR_VERBOSE"):
        yield
        return
    try:
        fd = os.dup(2)
    except OSError:
        yield
        return
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(fd, 2)
            os.close(fd)


@contextlib.contextmanager
def _keep_stdin() -> Iterator[None]:
    """Give fd 0 back if the runtime closes it.

    Monado (25.1) closes file descriptor 0 at session and instance teardown, an fd field left at 0:
    the process's stdin goes, and the next file opened takes fd 0 and is closed under its owner at
    the next teardown (a second showroom in the same process could not open its window). Whatever
    fd 0 was is restored after each call into the runtime that can do that.
    """
    try:
        saved = os.dup(0)
    except OSError:
        yield
        return
    try:
        yield
    finally:
        try:
            same = os.path.samestat(os.fstat(0), os.fstat(saved))
        except OSError:
            same = False
        if not same:
            os.dup2(saved, 0)
        os.close(saved)


class OpenXRProvider:
    """A real headset through pyopenxr (OpenXR 1.0, OpenGL on Xlib/GLX, stereo view configuration).

    Raises:
        XRUnavailable: no runtime, a runtime that cannot load, no OpenGL support, no headset, no stereo.
    """

    name = "OpenXR"
    needs_ram_images = False

    def __init__(self, *, app_name: str = "command-center twin") -> None:
        try:
            import xr
        except ImportError as e:  # pragma: no cover - pyopenxr is a dependency
            raise XRUnavailable(f"pyopenxr is not installed ({e})") from None
        self._xr = xr
        self.instance: Any = None
        self.session: Any = None
        self.swapchains: list[tuple[Any, list[int]]] = []
        self.counters = FrameCounters()
        self.timing: FrameTiming | None = None
        self.state = "UNKNOWN"
        self.running = False
        self.exiting = False
        self.exit_reason: str | None = None
        self.exit_code = 0
        self.capture_next = False
        self.captured: list[np.ndarray] | None = None
        self._frame_begun = False
        self._views: Sequence[Any] = ()
        self._space: Any = None
        self._hands: Hands | None = None
        self._profiles: list[str] = []
        self._last_display_time: int | None = None
        self._min_paced: int | None = None
        self.refresh_hz: float | None = None
        self._binding: Any = None
        self._fmt = 0
        with _quiet_stderr(), _keep_stdin():
            self._open_instance(app_name)

    # ---- start-up ------------------------------------------------------------------------------
    def _open_instance(self, app_name: str) -> None:
        xr = self._xr
        try:
            available = {e.extension_name.decode() for e in xr.enumerate_instance_extension_properties()}
        except xr.RuntimeUnavailableError:
            raise XRUnavailable(
                _manifest_problem()
                or "no OpenXR runtime is installed (pyopenxr: RuntimeUnavailableError); start SteamVR, Monado or "
                "your headset's runtime, or use --xr off"
            ) from None
        except xr.XrException as e:
            raise XRUnavailable(f"the OpenXR runtime could not be loaded ({_manifest()}): {xr_error(e)}") from None
        if xr.KHR_OPENGL_ENABLE_EXTENSION_NAME not in available:
            raise XRUnavailable("the OpenXR runtime has no OpenGL support (XR_KHR_opengl_enable)")
        self.extensions = [xr.KHR_OPENGL_ENABLE_EXTENSION_NAME]
        # optional: the runtime's clock on CLOCK_MONOTONIC, and the display's true refresh rate
        for ext in (xr.KHR_CONVERT_TIMESPEC_TIME_EXTENSION_NAME, xr.FB_DISPLAY_REFRESH_RATE_EXTENSION_NAME):
            if ext in available:
                self.extensions.append(ext)
        try:
            self.instance = xr.create_instance(
                xr.InstanceCreateInfo(
                    application_info=xr.ApplicationInfo(application_name=app_name, engine_name="Panda3D"),
                    enabled_extension_names=self.extensions,
                )
            )
        except xr.XrException as e:
            raise XRUnavailable(f"the OpenXR runtime refused to start ({_manifest()}): {xr_error(e)}") from None
        props = xr.get_instance_properties(self.instance)
        self.runtime_name = props.runtime_name.decode(errors="replace").strip()
        v = xr.Version(props.runtime_version)
        self.runtime_version = f"{v.major}.{v.minor}.{v.patch}"
        try:
            self.system = xr.get_system(self.instance, xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY))
        except xr.FormFactorUnavailableError:
            self.close()
            raise XRUnavailable(f"{self.runtime_name} is running but no headset is connected") from None
        except xr.XrException as e:
            self.close()
            raise XRUnavailable(f"{self.runtime_name} has no head-mounted system: {xr_error(e)}") from None
        sp = xr.get_system_properties(self.instance, self.system)
        self.system_name = sp.system_name.decode(errors="replace").strip()
        stereo = xr.ViewConfigurationType.PRIMARY_STEREO
        if stereo.value not in [int(c) for c in xr.enumerate_view_configurations(self.instance, self.system)]:
            self.close()
            raise XRUnavailable(f"{self.system_name} has no stereo view configuration (PRIMARY_STEREO)")
        views = xr.enumerate_view_configuration_views(self.instance, self.system, stereo)
        self.recommended_size = (
            int(views[0].recommended_image_rect_width),
            int(views[0].recommended_image_rect_height),
        )
        modes = [int(m) for m in xr.enumerate_environment_blend_modes(self.instance, self.system, stereo)]
        opaque = int(xr.EnvironmentBlendMode.OPAQUE)
        self._blend = xr.EnvironmentBlendMode(opaque if opaque in modes else modes[0])

    def describe(self) -> dict[str, Any]:
        """Runtime, system, eye size, swapchain format and the session's state history, for the trace."""
        return {
            "runtime": getattr(self, "runtime_name", None),
            "runtime_version": getattr(self, "runtime_version", None),
            "system": getattr(self, "system_name", None),
            "eye_size": list(self.recommended_size) if hasattr(self, "recommended_size") else None,
            "extensions": list(getattr(self, "extensions", [])),
            "swapchain_format": COPYABLE_FORMATS.get(self._fmt),
            "refresh_hz": self.refresh_hz,
            "interaction_profiles": list(self._hands.profiles) if self._hands else self._profiles,
            "exit_reason": self.exit_reason,
        }

    # ---- session: bound to the renderer's GL context ---------------------------------------------
    @property
    def needs_binding(self) -> bool:
        """True until the session exists (it needs the GL context, current once Panda3D has drawn)."""
        return self.session is None and not self.exiting

    def bind_current_glx(self) -> None:
        """Create the session on the GLX context current on this thread (Panda3D's, once it has drawn)."""
        self.bind_graphics(*gl.current_glx())

    def bind_graphics(
        self, x_display: Any, visualid: int, glx_fb_config: Any, glx_drawable: Any, glx_context: Any
    ) -> None:
        """Create the session with an explicit Xlib/GLX binding, then swapchains, space and actions.

        The binding is chained as the struct itself: pyopenxr stores a ``ctypes.pointer`` as the
        address of the pointer object, and the runtime then finds no graphics binding in the chain.
        """
        xr = self._xr
        req = xr.get_opengl_graphics_requirements_khr(self.instance, self.system)
        have = gl.context_version()
        need = xr.Version(req.min_api_version_supported)
        if have < (need.major, need.minor):
            raise XRUnavailable(
                f"{self.runtime_name} needs OpenGL {need.major}.{need.minor}, Panda3D's context is {have[0]}.{have[1]}"
            )
        self._binding = xr.GraphicsBindingOpenGLXlibKHR(
            x_display=x_display,
            visualid=visualid,
            glx_fbconfig=glx_fb_config,
            glx_drawable=glx_drawable,
            glx_context=glx_context,
        )
        try:
            with _quiet_stderr(), _keep_stdin():
                self.session = xr.create_session(
                    self.instance, xr.SessionCreateInfo(next=self._binding, system_id=self.system)
                )
        except xr.XrException as e:
            raise XRUnavailable(f"{self.runtime_name} refused the VR session: {xr_error(e)}") from None
        self._make_swapchains()
        spaces = [int(s) for s in xr.enumerate_reference_spaces(self.session)]
        kind = next(
            (k for k in (xr.ReferenceSpaceType.STAGE, xr.ReferenceSpaceType.LOCAL) if int(k) in spaces),
            xr.ReferenceSpaceType.LOCAL,
        )
        self.space_kind = kind.name
        self.refresh_hz = self._refresh_hz()
        self._space = xr.create_reference_space(self.session, xr.ReferenceSpaceCreateInfo(reference_space_type=kind))
        self._hands = Hands(xr, self.instance, self.session)

    def _refresh_hz(self) -> float | None:
        """The display's refresh rate (``XR_FB_display_refresh_rate``), or None where the runtime has no such query."""
        xr = self._xr
        if xr.FB_DISPLAY_REFRESH_RATE_EXTENSION_NAME not in self.extensions:
            return None
        try:
            rate = xr.get_display_refresh_rate_fb(self.session)
        except xr.XrException:
            return None
        hz = float(getattr(rate, "value", rate))
        return hz if hz > 0 else None

    def _make_swapchains(self) -> None:
        xr = self._xr
        w, h = self.recommended_size
        offered = [int(f) for f in xr.enumerate_swapchain_formats(self.session)]
        fmt = next((f for f in COPYABLE_FORMATS if f in offered), None)
        if fmt is None:
            raise XRUnavailable(
                f"{self.runtime_name} offers no swapchain format Panda3D's eye textures copy into "
                f"(want one of {sorted(COPYABLE_FORMATS.values())}, offered {[hex(f) for f in offered]})"
            )
        self._fmt = fmt
        for _ in range(2):
            sc = xr.create_swapchain(
                self.session,
                xr.SwapchainCreateInfo(
                    usage_flags=xr.SwapchainUsageFlags.COLOR_ATTACHMENT_BIT | xr.SwapchainUsageFlags.TRANSFER_DST_BIT,
                    format=fmt,
                    sample_count=1,
                    width=w,
                    height=h,
                    face_count=1,
                    array_size=1,
                    mip_count=1,
                ),
            )
            images = xr.enumerate_swapchain_images(sc, xr.SwapchainImageOpenGLKHR)
            self.swapchains.append((sc, [int(i.image) for i in images]))

    # ---- session state ---------------------------------------------------------------------------
    def poll(self) -> None:
        """Follow the session's life: begin when READY, end when STOPPING, quit on EXITING or LOSS_PENDING."""
        xr = self._xr
        if self.instance is None:
            return
        while True:
            try:
                ev = xr.poll_event(self.instance)
            except xr.EventUnavailable:
                return
            kind = xr.StructureType(ev.type)
            if kind == xr.StructureType.EVENT_DATA_INSTANCE_LOSS_PENDING:
                self._exit("the OpenXR runtime is going away (instance loss pending)", 1)
                return
            if kind != xr.StructureType.EVENT_DATA_SESSION_STATE_CHANGED:
                continue
            import ctypes

            changed = ctypes.cast(ctypes.byref(ev), ctypes.POINTER(xr.EventDataSessionStateChanged)).contents
            self._on_state(xr.SessionState(changed.state))

    def _on_state(self, state: Any) -> None:
        xr = self._xr
        self.state = state.name
        if not self.counters.states or self.counters.states[-1] != state.name:
            self.counters.states.append(state.name)
        if state == xr.SessionState.READY:
            xr.begin_session(self.session, xr.SessionBeginInfo(xr.ViewConfigurationType.PRIMARY_STEREO))
            self.running = True
        elif state == xr.SessionState.STOPPING:
            self._finish_frame()
            xr.end_session(self.session)
            self.running = False
        elif state == xr.SessionState.EXITING:
            self._exit(self.exit_reason or "the VR runtime asked the app to exit", self.exit_code)
        elif state == xr.SessionState.LOSS_PENDING:
            self._exit("the VR session was lost (headset disconnected or runtime stopped)", 1)

    def _exit(self, reason: str, code: int) -> None:
        self.running = False
        self.exiting = True
        self.exit_reason = self.exit_reason or reason
        self.exit_code = code

    def request_exit(self) -> None:
        """Ask the runtime to end the session (Escape): it walks STOPPING, IDLE, EXITING; :meth:`poll` follows."""
        if self.session is not None and self.running:
            self.exit_reason = "the user quit"
            with contextlib.suppress(self._xr.XrException):
                self._xr.request_exit_session(self.session)
        elif not self.exiting:
            self._exit("the user quit", 0)

    # ---- the frame loop -------------------------------------------------------------------------
    def begin_frame(self) -> tuple[float, list[EyeView]] | None:
        """Wait for the runtime's next frame and begin it; the display time (s) and eyes, or None to not draw.

        Returns None without waiting while the session is not running (before READY, after STOPPING).
        """
        if self.session is None:
            raise XRUnavailable("the OpenXR session is not bound to a GL context yet (bind_current_glx)")
        xr = self._xr
        self.poll()
        if not self.running:
            return None
        t0 = time.perf_counter()
        state = xr.wait_frame(self.session, xr.FrameWaitInfo())
        wait_ms = (time.perf_counter() - t0) * 1000.0
        self.counters.waited += 1
        pdt, paced = int(state.predicted_display_time), int(state.predicted_display_period)
        # the display's period: from its refresh rate where the runtime says, else the shortest pacing seen
        # (a runtime paces a slow app at a multiple of it, so the pacing alone would hide missed periods)
        if self.refresh_hz:
            period = 1e9 / self.refresh_hz
        else:
            self._min_paced = min(self._min_paced or paced, paced) if paced > 0 else self._min_paced
            period = float(self._min_paced or 0)
        late, frame_ms = 0, None
        if self._last_display_time is not None and period > 0:
            step = pdt - self._last_display_time
            late = max(0, round(step / period) - 1)
            frame_ms = step * 1e-6
            self.counters.late += late
        self._last_display_time = pdt
        self.timing = FrameTiming(
            period_ms=period * 1e-6,
            wait_ms=wait_ms,
            frame_ms=frame_ms,
            paced_ms=paced * 1e-6,
            ahead_ms=self._ahead_ms(pdt),
            late=late,
        )
        xr.begin_frame(self.session, xr.FrameBeginInfo())
        self.counters.begun += 1
        self._frame_begun = True
        self._display_time = pdt
        self._views = ()
        if not state.should_render:
            self.counters.skipped += 1
            return None
        view_state, views = xr.locate_views(
            self.session,
            xr.ViewLocateInfo(
                view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO, display_time=pdt, space=self._space
            ),
        )
        if not view_state.view_state_flags & xr.ViewStateFlags.ORIENTATION_VALID_BIT:
            self.counters.skipped += 1  # the headset lost tracking: no layer this frame
            return None
        self._views = views
        self.counters.rendered += 1
        eyes = []
        for v in views:
            p = xr_to_panda((v.pose.position.x, v.pose.position.y, v.pose.position.z))
            eyes.append(EyeView(p, quat_to_hpr(v.pose.orientation), Fov(*(float(a) for a in _fov(v.fov)))))
        return pdt * 1e-9, eyes

    def _ahead_ms(self, pdt: int) -> float | None:
        """How far in the future the runtime predicts the display (ms), from ``XR_KHR_convert_timespec_time``."""
        if self._xr.KHR_CONVERT_TIMESPEC_TIME_EXTENSION_NAME not in self.extensions:
            return None
        from xr.platform.linux import convert_timespec_time_to_time_khr, timespec

        ns = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        try:
            now = convert_timespec_time_to_time_khr(self.instance, timespec(ns // 1_000_000_000, ns % 1_000_000_000))
        except self._xr.XrException:
            return None
        return (pdt - int(now.value if hasattr(now, "value") else now)) * 1e-6

    def controllers(self) -> list[Controller]:
        """Each tracked hand's laser and buttons this frame (none before FOCUSED or without controllers)."""
        if self._hands is None or not self._frame_begun or self.state != "FOCUSED":
            return []
        return self._hands.read(self._space, self._display_time)

    def end_frame(self, eyes: Sequence[EyeTarget] | None) -> None:
        """Copy each eye into its swapchain and end the frame with a projection layer (none when skipped)."""
        if not self._frame_begun:
            return
        xr = self._xr
        layers = []
        try:
            if eyes is not None and self._views:
                layers = [self._submit_eyes(eyes)]
        finally:
            info = xr.FrameEndInfo(display_time=self._display_time, environment_blend_mode=self._blend, layers=layers)
            self._frame_begun = False
            xr.end_frame(self.session, info)
            self.counters.ended += 1
            if layers:
                self.counters.submitted += 1
                self.counters.layers += len(layers)

    def _submit_eyes(self, eyes: Sequence[EyeTarget]) -> Any:
        import ctypes

        xr = self._xr
        w, h = self.recommended_size
        proj_views = []
        captured = []
        for k, (sc, images) in enumerate(self.swapchains):
            idx = xr.acquire_swapchain_image(sc, xr.SwapchainImageAcquireInfo())
            self.counters.acquired += 1
            try:
                xr.wait_swapchain_image(sc, xr.SwapchainImageWaitInfo(timeout=xr.INFINITE_DURATION))
                gl.copy_texture(gl.texture_id(eyes[k].texture, eyes[k].buffer.get_gsg()), images[idx], w, h)
                if self.capture_next:
                    captured.append(gl.read_texture(images[idx], w, h))
            finally:
                xr.release_swapchain_image(sc, xr.SwapchainImageReleaseInfo())
                self.counters.released += 1
            v = self._views[k]
            proj_views.append(
                xr.CompositionLayerProjectionView(
                    pose=v.pose,
                    fov=v.fov,
                    sub_image=xr.SwapchainSubImage(
                        swapchain=sc, image_rect=xr.Rect2Di(offset=xr.Offset2Di(0, 0), extent=xr.Extent2Di(w, h))
                    ),
                )
            )
        if self.capture_next:
            self.captured, self.capture_next = captured, False
        self._layer = xr.CompositionLayerProjection(space=self._space, views=proj_views)
        return ctypes.byref(self._layer)

    def _finish_frame(self) -> None:
        """End a begun frame with no layer (a frame waited and begun is always ended)."""
        if self._frame_begun:
            with contextlib.suppress(self._xr.XrException):
                self.end_frame(None)
            self._frame_begun = False

    # ---- shutdown ---------------------------------------------------------------------------------
    def close(self) -> None:
        """End the session the way OpenXR asks, then destroy everything (safe twice, and after the runtime left).

        A running session is asked to exit and followed through STOPPING to IDLE/EXITING (bounded by
        :data:`EXIT_TIMEOUT_S`) before its handles go.
        """
        xr = self._xr
        self._finish_frame()
        if self.session is not None and self.running:
            self.request_exit()
            deadline = time.monotonic() + EXIT_TIMEOUT_S
            while self.running and time.monotonic() < deadline:
                with contextlib.suppress(xr.XrException):
                    self.poll()
                time.sleep(0.005)
        with _quiet_stderr(), _keep_stdin():
            if self._hands is not None:
                self._profiles = list(self._hands.profiles)
                self._hands.destroy()
                self._hands = None
            if self._space is not None:
                with contextlib.suppress(xr.XrException):
                    xr.destroy_space(self._space)
                self._space = None
            for sc, _ in self.swapchains:
                with contextlib.suppress(xr.XrException):
                    xr.destroy_swapchain(sc)
            self.swapchains = []
            for attr, fn in (("session", xr.destroy_session), ("instance", xr.destroy_instance)):
                handle = getattr(self, attr, None)
                if handle is not None:
                    with contextlib.suppress(xr.XrException):
                        fn(handle)
                    setattr(self, attr, None)
        self.running = False


def _fov(f: Any) -> tuple[float, float, float, float]:
    return (f.angle_left, f.angle_right, f.angle_up, f.angle_down)


def _manifest_problem() -> str | None:
    """Why the runtime named by ``XR_RUNTIME_JSON`` cannot load (a missing file, bad JSON, no library), or None."""
    import json
    from pathlib import Path

    path = os.environ.get("XR_RUNTIME_JSON")
    if not path:
        return None
    p = Path(path)
    if not p.is_file():
        return f"XR_RUNTIME_JSON={path}: the runtime manifest does not exist"
    try:
        lib = json.loads(p.read_text(encoding="utf-8"))["runtime"]["library_path"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"{path}: not an OpenXR runtime manifest (want runtime.library_path): {e}"
    lib_path = Path(lib) if Path(lib).is_absolute() or "/" not in lib else (p.parent / lib)
    if "/" in lib and not lib_path.is_file():
        return f"{path}: runtime.library_path {lib!r} does not exist ({lib_path.resolve()}); reinstall the runtime"
    return f"{path}: the OpenXR loader could not load runtime library {lib!r}"


def _manifest() -> str:
    path = os.environ.get("XR_RUNTIME_JSON")
    return f"XR_RUNTIME_JSON={path}" if path else "the active runtime"
