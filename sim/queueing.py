"""Queueing oracles: Erlang B, Erlang C and the M/M/c queue.

Closed forms the simulations are tested against, and planning tools in their own right (how many
analytics servers keep the mean wait under a minute; how often every fire truck is out).

* Erlang B, ``B(c, a)``: the share of arrivals that find all ``c`` servers busy in a loss system
  offered ``a`` Erlangs (M/G/c/c; insensitive to the service-time distribution). Computed by the
  stable recursion ``B_0 = 1``, ``B_k = a B_{k-1} / (k + a B_{k-1})``.
* Erlang C, ``C(c, a)``: the probability that an arrival waits in an M/M/c queue,
  ``C = B / (1 - rho (1 - B))`` with ``rho = a / c``.
* M/M/c mean wait in queue ``Wq = C / (c mu - lambda)``; the wait is 0 with probability ``1 - C``
  and otherwise exponential with rate ``c mu - lambda``.
* The machine-repair (finite-source, M/M/c//N) queue: ``N`` units that each fail at rate ``lambda``
  while up, repaired by ``c`` crews at rate ``mu`` each (:func:`machine_repair`).
"""

from __future__ import annotations

__all__ = [
    "erlang_b",
    "erlang_c",
    "mmc_mean_wait_s",
    "mmc_wait_quantile_s",
    "mmc_servers_for_wait",
    "MachineRepair",
    "machine_repair",
]

import math
from dataclasses import dataclass

import numpy as np

from twin import TwinError


def _check(c: int, a: float) -> None:
    if isinstance(c, bool) or int(c) != c or c < 1:
        raise TwinError(f"number of servers must be a whole number >= 1, got {c!r}")
    if not (a >= 0.0 and math.isfinite(a)):
        raise TwinError(f"offered load must be a finite number of Erlangs >= 0, got {a!r}")


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of an Erlang loss system with ``c`` servers offered ``a`` Erlangs.

    Example: ``erlang_b(5, 3.0)`` is 0.110054.

    Raises:
        TwinError: ``c`` is not a whole number >= 1 or ``a`` is negative or not finite.
    """
    _check(c, a)
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in an M/M/c queue with ``c`` servers offered ``a`` Erlangs (``a < c``).

    Example: ``erlang_c(5, 3.0)`` is 0.236152.

    Raises:
        TwinError: bad ``c`` or ``a``, or ``a >= c`` (the queue grows without bound).
    """
    _check(c, a)
    if a >= c:
        raise TwinError(f"M/M/c queue is unstable: offered load {a:g} Erlangs >= {c} servers (need a < c)")
    b = erlang_b(c, a)
    rho = a / c
    return b / (1.0 - rho * (1.0 - b))


def _rates(arrival_rate: float, service_rate: float, c: int) -> float:
    if not (arrival_rate >= 0 and math.isfinite(arrival_rate)):
        raise TwinError(f"arrival rate must be >= 0 per second, got {arrival_rate!r}")
    if not (service_rate > 0 and math.isfinite(service_rate)):
        raise TwinError(f"service rate must be > 0 per second, got {service_rate!r}")
    return arrival_rate / service_rate


def mmc_mean_wait_s(arrival_rate: float, service_rate: float, c: int) -> float:
    """Mean time in queue (before service) of an M/M/c queue, ``C / (c mu - lambda)``.

    Args:
        arrival_rate: Poisson arrival rate ``lambda``, per second.
        service_rate: rate ``mu`` of one server (1 / mean service time), per second.
        c: number of servers.
    """
    a = _rates(arrival_rate, service_rate, c)
    return erlang_c(c, a) / (c * service_rate - arrival_rate)


def mmc_wait_quantile_s(arrival_rate: float, service_rate: float, c: int, q: float) -> float:
    """The ``q`` quantile of the wait in queue of an M/M/c queue (0 when ``1 - C >= q``)."""
    if not 0.0 < q < 1.0:
        raise TwinError(f"quantile must be in (0, 1), got {q!r}")
    a = _rates(arrival_rate, service_rate, c)
    pw = erlang_c(c, a)
    if 1.0 - pw >= q:
        return 0.0
    # P(W > t) = C exp(-(c mu - lambda) t)
    return math.log(pw / (1.0 - q)) / (c * service_rate - arrival_rate)


def mmc_servers_for_wait(arrival_rate: float, service_rate: float, max_mean_wait_s: float) -> int:
    """Smallest number of servers whose M/M/c mean wait is at most ``max_mean_wait_s``."""
    if not max_mean_wait_s >= 0:
        raise TwinError(f"target wait must be >= 0 s, got {max_mean_wait_s!r}")
    a = _rates(arrival_rate, service_rate, 1)
    c = max(1, math.floor(a) + 1)
    while mmc_mean_wait_s(arrival_rate, service_rate, c) > max_mean_wait_s:
        c += 1
    return c


@dataclass(frozen=True)
class MachineRepair:
    """Steady state of the machine-repair queue (M/M/c//N).

    Attributes:
        p_down: ``p_down[n]`` is the probability that ``n`` units are down (failed, queued or in repair).
        mean_down: mean number of units down, ``L``.
        mean_queue: mean number of failed units waiting for a crew, ``Lq``.
        availability: long-run share of time one unit is up, ``1 - L / N``.
        failure_rate: failures per second of the whole fleet, ``lambda (N - L)``.
        mean_wait_s: mean wait of a failed unit for a crew, ``Lq / (lambda (N - L))`` (Little).
        crew_utilisation: mean share of crews busy, ``sum min(n, c) p_n / c``.
    """

    p_down: np.ndarray
    mean_down: float
    mean_queue: float
    availability: float
    failure_rate: float
    mean_wait_s: float
    crew_utilisation: float


def machine_repair(n_units: int, failure_rate: float, repair_rate: float, crews: int = 1) -> MachineRepair:
    """The finite-source queue of ``n_units`` that fail and wait for ``crews`` repair crews.

    Each unit fails at rate ``failure_rate`` (1 / MTBF) while up; each crew repairs one unit at a time
    at rate ``repair_rate`` (1 / mean repair time); failed units wait first-come first-served. The
    birth-death chain gives ``p_n = p_0 N! / (N - n)! (lambda / mu)^n / (n!)`` for ``n <= c`` and
    ``/ (c! c^(n - c))`` above (Gross & Harris, *Fundamentals of Queueing Theory*, sec. 2.8).

    Example: 2 units, MTBF 10 h, repair 1 h, one crew: ``p = (100, 20, 2) / 122``.

    Raises:
        TwinError: a count that is not a whole number >= 1 or a rate that is not > 0.
    """
    for name, v in (("n_units", n_units), ("crews", crews)):
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise TwinError(f"machine repair: {name} must be a whole number >= 1, got {v!r}")
    for name, v in (("failure_rate", failure_rate), ("repair_rate", repair_rate)):
        if not (v > 0 and math.isfinite(v)):
            raise TwinError(f"machine repair: {name} must be > 0 per second, got {v!r}")
    n, c = int(n_units), int(crews)
    r = failure_rate / repair_rate
    # log-weights of the birth-death chain, for stability with many units
    logw = np.zeros(n + 1)
    for k in range(1, n + 1):
        logw[k] = logw[k - 1] + math.log((n - k + 1) * r / min(k, c))
    w = np.exp(logw - logw.max())
    p = w / w.sum()
    k = np.arange(n + 1)
    mean_down = float((k * p).sum())
    mean_queue = float((np.maximum(k - c, 0) * p).sum())
    lam = failure_rate * (n - mean_down)
    return MachineRepair(
        p_down=p,
        mean_down=mean_down,
        mean_queue=mean_queue,
        availability=1.0 - mean_down / n,
        failure_rate=lam,
        mean_wait_s=mean_queue / lam,
        crew_utilisation=float((np.minimum(k, c) * p).sum()) / c,
    )
