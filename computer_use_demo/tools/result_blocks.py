"""Turning a `ToolResult` into the API's `tool_result` content block."""

from __future__ import annotations

from anthropic.types.beta import BetaToolResultBlockParam

from computer_use_demo.tools.base import ToolResult
from computer_use_demo.tools.blocks import ResultContent, image_block, text_block, tool_result_block_param

# The API's wording for toolset blocks skipped after an earlier failure in the same turn.
HALTED_TEXT = "Not executed: an earlier computer action in this turn failed."
UNPARSED_INPUT_TEXT = "The tool call's input was cut off and did not parse; nothing was run."


def tool_result_block(
    result: ToolResult, tool_use_id: str, *, toolset_name: str | None = None
) -> BetaToolResultBlockParam:
    """Build the `tool_result` block. An error result carries text only: the API rejects images there."""
    content: ResultContent = []
    if result.is_error:
        content.append(text_block(_with_system(result, result.error or "")))
    else:
        if result.output or result.system:
            content.append(text_block(_with_system(result, result.output or "")))
        if result.base64_image:
            content.append(image_block(result.base64_image))
    return tool_result_block_param(tool_use_id, content, is_error=result.is_error, toolset_name=toolset_name)


def _with_system(result: ToolResult, text: str) -> str:
    return f"<system>{result.system}</system>\n{text}" if result.system else text
