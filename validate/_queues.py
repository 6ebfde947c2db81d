"""Queueing models against closed forms and a published worked example.

* capacity: the analytics servers' SimPy queue (the one ``showroom capacity`` runs) against Erlang C
  (mean wait, M/M/c) and Erlang B (share of clips dropped with no room to wait, M/M/c/c);
* hypercube: Larson's model against Larson & Odoni, *Urban Operations Research* (1981), ch. 5, in loss
  mode (the two-unit, zero-line-capacity rectangular city of sec. 5.3.3) and queue mode (the three-unit,
  ten-atom city of secs. 5.4.3-5.5.3: exact workloads, the correction factors and Larson's approximation);
* coverage over time: the camera repair queue of ``sim.covtime`` against the machine-repair
  (M/M/c//N) closed form.
"""

from __future__ import annotations

import numpy as np

from sim.hypercube import correction_factors, hypercube, mmn_probs
from sim.queueing import erlang_b, machine_repair, mmc_mean_wait_s

from ._check import Check, within_abs, within_rel, within_se

_HOUR = 3600.0
_LO = "Larson & Odoni, Urban Operations Research (1981)"


def capacity_vs_erlang(*, quick: bool, seed: int) -> list[Check]:
    """The capacity model's analytics queue, simulated, against Erlang C and Erlang B."""
    from sim.capacity import run_mmc

    servers, service_s, load = 4, 120.0, 3.0
    lam, mu = load / service_s, 1.0 / service_s
    jobs = 60_000 if quick else 300_000
    queue = run_mmc(lam, mu, servers, jobs=jobs, seed=seed, warmup_jobs=2_000)
    wq = mmc_mean_wait_s(lam, mu, servers)
    loss = run_mmc(lam, mu, servers, jobs=jobs, seed=seed + 1, warmup_jobs=2_000, capacity=servers)
    b = erlang_b(servers, load)
    return [
        within_rel("capacity", f"analytics mean wait, s (4 servers, 120 s clips, {load:g} Erlangs; simulated)",
                   "Erlang C: Wq = C(c, a) / (c mu - lambda)", queue["mean_wait_s"], wq, 0.06 if quick else 0.04,
                   f"{int(queue['jobs']):,} clips after a warm-up of 2,000; tolerance about 3 standard errors "
                   "(waits are strongly correlated)"),
        within_abs("capacity", "analytics share of clips dropped with no room to wait (simulated, M/M/4/4)",
                   "Erlang B(4, 3)", loss["drop_share"], b, 0.01 if quick else 0.005,
                   f"{int(loss['jobs']):,} clips"),
    ]


def _two_unit_city(w: float) -> tuple[np.ndarray, np.ndarray]:
    """L&O sec. 5.3.3: 50 % of calls east of unit 1 (x > 0.75), 50 % uniform over the other 1.75 mi.

    The boundary sits ``w`` west of unit 1 (at x = 0.75 - w); unit 1 answers first east of it.
    """
    share_1 = 0.5 + 0.5 * w / 1.75
    lam = 1.25 * np.array([share_1, 1.0 - share_1])  # 5/4 calls per mean service time
    return lam, np.array([[0, 1], [1, 0]])


def hypercube_vs_larson_odoni(*, quick: bool, seed: int) -> list[Check]:  # noqa: ARG001 - deterministic
    """Per-unit workloads of ``sim.hypercube`` against the book's worked examples, loss and queue modes."""
    rows = []
    # loss mode: sec. 5.3.3, equal-travel-time boundary w = 1/2: rho_1 = 0.49010, rho_2 = 0.43773
    lam, pref = _two_unit_city(0.5)
    r = hypercube(lam, pref, 1.0, mode="loss", method="exact")
    for n, pub in enumerate((0.49010, 0.43773)):
        rows.append(within_abs(
            "hypercube", f"loss mode: workload of unit {n + 1}, two-unit rectangular city, w = 1/2",
            f"{_LO} sec. 5.3.3", float(r.busy[n]), pub, 0.00005,
            "lambda = 5/4 per service time, mu = 1, no queue (zero line capacity); published to 5 decimals"))
    # the optimal boundary w* = 53/126 moves workload to unit 2: imbalance 0.04405
    lam, pref = _two_unit_city(53.0 / 126.0)
    r = hypercube(lam, pref, 1.0, mode="loss", method="exact")
    rows.append(within_abs(
        "hypercube", "loss mode: workload imbalance |rho_1 - rho_2| at the optimal boundary w* = 53/126",
        f"{_LO} sec. 5.3.4", float(abs(r.busy[0] - r.busy[1])), 0.04405, 0.00005))
    # queue mode: sec. 5.4.3, 3 units, 10 atoms, lambda = 1.5, mu = 1. The text gives each primary area's
    # load (0.75, 0.35, 0.40) and the preference lists; atom 4's own rate is in Figure 5.11 (a picture):
    # 0.25 is the value that reproduces the published rho_2 and rho_3 (rho_1 does not depend on it).
    lam = np.array([0.50, 0.25, 0.35, 0.40])  # atoms 1+2 | atom 4 | area 2 (atoms 3, 5, 6) | area 3
    pref = np.array([[0, 1, 2], [0, 2, 1], [1, 0, 2], [2, 0, 1]])
    ex = hypercube(lam, pref, 1.0, mode="queue", method="exact")
    for n, pub in enumerate((0.5574, 0.4734, 0.4693)):
        rows.append(within_abs(
            "hypercube", f"queue mode: exact workload of unit {n + 1}, three-unit ten-atom city",
            f"{_LO} sec. 5.4.4, eq. 5.30", float(ex.busy[n]), pub, 0.0005,
            "infinite line capacity (FCFS queue); atom 4's rate 0.25 read as the value that reproduces "
            "rho_2 (Figure 5.11 is a picture); rho_1 is insensitive to it (0.5573-0.5576 over 0-0.75)"))
    q = correction_factors(3, mmn_probs(3, 1.5))
    for j, pub in ((1, 0.73684), (2, 0.63158)):
        rows.append(within_abs("hypercube", f"queue mode: Larson's correction factor Q(3, 1/2, {j})",
                               f"{_LO} sec. 5.5.3", float(q[j]), pub, 0.000005))
    ap = hypercube(lam, pref, 1.0, mode="queue", method="approx")
    for n, pub in enumerate((0.5627, 0.4716, 0.4657)):
        rows.append(within_abs(
            "hypercube", f"queue mode: Larson's approximation, workload of unit {n + 1}",
            f"{_LO} sec. 5.5.3", float(ap.busy[n]), pub, 0.005,
            "the book stops after 3 iterations at a 0.001 criterion; ours iterates to 1e-12, so agreement is "
            "asked to 0.005 (the book calls its approximation error about 1 %)"))
    return rows


def covtime_vs_machine_repair(*, quick: bool, seed: int) -> list[Check]:
    """Camera availability and repair wait of ``sim.covtime`` against the M/M/c//N closed form."""
    from sim.covtime import CoverageTimeConfig, prepare, simulate
    from sim.faults import FaultRate
    from twin import Camera, LocalFrame, Twin
    from twin.raster import build_raster

    rate = FaultRate(100 * _HOUR, 5 * _HOUR, "exponential")
    cams = [Camera(f"C{k}", float(k), 0.0) for k in range(20)]
    city = Twin(frame=LocalFrame(119.43, -5.14), name="open", cameras=cams, extent=(-100.0, -100.0, 100.0, 100.0))
    reps, hours = (5, 40_000.0) if quick else (10, 150_000.0)
    rows = []
    for crews in (1, 2):
        # instant detection and travel, no wall, no light changes: only the repair queue matters
        cfg = CoverageTimeConfig(
            days=hours / 24, detection="feed", feed_timeout_s=1e-6, crew_speed_kph=1e12, crews=crews,
            fault_rates={"camera_fixed": rate}, bin_s=1e9, daylight="day", operators=1, shifts=1,
            tile_dwell_s=1e9, districts=False, takeovers_per_ptz_day=0.0,
        )
        ss = prepare(city, cams, config=cfg, raster=build_raster(city, resolution_m=20.0))
        avail, wait, n_rep = [], [], 0
        for r in range(reps):
            run = simulate(city, ss, config=cfg, seed=seed + 100 * crews + r)
            avail.append(float(run.cam_up_s.sum() / (20 * run.horizon_s)))
            wait.append(float(np.mean([x["wait_s"] for x in run.repairs])) / _HOUR)
            n_rep += len(run.repairs)
        m = machine_repair(20, 1 / rate.mtbf_s, 1 / rate.mttr_s, crews)
        note = f"{reps} replications x {hours:,.0f} h, {n_rep:,} repairs"
        rows.append(within_se(
            "coverage over time", f"camera availability, 20 cameras, {crews} crew(s), MTBF 100 h, repair 5 h",
            "machine-repair queue M/M/c//N (Gross & Harris sec. 2.8)", np.array(avail), m.availability, note))
        rows.append(within_se(
            "coverage over time", f"mean wait for a crew, h ({crews} crew(s))",
            "machine-repair queue: Lq / (lambda (N - L))", np.array(wait), m.mean_wait_s / _HOUR, note,
            max_rel_se=0.06 if quick else 0.03))
    return rows
