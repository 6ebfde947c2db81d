"""Validation: every model of the twin against an independent reference, as one table.

``showroom validate --out DIR`` runs :func:`run_validation` and :func:`write_validation`. Each row holds
the model's figure, the reference's figure, the agreement and the tolerance that decides pass or
fail; a reference that cannot run here (GDAL's Python bindings missing, no detector evaluation) is
``unavailable``, which is reported but is not a failure unless asked (``require_all``).

This package sits beside the composition root: it imports ``twin`` and ``sim`` and runs GDAL in a
subprocess; nothing of ours imports it.
"""

from __future__ import annotations

__all__ = ["GROUPS", "Check", "ValidationResult", "run_validation", "write_validation"]

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._check import Check, timed
from ._report import write_validation

if TYPE_CHECKING:
    from twin import Twin

#: Check groups in table order: name -> what it compares.
GROUPS: dict[str, str] = {
    "coverage-gdal": "coverage line of sight (poses_levels) vs GDAL's viewshed",
    "coverage-brute": "coverage levels (poses_levels) vs a brute force of the definition",
    "planner-brute": "planner MILP and greedy vs brute force over every K-subset",
    "planner-bound": "greedy vs the MILP's dual bound",
    "capacity-erlang": "capacity's analytics queue vs Erlang C and Erlang B",
    "capacity-latency": "live-view latency vs a frame-level simulation of the server queue",
    "fire-travel": "fire-truck travel vs hand-routed times and an independent router",
    "fire-growth": "t-squared growth vs NFPA's constants",
    "hypercube": "hypercube workloads vs Larson & Odoni's worked examples (loss and queue)",
    "covtime-repair": "coverage over time: camera repair queue vs the machine-repair closed form",
    "detector": "smoke/fire detector vs labelled real clips (from showroom feeds evaluate)",
}


@dataclass
class ValidationResult:
    """The rows of the table and how long they took."""

    checks: list[Check]
    quick: bool
    seed: int
    run_time_s: float
    groups: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Check]:
        """Rows outside their tolerance."""
        return [c for c in self.checks if c.status == "fail"]

    @property
    def unavailable(self) -> list[Check]:
        """Rows whose reference could not run here."""
        return [c for c in self.checks if c.status == "unavailable"]

    def passed(self, *, require_all: bool = False) -> bool:
        """No row failed (and, with ``require_all``, none was unavailable)."""
        return not self.failed and not (require_all and self.unavailable)


def run_validation(
    city: Twin,
    *,
    quick: bool = False,
    seed: int = 0,
    only: list[str] | None = None,
    gdal_python: str | None = None,
    detector_summary: Path | None = None,
    progress: Callable[[str, list[Check]], None] | None = None,
) -> ValidationResult:
    """Run the checks (all, or the groups in ``only``) and collect their rows.

    Args:
        city: the city whose road network the independent router is run on (the default city).
        quick: smaller instances and shorter simulations (the test suite's mode; looser statistical tolerances).
        seed: seed of every random instance and simulation.
        only: group names of :data:`GROUPS` to run.
        gdal_python: interpreter with GDAL's Python bindings (default: this one, else Debian's python3).
        detector_summary: ``summary.json`` of ``showroom feeds evaluate``.
        progress: called with each group's name and rows as it finishes.
    """
    from ._coverage import coverage_vs_brute_force, coverage_vs_gdal
    from ._detector import detector_vs_labels
    from ._fire import travel_vs_hand_routes, travel_vs_networkx, tsquared_vs_nfpa
    from ._latency import latency_vs_queue_simulation
    from ._planner import greedy_vs_milp_bound, planner_vs_brute_force
    from ._queues import capacity_vs_erlang, covtime_vs_machine_repair, hypercube_vs_larson_odoni

    def fire_travel(**kw: Any) -> list[Check]:
        return travel_vs_hand_routes(**kw) + travel_vs_networkx(city=city, **kw)

    runners: dict[str, Callable[..., list[Check]]] = {
        "coverage-gdal": lambda **kw: coverage_vs_gdal(gdal_python=gdal_python, **kw),
        "coverage-brute": coverage_vs_brute_force,
        "planner-brute": planner_vs_brute_force,
        "planner-bound": greedy_vs_milp_bound,
        "capacity-erlang": capacity_vs_erlang,
        "capacity-latency": latency_vs_queue_simulation,
        "fire-travel": fire_travel,
        "fire-growth": tsquared_vs_nfpa,
        "hypercube": hypercube_vs_larson_odoni,
        "covtime-repair": covtime_vs_machine_repair,
        "detector": lambda **_: detector_vs_labels(summary=detector_summary),
    }
    names = list(GROUPS) if not only else only
    t0 = time.perf_counter()
    rows: list[Check] = []
    for name in names:
        got = timed(runners[name], quick=quick, seed=seed)
        for r in got:
            r.details.setdefault("group", name)
        rows += got
        if progress is not None:
            progress(name, got)
    return ValidationResult(rows, quick, seed, time.perf_counter() - t0, names)
