"""Running a sweep: every task of a :class:`~sim.sweep.SweepSpec` on Dask (or serially), stored as it finishes.

The model's precomputed data (:func:`ModelAdapter.prepare`) is computed once and sent to every
worker once. Finished tasks are appended to ``tasks.jsonl`` as they arrive (flushed at once,
fsynced at least every half second), so a crash or Ctrl-C loses only the tasks in flight and
``resume=True`` runs only the rest.

Outputs in ``out``: ``results.csv`` (one row per cell x replication), ``summary.csv`` and
``summary.json`` (per cell: mean, standard deviation and confidence interval of every metric),
``sweep.json`` (the normalised sweep), ``tasks.jsonl`` (the log) and ``failures.jsonl`` when a task
raised; with ``plots`` (e.g. :func:`sim.sweep.report.plot_main_metric`) ``plot_<param>.png``.
"""

from __future__ import annotations

__all__ = ["run_sweep"]

import hashlib
import itertools
import json
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.sweep import _tables
from sim.sweep._models import ModelAdapter, SweepError
from sim.sweep._registry import warm_up
from sim.sweep._spec import SweepSpec, Task, _canonical
from sim.sweep._store import FORMAT, TaskStore, _write_atomic

if TYPE_CHECKING:
    from twin import Twin


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
    plots: Callable[..., list[Path]] | None = None,
) -> dict[str, Any]:
    """Run (or finish) a sweep into ``out`` and write its tables (and its plots, given ``plots``).

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
        plots: draws the pictures from the finished table, e.g. :func:`sim.sweep.report.plot_main_metric`
            (called with ``out`` and the keywords ``model, axes, summary, rows, metric, confidence,
            paired``; returns the files written, listed in ``summary.json``). None: no pictures.

    Returns:
        The document written to ``summary.json``.
    """
    t_start = time.perf_counter()
    adapter = spec.model
    if max_tasks is not None and max_tasks < 0:
        raise SweepError(f"max_tasks must be >= 0, got {max_tasks}")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise SweepError(f"batch must be an integer >= 1, got {batch!r}")
    if workers is not None and workers < 1:
        raise SweepError(f"workers must be >= 1, got {workers}")
    if scheduler is not None and workers is not None:
        raise SweepError("workers sizes the local cluster; a scheduler's cluster has its own workers")
    if adapter.needs_city and twin is None:
        city_path = city_path or spec.city
        if city_path is None:
            raise SweepError(f"{spec.source}: city: model {adapter.name} needs a city: give `city:` or a twin")
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
    return _finish(spec, store, tasks, failures, timing, executor, resumed_from, t_start, out, plots)


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
                    raise SweepError(f"cannot reach the Dask scheduler at {scheduler} ({e})") from None
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
        client.run(warm_up, adapter.run)
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


def _finish(spec, store, tasks, failures, timing, executor, resumed_from, t_start, out, plots) -> dict[str, Any]:
    adapter = spec.model
    order = {t.id: i for i, t in enumerate(tasks)}
    rows = sorted((r for r in store.done.values() if r["task"] in order), key=lambda r: order[r["task"]])
    axes = list(spec.axes)
    metric_names = adapter.metric_names
    _tables.write_results_csv(out / "results.csv", rows, axes, metric_names)
    paired = spec.common_random_numbers and spec.replications > 1
    cells = _tables.summarise(rows, spec.cells(), axes, adapter.metrics, confidence=spec.confidence, paired=paired)
    _tables.write_summary_csv(out / "summary.csv", cells, axes, metric_names)
    main = next(m for m in adapter.metrics if m.name == spec.main_metric)
    pictures = plots(
        out,
        model=adapter.name,
        axes=spec.axes,
        summary=cells,
        rows=rows,
        metric=main,
        confidence=spec.confidence,
        paired=paired,
    ) if plots is not None else []
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
        + [p.name for p in pictures]
        + (["failures.jsonl"] if failures else []),
    }
    _write_atomic(out / "summary.json", json.dumps(doc, indent=2, ensure_ascii=False, default=_json_default) + "\n")
    return doc


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON: {type(o).__name__}")
