"""Turning a `ToolResult` into the API's `tool_result` content block."""

from __future__ import annotations

from typing import Any

from computer_use_demo.tools.base import ToolResult

# The API's wording for toolset blocks skipped after an earlier failure in the same turn.
HALTED_TEXT = "Not executed: an earlier computer action in this turn failed."


def tool_result_block(
    result: ToolResult, tool_use_id: str, *, toolset_name: str | None = None
) -> dict[str, Any]:
    """Build the `tool_result` block. An error result carries text only: the API rejects images there."""
    content: list[dict[str, Any]] = []
    if result.is_error:
        content.append({"type": "text", "text": _with_system(result, result.error or "")})
    else:
        if result.output or result.system:
            content.append({"type": "text", "text": _with_system(result, result.output or "")})
        if result.base64_image:
            content.append(
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": result.base64_image},
                }
            )
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_use_id, "content": content}
    if result.is_error:
        block["is_error"] = True
    if toolset_name:
        block["toolset_name"] = toolset_name
    return block


def _with_system(result: ToolResult, text: str) -> str:
    return f"<system>{result.system}</system>\n{text}" if result.system else text
