"""The visitors' guided tour: a story in Bahasa Indonesia or English that the frame bears out.

The city, a camera's view and its DORI levels, a fire breaking out, found on a camera, a truck sent
and arriving, the War Room, the server room, night, the plan for the next cameras. The story is data
(``assets/tour/captions.yaml``, read by :mod:`scenes._story`): each stop has a shot, a time of day
(or an event of the tour's fire, whose facts the root reads from the fire model:
``sim.storyline.story_facts``) and the claims its frame must meet (checked by
:class:`scenes.FrameInspector`). The eye follows a :class:`scenes.TourPath` through the shots, so
the tour renders headless exactly as in the window.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "GuidedTour", "TourView", "load_captions"]

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from twin import Twin, TwinError, dori_profile, optics

from ._story import CAPTIONS_FILE, LANGUAGES, Claim, Stop, Story, clock_s, load_story, shot_pose
from .tour import TourPath


def load_captions(lang: str, path: Path = CAPTIONS_FILE) -> list[tuple[str, str]]:
    """The tour's (stop key, caption template) pairs in ``lang``, every stop (whatever it needs)."""
    if lang not in LANGUAGES:
        raise TwinError(f"unknown tour language {lang!r}: use one of {', '.join(LANGUAGES)} (id = Bahasa Indonesia)")
    return [(s.key, s.text[lang]) for s in load_story(path).stops]


def _figures(t: Twin, lang: str) -> dict[str, Any]:
    from twin.roads import graph_length_m

    sr = t.command_center.server_room
    thousands = "." if lang == "id" else ","  # 4.263 bangunan; 4,263 buildings
    return {
        "n_buildings": f"{len(t.buildings):,}".replace(",", thousands),
        "road_km": f"{graph_length_m(t.roads) / 1000:.0f}" if t.roads is not None else "0",
        "n_cameras": sum(1 for c in t.cameras if c.status in ("existing", "planned")),
        "cc_name": t.command_center.name,
        "operators": t.command_center.operators.count,
        "n_stations": len(t.fire_stations),
        "n_trucks": sum(s.trucks for s in t.fire_stations),
        "n_servers": sr.servers,
        "retention_days": f"{sr.retention_days:g}",
        "n_existing": sum(1 for c in t.cameras if c.status == "existing"),
        "n_candidates": f"{sum(1 for c in t.cameras if c.status == 'candidate'):,}".replace(",", thousands),
    }


def _hhmm(s: float) -> str:
    s = int(round(s)) % 86400
    return f"{s // 3600:02d}:{s // 60 % 60:02d}"


def _story_figures(t: Twin, facts: dict[str, Any], story: Story, lang: str) -> dict[str, Any]:
    """The fire's facts in words: clocks, who found it on which camera, the camera's DORI reach."""
    cam = next(c for c in t.cameras if c.id == facts["camera"])
    pose = optics.camera_pose(cam)
    prof = dori_profile(t.standards.dori)
    fire = np.array([[*facts["fire_xy"], 1.6]])
    ppm = float(pose.density_ppm(fire)[0])
    level = ([n for n, v in prof.levels if ppm >= v] or ["-"])[-1]
    start = float(facts["start_s"])
    found = story.phrases.get("found_by", {}).get(facts["source"], {}).get(lang, "{cam_id}")
    response_s = facts["arrive"] - facts["detected"]
    within = "within" if response_s <= 15 * 60 else "beyond"
    out = {
        "cam_id": cam.id,
        "cam_name": cam.name or cam.id,
        "mount_m": f"{cam.mount_height_m:g}",
        "fire_dist_m": f"{float(np.hypot(*(np.asarray(facts['fire_xy']) - [cam.x, cam.y]))):.0f}",
        "fire_ppm": f"{ppm:.0f}",
        "fire_level": level,
        "ignition_clock": _hhmm(start + facts["ignition"]),
        "detect_clock": _hhmm(start + facts["detected"]),
        "detect_after_s": f"{facts['detected'] - facts['ignition']:.0f}",
        "dispatch_clock": _hhmm(start + facts["dispatch"]),
        "arrive_clock": _hhmm(start + facts["arrive"]),
        "station": facts["station"],
        "fire_id": facts["fire_id"],
        "truck": facts["truck"],
        "eta_min": f"{(facts['arrive'] - facts['enroute']) / 60.0:.1f}",
        "response_min": f"{response_s / 60.0:.1f}",
        "target_phrase": story.phrases.get("target", {}).get(within, {}).get(lang, within),
    }
    for name in ("Recognise", "Observe", "Detect", "Identify"):
        if name in prof.names:
            out[f"{name.lower()}_m"] = f"{optics.camera_range_m(cam, prof.ppm(name)):.0f}"
    out["found_by"] = found.format(**out)
    if lang == "id":
        out = {k: v.replace(".", ",") if k in ("eta_min", "response_min", "mount_m") else v for k, v in out.items()}
    return out


CLEARANCE_M = 20.0  # the eye stays this far above any roof within CELL_M of it
CELL_M = 25.0


def roof_grid(t: Twin, cell_m: float = CELL_M) -> tuple[np.ndarray, tuple[float, float, float]]:
    """Highest roof per ``cell_m`` cell, spread to the 8 neighbours: the tour's eye never clips a tower."""
    xmin, ymin, xmax, ymax = t.bounds()
    nx = max(1, int(np.ceil((xmax - xmin) / cell_m)) + 1)
    ny = max(1, int(np.ceil((ymax - ymin) / cell_m)) + 1)
    grid = np.zeros((ny, nx))
    if t.buildings:
        b = shapely.bounds(t.footprints)
        h = t.building_heights_m
        i0 = np.clip(((b[:, 1] - ymin) // cell_m).astype(int), 0, ny - 1)
        i1 = np.clip(((b[:, 3] - ymin) // cell_m).astype(int), 0, ny - 1)
        j0 = np.clip(((b[:, 0] - xmin) // cell_m).astype(int), 0, nx - 1)
        j1 = np.clip(((b[:, 2] - xmin) // cell_m).astype(int), 0, nx - 1)
        for k in np.argsort(h):  # once per tour, a few thousand small slices
            grid[i0[k] : i1[k] + 1, j0[k] : j1[k] + 1] = h[k]
        pad = np.pad(grid, 1)
        grid = np.max(
            [pad[1 + di : 1 + di + ny, 1 + dj : 1 + dj + nx] for di in (-1, 0, 1) for dj in (-1, 0, 1)], axis=0
        )
    return grid, (xmin, ymin, cell_m)


@dataclass
class TourView:
    """Where the tour is at one moment: the eye, the caption, the clock, the camera looked through."""

    eye: np.ndarray
    target: np.ndarray
    stop: int
    key: str
    caption: str
    clock_s: float
    sim_s: float
    camera: str | None = None
    overlay: str | None = None


@dataclass
class GuidedTour:
    """The story's stops on a timeline: the eye's path, the caption, the time of day and the sim time.

    Each stop holds from ``hold_times[k, 0]`` to ``hold_times[k, 1]`` (tour seconds), after a flight
    from the stop before; its key frame (the one its claims are checked on) is the middle of its hold.
    """

    path: TourPath
    stop_times: np.ndarray
    captions: list[str]
    keys: list[str]
    roofs: np.ndarray | None = None
    roofs_origin: tuple[float, float, float] = (0.0, 0.0, CELL_M)
    stops: list[Stop] = field(default_factory=list)
    hold_times: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    clocks: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    cameras: list[str | None] = field(default_factory=list)
    #: per stop: its eye is placed exactly (a camera's lens, a room's viewpoint): never lifted over roofs
    exact: list[bool] = field(default_factory=list)
    start_s: float = 0.0
    date: str = "2026-03-16"
    facts: dict[str, Any] | None = None

    @classmethod
    def build(
        cls,
        t: Twin,
        *,
        seconds: float | None = None,
        lang: str = "id",
        facts: dict[str, Any] | None = None,
        have: set[str] | frozenset[str] = frozenset(),
        viewpoints: dict[str, tuple[Any, Any]] | None = None,
        path: Path = CAPTIONS_FILE,
    ) -> GuidedTour:
        """The tour of ``t`` over ``seconds`` (default: the story's, 3-5 minutes), captions in ``lang``.

        Args:
            t: the city.
            seconds: the tour's length; None: the captions file's ``seconds``.
            lang: ``id`` (Bahasa Indonesia) or ``en``.
            facts: the fire's story (``sim.storyline.story_facts``); without it the stops that need
                the story are left out.
            have: what the scene can show besides: ``night`` (a sun and clock), ``war_room``.
            viewpoints: named (eye, target) pairs from the scene's parts (``war_room``, ``server_room``).
            path: the captions file.
        """
        load_captions(lang, path)  # checks the language
        story = load_story(path)
        seconds = story.seconds if seconds is None else float(seconds)
        if seconds <= 0:
            raise TwinError(f"a tour must last > 0 s, got {seconds:g}")
        if facts and not any(c.id == facts.get("camera") for c in t.cameras):
            facts = None  # a story whose camera is not in this city is not told here
        avail = set(have) | ({"story"} if facts else set())
        stops = [s for s in story.stops if set(s.needs) <= avail]
        figs = _figures(t, lang)
        if facts:
            figs |= _story_figures(t, facts, story, lang)
        n = len(stops)
        if n == 0:
            have_s = ", ".join(sorted(avail)) or "nothing"
            raise TwinError(f"{story.path.name}: no stop can be told here: each needs more than {have_s}")
        # a flight into each stop (but the first), then its hold; holds share the rest by weight
        fly = min(6.0, 0.25 * seconds / max(n, 1)) if n > 1 else 0.0
        w = np.array([s.hold for s in stops])
        holds = (seconds - fly * (n - 1)) * w / w.sum()
        a = np.concatenate([[0.0], np.cumsum(holds[:-1] + fly)])
        hold_times = np.stack([a, a + holds], 1)
        c0 = np.array([clock_s(s, facts, story.path) for s in stops])
        clocks = np.stack([c0, c0 + np.array([s.span_s for s in stops])], 1)
        for k in range(1, n):
            if clocks[k, 0] < clocks[k - 1, 1] - 1e-6:
                raise TwinError(
                    f"{story.path.name}: stop {stops[k].key!r} starts at {_hhmm(clocks[k, 0])}, before stop "
                    f"{stops[k - 1].key!r} ends ({_hhmm(clocks[k - 1, 1])}): the story's clock only runs forward"
                )
        start_s = float(facts["start_s"]) if facts else 0.0
        cc = t.command_center
        roof = _roof_at(t, cc.x, cc.y)
        eyes, targets, cams, exact = [], [], [], []
        for k, s in enumerate(stops):
            mid = float(clocks[k].mean()) - start_s
            eye, target, cam = shot_pose(t, s.shot, facts=facts, sim_s=mid, viewpoints=viewpoints, roof_m=roof)
            # a slow push in while the stop holds (none through a camera: it does not move)
            push = 0.0 if cam else 0.12
            eyes += [eye, eye + push * (target - eye)]
            targets += [target, target]
            cams.append(cam)
            exact.append(cam is not None or s.shot in (viewpoints or {}))
        key_t = hold_times.reshape(-1)
        captions = [s.text[lang].format(**figs) for s in stops]
        roofs, origin = roof_grid(t)
        tour_path = TourPath(np.array(eyes), np.array(targets), float(seconds), min_eye_m=2.0, times=key_t)
        return cls(
            tour_path, hold_times.mean(axis=1), captions, [s.key for s in stops], roofs, origin, stops,
            hold_times, clocks, cams, exact, start_s, story.date, facts,
        )  # fmt: skip

    # ---- the timeline -------------------------------------------------------------------------
    def stop_at(self, t: float) -> int:
        """The stop shown at tour time ``t``: its flight in and its hold."""
        return int(np.clip(np.searchsorted(self.hold_times[:, 1], t, side="left"), 0, len(self.keys) - 1))

    def caption_at(self, t: float) -> str:
        """The caption shown at ``t`` (from the flight into a stop to the end of its hold)."""
        return self.captions[self.stop_at(t)]

    def clock_at(self, t: float) -> float:
        """Time of day at tour time ``t``, seconds after midnight (runs on through holds and flights)."""
        return float(np.interp(t, self.hold_times.reshape(-1), self.clocks.reshape(-1)))

    def sim_time_at(self, t: float) -> float:
        """The fire scenario's sim time at ``t`` (0 before its start)."""
        return max(0.0, self.clock_at(t) - self.start_s)

    def key_time(self, k: int) -> float:
        """Tour time of stop ``k``'s key frame (the middle of its hold)."""
        return float(self.hold_times[k].mean())

    def claims(self, k: int) -> tuple[Claim, ...]:
        """What stop ``k``'s frame must show."""
        return self.stops[k].claims

    def pose_at(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Eye and look-at target at ``t``; the eye is lifted clear of nearby roofs (but through a camera)."""
        k = self.stop_at(t)
        a, b = self.hold_times[k]
        if self.cameras and self.cameras[k] and a <= t <= b:
            return self.path.eyes[2 * k].copy(), self.path.targets[2 * k].copy()
        if len(self.hold_times) and a <= t <= b:
            # a straight push while a stop holds: the spline's tangents there come from the long flights
            w = (t - a) / max(b - a, 1e-9)
            p = self.path
            eye = (1 - w) * p.eyes[2 * k] + w * p.eyes[2 * k + 1]
            target = (1 - w) * p.targets[2 * k] + w * p.targets[2 * k + 1]
        else:
            eye, target = self.path.pose_at(t)
        if self.roofs is not None and not (self.exact and self.exact[k] and a <= t <= b):
            x0, y0, cell = self.roofs_origin
            i = int(np.clip((eye[1] - y0) // cell, 0, self.roofs.shape[0] - 1))
            j = int(np.clip((eye[0] - x0) // cell, 0, self.roofs.shape[1] - 1))
            eye = eye.copy()
            eye[2] = max(float(eye[2]), float(self.roofs[i, j]) + CLEARANCE_M)
        return eye, target

    def view_at(self, t: float) -> TourView:
        """Everything the renderer needs at ``t``."""
        k = self.stop_at(t)
        eye, target = self.pose_at(t)
        a, b = self.hold_times[k]
        cam = self.cameras[k] if self.cameras and a <= t <= b else None
        return TourView(eye, target, k, self.keys[k], self.captions[k], self.clock_at(t), self.sim_time_at(t), cam,
                        self.stops[k].overlay if self.stops else None)  # fmt: skip


def _roof_at(t: Twin, x: float, y: float) -> float:
    if not t.buildings:
        return 0.0
    inside = shapely.contains_xy(t.footprints, x, y)
    return float(t.building_heights_m[inside].max()) if inside.any() else 0.0
