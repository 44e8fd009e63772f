"""The agent loop: ask Claude, run the tools it calls, repeat until it is done.

`run_loop(config, messages, client=, tools=, hooks=)` is the core: one `RunConfig`, one model client, one
tool collection, and `RunHooks` told of every step. It never raises for an API, network or tool failure:
it returns a `LoopStop` saying why it ended, with the conversation (changed in place) always in a state
the API accepts as the start of the next run (every `tool_use` answered). Only a hook that raises, or a
cancelled task, ends it with an exception, and then too the history is repaired first.

`sampling_loop` keeps the keyword names of Anthropic's reference demo, so code written for it keeps
working. Its callbacks may be plain functions or coroutines:
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
import logging
import time
from collections.abc import Callable, Collection, Coroutine
from typing import Any, TypeVar

from anthropic import APIStatusError

from computer_use_demo.agent.callbacks import CALLBACK_NAMES, CallbackHooks
from computer_use_demo.agent.errors import safe_attr
from computer_use_demo.agent.history import (
    DEFAULT_PRUNE_INTERVAL,
    NOT_STARTED_TEXT,
    answer_unanswered_tool_uses,
)
from computer_use_demo.agent.requests import RequestPlan
from computer_use_demo.agent.resources import RunResources
from computer_use_demo.agent.stops import (
    CANCELLED_TEXT,
    CUT_OFF_TEXT,
    LoopStop,
    StopKind,
    error_stop,
    max_iterations_stop,
    stop_for_reason,
    tools_failed_stop,
)
from computer_use_demo.agent.tool_turn import ObservedTools
from computer_use_demo.models.providers import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_WAIT_S,
    APIProvider,
    DeltaCallback,
    ModelClient,
    TurnRequest,
    TurnResponse,
)
from computer_use_demo.models.specs import ImageTier, ThinkingEffort, ThinkingMode
from computer_use_demo.models.usage import RunUsage, TurnUsage
from computer_use_demo.runs.config import SETTING_NAMES, RunConfig
from computer_use_demo.runs.controls import RunControls
from computer_use_demo.runs.hooks import RunHooks, call_hook
from computer_use_demo.runs.takeover import SafePoint
from computer_use_demo.tools import ToolCollection, ToolResult, ToolVersion
from computer_use_demo.tools.build import tool_result_from_block

__all__ = [
    "CANCELLED_TEXT",
    "APIProvider",
    "LoopStop",
    "StopKind",
    "ThinkingEffort",
    "ThinkingMode",
    "run_loop",
    "sampling_loop",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
Message = dict[str, Any]


async def run_loop(
    config: RunConfig,
    messages: list[Message],
    *,
    client: ModelClient,
    tools: ToolCollection,
    hooks: RunHooks | None = None,
    cancel_event: asyncio.Event | None = None,
    controls: RunControls | None = None,
) -> LoopStop:
    """Run the conversation in `messages` until Claude stops; `cancel_event` stops it cleanly.

    `controls`: a person's approvals and takeovers (none without them: every call runs)."""
    run = _Run(config, messages, client, tools, hooks or RunHooks(), cancel_event)
    run.controls = controls
    answer_unanswered_tool_uses(messages)  # a history from an earlier, interrupted run
    try:
        run.plan = RequestPlan.build(config, tools.to_params())
        if controls is not None:
            controls.bind(tools, config.resolved_image_tier)
    except Exception as exc:  # e.g. no X display: the user must see it, the history stays as it was
        log.info("could not set up the %s tools", config.tool_version, exc_info=True)
        return await run.finish(tools_failed_stop(exc))
    try:
        for number in range(1, config.max_iterations + 1):
            stop = await run.turn(number)
            if stop is not None:
                return await run.finish(stop)
        return await run.finish(max_iterations_stop(config.max_iterations))
    except BaseException as exc:
        # Cancelled, or a hook raised: whatever ends the run, the history stays valid to continue.
        run.close_open_turn(cancelled=isinstance(exc, asyncio.CancelledError))
        raise
    finally:
        if controls is not None:
            controls.takeover.end()


class _Run:
    """The state of one `run_loop` call; each method is one step of a turn."""

    def __init__(
        self,
        config: RunConfig,
        messages: list[Message],
        client: ModelClient,
        tools: ToolCollection,
        hooks: RunHooks,
        cancel_event: asyncio.Event | None,
    ) -> None:
        self.config, self.messages, self.client, self.tools = config, messages, client, tools
        self.hooks, self.cancel_event = hooks, cancel_event
        self.usage = RunUsage(model=config.model)
        self.plan: RequestPlan | None = None
        self.controls: RunControls | None = None
        self.open_turn: ObservedTools | None = None  # the tool calls now running
        self.in_flight: list[dict[str, Any]] = []  # their finished results, kept if the run ends

    async def turn(self, number: int) -> LoopStop | None:
        """One model call and the tools it asks for; a stop when the run should end."""
        if self.cancel_event is not None and self.cancel_event.is_set():
            return LoopStop("cancelled", "Stopped by the user.")
        assert self.plan is not None
        response = await self.ask(self.plan.request(self.messages))
        if isinstance(response, LoopStop):
            return response
        await self.take_answer(response, number)
        tool_uses = [b for b in response.content if b.get("type") == "tool_use"]
        if response.stop_reason == "pause_turn":
            return None
        if response.stop_reason == "tool_use" and tool_uses:
            return await self.run_tools(tool_uses, number, unparsed=response.unparsed_tool_inputs)
        if tool_uses:  # cut off (max_tokens) before the calls were complete: none of them ran
            answer_unanswered_tool_uses(self.messages, CUT_OFF_TEXT)
        stop = stop_for_reason(response.stop_reason)
        if stop.kind == "end_turn" and self.controls is not None:
            return await self.after_answer(number, stop)
        return stop

    async def after_answer(self, number: int, stop: LoopStop) -> LoopStop | None:
        """The safe point after an answer: a person who asked for the desktop gets it, then the model
        is told what they did and goes on (None); else the run ends with `stop`."""
        assert self.controls is not None
        try:
            pause = self.controls.pause(SafePoint(number), self.hooks)
            segment = await _until_cancelled(pause, self.cancel_event)
        except _Cancelled:
            return LoopStop("cancelled", "Stopped by the user while they held the desktop.")
        if segment is None:
            return stop
        await self.append({"role": "user", "content": segment.message_blocks()})
        return None

    async def ask(self, request: TurnRequest) -> TurnResponse | LoopStop:
        await call_hook(self.hooks.on_request, request)
        started = time.monotonic()
        try:
            response = await _until_cancelled(
                self.client.stream_turn(request, self.hooks.on_delta), self.cancel_event
            )
        except _Cancelled:
            return LoopStop("cancelled", "Stopped by the user while Claude was answering.")
        except Exception as exc:  # any failure at the model call ends the run in words, history intact
            request = safe_attr(exc, "request") or safe_attr(exc, "http_request")
            await call_hook(self.hooks.on_http, request, _error_response(exc), exc)
            return error_stop(exc)
        await call_hook(self.hooks.on_response, request, response, time.monotonic() - started)
        await call_hook(self.hooks.on_http, response.http_request, response.http_response, None)
        return response

    async def take_answer(self, response: TurnResponse, number: int) -> None:
        self.usage.add(response.usage)
        await call_hook(self.hooks.on_usage, response.usage, self.usage, number)
        if response.content:
            await self.append({"role": "assistant", "content": response.content})
            for block in response.content:
                await call_hook(self.hooks.on_block, block)

    async def run_tools(
        self, tool_uses: list[dict[str, Any]], number: int, *, unparsed: Collection[str]
    ) -> LoopStop | None:
        self.open_turn = ObservedTools(
            self.tools, self.hooks, tool_uses, controls=self.controls, turn=number, messages=self.messages
        )
        self.in_flight = []
        try:
            work = self.open_turn.run_with_controls(tool_uses, completed=self.in_flight, unparsed=unparsed)
            results = await _until_cancelled(work, self.cancel_event)
        except _Cancelled:
            self.close_open_turn(cancelled=True)
            return LoopStop("cancelled", "Stopped by the user while a tool was running.")
        self.open_turn = None
        await self.append({"role": "user", "content": results})
        for block in results:
            if block.get("type") == "tool_result":  # a takeover's report follows the results
                await call_hook(self.hooks.on_tool_result, block, tool_result_from_block(block))
        return None

    async def append(self, message: Message) -> None:
        self.messages.append(message)
        await call_hook(self.hooks.on_message, message)

    def close_open_turn(self, *, cancelled: bool) -> None:
        """End an interrupted turn: calls that ran keep their real results, the others are answered."""
        turn, self.open_turn = self.open_turn, None
        # While a turn's tools run, the last message is that turn's tool calls.
        if turn is not None and self.in_flight and self.messages[-1].get("role") == "assistant":
            self.messages.append({"role": "user", "content": list(self.in_flight)})
        if cancelled:
            answer_unanswered_tool_uses(self.messages, CANCELLED_TEXT)
        else:  # outside a tool turn no call of this run was left running
            text_for = turn.unfinished_text if turn is not None else lambda _use: NOT_STARTED_TEXT
            answer_unanswered_tool_uses(self.messages, text_for=text_for)

    async def finish(self, stop: LoopStop) -> LoopStop:
        if stop.kind != "end_turn":
            log.info("loop stopped (%s): %s", stop.kind, stop.message)
        await call_hook(self.hooks.on_stop, stop)
        return stop


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


def _error_response(exc: BaseException) -> Any:
    if isinstance(exc, APIStatusError):
        return exc.response
    return safe_attr(exc, "http_response") or safe_attr(exc, "body")


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
    max_retry_wait_s: float = DEFAULT_MAX_RETRY_WAIT_S,
) -> list[dict[str, Any]]:
    """Run the conversation in `messages` (changed in place and returned) until Claude stops.

    A thin adapter over `run_loop`: the keywords become a `RunConfig`, the callbacks `RunHooks`.
    `cancel_event`: set it to stop cleanly; cancelling the task works too (the history is repaired,
    then CancelledError propagates). `client`/`tools`: bring your own (they are then not closed here).
    `max_retries`: retries of 408/409/429/5xx and connection errors, honouring retry-after up to
    `max_retry_wait_s` seconds per wait; each wait is reported to `stream_callback` as a "retry" delta.
    """
    # The keywords carry the names of RunConfig's settings and of CallbackHooks' callbacks. The approval
    # settings are not among them: no one could answer here (a RunSession with RunControls can).
    given = dict(locals())
    settings = {name: given[name] for name in SETTING_NAMES if name in given}
    config = RunConfig(**settings | {"provider": str(provider)})
    hooks = CallbackHooks(**{name: given[name] for name in CALLBACK_NAMES})
    answer_unanswered_tool_uses(messages)  # a history from an earlier, interrupted run
    resources = RunResources(config, api_key, client=client, tools=tools)
    try:
        failed = await resources.open(hooks)
        if failed is not None:
            await hooks.on_stop(failed)
            return messages
        assert resources.client is not None and resources.tools is not None
        await run_loop(
            config,
            messages,
            client=resources.client,
            tools=resources.tools,
            hooks=hooks,
            cancel_event=cancel_event,
        )
    finally:
        await resources.close()
    return messages
