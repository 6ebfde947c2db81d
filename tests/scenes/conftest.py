"""Small hand-made scenes and a shared headless engine for the scene tests (llvmpipe: keep images small)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

import scenes
import twin


@pytest.fixture(scope="session")
def engine() -> scenes.HeadlessEngine:
    return scenes.HeadlessEngine()


def make_twin(buildings=(), cameras=(), zones=(), roads=None, extent=(-60.0, -60.0, 60.0, 80.0), **kw) -> twin.Twin:
    return twin.Twin(
        frame=twin.LocalFrame(119.42, -5.14),
        buildings=[twin.Building(f"B{k}", shapely.box(*b[:4]), float(b[4])) for k, b in enumerate(buildings)],
        cameras=list(cameras),
        zones=list(zones),
        roads=roads,
        extent=extent,
        **({"command_center": twin.CommandCenter(x=extent[0] + 5, y=extent[1] + 5)} | kw),
    )


class Rig:
    """A scene under its own root with one viewer, on the shared engine; torn down by the fixture."""

    def __init__(self, engine: scenes.HeadlessEngine, city: twin.Twin, size=(320, 240), look="living", **settings):
        from panda3d.core import NodePath, PerspectiveLens

        self.engine = engine
        self.root = NodePath("render")
        st = scenes.SceneSettings(projectors=scenes.ProjectorSettings(**settings), look=look)
        self.scene = scenes.CityScene(city, self.root, engine.graphics, settings=st)
        lens = PerspectiveLens()
        lens.set_fov(60.0, 60.0 * size[1] / size[0])
        lens.set_near_far(0.5, 2000.0)
        self.view = scenes.OffscreenView(engine.graphics, self.root, *size, lens=lens)

    def look(self, eye, target):
        self.view.camera.set_pos(*eye)
        self.view.camera.look_at(*target)

    def render(self, n: int = 1) -> np.ndarray:
        for _ in range(n):
            self.stats = self.scene.update(self.view.camera, self.view.lens)
            self.engine.render_frame()
        return self.view.grab()

    def pixel(self, world) -> tuple[int, int]:
        """(row, col) where a world point lands in the viewer's image."""
        from panda3d.core import Point2, Point3

        p = self.view.camera.get_relative_point(self.root, Point3(*world))
        film = Point2()
        assert self.view.lens.project(p, film), f"{world} is not in view"
        w, h = self.view.width, self.view.height
        col = int(round((film[0] + 1) / 2 * w - 0.5))
        row = int(round((1 - film[1]) / 2 * h - 0.5))
        return row, col

    def color_at(self, img, world, r: int = 1) -> np.ndarray:
        """Mean BGR in a small window around a world point's pixel."""
        row, col = self.pixel(world)
        return img[row - r : row + r + 1, col - r : col + r + 1].reshape(-1, 3).mean(axis=0)

    def close(self):
        self.view.destroy()
        self.scene.destroy()


@pytest.fixture
def rig(engine):
    made: list[Rig] = []

    def make(city, **kw) -> Rig:
        r = Rig(engine, city, **kw)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def is_red(bgr) -> bool:
    b, g, r = (float(v) for v in bgr)
    return r > 180 and g < 90 and b < 90


def sky_mask(img) -> np.ndarray:
    """The living look's daytime sky (the dome, BGR): well blue and bright; no facade or street is."""
    px = np.asarray(img).astype(int)
    return (px[..., 0] > px[..., 2] + 25) & (px[..., 0] > 150)


def is_blue(bgr) -> bool:
    b, g, r = (float(v) for v in bgr)
    return b > 180 and g < 90 and r < 90


def deg(x: float) -> float:
    return math.degrees(x)
