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
"""

from __future__ import annotations

__all__ = [
    "erlang_b",
    "erlang_c",
    "mmc_mean_wait_s",
    "mmc_wait_quantile_s",
    "mmc_servers_for_wait",
]

import math

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
