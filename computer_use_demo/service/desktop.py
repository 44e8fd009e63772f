"""This desktop's tools for a server process outside any run: the MCP server's desktop tools and the
API's live screenshot.

They are built by `tools/build.py` like a run's, so with a desktop tool server configured (the image) they
run there as the desktop user, and in this process otherwise; made on first use and kept (bash keeps its
shell between calls). A computer action holds the desktop's run lock while it runs: while a run (or
another caller's action) has the desktop, it is refused with `DesktopBusy`, never mixed into the run's.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Mapping
from typing import Any

from computer_use_demo.agent.resources import close_tools
from computer_use_demo.desktop.run_lock import acquire_run_lock
from computer_use_demo.tools import TOOL_GROUPS_BY_VERSION, ToolCollection, ToolResult
from computer_use_demo.tools.build import build_tool_collection

# The beta computer tool with every action (zoom included), the Claude 4 editor and bash.
TOOL_VERSION = "computer_use_20251124"
COMPUTER = "computer"


class DesktopTools:
    def __init__(self, *, owner: str, build: Callable[[], ToolCollection] | None = None) -> None:
        self.owner = owner
        self._build = build or (
            lambda: build_tool_collection(TOOL_GROUPS_BY_VERSION[TOOL_VERSION], image_tier="standard")
        )
        self._tools: ToolCollection | None = None
        self._desktop = asyncio.Lock()  # this process's actions take turns; other processes: the run lock

    @property
    def tools(self) -> ToolCollection:
        """The tool collection (made now if need be; raises when it cannot be set up)."""
        if self._tools is None:
            self._tools = self._build()
        return self._tools

    async def run(self, name: str, tool_input: Mapping[str, Any]) -> ToolResult:
        """A bash or editor call (our tool's name and input): no desktop lock, the tool checks the input."""
        return await self.tools.run(name=name, tool_input=tool_input)

    async def act(self, computer_input: Mapping[str, Any], *, what: str) -> ToolResult:
        """A computer action, holding the desktop while it runs; `DesktopBusy` if something else has it."""
        async with self._desktop:
            lock = acquire_run_lock(owner=self.owner, task=what)
            try:
                return await self.tools.run(name=COMPUTER, tool_input=computer_input)
            finally:
                lock.release()

    async def screenshot_png(self) -> bytes:
        """The screen now, as the computer tool sees it (PNG). Looking disturbs no run, so only this
        process's own actions are waited for. `RuntimeError` with the tool's message when there is none."""
        async with self._desktop:
            result = await self.tools.run(name=COMPUTER, tool_input={"action": "screenshot"})
        if result.is_error or not result.base64_image:
            raise RuntimeError(result.error or "The screenshot returned no image.")
        return base64.b64decode(result.base64_image)

    async def close(self) -> None:
        tools, self._tools = self._tools, None
        if tools is not None:
            await close_tools(tools)
