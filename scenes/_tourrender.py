"""The guided tour rendered: every frame as the story says it, key frames measured against their captions.

:func:`render_story` flies an :class:`~scenes.OffscreenRenderer` along a :class:`scenes.GuidedTour`:
per frame it moves the live sim on (through the root's ``advance`` callback: the scene never drives
the sim), sets the scene's clock (the sun, where the scene has one), switches the coverage overlay a
stop asks for, hands over feed frames, looks (or looks through a camera) and burns the caption in.
At each stop's key frame it measures the frame with a :class:`scenes.FrameInspector` and checks the
stop's claims; stills of the key frames go to a folder on request. :func:`story_frame` renders one
stop's key frame alone (the tests and ``--stills``).
"""

from __future__ import annotations

__all__ = ["StoryStage", "render_story"]

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from twin import TwinError, select_cameras

from ._inspect import FrameInspector, FrameReport
from .render import OffscreenRenderer, burn_caption, write_mp4
from .testpattern import pattern_frame
from .visit import GuidedTour, TourView, _hhmm

#: ``advance(sim_s)``: run the sim to ``sim_s`` and return its snapshot (None: no sim).
Advance = Callable[[float], Any]
#: Coverage raster resolution for the tour's overlays (m): fine enough to read a camera's DORI bands.
COVERAGE_RES_M = 2.0
#: A video wall tile's picture when the tour films it by virtual CCTV (w, h px).
WALL_TILE_PX = (192, 108)


class StoryStage:
    """One renderer set up for a tour: the sim hook, feeds, overlays and the clock, frame by frame."""

    def __init__(
        self,
        renderer: OffscreenRenderer,
        tour: GuidedTour,
        *,
        advance: Advance | None = None,
        on_frame: Callable[[Any, TourView], None] | None = None,
        frames: Callable[[str, float], Any] | None = None,
        privacy: Callable[[str, np.ndarray], np.ndarray] | None = None,
        feed_fps: float = 5.0,
    ) -> None:
        self.r, self.tour, self.advance, self.on_frame = renderer, tour, advance, on_frame
        self.frames = frames or pattern_frame
        self.privacy = privacy or (lambda _cid, img: img)
        self.feed_fps = feed_fps
        self._wall_vc: dict[str, Any] = {}
        self._wall_seq = 0
        lens = renderer.view.lens
        self._fov = tuple(lens.get_fov())
        self._near_far = (lens.get_near(), lens.get_far())
        self._overlay: str | None = None
        self._coverage: dict[str, tuple[np.ndarray, Any]] = {}
        self._feed_tick = -1
        self._sim_s = -1.0
        self.inspector: FrameInspector | None = None

    def _coverage_for(self, which: str) -> tuple[np.ndarray, Any]:
        if which not in self._coverage:
            from twin.coverage import compute_coverage

            city = self.r.scene.twin
            facts = self.tour.facts or {}
            if which == "camera_coverage" and facts.get("camera"):
                cams = [c for c in city.cameras if c.id == facts["camera"]]
            else:
                cams = select_cameras(city, "existing")
            cov = compute_coverage(city, cams, resolution_m=COVERAGE_RES_M)
            self._coverage[which] = (cov.best.reshape(cov.raster.shape), cov.raster.geotransform)
        return self._coverage[which]

    def _set_overlay(self, which: str | None) -> None:
        scene = self.r.scene
        if which == self._overlay:
            return
        if which is None:
            scene.set_overlay("coverage", False)
        else:
            levels, gt = self._coverage_for(which)
            scene.set_coverage(levels, gt)
            scene.set_overlay("coverage", True)
        self._overlay = which

    def prepare(self, t: float) -> TourView:
        """Everything but the drawing for tour time ``t``: sim, clock, overlay, feeds, eye."""
        v = self.tour.view_at(t)
        scene = self.r.scene
        if self.advance is not None and v.sim_s >= self._sim_s:
            snap = self.advance(v.sim_s)
            if snap is not None:
                scene.push_snapshot(snap)
            self._sim_s = v.sim_s
        scene.set_sim_time(v.sim_s)
        if self.on_frame is not None:
            self.on_frame(scene, v)
        if hasattr(scene, "set_clock"):
            day = dt.datetime.fromisoformat(self.tour.date)
            scene.set_clock(day + dt.timedelta(seconds=float(v.clock_s)))
        self._set_overlay(v.overlay)
        tick = int(t * self.feed_fps)
        if tick != self._feed_tick:
            for cid in scene.projectors.projectors:
                got = self.frames(cid, t)
                if got is None:
                    continue
                img, seq = got if isinstance(got, tuple) else (got, tick)
                scene.submit_frame(cid, img, seq=seq)
            self._feed_wall(v, t)
            self._feed_tick = tick
        lens = self.r.view.lens
        # through a camera's lens its own projected picture would lie on every surface it sees: the
        # city is shown as the camera films it (its virtual CCTV frame, where the scene has one)
        if scene.overlay_on("video") != (v.camera is None):
            scene.set_overlay("video", v.camera is None)
        if v.camera is not None:
            self.r.look_as(v.camera)
        else:
            lens.set_fov(*self._fov)
            self.r.look(v.eye, v.target)
        return v

    def _feed_wall(self, v: TourView, t: float) -> None:
        """The video wall shows the pictures of the cameras the operators' rotation put on it.

        A camera whose source gives frames (test patterns, streams) shows those; one filmed by
        virtual CCTV is filmed again, small, for its tile, but only while the eye is in the wall's
        room (the wall is seen from nowhere else).
        """
        war = getattr(self.r.scene, "warroom", None)
        if war is None or not hasattr(war, "wall_cameras"):
            return
        wall, virtual = {}, []
        for cid in war.wall_cameras():
            got = self.frames(cid, t)
            if got is not None:
                wall[cid] = got
            else:
                virtual.append(cid)
        room = war.room_at(*map(float, v.eye)) if hasattr(war, "room_at") else None
        seen = room == "video_wall"
        for cid, vc in self._wall_vc.items():
            vc.set_active(seen and cid in virtual)
        if seen:
            for cid in virtual:
                if cid not in self._wall_vc:
                    self._wall_vc[cid] = self.r.scene.virtual_cctv(cid, size=WALL_TILE_PX)
        if wall:
            war.submit_frames(wall)

    def after_render(self) -> None:
        """Hand the wall the virtual CCTV pictures just rendered for it (shown from the next frame)."""
        war = getattr(self.r.scene, "warroom", None)
        live = {cid: vc for cid, vc in self._wall_vc.items() if vc.view.buffer.is_active()}
        if war is None or not live:
            return
        self._wall_seq += 1
        frames = {cid: (self.privacy(cid, vc.grab()), ("vcctv", self._wall_seq)) for cid, vc in live.items()}
        war.submit_frames(frames)

    def inspect(self, frame: np.ndarray) -> FrameReport:
        """What the frame just rendered shows (the ID render of the same view)."""
        if self.inspector is None:
            self.inspector = FrameInspector(self.r.scene, self.r.view, self.r.engine)
        return self.inspector.measure(frame)

    def key_frame(self, k: int) -> tuple[np.ndarray, FrameReport, TourView]:
        """Stop ``k``'s key frame (the sim run on to it): the raw frame, what it shows, the view."""
        v = self.prepare(self.tour.key_time(k))
        self.r.render()  # the first frame of a new view draws the depth maps it needs
        self.after_render()
        img = self.r.render()
        return img, self.inspect(img), v

    def close(self) -> None:
        """Drop the inspector's buffer and the wall's cameras (the renderer stays the caller's)."""
        for vc in self._wall_vc.values():
            vc.set_active(False)
        if self.inspector is not None:
            self.inspector.destroy()
            self.inspector = None


def check(tour: GuidedTour, k: int, rep: FrameReport) -> dict[str, Any]:
    """Stop ``k``'s claims against what its key frame shows (summary.json's ``captions`` entries)."""
    claims = [{"claim": str(c), "measured": round(rep.value(c.measure), 5), "holds": c.holds(rep.value(c.measure))}
              for c in tour.claims(k)]  # fmt: skip
    return {
        "key": tour.keys[k],
        "caption": tour.captions[k],
        "t": round(tour.key_time(k), 2),
        "clock": _hhmm(tour.clock_at(tour.key_time(k))),
        "claims": claims,
        "true": all(c["holds"] for c in claims),
        "measured": rep.as_dict(),
    }


def render_story(
    renderer: OffscreenRenderer,
    tour: GuidedTour,
    out_dir: Path,
    *,
    fps: float = 10.0,
    advance: Advance | None = None,
    on_frame: Callable[[Any, TourView], None] | None = None,
    frames: Callable[[str, float], Any] | None = None,
    privacy: Callable[[str, np.ndarray], np.ndarray] | None = None,
    stills: Path | None = None,
    video: bool = True,
    stops: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Render the tour to ``out_dir``/frames and render.mp4; measure and check every caption's key frame.

    ``video`` False renders the key frames only (stills and the captions' check, no MP4). ``stills``:
    a folder for each stop's key frame, captioned (``NN_key.png``); ``stops``: only these stops'
    key frames are measured and kept as stills (default every stop). Returns the summary.
    """
    if stops is not None and (bad := [k for k in stops if k not in tour.keys]):
        raise TwinError(f"--stops {','.join(bad)}: not stops of this tour; its stops are {', '.join(tour.keys)}")
    chosen = [k for k in range(len(tour.keys)) if stops is None or tour.keys[k] in stops]
    stage = StoryStage(renderer, tour, advance=advance, on_frame=on_frame, frames=frames, privacy=privacy)
    frames_dir = out_dir / "frames"
    frames_dir.mkdir(parents=True, exist_ok=True)
    for old in frames_dir.glob("frame_*.png"):
        old.unlink()
    if stills is not None:
        stills.mkdir(parents=True, exist_ok=True)
    seconds = tour.path.seconds
    n = max(1, int(round(seconds * fps))) if video else 0
    captions: list[dict[str, Any]] = []
    frame_ms: list[float] = []
    todo = list(chosen)

    def key_frames_until(t: float) -> None:
        # each stop's key frame at its exact time (between two video frames): measured, kept as a still
        while todo and tour.key_time(todo[0]) <= t:
            k = todo.pop(0)
            img, rep, v = stage.key_frame(k)
            captions.append(check(tour, k, rep))
            if stills is not None:
                cv2.imwrite(str(stills / f"{k:02d}_{v.key}.png"), burn_caption(img, v.caption))

    try:
        for i in range(n):
            t = i / fps
            key_frames_until(t)
            v = stage.prepare(t)
            t0 = time.perf_counter()
            img = renderer.render()
            frame_ms.append((time.perf_counter() - t0) * 1000.0)
            stage.after_render()
            cv2.imwrite(str(frames_dir / f"frame_{i:05d}.png"), burn_caption(img, v.caption))
            if progress:
                progress(i + 1, n)
        key_frames_until(float("inf"))
    finally:
        stage.close()
    fm = np.array(frame_ms or [0.0])
    summary: dict[str, Any] = {
        "path": "tour",
        "frames": n,
        "fps": fps,
        "seconds": round(seconds, 2),
        "size": [renderer.view.width, renderer.view.height],
        "frame_ms_mean": round(float(fm.mean()), 2),
        "frame_ms_p95": round(float(np.percentile(fm, 95)), 2),
        "stops": tour.keys,
        "captions": captions,
        "captions_true": sum(c["true"] for c in captions),
        "captions_false": [c["key"] for c in captions if not c["true"]],
        "scene": renderer.scene.stats(),
    }
    if video and n:
        summary["mp4"] = "render.mp4"
        summary["encoder"] = write_mp4(frames_dir, fps, out_dir / "render.mp4")
    return summary
