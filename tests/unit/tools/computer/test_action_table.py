"""The action table: every action the API names has one entry, whose handler's parameters are its inputs."""

from __future__ import annotations

import inspect

import pytest

from computer_use_demo.tools.base import ToolError
from computer_use_demo.tools.computer.actions import ACTIONS, ComputerActions
from computer_use_demo.tools.computer.beta import ACTIONS_20251124, ComputerTool20251124
from computer_use_demo.tools.computer.toolset import MEMBER_SCHEMAS


def test_the_table_holds_exactly_the_apis_actions():
    assert set(ACTIONS) == set(ACTIONS_20251124) == set(MEMBER_SCHEMAS)
    assert all(inspect.iscoroutinefunction(spec.handler) for spec in ACTIONS.values())


def test_inputs_come_from_the_handlers_and_fit_the_schemas():
    beta_fields = set(ComputerTool20251124.input_schema["properties"]) - {"action"}
    for name, spec in ACTIONS.items():
        assert set(spec.inputs) == set(MEMBER_SCHEMAS[name]["properties"]), name
        assert set(spec.inputs) - {"repeat"} <= beta_fields, name  # `repeat` is the toolset's own
    assert set(ACTIONS["left_click"].inputs) == {"coordinate", "text", "key"}
    assert [n for n, p in ACTIONS["scroll"].inputs.items() if p.default is p.empty] == [
        "scroll_direction",
        "scroll_amount",
    ]
    assert not ACTIONS["screenshot"].inputs


def test_only_screenshot_zoom_and_cursor_position_leave_the_screen_alone():
    still = {name for name, spec in ACTIONS.items() if not spec.changes_screen}
    assert still == {"screenshot", "zoom", "cursor_position"}


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("fly", {}, "Unknown action 'fly'"),
        ("mouse_move", {}, "mouse_move requires coordinate"),
        ("scroll", {"scroll_direction": "up"}, "scroll requires scroll_amount"),
        ("left_click", {"scroll_amount": 3}, "left_click does not take scroll_amount"),
        ("left_click", {"text": "shift", "key": "ctrl"}, "give the modifier keys in `text` or `key`"),
    ],
)
async def test_the_table_checks_inputs_before_touching_the_display(action, params, message):
    actions = ComputerActions(display=":9999")  # no X server: a check that passed would fail to connect
    with pytest.raises(ToolError, match=message):
        await actions.perform(action, params)
