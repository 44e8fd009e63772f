"""Running `sampling_loop` in tests: default keywords, and everything the callbacks saw."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from computer_use_demo.agent.loop import LoopStop, sampling_loop
from computer_use_demo.models.providers import StreamDelta
from computer_use_demo.models.usage import RunUsage, TurnUsage
from computer_use_demo.tools import ToolCollection, ToolResult
from tests.support.loop_tools import RecordingShell


@dataclass
class Run:
    """Everything the callbacks saw during one `sampling_loop` call."""

    blocks: list[dict[str, Any]] = field(default_factory=list)
    tool_results: list[tuple[ToolResult, str]] = field(default_factory=list)
    exchanges: list[tuple[Any, Any, Exception | None]] = field(default_factory=list)
    deltas: list[StreamDelta] = field(default_factory=list)
    usages: list[tuple[TurnUsage, RunUsage]] = field(default_factory=list)
    stops: list[LoopStop] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stop(self) -> LoopStop:
        assert len(self.stops) == 1, self.stops
        return self.stops[0]


async def run_loop(messages: list[dict[str, Any]] | None = None, **overrides: Any) -> Run:
    run = Run()
    kwargs: dict[str, Any] = {
        "model": "claude-sonnet-4-6",
        "provider": "anthropic",
        "system_prompt_suffix": "",
        "messages": messages if messages is not None else [{"role": "user", "content": "do the task"}],
        "output_callback": run.blocks.append,
        "tool_output_callback": lambda result, tool_id: run.tool_results.append((result, tool_id)),
        "api_response_callback": lambda req, resp, err: run.exchanges.append((req, resp, err)),
        "api_key": "sk-ant-test-key-0123456789",
        "tool_version": "computer_use_20251124",
        "stream_callback": run.deltas.append,
        "usage_callback": lambda turn, total: run.usages.append((turn, total)),
        "stop_callback": run.stops.append,
    }
    kwargs.setdefault("tools", ToolCollection(RecordingShell()))
    kwargs.update(overrides)
    run.messages = await sampling_loop(**kwargs)
    return run


def user_turns(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "user"]
