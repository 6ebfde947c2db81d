"""Head-mounted displays: a view-provider interface, a simulated headset, and a thin pyopenxr layer.

A view provider answers, once a frame, "where is each eye and what does it see": a pose and an
asymmetric field of view per eye (OpenXR's ``XrView``). The showroom renders one offscreen image
per eye with :func:`eye_lens` and hands them back. :class:`SimulatedHeadset` follows a scripted
head path with the fields of view of common headsets and is what the tests and the no-runtime
machines use; :class:`OpenXRProvider` is the real thing, kept thin so what cannot be tested
without a runtime stays small.

Frames: OpenXR is right-handed with x right, y up and -z forward; the city (and Panda3D) has
x east, y north (forward), z up. ``panda = (x, -z, y)`` of OpenXR.
"""

from __future__ import annotations

__all__ = [
    "HEADSETS",
    "Controller",
    "EyeView",
    "Fov",
    "HeadPose",
    "OpenXRProvider",
    "SimulatedHeadset",
    "ViewProvider",
    "XRUnavailable",
    "eye_lens",
    "open_provider",
    "xr_to_panda",
]

import contextlib
import ctypes
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
    """One eye for one frame: position in the city frame, orientation (Panda3D h, p, r degrees), field of view."""

    position: tuple[float, float, float]
    hpr: tuple[float, float, float]
    fov: Fov


@dataclass(frozen=True)
class Controller:
    """A hand controller this frame, in the play space (Panda3D axes): where it points and what is pressed.

    ``select`` (trigger) picks what the laser points at; ``teleport`` (grip / thumbstick click) moves
    the play space to where the laser meets the ground.
    """

    hand: str
    position: tuple[float, float, float]
    direction: tuple[float, float, float]
    select: bool = False
    teleport: bool = False


class ViewProvider(Protocol):
    """What the showroom needs from a headset."""

    name: str
    recommended_size: tuple[int, int]

    def begin_frame(self) -> tuple[float, list[EyeView]] | None:
        """Wait for the next frame; the predicted display time (s) and the eyes, or None to skip it."""

    def end_frame(self, images: list[np.ndarray] | None) -> None:
        """Submit the rendered eye images (BGR, one per eye), or None when the frame was skipped."""

    def close(self) -> None:
        """Release the session."""

    def controllers(self) -> list[Controller]:
        """The hand controllers' state for the frame begun last (empty when none is tracked)."""


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


def _eyes_from_head(head: HeadPose, headset: Headset) -> list[EyeView]:
    """Both eyes of a head: offset by half the IPD along the head's right axis."""
    h = math.radians(head.heading_deg)
    p = math.radians(head.pitch_deg)
    right = np.array([math.cos(h), -math.sin(h), 0.0])  # heading clockwise from north
    # pitch does not move the eyes sideways; the inter-eye axis stays horizontal without roll
    del p
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
        self.submitted: list[list[tuple[int, ...]] | None] = []
        self.last_images: list[np.ndarray] | None = None

    def begin_frame(self) -> tuple[float, list[EyeView]]:
        """The eyes at the next display time (frames at the headset's refresh rate)."""
        t = self.frame / self.headset.refresh_hz
        return t, _eyes_from_head(self.path(t), self.headset)

    def end_frame(self, images: list[np.ndarray] | None) -> None:
        """Keep the submitted images' shapes and the last pair (not every frame: a long session stays small)."""
        self.frame += 1
        self.submitted.append(None if images is None else [i.shape for i in images])
        self.last_images = images

    def controllers(self) -> list[Controller]:
        """The scripted controllers at the current frame's time, plus any injected for this frame."""
        out = list(self.hands(self.frame / self.headset.refresh_hz)) + self._injected
        self._injected = []
        return out

    def inject(self, controller: Controller) -> None:
        """A controller state for the next frame only (a scripted trigger pull)."""
        self._injected.append(controller)

    def close(self) -> None:
        """Nothing to release."""


def xr_to_panda(v: tuple[float, float, float]) -> tuple[float, float, float]:
    """A vector in OpenXR's frame (x right, y up, -z forward) in Panda3D's (x right, y forward, z up)."""
    return (v[0], -v[2], v[1])


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


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence the OpenXR loader's own lines on fd 2 (it prints several per failed start)."""
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


class OpenXRProvider:
    """A real headset through pyopenxr (OpenXR 1.0, OpenGL on Xlib/GLX, stereo view configuration).

    Opening walks OpenXR's start-up: instance (fails with ``RuntimeUnavailableError`` when no
    runtime is installed), head-mounted system (fails when no headset is connected), stereo view
    configuration and the views' recommended sizes. The session and its swapchains need the
    renderer's GL context and are created by :meth:`bind_current_glx` from inside the render thread,
    after the first frame has been drawn. What follows cannot run without a runtime and a headset,
    so it is kept to the OpenXR calls themselves: session state events, two swapchains, a CPU copy
    of each eye's image into its swapchain image, one projection layer a frame.
    """

    name = "OpenXR"

    def __init__(self, *, app_name: str = "command-center twin") -> None:
        try:
            import xr
        except ImportError as e:  # pragma: no cover - pyopenxr is a dependency
            raise XRUnavailable(f"pyopenxr is not installed ({e})") from None
        self._xr = xr
        try:
            with _quiet_stderr():
                self.instance = xr.create_instance(
                    xr.InstanceCreateInfo(
                        application_info=xr.ApplicationInfo(application_name=app_name, engine_name="Panda3D"),
                        enabled_extension_names=[xr.KHR_OPENGL_ENABLE_EXTENSION_NAME],
                    )
                )
        except xr.RuntimeUnavailableError:
            raise XRUnavailable(
                "no OpenXR runtime is installed (pyopenxr: RuntimeUnavailableError); start SteamVR, Monado or "
                "your headset's runtime, or use --xr off"
            ) from None
        except xr.ExtensionNotPresentError:
            raise XRUnavailable("the OpenXR runtime has no OpenGL support (XR_KHR_opengl_enable)") from None
        try:
            self.system = xr.get_system(self.instance, xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY))
        except xr.FormFactorUnavailableError:
            self.close()
            raise XRUnavailable("an OpenXR runtime is running but no headset is connected") from None
        views = xr.enumerate_view_configuration_views(
            self.instance, self.system, xr.ViewConfigurationType.PRIMARY_STEREO
        )
        self.recommended_size = (
            int(views[0].recommended_image_rect_width),
            int(views[0].recommended_image_rect_height),
        )
        self.session = None
        self.running = False
        self.exiting = False
        self.swapchains = []

    # ---- session: bound to the renderer's GL context ---------------------------------------------
    def bind_current_glx(self) -> None:
        """Create the session on the GLX context current on this thread (Panda3D's, once it has drawn).

        Every field of the Xlib binding is filled (display, visual, FB config, drawable, context):
        recent Monado checks them all.
        """
        from OpenGL import GLX

        display = GLX.glXGetCurrentDisplay()
        context = GLX.glXGetCurrentContext()
        drawable = GLX.glXGetCurrentDrawable()
        if not context:
            raise XRUnavailable(
                "no current GLX context: OpenXR here needs Panda3D's OpenGL on X11 (load-display pandagl)"
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
        self.bind_graphics(display, int(visual.contents.visualid) if visual else 0, configs[0], drawable, context)

    def bind_graphics(
        self, x_display: Any, visualid: int, glx_fb_config: Any, glx_drawable: Any, glx_context: Any
    ) -> None:
        """Create the session with an explicit Xlib/GLX binding (call from the render thread)."""
        xr = self._xr
        xr.get_opengl_graphics_requirements_khr(self.instance, self.system)
        binding = xr.GraphicsBindingOpenGLXlibKHR(
            x_display=x_display,
            visualid=visualid,
            glx_fbconfig=glx_fb_config,
            glx_drawable=glx_drawable,
            glx_context=glx_context,
        )
        self.session = xr.create_session(
            self.instance, xr.SessionCreateInfo(next=ctypes.pointer(binding), system_id=self.system)
        )
        self._binding = binding  # the runtime may read it later: keep it alive
        self.running = False
        self.exiting = False
        self.swapchains: list[tuple[Any, list[int]]] = []
        self._make_actions()

    def _make_actions(self) -> None:
        """Both hands' aim pose, select (trigger) and teleport (menu) on the Khronos simple controller.

        Every runtime maps its own controllers onto ``/interaction_profiles/khr/simple_controller``.
        """
        xr = self._xr
        inst = self.instance
        self._hands = [xr.string_to_path(inst, "/user/hand/left"), xr.string_to_path(inst, "/user/hand/right")]
        self._action_set = xr.create_action_set(
            inst, xr.ActionSetCreateInfo(action_set_name="showroom", localized_action_set_name="Showroom", priority=0)
        )

        def action(kind: Any, name: str) -> Any:
            return xr.create_action(
                self._action_set,
                xr.ActionCreateInfo(
                    action_type=kind,
                    action_name=name,
                    localized_action_name=name.title(),
                    count_subaction_paths=2,
                    subaction_paths=self._hands,
                ),
            )

        self._aim = action(xr.ActionType.POSE_INPUT, "aim")
        self._select = action(xr.ActionType.BOOLEAN_INPUT, "select")
        self._teleport = action(xr.ActionType.BOOLEAN_INPUT, "teleport")
        bindings = []
        for side in ("left", "right"):
            for act, leaf in ((self._aim, "aim/pose"), (self._select, "select/click"), (self._teleport, "menu/click")):
                bindings.append(
                    xr.ActionSuggestedBinding(act, xr.string_to_path(inst, f"/user/hand/{side}/input/{leaf}"))
                )
        xr.suggest_interaction_profile_bindings(
            inst,
            xr.InteractionProfileSuggestedBinding(
                interaction_profile=xr.string_to_path(inst, "/interaction_profiles/khr/simple_controller"),
                suggested_bindings=bindings,
            ),
        )
        xr.attach_session_action_sets(self.session, xr.SessionActionSetsAttachInfo(action_sets=[self._action_set]))
        self._aim_spaces = [
            xr.create_action_space(self.session, xr.ActionSpaceCreateInfo(action=self._aim, subaction_path=h))
            for h in self._hands
        ]

    def controllers(self) -> list[Controller]:
        """Each tracked hand's laser (aim pose, -z forward) and whether select or teleport went down this frame."""
        xr = self._xr
        if not self.running or not getattr(self, "_frame_begun", False):
            return []
        xr.sync_actions(
            self.session, xr.ActionsSyncInfo(active_action_sets=[xr.ActiveActionSet(self._action_set, xr.NULL_PATH)])
        )
        out = []
        for side, hand, space in zip(("left", "right"), self._hands, self._aim_spaces, strict=True):
            loc = xr.locate_space(space, self._space(), self._display_time)
            if not (loc.location_flags & xr.SpaceLocationFlags.POSITION_VALID_BIT):
                continue
            q = loc.pose.orientation
            fwd = _rotate((q.x, q.y, q.z, q.w), (0.0, 0.0, -1.0))

            def pressed(act: Any, hand: Any = hand) -> bool:
                st = xr.get_action_state_boolean(self.session, xr.ActionStateGetInfo(action=act, subaction_path=hand))
                return bool(st.current_state and st.changed_since_last_sync)

            p = loc.pose.position
            out.append(
                Controller(
                    side, xr_to_panda((p.x, p.y, p.z)), xr_to_panda(fwd), pressed(self._select), pressed(self._teleport)
                )
            )
        return out

    def _poll(self) -> None:
        """Follow the session's life: begin when READY, end when STOPPING, quit when the runtime goes."""
        xr = self._xr
        while True:
            try:
                ev = xr.poll_event(self.instance)
            except xr.EventUnavailable:
                return
            if xr.StructureType(ev.type) != xr.StructureType.EVENT_DATA_SESSION_STATE_CHANGED:
                continue
            changed = ctypes.cast(ctypes.byref(ev), ctypes.POINTER(xr.EventDataSessionStateChanged)).contents
            state = xr.SessionState(changed.state)
            if state == xr.SessionState.READY:
                xr.begin_session(self.session, xr.SessionBeginInfo(xr.ViewConfigurationType.PRIMARY_STEREO))
                self.running = True
                if not self.swapchains:
                    self._make_swapchains()
            elif state == xr.SessionState.STOPPING:
                xr.end_session(self.session)
                self.running = False
            elif state in (xr.SessionState.EXITING, xr.SessionState.LOSS_PENDING):
                self.running = False
                self.exiting = True

    def _make_swapchains(self) -> None:
        xr = self._xr
        w, h = self.recommended_size
        formats = list(xr.enumerate_swapchain_formats(self.session))
        gl_srgb8_alpha8, gl_rgba8 = 0x8C43, 0x8058
        fmt = gl_srgb8_alpha8 if gl_srgb8_alpha8 in formats else (gl_rgba8 if gl_rgba8 in formats else formats[0])
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

    def begin_frame(self) -> tuple[float, list[EyeView]] | None:
        """Frame timing comes from the runtime (``xrWaitFrame``); eye poses from ``xrLocateViews``."""
        if self.session is None:
            raise XRUnavailable("the OpenXR session is not bound to a GL context yet (bind_current_glx)")
        xr = self._xr
        self._poll()
        self._frame_begun = False
        if not self.running:
            return None
        state = xr.wait_frame(self.session)
        xr.begin_frame(self.session)
        self._frame_begun = True
        self._display_time = state.predicted_display_time
        if not state.should_render:
            return None
        _, views = xr.locate_views(
            self.session,
            xr.ViewLocateInfo(
                view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO,
                display_time=state.predicted_display_time,
                space=self._space(),
            ),
        )
        self._views = views
        out = []
        for v in views:
            p = xr_to_panda((v.pose.position.x, v.pose.position.y, v.pose.position.z))
            fov = Fov(v.fov.angle_left, v.fov.angle_right, v.fov.angle_up, v.fov.angle_down)
            out.append(EyeView(p, _quat_to_hpr(v.pose.orientation), fov))
        return state.predicted_display_time * 1e-9, out

    def _space(self) -> Any:
        if getattr(self, "_stage", None) is None:
            xr = self._xr
            self._stage = xr.create_reference_space(
                self.session, xr.ReferenceSpaceCreateInfo(reference_space_type=xr.ReferenceSpaceType.STAGE)
            )
        return self._stage

    def end_frame(self, images: list[np.ndarray] | None) -> None:
        """Copy each eye's image into its swapchain and submit one projection layer (none when skipped)."""
        if not getattr(self, "_frame_begun", False):
            return
        xr = self._xr
        layers = []
        if images is not None and self.swapchains:
            from OpenGL import GL

            w, h = self.recommended_size
            proj_views = []
            for k, (sc, textures) in enumerate(self.swapchains):
                idx = xr.acquire_swapchain_image(sc, xr.SwapchainImageAcquireInfo())
                xr.wait_swapchain_image(sc, xr.SwapchainImageWaitInfo(timeout=xr.INFINITE_DURATION))
                GL.glBindTexture(GL.GL_TEXTURE_2D, textures[idx])
                # our images are BGR top row first; GL's rows run bottom-up
                img = np.ascontiguousarray(images[k][::-1, :w])
                GL.glTexSubImage2D(
                    GL.GL_TEXTURE_2D, 0, 0, 0, img.shape[1], img.shape[0], GL.GL_BGR, GL.GL_UNSIGNED_BYTE, img
                )
                xr.release_swapchain_image(sc, xr.SwapchainImageReleaseInfo())
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
            self._layer = xr.CompositionLayerProjection(space=self._space(), views=proj_views)
            layers = [ctypes.byref(self._layer)]
        info = xr.FrameEndInfo(
            display_time=self._display_time, environment_blend_mode=xr.EnvironmentBlendMode.OPAQUE, layers=layers
        )
        xr.end_frame(self.session, info)
        self._frame_begun = False

    def close(self) -> None:
        """Destroy swapchains, session and instance (safe to call twice, and after the runtime stopped)."""
        xr = self._xr
        for sc, _ in getattr(self, "swapchains", []):
            with contextlib.suppress(Exception):
                xr.destroy_swapchain(sc)
        self.swapchains = []
        for attr, fn in (("session", xr.destroy_session), ("instance", xr.destroy_instance)):
            h = getattr(self, attr, None)
            if h is not None:
                with contextlib.suppress(Exception):
                    fn(h)
                setattr(self, attr, None)


def _rotate(q: tuple[float, float, float, float], v: tuple[float, float, float]) -> tuple[float, float, float]:
    """Rotate ``v`` by the unit quaternion ``q`` = (x, y, z, w)."""
    x, y, z, w = q
    u = np.array([x, y, z])
    vv = np.array(v, dtype=float)
    r = 2.0 * np.dot(u, vv) * u + (w * w - np.dot(u, u)) * vv + 2.0 * w * np.cross(u, vv)
    return (float(r[0]), float(r[1]), float(r[2]))


def _quat_to_hpr(q: object) -> tuple[float, float, float]:
    """An OpenXR orientation quaternion as Panda3D heading, pitch, roll (degrees)."""
    from panda3d.core import LQuaternionf

    # OpenXR (x right, y up, -z forward) to Panda (x right, y forward, z up): rotate the axes
    pq = LQuaternionf(q.w, q.x, -q.z, q.y)  # type: ignore[attr-defined]
    hpr = pq.get_hpr()
    return (float(hpr[0]), float(hpr[1]), float(hpr[2]))


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
        return OpenXRProvider(), "VR: OpenXR headset"
    except XRUnavailable as e:
        if mode == "on":
            raise
        return None, f"VR unavailable: {e}"
