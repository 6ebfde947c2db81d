"""``showroom sweep``: a parameter grid x replications of a model on Dask (resumable)."""

from __future__ import annotations

import argparse
import sys

from showroom_cli.common import DEFAULT_CITY, city_arg, load_city


def _cmd_sweep(args: argparse.Namespace) -> int:
    from sim.sweep import load_sweep, run_sweep
    from sim.sweep.report import plot_main_metric
    from twin import TwinError

    if args.batch < 1:
        raise TwinError(f"--batch must be an integer >= 1, got {args.batch}")
    if args.workers is not None and args.workers < 1:
        raise TwinError(f"--workers must be >= 1, got {args.workers}")
    if args.scheduler and args.workers is not None:
        raise TwinError("--workers sizes the local cluster; a --scheduler cluster has its own workers")
    spec = load_sweep(args.sweep)
    twin = city_path = None
    if spec.model.needs_city:
        city_path = args.city or spec.city or str(DEFAULT_CITY)
        twin = load_city(args.city or spec.city)
    doc = run_sweep(
        spec,
        args.out,
        twin=twin,
        city_path=city_path,
        serial=args.serial,
        scheduler=args.scheduler,
        workers=args.workers,
        resume=args.resume,
        max_tasks=args.max_tasks,
        batch=args.batch,
        plots=plot_main_metric,
    )
    t, tm = doc["tasks"], doc["timing"]
    ex = doc["executor"]
    where = "in this process" if ex["kind"] == "serial" else f"on {ex['slots']} Dask workers ({ex['address']})"
    print(
        f"{doc['model']}: {t['run_now']} tasks run {where} in {tm['run_wall_s']} s; "
        f"{t['done']}/{t['total']} done, {t['failed']} failed; wrote {args.out}"
    )
    if t["failed"]:
        print(
            f"error: {t['failed']} tasks failed, first: {doc['failures'][0]['error']} (see failures.jsonl; "
            "--resume retries them)",
            file=sys.stderr,
        )
        return 1
    if t["left"]:
        print(f"{t['left']} tasks left: rerun with --resume to finish", file=sys.stderr)
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Add the command's subparser to ``sub``."""
    p = sub.add_parser("sweep", help="run a parameter grid x replications of a model on Dask (resumable)")
    p.add_argument("sweep", metavar="SWEEP.yaml", help="the sweep file (see docs/sweeps.md)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786", help="a running Dask scheduler (default: a local cluster)")
    p.add_argument("--workers", type=int, metavar="N", help="local cluster worker processes (default: one per CPU)")
    p.add_argument("--serial", action="store_true", help="no Dask: run every task in this process, one by one")
    p.add_argument("--resume", action="store_true", help="continue the sweep in --out, skipping its finished tasks")
    p.add_argument("--max-tasks", type=int, metavar="N", help="stop after N new tasks (finish later with --resume)")
    p.add_argument("--batch", type=int, default=1, metavar="N", help="tasks per Dask job, for very short tasks")
    city_arg(p)
    p.set_defaults(func=_cmd_sweep)
