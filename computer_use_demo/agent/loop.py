"""The agent loop: ask Claude, run the tools it calls, repeat until it is done.

`sampling_loop` keeps the keyword names of Anthropic's reference demo, so code
written for it keeps working, and adds streaming, usage, cancellation and a
pluggable model client. It never raises for an API or tool failure: it returns
the conversation, always in a state the API accepts as the start of the next run
(every `tool_use` answered).

Callbacks may be plain functions or coroutines:
- `output_callback(block)`: each assistant content block (dict) once the turn is complete;
- `tool_output_callback(result: ToolResult, tool_use_id)`: each tool result;
- `api_response_callback(request, response, error)`: after every exchange (httpx2 objects; `error`
  is the exception when the call failed, and `response` may then be None or the error body);
- `stream_callback(StreamDelta)`: text and thinking as they arrive;
- `usage_callback(turn: TurnUsage, run: RunUsage)`: after each turn;
- `stop_callback(LoopStop)`: why the loop ended, in words for the user.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from anthropic import AnthropicError, APIError, APIStatusError

from computer_use_demo.agent.history import (
    CONTEXT_MANAGEMENT_BETA,
    DEFAULT_PRUNE_INTERVAL,
    MAX_CACHE_BREAKPOINTS,
    answer_unanswered_tool_uses,
    count_cache_breakpoints,
    prepare_messages,
    server_side_clearing,
    system_blocks,
)
from computer_use_demo.agent.prompts import build_system_prompt
from computer_use_demo.models.providers import (
    DEFAULT_MAX_RETRIES,
    APIProvider,
    DeltaCallback,
    ModelClient,
    TurnRequest,
    call_maybe_async,
    create_client,
)
from computer_use_demo.models.specs import (
    ImageTier,
    ThinkingEffort,
    ThinkingMode,
    lookup_model,
    supports_prompt_caching,
)
from computer_use_demo.models.thinking import thinking_request
from computer_use_demo.models.usage import RunUsage, TurnUsage
from computer_use_demo.tools import TOOL_GROUPS_BY_VERSION, ToolCollection, ToolResult, ToolVersion
from computer_use_demo.tools.build import build_tool_collection, tool_result_from_block

__all__ = ["APIProvider", "LoopStop", "ThinkingEffort", "ThinkingMode", "sampling_loop"]

log = logging.getLogger(__name__)

TOKEN_EFFICIENT_TOOLS_BETA = "token-efficient-tools-2025-02-19"
CANCELLED_TEXT = "Not executed: the user stopped the run."

StopKind = Literal[
    "end_turn",
    "max_tokens",
    "refusal",
    "context_window",
    "max_iterations",
    "cancelled",
    "api_error",
    "other",
]


@dataclass(frozen=True)
class LoopStop:
    kind: StopKind
    message: str
    stop_reason: str | None = None


_STOP_MESSAGES: dict[str, tuple[StopKind, str]] = {
    "max_tokens": (
        "max_tokens",
        "Claude reached the output limit (max_tokens) before finishing. Raise max_tokens and continue.",
    ),
    "refusal": ("refusal", "Claude declined to continue with this request."),
    "model_context_window_exceeded": (
        "context_window",
        "The conversation no longer fits in the model's context window. Keep fewer screenshots "
        "(only_n_most_recent_images) or start a new conversation.",
    ),
}

T = TypeVar("T")


async def sampling_loop(
    *,
    model: str,
    provider: APIProvider | str,
    system_prompt_suffix: str,
    messages: list[dict[str, Any]],
    output_callback: Callable[[dict[str, Any]], Any],
    tool_output_callback: Callable[[ToolResult, str], Any],
    api_response_callback: Callable[[Any, Any, Exception | None], Any],
    api_key: str | None,
    only_n_most_recent_images: int | None = None,
    max_tokens: int = 4096,
    tool_version: ToolVersion,
    thinking_mode: ThinkingMode = "off",
    thinking_effort: ThinkingEffort = "medium",
    thinking_budget: int | None = None,
    token_efficient_tools_beta: bool = False,
    stream_callback: DeltaCallback | None = None,
    usage_callback: Callable[[TurnUsage, RunUsage], Any] | None = None,
    stop_callback: Callable[[LoopStop], Any] | None = None,
    max_iterations: int = 100,
    cancel_event: asyncio.Event | None = None,
    image_tier: ImageTier | None = None,
    client: ModelClient | None = None,
    base_url: str | None = None,
    tools: ToolCollection | None = None,
    prompt_caching: bool | None = None,
    image_prune_interval: int = DEFAULT_PRUNE_INTERVAL,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> list[dict[str, Any]]:
    """Run the conversation in `messages` (changed in place and returned) until Claude stops.

    `cancel_event`: set it to stop cleanly; cancelling the task works too (the history is repaired,
    then CancelledError propagates). `client`/`tools`: bring your own (they are then not closed here).
    `max_retries`: the SDK's retries of 408/409/429/5xx and connection errors (honouring retry-after).
    """
    if tool_version not in TOOL_GROUPS_BY_VERSION:
        raise ValueError(f"unknown tool_version {tool_version!r}; known: {sorted(TOOL_GROUPS_BY_VERSION)}")
    spec = lookup_model(model)
    if max_tokens > spec.max_output_tokens:
        log.info(
            "max_tokens %d is above %s's limit; using %d", max_tokens, spec.family, spec.max_output_tokens
        )
        max_tokens = spec.max_output_tokens
    thinking = thinking_request(
        spec, thinking_mode, effort=thinking_effort, budget=thinking_budget, max_tokens=max_tokens
    )
    provider_name = str(provider)
    cache = supports_prompt_caching(provider_name, model) if prompt_caching is None else prompt_caching
    group = TOOL_GROUPS_BY_VERSION[tool_version]
    betas = [group.beta_flag] if group.beta_flag else []
    betas += [b for b in thinking.betas if b not in betas]
    if token_efficient_tools_beta and spec.family == "claude-3-7-sonnet":
        betas.append(TOKEN_EFFICIENT_TOOLS_BETA)  # only Claude 3.7 Sonnet ever used it
    extra = dict(thinking.params)
    keep_images = only_n_most_recent_images
    if (
        keep_images is not None
        and spec.edits_invalidate_thinking
        and thinking.mode != "off"
        and provider_name == APIProvider.ANTHROPIC
    ):
        # Pruning here would invalidate the thinking blocks after the first edit: let the API clear.
        other_tools = [t.name for t in group.tools if t.name != "computer"]
        extra["context_management"] = server_side_clearing(
            keep_images, image_prune_interval, keep_tools=other_tools
        )
        betas.append(CONTEXT_MANAGEMENT_BETA)
        keep_images = None
    system = system_blocks(build_system_prompt(suffix=system_prompt_suffix), cache=cache)
    tier: ImageTier = image_tier or ("high" if spec.uses_high_image_tier(tool_version) else "standard")
    run_usage = RunUsage(model=model)

    async def stop(kind: StopKind, message: str, stop_reason: str | None = None) -> list[dict[str, Any]]:
        if kind not in ("end_turn",):
            log.info("loop stopped (%s): %s", kind, message)
        await call_maybe_async(stop_callback, LoopStop(kind, message, stop_reason))
        return messages

    # A history from an earlier, interrupted run may hold unanswered tool calls.
    answer_unanswered_tool_uses(messages)
    own_client = client is None
    own_tools = tools is None
    try:
        if client is None:
            client = create_client(provider_name, api_key=api_key, base_url=base_url, max_retries=max_retries)
    except (AnthropicError, ValueError) as exc:
        await call_maybe_async(api_response_callback, None, None, exc)
        return await stop("api_error", f"Could not create the {provider_name} client: {exc}")
    try:
        if tools is None:
            tools = build_tool_collection(group, image_tier=tier)
        tool_params = tools.to_params()
    except Exception as exc:  # e.g. no X display: the user must see it, the history stays as it was
        log.exception("could not set up the %s tools", tool_version)
        if own_client:
            with contextlib.suppress(Exception):
                await client.close()
        if own_tools and tools is not None:
            await _close_tools(tools)
        return await stop("other", f"Could not set up the tools: {type(exc).__name__}: {exc}")

    # The result blocks of the tool calls that finished in a turn still running: kept if the run ends.
    in_flight: list[dict[str, Any]] | None = None
    try:
        for _iteration in range(max_iterations):
            if cancel_event is not None and cancel_event.is_set():
                return await stop("cancelled", "Stopped by the user.")
            prepared = prepare_messages(
                messages,
                keep_images=keep_images,
                prune_interval=image_prune_interval,
                cache=cache,
            )
            request = TurnRequest(
                model=model,
                max_tokens=max_tokens,
                system=system,
                messages=prepared.messages,
                tools=tool_params,
                betas=betas,
                extra=extra,
            )
            breakpoints = count_cache_breakpoints(request.body())
            assert breakpoints <= MAX_CACHE_BREAKPOINTS, f"{breakpoints} cache breakpoints in one request"
            try:
                response = await _until_cancelled(client.stream_turn(request, stream_callback), cancel_event)
            except _Cancelled:
                return await stop("cancelled", "Stopped by the user while Claude was answering.")
            except APIError as exc:
                await _report_api_error(api_response_callback, exc)
                return await stop("api_error", _api_error_text(exc))
            await call_maybe_async(api_response_callback, response.http_request, response.http_response, None)
            turn_usage = response.usage
            run_usage.add(turn_usage)
            await call_maybe_async(usage_callback, turn_usage, run_usage)

            if response.content:
                messages.append({"role": "assistant", "content": response.content})
                for block in response.content:
                    await call_maybe_async(output_callback, block)

            stop_reason = response.stop_reason
            tool_uses = [b for b in response.content if b.get("type") == "tool_use"]
            if stop_reason == "pause_turn":
                continue
            if stop_reason == "tool_use" and tool_uses:
                in_flight = []
                try:
                    results = await _until_cancelled(
                        tools.run_turn(tool_uses, completed=in_flight), cancel_event
                    )
                except _Cancelled:
                    _keep_finished_results(messages, in_flight)
                    return await stop("cancelled", "Stopped by the user while a tool was running.")
                in_flight = None
                messages.append({"role": "user", "content": results})
                for result in results:
                    await call_maybe_async(
                        tool_output_callback, tool_result_from_block(result), result["tool_use_id"]
                    )
                continue
            # Any other ending: calls the model did not finish (cut off by max_tokens) are answered.
            if tool_uses:
                answer_unanswered_tool_uses(
                    messages, "Not executed: the answer was cut off before this call was complete."
                )
            if stop_reason in ("end_turn", "stop_sequence", None):
                return await stop("end_turn", "Done.", stop_reason)
            kind, text = _STOP_MESSAGES.get(
                stop_reason, ("other", f"Claude stopped for an unexpected reason: {stop_reason}.")
            )
            return await stop(kind, text, stop_reason)
        return await stop(
            "max_iterations",
            f"Stopped after {max_iterations} model calls (max_iterations). Continue to let Claude go on.",
        )
    except BaseException:
        # Cancelled, or a callback raised: whatever ends the run, the history stays valid to continue.
        _keep_finished_results(messages, in_flight)
        raise
    finally:
        if own_tools:
            await _close_tools(tools)
        if own_client:
            with contextlib.suppress(Exception):
                await client.close()


def _keep_finished_results(messages: list[dict[str, Any]], finished: list[dict[str, Any]] | None) -> None:
    """End an interrupted turn: the calls that ran keep their real results, the rest are marked not run."""
    # `finished` is only set while a turn's tools run, so the last message is that turn's tool calls.
    if finished and messages and messages[-1].get("role") == "assistant":
        messages.append({"role": "user", "content": list(finished)})
    answer_unanswered_tool_uses(messages, CANCELLED_TEXT)


class _Cancelled(Exception):
    pass


async def _until_cancelled(work: Coroutine[Any, Any, T], cancel_event: asyncio.Event | None) -> T:
    """Await `work`, unless `cancel_event` is set first: then cancel it and raise `_Cancelled`."""
    if cancel_event is None:
        return await work
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(cancel_event.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    if task.cancelled():
        raise _Cancelled
    return task.result()


async def _report_api_error(callback: Callable[..., Any], exc: APIError) -> None:
    response = exc.response if isinstance(exc, APIStatusError) else exc.body
    request = getattr(exc, "request", None)
    await call_maybe_async(callback, request, response, exc)


def _api_error_text(exc: APIError) -> str:
    if isinstance(exc, APIStatusError):
        detail = exc.api_message or exc.message
        return f"The API answered with an error ({exc.status_code} {exc.type or ''}): {detail}".replace(
            "  ", " "
        )
    return f"The API could not be reached: {exc.message}"


async def _close_tools(tools: ToolCollection) -> None:
    for tool in tools.tools:
        close = getattr(tool, "close", None)
        if close is None:
            continue
        try:
            result = close()
            if inspect.isawaitable(result):
                await cast(Awaitable[Any], result)
        except Exception:
            log.exception("closing tool %s failed", getattr(tool, "name", tool))
