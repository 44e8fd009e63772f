"""Small real tools for driving the agent loop without a desktop: they follow the tool base class
contract (schema checked against `execute`) and record what they were asked to do."""

from __future__ import annotations

import asyncio
import base64
import io
import random
from typing import Any, ClassVar

from PIL import Image

from computer_use_demo.tools import BaseAnthropicTool, CLIResult, ToolError, ToolResult


class RecordingShell(BaseAnthropicTool):
    """Stands in for `bash`: answers `ran: <command>` and remembers the commands."""

    name: ClassVar[str] = "bash"
    api_type: ClassVar[str] = "bash_20250124"
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"command": {"type": "string"}, "restart": {"type": "boolean"}},
        "additionalProperties": False,
    }

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.closed = False

    async def execute(self, *, command: str | None = None, restart: bool = False) -> ToolResult:
        if command == "crash":
            raise RuntimeError("the shell tool fell over")
        if command == "invalid":
            raise ToolError("that command is not allowed here")
        if command and command.startswith("sleep "):
            await asyncio.sleep(float(command.split()[1]))
        self.commands.append(command or "")
        return CLIResult(output=f"ran: {command}")

    def to_params(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.api_type}

    async def close(self) -> None:
        self.closed = True


def png_base64(width: int, height: int, *, seed: int = 0, noise: bool = True) -> str:
    """A PNG of the given size. With noise it compresses like a busy screenshot (tens of kB to MBs)."""
    if noise:
        rng = random.Random(seed)
        small = Image.new("RGB", (max(1, width // 8), max(1, height // 8)))
        small.putdata(
            [
                (rng.randrange(256), rng.randrange(256), rng.randrange(256))
                for _ in range(small.width * small.height)
            ]
        )
        picture = small.resize((width, height), Image.Resampling.NEAREST)
    else:
        picture = Image.new("RGB", (width, height), (40, 90, 160))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return base64.b64encode(buffer.getvalue()).decode()


class ScreenStandIn(BaseAnthropicTool):
    """Stands in for the beta `computer` tool: every action answers with a screenshot-sized PNG."""

    name: ClassVar[str] = "computer"
    api_type: ClassVar[str] = "computer_20251124"
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "action": {"type": "string"},
            "coordinate": {"type": "array", "items": {"type": "integer"}},
            "text": {"type": "string"},
        },
        "required": ["action"],
    }

    def __init__(
        self, width: int = 1280, height: int = 800, *, distinct_frames: int = 8, noise: bool = True
    ) -> None:
        self.width, self.height = width, height
        # A few different frames, so consecutive screenshots differ as on a real desktop.
        self.frames = [png_base64(width, height, seed=i, noise=noise) for i in range(distinct_frames)]
        self.calls: list[dict[str, Any]] = []

    async def execute(
        self, *, action: str, coordinate: list[int] | None = None, text: str | None = None
    ) -> ToolResult:
        self.calls.append({"action": action, "coordinate": coordinate, "text": text})
        frame = self.frames[len(self.calls) % len(self.frames)]
        return ToolResult(output=None if action == "screenshot" else f"{action} done", base64_image=frame)

    def to_params(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.api_type,
            "display_width_px": self.width,
            "display_height_px": self.height,
        }


class ToolsetStandIn(BaseAnthropicTool):
    """Stands in for `computer_toolset_20260801`: members are dispatched to `call_member`."""

    name: ClassVar[str] = "computer"
    api_type: ClassVar[str] = "computer_toolset_20260801"
    input_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.frame = png_base64(64, 48, noise=False)

    async def execute(self) -> ToolResult:
        raise ToolError("the toolset is called through its members")

    async def call_member(self, member: str, tool_input: dict[str, Any]) -> ToolResult:
        self.calls.append((member, tool_input))
        if member == "left_click" and tool_input.get("coordinate") == [-1, -1]:
            raise ToolError("Coordinate [-1, -1] is outside the screen.")
        return ToolResult(output=f"{member} done")

    async def finish_batch(self, last_result: ToolResult) -> ToolResult:
        return last_result.replace(base64_image=self.frame)

    def to_params(self) -> dict[str, Any]:
        return {"type": self.api_type}
