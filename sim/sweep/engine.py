"""Scenario sweeps: parameter grids x replications of a model, on Dask, resumable.

A sweep file (YAML, read with ``safe_load``) names a model of :mod:`sim.sweep.models`, the values
of its parameters (lists, ranges; the grid is their product), the replications and a base seed::

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
The model's precomputed data (:func:`ModelAdapter.prepare`) is computed once and sent to every
worker once. Finished tasks are appended to ``tasks.jsonl`` as they arrive (flushed at once,
fsynced at least every half second), so a crash or Ctrl-C loses only the tasks in flight and
``resume=True`` runs only the rest.

Outputs in ``out``: ``results.csv`` (one row per cell x replication), ``summary.csv`` and
``summary.json`` (per cell: mean, standard deviation and confidence interval of every metric),
``plot_<param>.png`` (the main metric against each swept parameter), ``sweep.json`` (the
normalised sweep), ``tasks.jsonl`` (the log) and ``failures.jsonl`` when a task raised.
"""

from __future__ import annotations

__all__ = ["SweepError", "SweepSpec", "Task", "load_sweep", "parse_sweep", "run_sweep", "task_seed"]

import hashlib
import importlib
import itertools
import json
import logging
import math
import os
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from sim.sweep import report
from sim.sweep.models import ModelAdapter, Param, SweepError, model_adapter
from sim.sweep.store import FORMAT, TaskStore, _write_atomic
from twin import TwinError

if TYPE_CHECKING:
    from twin import Twin

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


# ---------------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------------
def _execute(run: Callable[..., Mapping[str, Any]], shared: Any, params: dict[str, Any], seed: int):
    """One task, on whichever worker: the model's metrics, its wall time and where it ran."""
    t0 = time.perf_counter()
    metrics = run(shared, params, seed)
    return dict(metrics), time.perf_counter() - t0, f"{socket.gethostname()}:{os.getpid()}"


def _execute_batch(run: Callable[..., Mapping[str, Any]], shared: Any, items: list[tuple[dict[str, Any], int]]):
    """Several tasks in one Dask job; a model error fails its own task only (reported, not raised)."""
    out: list[tuple[Any, ...]] = []
    for params, seed in items:
        try:
            out.append(("ok", *_execute(run, shared, params, seed)))
        except Exception as e:
            out.append(("error", f"{type(e).__name__}: {e}", "".join(traceback.format_exception(e))))
    return out


class _TaskError(Exception):
    """A model's exception, carried back from a worker as text."""


def _clean_metrics(adapter: ModelAdapter, metrics: Mapping[str, Any], task: Task) -> dict[str, Any]:
    want = adapter.metric_names
    if set(metrics) != set(want):
        raise SweepError(
            f"model {adapter.name} returned metrics {sorted(metrics)} for task {task.id}, but declares {want}"
        )
    out: dict[str, Any] = {}
    for m in adapter.metrics:
        v = metrics[m.name]
        if isinstance(v, bool | np.bool_):
            out[m.name] = bool(v)
        elif isinstance(v, int | float | np.integer | np.floating):
            out[m.name] = float(v)
        else:
            raise SweepError(f"model {adapter.name} returned {m.name}={v!r} for task {task.id}: metrics are numbers")
    return out


def _city_fingerprint(path: str | os.PathLike[str] | None) -> str | None:
    """A hash of a city's files, so a resumed sweep refuses a city that changed under it."""
    if path is None:
        return None
    p = Path(path)
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p] if p.exists() else []
    h = hashlib.sha256()
    for f in files:
        h.update(str(f.relative_to(p) if p.is_dir() else f.name).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def run_sweep(
    spec: SweepSpec,
    out: str | os.PathLike[str],
    *,
    twin: Twin | None = None,
    city_path: str | os.PathLike[str] | None = None,
    serial: bool = False,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    resume: bool = False,
    max_tasks: int | None = None,
    batch: int = 1,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Run (or finish) a sweep into ``out`` and write its tables and plots.

    Args:
        spec: from :func:`load_sweep` or :func:`parse_sweep`.
        out: the output folder; it must not hold another sweep.
        twin: the city, for models that need one (else loaded from ``city_path`` or ``spec.city``).
        city_path: where ``twin`` came from (its files are hashed so ``resume`` notices a change).
        serial: run every task in this process, without Dask (the reference the Dask run must match).
        client: an existing ``distributed.Client`` to use (it is left open).
        scheduler: a scheduler address such as ``tcp://host:8786``; the default is a fresh
            ``LocalCluster`` of ``workers`` single-threaded processes.
        workers: the local cluster's worker processes (default: one per CPU).
        resume: continue the sweep already in ``out``, skipping its stored tasks.
        max_tasks: stop after storing this many new tasks (the rest is left for ``resume``).
        batch: tasks per Dask job. Dask spends a few milliseconds on each job: for tasks that
            take milliseconds themselves, batching them pays; results are then stored a batch
            at a time.
        progress: force the progress bar on or off; by default it shows on a terminal only.

    Returns:
        The document written to ``summary.json``.
    """
    t_start = time.perf_counter()
    adapter = spec.model
    if max_tasks is not None and max_tasks < 0:
        raise SweepError(f"max_tasks must be >= 0, got {max_tasks}")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise SweepError(f"--batch must be an integer >= 1, got {batch!r}")
    if workers is not None and workers < 1:
        raise SweepError(f"--workers must be >= 1, got {workers}")
    if scheduler is not None and workers is not None:
        raise SweepError("--workers sizes the local cluster; a --scheduler cluster has its own workers")
    if adapter.needs_city and twin is None:
        city_path = city_path or spec.city
        if city_path is None:
            raise SweepError(f"{spec.source}: city: model {adapter.name} needs a city: give `city:` or --city")
        import twin as twin_pkg

        twin = twin_pkg.load(city_path)
    canon = spec.canonical() | {"city_sha256": _city_fingerprint(city_path) if adapter.needs_city else None}
    manifest = {
        "format": FORMAT,
        "spec_hash": hashlib.sha256(_canonical(canon).encode()).hexdigest(),
        "spec": canon,
        "source": spec.source,
        "model": adapter.name,
        "axes": list(spec.axes),
        "metrics": adapter.metric_names,
        "seeding": "SeedSequence(seed, spawn_key=(sha256(cell values)[:8], replication)), 63-bit",
    }
    store = TaskStore.open(out, manifest, resume=resume)
    out = store.out
    resumed_from = len(store.done)
    tasks = spec.tasks()
    todo = [t for t in tasks if t.id not in store.done]
    failures: list[dict[str, Any]] = []
    timing: dict[str, Any] = {"prepare_s": 0.0, "scatter_s": 0.0, "tasks_run": 0, "task_s_sum": 0.0}
    executor: dict[str, Any] = {"kind": "serial", "address": None, "slots": 1}
    from tqdm import tqdm

    # disable=None: a bar on a terminal, silence when piped (the house convention)
    bar = tqdm(
        total=len(tasks),
        initial=len(tasks) - len(todo),
        desc=f"sweep {adapter.name}",
        unit="task",
        disable=None if progress is None else not progress,
    )

    def store_result(t: Task, res: tuple[dict[str, Any], float, str]) -> None:
        metrics, wall, who = res
        row = {
            "task": t.id,
            "cell": t.cell,
            "rep": t.rep,
            "seed": t.seed,
            "params": t.swept,
            "metrics": _clean_metrics(adapter, metrics, t),
            "wall_s": round(wall, 6),
            "worker": who,
        }
        if store.append(row):
            timing["tasks_run"] += 1
            timing["task_s_sum"] += wall
            bar.update()

    def store_failure(t: Task, exc: BaseException, tb: str) -> None:
        rec = {"task": t.id, "cell": t.cell, "rep": t.rep, "seed": t.seed, "params": t.swept}
        msg = str(exc) if isinstance(exc, _TaskError) else f"{type(exc).__name__}: {exc}"
        rec |= {"error": msg, "traceback": tb}
        failures.append(rec)
        store.fail(rec)

    t_run = time.perf_counter()
    try:
        todo = todo[:max_tasks]  # None: all of them
        if todo:
            groups = sorted({t.group for t in todo})
            first = {t.group: t for t in reversed(tasks)}
            shared: dict[int, Any] = {}
            t0 = time.perf_counter()
            for g in groups:
                shared[g] = adapter.prepare(twin, spec.prepare_params(first[g].swept)) if adapter.prepare else None
            timing["prepare_s"] = time.perf_counter() - t0
            if serial:
                t0 = time.perf_counter()
                for t in todo:
                    try:
                        res = _execute(adapter.run, shared[t.group], t.params, t.seed)
                    except Exception as e:  # a model error fails its task, not the sweep
                        store_failure(t, e, traceback.format_exc())
                        continue
                    store_result(t, res)
                timing["run_wall_s"] = time.perf_counter() - t0
            else:
                _run_dask(
                    adapter,
                    todo,
                    shared,
                    store_result,
                    store_failure,
                    timing,
                    executor,
                    client=client,
                    scheduler=scheduler,
                    workers=workers,
                    batch=batch,
                )
    finally:
        bar.close()
        store.close()
    timing.setdefault("run_wall_s", time.perf_counter() - t_run)
    return _finish(spec, store, tasks, failures, timing, executor, resumed_from, t_start, out)


def _run_dask(
    adapter, todo, shared, store_result, store_failure, timing, executor, *, client, scheduler, workers, batch
) -> None:
    """Submit every task to Dask (``batch`` per job) and store each result the moment it arrives."""
    from distributed import Client, LocalCluster, as_completed
    from distributed.client import FutureCancelledError

    try:
        from distributed.scheduler import KilledWorker
    except ImportError:  # pragma: no cover - older distributed
        from distributed import KilledWorker

    cluster = own_client = None
    t0 = time.perf_counter()
    try:
        if client is None:
            if scheduler:
                try:
                    own_client = Client(scheduler, timeout="20s")
                except (OSError, TimeoutError) as e:
                    raise SweepError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({e})") from None
            else:
                cluster = LocalCluster(
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,  # the models are pure Python: processes, not threads, give parallelism
                    processes=True,
                    dashboard_address=":0",  # never collide with another cluster's 8787
                    silence_logs=logging.ERROR,
                )
                own_client = Client(cluster)
            client = own_client
        executor.update(
            kind="scheduler" if scheduler else ("local" if cluster else "client"),
            address=client.scheduler.address,
            slots=sum(client.nthreads().values()),
        )
        # import the model on every worker now, not inside the first tasks' timing
        client.run(importlib.import_module, adapter.run.__module__)
        timing["cluster_start_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # the precomputed data goes to every worker once; tasks receive a reference to it
        # (wrapped in a list: scatter would split a dict into one key per item, shared between groups)
        shared_f = {g: client.scatter([v], broadcast=True, hash=False)[0] for g, v in shared.items()}
        timing["scatter_s"] = time.perf_counter() - t0
        pending: dict[str, tuple[list[Task], int, Any]] = {}
        ac = as_completed()

        def submit(job: list[Task], attempt: int) -> None:
            f = client.submit(
                _execute_batch,
                adapter.run,
                shared_f[job[0].group],
                [(t.params, t.seed) for t in job],
                key=f"sweep-{job[0].id}-x{len(job)}-{os.urandom(4).hex()}",
            )
            pending[f.key] = (job, attempt, f)
            ac.add(f)

        def jobs():
            # consecutive tasks of one prepare group, at most `batch` a job
            job: list[Task] = []
            for t in todo:
                if job and (len(job) == batch or t.group != job[0].group):
                    yield job
                    job = []
                job.append(t)
            if job:
                yield job

        t_loop = time.perf_counter()
        # a bounded window of jobs in flight: the scheduler stays light, memory stays flat and
        # a Ctrl-C has little to cancel, however large the grid
        queue = jobs()
        for job in itertools.islice(queue, max(4 * executor["slots"], 64)):
            submit(job, 0)
        try:
            for f in ac:
                job, attempt, _ = pending.pop(f.key)
                try:
                    res = f.result()
                except (FutureCancelledError, OSError) as e:
                    # the result or its input was lost with a worker: run it again
                    if attempt >= 3:
                        for t in job:
                            store_failure(t, e, "")
                    else:
                        g = job[0].group
                        if shared_f[g].status != "finished":
                            shared_f[g] = client.scatter([shared[g]], broadcast=True, hash=False)[0]
                        submit(job, attempt + 1)
                except KilledWorker as e:
                    for t in job:
                        store_failure(t, e, "the job killed its worker on every attempt the scheduler allows")
                except Exception as e:
                    for t in job:
                        store_failure(t, e, "".join(traceback.format_exception(e)))
                else:
                    for t, r in zip(job, res, strict=True):
                        if r[0] == "ok":
                            store_result(t, r[1:])
                        else:
                            store_failure(t, _TaskError(r[1]), r[2])
                finally:
                    f.release()
                nxt = next(queue, None)
                if nxt is not None:
                    submit(nxt, 0)
        finally:
            timing["run_wall_s"] = time.perf_counter() - t_loop
            if pending:
                client.cancel([f for _, _, f in pending.values()])
    finally:
        if own_client is not None:
            own_client.close()
        if cluster is not None:
            cluster.close()


def _finish(spec, store, tasks, failures, timing, executor, resumed_from, t_start, out) -> dict[str, Any]:
    adapter = spec.model
    order = {t.id: i for i, t in enumerate(tasks)}
    rows = sorted((r for r in store.done.values() if r["task"] in order), key=lambda r: order[r["task"]])
    axes = list(spec.axes)
    metric_names = adapter.metric_names
    report.write_results_csv(out / "results.csv", rows, axes, metric_names)
    paired = spec.common_random_numbers and spec.replications > 1
    cells = report.summarise(rows, spec.cells(), axes, adapter.metrics, confidence=spec.confidence, paired=paired)
    report.write_summary_csv(out / "summary.csv", cells, axes, metric_names)
    main = next(m for m in adapter.metrics if m.name == spec.main_metric)
    plots = report.plot_main_metric(
        out,
        model=adapter.name,
        axes=spec.axes,
        summary=cells,
        rows=rows,
        metric=main,
        confidence=spec.confidence,
        paired=paired,
    )
    n_run = timing["tasks_run"]
    wall = timing["run_wall_s"]
    doc = {
        "model": adapter.name,
        "name": spec.name,
        "sweep": spec.source,
        "complete": len(rows) == len(tasks),
        "tasks": {
            "total": len(tasks),
            "done": len(rows),
            "left": len(tasks) - len(rows),
            "failed": len(failures),
            "run_now": n_run,
            "stored_before": resumed_from,
            "log_repaired_bytes": store.repaired_bytes,
        },
        "cells": len(cells),
        "replications": spec.replications,
        "seed": spec.seed,
        "common_random_numbers": spec.common_random_numbers,
        "confidence": spec.confidence,
        "axes": spec.axes,
        "fixed": spec.fixed,
        "main_metric": spec.main_metric,
        "metrics": {m.name: {"unit": m.unit, "kind": m.kind, "doc": m.doc} for m in adapter.metrics},
        "executor": executor,
        "timing": {
            "wall_s": round(time.perf_counter() - t_start, 3),
            "prepare_s": round(timing["prepare_s"], 3),
            "cluster_start_s": round(timing.get("cluster_start_s", 0.0), 3),
            "scatter_s": round(timing["scatter_s"], 3),
            "run_wall_s": round(wall, 3),
            "task_s_mean": round(timing["task_s_sum"] / n_run, 6) if n_run else None,
            # slot-seconds spent beyond the models' own time, per task: scheduling, transfer, storage
            "overhead_per_task_s": round(max(0.0, wall * executor["slots"] - timing["task_s_sum"]) / n_run, 6)
            if n_run
            else None,
        },
        "failures": [{"task": f["task"], "params": f["params"], "error": f["error"]} for f in failures[:20]],
        "summary": cells,
        "files": ["results.csv", "summary.csv", "summary.json", "tasks.jsonl", "sweep.json"]
        + [p.name for p in plots]
        + (["failures.jsonl"] if failures else []),
    }
    _write_atomic(out / "summary.json", json.dumps(doc, indent=2, ensure_ascii=False, default=_json_default) + "\n")
    return doc


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON: {type(o).__name__}")
