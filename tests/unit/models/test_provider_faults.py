"""A model client when the answer goes wrong: broken streams, bad events, rate limits, cut-off tool input.

Everything runs against the fake Messages API over real HTTP through the real `anthropic` SDK.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from anthropic import APIConnectionError, AsyncAnthropic, RateLimitError

from computer_use_demo.models.model_errors import ModelCallError, ModelStreamError
from computer_use_demo.models.providers import (
    SDKModelClient,
    StreamDelta,
    TurnRequest,
    create_client,
)
from tests.support.fake_api import (
    FakeMessagesAPI,
    Turn,
    cut_off_tool_input,
    dropped_stream,
    error_reply,
    garbled_stream,
    misordered_stream,
    reply,
    text,
    tool_use,
)


def request() -> TurnRequest:
    return TurnRequest(
        model="claude-sonnet-4-6",
        max_tokens=1000,
        system=[{"type": "text", "text": "be useful"}],
        messages=[{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        tools=[{"name": "bash", "type": "bash_20250124"}],
    )


def client_for(api: FakeMessagesAPI, **options: Any) -> SDKModelClient:
    options.setdefault("retry_delay", 0.001)
    return SDKModelClient(AsyncAnthropic(api_key="k", base_url=api.base_url), **options)


async def failure_of(client: SDKModelClient, deltas: list[StreamDelta] | None = None) -> ModelStreamError:
    try:
        with pytest.raises(ModelStreamError) as caught:
            await client.stream_turn(request(), None if deltas is None else deltas.append)
    finally:
        await client.close()
    error = caught.value
    assert isinstance(error, ModelCallError)
    assert "\n" not in str(error) and len(str(error)) < 300, "a one-line message for the user"
    return error


# ---------------------------------------------------------------- broken streams


async def test_a_stream_that_keeps_breaking_off_is_one_clear_error(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(*[dropped_stream(after_events=4) for _ in range(4)])
    deltas: list[StreamDelta] = []
    error = await failure_of(client_for(fake_api), deltas)
    assert str(error).startswith("The API's answer stream broke off 4 times in a row: ")
    assert error.kind == "dropped" and error.__cause__ is not None
    assert len(fake_api.requests) == 4
    assert [d.kind for d in deltas].count("restart") == 3
    assert error.http_response is not None and error.http_response.status_code == 200


async def test_a_stream_that_ends_before_message_stop_is_retried(fake_api: FakeMessagesAPI) -> None:
    truncated = Turn(blocks=[text("half an answer")], rewrite_events=lambda events: events[:-2])
    fake_api.script(truncated, reply(text("whole")))
    deltas: list[StreamDelta] = []
    client = client_for(fake_api)
    response = await client.stream_turn(request(), deltas.append)
    await client.close()
    assert response.content == [{"type": "text", "text": "whole"}] and response.stream_retries == 1
    assert StreamDelta("restart") in deltas


async def test_an_event_that_is_not_json_is_one_clear_error(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(garbled_stream(after_events=4))
    error = await failure_of(client_for(fake_api))
    assert str(error).startswith("The API sent an event that is not valid JSON")
    assert "{not json" in str(error) and error.kind == "invalid_json"
    assert len(fake_api.requests) == 1, "a garbled stream is not retried"


@pytest.mark.parametrize("fault", ["unstarted_index", "wrong_delta", "delta_before_start"])
async def test_events_out_of_order_are_one_clear_error(fake_api: FakeMessagesAPI, fault: str) -> None:
    fake_api.script(misordered_stream(fault))
    error = await failure_of(client_for(fake_api))
    assert str(error).startswith("The API's events arrived out of order: "), str(error)
    assert error.kind == "out_of_order"


def stopped_twice(events: list) -> list:
    stop = next(i for i, e in enumerate(events) if isinstance(e, dict) and e["type"] == "content_block_stop")
    return [*events[: stop + 1], events[stop], *events[stop + 1 :]]


@pytest.mark.parametrize(
    ("rewrite", "words"),
    [
        (lambda events: events[1:], "content_block_start before message_start"),
        (lambda events: [events[0], *events], "a second message_start"),
        (stopped_twice, "content_block_stop for block 0, which had already stopped"),
        (lambda events: [*events, events[-2]], "message_delta after message_stop"),
    ],
)
async def test_events_the_sdk_lets_through_are_checked(fake_api: FakeMessagesAPI, rewrite, words) -> None:
    fake_api.script(Turn(blocks=[text("some answer")], rewrite_events=rewrite))
    error = await failure_of(client_for(fake_api))
    assert str(error) == f"The API's events arrived out of order: {words}"


async def test_a_raising_delta_callback_is_not_mistaken_for_a_stream_fault(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(text("hello")))

    def broken(delta: StreamDelta) -> None:
        raise IndexError("a bug in the caller")

    client = client_for(fake_api)
    with pytest.raises(IndexError, match="a bug in the caller"):
        await client.stream_turn(request(), broken)
    await client.close()


# ---------------------------------------------------------------- waiting before a retry


async def test_a_long_retry_after_is_capped_and_reported(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(error_reply(429, retry_after=3600), reply(text("finally")))
    deltas: list[StreamDelta] = []
    client = create_client("anthropic", api_key="k", max_retry_wait_s=1)
    started = time.monotonic()
    response = await client.stream_turn(request(), deltas.append)
    elapsed = time.monotonic() - started
    await client.close()
    assert response.content == [{"type": "text", "text": "finally"}]
    assert 0.9 <= elapsed < 5, elapsed
    (retry,) = [d for d in deltas if d.kind == "retry"]
    assert retry.wait_s == 1 and retry.attempt == 1
    assert "429" in retry.text and "1 s" in retry.text and "3600 s" in retry.text, retry.text
    assert [r.headers["x-stainless-retry-count"] for r in fake_api.requests] == ["0", "1"]


async def test_cancelling_during_a_retry_wait_returns_at_once(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(error_reply(429, retry_after=30))
    waiting = asyncio.Event()
    client = create_client("anthropic", api_key="k")
    task = asyncio.create_task(client.stream_turn(request(), lambda d: d.kind == "retry" and waiting.set()))
    await asyncio.wait_for(waiting.wait(), 5)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert time.monotonic() - started < 1
    await client.close()
    assert len(fake_api.requests) == 1


async def test_without_retry_after_the_wait_backs_off(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(*[error_reply(529, retry_after=None) for _ in range(3)], reply(text("ok")))
    deltas: list[StreamDelta] = []
    client = client_for(fake_api, retry_delay=0.01)
    await client.stream_turn(request(), deltas.append)
    await client.close()
    waits = [d.wait_s for d in deltas if d.kind == "retry"]
    assert [d.attempt for d in deltas if d.kind == "retry"] == [1, 2, 3]
    assert all(0.0075 * 2**i <= wait <= 0.01 * 2**i for i, wait in enumerate(waits)), waits
    assert deltas[0].text.startswith("Overloaded (HTTP 529): retrying in 0.01 s (retry 1 of 4)"), deltas[0]


async def test_retries_are_bounded_and_end_with_the_api_error(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(*[error_reply(429) for _ in range(3)])
    deltas: list[StreamDelta] = []
    client = client_for(fake_api, max_retries=2)
    with pytest.raises(RateLimitError):
        await client.stream_turn(request(), deltas.append)
    await client.close()
    assert len(fake_api.requests) == 3 and [d.kind for d in deltas] == ["retry", "retry"]


async def test_the_server_can_forbid_a_retry(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(error_reply(529, headers={"x-should-retry": "false"}))
    client = client_for(fake_api)
    with pytest.raises(Exception) as caught:
        await client.stream_turn(request())
    await client.close()
    assert getattr(caught.value, "status_code", None) == 529 and len(fake_api.requests) == 1


async def test_an_unreachable_api_is_retried_then_reported() -> None:
    with FakeMessagesAPI() as api:
        dead = api.base_url
    deltas: list[StreamDelta] = []
    client = SDKModelClient(AsyncAnthropic(api_key="k", base_url=dead), max_retries=2, retry_delay=0.001)
    with pytest.raises(APIConnectionError):
        await client.stream_turn(request(), deltas.append)
    await client.close()
    assert [d.kind for d in deltas] == ["retry", "retry"] and "connect" in deltas[0].text


def test_the_retry_wait_cap_must_be_sensible() -> None:
    with pytest.raises(ValueError, match="max_retry_wait_s"):
        create_client("anthropic", api_key="k", max_retry_wait_s=-1)


# ---------------------------------------------------------------- tool input that did not parse


@pytest.mark.parametrize("stop_reason", ["tool_use", "max_tokens"])
async def test_a_cut_off_tool_input_is_marked_and_not_partly_parsed(
    fake_api: FakeMessagesAPI, stop_reason: str
) -> None:
    partial = '{"command":"echo keep","restart": fal'
    fake_api.script(cut_off_tool_input("bash", partial, id="toolu_cut", stop_reason=stop_reason))
    client = client_for(fake_api)
    response = await client.stream_turn(request())
    await client.close()
    assert response.unparsed_tool_inputs == {"toolu_cut": partial}
    (block,) = response.content
    assert block["type"] == "tool_use" and block["id"] == "toolu_cut" and block["input"] == {}
    assert response.stop_reason == stop_reason


async def test_complete_tool_inputs_are_not_marked(fake_api: FakeMessagesAPI) -> None:
    call = tool_use("bash", {"command": "echo fine", "restart": False})
    fake_api.script(reply(text("running"), call, tool_use("bash", {})))
    client = client_for(fake_api)
    response = await client.stream_turn(request())
    await client.close()
    assert response.unparsed_tool_inputs == {} and response.content[1] == call
    assert response.content[2]["input"] == {}


async def test_trailing_garbage_after_a_tool_input_is_not_ignored(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(
        cut_off_tool_input("bash", '{"command": "ls"}}', id="toolu_extra", stop_reason="tool_use")
    )
    client = client_for(fake_api)
    response = await client.stream_turn(request())
    await client.close()
    assert response.unparsed_tool_inputs == {"toolu_extra": '{"command": "ls"}}'}
    assert response.content[0]["input"] == {}


async def test_a_tool_input_that_is_not_json_even_in_part_is_a_stream_error(
    fake_api: FakeMessagesAPI,
) -> None:
    fake_api.script(cut_off_tool_input("bash", '{"command": ]', stop_reason="tool_use"))
    error = await failure_of(client_for(fake_api))
    assert error.kind == "invalid_json" and "tool input" in str(error)
    assert len(fake_api.requests) == 1
