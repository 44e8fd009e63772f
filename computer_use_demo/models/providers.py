"""Model clients: one small interface between the loop and whatever answers it.

The loop needs one thing from a model: given a request, stream the answer and
hand back the final message. `ModelClient` is that interface. `SDKModelClient`
implements it over the `anthropic` SDK's async clients (Claude API, Bedrock,
Vertex); other providers (for example a replay of a recorded trajectory) register
a factory with `register_provider` or are passed to the loop as `client=`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol, runtime_checkable

import httpx2
from anthropic import (
    AsyncAnthropic,
    AsyncAnthropicBedrock,
    AsyncAnthropicVertex,
)

# Re-exported: the exceptions of `ModelClient.stream_turn` belong to its interface.
from computer_use_demo.models.model_errors import ModelCallError as ModelCallError
from computer_use_demo.models.model_errors import ModelStreamError as ModelStreamError
from computer_use_demo.models.retry_policy import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_WAIT_S,
    DEFAULT_RETRY_DELAY_S,
    STREAM_ERROR_RETRIES,
    Failure,
    RetryPolicy,
    Stage,
    classify,
    retry_note,
)
from computer_use_demo.models.stream_check import StreamChecker, sdk_stream_fault
from computer_use_demo.models.usage import TurnUsage

log = logging.getLogger(__name__)


class APIProvider(StrEnum):
    ANTHROPIC = "anthropic"
    BEDROCK = "bedrock"
    VERTEX = "vertex"


# Current models per provider. The toolset is GA on the Claude API; Bedrock and Vertex get the newest model
# whose cloud ids we know, which runs the beta computer tool there.
DEFAULT_MODELS: dict[APIProvider, str] = {
    APIProvider.ANTHROPIC: "claude-sonnet-5",
    APIProvider.BEDROCK: "us.anthropic.claude-sonnet-4-6",
    APIProvider.VERTEX: "claude-sonnet-4-6",
}


@dataclass
class TurnRequest:
    model: str
    max_tokens: int
    system: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    betas: list[str] = field(default_factory=list)
    # Further body fields: `thinking`, `output_config`, ...
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON body as the Claude API receives it (betas travel in a header)."""
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": self.system,
            "messages": self.messages,
            "tools": self.tools,
            **self.extra,
        }


@dataclass(frozen=True)
class StreamDelta:
    """Something a front end can show while a turn is under way. `kind`:

    - "text", "thinking": a piece of block `index` of the answer, in `text`;
    - "restart": the answer broke off and is asked for again: forget the partial answer;
    - "retry": the client waits `wait_s` seconds before retry number `attempt` of this turn; `text` is
      the line to show ("Rate limited (HTTP 429): retrying in 60 s (retry 1 of 4; the API asked for
      3600 s)."). Comes after "restart" when a broken-off answer is retried, and for every other retry.
    """

    kind: Literal["text", "thinking", "restart", "retry"]
    text: str = ""
    index: int = 0
    wait_s: float = 0.0
    attempt: int = 0


@dataclass
class TurnResponse:
    content: list[dict[str, Any]]  # the assistant's blocks, ready to send back
    stop_reason: str | None
    usage: TurnUsage
    model: str = ""
    request_id: str | None = None
    http_request: httpx2.Request | None = None
    http_response: httpx2.Response | None = None
    stream_retries: int = 0
    # tool_use id -> the input JSON text as streamed, for calls whose input did not parse completely (cut
    # off by max_tokens, or broken). Their `input` in `content` is {}: such a call must not be run.
    unparsed_tool_inputs: dict[str, str] = field(default_factory=dict)


DeltaCallback = Callable[[StreamDelta], Awaitable[None] | None]


@runtime_checkable
class ModelClient(Protocol):
    async def stream_turn(self, request: TurnRequest, on_delta: DeltaCallback | None = None) -> TurnResponse:
        """Send the request, stream the answer (deltas to `on_delta`), return the final message.
        An API error answer raises `anthropic.APIStatusError`, an unreachable API
        `anthropic.APIConnectionError`, an unusable answer stream `ModelStreamError` (a `ModelCallError`)."""
        ...

    async def close(self) -> None: ...


async def call_maybe_async(callback: Callable[..., Any] | None, *args: Any) -> None:
    if callback is None:
        return
    result = callback(*args)
    if inspect.isawaitable(result):
        await result


class SDKModelClient:
    """`ModelClient` over an `anthropic` async client (Claude API, Bedrock or Vertex).

    The SDK client's own retries are turned off; this client retries instead (see retry_policy.py):
    `max_retries` failed requests and `stream_error_retries` broken-off answers per turn, each wait at
    most `max_retry_wait_s` and reported to `on_delta` as a "retry" delta.
    """

    def __init__(
        self,
        sdk: AsyncAnthropic | AsyncAnthropicBedrock | AsyncAnthropicVertex,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        stream_error_retries: int = STREAM_ERROR_RETRIES,
        max_retry_wait_s: float = DEFAULT_MAX_RETRY_WAIT_S,
        retry_delay: float = DEFAULT_RETRY_DELAY_S,
    ) -> None:
        self.retry = RetryPolicy(max_retries, stream_error_retries, max_retry_wait_s, retry_delay)
        self.sdk = sdk.with_options(max_retries=0)  # shares `sdk`'s connection pool

    async def stream_turn(self, request: TurnRequest, on_delta: DeltaCallback | None = None) -> TurnResponse:
        taken: dict[Stage, int] = {"request": 0, "stream": 0}
        while True:
            try:
                response = await self._stream_once(request, on_delta, sum(taken.values()))
            except Exception as exc:
                failure = classify(exc)
                if failure is None:
                    raise
                if taken[failure.stage] >= self.retry.budget(failure.stage):
                    if isinstance(exc, ModelStreamError):
                        raise _broke_off_again(exc, taken[failure.stage] + 1) from exc.__cause__ or exc
                    raise  # the API's own error, as the SDK raised it
                taken[failure.stage] += 1
                await self._wait_before_retry(failure, taken[failure.stage], on_delta)
                continue
            response.stream_retries = taken["stream"]
            return response

    async def _wait_before_retry(self, failure: Failure, retry: int, on_delta: DeltaCallback | None) -> None:
        budget = self.retry.budget(failure.stage)
        wait_s, asked_s = self.retry.wait(failure, retry - 1)
        note = retry_note(failure, wait_s, asked_s, retry, budget)
        log.info("%s", note)  # front ends show the "retry" delta themselves
        if failure.stage == "stream":
            await call_maybe_async(on_delta, StreamDelta(kind="restart"))
        await call_maybe_async(on_delta, StreamDelta("retry", note, wait_s=wait_s, attempt=retry))
        await asyncio.sleep(wait_s)

    async def _stream_once(
        self, request: TurnRequest, on_delta: DeltaCallback | None, retries_taken: int
    ) -> TurnResponse:
        kwargs: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "system": request.system,
            "messages": request.messages,
            "tools": request.tools,
            # The SDK counts only its own attempts; the API and our logs should see this turn's.
            "extra_headers": {"x-stainless-retry-count": str(retries_taken)},
            **request.extra,
        }
        if request.betas:
            kwargs["betas"] = request.betas
        checker = StreamChecker()
        async with self.sdk.beta.messages.stream(**kwargs) as stream:
            http_response = stream.response
            try:
                await _follow(stream, checker, on_delta)
                checker.check_complete()
            except ModelStreamError as exc:
                exc.http_request, exc.http_response = http_response.request, http_response
                raise
            message = await stream.get_final_message()
        content = [block_to_param(block) for block in message.content]
        return TurnResponse(
            content=content,
            stop_reason=message.stop_reason,
            usage=TurnUsage.from_api(message.usage),
            model=message.model,
            request_id=http_response.headers.get("request-id"),
            http_request=http_response.request,
            http_response=http_response,
            unparsed_tool_inputs=checker.unparsed_tool_inputs(content),
        )

    async def close(self) -> None:
        await self.sdk.close()


async def _follow(stream: Any, checker: StreamChecker, on_delta: DeltaCallback | None) -> None:
    """Read the stream to its end, checking each event and passing text and thinking on as they come."""
    events = stream.__aiter__()
    while True:
        try:
            event = await events.__anext__()
        except StopAsyncIteration:
            return
        except Exception as exc:  # only what reading the stream raised: `on_delta`'s errors pass as they are
            fault = sdk_stream_fault(exc)
            if fault is None:
                raise
            raise fault from exc
        checker.see(event)
        if on_delta is not None and event.type == "content_block_delta":
            delta = event.delta
            if delta.type == "text_delta":
                await call_maybe_async(on_delta, StreamDelta("text", delta.text, event.index))
            elif delta.type == "thinking_delta":
                await call_maybe_async(on_delta, StreamDelta("thinking", delta.thinking, event.index))


def _broke_off_again(exc: ModelStreamError, attempts: int) -> ModelStreamError:
    return ModelStreamError(
        exc.kind,
        f"The API's answer stream broke off {attempts} times in a row: {exc.detail}",
        detail=exc.detail,
        http_request=exc.http_request,
        http_response=exc.http_response,
    )


def block_to_param(block: Any) -> dict[str, Any]:
    """A response content block as a request block. Thinking blocks go back exactly as received."""
    kind = block.type
    if kind == "text":
        return {"type": "text", "text": block.text}
    if kind == "thinking":
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    if kind == "redacted_thinking":
        return {"type": "redacted_thinking", "data": block.data}
    if kind == "tool_use":
        param = {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
        if getattr(block, "toolset_name", None):
            param["toolset_name"] = block.toolset_name
        return param
    dumped = block.model_dump(mode="json", exclude_none=True)
    dumped.pop("parsed_output", None)
    return dumped


# ---------------------------------------------------------------- creating clients

ClientFactory = Callable[..., ModelClient]
_FACTORIES: dict[str, ClientFactory] = {}


def register_provider(name: str, factory: ClientFactory) -> None:
    """Make `create_client(name, ...)` build clients with
    `factory(api_key=, base_url=, max_retries=, max_retry_wait_s=)`."""
    _FACTORIES[name] = factory


def create_client(
    provider: str,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    max_retry_wait_s: float = DEFAULT_MAX_RETRY_WAIT_S,
) -> ModelClient:
    """One client per run. `base_url` overrides the provider's endpoint (the Claude API also honours
    ANTHROPIC_BASE_URL, Bedrock ANTHROPIC_BEDROCK_BASE_URL, Vertex ANTHROPIC_VERTEX_BASE_URL).
    `max_retries`: failed requests tried again per turn; `max_retry_wait_s`: the longest wait before one,
    whatever the API's retry-after asks for."""
    factory = _FACTORIES.get(str(provider))
    if factory is None:
        raise ValueError(f"unknown API provider {provider!r}; known: {sorted(_FACTORIES)}")
    return factory(
        api_key=api_key, base_url=base_url, max_retries=max_retries, max_retry_wait_s=max_retry_wait_s
    )


# The SDK clients are made with max_retries=0: SDKModelClient retries itself, with capped, reported waits.


def _anthropic(*, api_key: str | None, base_url: str | None, **retry: Any) -> ModelClient:
    return SDKModelClient(AsyncAnthropic(api_key=api_key or None, base_url=base_url, max_retries=0), **retry)


def _bedrock(*, api_key: str | None, base_url: str | None, **retry: Any) -> ModelClient:
    # AWS credentials and region come from the environment (boto3's usual chain); `api_key` is for the
    # Claude API and is not an AWS credential.
    del api_key
    return SDKModelClient(AsyncAnthropicBedrock(base_url=base_url, max_retries=0), **retry)


def _vertex(*, api_key: str | None, base_url: str | None, **retry: Any) -> ModelClient:
    del api_key  # Google application-default credentials are used
    region = os.environ.get("CLOUD_ML_REGION")
    if not region:
        raise ValueError("Vertex needs CLOUD_ML_REGION (and ANTHROPIC_VERTEX_PROJECT_ID) in the environment")
    return SDKModelClient(AsyncAnthropicVertex(region=region, base_url=base_url, max_retries=0), **retry)


register_provider(APIProvider.ANTHROPIC, _anthropic)
register_provider(APIProvider.BEDROCK, _bedrock)
register_provider(APIProvider.VERTEX, _vertex)
