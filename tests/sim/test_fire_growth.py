"""t-squared growth, flashover thresholds and the standard checks against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.firegrowth import (
    Room,
    flashover_kw_babrauskas,
    flashover_kw_thomas,
    heat_release_kw,
    time_to_kw,
    ventilation_limit_kw,
)
from sim.standards import PhaseLimit, compliance, standard
from sim.travel import accel_time_s
from twin import TwinError


@pytest.mark.parametrize(("growth", "t_s"), [("slow", 600), ("medium", 300), ("fast", 150), ("ultra-fast", 75)])
def test_growth_classes_reach_1055_kw_at_their_time(growth: str, t_s: float) -> None:
    # the classes are defined by 1,000 BTU/s (1,055 kW) at 600 / 300 / 150 / 75 s
    assert float(heat_release_kw(t_s, growth)) == pytest.approx(1055.0, rel=2e-3)
    assert float(time_to_kw(1055.0, growth)) == pytest.approx(t_s, rel=1e-3)


def test_t_squared_by_hand() -> None:
    # medium: 0.01172 * 120^2 = 168.768 kW; fast at 200 s: 0.0469 * 40000 = 1876 kW
    assert float(heat_release_kw(120.0, "medium")) == pytest.approx(168.768)
    assert float(heat_release_kw(200.0, "fast")) == pytest.approx(1876.0)
    # before ignition nothing burns; a cap holds the curve
    assert float(heat_release_kw(-5.0, "fast")) == 0.0
    np.testing.assert_allclose(heat_release_kw(np.array([100.0, 400.0]), "fast", cap_kw=2000.0), [469.0, 2000.0])
    with pytest.raises(TwinError, match="unknown fire growth class 'explosive'"):
        heat_release_kw(10.0, "explosive")


def test_flashover_of_a_3_by_4_m_room_by_hand() -> None:
    room = Room()  # 3 x 4 m, 2.4 m high, a 1.8 m^2 opening 2 m high
    # A_T = 2*12 + 2*(3+4)*2.4 - 1.8 = 55.8 m^2; A_o sqrt(H_o) = 1.8 * 1.41421 = 2.54558
    assert room.surface_area_m2 == pytest.approx(55.8)
    thomas = 7.8 * 55.8 + 378 * 1.8 * math.sqrt(2.0)  # 435.24 + 962.23 = 1397.47 kW
    babr = 750 * 1.8 * math.sqrt(2.0)  # 1909.19 kW
    assert room.flashover_kw("thomas") == pytest.approx(thomas)
    assert room.flashover_kw("babrauskas") == pytest.approx(babr)
    assert float(flashover_kw_thomas(55.8, 1.8, 2.0)) == pytest.approx(1397.47, abs=0.01)
    assert float(flashover_kw_babrauskas(1.8, 2.0)) == pytest.approx(1909.19, abs=0.01)
    assert float(ventilation_limit_kw(1.8, 2.0)) == pytest.approx(2 * babr)
    # REFERENCE.md: 1.4-1.9 MW, about 3 min into a fast fire
    t = float(time_to_kw(thomas, "fast"))
    assert 160 < t < 200  # sqrt(1397.47 / 0.0469) = 172.6 s
    with pytest.raises(TwinError, match="unknown flashover method"):
        room.flashover_kw("guess")


def test_acceleration_term_by_hand() -> None:
    # 120 m at 25 km/h cruises in 17.28 s; v = 6.944 m/s, v^2/a = 60.3 m < 120 m -> + v/a = 8.68 s
    assert float(accel_time_s(np.array(120.0), np.array(17.28), 0.8)) == pytest.approx(17.28 + 6.9444 / 0.8, rel=1e-4)
    # 30 m is too short to reach cruising speed: 2 sqrt(d / a) = 2 sqrt(37.5) = 12.247 s
    assert float(accel_time_s(np.array(30.0), np.array(4.32), 0.8)) == pytest.approx(12.247, rel=1e-4)
    assert float(accel_time_s(np.array(0.0), np.array(0.0), 0.8)) == 0.0


def test_nfpa_travel_rule_by_hand() -> None:
    # 9 of 10 trips within 240 s: exactly the 90 % rule, met; 8 of 10: not met
    ok = np.array([100, 120, 150, 180, 200, 210, 220, 230, 240, 400], dtype=float)
    bad = np.array([100, 120, 150, 180, 200, 210, 220, 230, 250, 400], dtype=float)
    r = compliance({"travel": ok, "turnout": np.full(10, 60.0), "call_processing": np.full(10, 60.0)}, "nfpa1710")
    assert r["phases"]["travel"]["share_within"] == pytest.approx(0.9)
    assert r["phases"]["travel"]["met"] and r["met"]
    # numpy's linear 90th percentile of ok: 240 + 0.1 * (400 - 240) = 256
    assert r["phases"]["travel"]["p90_s"] == pytest.approx(256.0)
    r = compliance({"travel": bad, "turnout": np.full(10, 60.0), "call_processing": np.full(10, 60.0)}, "NFPA-1710")
    assert r["phases"]["travel"]["share_within"] == pytest.approx(0.8)
    assert not r["phases"]["travel"]["met"] and not r["met"]


def test_indonesia_profile_is_5_plus_5_plus_5() -> None:
    prof = standard("indonesia")
    assert {lim.phase: lim.limit_s for lim in prof.limits} == {
        "dispatch_prep": 300.0, "travel": 300.0, "setup": 300.0, "total": 900.0
    }
    # a fire with 4 + 4 + 4 min meets every phase; 4 + 6 + 4 fails travel but meets the 15 min total
    t = {"dispatch_prep": np.full(10, 240.0), "travel": np.full(10, 360.0), "setup": np.full(10, 240.0),
         "total": np.full(10, 840.0)}
    r = compliance(t, prof)
    assert not r["phases"]["travel"]["met"] and r["phases"]["total"]["met"] and not r["met"]
    # NaNs (mutual aid: no own turnout) are left out, not counted as failures
    t["travel"] = np.array([200.0] * 9 + [np.nan])
    assert compliance(t, "indonesia")["phases"]["travel"]["n"] == 9


def test_bad_standards() -> None:
    with pytest.raises(TwinError, match="unknown fire standard 'nfpa9999'"):
        standard("nfpa9999")
    with pytest.raises(TwinError, match="standard phase 'lunch' is unknown"):
        PhaseLimit("lunch", 60.0)
    with pytest.raises(TwinError, match="fraction must be in"):
        PhaseLimit("travel", 60.0, 1.5)
