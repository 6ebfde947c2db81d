"""What the cameras cost the people who use them: false alarms, and the operator assumption's weight.

- :func:`false_alarm_costs`: analytics raise false alarms at the run's rate per camera-hour (from the
  detection profile); each costs an operator's verification (``params.verify``) and, under the
  ``dispatch`` policy, a truck trip (``params.false_alarm_trip``). The count over the run is a
  Poisson draw (seeded); the minutes are its expected cost (count x mean). Set against the minutes
  the cameras save, it says what the saving costs. The false alarms are counted, not simulated one
  by one: they do not queue in front of real alarms at the operator desk, nor take a truck from a
  real fire (at tens of alarms an hour per camera that would be millions of SimPy events a year).
- :func:`sensitivity_row`: the minutes saved for one value of the operator-notice chance, on the
  same fires and the same run without cameras, for the low / central / high table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.fire.params import FireParams
    from sim.fire.profile import DetectionDraw

__all__ = ["false_alarm_costs", "sensitivity_row"]


def false_alarm_costs(
    draw: DetectionDraw,
    params: FireParams,
    *,
    analytics_cameras: int,
    days: float,
    operators_per_shift: list[int],
    minutes_saved_total: float | None,
    seed: int,
) -> dict[str, Any]:
    """False alarms of the run: how many, what they cost in operator (and truck) minutes.

    Args:
        draw: the run's detection numbers (its false alarm rate per camera-hour).
        params: verification time, policy, truck trip.
        analytics_cameras: cameras running analytics.
        days: the run's length.
        operators_per_shift: operators on duty in each shift (for the share of their time).
        minutes_saved_total: minutes the cameras saved over all fires (None: not compared).
        seed: the run's seed (the Poisson count is drawn from it).
    """
    camera_hours = analytics_cameras * days * 24.0
    expected = draw.false_alarms_per_camera_hour * camera_hours
    count = int(np.random.default_rng([seed, 0xFA15E]).poisson(expected)) if expected > 0 else 0
    op_min = count * params.verify.mean_s / 60.0
    staff = float(np.mean(operators_per_shift)) if operators_per_shift else 0.0
    duty_min = staff * days * 24.0 * 60.0
    out: dict[str, Any] = {
        "policy": params.false_alarm_policy,
        "per_camera_hour": draw.false_alarms_per_camera_hour,
        "analytics_cameras": analytics_cameras,
        "camera_hours": camera_hours,
        "expected": expected,
        "count": count,
        "per_day": count / days if days > 0 else None,
        "operator_minutes": op_min,
        "operator_minutes_per_day": op_min / days if days > 0 else None,
        "operator_share_of_duty_time": op_min / duty_min if duty_min > 0 else None,
        "truck_minutes": count * params.false_alarm_trip.mean_s / 60.0 if params.false_alarm_policy == "dispatch"
        else 0.0,
        "minutes_saved_total": minutes_saved_total,
        "operator_minutes_per_minute_saved": (op_min / minutes_saved_total
                                              if minutes_saved_total and minutes_saved_total > 0 else None),
        "simulated": False,
    }
    return out


def sensitivity_row(p_notice: float, saved: dict[str, Any], incidents_operator: int) -> dict[str, Any]:
    """One row of the operator-notice table: the chance, the minutes saved, fires an operator found first."""
    return {
        "operator_p_notice": p_notice,
        "minutes_saved_mean": saved["mean"],
        "minutes_saved_mean_ci95": saved.get("mean_ci95"),
        "minutes_saved_total": saved["total_minutes"],
        "incidents_helped": saved["incidents_helped"],
        "found_by_operator": incidents_operator,
    }

