"""SimPy models of the command center and their analytic oracles.

Shared pieces, one definition each, used by every model: :mod:`sim.operators` (staff in shifts,
tiles per operator), :mod:`sim.faults` (failure-repair processes), :mod:`sim.queueing` (Erlang
B/C, M/M/c), :mod:`sim.streams` (camera bitrates and the scene-activity rate process).
Models: :mod:`sim.capacity` (server load and capacity planning of the video system),
:mod:`sim.covtime` (camera coverage through faults, PTZ patrols, night and the wall).
"""

from .capacity import CapacityConfig, CapacityPlan, Fault, ServiceLevels, plan_capacity, simulate
from .covtime import CoverageTimeConfig, compare_policies, run_coverage_time
from .drill import DrillError, live_drill, read_scenario, replay_drill, run_drill
from .faults import FAULT_RATES, FaultRate, Outages, availability, camera_fault_rate, failure_repair, outage_intervals
from .fire import FireParams, FireStudy, fleet_hypercube, run_fire
from .firegrowth import GROWTH_ALPHA_KW_S2, Room, heat_release_kw, time_to_kw
from .hypercube import HypercubeResult, hypercube
from .operators import OperatorDesk, Roster
from .queueing import (
    MachineRepair,
    erlang_b,
    erlang_c,
    machine_repair,
    mmc_mean_wait_s,
    mmc_servers_for_wait,
    mmc_wait_quantile_s,
)
from .snapshot import FireState, LifeState, RackState, SceneSnapshot, TruckState
from .standards import STANDARDS, StandardProfile, compliance, standard
from .streams import PROFILES, StreamProfile, load_profile
from .sweep import ModelAdapter, SweepError, SweepSpec, load_sweep, parse_sweep, register_model, run_sweep
from .travel import TravelModel, TravelParams

__all__ = [
    "FireState",
    "LifeState",
    "RackState",
    "SceneSnapshot",
    "TruckState",
    "CapacityConfig",
    "CapacityPlan",
    "Fault",
    "ServiceLevels",
    "plan_capacity",
    "simulate",
    "FAULT_RATES",
    "FaultRate",
    "Outages",
    "availability",
    "camera_fault_rate",
    "failure_repair",
    "outage_intervals",
    "OperatorDesk",
    "Roster",
    "erlang_b",
    "erlang_c",
    "mmc_mean_wait_s",
    "mmc_servers_for_wait",
    "mmc_wait_quantile_s",
    "PROFILES",
    "StreamProfile",
    "load_profile",
    "DrillError",
    "live_drill",
    "read_scenario",
    "replay_drill",
    "run_drill",
    "FireParams",
    "FireStudy",
    "fleet_hypercube",
    "run_fire",
    "GROWTH_ALPHA_KW_S2",
    "Room",
    "heat_release_kw",
    "time_to_kw",
    "HypercubeResult",
    "hypercube",
    "STANDARDS",
    "StandardProfile",
    "compliance",
    "standard",
    "TravelModel",
    "TravelParams",
    "SweepError",
    "SweepSpec",
    "load_sweep",
    "parse_sweep",
    "run_sweep",
    "ModelAdapter",
    "register_model",
    "CoverageTimeConfig",
    "compare_policies",
    "run_coverage_time",
    "MachineRepair",
    "machine_repair",
]
