"""The ``capacity`` sweep model: the video system's server room (:mod:`sim.capacity._sizing`) per task.

A task records the city's cameras plus the planner's first ``added_cameras`` new ones (planned
once per sweep, :mod:`sim.sweep._adapters.city`) for ``days`` simulated days. With ``servers: 0`` it finds
the smallest room that meets every service level (``plan_capacity(servers="auto")``), so a sweep
over ``added_cameras`` answers "servers needed against cameras"; with ``servers: N`` it checks a
room of N recording servers. Each task is one replication of its own (``inner_replications``
inside the search, 1 by default): the sweep's replications give the interval.
"""

from __future__ import annotations

__all__ = ["ADAPTERS"]

import dataclasses
from typing import Any

from sim.sweep._adapters.city import PLAN_PARAMS, added_cameras_check, cameras_with_added, plan_order
from sim.sweep._models import Metric, ModelAdapter, Param


def _check(params: dict[str, Any]) -> tuple[str, str] | None:
    from pathlib import Path

    from sim.streams import PROFILES

    if params["profile"] not in PROFILES and not Path(params["profile"]).is_file():
        return "profile", f"unknown stream profile {params['profile']!r}: use one of {sorted(PROFILES)} or a file"
    return added_cameras_check(params)


def _prepare(twin: Any, params: dict[str, Any]) -> dict[str, Any]:
    shared = plan_order(twin, params)
    shared.pop("raster")  # capacity needs the cameras, not the raster: keep the shared data small
    return shared | {"room": twin.command_center.server_room, "operators": twin.command_center.operators}


def _run(shared: dict[str, Any], params: dict[str, Any], seed: int) -> dict[str, float | bool]:
    from sim.capacity import CapacityConfig, plan_capacity
    from sim.operators import Roster
    from sim.streams import load_profile

    cams = cameras_with_added(shared, params)
    room = shared["room"]
    if params["retention_days"] is not None:
        room = dataclasses.replace(room, retention_days=float(params["retention_days"]))
    cfg = CapacityConfig(days=params["days"], faults=params["faults"], profile=load_profile(params["profile"]))
    roster = Roster.from_twin(shared["operators"], first_shift_h=cfg.first_shift_h)
    servers: int | str = params["servers"] or "auto"
    plan = plan_capacity(
        cams, room, servers=servers, roster=roster, config=cfg, seed=seed, replications=params["inner_replications"]
    )
    ev = plan.evaluation
    lv = ev.levels
    return {
        "cameras": float(len(cams)),
        "servers": float(ev.room.servers),
        "passed": bool(ev.passed),
        "loss_beyond_failover_s": float(lv["loss_beyond_failover_s"]["figure"]),
        "p95_live_latency_ms": float(lv["p95_live_latency_ms"]["figure"]),
        "retention_days": float(lv["retention_days"]["figure"]),
        "intake_utilisation": float(lv["intake_utilisation"]["figure"]),
        "disks_per_server": float(plan.storage["disks_per_server"]),
        "usable_tb_total": float(plan.storage["usable_tb_total"]),
        "raw_tb_total": float(plan.storage["raw_tb_total"]),
    }


CAPACITY = ModelAdapter(
    name="capacity",
    doc="server load and capacity (SimPy): servers needed, or a given room checked, for the cameras",
    params=PLAN_PARAMS
    + (
        Param("servers", "int", 0, low=0, high=1000, doc="recording servers; 0 finds the smallest that passes"),
        Param("days", "float", 7.0, low=0, low_open=True, high=366, unit="days", doc="simulated days per task"),
        Param("faults", "str", "both", choices=("both", "design", "random", "none"), doc="fault scenario"),
        Param("profile", "str", "planning", doc="stream profile name (sim.streams) or file"),
        Param("retention_days", "float", None, low=0, low_open=True, unit="days", doc="default: the city's"),
        Param("inner_replications", "int", 1, low=1, high=100, doc="replications inside each task's search"),
    ),
    metrics=(
        Metric("cameras", "", "cameras recorded"),
        Metric("servers", "", "recording servers (needed, with servers: 0)"),
        Metric("passed", "", "every service level met", kind="proportion"),
        Metric("loss_beyond_failover_s", "s", "worst camera's recording loss beyond failover"),
        Metric("p95_live_latency_ms", "ms", "95th percentile live-view latency"),
        Metric("retention_days", "days", "days of footage the storage holds"),
        Metric("intake_utilisation", "", "peak intake over rated intake, worst server"),
        Metric("disks_per_server", "", "disks per recording server"),
        Metric("usable_tb_total", "TB", "usable storage, all servers"),
        Metric("raw_tb_total", "TB", "raw storage, all servers"),
    ),
    main_metric="servers",
    prepare=_prepare,
    run=_run,
    needs_city=True,
    check=_check,
)

ADAPTERS = (CAPACITY,)
