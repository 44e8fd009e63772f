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
    APIConnectionError,
    APIStatusError,
    AsyncAnthropic,
    AsyncAnthropicBedrock,
    AsyncAnthropicVertex,
)

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

DEFAULT_MAX_RETRIES = 4  # the SDK's own retries for 408/409/429/5xx, honouring retry-after
STREAM_ERROR_RETRIES = 3  # our retries for an `error` event after HTTP 200
# Error types that mean "try again" when they arrive inside a stream (Claude API and Bedrock spellings).
RETRYABLE_STREAM_ERRORS = frozenset(
    {
        "overloaded_error",
        "api_error",
        "rate_limit_error",
        "serviceUnavailableException",
        "throttlingException",
        "internalServerException",
        "modelStreamErrorException",
    }
)


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
    """A piece of the answer as it arrives. `restart` means: forget the partial answer, it is retried."""

    kind: Literal["text", "thinking", "restart"]
    text: str = ""
    index: int = 0


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


DeltaCallback = Callable[[StreamDelta], Awaitable[None] | None]


@runtime_checkable
class ModelClient(Protocol):
    async def stream_turn(self, request: TurnRequest, on_delta: DeltaCallback | None = None) -> TurnResponse:
        """Send the request, stream the answer (deltas to `on_delta`), return the final message.
        API failures raise `anthropic.APIError` (or a subclass)."""
        ...

    async def close(self) -> None: ...


async def call_maybe_async(callback: Callable[..., Any] | None, *args: Any) -> None:
    if callback is None:
        return
    result = callback(*args)
    if inspect.isawaitable(result):
        await result


class SDKModelClient:
    """`ModelClient` over an `anthropic` async client (Claude API, Bedrock or Vertex)."""

    def __init__(
        self,
        sdk: AsyncAnthropic | AsyncAnthropicBedrock | AsyncAnthropicVertex,
        *,
        stream_error_retries: int = STREAM_ERROR_RETRIES,
        stream_retry_delay: float = 0.5,
    ) -> None:
        self.sdk = sdk
        self.stream_error_retries = stream_error_retries
        self.stream_retry_delay = stream_retry_delay

    async def stream_turn(self, request: TurnRequest, on_delta: DeltaCallback | None = None) -> TurnResponse:
        attempt = 0
        while True:
            try:
                response = await self._stream_once(request, on_delta)
                response.stream_retries = attempt
                return response
            except (APIStatusError, APIConnectionError, httpx2.TransportError) as exc:
                if attempt >= self.stream_error_retries or not _is_retryable_stream_failure(exc):
                    raise
                attempt += 1
                log.warning("stream failed mid-answer (%s); retry %d", _describe(exc), attempt)
                await call_maybe_async(on_delta, StreamDelta(kind="restart"))
                await asyncio.sleep(min(8.0, self.stream_retry_delay * 2 ** (attempt - 1)))

    async def _stream_once(self, request: TurnRequest, on_delta: DeltaCallback | None) -> TurnResponse:
        kwargs: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "system": request.system,
            "messages": request.messages,
            "tools": request.tools,
            **request.extra,
        }
        if request.betas:
            kwargs["betas"] = request.betas
        async with self.sdk.beta.messages.stream(**kwargs) as stream:
            async for event in stream:
                if on_delta is not None and event.type == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta":
                        await call_maybe_async(on_delta, StreamDelta("text", delta.text, event.index))
                    elif delta.type == "thinking_delta":
                        await call_maybe_async(on_delta, StreamDelta("thinking", delta.thinking, event.index))
            message = await stream.get_final_message()
            http_response = stream.response
        return TurnResponse(
            content=[block_to_param(block) for block in message.content],
            stop_reason=message.stop_reason,
            usage=TurnUsage.from_api(message.usage),
            model=message.model,
            request_id=http_response.headers.get("request-id"),
            http_request=http_response.request,
            http_response=http_response,
        )

    async def close(self) -> None:
        await self.sdk.close()


def _is_retryable_stream_failure(exc: Exception) -> bool:
    """Only failures after the stream began: before that the SDK has already retried what it could."""
    if isinstance(exc, APIStatusError):
        return exc.status_code == 200 and (
            exc.type in RETRYABLE_STREAM_ERRORS or _body_type(exc) in RETRYABLE_STREAM_ERRORS
        )
    # A connection dropped mid-answer arrives as a transport error from the response body.
    return isinstance(exc, httpx2.TransportError)


def _body_type(exc: APIStatusError) -> str | None:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    return error.get("type")


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {getattr(exc, 'type', None) or _short(str(exc))}"


def _short(text: str) -> str:
    return text if len(text) < 120 else text[:117] + "..."


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
    """Make `create_client(name, ...)` build clients with `factory(api_key=, base_url=, max_retries=)`."""
    _FACTORIES[name] = factory


def create_client(
    provider: str,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> ModelClient:
    """One client per run. `base_url` overrides the provider's endpoint (the Claude API also honours
    ANTHROPIC_BASE_URL, Bedrock ANTHROPIC_BEDROCK_BASE_URL, Vertex ANTHROPIC_VERTEX_BASE_URL)."""
    factory = _FACTORIES.get(str(provider))
    if factory is None:
        raise ValueError(f"unknown API provider {provider!r}; known: {sorted(_FACTORIES)}")
    return factory(api_key=api_key, base_url=base_url, max_retries=max_retries)


def _anthropic(*, api_key: str | None, base_url: str | None, max_retries: int) -> ModelClient:
    return SDKModelClient(AsyncAnthropic(api_key=api_key or None, base_url=base_url, max_retries=max_retries))


def _bedrock(*, api_key: str | None, base_url: str | None, max_retries: int) -> ModelClient:
    # AWS credentials and region come from the environment (boto3's usual chain); `api_key` is for the
    # Claude API and is not an AWS credential.
    del api_key
    return SDKModelClient(AsyncAnthropicBedrock(base_url=base_url, max_retries=max_retries))


def _vertex(*, api_key: str | None, base_url: str | None, max_retries: int) -> ModelClient:
    del api_key  # Google application-default credentials are used
    region = os.environ.get("CLOUD_ML_REGION")
    if not region:
        raise ValueError("Vertex needs CLOUD_ML_REGION (and ANTHROPIC_VERTEX_PROJECT_ID) in the environment")
    return SDKModelClient(AsyncAnthropicVertex(region=region, base_url=base_url, max_retries=max_retries))


register_provider(APIProvider.ANTHROPIC, _anthropic)
register_provider(APIProvider.BEDROCK, _bedrock)
register_provider(APIProvider.VERTEX, _vertex)
