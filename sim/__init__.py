"""SimPy models of the command center and their analytic oracles.

Shared pieces, one definition each, used by every model: :mod:`sim.operators` (staff in shifts,
tiles per operator), :mod:`sim.faults` (failure-repair processes), :mod:`sim.queueing` (Erlang
B/C, M/M/c), :mod:`sim.streams` (camera bitrates and the scene-activity rate process).
Models: :mod:`sim.capacity` (server load and capacity planning of the video system).
"""

from .capacity import CapacityConfig, CapacityPlan, Fault, ServiceLevels, plan_capacity, run_capacity, simulate
from .faults import FAULT_RATES, FaultRate, Outages, availability, camera_fault_rate, failure_repair, outage_intervals
from .operators import OperatorDesk, Roster
from .queueing import erlang_b, erlang_c, mmc_mean_wait_s, mmc_servers_for_wait, mmc_wait_quantile_s
from .streams import PROFILES, StreamProfile, load_profile

__all__ = [
    "CapacityConfig",
    "CapacityPlan",
    "Fault",
    "ServiceLevels",
    "plan_capacity",
    "run_capacity",
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
]
