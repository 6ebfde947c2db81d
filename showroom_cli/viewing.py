"""What the showroom window is given: its options, scripted input, the feed pump; and the tour video.

:func:`render_tour` is what ``showroom view`` does with no headset and no display: the guided tour
rendered headless to a video.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class ViewOptions:
    """What ``showroom view`` was asked for."""

    size: tuple[int, int] = (1280, 720)
    speed: float = 1.0
    lang: str = "id"
    tour: bool = False
    feed_budget: int = 16
    script: list[dict[str, Any]] = field(default_factory=list)
    quit_after_s: float | None = None
    training: bool = False
    coverage_resolution_m: float = 2.0
    trace: str | None = None
    xr_mode: str = "off"
    #: the cameras shown (twin.select_cameras); None: the city's ``all``
    cameras: list[Any] | None = None
    #: planning mode (``--plan``): the :class:`sim.planning.PlanSession` edited, where Ctrl+S saves, fill size
    plan_session: Any = None
    plan_out: str | None = None
    plan_fill: int | None = None
    #: ``--source`` values (showroom_cli.sources.parse_sources) and ``--clips DIR``
    sources: list[str] | None = None
    clips: str | None = None


def due(step: dict[str, Any], t: float, vr_frames: int) -> bool:
    """A script step runs once its time has come and, if it asks, the headset has been sent enough frames."""
    return float(step["t"]) <= t and vr_frames >= int(step.get("vr_frames", 0))


def load_script(path: str) -> list[dict[str, Any]]:
    """A scripted input sequence: a JSON list of steps ``{"t": seconds, ACTION: value}``.

    Actions: ``key``, ``key_up``, ``click`` ([x, y] in film units -1..1), ``drag`` ([dx, dy] pixels),
    ``screenshot`` (a PNG path), ``quit``, ``close_window`` (as the window's close button), ``fail``
    (raise an error in the frame: the shutdown path of a crash). A step with ``vr_frames: N`` also
    waits until the headset has been sent N frames (a loaded machine starts slower than a clock).
    """
    import twin

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise twin.TwinError(f"{path}: cannot read the input script: {e}") from None
    if not isinstance(doc, list) or not all(isinstance(s, dict) and "t" in s for s in doc):
        raise twin.TwinError(f"{path}: an input script is a JSON list of steps, each with a time 't' in seconds")
    return sorted(doc, key=lambda s: float(s["t"]))


def synthetic_feed_configs(cameras: list[Any], *, size: tuple[int, int] = (320, 180), fps: float = 5.0) -> list[Any]:
    """Feeds for every camera: its own streams where it has URLs, else a synthetic test pattern.

    Privacy masks ride along either way, so the public showroom never shows a masked pixel.
    """
    from feeds import FeedConfig, stream_from_url

    out = []
    for c in cameras:
        cfg = FeedConfig.from_camera(c)
        if cfg is None:
            spec = stream_from_url(f"synthetic://{c.id}?w={size[0]}&h={size[1]}&fps={fps:g}")
            masks = tuple(tuple((float(x), float(y)) for x, y in poly) for poly in c.privacy_masks)
            cfg = FeedConfig(c.id, {"sub": spec}, masks, (c.width_px, c.height_px), "black")
        out.append(cfg)
    return out


class FeedPump:
    """Keeps the ``budget`` cameras in view (nearest first) watched and hands their new frames to the scene.

    Far cameras are released through a :class:`feeds.Watch` (their workers stop after the hub's
    grace period), so decoding follows what is seen, not what is configured. Each watched camera's
    decode level follows its size on screen (:func:`feeds.decode_for_size`): a footprint a few dozen
    pixels high gets key frames only, one smaller still stays connected without decoding.
    """

    def __init__(self, hub: Any, positions: dict[str, np.ndarray], budget: int) -> None:
        from feeds import Watch

        self.hub, self.positions, self.budget = hub, positions, max(0, budget)
        self.watch = Watch(hub)
        self._last_seq: dict[str, int] = {}
        self._next_choice = 0.0

    @property
    def subs(self) -> dict[str, str]:
        """The cameras watched now (id -> stream name)."""
        return self.watch.watched

    def choose(
        self, eye: np.ndarray, now: float, visible: list[str] | None = None, screen_px: dict[str, float] | None = None
    ) -> None:
        """Re-pick twice a second: the cameras in view nearest first (from the scene), else the nearest.

        ``screen_px``: each camera's height on screen in pixels (from the scene); it sets the decode level.
        """
        from feeds import decode_for_size

        if now < self._next_choice or not self.positions:
            return
        self._next_choice = now + 0.5
        if visible is not None:
            want = visible[: self.budget]
        else:
            ids = list(self.positions)
            xyz = np.array([self.positions[i] for i in ids])
            want = [ids[k] for k in np.argsort(np.linalg.norm(xyz - eye, axis=1))[: self.budget]]
        # the projector textures are thumbnails: the tier stays thumb, the size on screen sets the decode level
        levels = {cid: decode_for_size(screen_px[cid])[1] if screen_px and cid in screen_px else "full" for cid in want}
        self.watch.set({cid: ("thumb", levels[cid]) for cid in want if cid in self.hub.configs})

    def pump(self, scene: Any) -> int:
        """Submit each watched camera's newest frame if it is new; returns how many."""
        n = 0
        for cid in self.watch.watched:
            f = self.watch.latest(cid)
            if f is not None and f.seq != self._last_seq.get(cid):
                self._last_seq[cid] = f.seq
                scene.submit_frame(cid, f.image, seq=f.seq)
                n += 1
        return n

    def close(self) -> None:
        """Drop every subscription."""
        self.watch.close()


def story_sim(
    city: Any, *, life: bool = True, seed: int = 0, cameras: list[Any] | None = None
) -> tuple[dict[str, Any] | None, Any, Any]:
    """The tour's fire and street life, for the tour's renderer.

    Returns the fire's facts (``sim.storyline``), ``advance(sim_s) -> snapshot`` over a live run,
    and ``on_frame(scene, view)`` handing the scene its street life at the view's time of day.

    The fire is told only where the story holds: its scenario runs on this city, the fire lies
    inside it, and a camera among those shown (``cameras``, default the city's ``all``) sees it;
    anywhere else (another city, a selection without that camera, a tiny town) the tour goes on
    without its fire: facts and advance are None, with one warning line saying why.
    """
    import twin
    from scenes import load_story
    from showroom_cli.life import StreetLife
    from sim.live import LiveCity
    from sim.storyline import story_facts

    scenario = load_story().scenario
    facts, live = None, None
    if scenario is not None:
        try:
            facts = story_facts(city, scenario)
            shown = {c.id for c in (cameras if cameras is not None else twin.select_cameras(city, "all"))}
            xmin, ymin, xmax, ymax = city.bounds()
            fx, fy = facts["fire_xy"]
            if not (xmin <= fx <= xmax and ymin <= fy <= ymax):
                raise twin.TwinError(f"{facts['scenario']}: its fire at ({fx:.0f}, {fy:.0f}) m is outside this city")
            if facts["camera"] is None or facts["camera"] not in shown:
                who = "no camera" if facts["camera"] is None else f"only {facts['camera']}, not among those shown,"
                raise twin.TwinError(f"{facts['scenario']}: {who} sees its fire")
            live = LiveCity(city, scenario)
        except twin.TwinError as e:  # tell the tour without its fire
            print(f"warning: the tour leaves its fire out: {e}", file=sys.stderr)
            facts, live = None, None
    street = None
    if life:
        try:
            street = StreetLife(city, seed=seed, hour=0.0)
        except twin.TwinError as e:  # a city without roads: empty streets
            print(f"warning: the tour's streets stay empty: {e}", file=sys.stderr)
    env = live.env if live is not None else None
    war = _war_room_feed(city, live, facts) if live is not None else None

    def advance(sim_s: float) -> Any:
        if env is not None and sim_s > env.now:
            env.run(until=sim_s)
        if live is None:
            return None
        snap = live.snapshot()
        return war(snap) if war is not None else snap

    def on_frame(scene: Any, view: Any) -> None:
        """Street life at the tour's time of day (its own clock: seconds after midnight)."""
        if street is None:
            return
        t = float(view.clock_s)
        if t - street.model.env.now > LIFE_JUMP_S:
            # the story skips hours between stops: the streets run on from a few seconds before, at that hour
            import simpy

            street.attach(simpy.Environment(initial_time=t - LIFE_SETTLE_S))
        street.run_to(t)
        street.frame(scene, view.sim_s)

    return facts, advance, on_frame


#: A jump of the tour's clock longer than this (s) moves street life on without stepping through it ...
LIFE_JUMP_S = 30.0
#: ... from this long before the new time, so the streets settle at the new hour's density.
LIFE_SETTLE_S = 6.0


def _war_room_feed(city: Any, live: Any, facts: dict[str, Any] | None) -> Any:
    """``snapshot -> snapshot`` with the War Room's state (``sim.warroom.WarRoomSim``) where the live run leaves it out.

    The video wall's rotation with the camera that sees the fire best pinned from its notification
    on, the fire control room's board, the operators on duty and the recording servers' racks.
    """
    import dataclasses

    from sim.warroom import WarRoomSim

    war = WarRoomSim(city, engine=live.engine, start_hour=float(live.scenario.start_hour))

    def feed(snap: Any) -> Any:
        if getattr(snap, "wall", None) is not None:
            return snap  # the live run tells the War Room itself
        w = war.snapshot(float(live.env.now))
        return dataclasses.replace(snap, wall=w.wall, incidents=w.incidents, staff_on_duty=w.staff_on_duty,
                                   racks=w.racks)  # fmt: skip

    return feed


def tour_parts(scene: Any) -> tuple[set[str], dict[str, Any]]:
    """What the scene can show the tour besides the city: ``night`` (a clock), ``war_room`` (its viewpoints)."""
    have: set[str] = set()
    if hasattr(scene, "set_clock"):
        have.add("night")
    views: dict[str, Any] = {}
    war = getattr(scene, "warroom", None)
    if war is not None and hasattr(war, "viewpoints"):
        vp = war.viewpoints()
        # the tour's shot names for the War Room's own views
        for shot, name in (("war_room", "video_wall"), ("server_room", "server_room"),
                           ("fire_control", "fire_control")):  # fmt: skip
            if name in vp:
                views[shot] = vp[name]
        if "war_room" in views:
            have.add("war_room")
    return have, views


def _privacy_of(src: Any) -> Any:
    """``(camera_id, frame) -> frame`` with the camera's privacy masks applied (the sources' own masks)."""
    masks = getattr(src, "masks", None) or {}

    def apply(cid: str, img: np.ndarray) -> np.ndarray:
        m = masks.get(cid)
        return img if m is None else m.apply(img)

    return apply


def render_tour(
    city: Any,
    out: Path,
    *,
    seconds: float | None = None,
    lang: str = "id",
    size: tuple[int, int] = (1280, 720),
    fps: float = 10.0,
    cameras: list[Any] | None = None,
    stills: Path | None = None,
    video: bool = True,
    life: bool = True,
    seed: int = 0,
    sources: Any = None,
    stops: list[str] | None = None,
) -> int:
    """No headset and no display: render the guided tour, captions burnt in, to ``out``/render.mp4.

    The tour's fire runs live (``sim.live.LiveCity``) as the story says, with street life beside it;
    ``seconds`` None: the story's own length (3-5 minutes). Each caption's key frame is measured and
    its claims checked (summary.json ``captions``); ``stills``: a folder for the key frames;
    ``video`` False: the key frames only. ``sources(scene)`` makes each camera's picture source
    (``showroom_cli.sources.CameraSources``); None: test patterns.
    """
    from scenes import render_story
    from scenes.render import OffscreenRenderer
    from scenes.visit import GuidedTour

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    facts, advance, on_frame = story_sim(city, life=life, seed=seed, cameras=cameras)
    renderer = OffscreenRenderer(city, size=size, cameras=cameras)
    src = None
    try:
        have, views = tour_parts(renderer.scene)
        tour = GuidedTour.build(city, seconds=seconds, lang=lang, facts=facts, have=have, viewpoints=views)
        src = sources(renderer.scene) if sources is not None else None
        from tqdm import tqdm

        n = round(tour.path.seconds * fps) if video else 0
        with tqdm(total=n, unit="frame", disable=not (video and sys.stderr.isatty())) as bar:
            summary = render_story(renderer, tour, out, fps=fps, advance=advance, on_frame=on_frame, stills=stills,
                                   video=video, frames=src.frame if src is not None else None, stops=stops,
                                   privacy=_privacy_of(src), progress=lambda k, total: bar.update(1))  # fmt: skip
    finally:
        if src is not None:
            summary_src = src.close()
            src.hub.close()
        renderer.close()
    if src is not None:
        summary["sources"] = summary_src
    summary["captions_lang"] = lang
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    false = summary["captions_false"]
    what = f"{summary['frames']} frames and {out}/render.mp4" if video else f"{len(summary['captions'])} key frames"
    print(f"wrote {what}; {summary['captions_true']} of {len(summary['captions'])} captions shown true"
          + (f" (not shown: {', '.join(false)})" if false else ""))  # fmt: skip
    return 0
