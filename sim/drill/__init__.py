"""Fire-response drills (TRAINING): scripted injects, decisions, score and replay.

The model; the after-action report, replay log and event CSV are written by
:func:`sim.drill.report.write_outputs`, which the model never imports.
"""

from __future__ import annotations

from ._schema import DrillError, Scenario, read_scenario
from ._session import (
    AUTO,
    MAX_COMBINATIONS,
    Decision,
    DrillResult,
    live_drill,
    read_decisions,
    replay_drill,
    run_drill,
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
]
