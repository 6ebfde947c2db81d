"""One station, c trucks, Poisson calls, overflow to mutual aid: the share of calls finding every truck
busy is Erlang B, whatever the busy-time distribution."""

from __future__ import annotations

import math

import pytest

from sim.fire import run_fire
from sim.fire._params import FireParams
from sim.fire._town import grid_town
from sim.queueing import erlang_b


@pytest.mark.parametrize(("c", "a"), [(3, 2.0), (2, 0.8)])
def test_all_busy_share_is_erlang_b(c: int, a: float) -> None:
    # busy time lognormal (median 1 h, sigma 0.8: far from exponential); mean = median exp(sigma^2 / 2)
    median, sigma = 3600.0, 0.8
    mean = median * math.exp(sigma**2 / 2)
    calls_per_year = a / mean * 365 * 86400
    town = grid_town(stations=[("ST1", 480.0, 480.0, c)], fire_rate_per_year=calls_per_year, cameras=0)
    p = FireParams(busy_override=("lognormal", median, sigma), hour_profile=(1.0,) * 24)
    study = run_fire(town, cameras="none", days=5840, seed=11, compare=False, params=p)  # 16 years
    out = study.with_cameras.outcome
    share = float((out.station == -1).mean())
    assert len(out.station) > 80_000
    # within 2 % of B, relative (80,000-200,000 calls put the estimate's standard error near 0.5 %)
    assert share == pytest.approx(erlang_b(c, a), rel=0.02)
