"""The reference demo's callbacks (`sampling_loop(output_callback=..., ...)`) as run hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from computer_use_demo.agent.stops import LoopStop
from computer_use_demo.models.providers import DeltaCallback, StreamDelta
from computer_use_demo.models.usage import RunUsage, TurnUsage
from computer_use_demo.runs.hooks import RunHooks, call_hook
from computer_use_demo.tools import ToolResult

CALLBACK_NAMES = (
    "output_callback",
    "tool_output_callback",
    "api_response_callback",
    "stream_callback",
    "usage_callback",
    "stop_callback",
)


class CallbackHooks(RunHooks):
    def __init__(
        self,
        *,
        output_callback: Callable[[dict[str, Any]], Any],
        tool_output_callback: Callable[[ToolResult, str], Any],
        api_response_callback: Callable[[Any, Any, Exception | None], Any],
        stream_callback: DeltaCallback | None,
        usage_callback: Callable[[TurnUsage, RunUsage], Any] | None,
        stop_callback: Callable[[LoopStop], Any] | None,
    ) -> None:
        self.output_callback = output_callback
        self.tool_output_callback = tool_output_callback
        self.api_response_callback = api_response_callback
        self.stream_callback = stream_callback
        self.usage_callback = usage_callback
        self.stop_callback = stop_callback

    async def on_delta(self, delta: StreamDelta) -> None:
        if self.stream_callback is not None:
            await call_hook(self.stream_callback, delta)

    async def on_http(self, request: Any, response: Any, error: BaseException | None) -> None:
        await call_hook(self.api_response_callback, request, response, error)

    async def on_usage(self, turn_usage: TurnUsage, run_usage: RunUsage, turn_number: int) -> None:
        if self.usage_callback is not None:
            await call_hook(self.usage_callback, turn_usage, run_usage)

    async def on_block(self, block: dict[str, Any]) -> None:
        await call_hook(self.output_callback, block)

    async def on_tool_result(self, block: dict[str, Any], result: ToolResult) -> None:
        await call_hook(self.tool_output_callback, result, block["tool_use_id"])

    async def on_stop(self, stop: LoopStop) -> None:
        if self.stop_callback is not None:
            await call_hook(self.stop_callback, stop)
