"""Between the loop and the tools: building a run's tool collection, and reading results back.

With a desktop tool server configured (`COMPUTER_USE_TOOL_SERVER`, see tools/server/address.py) every
tool call runs there, as the desktop user; otherwise the tools run in this process (tests, native runs).
"""

from __future__ import annotations

import inspect
from typing import Any

from computer_use_demo.tools import ToolCollection, ToolGroup, ToolResult
from computer_use_demo.tools.blocks import first_image_data, texts_of
from computer_use_demo.tools.computer.scaling import ImageTier
from computer_use_demo.tools.server.address import configured_address, configured_token
from computer_use_demo.tools.server.proxy import remote_tool_collection


def build_tool_collection(group: ToolGroup, *, image_tier: ImageTier) -> ToolCollection:
    """The run's tools: proxies to the configured tool server, or the tools themselves."""
    address = configured_address()
    if address is None:
        return local_tool_collection(group, image_tier=image_tier)
    return remote_tool_collection(address, group, image_tier=image_tier, token=configured_token())


def local_tool_collection(group: ToolGroup, *, image_tier: ImageTier) -> ToolCollection:
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
