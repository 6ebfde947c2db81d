"""Offscreen rendering of a scene to numpy frames, PNG files and an MP4: ``showroom render`` and the README's pictures.

:class:`OffscreenRenderer` owns a headless engine, a :class:`~scenes.CityScene` and a main view;
:func:`render_sequence` flies it along the tour (or sits at a camera's pose) with test-pattern or
live frames projected and writes the frames and a video.
"""

from __future__ import annotations

__all__ = ["OffscreenRenderer", "burn_caption", "render_sequence", "write_mp4"]

import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from panda3d.core import NodePath, PerspectiveLens

import twin
from twin import optics

from .engine import HeadlessEngine, OffscreenView
from .pose import camera_pose
from .scene import CityScene, SceneSettings
from .testpattern import pattern_frame
from .tour import TourPath

#: ``frames(camera_id, t)``: a BGR frame, or ``(frame, seq)`` so repeats are recognised, or None (none yet).
FrameSource = Callable[[str, float], "np.ndarray | tuple[np.ndarray, object] | None"]


class OffscreenRenderer:
    """A city scene and a main camera rendering into an offscreen buffer of ``size`` (w, h)."""

    def __init__(
        self,
        city: twin.Twin,
        *,
        size: tuple[int, int] = (1280, 720),
        settings: SceneSettings | None = None,
        engine: HeadlessEngine | None = None,
        hfov_deg: float = 60.0,
        cameras: Sequence[twin.Camera] | None = None,
    ) -> None:
        self._own_engine = engine is None
        self.engine = engine or HeadlessEngine()
        self.render_root = NodePath("render")
        self.scene = CityScene(city, self.render_root, self.engine.graphics, settings=settings, cameras=cameras)
        w, h = size
        lens = PerspectiveLens()
        lens.set_fov(hfov_deg, optics.vfov_deg(hfov_deg, w, h))
        lens.set_near_far(2.0, 8000.0)
        self.view = OffscreenView(self.engine.graphics, self.render_root, w, h, name="main", lens=lens)
        self.last_stats = None

    def look(self, eye: np.ndarray, target: np.ndarray) -> None:
        """Put the eye at ``eye`` looking at ``target`` (z up)."""
        self.view.camera.set_pos(*map(float, eye))
        self.view.camera.look_at(*map(float, target))
        # the near plane moves out with altitude, so the ground's thin layers keep their depth order
        self.view.lens.set_near_far(max(1.0, float(eye[2]) / 60.0), 8000.0)

    def look_as(self, camera_id: str) -> None:
        """Put the eye at a CCTV camera's corrected pose, with its field of view."""
        p = self.scene.projectors.projectors.get(camera_id)
        pose = p.pose if p is not None else camera_pose(self.scene.camera(camera_id))
        th, tv = pose.tan_half
        self.view.lens.set_fov(float(np.degrees(2 * np.arctan(th))), float(np.degrees(2 * np.arctan(tv))))
        self.view.lens.set_near_far(0.3, 8000.0)
        self.view.camera.set_pos(*map(float, pose.position))
        self.view.camera.set_hpr(*pose.hpr)

    def render(self) -> np.ndarray:
        """Update the scene for this view, draw, and return the frame (BGR, top row first)."""
        self.last_stats = self.scene.update(self.view.camera, self.view.lens, (self.view.width, self.view.height))
        self.engine.render_frame()
        return self.view.grab()

    def close(self) -> None:
        """Tear the scene down (and the engine, if this renderer made it)."""
        self.view.destroy()
        self.scene.destroy()
        if self._own_engine:
            self.engine.close()


def write_mp4(frames_dir: Path, fps: float, out: Path) -> str:
    """Encode ``frame_%05d.png`` to H.264 with ffmpeg (playable in browsers); OpenCV's mp4v if ffmpeg is missing.

    Returns the encoder used.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        cmd = [
            ffmpeg, "-y", "-loglevel", "error", "-framerate", f"{fps:g}", "-i", str(frames_dir / "frame_%05d.png"),
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", str(out),
        ]  # fmt: skip
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode == 0:
            return "ffmpeg-libx264"
    files = sorted(frames_dir.glob("frame_*.png"))
    first = cv2.imread(str(files[0]))
    h, w = first.shape[:2]
    vw = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in files:
        vw.write(cv2.imread(str(f)))
    vw.release()
    return "opencv-mp4v"


def burn_caption(img: np.ndarray, text: str) -> np.ndarray:
    """Write a caption on a dark band at the bottom of a frame (wrapped to the frame's width)."""
    h, w = img.shape[:2]
    scale = max(0.4, w / 1600.0)
    per_line = max(20, int(w / (scale * 19)))
    words, lines, cur = text.split(), [], ""
    for word in words:
        if len(cur) + len(word) + 1 > per_line and cur:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}".strip()
    if cur:
        lines.append(cur)
    line_h = int(34 * scale) + 6
    top = h - line_h * len(lines) - 12
    out = img.copy()
    out[top:] = (out[top:] * 0.35).astype(np.uint8)
    for k, line in enumerate(lines):
        y = top + 6 + line_h * (k + 1) - 8
        cv2.putText(out, line, (14, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), max(1, int(2 * scale)),
                    cv2.LINE_AA)
    return out


def ptz_preset_at(camera: twin.Camera, t: float) -> twin.PosePreset | None:
    """The preset a PTZ camera on its guard tour shows at ``t`` seconds (each held ``dwell_s``), or None."""
    if camera.type != "ptz" or not camera.presets:
        return None
    cycle = sum(p.dwell_s for p in camera.presets)
    u = t % cycle
    for p in camera.presets:
        if u < p.dwell_s:
            return p
        u -= p.dwell_s
    return camera.presets[-1]


def render_sequence(
    renderer: OffscreenRenderer,
    out_dir: Path,
    *,
    path: str = "tour",
    seconds: float = 10.0,
    fps: float = 10.0,
    frames: FrameSource | None = None,
    feed_fps: float | None = 5.0,
    progress: Callable[[int, int], None] | None = None,
    tour: Any = None,
    on_view: Callable[[list[str]], None] | None = None,
    realtime: bool = False,
    on_frame: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Render ``seconds`` x ``fps`` frames along ``path`` ("tour" or a camera id) into ``out_dir``.

    A PTZ camera with presets walks its guard tour (each preset held for its ``dwell_s``).

    Feeds come from ``frames(camera_id, t)`` (default: test patterns), asked at ``feed_fps`` (a
    camera's new frame is due every 1/feed_fps s of video time) or, with ``feed_fps`` None, every
    frame (live sources, whose ``seq`` tells a new frame from a repeat). ``on_view`` gets the
    cameras in view after each frame, nearest first (to watch only those feeds). ``realtime`` paces
    the frames to the wall clock (live feeds then show ``seconds`` of real time), never faster.
    ``on_frame(t)`` runs before each frame is drawn (the root steps street life there).
    Writes ``frames/frame_%05d.png`` and ``render.mp4``; returns the summary (also written by the
    CLI as summary.json).
    """
    scene = renderer.scene
    frames = frames or pattern_frame
    twin_ = scene.twin
    camera = None
    if path != "tour":
        try:
            camera = scene.camera(path)
        except KeyError:
            ids = ", ".join(c.id for c in scene.cameras[:5])
            msg = f"path {path!r} is neither 'tour' nor the id of a camera in the scene (e.g. {ids})"
            raise twin.TwinError(msg) from None
    # a guided tour (scenes.visit.GuidedTour) brings its own path and captions; else the plain fly-over
    tour = tour or TourPath.over(twin_, seconds)
    caption_at = getattr(tour, "caption_at", None)
    frames_dir = out_dir / "frames"
    frames_dir.mkdir(parents=True, exist_ok=True)
    for old in frames_dir.glob("frame_*.png"):
        old.unlink()
    n = max(1, int(round(seconds * fps)))
    cam_ids = list(scene.projectors.projectors)
    frame_ms, uploads, deferred = [], 0, 0
    last_feed_tick = -1
    shown_preset = None
    start = time.monotonic()
    for k in range(n):
        t = k / fps
        if realtime:
            time.sleep(max(0.0, start + t - time.monotonic()))
        tick = k if feed_fps is None else int(t * feed_fps)
        if tick != last_feed_tick:
            for cid in cam_ids:
                got = frames(cid, t)
                if got is None:
                    continue
                img, seq = got if isinstance(got, tuple) else (got, tick)
                scene.submit_frame(cid, img, seq=seq)
            last_feed_tick = tick
        if path == "tour":
            renderer.look(*tour.pose_at(t))
        else:
            preset = ptz_preset_at(camera, t)
            if preset is not None and preset is not shown_preset:
                scene.set_ptz(path, heading_deg=preset.heading_deg, tilt_deg=preset.tilt_deg, hfov_deg=preset.hfov_deg)
                shown_preset = preset
            renderer.look_as(path)
        if on_frame is not None:
            on_frame(t)
        t0 = time.perf_counter()
        img = renderer.render()
        frame_ms.append((time.perf_counter() - t0) * 1000.0)
        if caption_at is not None and path == "tour":
            img = burn_caption(img, caption_at(t))
        st = renderer.last_stats.uploads
        if on_view is not None:
            on_view(st.visible_ids)
        uploads += len(st.uploaded)
        deferred += st.deferred
        cv2.imwrite(str(frames_dir / f"frame_{k:05d}.png"), img)
        if progress:
            progress(k + 1, n)
    encoder = write_mp4(frames_dir, fps, out_dir / "render.mp4")
    fm = np.array(frame_ms)
    return {
        "path": path,
        "frames": n,
        "fps": fps,
        "size": [renderer.view.width, renderer.view.height],
        "frame_ms_mean": round(float(fm.mean()), 2),
        "frame_ms_p95": round(float(np.percentile(fm, 95)), 2),
        "first_frame_ms": round(float(fm[0]), 2),
        "uploads": uploads,
        "deferred_uploads": deferred,
        "upload_budget": scene.settings.projectors.upload_budget,
        "mp4": "render.mp4",
        "encoder": encoder,
        "scene": scene.stats(),
    }
