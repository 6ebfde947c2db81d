"""The ``coverage`` and ``plan`` sweep models (:mod:`twin.coverage`, :mod:`twin.placement`).

``coverage``: what the cameras see after adding the planner's first ``added_cameras`` new ones; the
height raster and the plan are computed once per sweep and shared by every task.
``plan``: the planner itself against its options (cameras added, level, headings, spacing), on a
height raster built once. Both are deterministic: one replication per cell.
"""

from __future__ import annotations

__all__ = ["ADAPTERS"]

from typing import Any

from sim.sweep._adapters.city import PLAN_PARAMS, added_cameras_check, cameras_with_added, plan_order
from sim.sweep._models import Metric, ModelAdapter, Param


def _coverage_prepare(twin: Any, params: dict[str, Any]) -> dict[str, Any]:
    from twin.raster import build_raster

    return plan_order(twin, params, build_raster(twin, resolution_m=params["resolution_m"])) | {"twin": twin}


def _coverage_run(shared: dict[str, Any], params: dict[str, Any], seed: int) -> dict[str, float]:
    from twin.coverage import compute_coverage

    cams = cameras_with_added(shared, params)
    cov = compute_coverage(shared["twin"], cams, raster=shared["raster"], target_height_m=params["target_height_m"])
    lv = cov.level_names[cov.level_index(params["level"]) - 1]  # TwinError if the profile has no such level
    s = cov.summary(blind_spots=0)
    first = next(iter(s["public_share"]))
    return {
        "cameras": float(len(cams)),
        "public_share": s["public_share"][lv],
        "public_share_weighted": s["public_share_priority_weighted"][lv],
        "public_share_seen": s["public_share"][first],
        "street_seen_m": s["street_seen_m"][lv],
        "area_m2": s["area_m2"][lv],
        "overlap_public_share": s["overlap_public_share"],
    }


COVERAGE = ModelAdapter(
    name="coverage",
    doc="camera coverage (occlusion, pixel density) after adding the planner's first added_cameras cameras",
    params=PLAN_PARAMS
    + (
        Param("level", "str", "Observe", doc="DORI level the metrics are reported at"),
        Param("target_height_m", "float", 1.6, low=0, high=10, unit="m", doc="target height above the ground"),
    ),
    metrics=(
        Metric("cameras", "", "cameras counted (existing + planned + added)"),
        Metric("public_share", "", "share of public space seen at `level` or better"),
        Metric("public_share_weighted", "", "the same, weighted by zone priority"),
        Metric("public_share_seen", "", "share of public space seen at the lowest level"),
        Metric("street_seen_m", "m", "length of street seen at `level`"),
        Metric("area_m2", "m2", "area seen at `level` (all ground)"),
        Metric("overlap_public_share", "", "share of public space seen by two or more cameras"),
    ),
    main_metric="public_share_weighted",
    prepare=_coverage_prepare,
    run=_coverage_run,
    needs_city=True,
    stochastic=False,
    check=added_cameras_check,
)


def _plan_prepare(twin: Any, params: dict[str, Any]) -> dict[str, Any]:
    from twin.raster import build_raster

    return {"twin": twin, "raster": build_raster(twin, resolution_m=params["resolution_m"])}


def _plan_run(shared: dict[str, Any], params: dict[str, Any], seed: int) -> dict[str, float]:
    from twin.placement import plan_cameras

    plan = plan_cameras(
        shared["twin"],
        params["add"],
        level=params["level"],
        headings=params["headings"],
        min_spacing_m=params["min_spacing_m"],
        backup_weight=params["backup_weight"],
        exact=params["exact"],
        time_limit_s=params["time_limit_s"],
        raster=shared["raster"],
    )
    gap = plan.gap
    return {
        "value_m2": plan.value,
        "gain_m2": float(sum(plan.gains)),
        "last_gain_m2": float(plan.gains[-1]) if plan.gains else 0.0,
        "gap": float("nan") if gap is None else gap,
        "poses": float(plan.instance["poses"]),
    }


PLAN = ModelAdapter(
    name="plan",
    doc="the camera planner (CELF greedy, optional HiGHS MILP gap) against its options",
    params=(
        Param("add", "int", low=1, high=5000, doc="cameras to add (K)"),
        Param("level", "str", "Observe", doc="DORI level maximised"),
        Param("headings", "int", 8, low=1, high=72, doc="headings tried per site"),
        Param("min_spacing_m", "float", 0.0, low=0, high=1000, unit="m", doc="least distance between new sites"),
        Param("backup_weight", "float", 0.0, low=0, high=10, doc="worth of a second camera over priority cells"),
        Param("exact", "bool", False, doc="also solve the MILP to measure the greedy gap"),
        Param("time_limit_s", "float", 60.0, low=0, low_open=True, unit="s", doc="HiGHS time limit"),
        Param("resolution_m", "float", 1.0, low=0.25, high=20, stage="prepare", unit="m", doc="raster cell size"),
    ),
    metrics=(
        Metric("value_m2", "m2", "priority-weighted public area seen at `level` after the plan"),
        Metric("gain_m2", "m2", "what the added cameras add"),
        Metric("last_gain_m2", "m2", "what the last camera added (diminishing returns)"),
        Metric("gap", "", "greedy gap to the MILP optimum (with exact: true)"),
        Metric("poses", "", "candidate poses considered"),
    ),
    main_metric="value_m2",
    prepare=_plan_prepare,
    run=_plan_run,
    needs_city=True,
    stochastic=False,
)

ADAPTERS = (COVERAGE, PLAN)
