"""The hooks protocol: no-op defaults, chains in order (plain and async methods), and the loop calling
each hook at its step, with a per-call start/finish around every tool call (no wrapper classes)."""

from __future__ import annotations

from typing import Any

from computer_use_demo.agent.loop import run_loop
from computer_use_demo.agent.resources import client_for
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.runs.hooks import HookChain, RunHooks
from computer_use_demo.tools import ToolCollection
from tests.support.fake_api import FakeMessagesAPI, reply, text, tool_use
from tests.support.loop_tools import RecordingShell


class Journal(RunHooks):
    def __init__(self, name: str, seen: list[Any]) -> None:
        self.name, self.seen = name, seen

    def on_request(self, request):
        self.seen.append((self.name, "request"))

    async def on_stop(self, stop):  # a coroutine hook is awaited
        self.seen.append((self.name, "stop", stop.kind))


async def run_with(hooks: RunHooks, tools: ToolCollection | None = None) -> Any:
    config = RunConfig.for_model("claude-sonnet-4-5", only_n_most_recent_images=None)
    client = client_for(config, None)
    try:
        return await run_loop(
            config,
            [{"role": "user", "content": "go"}],
            client=client,
            tools=tools or ToolCollection(RecordingShell()),
            hooks=hooks,
        )
    finally:
        await client.close()


async def test_a_chain_calls_every_hook_in_order_and_defaults_do_nothing(fake_api: FakeMessagesAPI):
    fake_api.script(reply(text("Hello.")))
    seen: list[Any] = []
    stop = await run_with(HookChain(Journal("a", seen), None, RunHooks(), Journal("b", seen)))
    assert seen == [("a", "request"), ("b", "request"), ("a", "stop", "end_turn"), ("b", "stop", "end_turn")]
    assert stop.kind == "end_turn"


class Everything(RunHooks):
    def __init__(self) -> None:
        self.steps: list[str] = []

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_"):
            steps = object.__getattribute__(self, "steps")
            return lambda *args: steps.append(name)
        return object.__getattribute__(self, name)


async def test_the_loop_reports_each_step_in_order(fake_api: FakeMessagesAPI):
    fake_api.script(
        reply(text("Two calls."), tool_use("bash", {"command": "one"}), tool_use("bash", {"command": "two"})),
        reply(text("Done.")),
    )
    hooks = Everything()
    await run_with(hooks)
    deltas = [s for s in hooks.steps if s != "on_delta"]
    model_call = ["on_request", "on_response", "on_http", "on_usage", "on_message"]
    tool_call = ["on_tool_started", "on_tool_finished"]
    assert deltas == [
        *model_call,
        *["on_block"] * 3,
        *tool_call * 2,
        "on_message",
        *["on_tool_result"] * 2,
        *model_call,
        "on_block",
        "on_stop",
    ]
    assert "on_delta" in hooks.steps
