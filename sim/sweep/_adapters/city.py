"""What the city sweep models share: the planner's order of new cameras, computed once per sweep.

"Coverage, fire response and servers against the number of added cameras" all need the same
question answered first: which cameras are added? The answer is the planner's
(:func:`twin.placement.plan_cameras`): its lazy greedy picks cameras one at a time, each choice
depending only on the earlier ones, so the first ``k`` of a plan for ``max_added`` cameras *are*
the plan for ``k`` cameras. The sweep plans once for the largest ``k`` (in ``prepare``) and every
task takes a prefix.
"""

from __future__ import annotations

__all__ = ["PLAN_PARAMS", "added_cameras_check", "cameras_with_added", "plan_order"]

from typing import TYPE_CHECKING, Any

from sim.sweep._models import Param

if TYPE_CHECKING:
    from twin import Camera, Twin
    from twin.raster import HeightRaster

#: Parameters that choose the added cameras; every city model takes them (prepare stage).
PLAN_PARAMS = (
    Param("added_cameras", "int", 0, low=0, high=5000, doc="new cameras added, in the planner's order"),
    Param("max_added", "int", 101, low=0, high=5000, stage="prepare", doc="cameras planned once (>= added_cameras)"),
    Param("plan_level", "str", "Observe", stage="prepare", doc="DORI level the planner maximises"),
    Param("plan_headings", "int", 8, low=1, high=72, stage="prepare", doc="headings tried per candidate site"),
    Param(
        "plan_spacing_m",
        "float",
        0.0,
        low=0,
        high=1000,
        stage="prepare",
        unit="m",
        doc="least distance between new sites",
    ),
    Param("resolution_m", "float", 1.0, low=0.25, high=20, stage="prepare", unit="m", doc="height raster cell size"),
)


def _level_names() -> list[str]:
    from twin.profiles import DORI_PROFILES

    return [n for prof in DORI_PROFILES.values() for n in prof.names]


def added_cameras_check(params: dict[str, Any]) -> tuple[str, str] | None:
    """``added_cameras`` must not exceed ``max_added`` (the plan computed once); levels must exist."""
    if params["added_cameras"] > params["max_added"]:
        return (
            "added_cameras",
            f"{params['added_cameras']} is more than max_added = {params['max_added']}: raise max_added",
        )
    names = _level_names()
    for key in ("plan_level", "level"):
        if key in params and params[key].lower() not in [n.lower() for n in names]:
            return key, f"unknown DORI level {params[key]!r}: use one of {names}"
    return None


def plan_order(twin: Twin, params: dict[str, Any], raster: HeightRaster | None = None) -> dict[str, Any]:
    """The base cameras (existing and planned) and up to ``max_added`` new ones in the planner's order.

    Returns:
        ``base`` and ``order`` (lists of cameras) and ``raster`` (the height raster, None when
        nothing was planned and none was given).
    """
    from twin import select_cameras
    from twin.placement import plan_cameras
    from twin.raster import build_raster

    base: list[Camera] = select_cameras(twin, "all")
    order: list[Camera] = []
    if params["max_added"] > 0:
        if raster is None:
            raster = build_raster(twin, resolution_m=params["resolution_m"])
        plan = plan_cameras(
            twin,
            params["max_added"],
            level=params["plan_level"],
            headings=params["plan_headings"],
            min_spacing_m=params["plan_spacing_m"],
            raster=raster,
        )
        order = plan.cameras
    return {"base": base, "order": order, "raster": raster}


def cameras_with_added(plan: dict[str, Any], params: dict[str, Any]) -> list[Camera]:
    """The base cameras and the first ``added_cameras`` of the plan's order (see :func:`plan_order`)."""
    return plan["base"] + plan["order"][: params["added_cameras"]]
