"""The agent loop when things go wrong: API errors, broken streams, crashing tools, cancellation,
and the stop reasons that end a run. After each, the history must be valid to continue."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from computer_use_demo.agent.loop import CANCELLED_TEXT
from computer_use_demo.models.providers import StreamDelta
from computer_use_demo.tools import ToolCollection
from computer_use_demo.tools.result_blocks import UNPARSED_INPUT_TEXT
from tests.support.fake_api import (
    FakeMessagesAPI,
    cut_off_tool_input,
    error_reply,
    reply,
    stream_error,
    text,
    tool_use,
)
from tests.support.loop_run import Run, run_loop
from tests.support.loop_tools import RecordingShell

# ---------------------------------------------------------------- faults


async def test_overloaded_step_is_retried_and_the_run_completes(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(
        reply(tool_use("bash", {"command": "one"})),
        error_reply(529),
        reply(tool_use("bash", {"command": "two"})),
        error_reply(429, retry_after=0.01),
        reply(text("done")),
    )
    run = await run_loop()
    assert run.stop.kind == "end_turn"
    assert [r.status for r in fake_api.requests] == [200, 529, 200, 429, 200]
    assert [r.headers["x-stainless-retry-count"] for r in fake_api.requests] == ["0", "0", "1", "0", "1"]
    assert [m["role"] for m in run.messages] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]


async def test_a_tool_call_whose_input_was_cut_off_runs_nothing(fake_api: FakeMessagesAPI) -> None:
    # Half a JSON object must never run as the half that parsed ("echo keep" without its flags).
    fake_api.script(
        cut_off_tool_input(
            "bash", '{"command":"echo keep","restart": fal', id="toolu_cut", stop_reason="tool_use"
        ),
        reply(text("I will send it again.")),
    )
    shell = RecordingShell()
    run = await run_loop(tools=ToolCollection(shell))
    assert shell.commands == [] and run.stop.kind == "end_turn"
    (result,) = run.messages[2]["content"]
    assert result["tool_use_id"] == "toolu_cut" and result["is_error"] is True
    assert result["content"][0]["text"] == UNPARSED_INPUT_TEXT
    assert fake_api.requests[-1].status == 200  # the API accepted the history with the error result


async def test_error_event_mid_stream_is_retried(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(
        stream_error(after_events=4), reply(tool_use("bash", {"command": "x"})), reply(text("done"))
    )
    run = await run_loop()
    assert run.stop.kind == "end_turn"
    assert len(fake_api.requests) == 3
    assert any(d.kind == "restart" for d in run.deltas)
    assert "cut off" not in json.dumps(run.messages), "the partial answer is not kept"


async def test_api_failure_returns_an_intact_resumable_history(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(tool_use("bash", {"command": "first"})), *[error_reply(500) for _ in range(5)])
    run = await run_loop()
    assert run.stop.kind == "api_error" and "500" in run.stop.message
    request, response, error = run.exchanges[-1]
    assert error is not None and response.status_code == 500 and request is not None
    assert [m["role"] for m in run.messages] == ["user", "assistant", "user"]

    fake_api.script(reply(text("resumed")))
    again = await run_loop(messages=run.messages)
    assert again.stop.kind == "end_turn"
    assert fake_api.requests[-1].status == 200


async def test_bad_request_is_reported_not_raised(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(error_reply(400, message="messages.0: bad thing"))
    run = await run_loop()
    assert run.stop.kind == "api_error" and "bad thing" in run.stop.message
    assert len(fake_api.requests) == 1, "a 400 is not retried"


async def test_unreachable_api_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeMessagesAPI() as api:
        dead = api.base_url
    monkeypatch.setenv("ANTHROPIC_BASE_URL", dead)
    messages = [{"role": "user", "content": "hi"}]
    client_run = await run_loop(messages=messages, max_retries=0)
    assert client_run.stop.kind == "api_error"
    assert messages == [{"role": "user", "content": "hi"}]


async def test_tool_crash_becomes_an_error_result_and_the_run_continues(fake_api: FakeMessagesAPI) -> None:
    crash = tool_use("bash", {"command": "crash"})
    invalid = tool_use("bash", {"command": 42})
    fake_api.script(reply(crash, invalid), reply(text("I see it failed.")))
    run = await run_loop()
    results = run.messages[2]["content"]
    assert [r["is_error"] for r in results] == [True, True]
    assert all(c["type"] == "text" for r in results for c in r["content"]), "error results carry text only"
    assert "fell over" in results[0]["content"][0]["text"]
    assert "Invalid tool input" in results[1]["content"][0]["text"]
    assert run.stop.kind == "end_turn" and len(fake_api.requests) == 2


async def test_cancel_while_a_tool_runs_leaves_a_valid_history(fake_api: FakeMessagesAPI) -> None:
    slow = tool_use("bash", {"command": "sleep 30"})
    fake_api.script(reply(slow, tool_use("bash", {"command": "after"})))
    cancel = asyncio.Event()
    shell = RecordingShell()
    answered = asyncio.Event()  # the tool calls have arrived: the tools are about to run
    task = asyncio.create_task(
        run_loop(
            tools=ToolCollection(shell),
            cancel_event=cancel,
            output_callback=lambda block: block["type"] == "tool_use" and answered.set(),
        )
    )
    await asyncio.wait_for(answered.wait(), 5)
    await asyncio.sleep(0.1)
    cancel.set()
    run = await asyncio.wait_for(task, 5)

    assert run.stop.kind == "cancelled"
    last = run.messages[-1]
    assert last["role"] == "user" and [r["is_error"] for r in last["content"]] == [True, True]
    assert last["content"][0]["content"][0]["text"] == CANCELLED_TEXT
    assert shell.commands == []

    fake_api.script(reply(text("continuing")))
    again = await run_loop(messages=run.messages)
    assert again.stop.kind == "end_turn" and fake_api.requests[-1].status == 200


async def test_cancel_midway_through_a_batch_keeps_the_results_of_calls_that_ran(
    fake_api: FakeMessagesAPI,
) -> None:
    calls = [
        tool_use("bash", {"command": "first"}),
        tool_use("bash", {"command": "sleep 30"}),
        tool_use("bash", {"command": "third"}),
    ]
    fake_api.script(reply(*calls))
    cancel = asyncio.Event()
    shell = RecordingShell()
    task = asyncio.create_task(run_loop(tools=ToolCollection(shell), cancel_event=cancel))
    for _ in range(500):  # until the first call has run (up to 10 s: CI machines are busy)
        if shell.commands:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.05)
    cancel.set()
    run = await asyncio.wait_for(task, 5)

    assert run.stop.kind == "cancelled" and shell.commands == ["first"]
    results = run.messages[-1]["content"]
    assert [r["tool_use_id"] for r in results] == [c["id"] for c in calls]  # in the order of the calls
    assert "is_error" not in results[0] and results[0]["content"][0]["text"] == "ran: first"
    assert [r.get("is_error") for r in results[1:]] == [True, True]
    assert results[2]["content"][0]["text"] == CANCELLED_TEXT

    fake_api.script(reply(text("continuing")))
    again = await run_loop(messages=run.messages)
    assert again.stop.kind == "end_turn" and fake_api.requests[-1].status == 200


async def test_cancel_while_streaming_drops_the_partial_answer(fake_api: FakeMessagesAPI) -> None:
    fake_api.chunk_chars = 2
    fake_api.script(reply(text("a long answer that streams slowly"), event_delay=0.05))
    cancel = asyncio.Event()
    run = Run()

    def on_delta(delta: StreamDelta) -> None:
        run.deltas.append(delta)
        cancel.set()

    result = await asyncio.wait_for(run_loop(cancel_event=cancel, stream_callback=on_delta), 5)
    assert result.stop.kind == "cancelled"
    assert result.messages == [{"role": "user", "content": "do the task"}]
    assert len(run.deltas) < 5


async def test_cancelled_task_repairs_the_history(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(tool_use("bash", {"command": "sleep 30"})))
    messages: list[dict[str, Any]] = [{"role": "user", "content": "go"}]
    answered = asyncio.Event()
    task = asyncio.create_task(run_loop(messages=messages, output_callback=lambda block: answered.set()))
    await asyncio.wait_for(answered.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert messages[-1]["role"] == "user" and messages[-1]["content"][0]["is_error"] is True


async def test_unanswered_tool_calls_from_an_earlier_run_are_answered(fake_api: FakeMessagesAPI) -> None:
    broken = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [tool_use("bash", {"command": "x"}, id="toolu_left_over")]},
    ]
    fake_api.script(reply(text("ok")))
    run = await run_loop(messages=broken)
    assert run.stop.kind == "end_turn"
    sent = fake_api.requests[0].body["messages"]
    assert sent[2]["content"][0]["tool_use_id"] == "toolu_left_over" and sent[2]["content"][0]["is_error"]


# ---------------------------------------------------------------- stop reasons


async def test_pause_turn_continues(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(text("working on it"), stop_reason="pause_turn"), reply(text("finished")))
    run = await run_loop()
    assert run.stop.kind == "end_turn" and len(fake_api.requests) == 2
    assert fake_api.requests[1].body["messages"][-1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "working on it"}],
    }


@pytest.mark.parametrize(
    ("stop_reason", "kind", "words"),
    [
        ("max_tokens", "max_tokens", "max_tokens"),
        ("refusal", "refusal", "declined"),
        ("model_context_window_exceeded", "context_window", "context window"),
    ],
)
async def test_stop_reasons_end_the_run_with_a_message(
    fake_api: FakeMessagesAPI, stop_reason, kind, words
) -> None:
    fake_api.script(reply(text("partial"), tool_use("bash", {"command": "ec"}), stop_reason=stop_reason))
    run = await run_loop()
    assert run.stop.kind == kind and words in run.stop.message and run.stop.stop_reason == stop_reason
    # The cut-off call is answered, so the conversation can go on.
    assert run.messages[-1]["content"][0]["is_error"] is True
    fake_api.script(reply(text("ok")))
    assert (await run_loop(messages=run.messages)).stop.kind == "end_turn"


async def test_max_iterations_bounds_the_run(fake_api: FakeMessagesAPI) -> None:
    fake_api.responder = lambda request: reply(tool_use("bash", {"command": "again"}))
    run = await run_loop(max_iterations=3)
    assert run.stop.kind == "max_iterations" and len(fake_api.requests) == 3
    assert run.messages[-1]["role"] == "user", "the last tool call was run and answered"


class BrokenSetupShell(RecordingShell):
    def to_params(self) -> dict[str, Any]:
        raise RuntimeError("no X display")


async def test_tool_setup_failure_is_reported_and_nothing_is_sent(fake_api: FakeMessagesAPI) -> None:
    run = await run_loop(tools=ToolCollection(BrokenSetupShell()))
    assert run.stop.kind == "other" and "no X display" in run.stop.message
    assert fake_api.requests == [] and run.messages == [{"role": "user", "content": "do the task"}]


async def test_a_raising_callback_propagates_with_the_history_repaired(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(tool_use("bash", {"command": "x"})))
    messages: list[dict[str, Any]] = [{"role": "user", "content": "go"}]

    def explode(block: dict[str, Any]) -> None:
        raise KeyError("bug in the caller's callback")

    with pytest.raises(KeyError):
        await run_loop(messages=messages, output_callback=explode)
    assert messages[-1]["role"] == "user" and messages[-1]["content"][0]["is_error"] is True
