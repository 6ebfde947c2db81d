"""A drill scenario file: safe YAML, checked against a schema before anything runs.

Every problem is reported at once, each with the file, the key path (``injects[2].station``) and
the rule. References to the city (stations, buildings, cameras) are checked in a second pass,
once the city is loaded; still nothing runs until both passes are clean.
"""

from __future__ import annotations

__all__ = ["DrillError", "Scenario", "parse_scenario", "read_scenario", "check_against_city"]

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sim.firegrowth import GROWTH_CLASSES
from twin import TwinError

if TYPE_CHECKING:
    from twin import Twin

INJECT_TYPES = ("road_closure", "truck_breakdown", "second_fire", "camera_offline", "heavy_rain", "note")
_TOP = {"drill", "description", "city", "seed", "start", "duration_min", "cameras", "standard",
        "background_rate_per_hour", "incidents", "injects", "expected"}
_INCIDENT = {"id", "at_min", "building", "xy", "growth", "note"}
_INJECT = {
    "road_closure": {"type", "at_min", "until_min", "near", "radius_m", "road", "note"},
    "truck_breakdown": {"type", "at_min", "until_min", "station", "trucks", "note"},
    "second_fire": {"type", "at_min", "id", "building", "xy", "growth", "note"},
    "camera_offline": {"type", "at_min", "until_min", "cameras", "note"},
    "heavy_rain": {"type", "at_min", "until_min", "travel_factor", "note"},
    "note": {"type", "at_min", "text", "note"},
}
_EXPECTED = {"incident", "dispatch", "within_min", "why"}
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class DrillError(TwinError):
    """A drill file is unusable: lists every problem (file, key path, rule)."""

    def __init__(self, file: str, problems: list[str]):
        self.file = file
        self.problems = problems
        lines = [f"{file}: {p}" for p in problems[:30]]
        more = f"\n  ... and {len(problems) - 30} more" if len(problems) > 30 else ""
        super().__init__("\n".join(lines) + more + "\n(nothing was run)")


@dataclass
class ScriptedFire:
    """A fire the scenario sets: where (a building id or local x, y), when, and how fast it grows."""

    id: str
    at_s: float
    growth: str
    building: str | None = None
    xy: tuple[float, float] | None = None
    note: str = ""


@dataclass
class Scenario:
    """A checked drill scenario (times in seconds after the drill's start)."""

    title: str
    raw: dict[str, Any]
    file: str
    description: str = ""
    city: str | None = None
    seed: int = 0
    start_hour: float = 8.0
    duration_s: float = 7200.0
    cameras: str = "existing"
    standard: str | None = None
    background_rate_per_hour: float = 0.0
    fires: list[ScriptedFire] = field(default_factory=list)
    injects: list[dict[str, Any]] = field(default_factory=list)
    expected: list[dict[str, Any]] = field(default_factory=list)


def read_scenario(path: str | Path) -> Scenario:
    """Read and check a drill file (safe YAML only: tags that construct Python objects are refused)."""
    p = Path(path)
    name = p.name
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DrillError(name, [f"no such file: {p}"]) from None
    except UnicodeDecodeError as e:
        raise DrillError(name, [f"is not UTF-8 text ({e.reason} at byte {e.start})"]) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as e:
        mark = f" (line {e.problem_mark.line + 1})" if e.problem_mark else ""
        raise DrillError(name, [f"refused a YAML tag that would construct an object{mark}: {e.problem}; "
                                "drill files are plain data (mappings, lists, strings, numbers)"]) from None
    except yaml.YAMLError as e:
        raise DrillError(name, [f"is not valid YAML: {e}"]) from None
    return parse_scenario(doc, file=name, base=p.parent)


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _xy(v: Any) -> bool:
    """``[x, y]``: a list of two numbers (local metres)."""
    return isinstance(v, list) and len(v) == 2 and all(_num(c) for c in v)


def _mappings(doc: dict[str, Any], key: str, probs: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, entry)`` for each mapping in the optional list ``doc[key]``; a problem for anything else."""
    items = doc.get(key, []) or []
    if not isinstance(items, list):
        probs.append(f"`{key}` must be a list")
        return
    for k, e in enumerate(items):
        where = f"{key}[{k}]"
        if not isinstance(e, dict):
            probs.append(f"{where} must be a mapping")
            continue
        yield where, e


def parse_scenario(doc: Any, *, file: str = "<drill>", base: Path | None = None) -> Scenario:  # noqa: C901
    """Check a loaded YAML document against the drill schema; raise :class:`DrillError` listing every problem."""
    probs: list[str] = []
    if not isinstance(doc, dict):
        raise DrillError(file, ["must be a mapping with at least `drill:` and `incidents:`"])
    for k in sorted(set(doc) - _TOP, key=str):
        probs.append(f"unknown key {k!r}: use one of {sorted(_TOP)}")
    title = doc.get("drill")
    if not isinstance(title, str) or not title.strip():
        probs.append("`drill` (the title) must be a non-empty string")
    sc = Scenario(title=str(title or ""), raw=doc, file=file)
    sc.description = str(doc.get("description", "") or "")
    city = doc.get("city")
    if city is not None:
        if not isinstance(city, str):
            probs.append("`city` must be `default`, `grid-town` or a path to a city folder")
        elif city not in ("default", "grid-town") and base is not None and not Path(city).is_absolute():
            sc.city = str((base / city).resolve())
        else:
            sc.city = city
    seed = doc.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        probs.append(f"`seed` must be a whole number >= 0, got {seed!r}")
    else:
        sc.seed = seed
    start = doc.get("start", "08:00")
    m = _TIME_RE.match(str(start)) if isinstance(start, str) else None
    if not m:
        probs.append(f"`start` must be a time of day HH:MM (24 h), got {start!r}")
    else:
        sc.start_hour = int(m.group(1)) + int(m.group(2)) / 60.0
    dur = doc.get("duration_min", 120)
    if not _num(dur) or dur <= 0 or dur > 24 * 60:
        probs.append(f"`duration_min` must be a number in (0, 1440], got {dur!r}")
    else:
        sc.duration_s = float(dur) * 60.0
    cams = doc.get("cameras", "existing")
    if not isinstance(cams, str):
        probs.append("`cameras` must be none, existing, planned, all, a cameras layer or a file of camera ids")
    else:
        sc.cameras = cams
    std = doc.get("standard")
    if std is not None:
        from sim.standards import standard

        try:
            sc.standard = standard(str(std)).name
        except TwinError as e:
            probs.append(f"`standard`: {e}")
    rate = doc.get("background_rate_per_hour", 0.0)
    if not _num(rate) or rate < 0:
        probs.append(f"`background_rate_per_hour` must be a number >= 0 (fires an hour), got {rate!r}")
    else:
        sc.background_rate_per_hour = float(rate)
    ids: set[str] = set()

    def fire(entry: Any, where: str, keys: set[str]) -> ScriptedFire | None:
        if not isinstance(entry, dict):
            probs.append(f"{where} must be a mapping")
            return None
        for k in sorted(set(entry) - keys, key=str):
            probs.append(f"{where}: unknown key {k!r}: use one of {sorted(keys)}")
        fid = entry.get("id")
        if not isinstance(fid, str) or not fid:
            probs.append(f"{where}.id must be a non-empty string")
            fid = ""
        elif fid in ids:
            probs.append(f"{where}.id {fid!r} is used twice")
        ids.add(fid)
        at = entry.get("at_min")
        if not _num(at):
            probs.append(f"{where}.at_min must be a number of minutes after the start, got {at!r}")
            at = 0.0
        elif at < 0:
            probs.append(f"{where}.at_min is {at}: before the drill's start (at_min must be >= 0)")
        elif at * 60.0 >= sc.duration_s:
            probs.append(f"{where}.at_min is {at}: at or after the drill's end (duration_min {sc.duration_s / 60:g})")
        g = entry.get("growth", "medium")
        if g not in GROWTH_CLASSES:
            probs.append(f"{where}.growth must be one of {list(GROWTH_CLASSES)}, got {g!r}")
        b, xy = entry.get("building"), entry.get("xy")
        if (b is None) == (xy is None):
            probs.append(f"{where}: give exactly one of `building` (an id) or `xy` ([x, y] local metres)")
        if xy is not None and not _xy(xy):
            probs.append(f"{where}.xy must be [x, y] in local metres, got {xy!r}")
            xy = None
        return ScriptedFire(fid, float(at) * 60.0, str(g), None if b is None else str(b),
                            None if xy is None else (float(xy[0]), float(xy[1])), str(entry.get("note", "")))

    incs = doc.get("incidents")
    if not isinstance(incs, list) or not incs:
        probs.append("`incidents` must be a non-empty list of fires")
        incs = []
    for k, e in enumerate(incs):
        f = fire(e, f"incidents[{k}]", _INCIDENT)
        if f:
            sc.fires.append(f)
    for where, e in _mappings(doc, "injects", probs):
        kind = e.get("type")
        if kind not in INJECT_TYPES:
            probs.append(f"{where}.type must be one of {list(INJECT_TYPES)}, got {kind!r}")
            continue
        if kind == "second_fire":
            f = fire(e, where, _INJECT[kind])
            if f:
                sc.fires.append(f)
            continue
        for key in sorted(set(e) - _INJECT[kind], key=str):
            probs.append(f"{where}: unknown key {key!r} for a {kind}: use one of {sorted(_INJECT[kind])}")
        at = e.get("at_min")
        if not _num(at):
            probs.append(f"{where}.at_min must be a number of minutes after the start, got {at!r}")
            continue
        if at < 0:
            probs.append(f"{where}.at_min is {at}: an inject before the drill's start (at_min must be >= 0)")
        until = e.get("until_min")
        if until is not None and (not _num(until) or until <= at):
            probs.append(f"{where}.until_min must be a number after at_min ({at}), got {until!r}")
        d = dict(e)
        if kind == "truck_breakdown":
            if not isinstance(e.get("station"), str):
                probs.append(f"{where}.station must be a station id")
            n = e.get("trucks", 1)
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                probs.append(f"{where}.trucks must be a whole number >= 1, got {n!r}")
        elif kind == "road_closure":
            near, road = e.get("near"), e.get("road")
            if (near is None) == (road is None):
                probs.append(f"{where}: give exactly one of `near: [x, y]` (with radius_m) or `road` "
                             "(a road id or name)")
            if near is not None and not _xy(near):
                probs.append(f"{where}.near must be [x, y] in local metres, got {near!r}")
            r = e.get("radius_m", 25.0)
            if not _num(r) or r <= 0:
                probs.append(f"{where}.radius_m must be a number > 0, got {r!r}")
        elif kind == "camera_offline":
            c = e.get("cameras")
            if not (isinstance(c, list) and c and all(isinstance(x, str) for x in c)):
                probs.append(f"{where}.cameras must be a non-empty list of camera ids")
        elif kind == "heavy_rain":
            f = e.get("travel_factor", 1.3)
            if not _num(f) or f <= 0:
                probs.append(f"{where}.travel_factor must be a number > 0 (1.3: trips take 30 % longer), got {f!r}")
        sc.injects.append(d)
    for where, e in _mappings(doc, "expected", probs):
        for key in sorted(set(e) - _EXPECTED, key=str):
            probs.append(f"{where}: unknown key {key!r}: use one of {sorted(_EXPECTED)}")
        if e.get("incident") not in ids:
            probs.append(f"{where}.incident {e.get('incident')!r} is not an incident of this drill ({sorted(ids)})")
        if not isinstance(e.get("dispatch"), str):
            probs.append(f"{where}.dispatch must be a station id or mutual_aid")
        w = e.get("within_min")
        if w is not None and (not _num(w) or w <= 0):
            probs.append(f"{where}.within_min must be a number > 0, got {w!r}")
        sc.expected.append(dict(e))
    if probs:
        raise DrillError(file, probs)
    sc.fires.sort(key=lambda f: (f.at_s, f.id))
    return sc


def check_against_city(sc: Scenario, twin: Twin) -> None:
    """Check the scenario's references (stations, buildings, cameras, roads) against the city."""
    probs: list[str] = []
    stations = {s.id for s in twin.fire_stations}
    buildings = {b.id for b in twin.buildings}
    cameras = {c.id for c in twin.cameras}
    roads = set()
    if twin.roads is not None:
        for _, _, d in twin.roads.edges(data=True):
            roads.add(str(d.get("feature", d.get("road_id"))))
            roads.add(str(d.get("road_id")))
            if d.get("name"):
                roads.add(str(d["name"]))
    for f in sc.fires:
        if f.building is not None and f.building not in buildings:
            probs.append(f"incident {f.id!r}: building {f.building!r} is not in the city {twin.name!r}")
    for k, e in enumerate(sc.injects):
        where = f"injects[{k}] ({e['type']})"
        if e["type"] == "truck_breakdown":
            s = e.get("station")
            if s not in stations:
                probs.append(f"{where}: station {s!r} does not exist; the city has {sorted(stations)}")
            else:
                have = next(x.trucks for x in twin.fire_stations if x.id == s)
                if e.get("trucks", 1) > have:
                    probs.append(f"{where}: station {s!r} has {have} trucks, cannot break down {e.get('trucks')}")
        elif e["type"] == "camera_offline":
            bad = [c for c in e["cameras"] if c not in cameras]
            if bad:
                probs.append(f"{where}: cameras not in the city: {bad[:10]}")
        elif e["type"] == "road_closure" and e.get("road") is not None and str(e["road"]) not in roads:
            probs.append(f"{where}: road {e['road']!r} is not a road id or name of the city")
    for k, e in enumerate(sc.expected):
        if e["dispatch"] != "mutual_aid" and e["dispatch"] not in stations:
            probs.append(f"expected[{k}].dispatch: station {e['dispatch']!r} does not exist; the city has "
                         f"{sorted(stations)}")
    if probs:
        raise DrillError(sc.file, probs)
