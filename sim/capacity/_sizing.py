"""Server-load simulation and capacity planning for the video system.

Vendor calculators answer "how many servers" with a static sum of bitrates. This model simulates
the path of every stream (camera -> edge switch uplink -> core -> recording server NIC -> RAID ->
storage) through a week of scene activity, operators at the wall pulling live views, analytics
servers working through event clips, investigators exporting archive, and faults (a server crash
with failover, a disk failure with a RAID rebuild, an uplink down, a power cut after which every
camera reconnects at once), and checks the service levels:

* no recording loss beyond failover (the failover gap is allowed; a crash with no spare left, or
  a server too slow to write everything, is not; camera, uplink and power outages lie outside the
  server room and are reported, not held against it),
* p95 live-view latency under 500 ms,
* retention met (days of footage the usable storage holds at the simulated write rate),
* peak intake under 80% of each server's rated intake.

:func:`plan_capacity` finds the smallest number of recording servers (and the disks per server)
that meet every service level over ``replications`` independent runs, reporting each figure with a
95% confidence interval. :func:`simulate` runs one replication for a given server room.
"""

from __future__ import annotations

__all__ = [
    "CAUSES",
    "CapacityConfig",
    "CapacityPlan",
    "Evaluation",
    "Fault",
    "RunResult",
    "ServiceLevels",
    "build_topology",
    "evaluate",
    "plan_capacity",
    "run_time_figures",
    "simulate",
]

import dataclasses
import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import stdtrit

from sim.capacity._config import RAID, CapacityConfig, Fault, Hardware, ServiceLevels, check_server_room, hardware
from sim.capacity._model import BEYOND_FAILOVER, CAUSES, RunResult, Topology, run_replication
from sim.operators import Roster
from sim.streams import busy_factors, main_kbps, mean_multiplier, sub_kbps
from twin import Camera, ServerRoom, TwinError

_BUSY_STREAM = 0x5CE7E  # spawn key of the random stream that picks the busy scenes (fixed per seed)


def build_topology(cameras: list[Camera], room: ServerRoom, config: CapacityConfig, *, seed: int) -> Topology:
    """Streams, busy scenes, the balanced camera-to-server assignment and the edge switches.

    Cameras are spread over ``room.servers`` primaries by expected bitrate (largest first onto the
    least-loaded server with room left: the LPT rule), at most ``cameras_per_server`` each. Edge
    switches gather ``cameras_per_switch`` neighbouring cameras (rows of 400 m, west to east).

    Raises:
        TwinError: no cameras, a bad camera (bitrate, codec), a bad server room, or more cameras
            than the servers are rated for.
    """
    check_server_room(room)
    if not cameras:
        raise TwinError("no cameras to record: the camera list is empty")
    n = len(cameras)
    main = main_kbps(cameras)
    sub = sub_kbps(cameras, config.profile)
    busy = busy_factors(np.random.default_rng([seed, _BUSY_STREAM]), n, config.profile)
    if n > room.servers * room.cameras_per_server:
        need = math.ceil(n / room.cameras_per_server)
        raise TwinError(
            f"{n} cameras do not fit on {room.servers} recording servers of {room.cameras_per_server} cameras each: "
            f"use at least {need} servers, or let the sizing choose (auto)"
        )
    expected = main * mean_multiplier(config.profile, busy)
    order = np.argsort(-expected, kind="stable")
    heap = [(0.0, s) for s in range(room.servers)]
    count = [0] * room.servers
    home = np.empty(n, dtype=np.int64)
    for i in order.tolist():
        full = []
        load, s = heapq.heappop(heap)
        while count[s] >= room.cameras_per_server:
            full.append((load, s))
            load, s = heapq.heappop(heap)
        home[i] = s
        count[s] += 1
        heapq.heappush(heap, (load + float(expected[i]), s))
        for f in full:
            heapq.heappush(heap, f)
    xy = np.array([(c.x, c.y) for c in cameras], dtype=float)
    spatial = np.lexsort((xy[:, 0], np.floor(xy[:, 1] / 400.0)))
    switch = np.empty(n, dtype=np.int64)
    switch[spatial] = np.arange(n) // room.cameras_per_switch
    types = [c.type if c.type in ("fixed", "dome", "ptz") else "fixed" for c in cameras]
    return Topology(main, sub, busy, home, switch, types, room.servers, room.failover_servers,
                    int(switch.max()) + 1, fps=np.array([float(c.fps) for c in cameras]))


def simulate(cameras: list[Camera], room: ServerRoom, *, roster: Roster | None = None,
             config: CapacityConfig | None = None, seed: int | np.random.SeedSequence = 0,
             faults: list[Fault] | None = None, busy_seed: int = 0) -> RunResult:
    """One replication: ``cameras`` recorded by ``room`` for ``config.days`` days.

    ``faults`` are injected on top of the random ones of ``config.faults`` (use ``faults="none"``
    in the config for a scenario with only the injected ones).
    """
    cfg = config or CapacityConfig()
    topo = build_topology(cameras, room, cfg, seed=busy_seed)
    hw = hardware(room, cfg)
    S = room.servers + room.failover_servers
    for f in faults or []:
        limit = {"server": S, "disk": S, "uplink": topo.n_switch, "camera": len(cameras), "power": 1}[f.kind]
        if not 0 <= f.target < limit:
            raise TwinError(f"fault {f.kind}: target {f.target} out of range [0, {limit})")
    return run_replication(topo, hw, cfg, roster or Roster(), seed=seed, core_mbps=room.core_gbps * 1000.0,
                           uplink_mbps=room.uplink_gbps * 1000.0, faults=faults)


# ---------------------------------------------------------------------------------------------
# replications and service levels
# ---------------------------------------------------------------------------------------------
def _ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and the 95% confidence interval of the mean (Student t); a single value has none."""
    v = np.asarray(values, dtype=float)
    m = float(v.mean())
    if len(v) < 2:
        return m, m, m
    hw = float(stdtrit(len(v) - 1, 0.975) * v.std(ddof=1) / math.sqrt(len(v)))
    return m, m - hw, m + hw


def _quantile_ms(hist: np.ndarray, q: float) -> float:
    c = np.cumsum(hist)
    if c[-1] == 0:
        return 0.0
    return float(np.searchsorted(c, q * c[-1]) + 0.5)


@dataclass
class Evaluation:
    """A server room run through ``replications`` replications, with every service level judged."""

    room: ServerRoom
    hardware: Hardware
    topology: Topology
    runs: list[RunResult]
    levels: dict[str, dict[str, Any]]
    passed: bool

    @property
    def loss_s(self) -> np.ndarray:
        """Mean recording loss per camera and cause over the replications, seconds."""
        return np.mean([r.loss_s for r in self.runs], axis=0)


def _daily_tb(run: RunResult, topo: Topology, days: float) -> np.ndarray:
    """TB a day each primary must keep: what its cameras offer, up or down, wherever they were recorded."""
    return np.bincount(topo.home, weights=run.camera_tb, minlength=topo.n_primary) / days


def _figures(run: RunResult, room: ServerRoom, hw: Hardware, topo: Topology, days: float) -> dict[str, float]:
    beyond = [CAUSES.index(c) for c in BEYOND_FAILOVER]
    daily = _daily_tb(run, topo, days)
    with np.errstate(divide="ignore"):
        retained = np.where(daily > 0, hw.usable_tb / daily, np.inf)
    return {
        "loss_beyond_failover_s": float(run.loss_s[:, beyond].sum(axis=1).max()),
        "p95_live_latency_ms": _quantile_ms(run.latency_hist, 0.95),
        "retention_days": float(min(retained.min(), 1e6)),
        "intake_utilisation": float(run.intake_peak.max()),
    }


def evaluate(cameras: list[Camera], room: ServerRoom, *, roster: Roster, config: CapacityConfig, seed: int,
             replications: int, progress: Callable[[str], None] | None = None) -> Evaluation:
    """Run ``replications`` independent replications and judge every service level.

    Replication ``r`` uses the ``r``-th child of ``SeedSequence(seed)`` whatever the server room, so
    two rooms see the same scenes and faults (common random numbers: a fairer comparison).
    A "no more than" level passes when the upper end of its 95% confidence interval meets the
    target (the lower end for retention); the loss level passes only when every replication is within it.
    """
    if replications < 1:
        raise TwinError(f"replications must be >= 1, got {replications}")
    topo = build_topology(cameras, room, config, seed=seed)
    hw = hardware(room, config)
    seeds = np.random.SeedSequence(seed).spawn(replications)
    runs = []
    for r, ss in enumerate(seeds):
        if progress:
            progress(f"{room.servers}+{room.failover_servers} servers, replication {r + 1}/{replications}")
        runs.append(run_replication(topo, hw, config, roster, seed=ss, core_mbps=room.core_gbps * 1000.0,
                                    uplink_mbps=room.uplink_gbps * 1000.0))
    figs = [_figures(run, room, hw, topo, config.days) for run in runs]
    sl = config.service_levels
    levels: dict[str, dict[str, Any]] = {}
    targets = {
        "loss_beyond_failover_s": ("<=", sl.max_loss_beyond_failover_s, "s"),
        "p95_live_latency_ms": ("<", sl.p95_live_latency_ms, "ms"),
        "retention_days": (">=", room.retention_days, "days"),
        "intake_utilisation": ("<", sl.max_intake_utilisation, "of rated intake"),
    }
    for key, (op, target, unit) in targets.items():
        v = np.array([f[key] for f in figs])
        m, lo, hi = _ci(v)
        if key == "loss_beyond_failover_s":
            ok = bool(v.max() <= target + 1e-9)
        elif op == ">=":
            ok = lo >= target
        else:
            ok = hi < target
        levels[key] = {
            "figure": round(m, 4), "ci95": [round(lo, 4), round(hi, 4)], "worst": round(float(
                v.min() if op == ">=" else v.max()), 4), "target": f"{op} {target:g} {unit}", "pass": ok,
        }
    return Evaluation(room, hw, topo, runs, levels, all(x["pass"] for x in levels.values()))


# ---------------------------------------------------------------------------------------------
# planning: the smallest system that meets every service level
# ---------------------------------------------------------------------------------------------
@dataclass
class CapacityPlan:
    """The chosen server room and how it did, with the candidates tried on the way."""

    evaluation: Evaluation
    search: list[dict[str, Any]] = field(default_factory=list)
    auto: bool = False
    storage: dict[str, float] = field(default_factory=dict)
    exhausted: bool = False  # auto tried every candidate up to its limit and none passed


def _expected_peak_mbps(main: np.ndarray, busy: np.ndarray, config: CapacityConfig) -> np.ndarray:
    p = config.profile
    ev = 1.0 + p.event_share * (p.event_factor - 1.0)
    return (main * busy * max(p.day_factor, p.night_factor) * ev + p.container_overhead_kbps) / 1000.0


def _storage(room: ServerRoom, hw: Hardware, daily_tb_per_server: np.ndarray,
             config: CapacityConfig) -> dict[str, float]:
    level = RAID[str(room.raid).lower()]
    need = float(daily_tb_per_server.sum() * room.retention_days * config.storage_headroom)
    n_all = room.servers + room.failover_servers
    return {
        "disks_per_server": room.disks_per_server,
        "disk_tb": room.disk_tb,
        "raid": str(room.raid).lower(),
        "usable_tb_per_server": round(hw.usable_tb, 3),
        "raw_tb_per_server": round(hw.raw_tb, 3),
        "usable_tb_total": round(hw.usable_tb * n_all, 3),
        "raw_tb_total": round(hw.raw_tb * n_all, 3),
        "needed_usable_tb": round(need, 3),
        "needed_raw_tb": round(need * room.disks_per_server / level.usable_disks(room.disks_per_server), 3),
        "daily_write_tb": round(float(daily_tb_per_server.sum()), 4),
    }


def _disks_for(room: ServerRoom, mean_mbps: float, per_server_mbps: float, config: CapacityConfig) -> int:
    """Fewest disks per server that hold the retention (at the mean rate) and write the peak under the limit."""
    level = RAID[str(room.raid).lower()]
    daily_tb = mean_mbps * 86400.0 / 8.0 / 1e6
    usable_tb = daily_tb * room.retention_days * config.storage_headroom
    by_space = level.disks_for(usable_tb / room.disk_tb)
    per_disk_write = room.disk_write_mb_s * 8.0 / level.write_penalty
    by_write = math.ceil(per_server_mbps / config.service_levels.max_intake_utilisation / per_disk_write)
    return max(by_space, by_write, level.min_disks)


def plan_capacity(cameras: list[Camera], room: ServerRoom, *, servers: int | str = "auto",
                  roster: Roster | None = None, config: CapacityConfig | None = None, seed: int = 0,
                  replications: int = 5, max_servers: int | None = None,
                  progress: Callable[[str], None] | None = None) -> CapacityPlan:
    """Evaluate a server room, or with ``servers="auto"`` find the smallest one meeting every service level.

    ``auto`` starts from the analytic lower bound (camera count per server; expected peak intake
    under the intake limit at full drive bays) and adds one recording server at a time. For each
    candidate the disks per server are sized to hold the retention (with ``storage_headroom``) and
    to write the expected peak, within ``disk_slots``. The failover pool stays as in ``room``.
    """
    cfg = config or CapacityConfig()
    rost = roster or Roster()
    check_server_room(room)
    if servers != "auto":
        if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
            raise TwinError(f"servers must be a whole number >= 1 or 'auto', got {servers!r}")
        r = dataclasses.replace(room, servers=servers)
        ev = evaluate(cameras, r, roster=rost, config=cfg, seed=seed, replications=replications, progress=progress)
        daily = np.mean([_daily_tb(run, ev.topology, cfg.days) for run in ev.runs], axis=0)
        return CapacityPlan(ev, [_row(ev)], False, _storage(r, ev.hardware, daily, cfg))
    n = len(cameras)
    if n == 0:
        raise TwinError("no cameras to record: the camera list is empty")
    main = main_kbps(cameras)
    busy = busy_factors(np.random.default_rng([seed, _BUSY_STREAM]), n, cfg.profile)
    peak = _expected_peak_mbps(main, busy, cfg)
    mean = (main * mean_multiplier(cfg.profile, busy) + cfg.profile.container_overhead_kbps) / 1000.0
    level = RAID[str(room.raid).lower()]
    best_disk = room.disk_slots * room.disk_write_mb_s * 8.0 / level.write_penalty
    per_server_cap = min(room.nic_gbps * 1000.0, best_disk) * cfg.service_levels.max_intake_utilisation
    lower = max(1, math.ceil(n / room.cameras_per_server), math.ceil(peak.sum() / per_server_cap))
    limit = max_servers or max(lower * 4, lower + 20)
    search: list[dict[str, Any]] = []
    last: Evaluation | None = None
    for k in range(lower, limit + 1):
        # LPT balances to within a few percent; the count cap can unbalance a little more
        disks = _disks_for(room, mean.sum() / k * 1.05, peak.sum() / k * 1.05, cfg)
        if disks > room.disk_slots:
            search.append({"servers": k, "disks_per_server": disks, "pass": False,
                           "why": f"needs {disks} disks per server, more than {room.disk_slots} bays"})
            continue
        r = dataclasses.replace(room, servers=k, disks_per_server=disks)
        ev = evaluate(cameras, r, roster=rost, config=cfg, seed=seed, replications=replications, progress=progress)
        search.append(_row(ev))
        last = ev
        if ev.passed:
            break
        unprotected = CAUSES.index("unprotected")
        if room.failover_servers == 0 and any(run.loss_s[:, unprotected].sum() > 0 for run in ev.runs):
            search[-1]["why"] = ("no failover server: a crash loses recording whatever the number of recording "
                                 "servers; set failover_servers >= 1")
            break  # more primaries cannot help
    if last is None:
        raise TwinError(f"no server room up to {limit} servers can hold the retention within {room.disk_slots} bays")
    daily = np.mean([_daily_tb(run, last.topology, cfg.days) for run in last.runs], axis=0)
    return CapacityPlan(last, search, True, _storage(last.room, last.hardware, daily, cfg), not last.passed)


def _row(ev: Evaluation) -> dict[str, Any]:
    return {
        "servers": ev.room.servers,
        "disks_per_server": ev.room.disks_per_server,
        "pass": ev.passed,
        **{k: {"figure": v["figure"], "pass": v["pass"]} for k, v in ev.levels.items()},
    }


def run_time_figures(plan: CapacityPlan, wall_s: float) -> dict[str, float]:
    """Events and simulated days per wall second of the chosen room's replications."""
    runs = plan.evaluation.runs
    w = sum(r.wall_s for r in runs)
    days = len(runs) * (runs[0].series_t[-1] / 86400.0 if len(runs[0].series_t) else 0.0)
    return {
        "run_time_s": round(wall_s, 3),
        "events_per_replication": int(np.mean([r.events for r in runs])),
        "sim_days_per_wall_s": round(days / w, 2) if w > 0 else 0.0,
    }
