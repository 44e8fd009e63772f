"""Model clients over real HTTP: the Claude API, Bedrock and Vertex paths of the SDK against the fake."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from anthropic import APIStatusError, AsyncAnthropic, AsyncAnthropicBedrock, AsyncAnthropicVertex

from computer_use_demo.agent.loop import sampling_loop
from computer_use_demo.models.providers import (
    DEFAULT_MODELS,
    APIProvider,
    SDKModelClient,
    StreamDelta,
    TurnRequest,
    TurnResponse,
    block_to_param,
    create_client,
    register_provider,
)
from computer_use_demo.models.specs import lookup_model
from computer_use_demo.models.usage import TurnUsage
from computer_use_demo.tools import ToolCollection
from tests.support.fake_api import (
    FakeMessagesAPI,
    dropped_stream,
    member,
    reply,
    stream_error,
    text,
    thinking,
    tool_use,
)
from tests.support.loop_tools import RecordingShell


def request(**changes: Any) -> TurnRequest:
    base = TurnRequest(
        model="claude-sonnet-4-6",
        max_tokens=1000,
        system=[{"type": "text", "text": "be useful"}],
        messages=[{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        tools=[{"name": "bash", "type": "bash_20250124"}],
        betas=["computer-use-2025-11-24"],
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_provider_enum_is_a_string_enum() -> None:
    assert APIProvider("bedrock") is APIProvider.BEDROCK
    assert APIProvider.VERTEX == "vertex" and f"{APIProvider.ANTHROPIC}" == "anthropic"


def test_default_models_are_known_current_models() -> None:
    for provider, model in DEFAULT_MODELS.items():
        spec = lookup_model(model)
        assert spec.known, model
        assert spec.default_tool_version(provider) in ("computer_use_20251124", "computer_use_20260801")
    assert DEFAULT_MODELS[APIProvider.BEDROCK].startswith("us.anthropic.")
    assert (
        "@" not in DEFAULT_MODELS[APIProvider.VERTEX]
        and "anthropic." not in DEFAULT_MODELS[APIProvider.VERTEX]
    )


async def test_claude_api_client_honours_anthropic_base_url(fake_api: FakeMessagesAPI) -> None:
    call = member("left_click", {"coordinate": [5, 6]})
    fake_api.script(reply(thinking("hmm"), text("clicking"), call))
    deltas: list[StreamDelta] = []
    client = create_client("anthropic", api_key="sk-test")
    try:
        response = await client.stream_turn(request(), deltas.append)
    finally:
        await client.close()
    assert isinstance(response, TurnResponse) and response.stop_reason == "tool_use"
    assert response.content[2] == call, "toolset member blocks keep toolset_name"
    assert response.content[0] == {
        "type": "thinking",
        "thinking": "hmm",
        "signature": response.content[0]["signature"],
    }
    assert "".join(d.text for d in deltas if d.kind == "text") == "clicking"
    assert response.http_response is not None and response.http_response.status_code == 200
    assert response.request_id and response.request_id.startswith("req_fake")
    sent = fake_api.requests[0]
    assert sent.path.split("?")[0] == "/v1/messages"
    assert sent.betas == ["computer-use-2025-11-24"]
    assert sent.body["system"] == [{"type": "text", "text": "be useful"}]


async def test_no_beta_header_when_there_are_no_betas(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(text("ok")))
    client = create_client("anthropic", api_key="k")
    await client.stream_turn(request(betas=[]))
    await client.close()
    assert "anthropic-beta" not in fake_api.requests[0].headers


async def test_extra_fields_go_into_the_body(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(text("ok")))
    client = create_client("anthropic", api_key="k")
    await client.stream_turn(
        request(extra={"thinking": {"type": "adaptive"}, "output_config": {"effort": "low"}})
    )
    await client.close()
    body = fake_api.requests[0].body
    assert body["thinking"] == {"type": "adaptive"} and body["output_config"] == {"effort": "low"}


async def test_stream_error_retry_is_bounded(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(*[stream_error(after_events=2) for _ in range(3)])
    deltas: list[StreamDelta] = []
    client = SDKModelClient(
        AsyncAnthropic(api_key="k", base_url=fake_api.base_url),
        stream_error_retries=2,
        retry_delay=0.001,
    )
    with pytest.raises(APIStatusError) as caught:
        await client.stream_turn(request(), deltas.append)
    await client.close()
    assert caught.value.type == "overloaded_error" and caught.value.status_code == 200
    assert len(fake_api.requests) == 3
    assert [d.kind for d in deltas].count("restart") == 2


async def test_non_retryable_stream_error_is_raised_at_once(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(stream_error(after_events=2, error_type="invalid_request_error", message="bad"))
    client = SDKModelClient(AsyncAnthropic(api_key="k", base_url=fake_api.base_url), retry_delay=0.001)
    with pytest.raises(APIStatusError):
        await client.stream_turn(request())
    await client.close()
    assert len(fake_api.requests) == 1


async def test_stream_retry_then_success_reports_the_retries(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(stream_error(after_events=5), reply(text("fine")))
    client = SDKModelClient(AsyncAnthropic(api_key="k", base_url=fake_api.base_url), retry_delay=0.001)
    response = await client.stream_turn(request())
    await client.close()
    assert response.stream_retries == 1 and response.content == [{"type": "text", "text": "fine"}]


async def test_connection_dropped_mid_answer_is_retried(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(dropped_stream(after_events=4), reply(text("whole")))
    deltas: list[StreamDelta] = []
    client = SDKModelClient(AsyncAnthropic(api_key="k", base_url=fake_api.base_url), retry_delay=0.001)
    response = await client.stream_turn(request(), deltas.append)
    await client.close()
    assert response.content == [{"type": "text", "text": "whole"}] and response.stream_retries == 1
    assert StreamDelta("restart") in deltas


async def test_bedrock_over_aws_event_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeMessagesAPI() as api:
        monkeypatch.setenv("ANTHROPIC_BEDROCK_BASE_URL", api.base_url)
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-key")
        call = tool_use("bash", {"command": "ls"})
        api.script(reply(text("on bedrock"), call), stream_error(after_events=3), reply(text("again")))
        client = create_client("bedrock")
        assert isinstance(client, SDKModelClient) and isinstance(client.sdk, AsyncAnthropicBedrock)
        client.retry = dataclasses.replace(client.retry, delay_s=0.001)
        first = await client.stream_turn(request(model="us.anthropic.claude-sonnet-4-6"))
        second = await client.stream_turn(request(model="us.anthropic.claude-sonnet-4-6"))
        await client.close()
    assert first.content == [{"type": "text", "text": "on bedrock"}, call]
    assert second.content == [{"type": "text", "text": "again"}] and second.stream_retries == 1
    sent = api.requests[0]
    assert sent.path == "/model/us.anthropic.claude-sonnet-4-6/invoke-with-response-stream"
    assert sent.body["anthropic_beta"] == ["computer-use-2025-11-24"]
    assert sent.headers["authorization"] == "Bearer bedrock-key"
    assert "model" not in sent.body


async def test_vertex_over_stream_raw_predict() -> None:
    with FakeMessagesAPI() as api:
        api.script(reply(text("on vertex")))
        sdk = AsyncAnthropicVertex(
            region="us-east5", project_id="proj", access_token="tok", base_url=api.base_url
        )
        client = SDKModelClient(sdk)
        response = await client.stream_turn(request(model="claude-sonnet-4-6"))
        await client.close()
    assert response.content == [{"type": "text", "text": "on vertex"}]
    sent = api.requests[0]
    assert (
        sent.path
        == "/projects/proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-6:streamRawPredict"
    )
    assert sent.betas == ["computer-use-2025-11-24"] and sent.model == "claude-sonnet-4-6"


def test_vertex_client_needs_a_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLOUD_ML_REGION", raising=False)
    with pytest.raises(ValueError, match="CLOUD_ML_REGION"):
        create_client("vertex")
    monkeypatch.setenv("CLOUD_ML_REGION", "europe-west1")
    client = create_client("vertex")
    assert isinstance(client, SDKModelClient) and isinstance(client.sdk, AsyncAnthropicVertex)
    assert client.sdk.region == "europe-west1"


def test_unknown_provider_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown API provider 'openai'"):
        create_client("openai")


class CannedClient:
    """A model client that is not the SDK: what a replay provider looks like to the loop."""

    def __init__(self, answers: list[list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.requests: list[TurnRequest] = []
        self.closed = False

    async def stream_turn(self, request: TurnRequest, on_delta=None) -> TurnResponse:
        self.requests.append(request)
        content = self.answers.pop(0)
        stop = "tool_use" if any(b["type"] == "tool_use" for b in content) else "end_turn"
        return TurnResponse(content=content, stop_reason=stop, usage=TurnUsage(10, 5))

    async def close(self) -> None:
        self.closed = True


async def test_a_registered_provider_drives_the_loop_without_http() -> None:
    made: list[CannedClient] = []

    def factory(*, api_key, base_url, max_retries, max_retry_wait_s) -> CannedClient:
        made.append(
            CannedClient([[tool_use("bash", {"command": "echo hi"})], [{"type": "text", "text": "bye"}]])
        )
        return made[-1]

    register_provider("canned-test", factory)
    shell = RecordingShell()
    messages = await sampling_loop(
        model="claude-sonnet-4-6",
        provider="canned-test",
        system_prompt_suffix="",
        messages=[{"role": "user", "content": "hi"}],
        output_callback=lambda b: None,
        tool_output_callback=lambda r, i: None,
        api_response_callback=lambda *a: None,
        api_key=None,
        tool_version="computer_use_20251124",
        tools=ToolCollection(shell),
    )
    assert len(made) == 1, "one client per run"
    assert made[0].closed and shell.commands == ["echo hi"]
    assert messages[-1]["content"] == [{"type": "text", "text": "bye"}]
    assert len(made[0].requests) == 2


def test_block_to_param_for_other_block_types() -> None:
    from anthropic.types.beta import BetaServerToolUseBlock

    block = BetaServerToolUseBlock(
        id="srv_1", input={"query": "x"}, name="web_search", type="server_tool_use"
    )
    assert block_to_param(block) == {
        "id": "srv_1",
        "input": {"query": "x"},
        "name": "web_search",
        "type": "server_tool_use",
    }


async def test_the_loop_runs_on_bedrock(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeMessagesAPI() as api:
        monkeypatch.setenv("ANTHROPIC_BEDROCK_BASE_URL", api.base_url)
        monkeypatch.setenv("AWS_REGION", "us-west-2")
        monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-key")
        api.script(reply(tool_use("bash", {"command": "uname"})), reply(text("done")))
        shell = RecordingShell()
        messages = await sampling_loop(
            model=DEFAULT_MODELS[APIProvider.BEDROCK],
            provider=APIProvider.BEDROCK,
            system_prompt_suffix="",
            messages=[{"role": "user", "content": "hi"}],
            output_callback=lambda b: None,
            tool_output_callback=lambda r, i: None,
            api_response_callback=lambda *a: None,
            api_key="not-an-aws-credential",
            tool_version="computer_use_20251124",
            tools=ToolCollection(shell),
        )
    assert shell.commands == ["uname"] and messages[-1]["content"] == [{"type": "text", "text": "done"}]
    second = api.requests[1]
    assert second.path == "/model/us.anthropic.claude-sonnet-4-6/invoke-with-response-stream"
    assert second.headers["authorization"] == "Bearer bedrock-key", "the Claude API key is not sent to AWS"
    assert second.body["anthropic_beta"] == ["computer-use-2025-11-24"]
    assert second.cache_breakpoints() == ["system[0]", "messages[0].content[0]", "messages[2].content[0]"]
