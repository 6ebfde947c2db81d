"""Street life: vehicles on the road graph and pedestrians in public space, by hour of day.

A SimPy process (:class:`LifeModel`) beside the showroom's other models, seeded, stepped per frame
by the render loop's :class:`sim.clock.SimClock`; its state is numpy arrays and it hands the scene a
:class:`sim.snapshot.LifeState`. The densities and their daily shape are data
(:func:`load_traffic_profile`, ``traffic_profile.json``).
"""

from ._model import LifeModel
from ._profile import VEHICLE_KINDS, ClassLife, TrafficProfile, load_traffic_profile

__all__ = ["VEHICLE_KINDS", "ClassLife", "LifeModel", "TrafficProfile", "load_traffic_profile"]
