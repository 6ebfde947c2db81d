"""The War Room's sim side: the video wall's rotation and the server room's failover, checked by counting."""

from __future__ import annotations

import numpy as np
import pytest

from sim.warroom import Alarm, WallRotation
from twin import TwinError

IDS = [f"C{k:02d}" for k in range(60)]


def test_each_tile_steps_once_a_dwell_one_tile_at_a_time() -> None:
    rot = WallRotation(IDS, tiles=24, dwell_s=30.0, seed=5)
    # 60 cameras >= 2 x 24 tiles: staggered; a tile steps every 30/24 = 1.25 s, each tile once in 30 s
    ch = rot.changes(1000.0, 1030.0)
    assert len(ch) == 24
    np.testing.assert_allclose(np.diff(ch), 1.25)
    for a, b in zip(ch[:-1], ch[1:], strict=True):
        s0, s1 = rot.state(a - 0.01), rot.state((a + b) / 2)
        diff = [k for k in range(24) if s0.camera_ids[k] != s1.camera_ids[k]]
        assert len(diff) == 1, (a, diff)
        assert s1.since_s[diff[0]] == pytest.approx(a)


def test_the_wall_never_shows_a_camera_twice_and_visits_every_camera() -> None:
    rot = WallRotation(IDS, tiles=24, dwell_s=20.0, seed=1)
    seen = set()
    for t in np.arange(0.0, 3 * 20.0 * 60 / 24, 0.37):
        ids = rot.state(float(t)).camera_ids
        assert len(set(ids)) == 24, t
        seen.update(ids)
    assert seen == set(IDS)


def test_same_seed_same_wall_other_seed_other_wall() -> None:
    a = WallRotation(IDS, seed=3).state(777.0)
    b = WallRotation(IDS, seed=3).state(777.0)
    c = WallRotation(IDS, seed=4).state(777.0)
    assert a == b and a.camera_ids != c.camera_ids


def test_an_alarm_takes_the_first_tile_while_it_lasts() -> None:
    rot = WallRotation(IDS, tiles=12, dwell_s=10.0, seed=2, alarms=[Alarm("C07", 100.0, 160.0), Alarm("C33", 120.0)])
    before, one, two, after = (rot.state(t) for t in (99.0, 110.0, 130.0, 170.0))
    assert "C07" not in before.camera_ids[:1] and not any(before.alarm)
    assert one.camera_ids[0] == "C07" and one.alarm == (True,) + (False,) * 11
    assert two.camera_ids[:2] == ("C07", "C33") and two.since_s[:2] == (100.0, 120.0)
    assert after.camera_ids[0] == "C33" and after.alarm[0] and not after.alarm[1]
    for s in (one, two, after):
        assert len(set(s.camera_ids)) == 12


def test_few_cameras_stay_on_and_the_rest_of_the_wall_is_dark() -> None:
    s = WallRotation(IDS[:5], tiles=8).state(1234.0)
    assert sorted(s.camera_ids[:5]) == IDS[:5] and s.camera_ids[5:] == ("",) * 3


@pytest.mark.parametrize(
    ("kw", "match"),
    [({"tiles": 0}, "tiles must be a whole number >= 1"), ({"dwell_s": 0.0}, "dwell_s must be > 0"),
     ({"alarms": [Alarm("NOPE", 0.0)]}, "alarm camera 'NOPE' is not one of the wall's cameras")],
)
def test_bad_settings_say_what_is_wrong(kw, match) -> None:
    with pytest.raises(TwinError, match=match):
        WallRotation(IDS, **kw)
