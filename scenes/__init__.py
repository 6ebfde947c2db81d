"""The 3D twin in Panda3D: city mesh, live CCTV projected onto it, overlays, sim entities, virtual CCTV.

Headless (EGL on llvmpipe) or in the showroom's window alike: builders take a NodePath and a
:class:`Graphics` (engine + host output), never ShowBase's globals. See docs/rendering.md.
"""

from ._inspect import CATEGORIES, FrameInspector, FrameReport, tag_category
from ._life import LifeLike, LifeView
from ._look import DEFAULT_CLOCK, LOOKS, LookSettings, clock_at
from ._nightlights import NightSettings
from ._planning import PlanningLayer, changed_window, ground_footprint
from ._story import load_story
from ._tourrender import StoryStage, render_story
from ._vcctv_budget import VcctvBudget, VcctvSettings, VcctvStats
from ._vegetation import TreeSettings
from .city import CityMesh, build_city
from .engine import Graphics, HeadlessEngine, OffscreenView, configure_panda
from .entities import SimEntities, fire_diameter_m, flame_height_m, load_rgb
from .masks import DEPTH_MASK, VCCTV_MASK, VIEW_MASK
from .overlays import KEYMAP, LEVEL_RGBA, coverage_overlay, coverage_rgba
from .picking import SurfaceHit, pick_camera, pick_surface
from .pose import CameraPose, camera_pose, footprint
from .projectors import ProjectorSet, ProjectorSettings, UploadStats
from .render import OffscreenRenderer, render_sequence, write_mp4
from .scene import OVERLAYS, CityScene, FrameStats, SceneSettings
from .stereo import StereoRig
from .testpattern import camera_hue_bgr, pattern_frame, solid_frame
from .tour import TourPath
from .vcctv import VirtualCCTV

__all__ = [
    "CATEGORIES",
    "FrameInspector",
    "FrameReport",
    "StoryStage",
    "load_story",
    "render_story",
    "tag_category",
    "DEFAULT_CLOCK",
    "DEPTH_MASK",
    "KEYMAP",
    "LEVEL_RGBA",
    "LOOKS",
    "OVERLAYS",
    "VCCTV_MASK",
    "VIEW_MASK",
    "CameraPose",
    "CityMesh",
    "CityScene",
    "FrameStats",
    "Graphics",
    "HeadlessEngine",
    "LifeLike",
    "LifeView",
    "LookSettings",
    "NightSettings",
    "OffscreenRenderer",
    "OffscreenView",
    "PlanningLayer",
    "ProjectorSet",
    "ProjectorSettings",
    "SceneSettings",
    "SimEntities",
    "StereoRig",
    "SurfaceHit",
    "TourPath",
    "TreeSettings",
    "UploadStats",
    "VcctvBudget",
    "VcctvSettings",
    "VcctvStats",
    "VirtualCCTV",
    "build_city",
    "camera_hue_bgr",
    "camera_pose",
    "clock_at",
    "changed_window",
    "configure_panda",
    "coverage_overlay",
    "coverage_rgba",
    "fire_diameter_m",
    "flame_height_m",
    "footprint",
    "ground_footprint",
    "load_rgb",
    "pattern_frame",
    "pick_camera",
    "pick_surface",
    "render_sequence",
    "solid_frame",
    "write_mp4",
]
