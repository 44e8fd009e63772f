"""Running one turn's tool calls with the run's hooks told of each call as it starts and finishes.

`ToolCollection.run_turn` keeps the turn's rules (order, toolset halting, the batch's closing screenshot)
and dispatches each call through `run`; `ObservedTools` is that same collection with `run` reporting to the
hooks, so the rules stay in one place.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from computer_use_demo.agent.history import NOT_STARTED_TEXT, UNKNOWN_OUTCOME_TEXT
from computer_use_demo.runs.hooks import RunHooks, ToolCall, ToolTiming, call_hook
from computer_use_demo.tools import ToolCollection, ToolResult


class ObservedTools(ToolCollection):
    """`inner`'s tools for one turn; `started` holds the ids of the calls that have begun."""

    def __init__(
        self, inner: ToolCollection, hooks: RunHooks, tool_uses: Sequence[Mapping[str, Any]]
    ) -> None:
        super().__init__(*inner.tools)
        self.inner = inner
        self.hooks = hooks
        self.pending = list(tool_uses)
        self.started: set[str] = set()

    async def run(
        self, *, name: str, tool_input: Mapping[str, Any] | Any, toolset_name: str | None = None
    ) -> ToolResult:
        call = self._claim(name, tool_input)
        if call is None:  # not one of this turn's blocks: nothing to report
            return await self.inner.run(name=name, tool_input=tool_input, toolset_name=toolset_name)
        await call_hook(self.hooks.on_tool_started, call)
        self.started.add(call.tool_use_id)
        started_wall, started = time.time(), time.monotonic()
        result = await self.inner.run(name=name, tool_input=tool_input, toolset_name=toolset_name)
        timing = ToolTiming(started_at=started_wall, duration_s=time.monotonic() - started)
        await call_hook(self.hooks.on_tool_finished, call, result, timing)
        return result

    def _claim(self, name: str, tool_input: Any) -> ToolCall | None:
        # run_turn passes each block's own input object, in order: identity finds the block (and its id).
        for matches in (lambda b: b.get("input") is tool_input, lambda b: True):
            for index, block in enumerate(self.pending):
                if block.get("name") == name and matches(block):
                    return ToolCall.from_block(dict(self.pending.pop(index)))
        return None

    def unfinished_text(self, tool_use: dict[str, Any]) -> str:
        """How to answer a call of this turn that has no result after the run ended abnormally."""
        return UNKNOWN_OUTCOME_TEXT if tool_use.get("id") in self.started else NOT_STARTED_TEXT
