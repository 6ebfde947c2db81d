"""The guided tour tells the truth: each caption's key frame shows what the caption says.

One small render (320x180) of every stop's key frame on the default city, with the tour's fire
scenario running live (sim.live.LiveCity) as the tour drives it; the inspector (scenes/_inspect.py)
is checked first against a closed form on a hand-made scene.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import scenes
import twin
from scenes._story import load_story
from scenes.render import OffscreenRenderer
from scenes.visit import GuidedTour
from showroom_cli.common import load_city
from showroom_cli.sources import make_sources
from showroom_cli.viewing import story_sim, tour_parts

from .conftest import Rig, make_twin

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "assets" / "tour" / "fire.yaml"
SIZE = (320, 180)


def test_inspector_counts_a_roof_seen_from_straight_above_as_the_pinhole_says(engine) -> None:
    # a 20 m x 20 m block, 2 m tall, 200 m below an eye looking straight down through a 60-degree lens
    city = make_twin(buildings=[(-10, -10, 10, 10, 2.0)], extent=(-400, -400, 400, 400))
    rig = Rig(engine, city, size=(200, 200))
    rig.view.lens.set_fov(60.0, 60.0)
    rig.look((0.0, 0.0, 200.0), (0.0, 0.001, 0.0))
    img = rig.render(2)
    ins = scenes.FrameInspector(rig.scene, rig.view, engine)
    try:
        rep = ins.measure(img)
    finally:
        ins.destroy()
    f_px = 100.0 / math.tan(math.radians(30.0))
    base, roof = (20.0 * f_px / 200.0) ** 2, (20.0 * f_px / 198.0) ** 2  # walls fill the ring between them
    px = rep.shares["building"] * 200 * 200
    assert roof - 2 * 4 * math.sqrt(roof) <= px <= base + 2 * 4 * math.sqrt(base), (px, roof, base)
    assert rep.shares["ground"] == pytest.approx(1.0 - rep.shares["building"], abs=1e-9)
    assert rep.projected_video == 0.0, "no camera, no projected video"
    # the camera marker sits at the command center, outside the view
    assert "camera_markers" not in rep.counts


@pytest.fixture(scope="module")
def story(engine):
    city = load_city(None)
    facts, advance, on_frame = story_sim(city, life=True)
    r = OffscreenRenderer(city, size=SIZE, engine=engine)
    have, views = tour_parts(r.scene)
    tour = GuidedTour.build(city, lang="en", facts=facts, have=have, viewpoints=views)
    # every camera's picture from its default source, as `showroom render --story` has it (virtual CCTV)
    src = make_sources(None, None)(r.scene)
    stage = scenes.StoryStage(r, tour, advance=advance, on_frame=on_frame, frames=src.frame)
    shots, war = {}, {}
    try:
        for k, key in enumerate(tour.keys):
            img, rep, _ = stage.key_frame(k)
            shots[key] = (img, rep)
            wr = getattr(r.scene, "warroom", None)
            if wr is not None:
                war[key] = (list(wr.wall.camera_ids), list(wr.wall.alarm), list(wr.incidents))
        # the same view with the projected video switched off: the inspector must see none
        stage.prepare(tour.key_time(tour.keys.index("projected")))
        r.scene.set_overlay("video", False)
        img = r.render()
        off = stage.inspect(img)
        r.scene.set_overlay("video", True)
    finally:
        stage.close()
        src.close()
        src.hub.close()
        r.close()
    return city, facts, tour, shots, off, have, war


def test_the_story_is_all_there_and_lasts_three_to_five_minutes(story) -> None:
    _, _, tour, _, _, have = story[:6]
    for key in ("city", "camera_dori", "camera_view", "fire", "found", "dispatch", "arrive", "server_room", "next_101"):
        assert key in tour.keys
    assert 180.0 <= tour.path.seconds <= 300.0
    # the parts the scene has are told: night where it has a clock, the War Room where it stands
    assert ("night" in tour.keys) == ("night" in have)
    assert ("war_room" in tour.keys) == ("war_room" in have)
    # the clock runs forward, from the morning into the evening
    clocks = [tour.clock_at(tour.key_time(k)) for k in range(len(tour.keys))]
    assert clocks == sorted(clocks) and clocks[0] < 12 * 3600 < 17 * 3600 < clocks[-1]


def test_each_caption_shows_what_it_says(story) -> None:
    _, _, tour, shots, _, _ = story[:6]
    wrong = []
    for k, key in enumerate(tour.keys):
        _, rep = shots[key]
        assert tour.claims(k), f"stop {key} claims nothing about its frame"
        for c in tour.claims(k):
            if not c.holds(rep.value(c.measure)):
                wrong.append(f"{key} ({tour.captions[k]!r}): {c}, measured {rep.value(c.measure):g}")
    assert not wrong, wrong


def test_the_inspector_can_say_no(story) -> None:
    _, _, tour, shots, off, _ = story[:6]
    # the overview is taken before the fire starts: no fire, no truck on the road in it
    _, city_rep = shots["city"]
    assert city_rep.value("fire") == 0.0 and city_rep.value("smoke") == 0.0
    assert off.projected_video == 0.0 < shots["projected"][1].projected_video
    # night has not fallen in the first stop: the frame is bright
    assert city_rep.luma_mean > 100.0


def test_captions_tell_the_fire_models_own_numbers(story) -> None:
    city, facts, tour, _, _, _ = story[:6]
    found = tour.captions[tour.keys.index("found")]
    assert f"{facts['detected'] - facts['ignition']:.0f} seconds after it started" in found
    assert facts["camera"] in found and facts["source"] in ("operator", "analytics")
    arrive = tour.captions[tour.keys.index("arrive")]
    assert f"{(facts['arrive'] - facts['detected']) / 60:.1f} minutes" in arrive
    assert ("within" in arrive) == (facts["arrive"] - facts["detected"] <= 900)
    # the camera's DORI reach, from the pixel-density formula by hand (ppm = f_px / slant distance)
    cam = next(c for c in city.cameras if c.id == facts["camera"])
    hfov = 2 * math.atan(cam.sensor_width_mm / (2 * cam.focal_mm))
    f_px = cam.width_px / (2 * math.tan(hfov / 2))
    d = math.hypot(*(np.asarray(facts["fire_xy"]) - [cam.x, cam.y]))
    ppm = f_px / math.hypot(d, cam.mount_height_m - 1.6)
    assert f"it sees {ppm:.0f} pixels per metre, the Observe level" in tour.captions[tour.keys.index("camera_view")]
    # Bahasa Indonesia writes decimals with a comma
    id_ = GuidedTour.build(city, lang="id", facts=facts)
    eta = f"{(facts['arrive'] - facts['enroute']) / 60:.1f}".replace(".", ",")
    assert f"rutenya {eta} menit" in id_.captions[id_.keys.index("dispatch")]
    assert f"di tiang {cam.mount_height_m:g} m".replace(".", ",") in id_.captions[id_.keys.index("camera_dori")]
    assert 62.5 <= ppm < 125.0, "EN 62676-4: Observe from 62.5 px/m, Recognise from 125"


def test_both_languages_have_the_same_stops() -> None:
    city = load_city(None)
    a = GuidedTour.build(city, lang="id", seconds=200)
    b = GuidedTour.build(city, lang="en", seconds=200)
    assert a.keys == b.keys and "fire" not in a.keys, "without the fire's facts the fire is not told"
    assert "Selamat datang" in a.captions[0]


def test_a_claim_on_an_unknown_measure_names_the_file_and_stop(tmp_path) -> None:
    doc = (ROOT / "assets" / "tour" / "captions.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "captions.yaml"
    bad.write_text(doc.replace('fire_count: ">= 1"', 'flames: ">= 1"'), encoding="utf-8")
    with pytest.raises(twin.TwinError, match=r"captions.yaml: stop 'fire': unknown measure 'flames'"):
        load_story(bad)


def test_the_war_room_shows_the_fire_found_on_its_camera(story) -> None:
    _, facts, tour, _, _, have, war = story
    assert "war_room" in have, "the scene has a War Room with viewpoints"
    wall, alarm, _ = war["war_room"]
    # the operator who spotted the fire put its camera on the wall's first tile (pinned while it burns)
    assert wall[0] == facts["camera"] and alarm[0] and not any(alarm[1:])
    _, _, board = war["fire_control"]
    assert [(i.id, i.truck) for i in board] == [(facts["fire_id"], facts["truck"])]
    # before the fire was found nothing is pinned and the board is empty
    _, alarm0, board0 = war["city"]
    assert board0 == [] and not any(alarm0)


def test_render_stills_of_chosen_stops_and_their_check(tmp_path, capsys) -> None:
    import json

    import showroom

    out, stills = tmp_path / "out", tmp_path / "stills"
    rc = showroom.main(["render", "--stills", str(stills), "--stops", "city,found", "--no-life", "--size", "160x90",
                        "--lang", "en", "--out", str(out)])  # fmt: skip
    assert rc == 0
    assert sorted(p.name for p in stills.glob("*.png")) == ["00_city.png", "06_found.png"]
    s = json.loads((out / "summary.json").read_text())
    assert [c["key"] for c in s["captions"]] == ["city", "found"] and s["captions_false"] == []
    assert s["frames"] == 0 and "mp4" not in s, "stills alone render the key frames only"
    assert "2 of 2 captions shown true" in capsys.readouterr().out
    rc = showroom.main(["render", "--stills", str(stills), "--stops", "nowhere", "--out", str(out)])
    assert rc == 2
    assert "--stops nowhere: not stops of the tour; its stops are city, " in capsys.readouterr().err


def test_a_city_the_fire_was_not_written_for_gets_the_tour_without_it(tmp_path, capsys) -> None:
    import json

    import shapely

    from showroom_cli.viewing import render_tour
    from twin.roads import RoadFeature, build_road_graph

    roads = build_road_graph([RoadFeature("r", shapely.LineString([(-90, -10), (90, -10)]))])
    small = make_twin(buildings=[(0, 0, 20, 20, 9.0), (40, 0, 60, 20, 12.0)], cameras=[twin.Camera("C1", 30, -20)],
                      extent=(-100, -100, 100, 100), roads=roads,
                      fire_stations=[twin.FireStation("FS1", -80, -20, trucks=1)])  # fmt: skip
    assert render_tour(small, tmp_path / "t", seconds=3.0, fps=2.0, size=(96, 54), lang="en") == 0
    s = json.loads((tmp_path / "t" / "summary.json").read_text())
    assert s["frames"] == 6 and "fire" not in s["stops"] and "found" not in s["stops"]
    assert "warning: the tour leaves its fire out: fire.yaml: its fire at (-520, -197) m is outside this city" in (
        capsys.readouterr().err
    )


def test_a_story_whose_clock_runs_backwards_is_refused(tmp_path) -> None:
    doc = (ROOT / "assets" / "tour" / "captions.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "captions.yaml"
    bad.write_text(doc.replace('clock: "09:30"', 'clock: "08:30"'), encoding="utf-8")
    with pytest.raises(twin.TwinError, match=r"captions.yaml: stop 'command_center' starts at 08:30, before stop "
                                             r"'city' ends \(09:01\): the story's clock only runs forward"):
        GuidedTour.build(load_city(None), lang="en", path=bad)
