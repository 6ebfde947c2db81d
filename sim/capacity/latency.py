"""Live-view latency at the wall: a fixed camera-to-wall delay plus a frame's sojourn at its recording server.

A recording server moves frames first come, first served through its bottleneck (NIC or disks) at
the utilisation ``rho`` the capacity model already tracks, so one frame's mean service time is
``S = rho / F`` for a server handling ``F`` frames a second (every recorded main-stream frame and
every live sub-stream frame). Frame sizes vary with the GOP: one I-frame ``i_frame_ratio`` times a
P-frame every ``gop_frames`` frames, a squared coefficient of variation ``c2``.

The wait uses the M/G/1 queue: it is zero with probability ``1 - rho`` and otherwise exponential with
the Pollaczek-Khinchine conditional mean ``S (1 + c2) / (2 (1 - rho))``. Real arrivals are many
periodic streams, smoother than Poisson, so the form is conservative (``showroom validate`` measures
it against a frame-level simulation of that queue). A saturated server (``rho >= 1``) stalls the tile:
its latency is the timeout.

It replaces an exponential draw with mean ``15 ms / (1 - rho)`` whose 15 ms per-frame service time
had no source and matched no frame rate: a server forwarding a frame in 15 ms handles 67 frames a
second, under three cameras.
"""

from __future__ import annotations

__all__ = ["draw_live_latency_ms", "frame_size_scv"]

import numpy as np


def frame_size_scv(i_frame_ratio: float, gop_frames: int) -> float:
    """Squared coefficient of variation of frame sizes: one I-frame of ``k`` P-frames in a GOP of ``g``.

    ``E[X] = p (k + g - 1) / g`` and ``E[X^2] = p^2 (k^2 + g - 1) / g``.
    """
    k, g = float(i_frame_ratio), float(gop_frames)
    return g * (k * k + g - 1.0) / (k + g - 1.0) ** 2 - 1.0


def draw_live_latency_ms(
    rng: np.random.Generator,
    rho: np.ndarray,
    frames_per_s: np.ndarray,
    *,
    base_ms: float,
    jitter_ms: float,
    scv: float,
    timeout_ms: float,
) -> np.ndarray:
    """One latency draw per tile, ms: ``base + jitter U + S + wait`` (module docstring), or the timeout.

    Args:
        rng: the model's generator.
        rho: utilisation of each tile's server (its bottleneck).
        frames_per_s: frames a second each tile's server handles.
        base_ms: encode, network and decode delay (no server queueing).
        jitter_ms: uniform spread added to the base.
        scv: squared coefficient of variation of frame sizes (:func:`frame_size_scv`).
        timeout_ms: latency counted on a saturated server.
    """
    rho = np.asarray(rho, dtype=float)
    n = rho.shape[0]
    lat = base_ms + jitter_ms * rng.random(n)
    ok = (rho < 1.0) & (np.asarray(frames_per_s) > 0)
    r = rho[ok]
    s_ms = 1000.0 * r / np.asarray(frames_per_s, dtype=float)[ok]
    mean_wait_ms = s_ms * (1.0 + scv) / (2.0 * (1.0 - r))
    waits = rng.random(len(r)) < r
    wait = np.where(waits, rng.exponential(1.0, len(r)) * mean_wait_ms, 0.0)
    lat[ok] += s_ms + wait
    lat[~ok & (rho >= 1.0)] = timeout_ms
    return lat
