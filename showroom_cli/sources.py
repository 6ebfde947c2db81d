"""Where each camera's projected picture comes from: ``--source`` and ``--clips`` of ``showroom view`` and ``render``.

Sources, chosen per camera (default ``vcctv``):

- ``vcctv``: virtual CCTV, the twin filmed from the camera's pose and lens with whatever moves in it,
  rendered by the scene within its budget (:meth:`scenes.CityScene.use_virtual_cctv`);
- ``live``: the camera's streams through the feed hub (a camera without a URL: the hub's synthetic stream);
- ``clips``: video files from ``--clips DIR``, assigned to cameras in id order (the k-th camera
  takes the (k mod n)-th file, sorted by name), looped, played through the hub like a stream;
- ``pattern``: the scene's test pattern (each camera its colour, a grid, a sweeping bar).

Privacy masks apply to every source before the picture is projected: the hub masks live streams
and clips, :class:`feeds.PrivacyMask` masks the test patterns here, and the scene masks virtual
CCTV with the same rasteriser (handed over as ``mask_for``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CLIP_SUFFIXES",
    "DEFAULT_SOURCE",
    "SOURCES",
    "WINDOW_VCCTV",
    "CameraSources",
    "assign_clips",
    "make_sources",
    "parse_sources",
    "source_args",
]

SOURCES = ("vcctv", "live", "clips", "pattern")
#: the virtual CCTV budget in a window (offline renders take :class:`scenes.VcctvSettings`' defaults)
WINDOW_VCCTV = {"max_renders": 2, "max_megapixels": 0.12}
DEFAULT_SOURCE = "vcctv"
#: files ``--clips DIR`` plays (what OpenCV's FFmpeg reads)
CLIP_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov", ".webm", ".gif", ".m4v", ".mpg", ".mpeg", ".ts")


def source_args(p: Any) -> None:
    """Add ``--source`` and ``--clips`` to an argparse parser (``showroom view`` and ``render``)."""
    p.add_argument("--source", action="append", metavar="KIND|CAMERA=KIND",
                   help="each camera's projected picture: vcctv (the twin filmed from the camera: default), live "
                        "(its streams through the feed hub), clips (--clips files, looped), pattern (test pattern); "
                        "CAMERA=KIND for one camera; repeat or comma-separate")
    p.add_argument("--clips", metavar="DIR",
                   help="a directory of video files the clips source plays, dealt to cameras in id order "
                        "(makes clips the default source)")


def parse_sources(specs: Sequence[str] | None, camera_ids: Sequence[str], *, clips: bool = False) -> dict[str, str]:
    """Each camera's source from ``--source`` values: ``KIND`` sets the default, ``CAMERA=KIND`` one camera.

    Without a plain ``KIND`` the default is ``vcctv``, or ``clips`` when ``--clips`` was given.
    Raises :class:`twin.TwinError` naming the value for an unknown kind or camera.
    """
    import twin

    default = "clips" if clips else DEFAULT_SOURCE
    override: dict[str, str] = {}
    ids = set(camera_ids)
    for spec in specs or []:
        for item in (s.strip() for s in spec.split(",")):
            if not item:
                continue
            cid, _, kind = item.rpartition("=")
            if kind not in SOURCES:
                raise twin.TwinError(f"--source {item!r}: the source must be one of {', '.join(SOURCES)}, got {kind!r}")
            if not cid:
                default = kind
            elif cid not in ids:
                near = ", ".join(sorted(ids)[:5])
                raise twin.TwinError(f"--source {item!r}: no camera {cid!r} among the cameras shown (e.g. {near})")
            else:
                override[cid] = kind
    return {c: override.get(c, default) for c in camera_ids}


def assign_clips(directory: str | Path, camera_ids: Sequence[str]) -> dict[str, Path]:
    """The clip each camera plays: the video files in ``directory`` sorted by name, dealt out in camera id order."""
    import twin

    d = Path(directory)
    if not d.is_dir():
        raise twin.TwinError(f"--clips {d}: not a directory of video files")
    files = sorted(p for p in d.iterdir() if p.is_file() and p.suffix.lower() in CLIP_SUFFIXES)
    if not files:
        raise twin.TwinError(f"--clips {d}: no video files in it (looked for {', '.join(CLIP_SUFFIXES)})")
    return {cid: files[k % len(files)] for k, cid in enumerate(sorted(camera_ids))}


def make_sources(specs: Sequence[str] | None, clips: str | None, **kw: Any) -> Any:
    """A factory ``scene -> CameraSources`` for ``--source`` values and ``--clips`` (checked when the scene exists)."""

    def make(scene: Any) -> CameraSources:
        choice = parse_sources(specs, list(scene.projectors.projectors), clips=clips is not None)
        src = CameraSources(scene, choice, clips_dir=clips, **kw)
        if src.streamed:
            src.view(sorted(src.streamed))  # a caller that never says what is in view still gets streams
        return src

    return make


class _VcctvPanel:
    """A panel's view of a virtual CCTV camera: the last render, masked, as a frame with a sequence number."""

    def __init__(self, vcctv: Any, mask: Any) -> None:
        self.vcctv, self.mask, self.seq = vcctv, mask, 0

    def latest(self) -> Any:
        from types import SimpleNamespace

        try:
            img = self.vcctv.grab()
        except RuntimeError:  # nothing rendered yet
            return None
        if self.mask is not None:
            img = self.mask.apply(img)
        self.seq += 1
        return SimpleNamespace(camera_id=self.vcctv.camera.id, seq=self.seq, image=img)

    def close(self) -> None:
        self.vcctv.set_active(False)  # kept for the next time the panel opens; the scene closes it


def _privacy(camera: Any) -> Any:
    from feeds import PrivacyMask

    return PrivacyMask(camera.privacy_masks, ref_size=(camera.width_px, camera.height_px), camera_id=camera.id)


class CameraSources:
    """Drives every camera's picture in a scene from its chosen source (one hub for the streamed ones).

    Call :meth:`choose` with the scene's cameras in view (nearest first) and :meth:`pump` each frame
    (the window), or hand :meth:`frame` to :func:`scenes.render_sequence` and :meth:`view` as its ``on_view``.
    """

    def __init__(
        self,
        scene: Any,
        choice: dict[str, str],
        *,
        clips_dir: str | Path | None = None,
        budget: int = 16,
        vcctv: Any = None,
        pattern_fps: float = 5.0,
        video_fps: float | None = None,
    ) -> None:
        """Wire the sources.

        Args:
            scene: the :class:`scenes.CityScene`.
            choice: camera id -> source (:func:`parse_sources`).
            clips_dir: ``--clips DIR``, needed when a camera's source is ``clips``.
            budget: most streamed cameras watched at once (nearest in view first).
            vcctv: :class:`scenes.VcctvSettings` for the virtual CCTV budget (default settings if None).
            pattern_fps: test patterns change this often (video time).
            video_fps: an offline render's frame rate: virtual CCTV's refresh rates then count frames
                (deterministic), not the wall clock.
        """
        import feeds
        import twin
        from showroom_cli.viewing import FeedPump, synthetic_feed_configs

        self.scene, self.choice = scene, dict(choice)
        by = {k: [c for c, s in self.choice.items() if s == k] for k in SOURCES}
        self.masks = {c.id: _privacy(c) for c in scene.cameras if c.privacy_masks and c.id in self.choice}
        if by["vcctv"]:
            if vcctv is None:
                from scenes import VcctvSettings

                # offline, a cut to a new view shows every camera's picture in its first frame; a window
                # keeps half the renders a frame (its frame rate is what a visitor feels)
                offline = video_fps is not None
                vcctv = VcctvSettings(fill_unseen=True) if offline else VcctvSettings(**WINDOW_VCCTV)
            scene.use_virtual_cctv(by["vcctv"], settings=vcctv, mask_for=self.mask_for).video_fps = video_fps
        if by["clips"] and clips_dir is None:
            raise twin.TwinError(
                f"--source clips for {len(by['clips'])} camera(s) (e.g. {by['clips'][0]}) needs --clips DIR "
                "of video files"
            )
        self.clips = assign_clips(clips_dir, by["clips"]) if by["clips"] else {}
        # every camera has a hub feed (a click opens its panel); only live and clips cameras are projected from it
        configs = []
        for cfg in synthetic_feed_configs(scene.cameras):
            path = self.clips.get(cfg.camera_id)
            if path is not None:
                cfg = feeds.FeedConfig(cfg.camera_id, {"sub": feeds.stream_from_url(str(path))},
                                       cfg.privacy_masks, cfg.mask_ref_size, cfg.privacy_mode)  # fmt: skip
            configs.append(cfg)
        self.hub = feeds.FeedHub(configs, grace_s=2.0)
        streamed = [c for c in scene.cameras if self.choice.get(c.id) in ("live", "clips")]
        self.pump_ = FeedPump(self.hub, {c.id: np.array(c.position) for c in streamed}, budget)
        self.streamed = {c.id for c in streamed}
        self.patterns = set(by["pattern"])
        self.pattern_fps = pattern_fps
        self._pattern_tick: dict[str, int] = {}
        self.frames_taken = 0
        self._t0 = time.monotonic()
        self._panels: dict[str, Any] = {}  # camera id -> scene.virtual_cctv, made at its first panel

    def mask_for(self, camera_id: str, width: int, height: int) -> np.ndarray | None:
        """A camera's privacy mask at a size (True: hidden), or None: the scene's virtual CCTV uses it."""
        m = self.masks.get(camera_id)
        return None if m is None else m.mask(width, height)

    def counts(self) -> dict[str, int]:
        """How many cameras take each source."""
        return {k: sum(1 for s in self.choice.values() if s == k) for k in SOURCES}

    # ---- the window ----------------------------------------------------------------------------
    def choose(
        self, eye: np.ndarray, now: float, visible: list[str] | None, screen_px: dict[str, float] | None
    ) -> None:
        """Watch the streamed cameras in view (nearest first, within the budget); see :class:`FeedPump`."""
        vis = None if visible is None else [c for c in visible if c in self.streamed]
        self.pump_.choose(eye, now, vis, screen_px)

    def pump(self, scene: Any, t: float | None = None, visible: list[str] | None = None) -> int:
        """Submit the watched streams' new frames and the test patterns due (of cameras in view); returns how many."""
        n = self.pump_.pump(scene)
        t = time.monotonic() - self._t0 if t is None else t
        ids = self.patterns if visible is None else [c for c in visible if c in self.patterns]
        for cid in ids:
            tick = int(t * self.pattern_fps)
            if self._pattern_tick.get(cid) == tick:
                continue
            self._pattern_tick[cid] = tick
            got = self.frame(cid, t)
            if got is not None:
                scene.submit_frame(cid, got[0], seq=got[1])
                n += 1
        return n

    # ---- render_sequence ----------------------------------------------------------------------
    def view(self, visible_ids: list[str]) -> None:
        """``on_view``: watch the streamed cameras now in view (re-picked after every rendered frame)."""
        self.pump_._next_choice = 0.0
        self.choose(np.zeros(3), time.monotonic(), visible_ids, None)

    def frame(self, camera_id: str, t: float) -> tuple[np.ndarray, object] | None:
        """``frames(camera_id, t)``: a camera's newest masked picture and its sequence key.

        None when there is none yet, or the camera is virtual CCTV (the scene renders it).
        """
        from scenes import pattern_frame

        if camera_id in self.patterns:
            tick = int(t * self.pattern_fps)
            img = pattern_frame(camera_id, tick / self.pattern_fps)
            m = self.masks.get(camera_id)
            return (img if m is None else m.apply(img)), ("pattern", tick)
        if camera_id in self.streamed:
            f = self.pump_.watch.latest(camera_id)
            if f is None:
                return None
            self.frames_taken += 1
            return f.image, f.seq
        return None

    def subscribe(self, camera_id: str, tier: str = "low") -> Any:
        """A camera's own picture for a panel: ``.latest()`` -> frame (``.image``, ``.seq``) or None, ``.close()``.

        A streamed or test-pattern camera: its hub subscription (masked in the hub). A virtual CCTV
        camera: the scene's virtual camera at its pose and lens, 640 px wide, masked here, so the
        panel shows what is projected.
        """
        if self.choice.get(camera_id) != "vcctv":
            return self.hub.subscribe(camera_id, tier)
        v = self._panels.get(camera_id)
        if v is None:
            v = self._panels[camera_id] = self.scene.virtual_cctv(camera_id)
        v.set_active(True)
        return _VcctvPanel(v, self.masks.get(camera_id))

    @property
    def subs(self) -> dict[str, str]:
        """The streamed cameras watched now (id -> stream name)."""
        return self.pump_.subs

    def close(self) -> dict[str, Any]:
        """Drop every subscription (the caller closes :attr:`hub`); returns what ran (for summary.json)."""
        self.pump_.close()
        out: dict[str, Any] = {"by_source": self.counts(), "frames_taken": self.frames_taken}
        if self.clips:
            out["clips"] = {c: p.name for c, p in sorted(self.clips.items())}
        vc = self.scene.vcctv_source
        if vc is not None:
            out["vcctv_renders"] = int(sum(vc.renders.values()))
            out["vcctv_pool"] = {f"{w}x{h}": n for (w, h), n in sorted(vc.pool_sizes().items())}
        return out
