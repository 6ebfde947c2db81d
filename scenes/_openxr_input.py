"""The showroom's OpenXR actions: aim, select, teleport and fly, bound to the common controllers.

One action set (``showroom``) with four actions for both hands, suggested for the Khronos simple
controller (every runtime can map its controllers onto it) and the vendor profiles of OpenXR 1.0
core, so a runtime picks the closest one for whatever the visitor holds. With no controller the
actions simply stay inactive: the headset and the desktop keys still work.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ._xr_types import Controller, rotate, xr_to_panda

#: Per interaction profile: the input path (under ``/user/hand/<side>/input/``) of each action.
#: Booleans bound to a ``value`` (a trigger's travel) are thresholded by the runtime.
PROFILE_BINDINGS: dict[str, dict[str, str]] = {
    "/interaction_profiles/khr/simple_controller": {
        "aim": "aim/pose",
        "select": "select/click",
        "teleport": "menu/click",
    },
    "/interaction_profiles/oculus/touch_controller": {
        "aim": "aim/pose",
        "select": "trigger/value",
        "teleport": "squeeze/value",
        "fly": "thumbstick",
    },
    "/interaction_profiles/valve/index_controller": {
        "aim": "aim/pose",
        "select": "trigger/click",
        "teleport": "squeeze/value",
        "fly": "thumbstick",
    },
    "/interaction_profiles/htc/vive_controller": {
        "aim": "aim/pose",
        "select": "trigger/click",
        "teleport": "squeeze/click",
        "fly": "trackpad",
    },
    "/interaction_profiles/microsoft/motion_controller": {
        "aim": "aim/pose",
        "select": "trigger/value",
        "teleport": "squeeze/click",
        "fly": "thumbstick",
    },
}

SIDES = ("left", "right")


class Hands:
    """The action set, its suggested bindings, and each hand's aim space, attached to one session."""

    def __init__(self, xr: Any, instance: Any, session: Any) -> None:
        self._xr, self._session = xr, session
        self.paths = [xr.string_to_path(instance, f"/user/hand/{s}") for s in SIDES]
        self.action_set = xr.create_action_set(
            instance,
            xr.ActionSetCreateInfo(action_set_name="showroom", localized_action_set_name="Showroom", priority=0),
        )
        kinds = {
            "aim": xr.ActionType.POSE_INPUT,
            "select": xr.ActionType.BOOLEAN_INPUT,
            "teleport": xr.ActionType.BOOLEAN_INPUT,
            "fly": xr.ActionType.VECTOR2F_INPUT,
        }
        self.actions = {
            name: xr.create_action(
                self.action_set,
                xr.ActionCreateInfo(
                    action_type=kind,
                    action_name=name,
                    localized_action_name=name.title(),
                    count_subaction_paths=len(self.paths),
                    subaction_paths=self.paths,
                ),
            )
            for name, kind in kinds.items()
        }
        for profile, leaves in PROFILE_BINDINGS.items():
            bindings = [
                xr.ActionSuggestedBinding(
                    self.actions[name], xr.string_to_path(instance, f"/user/hand/{s}/input/{leaf}")
                )
                for s in SIDES
                for name, leaf in leaves.items()
            ]
            xr.suggest_interaction_profile_bindings(
                instance,
                xr.InteractionProfileSuggestedBinding(
                    interaction_profile=xr.string_to_path(instance, profile), suggested_bindings=bindings
                ),
            )
        xr.attach_session_action_sets(session, xr.SessionActionSetsAttachInfo(action_sets=[self.action_set]))
        self.spaces = [
            xr.create_action_space(session, xr.ActionSpaceCreateInfo(action=self.actions["aim"], subaction_path=p))
            for p in self.paths
        ]
        self._instance = instance
        self.profiles: list[str] = []
        self.tracked_frames = 0

    def read(self, space: Any, display_time: int) -> list[Controller]:
        """Sync the actions and read each tracked hand's laser, buttons (pressed this frame) and stick."""
        xr = self._xr
        xr.sync_actions(
            self._session, xr.ActionsSyncInfo(active_action_sets=[xr.ActiveActionSet(self.action_set, xr.NULL_PATH)])
        )
        out = []
        for side, hand, aim in zip(SIDES, self.paths, self.spaces, strict=True):
            loc = xr.locate_space(aim, space, display_time)
            if not (loc.location_flags & xr.SpaceLocationFlags.POSITION_VALID_BIT):
                continue
            self._note_profile(hand)
            q = loc.pose.orientation
            fwd = rotate((q.x, q.y, q.z, q.w), (0.0, 0.0, -1.0))
            p = loc.pose.position
            out.append(
                Controller(
                    side,
                    xr_to_panda((p.x, p.y, p.z)),
                    xr_to_panda(fwd),
                    select=self._pressed("select", hand),
                    teleport=self._pressed("teleport", hand),
                    fly=self._stick(hand),
                )
            )
        if out:
            self.tracked_frames += 1
        return out

    def _pressed(self, name: str, hand: Any) -> bool:
        xr = self._xr
        st = xr.get_action_state_boolean(
            self._session, xr.ActionStateGetInfo(action=self.actions[name], subaction_path=hand)
        )
        return bool(st.is_active and st.current_state and st.changed_since_last_sync)

    def _stick(self, hand: Any) -> tuple[float, float]:
        xr = self._xr
        st = xr.get_action_state_vector2f(
            self._session, xr.ActionStateGetInfo(action=self.actions["fly"], subaction_path=hand)
        )
        if not st.is_active:
            return (0.0, 0.0)
        return (float(st.current_state.x), float(st.current_state.y))

    def _note_profile(self, hand: Any) -> None:
        """Remember which interaction profile the runtime chose for this hand (for the trace)."""
        xr = self._xr
        with contextlib.suppress(xr.XrException):
            prof = xr.get_current_interaction_profile(self._session, hand).interaction_profile
            if prof:
                name = xr.path_to_string(self._instance, prof)
                name = name.decode() if isinstance(name, bytes) else str(name)
                if name not in self.profiles:
                    self.profiles.append(name)

    def destroy(self) -> None:
        """Destroy the aim spaces, actions and the action set."""
        xr = self._xr
        for sp in self.spaces:
            with contextlib.suppress(xr.XrException):
                xr.destroy_space(sp)
        for act in self.actions.values():
            with contextlib.suppress(xr.XrException):
                xr.destroy_action(act)
        with contextlib.suppress(xr.XrException):
            xr.destroy_action_set(self.action_set)
        self.spaces, self.actions = [], {}
