"""The GA computer toolset (`computer_toolset_20260801`).

The model calls members (`left_click`, `key`, ...) with one `tool_use` block per action, often several per
turn. Each member has its own input schema (the beta action's inputs minus `action`; `key` adds `repeat`),
validated with jsonschema and checked against its handler's keyword parameters at import. Members answer
briefly (`Clicked.`); `ToolCollection.run_turn` calls `finish_batch` so the last good result of the batch
carries a fresh settled screenshot. Images use the high-resolution tier by default: the API does not resize
images for toolset models, it rejects ones over the limit.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from jsonschema import Draft202012Validator

from computer_use_demo.desktop.capture import RawFrame, ScreenCapture
from computer_use_demo.desktop.settle import SettlePolicy
from computer_use_demo.tools.base import (
    BaseAnthropicTool,
    ToolError,
    ToolResult,
    check_schema_matches_signature,
    run_validated,
)
from computer_use_demo.tools.computer.actions import ACTIONS, ComputerActions
from computer_use_demo.tools.computer.beta import COORDINATE, REGION
from computer_use_demo.tools.computer.scaling import ImageTier

TOOLSET_MAX_DURATION = 300.0
_MODIFIERS = {"text": {"type": "string", "maxLength": 200}, "key": {"type": "string", "maxLength": 200}}
_CLICK = {"coordinate": COORDINATE, **_MODIFIERS}


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


MEMBER_SCHEMAS: dict[str, dict[str, Any]] = {
    "screenshot": _object({}),
    "left_click": _object(_CLICK),
    "right_click": _object(_CLICK),
    "middle_click": _object(_CLICK),
    "double_click": _object(_CLICK),
    "triple_click": _object(_CLICK),
    "mouse_move": _object({"coordinate": COORDINATE}, ("coordinate",)),
    "left_click_drag": _object({"start_coordinate": COORDINATE, "coordinate": COORDINATE}, ("coordinate",)),
    "type": _object({"text": {"type": "string", "minLength": 1, "maxLength": 100_000}}, ("text",)),
    "key": _object(
        {
            "text": {"type": "string", "minLength": 1, "maxLength": 400},
            "repeat": {"type": "integer", "minimum": 1, "maximum": 100},
        },
        ("text",),
    ),
    "cursor_position": _object({}),
    "scroll": _object(
        {
            "scroll_direction": {"type": "string", "enum": ["up", "down", "left", "right"]},
            "scroll_amount": {"type": "integer", "minimum": 0, "maximum": 200},
            **_CLICK,
        },
        ("scroll_direction", "scroll_amount"),
    ),
    "left_mouse_down": _object({}),
    "left_mouse_up": _object({}),
    "hold_key": _object(
        {
            "text": {"type": "string", "minLength": 1, "maxLength": 400},
            "duration": {"type": "number", "minimum": 0, "maximum": TOOLSET_MAX_DURATION},
        },
        ("text", "duration"),
    ),
    "wait": _object(
        {"duration": {"type": "number", "minimum": 0, "maximum": TOOLSET_MAX_DURATION}}, ("duration",)
    ),
    "zoom": _object({"region": REGION}, ("region",)),
}
MEMBERS = tuple(MEMBER_SCHEMAS)


class ComputerToolset20260801(BaseAnthropicTool):
    name: ClassVar[str] = "computer"
    api_type: ClassVar[str] = "computer_toolset_20260801"
    members: ClassVar[tuple[str, ...]] = MEMBERS
    _member_validators: ClassVar[dict[str, Draft202012Validator]] = {}

    def __init__(
        self,
        *,
        image_tier: ImageTier = "high",
        display: str | None = None,
        settle: SettlePolicy | None = None,
        capture: ScreenCapture | None = None,
        configs: dict[str, dict[str, bool]] | None = None,
    ) -> None:
        self.runner = ComputerActions(
            display=display,
            image_tier=image_tier,
            settle=settle,
            capture=capture,
            max_duration=TOOLSET_MAX_DURATION,
        )
        if configs:
            unknown = sorted(set(configs) - set(MEMBERS))
            if unknown:
                raise ValueError(f"unknown toolset members in configs: {unknown}")
        self.configs = configs
        self._last_frame: RawFrame | None = None  # settled frame after the last member that acted
        self._last_settled = False

    @property
    def image_tier(self) -> ImageTier:
        return self.runner.image_tier

    def to_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"type": self.api_type}
        if self.configs:
            params["configs"] = self.configs
        return params

    def enabled(self, member: str) -> bool:
        return (self.configs or {}).get(member, {}).get("enabled", True)

    async def __call__(self, **tool_input: Any) -> ToolResult:
        raise ToolError("The computer toolset is called through its members (tool_use name = member).")

    async def call_member(self, member: str, tool_input: dict[str, Any]) -> ToolResult:
        validator = self._member_validators.get(member)
        if validator is None:
            raise ToolError(f"Unknown computer action {member!r}. Available: {', '.join(MEMBERS)}.")
        if not self.enabled(member):
            raise ToolError(f"The computer action {member!r} is disabled.")
        if not isinstance(tool_input, dict):
            raise ToolError(f"Input for {member} must be an object.")
        return await run_validated(
            validator, tool_input, lambda **known: self._run_member(member, known), context=f"{member}: "
        )

    async def _run_member(self, member: str, tool_input: dict[str, Any]) -> ToolResult:
        runner = self.runner
        if not ACTIONS[member].changes_screen:
            outcome = await runner.perform(member, tool_input)
            return ToolResult(output=outcome.text, base64_image=outcome.base64_image)
        reference, pid_mark = runner.grab_reference()
        outcome = await runner.perform(member, tool_input)
        # Settle before the next member runs, so a batch acts on what each step produced.
        settled = await runner.settle(reference, pid_mark, action=member)
        self._last_frame, self._last_settled = settled.frame, settled.settled
        return ToolResult(output=outcome.text)

    async def finish_batch(self, last_result: ToolResult) -> ToolResult:
        """Attach a settled screenshot to the batch's last good result (unless it already holds an image)."""
        if last_result.base64_image:
            return last_result
        runner = self.runner
        if self._last_frame is not None and self._last_settled:
            image = await runner.screenshot_of(self._last_frame)
        else:
            image = await runner.settled_screenshot(self._last_frame)
        self._last_frame = None
        return last_result.replace(base64_image=image)


def _check_members() -> dict[str, Draft202012Validator]:
    """Each member's schema must match the keyword-only inputs of the action handler that runs it."""
    if len(MEMBERS) != 17 or set(MEMBERS) != set(ACTIONS):
        raise TypeError(f"the toolset's 17 members are the computer actions, not {sorted(MEMBERS)}")
    validators = {}
    for member, schema in MEMBER_SCHEMAS.items():
        Draft202012Validator.check_schema(schema)
        handler = ACTIONS[member].handler
        if not inspect.iscoroutinefunction(handler):
            raise TypeError(f"the handler of {member} must be a coroutine function")
        check_schema_matches_signature(ComputerToolset20260801, schema, handler)
        validators[member] = Draft202012Validator(schema)
    return validators


ComputerToolset20260801._member_validators = _check_members()
