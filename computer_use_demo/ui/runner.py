"""Driving the agent loop from Streamlit: one worker thread per run, observed by the script thread.

Streamlit reruns its script on every click, so the loop cannot live inside one script run. Each run gets a
thread with its own asyncio event loop; the loop's callbacks record what happens (streamed deltas, finished
blocks, tool results, HTTP exchanges, usage) in this object and wake the script thread, which renders. Stop
cancels the asyncio task; the loop answers any unanswered `tool_use` before it returns, and `finish` checks
that again, so the conversation stays valid to continue whatever happened. `finished` is set in a `finally`,
so the UI can never stay "running" after an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from computer_use_demo.agent.history import answer_unanswered_tool_uses
from computer_use_demo.ui.config_store import ConfigStore
from computer_use_demo.ui.errors import ErrorReport, describe_error
from computer_use_demo.ui.http_log import make_exchange
from computer_use_demo.ui.loop_adapter import (
    LoopCallbacks,
    call_sampling_loop,
    tool_result_as_block,
    usage_record,
)
from computer_use_demo.ui.rendering import as_dict
from computer_use_demo.ui.state import ChatSession, Settings


@dataclass
class LiveItem:
    """A finished piece of the run: an assistant block, or a tool result (as an API `tool_result` block)."""

    role: str  # "assistant" or "tool"
    block: dict[str, Any]


@dataclass
class PartialBlock:
    kind: str  # "text" or "thinking"
    text: str = ""


@dataclass
class LoopRun:
    session: ChatSession
    settings: Settings
    store: ConfigStore
    items: list[LiveItem] = field(default_factory=list)
    partial: dict[int, PartialBlock] = field(default_factory=dict)
    error: ErrorReport | None = None
    cancelled: bool = False
    finished: bool = False
    started_at: float = field(default_factory=time.monotonic)
    first_delta_at: float | None = None
    version: int = 0

    def __post_init__(self) -> None:
        self.base_len = len(self.session.messages)
        self._changed = threading.Condition()
        self._cancel_requested = False
        self._aio_loop: asyncio.AbstractEventLoop | None = None
        self._cancel_event: asyncio.Event | None = None
        self.stop_kind: str | None = None
        self.stop_message: str | None = None
        self._thread = threading.Thread(target=self._thread_main, name="agent-loop", daemon=True)

    # -- control (script thread)
    def start(self) -> LoopRun:
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the run to stop; safe to call at any time, from any thread, more than once."""
        self._cancel_requested = True
        loop, event = self._aio_loop, self._cancel_event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the event loop already closed: the run is over anyway
                loop.call_soon_threadsafe(event.set)
        self._bump()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_requested

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def wait_for_change(self, seen_version: int, timeout: float) -> int:
        """Block until something changed since `seen_version` (or the timeout); return the current version."""
        with self._changed:
            if self.version == seen_version and not self.finished:
                self._changed.wait(timeout)
            return self.version

    def view(self) -> tuple[int, list[LiveItem], list[PartialBlock], bool]:
        """A consistent snapshot for drawing: version, finished items, the partial answer, finished."""
        with self._changed:
            partial = [PartialBlock(b.kind, b.text) for _, b in sorted(self.partial.items())]
            return self.version, list(self.items), partial, self.finished

    @property
    def secrets(self) -> list[str]:
        return [s for s in (self.settings.api_key, os.environ.get("ANTHROPIC_API_KEY", "")) if s]

    # -- the worker thread
    def _bump(self) -> None:
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # nothing may escape a worker thread silently
            self._record_error(exc)
        finally:
            self._finish()

    async def _main(self) -> None:
        self._cancel_event = asyncio.Event()
        self._aio_loop = asyncio.get_running_loop()
        if self._cancel_requested:  # Stop came before the thread got going
            self.cancelled = True
            return
        try:
            result = await call_sampling_loop(
                self.settings, self.session.messages, self._callbacks(), self._cancel_event
            )
        except asyncio.CancelledError:
            self.cancelled = True
            return
        except Exception as exc:
            self._record_error(exc)
            return
        if isinstance(result, list) and result is not self.session.messages:
            self.session.messages[:] = result

    def _finish(self) -> None:
        # Whatever happened, leave a history the API accepts: every tool_use answered.
        repaired = answer_unanswered_tool_uses(self.session.messages)
        if repaired and not self.cancelled and self.error is None:
            self.cancelled = True
        self.finished = True
        self._bump()

    def _record_error(self, exc: BaseException) -> None:
        report = describe_error(exc)
        if self.error is None or self.error.kind == "internal":
            self.error = report
        self.store.log_error(report.kind, report.message, secrets=self.secrets, **report.details())
        self._bump()

    # -- loop callbacks (worker thread)
    def _callbacks(self) -> LoopCallbacks:
        return LoopCallbacks(
            on_block=self._on_block,
            on_tool_result=self._on_tool_result,
            on_http=self._on_http,
            on_delta=self._on_delta,
            on_usage=self._on_usage,
            on_stop=self._on_stop,
        )

    # Items and the partial answer change together under the lock, so a snapshot never shows a block both
    # finished and still streaming, or neither.
    def _on_delta(self, index: int, kind: str, text: str) -> None:
        with self._changed:
            if (
                kind == "restart"
            ):  # the stream failed mid-answer and is being retried: drop the partial answer
                self.partial = {}
            else:
                if self.first_delta_at is None:
                    self.first_delta_at = time.monotonic()
                partial = self.partial.get(index)
                if partial is None or partial.kind != kind:
                    partial = self.partial[index] = PartialBlock(kind)
                partial.text += text
        self._bump()

    def _on_block(self, block: Any) -> None:
        with self._changed:
            self.partial = {}
            self.items.append(LiveItem("assistant", as_dict(block)))
        self._bump()

    def _on_tool_result(self, result: Any, tool_use_id: str) -> None:
        with self._changed:
            self.items.append(LiveItem("tool", tool_result_as_block(result, tool_use_id)))
        self._bump()

    def _on_http(self, request: Any, response: Any, error: BaseException | None) -> None:
        self.session.exchanges.append(make_exchange(request, response, error, self.secrets))
        if error is not None:
            self._record_error(error)
        self._bump()

    def _on_stop(self, kind: str, message: str) -> None:
        self.stop_kind, self.stop_message = kind, message
        if kind == "cancelled":
            self.cancelled = True
        self._bump()

    def _on_usage(self, usage: Any) -> None:
        self.session.usage.add(usage_record(usage, self.session.usage.turn, self.settings.model))
        self._bump()


def start_run(session: ChatSession, settings: Settings, store: ConfigStore) -> LoopRun:
    session.last_error = None
    run = LoopRun(session=session, settings=settings, store=store)
    session.run = run
    return run.start()


def settle_run(
    session: ChatSession,
    *,
    timeout: float = 60.0,
    on_wait: Callable[[], None] | None = None,
    announce_stop: bool = True,
) -> None:
    """Fold a finished (or cancelled) run back into the session. Waits for a cancelled run to wind down.

    `announce_stop=False` when the user interrupted with a new message: they know, and a "Stopped" note
    shown after the next answer would only confuse.
    """
    run: LoopRun | None = session.run
    if run is None:
        return
    deadline = time.monotonic() + timeout
    while not run.join(0.1):
        if on_wait is not None:
            on_wait()
        if time.monotonic() > deadline:
            return  # leave it attached; the UI keeps showing it as running rather than corrupting history
    session.run = None
    if run.error is not None:
        session.last_error = run.error
    elif run.cancelled:
        if announce_stop:
            session.notices.append(
                "Stopped. Unfinished tool calls were answered with an error, so you can go on."
            )
    elif run.stop_kind not in (None, "end_turn", "api_error"):
        # max_tokens, refusal, context window, max_iterations: the loop's own words for the user.
        session.notices.append(run.stop_message or f"The run ended: {run.stop_kind}.")
