"""The ``coverage_time`` sweep model: coverage over time (:mod:`sim.covtime._study`) per task.

What the cameras saw, and what the operators watched, over ``days`` of failures, repairs, PTZ
patrols, night and wall rotation, with the city's cameras plus the planner's first
``added_cameras`` new ones. Each camera set's static coverage (:func:`sim.covtime.prepare`,
the expensive part) is computed once per sweep in ``prepare``; so ``added_cameras`` is a
prepare-stage parameter here, and the plan itself is made once for all of them.
"""

from __future__ import annotations

__all__ = ["ADAPTERS"]

import dataclasses
from typing import Any

from sim.covtime import DAYLIGHT, DETECTIONS, ROTATIONS
from sim.sweep._adapters.city import PLAN_PARAMS, added_cameras_check, cameras_with_added, plan_order
from sim.sweep._models import Metric, ModelAdapter, Param

# the plan for the largest camera set, kept between the prepare calls of one sweep (one per
# added_cameras value): keyed by the city object and the planning parameters
_PLANS: dict[tuple[Any, ...], dict[str, Any]] = {}
_PLAN_KEYS = ("max_added", "plan_level", "plan_headings", "plan_spacing_m", "resolution_m")


def _prepare(twin: Any, params: dict[str, Any]) -> dict[str, Any]:
    from sim.covtime import prepare
    from twin.raster import build_raster

    key = (id(twin), *(params[k] for k in _PLAN_KEYS))
    if key not in _PLANS:
        _PLANS.clear()
        # (the entry holds the city, so its id cannot be reused by another city while cached)
        _PLANS[key] = plan_order(twin, params, build_raster(twin, resolution_m=params["resolution_m"])) | {"twin": twin}
    plan = _PLANS[key]
    cams = cameras_with_added(plan, params)
    static = prepare(twin, cams, raster=plan["raster"], target_height_m=params["target_height_m"])
    return {"twin": twin, "static": static, "cameras": len(cams)}


def _run(shared: dict[str, Any], params: dict[str, Any], seed: int) -> dict[str, float]:
    from sim.covtime import CoverageTimeConfig, simulate

    cfg = CoverageTimeConfig(
        days=params["days"],
        operators=params["operators"],
        crews=params["crews"],
        rotation=params["rotation"],
        tile_dwell_s=params["tile_dwell_s"],
        faults=params["faults"],
        districts=params["districts"],
        detection=params["detection"],
        daylight=params["daylight"],
    )
    ss = shared["static"]
    lv = ss.profile.level_index(params["level"]) - 1  # TwinError if the profile has no such level
    run = simulate(shared["twin"], ss, config=cfg, seed=seed)
    return {
        "cameras": float(shared["cameras"]),
        "seen_share": float(run.public_share(ss, 0)[lv]),
        "watched_share": float(run.public_share(ss, 1)[lv]),
        "seen_share_weighted": float(run.priority_share(ss, 0)[lv]),
        "watched_share_weighted": float(run.priority_share(ss, 1)[lv]),
        "camera_availability": float(run.cam_up_s.mean() / run.horizon_s) if len(run.cam_up_s) else 0.0,
        "repairs": float(len(run.repairs)),
        "district_outages": float(len(run.district_outages)),
        "takeovers": float(run.takeovers),
    }


_added = next(p for p in PLAN_PARAMS if p.name == "added_cameras")
_res = next(p for p in PLAN_PARAMS if p.name == "resolution_m")
_params = tuple(
    dataclasses.replace(p, stage="prepare") if p is _added else dataclasses.replace(p, default=2.0) if p is _res else p
    for p in PLAN_PARAMS
)

COVERAGE_TIME = ModelAdapter(
    name="coverage_time",
    doc="coverage over time (SimPy): seen and watched shares through faults, repairs, PTZ patrols, night and the wall",
    params=_params
    + (
        Param("level", "str", "Detect", doc="DORI level the shares are reported at"),
        Param("target_height_m", "float", 1.6, low=0, high=10, stage="prepare", unit="m", doc="target height"),
        Param("days", "float", 7.0, low=0, low_open=True, high=366, unit="days", doc="simulated days per task"),
        Param("operators", "int", None, low=1, high=10_000, doc="wall staff over all shifts; default: the city's"),
        Param("crews", "int", 1, low=1, high=1000, doc="repair crews"),
        Param("rotation", "str", "round_robin", choices=ROTATIONS, doc="wall policy"),
        Param("tile_dwell_s", "float", 30.0, low=0, low_open=True, unit="s", doc="time a rotating tile shows a camera"),
        Param("faults", "bool", True, doc="cameras fail and wait for a crew"),
        Param("districts", "bool", True, doc="power and network outages take a zone's cameras down"),
        Param("detection", "str", "feed", choices=DETECTIONS, doc="how a failure is noticed"),
        Param("daylight", "str", "sun", choices=DAYLIGHT, doc="sun (real sunrise and sunset), day or night"),
    ),
    metrics=(
        Metric("cameras", "", "cameras in the set"),
        Metric("seen_share", "", "time-weighted share of public space seen at `level`"),
        Metric("watched_share", "", "the same, on a wall tile an operator watches"),
        Metric("seen_share_weighted", "", "seen share weighted by zone priority"),
        Metric("watched_share_weighted", "", "watched share weighted by zone priority"),
        Metric("camera_availability", "", "mean share of the time a camera was up"),
        Metric("repairs", "", "camera repairs in the run"),
        Metric("district_outages", "", "district power or network outages in the run"),
        Metric("takeovers", "", "PTZ takeovers by operators"),
    ),
    main_metric="watched_share",
    prepare=_prepare,
    run=_run,
    needs_city=True,
    check=added_cameras_check,
)

ADAPTERS = (COVERAGE_TIME,)
