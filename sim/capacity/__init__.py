"""Server load and capacity planning of the video system (SimPy).

The model; its outputs (plots, CSV, the ``showroom capacity`` run) are in :mod:`sim.capacity.report`,
which the model never imports.
"""

from __future__ import annotations

from ._analytics import run_mmc
from ._config import RAID, CapacityConfig, Fault, Hardware, ServiceLevels, check_server_room, hardware
from ._model import BEYOND_FAILOVER, CAUSES
from ._sizing import (
    CapacityPlan,
    Evaluation,
    RunResult,
    build_topology,
    evaluate,
    plan_capacity,
    run_time_figures,
    simulate,
)

__all__ = [
    "BEYOND_FAILOVER",
    "CAUSES",
    "CapacityConfig",
    "CapacityPlan",
    "Evaluation",
    "Fault",
    "Hardware",
    "RAID",
    "RunResult",
    "ServiceLevels",
    "build_topology",
    "check_server_room",
    "evaluate",
    "hardware",
    "plan_capacity",
    "run_mmc",
    "run_time_figures",
    "simulate",
]
