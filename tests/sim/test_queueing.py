"""Erlang B/C and M/M/c against the published test values and hand-computed cases."""

from __future__ import annotations

import math

import pytest

from sim.queueing import erlang_b, erlang_c, mmc_mean_wait_s, mmc_servers_for_wait, mmc_wait_quantile_s
from twin import TwinError


@pytest.mark.parametrize(
    ("c", "a", "b", "cc"),
    [(5, 3.0, 0.110054, 0.236152), (10, 6.0, 0.043142, 0.101299)],
)
def test_reference_values(c: int, a: float, b: float, cc: float) -> None:
    assert erlang_b(c, a) == pytest.approx(b, abs=5e-7)
    assert erlang_c(c, a) == pytest.approx(cc, abs=5e-7)


def test_small_cases_by_hand() -> None:
    # one server: B = a / (1 + a); C = rho (M/M/1 waits with probability rho)
    assert erlang_b(1, 0.5) == pytest.approx(1 / 3)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)
    # two servers, a = 1: B = (a^2/2) / (1 + a + a^2/2) = 0.2
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(3, 0.0) == 0.0


def test_mm1_wait_is_rho_over_mu_minus_lambda() -> None:
    lam, mu = 0.8, 1.0
    assert mmc_mean_wait_s(lam, mu, 1) == pytest.approx(0.8 / (1.0 - 0.8))
    # M/M/1: P(W > t) = rho exp(-(mu - lambda) t); the 0.9 quantile solves rho exp(-0.2 t) = 0.1
    assert mmc_wait_quantile_s(lam, mu, 1, 0.9) == pytest.approx(math.log(8.0) / 0.2)
    assert mmc_wait_quantile_s(0.1, 1.0, 1, 0.5) == 0.0


def test_servers_for_wait_is_the_smallest() -> None:
    lam, mu = 6.0, 1.0
    c = mmc_servers_for_wait(lam, mu, 0.05)
    assert mmc_mean_wait_s(lam, mu, c) <= 0.05 < mmc_mean_wait_s(lam, mu, c - 1)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: erlang_b(0, 1.0), "servers must be a whole number >= 1"),
        (lambda: erlang_b(2.5, 1.0), "whole number"),
        (lambda: erlang_b(2, -1.0), "offered load"),
        (lambda: erlang_c(3, 3.0), "unstable"),
        (lambda: mmc_mean_wait_s(1.0, 0.0, 2), "service rate must be > 0"),
        (lambda: mmc_wait_quantile_s(1.0, 1.0, 2, 1.0), "quantile"),
    ],
)
def test_bad_input(call, match: str) -> None:  # noqa: ANN001
    with pytest.raises(TwinError, match=match):
        call()
