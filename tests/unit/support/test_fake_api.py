"""The fake Messages API itself (tests/support): its checks, its cache simulation and its wire formats."""

from __future__ import annotations

import pytest
from anthropic import AsyncAnthropic, BadRequestError

from tests.support.fake_api import FakeMessagesAPI, error_reply, reply, text, tool_use
from tests.support.fake_api_requests import CacheSimulator, InvalidRequest, validate_request
from tests.support.loop_tools import png_base64


def body(**changes):
    base = {"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    return {**base, **changes}


def test_rejects_a_fifth_cache_breakpoint() -> None:
    marked = [{"type": "text", "text": str(i), "cache_control": {"type": "ephemeral"}} for i in range(5)]
    with pytest.raises(InvalidRequest, match="maximum of 4"):
        validate_request(body(messages=[{"role": "user", "content": marked}]))
    validate_request(body(messages=[{"role": "user", "content": marked[:4]}]))


def test_rejects_unanswered_tool_use_and_images_in_error_results() -> None:
    use = {"type": "tool_use", "id": "a", "name": "bash", "input": {}}
    with pytest.raises(InvalidRequest, match="without `tool_result`"):
        validate_request(
            body(
                messages=[
                    {"role": "user", "content": "x"},
                    {"role": "assistant", "content": [use]},
                    {"role": "user", "content": "y"},
                ]
            )
        )
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": png_base64(4, 4)},
    }
    result = {"type": "tool_result", "tool_use_id": "a", "is_error": True, "content": [image]}
    with pytest.raises(InvalidRequest, match="is_error"):
        validate_request(
            body(
                messages=[
                    {"role": "user", "content": "x"},
                    {"role": "assistant", "content": [use]},
                    {"role": "user", "content": [result]},
                ]
            )
        )


def test_rejects_text_before_the_tool_results_of_a_message() -> None:
    use = {"type": "tool_use", "id": "a", "name": "bash", "input": {}}
    result = {"type": "tool_result", "tool_use_id": "a", "content": "ok"}
    note = {"type": "text", "text": "the user took over"}

    def history(content):
        return body(
            messages=[{"role": "user", "content": "x"}, {"role": "assistant", "content": [use]}, content]
        )

    with pytest.raises(InvalidRequest, match="tool_result blocks must come first"):
        validate_request(history({"role": "user", "content": [note, result]}))
    validate_request(history({"role": "user", "content": [result, note]}))


def test_rejects_many_large_images_and_toolset_with_computer() -> None:
    large = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": png_base64(2100, 10, noise=False)},
    }
    with pytest.raises(InvalidRequest, match="2000 px"):
        validate_request(body(messages=[{"role": "user", "content": [large] * 21}]))
    validate_request(body(messages=[{"role": "user", "content": [large] * 20}]))
    with pytest.raises(InvalidRequest, match="toolset"):
        validate_request(
            body(tools=[{"type": "computer_toolset_20260801"}, {"name": "computer", "type": "x"}])
        )
    with pytest.raises(InvalidRequest, match="budget_tokens"):
        validate_request(body(thinking={"type": "enabled", "budget_tokens": 100}))


def test_cache_simulation_reads_what_an_earlier_breakpoint_wrote() -> None:
    cache = CacheSimulator()
    system = [{"type": "text", "text": "s" * 4000, "cache_control": {"type": "ephemeral"}}]
    first = cache.usage(body(system=system))
    assert first["cache_read_input_tokens"] == 0 and first["cache_creation_input_tokens"] > 1000
    second = cache.usage(body(system=system, messages=[{"role": "user", "content": "other question"}]))
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    changed = [{"type": "text", "text": "t" * 4000, "cache_control": {"type": "ephemeral"}}]
    assert cache.usage(body(system=changed))["cache_read_input_tokens"] == 0


async def test_records_requests_and_fails_loudly_when_the_script_is_empty() -> None:
    with FakeMessagesAPI() as api:
        api.script(reply(text("one")), error_reply(400, message="scripted"))
        client = AsyncAnthropic(api_key="k", base_url=api.base_url, max_retries=0)
        answer = await client.beta.messages.create(
            model="m", max_tokens=5, messages=[{"role": "user", "content": "a"}]
        )
        assert answer.content[0].text == "one"
        with pytest.raises(BadRequestError, match="scripted"):
            await client.beta.messages.create(
                model="m", max_tokens=5, messages=[{"role": "user", "content": "b"}]
            )
        with pytest.raises(BadRequestError, match="no scripted turn left"):
            await client.beta.messages.create(
                model="m", max_tokens=5, messages=[{"role": "user", "content": "c"}]
            )
        await client.close()
    assert [r.status for r in api.requests] == [200, 400, 400]
    assert api.requests[0].body["messages"][0]["content"] == "a"
    assert all(r.responded_at >= r.received_at for r in api.requests)


async def test_streams_tool_input_in_pieces() -> None:
    with FakeMessagesAPI(chunk_chars=3) as api:
        call = tool_use("bash", {"command": "echo a long command line"})
        api.script(reply(call))
        client = AsyncAnthropic(api_key="k", base_url=api.base_url)
        pieces = []
        async with client.beta.messages.stream(
            model="m", max_tokens=5, messages=[{"role": "user", "content": "a"}]
        ) as stream:
            async for event in stream:
                if event.type == "input_json":
                    pieces.append(event.partial_json)
            final = await stream.get_final_message()
        await client.close()
    assert len(pieces) > 5 and final.content[0].input == call["input"] and final.stop_reason == "tool_use"
