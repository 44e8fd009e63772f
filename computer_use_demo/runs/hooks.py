"""Watching a run from the outside: each model call and each tool call, timed, as it happens.

The loop reports tool results only once a whole turn has run, and it does not report requests at all. The
CLI's progress lines, the trajectory recorder and the store's tool timings need both, so these wrappers go
around the model client and the tool collection the loop is given (`sampling_loop(client=, tools=)`),
without changing either.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from computer_use_demo.models.providers import DeltaCallback, ModelClient, TurnRequest, TurnResponse
from computer_use_demo.tools import ToolCollection, ToolResult


@dataclass(frozen=True)
class ToolTiming:
    tool_use_id: str
    name: str
    toolset_name: str | None
    tool_input: Any
    started_at: float  # wall clock
    duration_s: float
    result: ToolResult


class TimedToolCollection(ToolCollection):
    """A `ToolCollection` that times every call and reports it (`on_tool_done`) the moment it finishes."""

    def __init__(
        self, inner: ToolCollection, on_tool_done: Callable[[ToolTiming], Any] | None = None
    ) -> None:
        super().__init__(*inner.tools)
        self.on_tool_done = on_tool_done
        self.timings: dict[str, ToolTiming] = {}
        self._pending: list[Mapping[str, Any]] = []

    async def run_turn(
        self, tool_uses: Sequence[Mapping[str, Any]], *, completed: list[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        self._pending = list(tool_uses)
        try:
            return await super().run_turn(tool_uses, completed=completed)
        finally:
            self._pending = []

    async def run(
        self, *, name: str, tool_input: Mapping[str, Any] | Any, toolset_name: str | None = None
    ) -> ToolResult:
        block = self._claim_block(name, tool_input)
        started_wall, started = time.time(), time.monotonic()
        result = await super().run(name=name, tool_input=tool_input, toolset_name=toolset_name)
        if block is not None:
            timing = ToolTiming(
                tool_use_id=str(block.get("id")),
                name=name,
                toolset_name=toolset_name,
                tool_input=tool_input,
                started_at=started_wall,
                duration_s=time.monotonic() - started,
                result=result,
            )
            self.timings[timing.tool_use_id] = timing
            if self.on_tool_done is not None:
                self.on_tool_done(timing)
        return result

    def _claim_block(self, name: str, tool_input: Any) -> Mapping[str, Any] | None:
        # run_turn passes each block's own input object, so identity finds the block (and its id).
        for index, block in enumerate(self._pending):
            if block.get("name") == name and block.get("input") is tool_input:
                return self._pending.pop(index)
        for index, block in enumerate(self._pending):
            if block.get("name") == name:
                return self._pending.pop(index)
        return None


class ObservedModelClient:
    """Wraps a `ModelClient`: `on_request(request)` before each call and
    `on_response(request, response, seconds)` after it."""

    def __init__(
        self,
        inner: ModelClient,
        *,
        on_request: Callable[[TurnRequest], Any] | None = None,
        on_response: Callable[[TurnRequest, TurnResponse, float], Any] | None = None,
    ) -> None:
        self.inner = inner
        self.on_request = on_request
        self.on_response = on_response

    async def stream_turn(self, request: TurnRequest, on_delta: DeltaCallback | None = None) -> TurnResponse:
        if self.on_request is not None:
            self.on_request(request)
        started = time.monotonic()
        response = await self.inner.stream_turn(request, on_delta)
        if self.on_response is not None:
            self.on_response(request, response, time.monotonic() - started)
        return response

    async def close(self) -> None:
        await self.inner.close()
