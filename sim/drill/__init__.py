"""Fire-response drills (TRAINING): scripted injects, decisions, score and replay."""

from __future__ import annotations

from .schema import DrillError, Scenario, read_scenario
from .session import (
    AUTO,
    MAX_COMBINATIONS,
    Decision,
    DrillResult,
    live_drill,
    read_decisions,
    replay_drill,
    run_drill,
    write_outputs,
)

__all__ = [
    "AUTO",
    "Decision",
    "DrillError",
    "DrillResult",
    "MAX_COMBINATIONS",
    "Scenario",
    "live_drill",
    "read_decisions",
    "read_scenario",
    "replay_drill",
    "run_drill",
    "write_outputs",
]
