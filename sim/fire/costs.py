"""What the cameras cost the people who use them: false alarms, and the operator assumption's weight.

- :func:`false_alarm_costs`: analytics raise false alarms at the run's rate per camera-hour (from the
  detection profile); each costs an operator's verification (``params.verify``) and, under the
  ``dispatch`` policy, a truck trip (``params.false_alarm_trip``). The count over the run is a
  Poisson draw (seeded); the minutes are its expected cost (count x mean). Set against the minutes
  the cameras save, it says what the saving costs.
- :func:`false_alarm_wait_s`: the wait a real analytics alarm has at the operator desk behind the
  false ones, from the M/M/c queue they form (Poisson arrivals at the run's rate, service at the mean
  verification time, the operators on duty as servers: Erlang C). Past the desk's capacity the wait
  is infinite: the real alarm is never verified in time and a call or an operator finds the fire.
  The false alarms are not simulated one by one (at tens an hour per camera that would be millions
  of SimPy events a year), and under the ``dispatch`` policy their truck trips are counted, not
  taken from the fleet: a real fire never waits for a truck on a false trip in this model.
- :func:`sensitivity_row`: the minutes saved for one value of the operator-notice chance, on the
  same fires and the same run without cameras, for the low / central / high table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.queueing import erlang_c

if TYPE_CHECKING:
    from sim.fire._params import FireParams
    from sim.fire.profile import DetectionDraw

__all__ = ["false_alarm_costs", "false_alarm_wait_s", "sensitivity_row"]


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



def false_alarm_wait_s(
    rate_per_s: float, verify_mean_s: float, on_duty: np.ndarray, u_wait: np.ndarray, u_len: np.ndarray
) -> np.ndarray:
    """Wait of real alarms behind false ones at the operator desk (M/M/c, Erlang C), per alarm.

    Args:
        rate_per_s: false alarms per second over all analytics cameras.
        verify_mean_s: mean verification time (the service time).
        on_duty: operators on duty when each real alarm comes.
        u_wait: uniform draws deciding whether each alarm waits (it does with probability C(c, a)).
        u_len: uniform draws for the length of the wait, exponential at rate ``c / m - lambda``.

    Returns:
        Seconds per alarm; inf where the false alarms alone fill the desk (offered load >= operators).
    """
    c = np.asarray(on_duty, dtype=np.int64)
    out = np.zeros(c.shape)
    a = rate_per_s * verify_mean_s
    if a <= 0:
        return out
    for k in np.unique(c):
        m = c == k
        if k <= 0 or a >= k:
            out[m] = np.inf
            continue
        p_wait = erlang_c(int(k), a)
        drain = k / verify_mean_s - rate_per_s
        out[m] = np.where(u_wait[m] < p_wait, -np.log(np.clip(u_len[m], 1e-300, 1.0)) / drain, 0.0)
    return out
