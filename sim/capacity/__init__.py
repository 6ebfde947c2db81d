"""Server load and capacity planning of the video system (SimPy)."""

from __future__ import annotations

from .config import RAID, CapacityConfig, Fault, Hardware, ServiceLevels
from .model import CAUSES
from .sizing import (
    CapacityPlan,
    Evaluation,
    build_topology,
    evaluate,
    plan_capacity,
    run_capacity,
    run_time_figures,
    simulate,
)

__all__ = [
    "CAUSES",
    "CapacityConfig",
    "CapacityPlan",
    "Evaluation",
    "Fault",
    "Hardware",
    "RAID",
    "ServiceLevels",
    "build_topology",
    "evaluate",
    "plan_capacity",
    "run_capacity",
    "run_time_figures",
    "simulate",
]
