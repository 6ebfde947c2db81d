"""Sweep engine: a 40-task sweep on a 2-worker LocalCluster against the same sweep run serially.

Prints, all measured in this run:
- serial wall time of the 40 tasks (in this process, no Dask) and the Dask wall time (cluster
  start-up reported apart: a cluster is started once per sweep, not per task), and their ratio
  (the issue's target: >= 1.7x on 2 workers);
- the engine's overhead per task: slot-seconds spent beyond the models' own time, per task
  (scheduling, transfer, the fsynced log), on the same sweep, and on 200 near-empty tasks, where
  the overhead is all there is;
- a plain ``ProcessPoolExecutor`` of the same number of processes running the same tasks (no Dask,
  no storage): the speed-up this machine gives two processes right now, the ceiling for Dask;
- whether the Dask table equals the serial one byte for byte.

The machine is shared: the load average is printed so the figures can be read against it.

    .venv/bin/python bench/bench_sweep.py [--tasks 40] [--workers 2] [--customers 12000]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concurrent.futures import ProcessPoolExecutor  # noqa: E402

from distributed import Client, LocalCluster  # noqa: E402

from sim.sweep import parse_sweep, run_sweep  # noqa: E402
from sim.sweep._adapters.mmc import _run as mmc_run  # noqa: E402


def _plain(args):
    params, seed = args
    return mmc_run(None, params, seed)


def pool_time(ex: ProcessPoolExecutor, spec) -> float:
    """The same tasks on a plain, already warm process pool: no Dask, no storage."""
    jobs = [(t.params, t.seed) for t in spec.tasks()]
    t0 = time.perf_counter()
    list(ex.map(_plain, jobs, chunksize=1))
    return time.perf_counter() - t0


def sweep(tasks: int, customers: int):
    reps = tasks // 4
    return parse_sweep(
        {
            "model": "mmc",
            "replications": reps,
            "seed": 1,
            "params": {"servers": [2, 3], "arrival_rate_per_s": [1.0, 1.5]},
            "fixed": {"customers": customers, "warmup": 200},
        },
        source="bench",
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--customers", type=int, default=12_000, help="M/M/c arrivals per task (sets the task length)")
    ap.add_argument("--repeat", type=int, default=5, help="timed rounds; the best of each is reported")
    a = ap.parse_args()
    spec = sweep(a.tasks, a.customers)
    tiny = sweep(200, 2)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (1 min)")
    print(f"sweep: mmc, {spec.n_tasks} tasks ({len(spec.cells())} cells x {spec.replications} replications)")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        t0 = time.perf_counter()
        cluster = LocalCluster(
            n_workers=a.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        start_s = time.perf_counter() - t0
        pool = ProcessPoolExecutor(a.workers)
        list(pool.map(_plain, [(t.params, t.seed) for t in spec.tasks()[: a.workers]]))  # warm: imports
        try:
            # the three interleaved, round after round: a busy machine's load then falls on each alike
            serial_s, serial_task, dask_s, over, pool_s = [], [], [], [], []
            for i in range(a.repeat):
                doc = run_sweep(spec, d / f"serial{i}", serial=True, progress=False)
                serial_s.append(doc["timing"]["run_wall_s"])
                serial_task.append(doc["timing"]["task_s_mean"])
                doc = run_sweep(spec, d / f"dask{i}", client=client, progress=False)
                dask_s.append(doc["timing"]["run_wall_s"])
                over.append(doc["timing"]["overhead_per_task_s"])
                pool_s.append(pool_time(pool, spec))
            same = (d / "dask0" / "results.csv").read_bytes() == (d / "serial0" / "results.csv").read_bytes()
            tiny_s, tiny_over, batch_s, batch_over = [], [], [], []
            for i in range(a.repeat):
                doc = run_sweep(tiny, d / f"tiny{i}", client=client, progress=False)
                tiny_s.append(doc["timing"]["run_wall_s"])
                tiny_over.append(doc["timing"]["overhead_per_task_s"])
                doc = run_sweep(tiny, d / f"tinyb{i}", client=client, batch=10, progress=False)
                batch_s.append(doc["timing"]["run_wall_s"])
                batch_over.append(doc["timing"]["overhead_per_task_s"])
            doc = run_sweep(tiny, d / "tiny-serial", serial=True, progress=False)
            tiny_serial_over = doc["timing"]["overhead_per_task_s"]
        finally:
            pool.shutdown()
            client.close()
            cluster.close()
        # a whole CLI-style run: cluster start, scatter, tasks, close
        t0 = time.perf_counter()
        whole = run_sweep(spec, d / "whole", workers=a.workers, progress=False)
        whole_s = time.perf_counter() - t0
    s, k, p = min(serial_s), min(dask_s), min(pool_s)
    runs = f"best of {a.repeat}"
    print(f"task length (serial)           {min(serial_task) * 1e3:8.1f} ms")
    print(f"serial, {spec.n_tasks} tasks              {s:8.3f} s   ({runs}: {', '.join(f'{x:.2f}' for x in serial_s)})")
    print(f"Dask, {a.workers} workers               {k:8.3f} s   ({runs}: {', '.join(f'{x:.2f}' for x in dask_s)})")
    print(f"plain process pool, {a.workers}         {p:8.3f} s   ({runs}: {', '.join(f'{x:.2f}' for x in pool_s)})")
    print(f"speed-up, Dask                 {s / k:8.2f} x   (target >= 1.7 x on 2 workers)")
    rounds = ", ".join(f"{x / y:.2f}" for x, y in zip(serial_s, dask_s, strict=True))
    print(f"  per round (serial / Dask)    {rounds}")
    print(f"speed-up, plain pool (ceiling) {s / p:8.2f} x   (what {a.workers} processes get on this machine now)")
    print(f"Dask / ceiling                 {p / k:8.2f}")
    print(f"overhead per task (this sweep) {min(over) * 1e3:8.1f} ms slot-time")
    print(
        f"overhead per task (200 tiny)   {min(tiny_over) * 1e3:8.1f} ms slot-time on Dask; "
        f"{min(tiny_s) / tiny.n_tasks * 1e3:.1f} ms wall per task; serial engine {tiny_serial_over * 1e3:.2f} ms"
    )
    print(
        f"  the same with --batch 10       {min(batch_over) * 1e3:8.1f} ms slot-time on Dask; "
        f"{min(batch_s) / tiny.n_tasks * 1e3:.1f} ms wall per task"
    )
    print(f"cluster start (once per sweep) {start_s:8.3f} s")
    print(f"whole run incl. start/close    {whole_s:8.3f} s   (speed-up with start-up counted: {s / whole_s:.2f} x)")
    print(f"Dask table == serial table     {same}")
    print(f"load average now               {os.getloadavg()[0]:8.2f}")
    return 0 if same and whole["complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
