"""The sweep models by name: the built-in adapters, imported here where the import linter sees them.

A sweep file names its model; :func:`model_adapter` finds it. The built-in adapters are registered
when this module is imported (each adapter module imports its model only inside ``prepare`` and
``run``, so registering stays cheap); :func:`register_model` adds your own.
"""

from __future__ import annotations

__all__ = ["MODELS", "model_adapter", "register_model", "warm_up"]

from collections.abc import Callable
from typing import Any

from sim.sweep._adapters import capacity, coverage, covtime, fire, mmc
from sim.sweep._models import ModelAdapter
from twin import TwinError

#: Every model a sweep file may name, by name.
MODELS: dict[str, ModelAdapter] = {}


def register_model(adapter: ModelAdapter, *, replace: bool = False) -> ModelAdapter:
    """Make ``adapter`` available to sweep files under ``adapter.name``."""
    if adapter.name in MODELS and not replace:
        raise ValueError(f"a sweep model called {adapter.name!r} is already registered")
    MODELS[adapter.name] = adapter
    return adapter


def model_adapter(name: str) -> ModelAdapter:
    """The adapter registered as ``name``; raises ``TwinError`` listing the known ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise TwinError(f"unknown model {name!r}: use one of {sorted(MODELS)}") from None


def warm_up(run: Callable[..., Any]) -> None:
    """Nothing to do: a Dask worker that received ``run`` (pickled by reference) has imported its module."""
    del run


for _module in (mmc, coverage, capacity, fire, covtime):
    for _adapter in _module.ADAPTERS:
        register_model(_adapter)
