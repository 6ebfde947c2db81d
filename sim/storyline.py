"""What the visitors' tour tells about its fire, read from the fire model itself.

The tour (``scenes.visit.GuidedTour``) runs a drill scenario live (:class:`sim.live.LiveCity`). To
place its shots and word its captions it needs the story's facts before they happen: when the fire
starts, who found it and on which camera, which truck goes, by which road, when it arrives.
:func:`story_facts` runs the same scenario (same seed, same decisions) to its end on a second
engine and reads them from the event log, so the live run the visitors watch shows exactly what the
captions say.
"""

from __future__ import annotations

__all__ = ["StoryError", "story_facts"]

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from twin import TwinError, select_cameras

if TYPE_CHECKING:
    from twin import Twin


class StoryError(TwinError):
    """The tour's scenario cannot tell the story (no fire, never found, no truck sent)."""


def story_facts(twin: Twin, scenario: str | Path, *, fire: str | None = None) -> dict[str, Any]:
    """The story of the scenario's first fire (or ``fire``), from a full run of its fire engine.

    Returns plain data: ``start_s`` (the scenario's start, seconds after midnight), ``fire_id``,
    ``fire_xy``, ``growth``, the sim times (s after the start) ``ignition``, ``detected``,
    ``dispatch``, ``enroute``, ``arrive``, ``water_on`` (and ``flashover`` when it happened),
    ``source`` (``call``, ``operator`` or ``analytics``), ``station``, ``station_xy``, ``truck``,
    ``route_xy`` and ``route_t`` (the truck's road out, sim seconds), ``camera`` (the camera that
    sees the fire with the most pixels per metre, None if none does) and ``camera_ppm``.

    Raises:
        StoryError: naming the scenario file, if the fire is missing, never detected or got no truck.
    """
    from .drill import live_drill, read_scenario
    from .fire import FireParams, camera_pairs

    sc = read_scenario(scenario)
    name = Path(scenario).name
    eng = live_drill(sc, twin)
    out = eng.run()
    ids = list(eng.inc.ids)
    fid = fire or (sc.fires[0].id if sc.fires else None)
    if fid is None or fid not in ids:
        raise StoryError(f"{name}: the tour needs a fire {fid or '(any)'}; the scenario has {ids or 'none'}")
    i = ids.index(fid)
    facts: dict[str, Any] = {
        "scenario": name,
        "start_s": float(sc.start_hour) * 3600.0,
        "fire_id": fid,
        "fire_xy": (float(eng.inc.x[i]), float(eng.inc.y[i])),
        "growth": eng.inc.growth_name(i),
    }
    for t, _seq, kind, inc, truck, info in sorted(out.events, key=lambda e: (e[0], e[1])):
        if inc != i or kind in facts:
            continue
        facts[kind] = float(t)
        if kind == "detected":
            facts["source"] = str(info.get("source", ""))
        elif kind == "dispatch":
            facts["station"] = str(info.get("station", ""))
            facts["truck"] = eng.truck_names[truck] if truck >= 0 else None
        elif kind == "enroute" and "route_xy" in info:
            facts["route_xy"] = [tuple(map(float, p)) for p in info["route_xy"]]
            facts["route_t"] = [float(t) + float(s) for s in info["route_t"]]
    for need in ("ignition", "detected", "dispatch", "enroute", "arrive"):
        if need not in facts:
            raise StoryError(f"{name}: fire {fid} has no {need!r} event in a full run; the tour tells all five")
    st = next(s for s in twin.fire_stations if s.id == facts["station"])
    facts["station_xy"] = (float(st.x), float(st.y))
    cams = select_cameras(twin, sc.cameras)
    params = FireParams(start_hour=sc.start_hour)
    pi, pc, ppm = camera_pairs(twin, cams, eng.inc, params)
    mine = np.flatnonzero(pi == i)
    if mine.size:
        best = mine[int(np.argmax(ppm[mine]))]
        facts["camera"], facts["camera_ppm"] = cams[int(pc[best])].id, float(ppm[best])
    else:
        facts["camera"], facts["camera_ppm"] = None, 0.0
    return facts
