"""A sweep file: the grid of parameter values, the replications and each task's seed.

A sweep file (YAML, read with ``safe_load``) names a registered model (:mod:`sim.sweep._registry`),
the values of its parameters (lists, ranges; the grid is their product), the replications and a
base seed::

    model: mmc
    replications: 20
    seed: 7
    params:
      servers: [2, 3, 4]
      arrival_rate_per_s: {start: 0.5, stop: 1.5, step: 0.5}
    fixed:
      customers: 5000

Each cell x replication is one task with its own seed, derived with ``numpy.random.SeedSequence``
from the base seed and a key made of the cell's parameter values and the replication number, so a
number never depends on which worker ran it, in which order, or on the other cells of the grid.
"""

from __future__ import annotations

__all__ = ["MAX_TASKS", "MAX_VALUES_PER_PARAM", "SweepSpec", "Task", "load_sweep", "parse_sweep", "task_seed"]

import hashlib
import itertools
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from sim.sweep._models import ModelAdapter, Param, SweepError
from sim.sweep._registry import model_adapter
from twin import TwinError

if TYPE_CHECKING:
    pass


MAX_VALUES_PER_PARAM = 100_000
MAX_TASKS = 10_000_000
_TOP_KEYS = (
    "model",
    "params",
    "fixed",
    "replications",
    "seed",
    "city",
    "metric",
    "confidence",
    "common_random_numbers",
    "name",
    "description",
)
_RANGE_KEYS = ("start", "stop", "step", "num", "log")


# ---------------------------------------------------------------------------------------------
# the sweep file
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One replication of one grid cell."""

    id: str
    cell: int
    rep: int
    seed: int
    group: int
    params: dict[str, Any]
    swept: dict[str, Any]


@dataclass
class SweepSpec:
    """A checked sweep: the model, the swept values (``axes``), the fixed values and the seeds."""

    source: str
    model: ModelAdapter
    axes: dict[str, list[Any]]
    fixed: dict[str, Any]
    replications: int
    seed: int = 0
    confidence: float = 0.95
    common_random_numbers: bool = False
    city: str | None = None
    main_metric: str = ""
    name: str = ""
    description: str = ""
    _cells: list[dict[str, Any]] | None = field(default=None, repr=False)

    def cells(self) -> list[dict[str, Any]]:
        """The grid: the product of the swept values in file order (the last parameter varies fastest)."""
        if self._cells is None:
            names = list(self.axes)
            self._cells = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*self.axes.values())]
        return self._cells

    @property
    def n_tasks(self) -> int:
        """Cells x replications."""
        return math.prod(len(v) for v in self.axes.values()) * self.replications

    def prepare_params(self, cell: Mapping[str, Any]) -> dict[str, Any]:
        """What ``prepare`` sees for ``cell``: the fixed values and the cell's prepare-stage values."""
        return self.fixed | {k: v for k, v in cell.items() if self.model.param(k).stage == "prepare"}  # type: ignore[union-attr]

    def tasks(self) -> list[Task]:
        """Every task in grid order, each with its derived seed and prepare group."""
        groups: dict[str, int] = {}
        out = []
        for i, cell in enumerate(self.cells()):
            gkey = _canonical(self.prepare_params(cell))
            g = groups.setdefault(gkey, len(groups))
            for r in range(self.replications):
                seed = task_seed(self.seed, cell, r, common_random_numbers=self.common_random_numbers)
                out.append(Task(f"c{i}-r{r}", i, r, seed, g, self.fixed | cell, dict(cell)))
        return out

    def canonical(self) -> dict[str, Any]:
        """What identifies the sweep's numbers (reporting options left out): compared on resume."""
        return {
            "model": self.model.name,
            "axes": self.axes,
            "fixed": self.fixed,
            "replications": self.replications,
            "seed": self.seed,
            "common_random_numbers": self.common_random_numbers,
        }


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def task_seed(base_seed: int, cell: Mapping[str, Any], rep: int, *, common_random_numbers: bool = False) -> int:
    """The seed of one task: ``SeedSequence(base_seed, spawn_key=(cell key, rep))`` as a 63-bit int.

    The cell key is a hash of the cell's swept values, not its position, so adding a value to a
    grid leaves the other cells' numbers unchanged. With common random numbers every cell's
    replication ``rep`` gets the same seed, which sharpens comparisons between cells.
    """
    key = 0 if common_random_numbers else int.from_bytes(hashlib.sha256(_canonical(dict(cell)).encode()).digest()[:8])
    ss = np.random.SeedSequence(base_seed, spawn_key=(key, rep))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def load_sweep(path: str | os.PathLike[str]) -> SweepSpec:
    """Read and check a sweep file; raises :class:`SweepError` naming the file and key."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise SweepError(f"{p}: cannot read the sweep file ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise SweepError(f"{p}: not a UTF-8 text file") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as e:
        where = f"line {e.problem_mark.line + 1}: " if e.problem_mark else ""
        raise SweepError(
            f"{p}: {where}{e.problem} - sweep files are plain data: tags that build Python objects are refused"
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise SweepError(f"{p}: {where}not valid YAML ({getattr(e, 'problem', None) or e})") from None
    return parse_sweep(doc, source=str(p), base_dir=p.parent)


def parse_sweep(doc: Any, *, source: str = "<sweep>", base_dir: str | os.PathLike[str] | None = None) -> SweepSpec:
    """Check a sweep document (the parsed YAML) against the schema and the model's parameters."""

    def err(key: str, msg: str) -> SweepError:
        return SweepError(f"{source}: {key}: {msg}")

    if not isinstance(doc, dict):
        raise SweepError(f"{source}: a sweep file is a mapping with at least `model` and `replications`")
    unknown = [k for k in doc if k not in _TOP_KEYS]
    if unknown:
        raise err(str(unknown[0]), f"unknown key; a sweep file has {list(_TOP_KEYS)}")
    if "model" not in doc:
        raise err("model", "missing: name the model to run")
    if not isinstance(doc["model"], str):
        raise err("model", f"must be a model name, got {doc['model']!r}")
    try:
        adapter = model_adapter(doc["model"])
    except TwinError as e:
        raise err("model", str(e)) from None

    if "replications" not in doc:
        raise err("replications", "missing: how many replications per cell (1 for a deterministic model)")
    reps = doc["replications"]
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise err("replications", f"must be an integer >= 1, got {reps!r}")
    if not adapter.stochastic and reps != 1:
        raise err("replications", f"model {adapter.name} is deterministic: replications must be 1, got {reps}")
    seed = doc.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise err("seed", f"must be an integer >= 0, got {seed!r}")
    conf = doc.get("confidence", 0.95)
    if isinstance(conf, bool) or not isinstance(conf, int | float) or not 0 < conf < 1:
        raise err("confidence", f"must be a number in (0, 1), such as 0.95; got {conf!r}")
    crn = doc.get("common_random_numbers", False)
    if not isinstance(crn, bool):
        raise err("common_random_numbers", f"must be true or false, got {crn!r}")
    metric = doc.get("metric", adapter.main_metric)
    if metric not in adapter.metric_names:
        raise err("metric", f"model {adapter.name} reports {adapter.metric_names}, not {metric!r}")
    for k in ("name", "description"):
        if not isinstance(doc.get(k, ""), str):
            raise err(k, "must be a string")
    city = doc.get("city")
    if city is not None:
        if not isinstance(city, str) or not city:
            raise err("city", f"must be a path to a city folder or GeoPackage, got {city!r}")
        cp = Path(city)
        city = str(cp if cp.is_absolute() or base_dir is None else Path(base_dir) / cp)

    params = doc.get("params") or {}
    fixed_in = doc.get("fixed") or {}
    for key, block in (("params", params), ("fixed", fixed_in)):
        if not isinstance(block, dict):
            raise err(key, f"must be a mapping of parameter name to value(s), got {type(block).__name__}")
        for name in block:
            if adapter.param(str(name)) is None:
                known = ", ".join(p.name for p in adapter.params)
                raise err(f"{key}.{name}", f"model {adapter.name} has no parameter {name!r}; it has: {known}")
    both = sorted(set(params) & set(fixed_in))
    if both:
        raise err(f"fixed.{both[0]}", "is also under params: give a parameter in one place")

    axes: dict[str, list[Any]] = {}
    for name, spec in params.items():
        axes[name] = _expand(adapter.param(name), spec, f"params.{name}", err)  # type: ignore[arg-type]
    fixed: dict[str, Any] = {}
    for p in adapter.params:
        if p.name in axes:
            continue
        if p.name in fixed_in:
            try:
                fixed[p.name] = p.check(_coerce(p, fixed_in[p.name]))
            except TwinError as e:
                raise err(f"fixed.{p.name}", str(e)) from None
        elif p.required:
            raise err(
                f"params.{p.name}",
                f"required by model {adapter.name} ({p.doc or p.rule()}): give it under params or fixed",
            )
        else:
            fixed[p.name] = p.default
    n_tasks = math.prod(len(v) for v in axes.values()) * reps
    if adapter.check is not None and n_tasks <= MAX_TASKS:
        for combo in itertools.product(*axes.values()):
            cell = dict(zip(axes, combo, strict=True))
            bad = adapter.check(fixed | cell)
            if bad:
                key, msg = bad
                where = f"params.{key}" if key in axes else f"fixed.{key}"
                at = ", ".join(f"{k}={v}" for k, v in cell.items())
                raise err(where, f"{msg}" + (f" (in the cell {at})" if at else ""))
    if n_tasks > MAX_TASKS:
        raise err("params", f"the grid has {n_tasks:,} tasks; more than {MAX_TASKS:,} is surely a mistake")
    return SweepSpec(
        source=source,
        model=adapter,
        axes=axes,
        fixed=fixed,
        replications=reps,
        seed=seed,
        confidence=float(conf),
        common_random_numbers=crn,
        city=city,
        main_metric=metric,
        name=doc.get("name", ""),
        description=doc.get("description", ""),
    )


def _coerce(p: Param, v: Any) -> Any:
    """YAML 1.1 reads ``1e-3`` as a string; accept numbers written that way for numeric parameters."""
    if p.kind in ("int", "float") and isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return v
        return int(f) if p.kind == "int" and f.is_integer() else f
    return v


def _expand(p: Param, spec: Any, key: str, err: Callable[[str, str], SweepError]) -> list[Any]:
    """The values of one swept parameter: a scalar, a list, or a range mapping."""
    if isinstance(spec, dict):
        bad = [k for k in spec if k not in _RANGE_KEYS]
        if bad:
            raise err(f"{key}.{bad[0]}", "unknown range key; a range has start, stop and step or num (and log)")
        if p.kind not in ("int", "float"):
            raise err(key, f"a range needs a numeric parameter; {p.name} is {p.rule()}: give a list")
        for k in ("start", "stop"):
            if k not in spec:
                raise err(key, f"a range needs `{k}`")
        if ("step" in spec) == ("num" in spec):
            raise err(key, "a range needs exactly one of `step` (spacing) or `num` (number of points)")
        vals = {}
        for k in ("start", "stop", "step"):
            if k in spec:
                v = _coerce(p, spec[k])
                if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                    raise err(f"{key}.{k}", f"must be a number, got {spec[k]!r}")
                vals[k] = v
        start, stop = vals["start"], vals["stop"]
        log = spec.get("log", False)
        if not isinstance(log, bool):
            raise err(f"{key}.log", f"must be true or false, got {log!r}")
        if "step" in vals:
            step = vals["step"]
            if log:
                raise err(f"{key}.log", "a log range is given by `num`, not `step`")
            if step == 0:
                raise err(f"{key}.step", "must not be 0")
            if p.kind == "int" and not all(float(vals[k]).is_integer() for k in vals):
                raise err(key, f"{p.name} is an integer: start, stop and step must be integers")
            n = math.floor((stop - start) / step + 1e-9) + 1
            if n <= 0:
                raise err(key, f"empty range: from {start} to {stop} in steps of {step} gives no value")
            if n > MAX_VALUES_PER_PARAM:
                raise err(key, f"the range gives {n:,} values; at most {MAX_VALUES_PER_PARAM:,}")
            if p.kind == "int":
                values: list[Any] = [int(start) + i * int(step) for i in range(n)]
            else:
                values = [float(f"{start + i * step:.12g}") for i in range(n)]
        else:
            num = spec["num"]
            if isinstance(num, bool) or not isinstance(num, int) or num < 1:
                raise err(f"{key}.num", f"must be an integer >= 1, got {num!r}")
            if num > MAX_VALUES_PER_PARAM:
                raise err(f"{key}.num", f"at most {MAX_VALUES_PER_PARAM:,} values")
            if log and (start <= 0 or stop <= 0):
                raise err(key, "a log range needs start and stop > 0")
            pts = np.geomspace(start, stop, num) if log else np.linspace(start, stop, num)
            if p.kind == "int":
                values = [int(round(float(v))) for v in pts]
                if len(set(values)) < len(values):
                    raise err(key, f"{num} points from {start} to {stop} repeat integers: use fewer points or a step")
            else:
                values = [float(f"{float(v):.12g}") for v in pts]
    elif isinstance(spec, list):
        if not spec:
            raise err(key, "empty list: give at least one value")
        values = list(spec)
    else:
        values = [spec]
    out = []
    for i, v in enumerate(values):
        try:
            out.append(p.check(_coerce(p, v)))
        except TwinError as e:
            where = key if len(values) == 1 and not isinstance(spec, list | dict) else f"{key}[{i}]"
            raise err(where, str(e)) from None
    if len(set(map(repr, out))) < len(out):
        raise err(key, "repeats a value: each value once (use replications for repeats)")
    return out
