"""Sweeps: parameter grids x replications of a model, on Dask, resumable."""

from __future__ import annotations

from .engine import MAX_TASKS, MAX_VALUES_PER_PARAM, SweepSpec, Task, load_sweep, parse_sweep, run_sweep, task_seed
from .models import ModelAdapter, SweepError, register_model

__all__ = [
    "MAX_TASKS",
    "MAX_VALUES_PER_PARAM",
    "ModelAdapter",
    "SweepError",
    "SweepSpec",
    "Task",
    "load_sweep",
    "parse_sweep",
    "register_model",
    "run_sweep",
    "task_seed",
]
