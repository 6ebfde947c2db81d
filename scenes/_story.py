"""The guided tour's story as data: stops, their clocks, shots and claims (``assets/tour/captions.yaml``).

:func:`load_story` reads and checks the file (one clear error naming the file, the stop and the
rule); :func:`shot_pose` places the eye for a stop's shot from the city and the fire's facts;
:class:`Claim` is one "the frame shows ..." bound, checked against :class:`scenes.FrameReport`.
"""

from __future__ import annotations

__all__ = ["SHOTS", "Claim", "Stop", "Story", "load_story", "shot_pose"]

import math
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from twin import Twin, TwinError, optics

from ._inspect import measure_names

CAPTIONS_FILE = Path(__file__).resolve().parents[1] / "assets" / "tour" / "captions.yaml"
LANGUAGES = ("id", "en")
NEEDS = ("story", "night", "war_room")
OVERLAYS = ("coverage", "camera_coverage")
#: Shots: where the eye goes (see :func:`shot_pose`).
SHOTS = (
    "overview", "overview_low", "command_center", "camera_oblique", "through_camera", "camera_high",
    "fire_street", "fire_high", "truck_route", "war_room", "fire_control", "server_room",
)  # fmt: skip
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_CLAIM_RE = re.compile(r"^\s*(>=|<=|>|<)\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*$")
_AT_RE = re.compile(r"^\s*([a-z_]+)\s*([+-]\s*\d+(?:\.\d+)?)?\s*$")
_CLOCK_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


@dataclass(frozen=True)
class Claim:
    """The frame shows ``measure op value`` (e.g. ``fire >= 0.002``)."""

    measure: str
    op: str
    value: float

    def holds(self, measured: float) -> bool:
        """Whether a measured value meets the claim."""
        return bool(_OPS[self.op](measured, self.value))

    def __str__(self) -> str:
        return f"{self.measure} {self.op} {self.value:g}"


@dataclass
class Stop:
    """One stop of the story, as written in the captions file."""

    key: str
    shot: str
    text: dict[str, str]
    clock: str | None = None
    at: str | None = None
    span_s: float = 60.0
    hold: float = 1.0
    needs: tuple[str, ...] = ()
    overlay: str | None = None
    claims: tuple[Claim, ...] = ()


@dataclass
class Story:
    """The whole captions file: the stops, the fire scenario, the date and the phrases."""

    stops: list[Stop]
    seconds: float = 240.0
    scenario: Path | None = None
    date: str = "2026-03-16"
    phrases: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    path: Path = CAPTIONS_FILE


def _claims(path: Path, key: str, raw: Any) -> tuple[Claim, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise TwinError(f"{path.name}: stop {key!r}: shows must map a measure to a bound, e.g. {{fire: '>= 0.002'}}")
    known = set(measure_names())
    out = []
    for name, bound in raw.items():
        if name not in known:
            raise TwinError(f"{path.name}: stop {key!r}: unknown measure {name!r} in shows; known: categories of "
                            "scenes._inspect.CATEGORIES, <category>_count, projected_video, projected_video_ground, "
                            "luma_mean")  # fmt: skip
        m = _CLAIM_RE.match(str(bound))
        if m is None:
            raise TwinError(f"{path.name}: stop {key!r}: shows.{name} must be a bound like '>= 0.15', got {bound!r}")
        out.append(Claim(str(name), m.group(1), float(m.group(2))))
    return tuple(out)


def load_story(path: Path = CAPTIONS_FILE) -> Story:
    """Read and check the captions file."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise TwinError(f"{Path(path).name}: cannot read the tour's captions: {e}") from None
    path = Path(path)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("stops"), list) or not doc["stops"]:
        raise TwinError(f"{path.name}: the captions file needs a list of stops")
    stops = []
    for k, s in enumerate(doc["stops"]):
        key = str(s.get("key", f"#{k}"))
        where = f"{path.name}: stop {k} ({key})"
        for lang in LANGUAGES:
            if lang not in s:
                raise TwinError(f"{where} has no {lang!r} caption")
        shot = str(s.get("shot", "overview"))
        if shot not in SHOTS:
            raise TwinError(f"{where}: unknown shot {shot!r}; use one of {', '.join(SHOTS)}")
        if ("clock" in s) == ("at" in s):
            raise TwinError(f"{where}: give exactly one of clock ('HH:MM') or at ('event+seconds')")
        if "clock" in s and not _CLOCK_RE.match(str(s["clock"])):
            raise TwinError(f"{where}: clock must be HH:MM[:SS], got {s['clock']!r}")
        if "at" in s and not _AT_RE.match(str(s["at"])):
            raise TwinError(f"{where}: at must be an event and seconds, e.g. 'detected+5', got {s['at']!r}")
        needs = tuple(str(n) for n in s.get("needs", []))
        if bad := [n for n in needs if n not in NEEDS]:
            raise TwinError(f"{where}: unknown needs {bad}; use {', '.join(NEEDS)}")
        overlay = s.get("overlay")
        if overlay is not None and overlay not in OVERLAYS:
            raise TwinError(f"{where}: unknown overlay {overlay!r}; use {', '.join(OVERLAYS)}")
        span, hold = float(s.get("span_s", 60.0)), float(s.get("hold", 1.0))
        if span < 0 or hold <= 0:
            raise TwinError(f"{where}: span_s must be >= 0 and hold > 0, got {span:g} and {hold:g}")
        stops.append(Stop(key, shot, {lang: str(s[lang]) for lang in LANGUAGES},
                          clock=str(s["clock"]) if "clock" in s else None, at=str(s["at"]) if "at" in s else None,
                          span_s=span, hold=hold, needs=needs, overlay=overlay,
                          claims=_claims(path, key, s.get("shows"))))  # fmt: skip
    scenario = doc.get("scenario")
    return Story(
        stops,
        seconds=float(doc.get("seconds", 240.0)),
        scenario=(path.parent / str(scenario)) if scenario else None,
        date=str(doc.get("date", "2026-03-16")),
        phrases=dict(doc.get("phrases") or {}),
        path=path,
    )


def clock_s(stop: Stop, facts: Mapping[str, Any] | None, path: Path) -> float:
    """The stop's time of day in seconds after midnight (an event's: the scenario's start plus its sim time)."""
    if stop.clock is not None:
        m = _CLOCK_RE.match(stop.clock)
        assert m is not None
        return int(m.group(1)) * 3600.0 + int(m.group(2)) * 60.0 + int(m.group(3) or 0)
    m = _AT_RE.match(str(stop.at))
    assert m is not None
    event, plus = m.group(1), float((m.group(2) or "0").replace(" ", ""))
    if not facts or event not in facts:
        raise TwinError(f"{path.name}: stop {stop.key!r} is at {event!r}, an event the tour's fire does not have")
    return float(facts["start_s"]) + float(facts[event]) + plus


# ---- shots ------------------------------------------------------------------------------------------
def _camera(t: Twin, cid: str | None) -> Any:
    for c in t.cameras:
        if c.id == cid:
            return c
    raise TwinError(f"the tour's camera {cid!r} is not in the city {t.name!r}")


def _fwd(cam: Any) -> np.ndarray:
    h = math.radians(cam.heading_deg + cam.correction.heading_deg)
    return np.array([math.sin(h), math.cos(h)])


def _route_point(facts: Mapping[str, Any], sim_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Where the truck is on its route at ``sim_s``, and its direction of travel."""
    xy = np.asarray(facts["route_xy"], dtype=float)
    ts = np.asarray(facts["route_t"], dtype=float)
    p = np.array([np.interp(sim_s, ts, xy[:, 0]), np.interp(sim_s, ts, xy[:, 1])])
    k = int(np.clip(np.searchsorted(ts, sim_s), 1, len(ts) - 1))
    d = xy[k] - xy[k - 1]
    n = float(np.hypot(*d))
    return p, (d / n if n > 1e-6 else np.array([0.0, 1.0]))


def shot_pose(
    t: Twin,
    shot: str,
    *,
    facts: Mapping[str, Any] | None = None,
    sim_s: float = 0.0,
    viewpoints: Mapping[str, tuple[Any, Any]] | None = None,
    roof_m: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Eye, look-at target and (for ``through_camera``) the camera to look through, for one shot.

    ``viewpoints`` (name -> (eye, target)) come from the scene's parts (the War Room's), and win
    over the built-in placement; ``roof_m`` is the command center's roof (the racks stand on it).
    """
    vp = dict(viewpoints or {})
    if shot in vp:
        eye, target = vp[shot]
        return np.asarray(eye, dtype=float), np.asarray(target, dtype=float), None
    xmin, ymin, xmax, ymax = t.bounds()
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    s = max(xmax - xmin, ymax - ymin, 200.0)
    cc = t.command_center
    a = np.asarray
    if shot == "overview":
        return a([cx, ymin - 0.3 * s, 0.45 * s]), a([cx, cy, 0.0]), None
    if shot == "overview_low":
        return a([cx - 0.05 * s, cy - 0.45 * s, 0.2 * s]), a([cx, cy - 0.1 * s, 0.0]), None
    if shot in ("command_center", "war_room", "fire_control"):
        return a([cc.x - 120.0, cc.y - 160.0, 90.0]), a([cc.x, cc.y, 20.0]), None
    if shot == "server_room":
        return a([cc.x + 50.0, cc.y - 80.0, roof_m + 45.0]), a([cc.x, cc.y, roof_m + 4.0]), None
    if facts is None:
        raise TwinError(f"the shot {shot!r} needs the tour's fire story (facts from sim.storyline)")
    fire = a(facts["fire_xy"], dtype=float)
    if shot in ("camera_oblique", "through_camera", "camera_high"):
        cam = _camera(t, facts.get("camera"))
        f, p = _fwd(cam), a([cam.x, cam.y])
        side = np.array([f[1], -f[0]])
        if shot == "through_camera":
            pose = optics.camera_pose(cam)
            eye = a(pose.position, dtype=float)
            return eye, eye + 30.0 * a(pose.axes()[0], dtype=float), cam.id
        if shot == "camera_oblique":
            return np.r_[p - 45.0 * f + 15.0 * side, 50.0], np.r_[p + 25.0 * f, 0.0], None
        return np.r_[p - 70.0 * f + 35.0 * side, 75.0], np.r_[p + 30.0 * f, 0.0], None
    if shot == "fire_street":
        cam = _camera(t, facts.get("camera"))
        d = fire - a([cam.x, cam.y])
        d = d / max(float(np.hypot(*d)), 1e-6)
        side = np.array([d[1], -d[0]])
        return np.r_[fire + 22.0 * side - 14.0 * d, 14.0], np.r_[fire, 3.0], None
    if shot == "fire_high":
        st = a(facts["station_xy"], dtype=float)
        d = fire - st
        d = d / max(float(np.hypot(*d)), 1e-6)
        return np.r_[fire - 35.0 * d + 15.0 * np.array([d[1], -d[0]]), 55.0], np.r_[fire, 0.0], None
    if shot == "truck_route":
        p, d = _route_point(facts, sim_s)
        return np.r_[p - 45.0 * d + 15.0 * np.array([d[1], -d[0]]), 40.0], np.r_[p + 10.0 * d, 0.0], None
    raise TwinError(f"unknown shot {shot!r}; use one of {', '.join(SHOTS)}")
