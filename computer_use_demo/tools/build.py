"""Between the loop and the tools: building a run's tool collection, and reading results back."""

from __future__ import annotations

import inspect
from typing import Any

from computer_use_demo.tools import ToolCollection, ToolGroup, ToolResult
from computer_use_demo.tools.blocks import first_image_data, texts_of
from computer_use_demo.tools.computer.scaling import ImageTier


def build_tool_collection(group: ToolGroup, *, image_tier: ImageTier) -> ToolCollection:
    """One instance of each tool of the group; computer tools get the screenshot size tier."""
    tools = []
    for tool_class in group.tools:
        accepts_tier = "image_tier" in inspect.signature(tool_class).parameters
        tools.append(tool_class(image_tier=image_tier) if accepts_tier else tool_class())
    return ToolCollection(*tools)


def tool_result_from_block(block: dict[str, Any]) -> ToolResult:
    """The `ToolResult` a `tool_result` block stands for (for `tool_output_callback`)."""
    text = "\n".join(texts_of(block)) or None
    if block.get("is_error"):
        return ToolResult(error=text or "The tool failed.")
    return ToolResult(output=text, base64_image=first_image_data(block))
