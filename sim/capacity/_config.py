"""Inputs of the capacity model: parameters, service levels, RAID facts and the hardware they imply."""

from __future__ import annotations

__all__ = [
    "RAID",
    "CapacityConfig",
    "Fault",
    "Hardware",
    "ServiceLevels",
    "check_server_room",
    "hardware",
]

import math
from dataclasses import dataclass, field

from sim.faults import FAULT_RATES, FaultRate
from sim.streams import PROFILES, StreamProfile
from twin import ServerRoom, TwinError


@dataclass(frozen=True)
class RaidLevel:
    """Usable share of raw capacity, write penalty (I/Os per write) and fewest disks of a RAID level."""

    usable: str
    write_penalty: int
    min_disks: int

    def usable_disks(self, n: int) -> float:
        """Disks' worth of usable capacity in an array of ``n`` disks."""
        return {"n-1": n - 1, "n-2": n - 2, "n/2": n / 2}[self.usable]

    def disks_for(self, usable_disks: float) -> int:
        """Fewest disks whose array holds ``usable_disks`` disks' worth of data."""
        k = math.ceil(usable_disks - 1e-9)
        n = {"n-1": k + 1, "n-2": k + 2, "n/2": 2 * k}[self.usable]
        return max(n, self.min_disks)


#: REFERENCE.md: usable RAID-5 (N-1)/N, RAID-6 (N-2)/N, RAID-10 1/2; write penalties 4 / 6 / 2.
RAID: dict[str, RaidLevel] = {
    "raid5": RaidLevel("n-1", 4, 3),
    "raid6": RaidLevel("n-2", 6, 4),
    "raid10": RaidLevel("n/2", 2, 4),
}


@dataclass(frozen=True)
class ServiceLevels:
    """What the server room must achieve (the defaults of the issue).

    Attributes:
        max_loss_beyond_failover_s: recording seconds a camera may lose to anything but the failover
            gap (detection + reassignment) and outages outside the server room (camera, uplink, power).
        p95_live_latency_ms: 95th percentile of live-view latency at the wall.
        max_intake_utilisation: peak intake of any recording server over its rated intake.
    """

    max_loss_beyond_failover_s: float = 0.0
    p95_live_latency_ms: float = 500.0
    max_intake_utilisation: float = 0.8


@dataclass(frozen=True)
class Fault:
    """A fault injected at a given time (on top of any random ones).

    Attributes:
        kind: ``server`` (crash), ``disk`` (failure and RAID rebuild), ``uplink`` (an edge switch's
            uplink down), ``power`` (every camera loses power), ``camera`` (one camera down).
        target: server index (0-based, primaries first, then the failover pool), switch index or
            camera index; ignored for ``power``.
        at_s: when it happens, sim seconds.
        duration_s: how long the unit stays down (for ``disk``: ignored, the rebuild time follows
            from the disk size and rebuild rate).
    """

    kind: str
    target: int = 0
    at_s: float = 0.0
    duration_s: float = 3600.0

    def __post_init__(self) -> None:
        if self.kind not in ("server", "disk", "uplink", "power", "camera"):
            raise TwinError(f"fault kind must be server, disk, uplink, power or camera, got {self.kind!r}")
        if not (self.at_s >= 0 and self.duration_s >= 0):
            raise TwinError(f"fault {self.kind}: at_s and duration_s must be >= 0, got {self.at_s}, {self.duration_s}")


@dataclass(frozen=True)
class CapacityConfig:
    """Every parameter of the capacity model, with documented planning defaults.

    Attributes:
        days: simulated days per replication.
        profile: how bitrates move with the scene (:mod:`sim.streams`).
        faults: ``both`` (design-basis faults plus random ones), ``design`` (in every replication one
            server crash, one disk failure, one uplink outage and one power cut at random times),
            ``random`` (MTBF/MTTR processes of :mod:`sim.faults` only) or ``none``.
        fault_rates: the MTBF/MTTR table (:data:`sim.faults.FAULT_RATES`).
        detection_s: time before the failover server notices a dead recording server.
        reassign_s: time for the failover server to take over and start recording its cameras.
        boot_s: camera boot time after power returns.
        connect_s: time a recording server spends setting up one camera's stream.
        connect_workers: camera connections a server sets up at once.
        rebuild_mb_s: RAID rebuild rate under recording load, MB/s.
        rebuild_write_factor: share of write throughput left to recording during a rebuild.
        analytics_servers: analytics servers (each analyses one clip at a time).
        analytics_service_s: mean analysis time of one event clip (exponential).
        analytics_capacity: jobs the analytics queue holds (waiting + in service); more are dropped.
        investigations_per_day: archive retrievals by investigators (Poisson).
        clip_s: footage one retrieval exports, seconds of video.
        playback_speed: read speed of an export relative to real time.
        rotation_s: how often the wall moves each tile to the next camera.
        first_shift_h: local hour the first operator shift starts.
        latency_base_ms: camera-to-wall latency without server queueing (encode, network, decode).
        latency_jitter_ms: uniform spread added to the base.
        i_frame_ratio: size of an I-frame over a P-frame (frame-size spread at the server queue; H.264
            CCTV encoders send about 5-10; an assumption, see :mod:`sim.capacity.latency`).
        gop_frames: frames per GOP (one I-frame each; 2 s at 25 fps).
        latency_timeout_ms: latency counted when a server is saturated (the tile stalls).
        sample_s: spacing of the utilisation and storage time series.
        storage_headroom: free space kept on top of the retention need when sizing storage.
        service_levels: what counts as pass.
    """

    days: float = 7.0
    profile: StreamProfile = field(default_factory=lambda: PROFILES["planning"])
    faults: str = "both"
    fault_rates: dict[str, FaultRate] = field(default_factory=lambda: dict(FAULT_RATES))
    detection_s: float = 30.0
    reassign_s: float = 10.0
    boot_s: float = 90.0
    connect_s: float = 0.5
    connect_workers: int = 2
    rebuild_mb_s: float = 50.0
    rebuild_write_factor: float = 0.5
    analytics_servers: int = 4
    analytics_service_s: float = 120.0
    analytics_capacity: int = 200
    investigations_per_day: float = 24.0
    clip_s: float = 1800.0
    playback_speed: float = 8.0
    rotation_s: float = 60.0
    first_shift_h: float = 7.0
    latency_base_ms: float = 150.0
    latency_jitter_ms: float = 50.0
    i_frame_ratio: float = 8.0
    gop_frames: int = 50
    latency_timeout_ms: float = 5000.0
    sample_s: float = 900.0
    storage_headroom: float = 1.1
    service_levels: ServiceLevels = field(default_factory=ServiceLevels)

    def __post_init__(self) -> None:
        if self.faults not in ("both", "design", "random", "none"):
            raise TwinError(f"faults must be both, design, random or none, got {self.faults!r}")
        if not (self.days > 0 and math.isfinite(self.days)):
            raise TwinError(f"days must be > 0, got {self.days!r}")
        positive = (
            "connect_s", "rebuild_mb_s", "analytics_service_s", "clip_s", "playback_speed", "rotation_s",
            "i_frame_ratio", "latency_timeout_ms", "sample_s",
        )
        for f in positive:
            v = getattr(self, f)
            if not (v > 0 and math.isfinite(v)):
                raise TwinError(f"capacity config: {f} must be > 0, got {v!r}")
        for f in ("detection_s", "reassign_s", "boot_s", "investigations_per_day", "latency_base_ms",
                  "latency_jitter_ms"):
            v = getattr(self, f)
            if not (v >= 0 and math.isfinite(v)):
                raise TwinError(f"capacity config: {f} must be >= 0, got {v!r}")
        for f in ("connect_workers", "analytics_servers", "analytics_capacity", "gop_frames"):
            if getattr(self, f) < 1:
                raise TwinError(f"capacity config: {f} must be >= 1, got {getattr(self, f)!r}")
        if not 0 < self.rebuild_write_factor <= 1:
            raise TwinError(f"rebuild_write_factor must be in (0, 1], got {self.rebuild_write_factor!r}")
        if self.storage_headroom < 1:
            raise TwinError(f"storage_headroom must be >= 1, got {self.storage_headroom!r}")


def check_server_room(room: ServerRoom, *, where: str = "server_room") -> None:
    """Raise a :class:`TwinError` naming the setting when the server room cannot work at all."""
    if room.servers < 1:
        raise TwinError(f"{where}.servers must be >= 1 recording server, got {room.servers}")
    if room.retention_days <= 0:
        raise TwinError(f"{where}.retention_days must be > 0 days, got {room.retention_days}")
    for f in ("cameras_per_server", "disks_per_server", "disk_slots", "cameras_per_switch"):
        if getattr(room, f) < 1:
            raise TwinError(f"{where}.{f} must be >= 1, got {getattr(room, f)}")
    for f in ("nic_gbps", "disk_tb", "disk_write_mb_s", "uplink_gbps", "core_gbps"):
        v = getattr(room, f)
        if not (v > 0 and math.isfinite(v)):
            raise TwinError(f"{where}.{f} must be > 0, got {v}")
    if room.failover_servers < 0:
        raise TwinError(f"{where}.failover_servers must be >= 0, got {room.failover_servers}")
    raid = str(room.raid).lower()
    if raid not in RAID:
        raise TwinError(f"{where}.raid must be one of {sorted(RAID)}, got {room.raid!r}")
    if room.disks_per_server < RAID[raid].min_disks:
        raise TwinError(f"{where}.disks_per_server: {raid} needs at least {RAID[raid].min_disks} disks, "
                        f"got {room.disks_per_server}")


@dataclass(frozen=True)
class Hardware:
    """Per-server figures implied by a server room (all servers alike, spares included).

    Attributes:
        nic_mbps: network intake, Mbit/s.
        disk_write_mbps: sustained write of the array with the RAID write penalty, Mbit/s.
        rated_intake_mbps: the smaller of the two: what a server is rated to record.
        usable_tb: usable storage after RAID, TB (decimal).
        raw_tb: raw storage, TB.
        rebuild_s: time to rebuild one failed disk.
        disks: disks in each server's array.
    """

    nic_mbps: float
    disk_write_mbps: float
    rated_intake_mbps: float
    usable_tb: float
    raw_tb: float
    rebuild_s: float
    disks: int = 12


def hardware(room: ServerRoom, config: CapacityConfig) -> Hardware:
    """The per-server figures of ``room``: NIC, RAID-penalised write, usable and raw TB, rebuild time."""
    level = RAID[str(room.raid).lower()]
    nic = room.nic_gbps * 1000.0
    disk = room.disks_per_server * room.disk_write_mb_s * 8.0 / level.write_penalty
    return Hardware(
        nic_mbps=nic,
        disk_write_mbps=disk,
        rated_intake_mbps=min(nic, disk),
        usable_tb=level.usable_disks(room.disks_per_server) * room.disk_tb,
        raw_tb=room.disks_per_server * room.disk_tb,
        rebuild_s=room.disk_tb * 1e6 / config.rebuild_mb_s,
        disks=room.disks_per_server,
    )
