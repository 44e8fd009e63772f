"""A set of tools offered in one request, and the one place tool calls are run.

`run` never raises: whatever goes wrong inside a tool comes back as an error
`ToolResult`, so the agent loop cannot be crashed by a tool.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from computer_use_demo.tools.base import BaseAnthropicTool, ToolError, ToolFailure, ToolResult, Toolset
from computer_use_demo.tools.result_blocks import HALTED_TEXT, UNPARSED_INPUT_TEXT, tool_result_block

log = logging.getLogger(__name__)


class ToolCollection:
    def __init__(self, *tools: BaseAnthropicTool) -> None:
        self.tools = tools
        self.tool_map: dict[str, BaseAnthropicTool] = {}
        for tool in tools:
            if tool.name in self.tool_map:
                raise ValueError(f"two tools are named {tool.name!r}; the API rejects duplicate names")
            self.tool_map[tool.name] = tool

    def to_params(self) -> list[dict[str, Any]]:
        return [tool.to_params() for tool in self.tools]

    async def run(
        self, *, name: str, tool_input: Mapping[str, Any] | Any, toolset_name: str | None = None
    ) -> ToolResult:
        """Run one tool call. For a toolset member, `name` is the member and `toolset_name` the toolset."""
        owner = toolset_name or name
        tool = self.tool_map.get(owner)
        if tool is None:
            return ToolFailure(error=f"Tool {owner!r} is not available. Available: {sorted(self.tool_map)}")
        if not isinstance(tool_input, Mapping):
            return ToolFailure(error=f"Tool input must be a JSON object, got {type(tool_input).__name__}.")
        try:
            if toolset_name is not None:
                if not isinstance(tool, Toolset):
                    return ToolFailure(error=f"{toolset_name!r} is not a toolset.")
                return await tool.call_member(name, dict(tool_input))
            return await tool(**tool_input)
        except ToolError as exc:
            return ToolFailure(error=exc.message)
        except Exception as exc:  # the loop must survive any tool bug
            log.exception("tool %s crashed", owner)
            return ToolFailure(error=f"The {owner} tool failed unexpectedly: {type(exc).__name__}: {exc}")

    async def run_turn(
        self,
        tool_uses: Sequence[Mapping[str, Any]],
        *,
        completed: list[dict[str, Any]] | None = None,
        unparsed: Collection[str] = (),
    ) -> list[dict[str, Any]]:
        """Run a turn's `tool_use` blocks in order and return their `tool_result` blocks.

        Toolset blocks stop at the first failure: every later toolset block of the
        turn is answered with the API's halt text and not executed. When the batch
        ends, the toolset may attach a fresh screenshot to the last good result.
        `completed` receives each call's result block as soon as it is done, so a
        caller that cancels the turn midway still knows what really ran. A block whose id is in `unparsed`
        (its streamed input was cut off) runs nothing: it fails, and halts a toolset batch like a failure.
        """
        results: list[tuple[Mapping[str, Any], ToolResult]] = []
        halted = False
        for block in tool_uses:
            toolset_name = block.get("toolset_name")
            if halted and toolset_name:
                results.append((block, ToolFailure(error=HALTED_TEXT)))
                continue
            if block.get("id") in unparsed:
                result: ToolResult = ToolFailure(error=UNPARSED_INPUT_TEXT)
            else:
                result = await self.run(
                    name=block["name"], tool_input=block.get("input", {}), toolset_name=toolset_name
                )
            results.append((block, result))
            if completed is not None:
                completed.append(tool_result_block(result, block["id"], toolset_name=toolset_name))
            if toolset_name and result.is_error:
                halted = True
        await self._finish_toolset_batches(results)
        return [tool_result_block(r, b["id"], toolset_name=b.get("toolset_name")) for b, r in results]

    async def _finish_toolset_batches(self, results: list[tuple[Mapping[str, Any], ToolResult]]) -> None:
        for toolset_name in {b.get("toolset_name") for b, _ in results if b.get("toolset_name")}:
            toolset = self.tool_map.get(toolset_name)
            if not isinstance(toolset, Toolset):
                continue
            members = [(i, r) for i, (b, r) in enumerate(results) if b.get("toolset_name") == toolset_name]
            good = [(i, r) for i, r in members if not r.is_error and r.error != HALTED_TEXT]
            if not good:
                continue
            last_index, last_result = good[-1]
            try:
                results[last_index] = (results[last_index][0], await toolset.finish_batch(last_result))
            except Exception:  # a missing closing screenshot must not lose the turn's results
                log.exception("toolset %s could not finish its batch", toolset_name)
