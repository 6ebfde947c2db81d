"""Drive the real OpenXR path in a process of its own (the Monado tests run it under Xvfb).

Panda3D on GLX (``pandagl``, not the tests' EGL) renders a white 10 cm marker on black, half a
metre in front of the simulated HMD's rest pose, through :class:`scenes.StereoRig` and
:class:`scenes.xr.OpenXRProvider`. Modes:

- ``capture OUT FRAME...``: one session; at each listed rendered frame the swapchain images are
  read back (``OUT/eyes_<frame>.npy``) with the views the runtime located for that frame.
- ``cycles OUT N FRAMES``: N start/stop cycles in this one process; after each, the native threads,
  Python threads, open file descriptors, Panda3D's GPU objects and whether the swapchain textures
  still exist as GL names.

Writes ``OUT/probe.json``. Exit code 0 when the sessions ran, 3 with one line when VR is unavailable.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

MARKER_XR = (0.0, 1.6, -0.5)  # OpenXR stage coordinates (y up, -z forward): 0.5 m ahead of the rest pose
MARKER_SIZE_M = 0.1


def open_engine():  # noqa: ANN201 - panda3d types
    from panda3d.core import (
        FrameBufferProperties,
        GraphicsEngine,
        GraphicsPipe,
        GraphicsPipeSelection,
        WindowProperties,
        load_prc_file_data,
    )

    from scenes import Graphics

    load_prc_file_data("xr-probe", "audio-library-name null\nsync-video false\nnotify-level-display error\n")
    pipe = GraphicsPipeSelection.get_global_ptr().make_module_pipe("pandagl")
    engine = GraphicsEngine(pipe)
    fbp = FrameBufferProperties()
    fbp.set_rgba_bits(8, 8, 8, 8)
    fbp.set_depth_bits(24)
    host = engine.make_output(
        pipe, "host", -100, fbp, WindowProperties.size(16, 16), GraphicsPipe.BF_refuse_window, None, None
    )
    engine.render_frame()
    return engine, Graphics(engine, host)


def marker_scene():  # noqa: ANN201 - panda3d types
    from panda3d.core import CardMaker, NodePath

    from scenes.xr import xr_to_panda

    root = NodePath("probe")
    cm = CardMaker("marker")
    h = MARKER_SIZE_M / 2
    cm.set_frame(-h, h, -h, h)  # in the x-z plane, facing -y (the viewer)
    card = root.attach_new_node(cm.generate())
    card.set_pos(*xr_to_panda(MARKER_XR))
    card.set_color(1, 1, 1, 1)
    card.set_two_sided(True)
    return root


def view_dict(v) -> dict:  # noqa: ANN001 - an xr.View
    p, q, f = v.pose.position, v.pose.orientation, v.fov
    return {
        "position": [p.x, p.y, p.z],
        "orientation": [q.x, q.y, q.z, q.w],
        "fov": [f.angle_left, f.angle_right, f.angle_up, f.angle_down],
    }


def run_session(engine, graphics, root, frames: int, capture: set[int], out: Path, timeout_s: float = 60.0) -> dict:  # noqa: ANN001
    from panda3d.core import LColor

    from scenes.stereo import StereoRig
    from scenes.xr import OpenXRProvider

    provider = OpenXRProvider(app_name="xr-probe")
    rig = StereoRig(provider, graphics, root, near_m=0.05)
    for v in rig.views:
        v.buffer.set_clear_color(LColor(0, 0, 0, 1))
    views: dict[int, list] = {}
    seen_hands: set[str] = set()
    swapchain_textures: list[int] = []
    deadline = time.monotonic() + timeout_s
    try:
        while provider.counters.rendered < frames and time.monotonic() < deadline:
            if provider.needs_binding:
                engine.render_frame()
                rig.bind_if_needed()
                swapchain_textures = [t for _, imgs in provider.swapchains for t in imgs]
                continue
            drawing = rig.begin()
            if drawing:
                hands = provider.controllers()
                seen_hands.update(c.hand for c in hands)
            k = provider.counters.rendered
            if drawing and k in capture:
                provider.capture_next = True
            engine.render_frame()
            rig.submit()
            if drawing and k in capture:
                np.save(out / f"eyes_{k}.npy", np.stack(provider.captured))
                views[k] = [view_dict(v) for v in provider._views]
        during = snapshot(engine, graphics)
    finally:
        provider.close()
        rig.destroy()
    return {
        "counters": provider.counters.as_dict(),
        "describe": provider.describe(),
        "views": views,
        "swapchain_textures": swapchain_textures,
        "eye_size": list(provider.recommended_size),
        "hands_seen": sorted(seen_hands),
        "during": during,
    }


def gl_names_alive(names: list[int]) -> int:
    from OpenGL import GL

    return sum(bool(GL.glIsTexture(n)) for n in names)


def snapshot(engine, graphics) -> dict:  # noqa: ANN001
    gsg = graphics.host.get_gsg()
    po = gsg.get_prepared_objects()
    return {
        "native_threads": len(os.listdir("/proc/self/task")),
        "python_threads": threading.active_count(),
        "fds": len(os.listdir("/proc/self/fd")),
        "outputs": engine.get_num_windows(),
        "textures": po.get_num_prepared_textures(),
        "geoms": po.get_num_prepared_geoms(),
        "vertex_buffers": po.get_num_prepared_vertex_buffers(),
    }


def main(argv: list[str]) -> int:
    from scenes.xr import XRUnavailable

    mode, out = argv[0], Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    engine, graphics = open_engine()
    root = marker_scene()
    try:
        if mode == "capture":
            frames = [int(a) for a in argv[2:]]
            result = run_session(engine, graphics, root, max(frames) + 1, set(frames), out)
        elif mode == "cycles":
            n, frames = int(argv[2]), int(argv[3])
            result = {"before": snapshot(engine, graphics), "cycles": []}
            for _ in range(n):
                r = run_session(engine, graphics, root, frames, set(), out)
                engine.render_frame()  # Panda3D releases closed buffers' GPU objects on the next frame
                r["after"] = snapshot(engine, graphics)
                r["swapchain_textures_alive"] = gl_names_alive(r["swapchain_textures"])
                result["cycles"].append(r)
        else:
            print(f"error: unknown mode {mode!r} (capture | cycles)", file=sys.stderr)
            return 2
    except XRUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    (out / "probe.json").write_text(json.dumps(result, indent=1))
    engine.remove_all_windows()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
