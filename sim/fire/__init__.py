"""Fire response with the cameras in the loop: incidents, dispatch, travel, detection by cameras."""

from __future__ import annotations

from .params import FireParams
from .profile import DEFAULT_PROFILE, DetectionDraw, DetectionProfile, load_profile
from .study import (
    FireRun,
    FireStudy,
    camera_keys,
    camera_outages,
    camera_pairs,
    demand_by_node,
    detection_draw,
    fleet_hypercube,
    hash_uniform,
    minutes_saved,
    prepare_cameras,
    roster,
    run_fire,
)

__all__ = [
    "DEFAULT_PROFILE",
    "DetectionDraw",
    "DetectionProfile",
    "FireParams",
    "FireRun",
    "FireStudy",
    "camera_keys",
    "camera_outages",
    "camera_pairs",
    "demand_by_node",
    "detection_draw",
    "fleet_hypercube",
    "hash_uniform",
    "load_profile",
    "minutes_saved",
    "prepare_cameras",
    "roster",
    "run_fire",
]
