"""A headless Panda3D graphics engine and offscreen views that hand frames back as numpy arrays.

No ShowBase: the engine, pipe and buffers are made directly, so tests and ``showroom render`` run
with no display (EGL on Mesa's llvmpipe through ``p3headlessgl``). The showroom's window app passes
its own engine and window instead (:class:`Graphics`), and every scene builder takes one.
"""

from __future__ import annotations

__all__ = ["Graphics", "HeadlessEngine", "OffscreenView", "configure_panda"]

from dataclasses import dataclass

import numpy as np
from panda3d.core import (
    Camera,
    FrameBufferProperties,
    GraphicsEngine,
    GraphicsOutput,
    GraphicsPipe,
    GraphicsPipeSelection,
    LColor,
    Lens,
    NodePath,
    PerspectiveLens,
    Texture,
    WindowProperties,
    load_prc_file_data,
)

from .masks import VIEW_MASK

#: Engine settings the headless engine and the showroom window share: no audio, no vsync, any texture size.
ENGINE_PRC = """
audio-library-name null
sync-video false
textures-power-2 none
notify-level-display error
"""

#: Engine settings for a machine with no display: EGL offscreen, and the shared ones.
HEADLESS_PRC = (
    "\nload-display p3headlessgl\naux-display p3headlessgl\nwindow-type offscreen\nnotify-level-glgsg warning\n"
    + ENGINE_PRC
)

_configured = False
_pipe: GraphicsPipe | None = None


def configure_panda(extra: str = "") -> None:
    """Load the headless engine settings once, before any pipe is opened."""
    global _configured
    if not _configured:
        load_prc_file_data("scenes-headless", HEADLESS_PRC + extra)
        _configured = True


def shared_pipe() -> GraphicsPipe:
    """The process's one graphics pipe.

    Engines come and go, the pipe stays: destroying an EGL pipe terminates the EGL display under
    every other engine in the process.
    """
    global _pipe
    if _pipe is None:
        configure_panda()
        _pipe = GraphicsPipeSelection.get_global_ptr().make_default_pipe()
        if _pipe is None:
            raise RuntimeError("Panda3D found no graphics pipe (is Mesa's EGL installed?)")
    return _pipe


@dataclass
class Graphics:
    """What a scene needs to make its own buffers: the engine and an output whose GSG they share."""

    engine: GraphicsEngine
    host: GraphicsOutput

    @property
    def pipe(self) -> GraphicsPipe:
        """The host's graphics pipe."""
        return self.host.get_pipe()

    def make_buffer(
        self, name: str, width: int, height: int, *, sort: int = -10, float_color: bool = False, alpha: bool = True
    ) -> GraphicsOutput:
        """An offscreen buffer sharing the host's GSG (so textures are shared); ``alpha`` False: RGB only."""
        fbp = FrameBufferProperties()
        if float_color:
            fbp.set_float_color(True)
            fbp.set_rgba_bits(32, 0, 0, 0)
        else:
            fbp.set_rgba_bits(8, 8, 8, 8 if alpha else 0)
        fbp.set_depth_bits(24)
        buf = self.engine.make_output(
            self.pipe,
            name,
            sort,
            fbp,
            WindowProperties.size(int(width), int(height)),
            GraphicsPipe.BF_refuse_window,
            self.host.get_gsg(),
            self.host,
        )
        if buf is None:
            raise RuntimeError(f"could not open a {width}x{height} offscreen buffer ({name})")
        return buf

    def remove(self, output: GraphicsOutput) -> None:
        """Close a buffer made by :meth:`make_buffer`."""
        self.engine.remove_window(output)


class HeadlessEngine:
    """A graphics engine with a tiny host buffer that owns the GL context.

    Scenes make their depth buffers and views through :attr:`graphics`; :meth:`render_frame` draws
    every active buffer once.
    """

    def __init__(self) -> None:
        pipe = shared_pipe()
        self.engine = GraphicsEngine(pipe)
        fbp = FrameBufferProperties()
        fbp.set_rgba_bits(8, 8, 8, 8)
        fbp.set_depth_bits(24)
        host = self.engine.make_output(
            pipe, "host", -100, fbp, WindowProperties.size(4, 4), GraphicsPipe.BF_refuse_window, None, None
        )
        if host is None:
            raise RuntimeError("Panda3D could not open an offscreen buffer through p3headlessgl")
        self.graphics = Graphics(self.engine, host)
        # the host draws nothing; it exists for its GSG
        self.engine.render_frame()

    @property
    def gsg(self):  # noqa: ANN201 - a GraphicsStateGuardian
        """The shared graphics state guardian."""
        return self.graphics.host.get_gsg()

    def render_frame(self) -> None:
        """Draw every active buffer once (and wait for it)."""
        self.engine.render_frame()
        self.engine.sync_frame()

    def counts(self) -> dict[str, int]:
        """Live GPU-side objects: buffers, prepared textures, geoms, vertex buffers, shaders (leak checks)."""
        po = self.gsg.get_prepared_objects()
        return {
            "outputs": self.engine.get_num_windows(),
            "textures": po.get_num_prepared_textures(),
            "geoms": po.get_num_prepared_geoms(),
            "vertex_buffers": po.get_num_prepared_vertex_buffers(),
            "shaders": po.get_num_prepared_shaders(),
        }

    def close(self) -> None:
        """Close every buffer and the engine."""
        self.engine.remove_all_windows()


def texture_bgr(texture: Texture) -> np.ndarray:
    """A texture's RAM image as (height, width, 3) uint8 BGR, top row first (as OpenCV has it)."""
    data = texture.get_ram_image_as("BGR")
    img = np.frombuffer(data, dtype=np.uint8).reshape(texture.get_y_size(), texture.get_x_size(), 3)
    return np.ascontiguousarray(img[::-1])


def close_offscreen(graphics: Graphics, buffer: GraphicsOutput, region, camera: NodePath, texture: Texture) -> None:  # noqa: ANN001
    """Tear down an offscreen render: unhook its camera, close its buffer, drop the camera node and texture."""
    region.set_camera(NodePath())
    buffer.clear_render_textures()
    graphics.remove(buffer)
    camera.remove_node()
    texture.release_all()


class OffscreenView:
    """A camera rendering ``scene`` into an offscreen buffer, grabbed as a BGR numpy array (``to_ram``)."""

    def __init__(
        self,
        graphics: Graphics,
        scene: NodePath,
        width: int,
        height: int,
        *,
        name: str = "view",
        lens: Lens | None = None,
        clear_rgb: tuple[float, float, float] = (0.62, 0.74, 0.86),
        sort: int = 0,
        to_ram: bool = True,
    ) -> None:
        self.graphics = graphics
        self.width, self.height = int(width), int(height)
        self.buffer = graphics.make_buffer(name, self.width, self.height, sort=sort)
        self.buffer.set_clear_color(LColor(*clear_rgb, 1.0))
        self.texture = Texture(f"{name}-color")
        # to_ram=False keeps the image on the GPU (a headset's swapchain copy, a mirror): no read-back
        mode = GraphicsOutput.RTM_copy_ram if to_ram else GraphicsOutput.RTM_bind_or_copy
        self.buffer.add_render_texture(self.texture, mode)
        if lens is None:
            lens = PerspectiveLens()
            lens.set_fov(60.0, 60.0 * self.height / self.width)
            lens.set_near_far(1.0, 6000.0)
        cam = Camera(f"{name}-camera", lens)
        cam.set_camera_mask(VIEW_MASK)
        self.camera = scene.attach_new_node(cam)
        self.lens = lens
        self.region = self.buffer.make_display_region()
        self.region.set_camera(self.camera)

    def grab(self) -> np.ndarray:
        """The last rendered image: (height, width, 3) uint8, BGR, top row first (as OpenCV has it)."""
        if not self.texture.has_ram_image():
            raise RuntimeError("nothing rendered yet: call render_frame() before grab()")
        return texture_bgr(self.texture)

    def destroy(self) -> None:
        """Close the buffer and remove the camera."""
        close_offscreen(self.graphics, self.buffer, self.region, self.camera, self.texture)
