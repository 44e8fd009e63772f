"""The beta `computer` tools (computer_20241022, computer_20250124, computer_20251124).

One tool, one `action` per call. After an action the tool waits for the screen to settle (no fixed sleep)
and returns the screenshot, scaled with the API's own rule so the model's coordinates map back exactly.
`display_width_px`/`display_height_px` advertise the scaled screenshot size.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from computer_use_demo.desktop.capture import ScreenCapture
from computer_use_demo.desktop.settle import SettlePolicy
from computer_use_demo.tools.base import BaseAnthropicTool, ToolError, ToolResult
from computer_use_demo.tools.computer.actions import ACTIONS, ComputerActions
from computer_use_demo.tools.computer.scaling import ImageTier

COORDINATE = {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2}
REGION = {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 4, "maxItems": 4}
BETA_MAX_DURATION = 100.0

ACTIONS_20241022 = (
    "key",
    "type",
    "mouse_move",
    "left_click",
    "left_click_drag",
    "right_click",
    "middle_click",
    "double_click",
    "screenshot",
    "cursor_position",
)
ACTIONS_20250124 = (
    *ACTIONS_20241022,
    "left_mouse_down",
    "left_mouse_up",
    "scroll",
    "hold_key",
    "wait",
    "triple_click",
)
ACTIONS_20251124 = (*ACTIONS_20250124, "zoom")


def _schema(actions: tuple[str, ...], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"action": {"type": "string", "enum": list(actions)}, **properties},
        "required": ["action"],
        "additionalProperties": False,
    }


_COMMON_2025 = {
    "coordinate": COORDINATE,
    "start_coordinate": COORDINATE,
    "text": {"type": "string", "maxLength": 100_000},
    "key": {"type": "string", "maxLength": 200},
    "scroll_direction": {"type": "string", "enum": ["up", "down", "left", "right"]},
    "scroll_amount": {"type": "integer", "minimum": 0, "maximum": 200},
    "duration": {"type": "number", "minimum": 0, "maximum": BETA_MAX_DURATION},
}


class BaseComputerTool(BaseAnthropicTool):
    """Shared behaviour of the beta computer tools; subclasses declare the schema and `execute`."""

    name: ClassVar[Literal["computer"]] = "computer"
    actions: ClassVar[tuple[str, ...]]

    def __init__(
        self,
        *,
        image_tier: ImageTier = "standard",
        display: str | None = None,
        settle: SettlePolicy | None = None,
        capture: ScreenCapture | None = None,
        enable_zoom: bool = True,
    ) -> None:
        self.actions_runner = ComputerActions(
            display=display,
            image_tier=image_tier,
            settle=settle,
            capture=capture,
            max_duration=BETA_MAX_DURATION,
        )
        self.enable_zoom = enable_zoom

    @property
    def image_tier(self) -> ImageTier:
        return self.actions_runner.image_tier

    def to_params(self) -> dict[str, Any]:
        scaling = self.actions_runner.advertised_scaling()
        params: dict[str, Any] = {
            "name": self.name,
            "type": self.api_type,
            "display_width_px": scaling.image_width,
            "display_height_px": scaling.image_height,
        }
        if (number := self.actions_runner.display_number) is not None:
            params["display_number"] = number
        return params

    async def run_action(self, action: str, **params: Any) -> ToolResult:
        if action not in self.actions:
            raise ToolError(f"Action {action!r} is not available in {self.api_type}.")
        runner = self.actions_runner
        if not ACTIONS[action].changes_screen:
            outcome = await runner.perform(action, params)
            return ToolResult(output=outcome.text, base64_image=outcome.base64_image)
        reference, pid_mark = runner.grab_reference()
        outcome = await runner.perform(action, params)
        return ToolResult(
            output=outcome.text,
            base64_image=await runner.settled_screenshot(reference, pid_mark, action=action),
        )

    async def close(self) -> None:
        """The X connection is shared per display and lives as long as the process."""


class ComputerTool20241022(BaseComputerTool):
    api_type: ClassVar[str] = "computer_20241022"
    actions = ACTIONS_20241022
    input_schema: ClassVar[dict[str, Any]] = _schema(
        ACTIONS_20241022, {"coordinate": COORDINATE, "text": {"type": "string", "maxLength": 100_000}}
    )

    async def execute(self, *, action: str, coordinate: list[int] | None = None, text: str | None = None):
        if action in ("left_click", "right_click", "middle_click", "double_click") and text is not None:
            raise ToolError(
                f"{action} takes no text in {self.api_type} (modifier keys came in computer_20250124)."
            )
        # left_click_drag in this version drags from the cursor to `coordinate` (no start_coordinate).
        return await self.run_action(action, coordinate=coordinate, text=text)


class ComputerTool20250124(BaseComputerTool):
    api_type: ClassVar[str] = "computer_20250124"
    actions = ACTIONS_20250124
    input_schema: ClassVar[dict[str, Any]] = _schema(ACTIONS_20250124, _COMMON_2025)

    async def execute(
        self,
        *,
        action: str,
        coordinate: list[int] | None = None,
        start_coordinate: list[int] | None = None,
        text: str | None = None,
        key: str | None = None,
        scroll_direction: str | None = None,
        scroll_amount: int | None = None,
        duration: float | None = None,
    ) -> ToolResult:
        return await self.run_action(
            action,
            coordinate=coordinate,
            start_coordinate=start_coordinate,
            text=text,
            key=key,
            scroll_direction=scroll_direction,
            scroll_amount=scroll_amount,
            duration=duration,
        )


class ComputerTool20251124(BaseComputerTool):
    api_type: ClassVar[str] = "computer_20251124"
    actions = ACTIONS_20251124
    input_schema: ClassVar[dict[str, Any]] = _schema(ACTIONS_20251124, {**_COMMON_2025, "region": REGION})

    def to_params(self) -> dict[str, Any]:
        return {**super().to_params(), "enable_zoom": self.enable_zoom}

    async def execute(
        self,
        *,
        action: str,
        coordinate: list[int] | None = None,
        start_coordinate: list[int] | None = None,
        text: str | None = None,
        key: str | None = None,
        scroll_direction: str | None = None,
        scroll_amount: int | None = None,
        duration: float | None = None,
        region: list[int] | None = None,
    ) -> ToolResult:
        if action == "zoom" and not self.enable_zoom:
            raise ToolError("zoom is disabled for this tool (enable_zoom is false).")
        return await self.run_action(
            action,
            coordinate=coordinate,
            start_coordinate=start_coordinate,
            text=text,
            key=key,
            scroll_direction=scroll_direction,
            scroll_amount=scroll_amount,
            duration=duration,
            region=region,
        )
