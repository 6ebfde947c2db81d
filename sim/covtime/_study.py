"""Coverage over time: the static coverage run through failures, repairs, PTZ patrols, night and the wall.

A coverage map answers "what could the cameras see"; this model answers "what was seen, and what
was watched, last Tuesday at 2 a.m.". A cell is *seen* at time t at a DORI level when a camera pose
that is up (not failed, its district powered and connected), active (a PTZ is at that preset and not
taken to an incident) sees it at that level under the light of the moment (day or night factors,
infrared reach). It is *watched* when, moreover, an operator has that camera on a wall tile.

Time-weighted coverage is the integral over the run of the share of public cells seen (or watched),
divided by the run's length; each camera pose's cells are computed once by :mod:`twin.coverage` (no
line of sight recomputed per event) and the time integration is exact (no time step): see
:mod:`sim.covtime._static`, :mod:`sim.covtime._model` and :mod:`sim.covtime._kernel`.

Use :func:`prepare` once per camera set, then :func:`simulate` per replication, or
:func:`run_coverage_time` for replications with 95% confidence intervals and policy comparisons.
"""

from __future__ import annotations

__all__ = [
    "NIGHT_PROFILES",
    "POLICIES",
    "ROTATIONS",
    "CoverageTimeConfig",
    "CoverageTimeResult",
    "NightProfile",
    "RunResult",
    "StaticSets",
    "compare_policies",
    "config_from_mapping",
    "load_settings",
    "parse_policies",
    "prepare",
    "run_coverage_time",
    "simulate",
    "with_changes",
]

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import stdtrit

from sim.covtime._config import (
    NIGHT_PROFILES,
    ROTATIONS,
    CoverageTimeConfig,
    NightProfile,
    config_from_mapping,
    load_settings,
)
from sim.covtime._kernel import integrate
from sim.covtime._model import run_model
from sim.covtime._static import StaticSets, build_static_sets
from sim.covtime._sun import daylight_intervals
from sim.operators import Roster
from twin import TwinError, select_cameras
from twin.profiles import DoriProfile, dori_profile
from twin.raster import build_raster

if TYPE_CHECKING:
    from twin import Camera, Twin
    from twin.raster import HeightRaster


def _factors(cameras: list[Camera], cfg: CoverageTimeConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = NIGHT_PROFILES if cfg.night_profiles is None else cfg.night_profiles
    day, night, ir = [], [], []
    for c in cameras:
        if c.type not in table:
            raise TwinError(f"camera {c.id}: no night profile for camera type {c.type!r} (known {sorted(table)})")
        p = table[c.type]
        d, n = cfg.camera_factors.get(c.id, (p.day_ppm_factor, p.night_ppm_factor))
        day.append(d)
        night.append(n)
        ir.append(float(c.ir_range_m) if c.ir_range_m else p.ir_range_m)
    return np.array(day, dtype=float), np.array(night, dtype=float), np.array(ir, dtype=float)


def prepare(
    twin: Twin,
    cameras: list[Camera] | None = None,
    *,
    config: CoverageTimeConfig | None = None,
    raster: HeightRaster | None = None,
    resolution_m: float = 2.0,
    profile: str | DoriProfile | None = None,
    target_height_m: float = 1.6,
) -> StaticSets:
    """Each camera pose's coverage, once, by day and by night, grouped by signature.

    Args:
        twin: the city.
        cameras: default the city's existing and planned cameras.
        config: the run settings (the day and night factors are taken from it).
        raster: a height raster already built (else one at ``resolution_m``).
        resolution_m: cell size when the raster is built here.
        profile: DORI profile (default the city's).
        target_height_m: target height above the ground.

    Raises:
        TwinError: a PTZ preset with a dwell that is not > 0, an unknown camera type or profile.
    """
    cfg = config or CoverageTimeConfig()
    cams = list(cameras) if cameras is not None else select_cameras(twin, "all")
    if not cams:
        raise TwinError("coverage over time needs at least one camera (the camera set is empty)")
    prof = profile if isinstance(profile, DoriProfile) else dori_profile(profile or twin.standards.dori)
    if raster is None:
        raster = build_raster(twin, resolution_m=resolution_m)
    day, night, ir = _factors(cams, cfg)
    return build_static_sets(
        twin, cams, raster, prof, target_height_m=target_height_m, day_factor=day, night_factor=night, ir_range_m=ir
    )


@dataclass
class RunResult:
    """One replication: seconds each signature was seen/watched at each level, and the logs.

    ``acc[ch, s, l]``: seconds signature ``s`` was seen (ch 0) or watched (ch 1) at level ``l + 1``
    or better; ``series[ch, l, b]``: share of public cells seen/watched at level ``l + 1`` in bin ``b``.
    """

    horizon_s: float
    acc: np.ndarray
    series: np.ndarray
    cam_up_s: np.ndarray
    cam_shown_s: np.ndarray
    cam_watch_s: np.ndarray
    pose_s: np.ndarray
    repairs: list[dict[str, float]]
    district_outages: list[dict[str, Any]]
    takeovers: int
    wall_steps: int
    records: int
    timings_s: dict[str, float] = field(default_factory=dict)

    def public_share(self, ss: StaticSets, channel: int = 0) -> np.ndarray:
        """Time-weighted share of public cells seen (0) or watched (1), per level (at least that level)."""
        return self.acc[channel].T @ ss.sig_public / (self.horizon_s * max(ss.n_public, 1))

    def priority_share(self, ss: StaticSets, channel: int = 0) -> np.ndarray:
        """As :meth:`public_share`, each cell weighted by its zone's priority."""
        return self.acc[channel].T @ ss.sig_priority / (self.horizon_s * max(ss.public_priority_sum, 1e-12))

    def cell_share(self, ss: StaticSets, channel: int = 0, level: int = 1) -> np.ndarray:
        """Per cell of ``ss.cells``: share of the time it was seen/watched at ``level`` or better."""
        return self.acc[channel, ss.sig_of_cell, level - 1] / self.horizon_s

    def zone_share(self, ss: StaticSets, channel: int = 0) -> np.ndarray:
        """(zones, levels): time-weighted share of each zone's public cells seen/watched."""
        m = ss.cell_public & (ss.cell_zone >= 0)
        z = ss.cell_zone[m]
        nz = len(ss.zone_ids)
        out = np.zeros((nz, ss.n_levels))
        for lv in range(ss.n_levels):
            w = self.acc[channel, ss.sig_of_cell[m], lv]
            out[:, lv] = np.bincount(z, weights=w, minlength=nz)
        return out / (self.horizon_s * np.maximum(ss.zone_public_cells, 1.0))[:, None]

    def hourly(self, ss: StaticSets, channel: int, bin_s: float) -> np.ndarray:
        """(levels, bins): share of public cells seen/watched in each bin."""
        nb = self.series.shape[2]
        lens = np.minimum(bin_s, self.horizon_s - np.arange(nb) * bin_s)
        return self.series[channel] / (np.maximum(lens, 1e-12) * max(ss.n_public, 1))


def _roster(twin: Twin, cfg: CoverageTimeConfig) -> Roster:
    ops = twin.command_center.operators
    return Roster(
        count=int(cfg.operators if cfg.operators is not None else ops.count),
        shifts=int(cfg.shifts if cfg.shifts is not None else ops.shifts),
        tiles_per_operator=int(
            cfg.tiles_per_operator if cfg.tiles_per_operator is not None else ops.tiles_per_operator
        ),
        first_shift_h=cfg.first_shift_h,
    )


def _daylight(twin: Twin, cfg: CoverageTimeConfig) -> np.ndarray:
    h = cfg.horizon_s
    if cfg.daylight == "day":
        return np.array([[0.0, h]])
    if cfg.daylight == "night":
        return np.empty((0, 2))
    lat, lon = twin.frame.origin_lat, twin.frame.origin_lon
    off = cfg.utc_offset_h if cfg.utc_offset_h is not None else float(round(lon / 15.0))
    return daylight_intervals(lat, lon, cfg.date, h, utc_offset_h=off)


def simulate(
    twin: Twin, static: StaticSets, *, config: CoverageTimeConfig | None = None, seed: int | np.random.Generator = 0
) -> RunResult:
    """One replication of the model over ``config.days`` (see the module docstring).

    Raises:
        TwinError: bad settings (an unknown rotation, zero operators, ...).
    """
    cfg = config or CoverageTimeConfig()
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    roster = _roster(twin, cfg)
    t0 = time.perf_counter()
    cc = twin.command_center
    run = run_model(static, cfg, roster, rng, depot_xy=(cc.x, cc.y), daylight=_daylight(twin, cfg))
    t1 = time.perf_counter()
    o = np.argsort(run.t, kind="stable")  # the records are nearly sorted already: cheap
    t2 = time.perf_counter()
    n_bins = max(int(math.ceil(cfg.horizon_s / cfg.bin_s)), 1)
    acc, series, up_s, shown_s, watch_s, pose_s = integrate(
        run.t[o],
        run.cam[o],
        run.kind[o],
        run.val[o],
        static.pose_first,
        static.var_ptr,
        static.ent_sig,
        static.ent_lev,
        static.sig_public,
        static.n_sig + 1,
        static.n_levels,
        cfg.horizon_s,
        cfg.bin_s,
        n_bins,
    )
    t3 = time.perf_counter()
    return RunResult(
        horizon_s=cfg.horizon_s,
        acc=acc,
        series=series,
        cam_up_s=up_s,
        cam_shown_s=shown_s,
        cam_watch_s=watch_s,
        pose_s=pose_s,
        repairs=run.repairs,
        district_outages=run.district_outages,
        takeovers=run.takeovers,
        wall_steps=run.wall_steps,
        records=len(run.t),
        timings_s={"simpy": t1 - t0, "sort": t2 - t1, "integrate": t3 - t2},
    )


def _ci(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95% half-width (Student t) over axis 0; half-width 0 for a single replication."""
    x = np.asarray(x, dtype=float)
    m = x.mean(axis=0)
    n = x.shape[0]
    if n < 2:
        return m, np.zeros_like(m)
    return m, stdtrit(n - 1, 0.975) * x.std(axis=0, ddof=1) / math.sqrt(n)


def _mci(a: Any, nd: int = 5) -> dict[str, float]:
    """``{"mean", "ci95"}`` of a figure over replications (see :func:`_ci`), rounded to ``nd`` places."""
    m, h = _ci(np.asarray(a, dtype=float))
    return {"mean": round(float(m), nd), "ci95": round(float(h), nd)}


def _mci_levels(a: np.ndarray, names: list[str]) -> dict[str, dict[str, float]]:
    """Per level name, ``{"mean", "ci95"}`` of a (replications, levels) array, rounded to 5 places."""
    m, h = _ci(a)
    return {n: {"mean": round(float(m[q]), 5), "ci95": round(float(h[q]), 5)} for q, n in enumerate(names)}


@dataclass
class CoverageTimeResult:
    """Replications of one configuration, and the figures over them (mean and 95% half-width)."""

    static: StaticSets
    config: CoverageTimeConfig
    roster: Roster
    runs: list[RunResult]
    seed: int
    timings_s: dict[str, float] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        """The headline figures: static, seen and watched public share per level, availability, crews."""
        ss = self.static
        names = list(ss.profile.names)
        seen = np.array([r.public_share(ss, 0) for r in self.runs])
        watched = np.array([r.public_share(ss, 1) for r in self.runs])
        pseen = np.array([r.priority_share(ss, 0) for r in self.runs])
        pwat = np.array([r.priority_share(ss, 1) for r in self.runs])
        avail = np.array([r.cam_up_s.mean() / r.horizon_s for r in self.runs])
        shown = np.array([r.cam_shown_s.mean() / r.horizon_s for r in self.runs])
        static = ss.static_public_share()
        reps = [rp for r in self.runs for rp in r.repairs]
        rep = {
            "repairs": len(reps),
            "repairs_per_run": round(len(reps) / len(self.runs), 2),
            "mean_detect_s": round(float(np.mean([r["detect_s"] for r in reps])), 1) if reps else None,
            "mean_wait_s": round(float(np.mean([r["wait_s"] for r in reps])), 1) if reps else None,
            "mean_down_s": round(float(np.mean([r["down_s"] for r in reps])), 1) if reps else None,
        }
        return {
            "static_public_share": {n: round(float(static[q]), 5) for q, n in enumerate(names)},
            "seen_public_share": _mci_levels(seen, names),
            "watched_public_share": _mci_levels(watched, names),
            "seen_public_share_priority_weighted": _mci_levels(pseen, names),
            "watched_public_share_priority_weighted": _mci_levels(pwat, names),
            "camera_availability": _mci(avail),
            "camera_on_wall_share": _mci(shown),
            "repairs": rep,
            "district_outages_per_run": round(float(np.mean([len(r.district_outages) for r in self.runs])), 2),
            "ptz_takeovers_per_run": round(float(np.mean([r.takeovers for r in self.runs])), 2),
        }


def run_coverage_time(
    twin: Twin,
    cameras: list[Camera] | None = None,
    *,
    config: CoverageTimeConfig | None = None,
    seed: int = 0,
    replications: int = 3,
    static: StaticSets | None = None,
    resolution_m: float = 2.0,
    profile: str | DoriProfile | None = None,
    target_height_m: float = 1.6,
    progress: Any = None,
) -> CoverageTimeResult:
    """Run ``replications`` independent replications (seeds spawned from ``seed``).

    Raises:
        TwinError: bad settings; ``replications`` below 1.
    """
    cfg = config or CoverageTimeConfig()
    if isinstance(replications, bool) or int(replications) != replications or replications < 1:
        raise TwinError(f"replications must be a whole number >= 1, got {replications!r}")
    roster = _roster(twin, cfg)  # bad operator settings fail before any work
    t0 = time.perf_counter()
    ss = static or prepare(
        twin, cameras, config=cfg, resolution_m=resolution_m, profile=profile, target_height_m=target_height_m
    )
    t1 = time.perf_counter()
    runs = []
    for child in np.random.SeedSequence(seed).spawn(int(replications)):
        runs.append(simulate(twin, ss, config=cfg, seed=np.random.default_rng(child)))
        if progress is not None:
            progress(1)
    t2 = time.perf_counter()
    return CoverageTimeResult(
        static=ss,
        config=cfg,
        roster=roster,
        runs=runs,
        seed=seed,
        timings_s={"static": t1 - t0, "replications": t2 - t1},
    )


def with_changes(config: CoverageTimeConfig, **changes: Any) -> CoverageTimeConfig:
    """A copy of ``config`` with some settings changed (validated again)."""
    return dataclasses.replace(config, **changes)


#: The changes :func:`compare_policies` knows.
POLICIES = ("crews", "rotation", "cameras")


def parse_policies(text: str) -> list[str]:
    """A comma-separated list of :data:`POLICIES` (or ``none``) as a list; TwinError for an unknown name."""
    if text.strip().lower() == "none":
        return []
    names = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in names if c not in POLICIES]
    if bad:
        raise TwinError(f"unknown policy comparison {bad[0]!r}: choose from {', '.join(POLICIES)} (or none)")
    return names


def compare_policies(
    twin: Twin,
    base: CoverageTimeResult,
    *,
    compare: list[str],
    other_cameras: tuple[str, list[Camera]] | None = None,
    replications: int | None = None,
) -> list[dict[str, Any]]:
    """Rerun with one change at a time and report each beside the base (common random numbers).

    ``compare`` names the changes: ``crews`` (one crew more), ``rotation`` (each other rotation),
    ``cameras`` (``other_cameras``: a label and another camera set, e.g. with the planned 101).
    Each run uses the base's seed, so the replications share their random streams where the model
    allows and the differences are sharper than between independent runs.
    """
    parse_policies(",".join(compare) or "none")
    reps = replications or len(base.runs)
    cfg = base.config
    todo: list[tuple[str, str, CoverageTimeConfig, StaticSets | None, list[Camera] | None]] = []
    if "crews" in compare:
        todo.append(
            ("crews", f"{cfg.crews + 1} repair crews", with_changes(cfg, crews=cfg.crews + 1), base.static, None)
        )
    if "rotation" in compare:
        for rot in ROTATIONS:
            if rot != cfg.rotation:
                todo.append(("rotation", f"rotation {rot}", with_changes(cfg, rotation=rot), base.static, None))
    if "cameras" in compare and other_cameras is not None:
        label, cams = other_cameras
        todo.append(("cameras", label, cfg, None, cams))
    ss0 = base.static
    rows = [_policy_row("base", "as configured", base, base)]
    for kind, label, c, ss, cams in todo:
        if ss is None:
            r = ss0.raster
            ss = prepare(twin, cams, config=c, raster=r, profile=ss0.profile, target_height_m=ss0.target_height_m)
        res = run_coverage_time(twin, config=c, seed=base.seed, replications=reps, static=ss)
        rows.append(_policy_row(kind, label, res, base))  # res.static is ss: its "cameras" are ss's
    return rows


def _policy_row(kind: str, label: str, res: CoverageTimeResult, base: CoverageTimeResult) -> dict[str, Any]:
    ss, sb = res.static, base.static
    names = list(ss.profile.names)
    n = min(len(res.runs), len(base.runs))
    out: dict[str, Any] = {"policy": kind, "change": label, "cameras": len(ss.cameras)}
    for ch, word in ((0, "seen"), (1, "watched")):
        a = np.array([r.public_share(ss, ch) for r in res.runs])
        b = np.array([r.public_share(sb, ch) for r in base.runs])
        out[word] = _mci_levels(a, names)
        out[f"{word}_change"] = _mci_levels(a[:n] - b[:n], names)
    av = np.array([r.cam_up_s.mean() / r.horizon_s for r in res.runs])
    out["camera_availability"] = _mci(av)
    return out
