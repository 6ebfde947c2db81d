"""Fire response with the cameras in the loop: incidents, dispatch, travel, detection by cameras.

The model; its outputs (CDF plot, incidents CSV) are in :mod:`sim.fire.report`, which the model never imports.
"""

from __future__ import annotations

from ._detect import Sightings, best_level_pairs, coverage_sightings
from ._engine import MUTUAL_AID, MUTUAL_AID_SHOWN_S, SOURCES, DispatchOption, FireEngine, Inject, Outcome, fleet
from ._incidents import Incidents, building_zone, generate_incidents, make_incidents, zone_rates_per_year
from ._params import FireParams, Lognormal
from ._study import (
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
from ._town import grid_town
from .profile import DEFAULT_PROFILE, DetectionDraw, DetectionProfile, load_profile

__all__ = [
    "DEFAULT_PROFILE",
    "MUTUAL_AID",
    "MUTUAL_AID_SHOWN_S",
    "SOURCES",
    "DetectionDraw",
    "DetectionProfile",
    "DispatchOption",
    "FireEngine",
    "FireParams",
    "FireRun",
    "FireStudy",
    "Incidents",
    "Inject",
    "Lognormal",
    "Outcome",
    "Sightings",
    "best_level_pairs",
    "building_zone",
    "camera_keys",
    "camera_outages",
    "camera_pairs",
    "coverage_sightings",
    "demand_by_node",
    "detection_draw",
    "fleet",
    "fleet_hypercube",
    "generate_incidents",
    "grid_town",
    "hash_uniform",
    "load_profile",
    "make_incidents",
    "minutes_saved",
    "prepare_cameras",
    "roster",
    "run_fire",
    "zone_rates_per_year",
]
