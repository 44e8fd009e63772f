"""Our tool results as MCP tool results: text and a PNG image content block; a failure is `isError`
with its message (the MCP way of telling the caller's model what went wrong), never a protocol error."""

from __future__ import annotations

from typing import Any

from mcp import types

from computer_use_demo.tools.base import ToolResult


def error_result(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


def text_result(text: str, structured: dict[str, Any] | None = None) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=structured
    )


def tool_result(result: ToolResult) -> types.CallToolResult:
    if result.is_error:
        return error_result(result.error or "The tool failed.")
    content: list[Any] = []
    text = "\n".join(part for part in (result.system, result.output) if part)
    if text:
        content.append(types.TextContent(type="text", text=text))
    if result.base64_image:
        content.append(types.ImageContent(type="image", data=result.base64_image, mime_type="image/png"))
    if not content:
        content.append(types.TextContent(type="text", text="Done."))
    return types.CallToolResult(content=content)
