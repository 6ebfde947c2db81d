"""The models a sweep can run: each is a small adapter that declares its parameters and metrics.

An adapter turns one of the twin's models into something the sweep engine (:mod:`sim.sweep._engine`) can
grid, replicate and distribute:

- ``params``: every parameter a sweep file may set, with its type and allowed range, so a sweep
  file is checked before anything runs. A parameter with ``stage="prepare"`` shapes the
  precomputed data (a raster resolution, a station layout); the engine prepares once per distinct
  value of those.
- ``prepare(twin, params) -> shared``: the expensive part every task reuses (travel-time matrices,
  coverage rasters, a greedy placement order). It runs once in the client process and the result is
  sent to each worker once (``client.scatter(..., broadcast=True)``), never once per task.
- ``run(shared, params, seed) -> dict``: one replication of one grid cell; returns the declared
  metrics as numbers (a ``bool`` metric is a pass/fail and is summarised as a proportion).
- ``check(params) -> (key, message) | None`` (optional): a rule across parameters, applied to every
  cell when the sweep file is read, so a bad combination fails before anything runs.

``run`` and ``prepare`` must be importable module-level functions (Dask pickles them by reference),
pure given their arguments, and deterministic given ``seed``.
"""

from __future__ import annotations

__all__ = ["Metric", "ModelAdapter", "Param", "SweepError"]

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from twin import TwinError

if TYPE_CHECKING:
    from twin import Twin

_KINDS = ("int", "float", "str", "bool")


class SweepError(TwinError):
    """A sweep file or a sweep run is wrong; the message names the file and the key."""


_NO_DEFAULT: Any = object()


def _num(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


@dataclass(frozen=True)
class Param:
    """One parameter of a model: its type, default and allowed values.

    Attributes:
        name: the key in a sweep file.
        kind: ``"int"``, ``"float"``, ``"str"`` or ``"bool"``.
        default: the value when a sweep file leaves it out (None: the model's own default, such as
            the city's); leave unset for a required parameter.
        low: the smallest allowed value (numbers), inclusive unless ``low_open``.
        high: the largest allowed value (numbers), inclusive.
        low_open: ``low`` itself is not allowed (a rate must be > 0, not >= 0).
        choices: the allowed values (strings).
        unit: shown in tables and plot labels.
        doc: one line for ``docs/sweeps.md`` and error messages.
        stage: ``"run"`` (varies per task) or ``"prepare"`` (shapes the shared precomputed data).
    """

    name: str
    kind: str
    default: Any = _NO_DEFAULT
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[Any, ...] | None = None
    unit: str = ""
    doc: str = ""
    stage: str = "run"

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"Param {self.name}: kind must be one of {_KINDS}, got {self.kind!r}")
        if self.stage not in ("run", "prepare"):
            raise ValueError(f"Param {self.name}: stage must be 'run' or 'prepare', got {self.stage!r}")

    @property
    def required(self) -> bool:
        """True when a sweep file must give this parameter."""
        return self.default is _NO_DEFAULT

    def rule(self) -> str:
        """The allowed values in words, for error messages and the docs."""
        if self.choices is not None:
            return f"one of {list(self.choices)}"
        what = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false"}[self.kind]
        lo, hi = _num(self.low), _num(self.high)
        if self.low is not None and self.high is not None:
            return f"{what} in {'(' if self.low_open else '['}{lo}, {hi}]"
        if self.low is not None:
            return f"{what} {'>' if self.low_open else '>='} {lo}"
        if self.high is not None:
            return f"{what} <= {hi}"
        return what

    def check(self, value: Any) -> Any:
        """Return ``value`` coerced to this parameter's type, or raise ``TwinError`` saying why not."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise TwinError(f"must be true or false, got {value!r}")
            return value
        if self.kind == "str":
            if not isinstance(value, str):
                raise TwinError(f"must be a string, got {value!r}")
            if self.choices is not None and value not in self.choices:
                raise TwinError(f"must be {self.rule()}, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TwinError(f"must be {self.rule()}, got {value!r}")
        if self.kind == "int":
            if isinstance(value, float):
                if not value.is_integer():
                    raise TwinError(f"must be {self.rule()}, got {value!r}")
                value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise TwinError(f"must be a finite number, got {value!r}")
        too_low = self.low is not None and (value <= self.low if self.low_open else value < self.low)
        too_high = self.high is not None and value > self.high
        if too_low or too_high or (self.choices is not None and value not in self.choices):
            raise TwinError(f"must be {self.rule()}, got {value!r}")
        return value


@dataclass(frozen=True)
class Metric:
    """One number a model reports per task.

    Attributes:
        name: the column in ``results.csv``.
        unit: shown in tables and plot labels.
        doc: one line for the docs.
        kind: ``"mean"`` (summarised by mean and Student-t interval) or ``"proportion"`` (a 0/1
            outcome, summarised by its share and a Wilson interval).
    """

    name: str
    unit: str = ""
    doc: str = ""
    kind: str = "mean"


@dataclass(frozen=True)
class ModelAdapter:
    """A model the sweep engine can run (see the module docstring for the contract)."""

    name: str
    doc: str
    params: tuple[Param, ...]
    metrics: tuple[Metric, ...]
    main_metric: str
    run: Callable[[Any, dict[str, Any], int], Mapping[str, float | int | bool]]
    prepare: Callable[[Twin | None, dict[str, Any]], Any] | None = None
    needs_city: bool = False
    stochastic: bool = True
    check: Callable[[dict[str, Any]], tuple[str, str] | None] | None = None
    _by_name: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {p.name: p for p in self.params})
        names = [m.name for m in self.metrics]
        if self.main_metric not in names:
            raise ValueError(f"model {self.name}: main_metric {self.main_metric!r} is not among {names}")

    def param(self, name: str) -> Param | None:
        """The parameter called ``name``, or None."""
        return self._by_name.get(name)

    @property
    def metric_names(self) -> list[str]:
        """Metric names in declaration order (the columns of ``results.csv``)."""
        return [m.name for m in self.metrics]
