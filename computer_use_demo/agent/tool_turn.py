"""Running one turn's tool calls with the run's hooks told of each call as it starts and finishes.

`ToolCollection.run_turn` keeps the turn's rules (order, toolset halting, the batch's closing screenshot)
and dispatches each call through `run`; `ObservedTools` is that same collection with `run` reporting to the
hooks, so the rules stay in one place. With `RunControls`, each call first passes the safe point (a person
may take the desktop there) and the approval gate; a call that must not run gets an error result instead
(which halts the rest of a toolset batch like any failure). After the calls comes one more safe point, and
what a person did during a takeover follows the turn's results in the same user message.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from computer_use_demo.agent.history import NOT_STARTED_TEXT, UNKNOWN_OUTCOME_TEXT
from computer_use_demo.runs.controls import TAKEN_OVER_TEXT, RunControls
from computer_use_demo.runs.hooks import RunHooks, ToolCall, ToolTiming, call_hook
from computer_use_demo.runs.takeover import HumanSegment, SafePoint
from computer_use_demo.tools import ToolCollection, ToolFailure, ToolResult


class ObservedTools(ToolCollection):
    """`inner`'s tools for one turn; `started` holds the ids of the calls that have begun."""

    def __init__(
        self,
        inner: ToolCollection,
        hooks: RunHooks,
        tool_uses: Sequence[Mapping[str, Any]],
        *,
        controls: RunControls | None = None,
        turn: int = 0,
        messages: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(*inner.tools)
        self.inner = inner
        self.hooks = hooks
        self.pending = list(tool_uses)
        self.started: set[str] = set()
        self.controls = controls
        self.turn = turn
        self.messages = messages  # the history the calls were made from (for an approval's screenshot)
        self.segment: HumanSegment | None = None  # a takeover during this turn

    async def run_with_controls(
        self,
        tool_uses: Sequence[Mapping[str, Any]],
        *,
        completed: list[dict[str, Any]],
        unparsed: Collection[str] = (),
    ) -> list[dict[str, Any]]:
        """`run_turn`, then the safe point after the calls: the user message's content."""
        results = await self.run_turn(tool_uses, completed=completed, unparsed=unparsed)
        if self.segment is None and self.controls is not None and tool_uses:
            place = SafePoint(self.turn, after_tool_use_id=str(tool_uses[-1].get("id")))
            self.segment = await self.controls.pause(place, self.hooks)
        if self.segment is not None:
            results = [*results, *self.segment.message_blocks()]
        return results

    async def run(
        self, *, name: str, tool_input: Mapping[str, Any] | Any, toolset_name: str | None = None
    ) -> ToolResult:
        call = self._claim(name, tool_input)
        if call is None:  # not one of this turn's blocks: nothing to report
            return await self.inner.run(name=name, tool_input=tool_input, toolset_name=toolset_name)
        blocked = await self._gate(call)
        if blocked is not None:
            return blocked
        await call_hook(self.hooks.on_tool_started, call)
        self.started.add(call.tool_use_id)
        started_wall, started = time.time(), time.monotonic()
        result = await self.inner.run(name=name, tool_input=tool_input, toolset_name=toolset_name)
        timing = ToolTiming(started_at=started_wall, duration_s=time.monotonic() - started)
        await call_hook(self.hooks.on_tool_finished, call, result, timing)
        return result

    async def _gate(self, call: ToolCall) -> ToolResult | None:
        """Why the call must not run (taken over, denied), or None."""
        if self.segment is not None:
            return ToolFailure(error=TAKEN_OVER_TEXT)
        if self.controls is None:
            return None
        blocked, segment = await self.controls.before_call(call, self.turn, self.messages, self.hooks)
        self.segment = segment
        return blocked

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
