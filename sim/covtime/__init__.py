"""Camera coverage through time: faults and repair crews, PTZ patrols, night and the wall (SimPy).

The model; its outputs (maps, plots, CSV) are in :mod:`sim.covtime.report`, which the model never imports.
"""

from __future__ import annotations

from ._config import DAYLIGHT, DETECTIONS, NIGHT_PROFILES, ROTATIONS, CoverageTimeConfig, NightProfile, load_settings
from ._study import (
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
    "DAYLIGHT",
    "DETECTIONS",
    "NIGHT_PROFILES",
    "NightProfile",
    "POLICIES",
    "ROTATIONS",
    "RunResult",
    "compare_policies",
    "load_settings",
    "parse_policies",
    "prepare",
    "run_coverage_time",
    "simulate",
    "with_changes",
]
