"""The desktop as a run's controls see it: its display, the model's screenshot space, a fresh screenshot.

In-process, it is found through the run's computer tool (every tool version has one `ComputerActions`),
so a takeover maps the human's clicks with the same scaling the model's own clicks use, and the
screenshot it hands the model is one the computer tool took (its scaling is remembered for the next
call). When the tools run in the desktop tool server, the app holds only proxies: then the display is
`DISPLAY`, the scaling is the API's rule for the screen's size at the run's image tier, and the
screenshot is asked of the computer tool like any call.
"""

from __future__ import annotations

import logging
import os

from computer_use_demo.desktop.capture import CaptureError, ScreenCapture
from computer_use_demo.desktop.xdotool import Xdotool
from computer_use_demo.tools import ToolCollection, ToolError
from computer_use_demo.tools.computer.actions import ComputerActions
from computer_use_demo.tools.computer.scaling import ImageTier, Scaling

log = logging.getLogger(__name__)
COMPUTER = "computer"


class Desk:
    def __init__(
        self,
        actions: ComputerActions | None,
        display: str | None = None,
        *,
        tools: ToolCollection | None = None,
        image_tier: ImageTier = "standard",
    ) -> None:
        self.actions = actions
        self.display = display or (actions.display if actions else None) or os.environ.get("DISPLAY")
        self.tools = tools
        self.image_tier = image_tier

    @classmethod
    def of(cls, tools: ToolCollection, image_tier: ImageTier = "standard") -> Desk:
        for tool in tools.tools:
            # The beta tools keep their runner as `actions_runner`, the toolset as `runner`.
            for attribute in ("actions_runner", "runner"):
                actions = getattr(tool, attribute, None)
                if isinstance(actions, ComputerActions):
                    return cls(actions)
        return cls(None, tools=tools, image_tier=image_tier)

    def scaling(self) -> Scaling | None:
        """Screen size to screenshot size, as the computer tool maps it (None: no screen to read)."""
        if self.actions is not None:
            try:
                return self.actions.current_scaling()
            except ToolError:
                return None
        if not self.display:
            return None
        try:
            width, height = ScreenCapture.for_display(self.display).size()
        except CaptureError:
            return None
        return Scaling.for_screen(width, height, self.image_tier)

    def to_model(self, x: int, y: int) -> tuple[int, int]:
        scaling = self.scaling()
        return scaling.to_model(x, y) if scaling is not None else (x, y)

    async def screenshot(self) -> str | None:
        """A settled screenshot at the model's size (base64 PNG), or None when the screen cannot be read."""
        if self.actions is not None:
            try:
                return await self.actions.settled_screenshot()
            except ToolError:
                log.info("no screenshot for the takeover", exc_info=True)
                return None
        tool = self.tools.tool_map.get(COMPUTER) if self.tools is not None else None
        if tool is None or self.tools is None:
            return None
        if hasattr(tool, "call_member"):  # the toolset: a member call
            result = await self.tools.run(name="screenshot", tool_input={}, toolset_name=COMPUTER)
        else:
            result = await self.tools.run(name=COMPUTER, tool_input={"action": "screenshot"})
        return result.base64_image

    def xdotool(self) -> Xdotool | None:
        return Xdotool(self.display) if self.display else None
