"""Planning by hand: a session that places, moves, aims and deletes cameras and shows the consequences.

The engine behind the showroom's planning mode: coverage kept up to date in the edited camera's
reach (:class:`twin.CoverageState`), the optimiser's best site nearby, lock and fill, recording
servers and fire minutes saved worked out in the background, and a ``plan.geojson`` every command
reads. See the README's "Planning by hand".
"""

from __future__ import annotations

from ._consequences import Consequences, FireFigure
from ._planio import read_marks, snap_xy, write_plan
from ._session import EditRecord, Panel, PlanSession, Suggestion

__all__ = [
    "Consequences",
    "EditRecord",
    "FireFigure",
    "Panel",
    "PlanSession",
    "Suggestion",
    "read_marks",
    "snap_xy",
    "write_plan",
]
