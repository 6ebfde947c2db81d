"""Camera coverage through time: faults and repair crews, PTZ patrols, night and the wall (SimPy)."""

from __future__ import annotations

from .config import CoverageTimeConfig, NightProfile, load_settings
from .study import (
    POLICIES,
    CoverageTimeResult,
    RunResult,
    compare_policies,
    parse_policies,
    prepare,
    run_coverage_time,
    simulate,
    with_changes,
)

__all__ = [
    "CoverageTimeConfig",
    "CoverageTimeResult",
    "NightProfile",
    "POLICIES",
    "RunResult",
    "compare_policies",
    "load_settings",
    "parse_policies",
    "prepare",
    "run_coverage_time",
    "simulate",
    "with_changes",
]
