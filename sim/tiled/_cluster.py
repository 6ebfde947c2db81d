"""The Dask cluster a tiled run uses: a running scheduler (``--scheduler``) or a LocalCluster here.

The same choice :func:`sim.sweep.run_sweep` makes (processes, one thread each, a dashboard on a free
port, quiet logs); a tiled run also sets a memory limit per worker, which is what bounds a tile.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import sys
from collections.abc import Iterator
from typing import Any

from twin import TwinError


class ClusterError(TwinError):
    """The Dask scheduler cannot be reached, or the cluster options contradict each other."""


@contextlib.contextmanager
def dask_client(
    *, scheduler: str | None = None, workers: int | None = None, memory_limit: str | int | None = None
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """A ``distributed.Client`` and a description of the cluster behind it; closed on exit.

    Args:
        scheduler: a running scheduler's address (``tcp://host:8786``); default a fresh LocalCluster.
        workers: worker processes of the LocalCluster (default: the CPU count).
        memory_limit: memory per LocalCluster worker (``"2GiB"`` or bytes); its nanny restarts a worker past it.

    Raises:
        ClusterError: an unreachable scheduler, or ``workers``/``memory_limit`` given with ``scheduler``.
    """
    from distributed import Client, LocalCluster

    if scheduler and (workers is not None or memory_limit is not None):
        raise ClusterError("--workers and --memory-limit size the local cluster; a --scheduler cluster has its own")
    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise ClusterError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({e})") from None
        else:
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,  # numba kernels and shapely hold the GIL in places: processes scale
                processes=True,
                dashboard_address=":0",  # never collide with another cluster's 8787
                silence_logs=logging.ERROR,
                memory_limit=memory_limit if memory_limit is not None else "auto",
            )
            client = Client(cluster)
        info = {
            "kind": "scheduler" if scheduler else "local",
            "address": client.scheduler.address,
            "workers": len(client.scheduler_info().get("workers", {})),
            "slots": sum(client.nthreads().values()),
            "memory_limit": memory_limit,
        }
        try:
            yield client, info
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


@contextlib.contextmanager
def use_client(
    client: Any, scheduler: str | None, workers: int | None, memory_limit: str | int | None
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """An existing client as is (not closed on exit), or :func:`dask_client`'s."""
    if client is not None:
        yield client, {"kind": "client", "address": client.scheduler.address,
                       "slots": sum(client.nthreads().values())}
        return
    with dask_client(scheduler=scheduler, workers=workers, memory_limit=memory_limit) as pair:
        yield pair


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, MiB.

    Linux's ``VmHWM`` (the high-water mark of this process image): ``getrusage``'s ``ru_maxrss``
    survives ``exec``, so a worker forked from a large parent would report the parent's size.
    Elsewhere ``ru_maxrss`` (KiB on Linux, bytes on macOS).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024.0 * 1024.0) if sys.platform == "darwin" else r / 1024.0


def reset_peak_rss() -> bool:
    """Start this process's peak memory (``VmHWM``) afresh, so a stage's peak is its own; False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # Linux: "5" resets the peak resident set size
        return True
    except OSError:
        return False


def warm_up(client: Any) -> float:
    """Load the kernels on every worker and reset its peak memory before a stage; seconds taken.

    No tile's time then includes the kernels' load, and the peak reported is the stage's own.
    """
    import time

    from twin.tiles import load_kernels

    t0 = time.perf_counter()
    client.run(load_kernels)
    client.run(reset_peak_rss)
    return time.perf_counter() - t0


def worker_name() -> str:
    """The Dask worker running this call (its address), or ``"local"`` outside a worker."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except ValueError:
        return "local"
