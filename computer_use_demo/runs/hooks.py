"""Watching a run as it happens: the loop calls a `RunHooks` object at every step.

Subclass `RunHooks` and override what you need (each method may be a plain function or a coroutine);
`HookChain` calls several in order. The store, the trajectory recorder, the CLI's progress lines and the
chat's live view are all hooks. A hook that raises ends the run, but never corrupts its history: the loop
answers every open tool call before the exception leaves it.

Order within one model call: on_request, (on_delta...), on_response, on_http, on_usage, on_message
(the assistant turn, appended), on_block per block; then for tool calls: on_tool_started and
on_tool_finished per call as it runs, on_message (the results, appended), on_tool_result per result. Last:
on_stop.

A person's part (see `controls.py`): before a call that needs approval, on_approval_requested and then
on_approval_decided (a denied call never starts); at a safe point where someone took the desktop,
on_takeover_started and, once they hand it back, on_takeover_ended with what they did.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, cast

from computer_use_demo.agent.stops import LoopStop
from computer_use_demo.models.providers import StreamDelta, TurnRequest, TurnResponse
from computer_use_demo.models.usage import RunUsage, TurnUsage
from computer_use_demo.runs.human_records import ApprovalDecision, ApprovalRequest, ControlState, HumanSegment
from computer_use_demo.runs.tool_call import ToolCall, ToolTiming
from computer_use_demo.tools.base import ToolResult

__all__ = ["HookChain", "RunHooks", "ToolCall", "ToolTiming", "call_hook"]


class RunHooks:
    """Every step of a run; all no-ops here."""

    def on_request(self, request: TurnRequest) -> Any: ...

    def on_delta(self, delta: StreamDelta) -> Any: ...

    def on_response(self, request: TurnRequest, response: TurnResponse, seconds: float) -> Any: ...

    def on_http(self, request: Any, response: Any, error: BaseException | None) -> Any:
        """After every exchange with the API (httpx2 objects); `error` when it failed."""

    def on_usage(self, turn_usage: TurnUsage, run_usage: RunUsage, turn_number: int) -> Any:
        """After each model call; `turn_number` counts the run's model calls from 1."""

    def on_message(self, message: dict[str, Any]) -> Any:
        """A message was appended to the history (an assistant turn, or a turn's tool results)."""

    def on_block(self, block: dict[str, Any]) -> Any: ...

    def on_tool_started(self, call: ToolCall) -> Any:
        """Before the call runs: what a killed run leaves behind tells a started call from one never run."""

    def on_tool_finished(self, call: ToolCall, result: ToolResult, timing: ToolTiming) -> Any: ...

    def on_tool_result(self, block: dict[str, Any], result: ToolResult) -> Any:
        """Each `tool_result` block as sent back, once the turn's results are in the history."""

    def on_approval_requested(self, request: ApprovalRequest) -> Any:
        """A call waits for a person's OK (`Approvals.decide` answers it)."""

    def on_approval_decided(self, decision: ApprovalDecision) -> Any:
        """Approved, denied, or timed out; a denied call is answered with an error and never starts."""

    def on_takeover_started(self, state: ControlState) -> Any:
        """The agent paused at a safe point and a person now holds the desktop."""

    def on_takeover_ended(self, segment: HumanSegment) -> Any:
        """The person handed the desktop back; `segment` says what they did."""

    def on_stop(self, stop: LoopStop) -> Any: ...


class HookChain(RunHooks):
    """Several hooks, called in the order given; the first that raises ends the chain (and the run)."""

    def __init__(self, *hooks: RunHooks | None) -> None:
        self.hooks = [hook for hook in hooks if hook is not None]

    async def _each(self, name: str, *args: Any) -> None:
        for hook in self.hooks:
            await call_hook(getattr(hook, name), *args)

    async def on_request(self, request: TurnRequest) -> None:
        await self._each("on_request", request)

    async def on_delta(self, delta: StreamDelta) -> None:
        await self._each("on_delta", delta)

    async def on_response(self, request: TurnRequest, response: TurnResponse, seconds: float) -> None:
        await self._each("on_response", request, response, seconds)

    async def on_http(self, request: Any, response: Any, error: BaseException | None) -> None:
        await self._each("on_http", request, response, error)

    async def on_usage(self, turn_usage: TurnUsage, run_usage: RunUsage, turn_number: int) -> None:
        await self._each("on_usage", turn_usage, run_usage, turn_number)

    async def on_message(self, message: dict[str, Any]) -> None:
        await self._each("on_message", message)

    async def on_block(self, block: dict[str, Any]) -> None:
        await self._each("on_block", block)

    async def on_tool_started(self, call: ToolCall) -> None:
        await self._each("on_tool_started", call)

    async def on_tool_finished(self, call: ToolCall, result: ToolResult, timing: ToolTiming) -> None:
        await self._each("on_tool_finished", call, result, timing)

    async def on_tool_result(self, block: dict[str, Any], result: ToolResult) -> None:
        await self._each("on_tool_result", block, result)

    async def on_approval_requested(self, request: ApprovalRequest) -> None:
        await self._each("on_approval_requested", request)

    async def on_approval_decided(self, decision: ApprovalDecision) -> None:
        await self._each("on_approval_decided", decision)

    async def on_takeover_started(self, state: ControlState) -> None:
        await self._each("on_takeover_started", state)

    async def on_takeover_ended(self, segment: HumanSegment) -> None:
        await self._each("on_takeover_ended", segment)

    async def on_stop(self, stop: LoopStop) -> None:
        await self._each("on_stop", stop)


async def call_hook(method: Callable[..., Any], *args: Any) -> None:
    """Call a hook method, awaiting it if it is a coroutine."""
    result = method(*args)
    if inspect.isawaitable(result):
        await cast(Awaitable[Any], result)
