"""The ``mmc`` sweep model: a SimPy M/M/c queue, cheap and with a closed form (Erlang C).

It is the sweep engine's reference model: a grid of servers x arrival rate with replications has a
known answer (``Wq = C(c, a) / (c mu - lambda)``), so a sweep's confidence intervals can be checked
against the truth. It is also a small planning tool in its own right (an operator desk, an
analytics decoder pool, a call-taking position).
"""

from __future__ import annotations

__all__ = ["ADAPTERS", "simulate_mmc"]

from typing import Any

import numpy as np
import simpy

from sim.queueing import mmc_mean_wait_s
from sim.sweep._models import Metric, ModelAdapter, Param


def simulate_mmc(
    *,
    servers: int,
    arrival_rate_per_s: float,
    service_rate_per_s: float,
    customers: int,
    warmup: int,
    seed: int,
) -> dict[str, float]:
    """Simulate a FCFS M/M/c queue for ``warmup + customers`` arrivals; statistics skip the warm-up.

    Returns:
        ``mean_wait_s`` (time in queue), ``share_waited`` (customers who found every server busy),
        ``utilisation`` (work brought over ``servers x`` the span it arrived in), ``max_queue``.
    """
    rng = np.random.default_rng(seed)
    n = warmup + customers
    # all randomness drawn up front, in a fixed order: the numbers do not depend on event order
    arrivals = np.cumsum(rng.exponential(1.0 / arrival_rate_per_s, n))
    service = rng.exponential(1.0 / service_rate_per_s, n)
    wait = np.zeros(n)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)
    max_queue = 0

    def customer(i: int):
        nonlocal max_queue
        with desk.request() as req:
            max_queue = max(max_queue, len(desk.queue))
            yield req
            wait[i] = env.now - arrivals[i]
            yield env.timeout(service[i])

    def source():
        for i in range(n):
            yield env.timeout(arrivals[i] - env.now)
            env.process(customer(i))

    env.process(source())
    env.run()
    span = arrivals[-1] - arrivals[warmup] if customers > 1 else float("nan")
    w = wait[warmup:]
    # work brought by the measured customers over the capacity of the span they arrived in
    busy = service[warmup:].sum()
    return {
        "mean_wait_s": float(w.mean()),
        "share_waited": float((w > 0).mean()),
        "utilisation": float(busy / (servers * span)),
        "max_queue": float(max_queue),
    }


def _run(shared: Any, params: dict[str, Any], seed: int) -> dict[str, float | bool]:
    m: dict[str, float | bool] = dict(
        simulate_mmc(
            servers=params["servers"],
            arrival_rate_per_s=params["arrival_rate_per_s"],
            service_rate_per_s=params["service_rate_per_s"],
            customers=params["customers"],
            warmup=params["warmup"],
            seed=seed,
        )
    )
    m["target_met"] = bool(m["mean_wait_s"] <= params["target_wait_s"])
    lam, mu, c = params["arrival_rate_per_s"], params["service_rate_per_s"], params["servers"]
    # the closed form beside the simulation (sim.queueing); none when the queue is unstable
    m["erlang_c_wait_s"] = mmc_mean_wait_s(lam, mu, c) if lam < c * mu else float("nan")
    return m


MMC = ModelAdapter(
    name="mmc",
    doc="SimPy M/M/c queue (Poisson arrivals, exponential service, c servers, FCFS); Erlang C is its closed form",
    params=(
        Param("servers", "int", low=1, high=10_000, doc="number of servers c"),
        Param("arrival_rate_per_s", "float", low=0, low_open=True, unit="1/s", doc="Poisson arrival rate lambda"),
        Param("service_rate_per_s", "float", 1.0, low=0, low_open=True, unit="1/s", doc="service rate mu per server"),
        Param("customers", "int", 20_000, low=2, high=10_000_000, doc="arrivals measured per replication"),
        Param("warmup", "int", 1_000, low=0, high=10_000_000, doc="arrivals simulated first and not measured"),
        Param("target_wait_s", "float", 60.0, low=0, unit="s", doc="service level: mean wait at most this"),
    ),
    metrics=(
        Metric("mean_wait_s", "s", "mean time in queue (Erlang C: C(c,a)/(c mu - lambda))"),
        Metric("share_waited", "", "share of customers who found every server busy (Erlang C: C(c,a))"),
        Metric("utilisation", "", "busy server time over capacity (lambda / (c mu))"),
        Metric("max_queue", "", "longest queue seen"),
        Metric("target_met", "", "mean wait within target_wait_s", kind="proportion"),
        Metric("erlang_c_wait_s", "s", "the closed form C(c,a)/(c mu - lambda) (sim.queueing); empty if a >= c"),
    ),
    main_metric="mean_wait_s",
    run=_run,
)

ADAPTERS = (MMC,)
