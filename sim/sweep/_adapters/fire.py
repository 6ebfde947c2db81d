"""The ``fire`` sweep model: fire response with the cameras in the loop (:mod:`sim.fire._study`) per task.

A task simulates ``days`` of fires with the city's cameras plus the planner's first
``added_cameras`` new ones, and (with ``compare``) the same fires without any camera, so it also
reports the minutes the cameras save. The travel-time matrices (station to every road node) and
the plan are computed once per sweep and shared. With ``common_random_numbers: true`` in the
sweep file every cell sees the same fires in replication ``r``: the difference the added cameras
make is then measured on the same incidents.
"""

from __future__ import annotations

__all__ = ["ADAPTERS"]

import dataclasses
import math
from typing import Any

from sim.standards import STANDARDS
from sim.sweep._adapters.city import PLAN_PARAMS, added_cameras_check, cameras_with_added, plan_order
from sim.sweep._models import Metric, ModelAdapter, Param


def _prepare(twin: Any, params: dict[str, Any]) -> dict[str, Any]:
    from sim.fire import FireParams
    from sim.travel import TravelModel

    shared = plan_order(twin, params)
    shared.pop("raster")
    return shared | {"twin": twin, "travel": TravelModel(twin.roads, twin.fire_stations, FireParams().travel)}


def _get(d: dict[str, Any], *keys: str) -> float:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return math.nan
        d = d[k]
    return float(d)


def _run(shared: dict[str, Any], params: dict[str, Any], seed: int) -> dict[str, float | bool]:
    from sim.fire import FireParams, Lognormal, run_fire

    fp = FireParams()
    fp = dataclasses.replace(
        fp,
        analytics_share=params["analytics_share"],
        operator_p_notice=params["operator_p_notice"],
        call_delay=Lognormal(params["call_delay_median_s"], fp.call_delay.sigma),
    )
    cams = cameras_with_added(shared, params)
    study = run_fire(
        shared["twin"],
        cameras=cams,
        days=params["days"],
        seed=seed,
        standard=params["standard"],
        params=fp,
        rate_scale=params["rate_scale"],
        compare=params["compare"],
        travel=shared["travel"],
        sensitivity=False,  # a sweep varies operator_p_notice itself; the low/high runs would double its cost
    )
    s = study.summary
    w = s["with_cameras"]
    util = list(w["truck_utilisation"].values())
    return {
        "cameras": float(len(cams)),
        "incidents": float(w["incidents"]),
        "mean_ignition_to_water_s": _get(w, "times_s", "ignition_to_water", "mean"),
        "mean_detection_s": _get(w, "times_s", "detection", "mean"),
        "p90_total_s": _get(w, "times_s", "total", "p90"),
        "compliance_met": bool(w["compliance"]["met"]),
        "flashover_share": float(w["flashover_share"]),
        "mutual_aid_share": float(w["mutual_aid_share"]),
        "incidents_seen_share": float(s["camera_set"].get("incidents_seen_share", 0.0)),
        "camera_minutes_saved_mean": _get(s, "camera_minutes_saved", "mean"),
        "truck_utilisation_mean": float(sum(util) / len(util)) if util else math.nan,
    }


FIRE = ModelAdapter(
    name="fire",
    doc="fire response (SimPy) with the cameras in the loop, with and without cameras on the same fires",
    params=PLAN_PARAMS
    + (
        Param("days", "float", 365.0, low=0, low_open=True, high=3660, unit="days", doc="simulated days per task"),
        Param("rate_scale", "float", 1.0, low=0, low_open=True, high=1000, doc="multiplies every zone's fire rate"),
        Param("standard", "str", None, choices=tuple(STANDARDS), doc="response standard; default: the city's"),
        Param("compare", "bool", True, doc="also run without cameras to measure the minutes saved"),
        Param("analytics_share", "float", 0.25, low=0, high=1, doc="share of cameras with fire analytics"),
        Param("operator_p_notice", "float", 0.5, low=0, high=1, doc="chance an operator notices a fire on a tile"),
        Param("call_delay_median_s", "float", 180.0, low=0, low_open=True, unit="s", doc="median citizen call delay"),
    ),
    metrics=(
        Metric("cameras", "", "cameras watching"),
        Metric("incidents", "", "fires simulated"),
        Metric("mean_ignition_to_water_s", "s", "mean ignition to water on the fire"),
        Metric("mean_detection_s", "s", "mean ignition to detection"),
        Metric("p90_total_s", "s", "90th percentile of notification to water on the fire"),
        Metric("compliance_met", "", "the standard's every phase met", kind="proportion"),
        Metric("flashover_share", "", "share of fires that flash over before water is on them"),
        Metric("mutual_aid_share", "", "share of fires answered by mutual aid"),
        Metric("incidents_seen_share", "", "share of fires a camera sees"),
        Metric("camera_minutes_saved_mean", "min", "mean minutes the cameras save per fire (compare: true)"),
        Metric("truck_utilisation_mean", "", "mean truck utilisation"),
    ),
    main_metric="mean_ignition_to_water_s",
    prepare=_prepare,
    run=_run,
    needs_city=True,
    check=added_cameras_check,
)

ADAPTERS = (FIRE,)
