"""What is on screen: an ID render of the same view, counted per category of the scene.

A caption that speaks of the fire must show the fire. :class:`FrameInspector` renders the viewer's
view once more into a buffer of its own, every node in one flat colour that encodes its category
and instance (red: category, green and blue: instance), and a second time through the main view
with the projector shader in its ``inspect_video`` mode (red: how much projected video covers each
city pixel). :meth:`FrameInspector.measure` returns per-category pixel shares, the number of
instances in view per category, the share of the frame (and of the ground) that carries projected
video, and the mean brightness of the real frame.

Categories come from a node tag, ``inspect`` (:data:`TAG`): the scene's own parts are tagged here
(:func:`autotag`); any part added later is counted by calling :func:`tag_category` on its node with
one of :data:`CATEGORIES`. The city's tiles are split in the shader: upward surfaces below
:data:`GROUND_Z_M` are ground, the rest is building. Untagged nodes count as ``other``, the clear
colour as ``sky``.
"""

from __future__ import annotations

__all__ = ["CATEGORIES", "GROUND_Z_M", "TAG", "FrameInspector", "FrameReport", "autotag", "tag_category"]

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from panda3d.core import Camera, DepthWriteAttrib, LVecBase4f, NodePath, Shader, TransparencyAttrib

from .engine import OffscreenView

#: The node tag naming a node's category for the inspector.
TAG = "inspect"
#: Categories, by their id in the ID render's red channel (0: nothing drawn, the sky).
CATEGORIES: tuple[str, ...] = (
    "sky",
    "ground",
    "building",
    "other",
    "coverage",
    "camera_markers",
    "stations",
    "command_center",
    "trucks",
    "fire",
    "smoke",
    "racks",
    "vehicles",
    "pedestrians",
    "trees",
    "street_lights",
    "water",
    "war_room",
    "video_wall",
    "incident_board",
    "operators",
    "server_room",
)
_ID = {name: k for k, name in enumerate(CATEGORIES)}
_CITY = "city"  # the tiles: split into ground and building in the shader
#: Upward-facing city surfaces below this height (m) are ground (roads and land use lie at 0.1-0.5 m).
GROUND_Z_M = 1.0
#: An instance is "in view" when it covers at least this many pixels of the ID render.
MIN_INSTANCE_PX = 2
_PRIORITY = 100000  # above any shader a look or a filter sets on the scene
#: Fragments less opaque than this (vertex or flat colour alpha times texture alpha) are not counted.
MIN_ALPHA = 0.15

_VERT = """#version 330
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelMatrix;
in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec4 p3d_Color;
in vec2 p3d_MultiTexCoord0;
out vec3 v_world;
out vec3 v_normal;
out float v_alpha;
out vec2 v_uv;
void main() {
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
    v_alpha = p3d_Color.a;
    v_uv = p3d_MultiTexCoord0;
    v_world = (p3d_ModelMatrix * p3d_Vertex).xyz;
    v_normal = mat3(p3d_ModelMatrix) * p3d_Normal;
}
"""
_FRAG = f"""#version 330
// x: category id / 255, y and z: instance id (high, low byte) / 255; w < 0.5: a city tile, split here
uniform vec4 inspect_id;
uniform sampler2D p3d_Texture0;
in vec3 v_world;
in vec3 v_normal;
in float v_alpha;
in vec2 v_uv;
out vec4 frag_color;
void main() {{
    // what a viewer cannot see is not on screen: the clear parts of a smoke puff, of a coverage drape
    if (v_alpha * texture(p3d_Texture0, v_uv).a < {MIN_ALPHA}) discard;
    if (inspect_id.w < 0.5) {{
        float up = length(v_normal) > 1e-6 ? abs(normalize(v_normal).z) : 0.0;
        bool ground = v_world.z < {GROUND_Z_M:.3f} && up > 0.7;
        frag_color = vec4((ground ? {_ID["ground"]}.0 : {_ID["building"]}.0) / 255.0, 0.0, 0.0, 1.0);
    }} else {{
        frag_color = vec4(inspect_id.xyz, 1.0);
    }}
}}
"""


def tag_category(node: NodePath, category: str) -> None:
    """Mark ``node`` (and what hangs under it) as ``category`` for the inspector (one of :data:`CATEGORIES`)."""
    if category not in _ID and category != _CITY:
        raise ValueError(f"unknown inspector category {category!r}: use one of {', '.join(CATEGORIES)}")
    node.set_tag(TAG, category)


def autotag(scene: Any) -> None:
    """Tag the parts a :class:`scenes.CityScene` builds itself (city tiles, overlays, markers, sim entities).

    Read by attribute, so a scene with more or fewer parts is tagged as far as it has them.
    """
    tag_category(scene.city.root, _CITY)
    cov = getattr(scene, "_coverage_group", None)
    if cov is not None:
        tag_category(cov, "coverage")
    markers = getattr(scene, "markers", None)
    if markers is not None:
        for attr, cat in (("root", "other"), ("cameras", "camera_markers"), ("stations", "stations"),
                          ("command_center", "command_center")):  # fmt: skip
            node = getattr(markers, attr, None)
            if isinstance(node, NodePath) and not node.is_empty():
                tag_category(node, cat)
    ent = getattr(scene, "entities", None)
    if ent is not None:
        for node in getattr(ent, "trucks", {}).values():
            tag_category(node, "trucks")
        for nodes in getattr(ent, "fires", {}).values():
            parts = nodes if isinstance(nodes, tuple | list) else (nodes,)
            for k, node in enumerate(parts):
                tag_category(node, "fire" if k == 0 else "smoke")
        for node in getattr(ent, "racks", {}).values():
            tag_category(node, "racks")
    life = getattr(scene, "life", None)
    for kind, layer in (getattr(life, "layers", None) or {}).items():
        node = _node_of(layer)
        if node is not None:
            tag_category(node, "pedestrians" if kind == "pedestrian" else "vehicles")
    war = getattr(scene, "warroom", None)
    if war is not None:
        # the building first: the rooms' contents tagged under it win for their own nodes
        for attr, cat in (("root", "war_room"), ("wall", "video_wall"), ("board", "incident_board"),
                          ("desks", "operators"), ("racks", "racks"), ("status", "server_room")):  # fmt: skip
            node = _node_of(getattr(war, attr, None))
            if node is not None and not node.has_tag(TAG):
                tag_category(node, cat)


def _node_of(part: Any) -> NodePath | None:
    """A part's node: itself if a NodePath, else its ``root``, ``node`` or ``np`` NodePath."""
    if isinstance(part, NodePath):
        return None if part.is_empty() else part
    for attr in ("root", "node", "np"):
        node = getattr(part, attr, None)
        if isinstance(node, NodePath) and not node.is_empty():
            return node
    return None


@dataclass
class FrameReport:
    """What one frame shows.

    Attributes:
        shares: per category, its share of the frame's pixels (0..1; categories not in view are absent).
        counts: per category, how many instances (nodes) cover at least :data:`MIN_INSTANCE_PX` pixels.
        projected_video: share of the frame where projected video covers the city (0..1).
        projected_video_ground: share of the ground pixels that carry projected video (0 without ground).
        luma_mean: mean brightness of the real frame (0..255, Rec. 601 weights).
        size: (width, height) of the measured frame.
        lumas: per category in view, the real frame's mean brightness over its pixels (a lit video
            wall, a dark sky at night).
    """

    shares: dict[str, float]
    counts: dict[str, int]
    projected_video: float
    projected_video_ground: float
    luma_mean: float
    size: tuple[int, int]
    lumas: dict[str, float] = field(default_factory=dict)
    ids: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0), np.uint8))

    def value(self, name: str) -> float:
        """A measure by name.

        A category (its share), ``<category>_count``, ``<category>_luma`` (0 when not in view),
        ``projected_video``, ``projected_video_ground`` or ``luma_mean``.
        """
        if name in ("projected_video", "projected_video_ground", "luma_mean"):
            return float(getattr(self, name))
        if name.endswith("_count") and name[: -len("_count")] in _ID:
            return float(self.counts.get(name[: -len("_count")], 0))
        if name.endswith("_luma") and name[: -len("_luma")] in _ID:
            return float(self.lumas.get(name[: -len("_luma")], 0.0))
        if name in _ID:
            return float(self.shares.get(name, 0.0))
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """The figures as plain data (summary.json)."""
        return {
            "shares": {k: round(v, 5) for k, v in self.shares.items()},
            "counts": dict(self.counts),
            "projected_video": round(self.projected_video, 5),
            "projected_video_ground": round(self.projected_video_ground, 5),
            "luma_mean": round(self.luma_mean, 2),
            "lumas": {k: round(v, 1) for k, v in self.lumas.items()},
        }


def measure_names() -> list[str]:
    """Every name :meth:`FrameReport.value` knows (for checking claims before rendering)."""
    return [
        "projected_video", "projected_video_ground", "luma_mean", *CATEGORIES,
        *(f"{c}_count" for c in CATEGORIES), *(f"{c}_luma" for c in CATEGORIES),
    ]  # fmt: skip


class FrameInspector:
    """The ID render of a viewer's view: made once, measured any frame.

    Args:
        scene: the :class:`scenes.CityScene` in view.
        view: the viewer's :class:`scenes.OffscreenView` (its camera and lens are followed).
        engine: what renders a frame (``render_frame()``; the :class:`scenes.HeadlessEngine`).
    """

    def __init__(self, scene: Any, view: OffscreenView, engine: Any) -> None:
        self.scene, self.view, self.engine = scene, view, engine
        self.ids_view = OffscreenView(
            scene.graphics, view.camera, view.width, view.height, name="inspect", lens=view.lens,
            clear_rgb=(0.0, 0.0, 0.0), sort=view.buffer.get_sort() + 1,
        )  # fmt: skip
        # the ID camera rides on the viewer's camera: same place, same lens
        self.ids_view.camera.set_pos(0, 0, 0)
        self.ids_view.camera.set_hpr(0, 0, 0)
        state = NodePath("inspect-state")
        state.set_shader(Shader.make(Shader.SL_GLSL, _VERT, _FRAG), _PRIORITY)
        state.set_shader_input("inspect_id", LVecBase4f(_ID["other"] / 255.0, 0, 0, 1), _PRIORITY - 1)
        state.set_attrib(TransparencyAttrib.make(TransparencyAttrib.M_none), _PRIORITY)
        state.set_attrib(DepthWriteAttrib.make(DepthWriteAttrib.M_on), _PRIORITY)
        node: Camera = self.ids_view.camera.node()
        node.set_camera_mask(view.camera.node().get_camera_mask())
        node.set_initial_state(state.get_state())
        self.ids_view.buffer.set_active(False)
        self._tagged: list[NodePath] = []

    def _assign_ids(self) -> list[str]:
        """Give every tagged node its ID colour; returns the category of each instance id."""
        autotag(self.scene)
        for n in self._tagged:
            if not n.is_empty():
                n.clear_shader_input("inspect_id")
        nodes = list(self.scene.root.find_all_matches(f"**/={TAG}"))
        if self.scene.root.has_tag(TAG):
            nodes.insert(0, self.scene.root)
        cats: list[str] = []
        for k, n in enumerate(nodes):
            cat = n.get_tag(TAG)
            if cat == _CITY:
                n.set_shader_input("inspect_id", LVecBase4f(0, 0, 0, 0), _PRIORITY)
            else:
                n.set_shader_input("inspect_id", LVecBase4f(_ID[cat] / 255.0, (k >> 8) / 255.0, (k & 255) / 255.0, 1),
                                   _PRIORITY)  # fmt: skip
            cats.append(cat)
        self._tagged = nodes
        return cats

    def measure(self, frame: np.ndarray) -> FrameReport:
        """Measure the view as last rendered into ``frame`` (the main view's BGR image, as grabbed).

        Renders one more engine frame with only the main view (in projected-video mode) and the ID
        view active; the scene's other buffers (depth maps, virtual CCTV) are left out of it.
        """
        cats = self._assign_ids()
        eng = self.engine.engine if hasattr(self.engine, "engine") else self.engine
        outputs = [eng.get_window(i) for i in range(eng.get_num_windows())]
        keep = {id(self.view.buffer), id(self.ids_view.buffer)}
        was = [(o, o.is_active()) for o in outputs]
        city_root = self.scene.city.root
        try:
            for o, _ in was:
                if id(o) not in keep and o.get_sort() > -100:
                    o.set_active(False)
            self.ids_view.buffer.set_active(True)
            self.view.buffer.set_active(True)
            city_root.set_shader_input("inspect_video", 1.0)
            self.engine.render_frame()
            cover = self.view.grab()[:, :, 2]  # red channel: projected video's cover
            ids = self.ids_view.grab()  # BGR: red = category, green/blue = instance
        finally:
            city_root.set_shader_input("inspect_video", 0.0)
            self.ids_view.buffer.set_active(False)
            for o, on in was:
                o.set_active(on)
        return _report(frame, ids, cover, cats)

    def destroy(self) -> None:
        """Close the ID buffer and drop the ID inputs from the tagged nodes."""
        for n in self._tagged:
            if not n.is_empty():
                n.clear_shader_input("inspect_id")
        self._tagged = []
        self.ids_view.destroy()


def _report(frame: np.ndarray, ids: np.ndarray, cover: np.ndarray, cats: list[str]) -> FrameReport:
    h, w = ids.shape[:2]
    n = float(h * w)
    cat = ids[:, :, 2]
    bc = np.bincount(cat.ravel(), minlength=len(CATEGORIES))[: len(CATEGORIES)]
    shares = {CATEGORIES[k]: float(bc[k]) / n for k in np.flatnonzero(bc)}
    inst = (ids[:, :, 1].astype(np.int64) << 8) | ids[:, :, 0]
    tagged = cat >= _ID["coverage"]
    counts: dict[str, int] = {}
    if tagged.any():
        keys = cat[tagged].astype(np.int64) * 65536 + inst[tagged]
        uk, nk = np.unique(keys, return_counts=True)
        for key in uk[nk >= MIN_INSTANCE_PX]:
            c = CATEGORIES[int(key // 65536)]
            counts[c] = counts.get(c, 0) + 1
    city = (cat == _ID["ground"]) | (cat == _ID["building"])
    video = city & (cover >= 128)
    ground = cat == _ID["ground"]
    luma = frame[..., 2] * 0.299 + frame[..., 1] * 0.587 + frame[..., 0] * 0.114
    sums = np.bincount(cat.ravel(), weights=luma.ravel(), minlength=len(CATEGORIES))[: len(CATEGORIES)]
    lumas = {CATEGORIES[k]: float(sums[k] / bc[k]) for k in np.flatnonzero(bc)}
    return FrameReport(
        shares=shares,
        counts=counts,
        projected_video=float(video.sum()) / n,
        projected_video_ground=float((video & ground).sum()) / max(float(ground.sum()), 1.0),
        luma_mean=float(luma.mean()),
        size=(w, h),
        lumas=lumas,
        ids=cat,
    )
