"""Named tables of domain facts (see REFERENCE.md), kept as data a user can replace.

Every figure here has a source; none is an unexplained literal in the models.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_BUILDING_HEIGHT_M",
    "DEFAULT_SPEED_KPH",
    "DORI_PROFILES",
    "LEVEL_HEIGHT_M",
    "PLANNING_BITRATE_KBPS",
    "RESOLUTIONS",
    "CODEC_FACTOR",
    "DoriProfile",
    "dori_profile",
    "planning_bitrate_kbps",
]

from dataclasses import dataclass

from ._errors import TwinError

#: Storey height used to turn ``building:levels`` into metres (OSM's common convention).
LEVEL_HEIGHT_M = 3.0
#: Height given to a building that has neither ``height`` nor ``building:levels`` (two storeys).
DEFAULT_BUILDING_HEIGHT_M = 6.0

#: Free-flow speed by OSM ``highway`` class, km/h, for urban roads without ``maxspeed``.
#: Urban figures in the spirit of OSMnx's imputation and Indonesian urban limits (PM 111/2015: 50 km/h
#: in cities, 30 km/h in residential areas).
DEFAULT_SPEED_KPH: dict[str, float] = {
    "motorway": 80.0,
    "trunk": 60.0,
    "primary": 50.0,
    "secondary": 45.0,
    "tertiary": 40.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 15.0,
    "service": 20.0,
    "motorway_link": 50.0,
    "trunk_link": 40.0,
    "primary_link": 40.0,
    "secondary_link": 35.0,
    "tertiary_link": 30.0,
    "road": 30.0,
}
#: Classes that carry vehicles; footways, cycleways, steps and paths are public space but not roads.
DRIVABLE_CLASSES = frozenset(DEFAULT_SPEED_KPH)

#: Named sensor resolutions (width, height) in pixels.
RESOLUTIONS: dict[str, tuple[int, int]] = {
    "VGA": (640, 480),
    "720p": (1280, 720),
    "1080p": (1920, 1080),
    "4MP": (2560, 1440),
    "5MP": (2592, 1944),
    "4K": (3840, 2160),
}

#: Planning bitrates for H.264 at 30 fps, kbit/s (Genetec's planning table, REFERENCE.md).
PLANNING_BITRATE_KBPS: dict[str, float] = {
    "VGA": 1000.0,
    "720p": 2300.0,
    "1080p": 5500.0,
    "4MP": 8000.0,
    "5MP": 10000.0,
    "4K": 20000.0,
}
#: Bitrate relative to H.264 at equal quality (H.265 saves about 15%; MJPEG costs several times more).
CODEC_FACTOR: dict[str, float] = {"h264": 1.0, "h265": 0.85, "mjpeg": 4.0}


def planning_bitrate_kbps(width: int, height: int, fps: float, codec: str) -> float:
    """Planning bitrate for a stream: the table value for the nearest resolution by pixel count.

    Scaled by pixel count between table rows, by ``fps / 30`` (15 fps is about half of 30) and by
    the codec factor.
    """
    codec_key = codec.lower()
    if codec_key not in CODEC_FACTOR:
        raise TwinError(f"unknown codec {codec!r}: use one of {sorted(CODEC_FACTOR)}")
    pixels = width * height
    rows = sorted((RESOLUTIONS[k][0] * RESOLUTIONS[k][1], PLANNING_BITRATE_KBPS[k]) for k in RESOLUTIONS)
    # piecewise-linear in pixel count, clamped proportionally outside the table
    if pixels <= rows[0][0]:
        base = rows[0][1] * pixels / rows[0][0]
    elif pixels >= rows[-1][0]:
        base = rows[-1][1] * pixels / rows[-1][0]
    else:
        for (p0, b0), (p1, b1) in zip(rows, rows[1:], strict=False):
            if p0 <= pixels <= p1:
                base = b0 + (b1 - b0) * (pixels - p0) / (p1 - p0)
                break
    return base * (fps / 30.0) * CODEC_FACTOR[codec_key]


@dataclass(frozen=True)
class DoriProfile:
    """A pixel-density standard: level names, weakest first, with their px/m thresholds."""

    name: str
    levels: tuple[tuple[str, float], ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Level names, weakest first."""
        return tuple(n for n, _ in self.levels)

    def level_index(self, level: str) -> int:
        """1-based index of a level (case-insensitive name), weakest first; TwinError if there is none such."""
        for q, (n, _) in enumerate(self.levels, start=1):
            if n.lower() == level.lower():
                return q
        raise TwinError(f"unknown level {level!r} in profile {self.name!r}: use one of {list(self.names)}")

    def ppm(self, level: str) -> float:
        """Pixels per metre a level needs (case-insensitive name)."""
        return self.levels[self.level_index(level) - 1][1]


#: EN 62676-4:2015 (still on most datasheets) and IEC 62676-4:2025 (in force since October 2025).
DORI_PROFILES: dict[str, DoriProfile] = {
    "EN62676-4:2015": DoriProfile(
        "EN62676-4:2015",
        (
            ("Monitor", 12.5),
            ("Detect", 25.0),
            ("Observe", 62.5),
            ("Recognise", 125.0),
            ("Identify", 250.0),
            ("Inspect", 1000.0),
        ),
    ),
    "IEC62676-4:2025": DoriProfile(
        "IEC62676-4:2025",
        (
            ("Overview", 20.0),
            ("Outline", 40.0),
            ("Discern", 80.0),
            ("Perceive", 125.0),
            ("Characterize", 250.0),
            ("Validate", 500.0),
            ("Scrutinize", 1500.0),
        ),
    ),
}


def dori_profile(name: str) -> DoriProfile:
    """Look a DORI profile up by name (case- and punctuation-insensitive)."""
    key = "".join(c for c in name.lower() if c.isalnum())
    for k, v in DORI_PROFILES.items():
        if "".join(c for c in k.lower() if c.isalnum()) == key:
            return v
    aliases = {
        "en": "EN62676-4:2015",
        "en2015": "EN62676-4:2015",
        "iec": "IEC62676-4:2025",
        "iec2025": "IEC62676-4:2025",
    }
    if key in aliases:
        return DORI_PROFILES[aliases[key]]
    raise TwinError(f"unknown DORI profile {name!r}: use one of {sorted(DORI_PROFILES)}")
