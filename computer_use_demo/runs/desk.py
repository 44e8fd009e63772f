"""The desktop as a run's controls see it: its display, the model's screenshot space, a fresh screenshot.

Found through the run's computer tool (every tool version has one `ComputerActions`), so a takeover maps
the human's clicks with the same scaling the model's own clicks use, and the screenshot it hands the model
is one the computer tool would have taken (its scaling is remembered for the next call).
"""

from __future__ import annotations

import logging
import os

from computer_use_demo.desktop.xdotool import Xdotool
from computer_use_demo.tools import ToolCollection, ToolError
from computer_use_demo.tools.computer.actions import ComputerActions
from computer_use_demo.tools.computer.scaling import Scaling

log = logging.getLogger(__name__)


class Desk:
    def __init__(self, actions: ComputerActions | None, display: str | None = None) -> None:
        self.actions = actions
        self.display = display or (actions.display if actions else None) or os.environ.get("DISPLAY")

    @classmethod
    def of(cls, tools: ToolCollection) -> Desk:
        for tool in tools.tools:
            # The beta tools keep their runner as `actions_runner`, the toolset as `runner`.
            for attribute in ("actions_runner", "runner"):
                actions = getattr(tool, attribute, None)
                if isinstance(actions, ComputerActions):
                    return cls(actions)
        return cls(None)

    def scaling(self) -> Scaling | None:
        """Screen size to screenshot size, as the computer tool maps it (None: no screen to read)."""
        if self.actions is None:
            return None
        try:
            return self.actions.current_scaling()
        except ToolError:
            return None

    def to_model(self, x: int, y: int) -> tuple[int, int]:
        scaling = self.scaling()
        return scaling.to_model(x, y) if scaling is not None else (x, y)

    async def screenshot(self) -> str | None:
        """A settled screenshot at the model's size (base64 PNG), or None when the screen cannot be read."""
        if self.actions is None:
            return None
        try:
            return await self.actions.settled_screenshot()
        except ToolError:
            log.info("no screenshot for the takeover", exc_info=True)
            return None

    def xdotool(self) -> Xdotool | None:
        return Xdotool(self.display) if self.display else None
