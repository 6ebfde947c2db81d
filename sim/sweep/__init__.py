"""Sweeps: parameter grids x replications of a model, on Dask, resumable.

The engine and its tables; the plots are in :mod:`sim.sweep.report` (``run_sweep(..., plots=...)``),
which the engine never imports. Models are found by name in the registry (:func:`register_model`).
"""

from __future__ import annotations

from ._engine import run_sweep
from ._models import Metric, ModelAdapter, Param, SweepError
from ._registry import MODELS, model_adapter, register_model
from ._spec import MAX_TASKS, MAX_VALUES_PER_PARAM, SweepSpec, Task, load_sweep, parse_sweep, task_seed

__all__ = [
    "MAX_TASKS",
    "MAX_VALUES_PER_PARAM",
    "MODELS",
    "Metric",
    "ModelAdapter",
    "Param",
    "SweepError",
    "SweepSpec",
    "Task",
    "load_sweep",
    "model_adapter",
    "parse_sweep",
    "register_model",
    "run_sweep",
    "task_seed",
]
