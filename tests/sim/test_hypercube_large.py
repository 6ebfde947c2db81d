"""Larson's correction factors for a metropolis's fleet (hundreds of units) stay finite."""

from __future__ import annotations

import numpy as np

from sim.hypercube import _correction_log, correction_factors, erlang_loss_probs, hypercube


def test_log_sum_equals_the_direct_sum_where_both_work() -> None:
    for n, a in ((5, 3.0), (20, 12.0), (60, 40.0)):
        p = erlang_loss_probs(n, a)
        rho = float(np.dot(np.arange(n + 1), p) / n)
        np.testing.assert_allclose([_correction_log(n, j, p, rho) for j in range(n)], correction_factors(n, p),
                                   rtol=1e-11)


def test_three_hundred_units_converge() -> None:
    # before: rho^j underflowed past ~200 units, Q became inf/NaN and the approximation ran all its iterations
    n = 300
    q = correction_factors(n, erlang_loss_probs(n, 100.0))
    assert np.isfinite(q).all()
    rng = np.random.default_rng(2)
    pref = np.array([rng.permutation(n) for _ in range(50)])
    res = hypercube(np.full(50, 2.0), pref, 1.0, mode="loss", method="approx")
    assert res.iterations < 1000 and np.isfinite(res.busy).all()
    # every unit's busy share is about the fleet's mean load a (1 - B) / N = 100 (1 - ~0) / 300
    assert abs(res.busy.mean() - 100.0 / 300.0) < 0.01
