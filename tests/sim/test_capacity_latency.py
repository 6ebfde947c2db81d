"""Live-view latency: the M/G/1 frame queue draw against its closed forms, and the frame-level simulation by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim.capacity.latency import draw_live_latency_ms, frame_size_scv
from validate._latency import simulate_server_sojourn_s


def test_frame_size_spread_by_hand():
    # one I-frame of 8 P-frames every 50: E[X] = 57/50 p, E[X^2] = (64 + 49)/50 p^2 -> 50 * 113 / 57^2 - 1
    assert frame_size_scv(8.0, 50) == pytest.approx(50 * 113 / 57**2 - 1)
    assert frame_size_scv(1.0, 50) == pytest.approx(0.0)  # every frame the same size


def test_draw_matches_pollaczek_khinchine_and_saturation_stalls():
    rng = np.random.default_rng(7)
    n, rho, frames = 400_000, 0.8, 1500.0
    lat = draw_live_latency_ms(rng, np.full(n, rho), np.full(n, frames), base_ms=0.0, jitter_ms=0.0, scv=1.0,
                               timeout_ms=5000.0)
    s_ms = 1000 * rho / frames  # 0.5333 ms a frame
    # M/G/1 with c2 = 1 is M/M/1: mean sojourn S / (1 - rho), and P(wait > 0) = rho
    assert lat.mean() == pytest.approx(s_ms / (1 - rho), rel=0.01)
    assert (lat > s_ms + 1e-12).mean() == pytest.approx(rho, abs=0.003)
    base = draw_live_latency_ms(rng, np.array([0.5, 1.0, 1.3]), np.array([1000.0, 1000.0, 1000.0]), base_ms=150.0,
                                jitter_ms=50.0, scv=1.0, timeout_ms=5000.0)
    assert 150.0 <= base[0] < 300.0 and base[1] == 5000.0 and base[2] == 5000.0


def test_lindley_solution_matches_the_recursion_step_by_step():
    soj, s_mean = simulate_server_sojourn_s(3, 0.9, seconds=8.0, seed=1, i_frame_ratio=8.0, gop_frames=50)
    assert s_mean == pytest.approx(0.9 / 75.0, rel=0.05)  # rho / frames a second (3 cameras x 25 fps)
    # the same frames through the textbook recursion W' = max(0, W + S - A), one frame at a time
    rng = np.random.default_rng(1)
    k, g, n, fps = 8.0, 50, 3, 25.0
    p_bits = 5500e3 / fps * g / (k + g - 1)
    nf = int(8.0 * fps)
    t = (np.arange(nf) / fps)[None, :] + rng.uniform(0.0, 1.0 / fps, (n, 1))
    first = rng.integers(0, g, (n, 1))
    bits = np.where((np.arange(nf)[None, :] - first) % g == 0, k * p_bits, p_bits)
    s = (bits / (n * 5500e3 / 0.9)).ravel()
    t = t.ravel()
    o = np.argsort(t, kind="stable")
    t, s = t[o], s[o]
    w, out = 0.0, []
    for i in range(len(t)):
        if i:
            w = max(0.0, w + s[i - 1] - (t[i] - t[i - 1]))
        out.append(w + s[i])
    np.testing.assert_allclose(soj, np.array(out)[len(out) // 10 :], rtol=1e-9, atol=1e-12)
