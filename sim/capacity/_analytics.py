"""The analytics servers: a finite multi-server queue of clips to analyse (M/M/c/K under Poisson input)."""

from __future__ import annotations

__all__ = ["AnalyticsQueue", "run_mmc"]

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from twin import TwinError


class AnalyticsQueue:
    """``servers`` analytics servers behind one queue that holds at most ``capacity`` jobs in all.

    A job that finds the system full is dropped (counted). Service times are exponential with mean
    ``service_s``. Waits, drops and the time-integral of the backlog are kept for the report.
    """

    def __init__(self, env: simpy.Environment, rng: np.random.Generator, *, servers: int, service_s: float,
                 capacity: int | None = None):
        if servers < 1:
            raise TwinError(f"analytics servers must be >= 1, got {servers}")
        if not service_s > 0:
            raise TwinError(f"analytics service time must be > 0 s, got {service_s}")
        self.env = env
        self.rng = rng
        self.service_s = float(service_s)
        self.capacity = capacity
        self.resource = simpy.Resource(env, capacity=servers)
        self.in_system = 0
        self.arrived = 0
        self.dropped = 0
        self.served = 0
        self.wait_sum_s = 0.0
        self.wait_max_s = 0.0
        self.backlog_peak = 0
        self._area = 0.0  # integral of jobs waiting (not in service) over time
        self._last = env.now

    @property
    def waiting(self) -> int:
        """Jobs waiting for a server now."""
        return len(self.resource.queue)

    def _tick(self) -> None:
        now = self.env.now
        self._area += len(self.resource.queue) * (now - self._last)
        self._last = now

    def submit(self) -> None:
        """A clip arrives now."""
        self.arrived += 1
        if self.capacity is not None and self.in_system >= self.capacity:
            self.dropped += 1
            return
        self.env.process(self._job())

    def _job(self) -> Generator[Any, Any, None]:
        t0 = self.env.now
        self._tick()
        self.in_system += 1
        req = self.resource.request()
        self.backlog_peak = max(self.backlog_peak, len(self.resource.queue))
        yield req
        self._tick()
        w = self.env.now - t0
        self.wait_sum_s += w
        self.wait_max_s = max(self.wait_max_s, w)
        yield self.env.timeout(self.rng.exponential(self.service_s))
        self.resource.release(req)
        self.in_system -= 1
        self.served += 1

    def mean_backlog(self, until: float) -> float:
        """Time-average number of jobs waiting over ``[0, until]``."""
        self._tick()
        return self._area / until if until > 0 else 0.0

    def mean_wait_s(self) -> float:
        """Mean wait of the jobs that reached a server."""
        started = self.served + sum(1 for _ in self.resource.users)
        return self.wait_sum_s / started if started else 0.0


def run_mmc(arrival_rate: float, service_rate: float, servers: int, *, jobs: int, seed: int,
            warmup_jobs: int = 0, capacity: int | None = None) -> dict[str, float]:
    """Simulate the analytics queue alone under Poisson arrivals: mean wait, drops, jobs.

    The simulated counterpart of :func:`sim.queueing.mmc_mean_wait_s` (``capacity=None``) and of the
    Erlang loss formula (``capacity=servers``). Waits of the first ``warmup_jobs`` are discarded.
    """
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    q = AnalyticsQueue(env, rng, servers=servers, service_s=1.0 / service_rate, capacity=capacity)
    gaps = rng.exponential(1.0 / arrival_rate, jobs)
    marks: dict[str, float] = {}

    def arrivals() -> Generator[Any, Any, None]:
        for k, g in enumerate(gaps):
            yield env.timeout(g)
            if k == warmup_jobs:
                marks["sum"], marks["n"] = q.wait_sum_s, q.served + q.resource.count
                marks["arrived"], marks["dropped"] = q.arrived, q.dropped
            q.submit()

    env.process(arrivals())
    env.run()
    n0, s0 = marks.get("n", 0), marks.get("sum", 0.0)
    n = q.served - n0
    return {
        "mean_wait_s": (q.wait_sum_s - s0) / n if n else 0.0,
        "jobs": float(n),
        "drop_share": (q.dropped - marks.get("dropped", 0)) / max(1, q.arrived - marks.get("arrived", 0)),
    }
