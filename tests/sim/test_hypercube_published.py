"""The hypercube's per-unit workloads against Larson & Odoni's worked examples (Urban Operations Research, ch. 5)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.hypercube import correction_factors, hypercube, mmn_probs


def _two_unit(w: float) -> np.ndarray:
    # sec. 5.3.3: lambda = 5/4 per service time; half the calls east of unit 1 (x > 0.75), half uniform
    # over the other 1.75 miles; unit 1 answers first east of the boundary at x = 0.75 - w
    share = 0.5 + 0.5 * w / 1.75
    return 1.25 * np.array([share, 1.0 - share])


def test_loss_mode_two_unit_city_sec_5_3_3():
    r = hypercube(_two_unit(0.5), np.array([[0, 1], [1, 0]]), 1.0, mode="loss", method="exact")
    np.testing.assert_allclose(r.busy, [0.49010, 0.43773], atol=1e-5)  # one unit of the last digit printed
    # sec. 5.3.4: the optimal boundary w* = 53/126 cuts the imbalance to 0.04405
    r = hypercube(_two_unit(53 / 126), np.array([[0, 1], [1, 0]]), 1.0, mode="loss", method="exact")
    assert abs(r.busy[0] - r.busy[1]) == pytest.approx(0.04405, abs=5e-6)


def test_queue_mode_three_unit_city_sec_5_4_4_per_unit():
    # primary areas carry 0.75 / 0.35 / 0.40 of lambda = 1.5; unit 1 backs up areas 2 and 3; area 1
    # splits its first backup (unit 2 for atoms 1-2, unit 3 for atom 4, whose rate 0.25 the figure shows)
    lam = np.array([0.50, 0.25, 0.35, 0.40])
    pref = np.array([[0, 1, 2], [0, 2, 1], [1, 0, 2], [2, 0, 1]])
    ex = hypercube(lam, pref, 1.0, mode="queue", method="exact")
    np.testing.assert_allclose(ex.busy, [0.5574, 0.4734, 0.4693], atol=5e-5)  # eq. 5.30a-c
    # unit 1's workload hardly depends on atom 4's share of area 1: the check does not rest on it
    for x in (0.0, 0.75):
        other = hypercube(np.array([0.75 - x, x, 0.35, 0.40]), pref, 1.0, mode="queue", method="exact")
        assert other.busy[0] == pytest.approx(0.5574, abs=5e-4)
    # sec. 5.5.3: correction factors and Larson's approximation (the book stops after three iterations)
    np.testing.assert_allclose(correction_factors(3, mmn_probs(3, 1.5)), [1.0, 0.73684, 0.63158], atol=5e-6)
    ap = hypercube(lam, pref, 1.0, mode="queue", method="approx")
    np.testing.assert_allclose(ap.busy, [0.5627, 0.4716, 0.4657], atol=0.005)
