"""Driving a run from Streamlit: one worker thread per run, observed by the script thread.

Streamlit reruns its script on every click, so a run cannot live inside one script run. Each run gets a
thread with its own asyncio event loop, in which a `RunSession` does the work (lock, store, loop). This
object is the session's hooks: it records what happens (streamed deltas, finished blocks, tool results,
HTTP exchanges, usage) and wakes the script thread, which renders. Stop sets the session's cancel event;
the conversation stays valid to continue whatever happened, and `finish` checks that again. `finished` is
set in a `finally`, so the UI can never stay "running" after an exception.
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

from computer_use_demo.agent.errors import ErrorReport, describe_error
from computer_use_demo.agent.history import answer_unanswered_tool_uses
from computer_use_demo.agent.stops import LoopStop
from computer_use_demo.desktop.run_lock import RunLock
from computer_use_demo.models.providers import StreamDelta
from computer_use_demo.models.usage import RunUsage, TurnUsage
from computer_use_demo.runs.approvals import ApprovalDecision, ApprovalRequest, UnknownApproval
from computer_use_demo.runs.controls import RunControls
from computer_use_demo.runs.hooks import RunHooks
from computer_use_demo.runs.human_records import ControlState, HumanSegment
from computer_use_demo.runs.session import RunSession
from computer_use_demo.runs.takeover import NotHolding, TakeoverRefused
from computer_use_demo.store import ConversationStore
from computer_use_demo.tools import ToolResult
from computer_use_demo.ui.config_store import ConfigStore
from computer_use_demo.ui.http_log import make_exchange
from computer_use_demo.ui.rendering import as_dict
from computer_use_demo.ui.state import ChatSession, Settings
from computer_use_demo.ui.usage_meter import UsageRecord


@dataclass
class LiveItem:
    """A finished piece of the run: an assistant block, or a tool result (as an API `tool_result` block)."""

    role: str  # "assistant", "tool", "user" (what a person did during a takeover) or "approval"
    block: dict[str, Any]


@dataclass
class PartialBlock:
    kind: str  # "text" or "thinking"
    text: str = ""


@dataclass
class LoopRun(RunHooks):
    session: ChatSession
    settings: Settings
    store: ConfigStore
    conversation_store: ConversationStore | None = None  # None: the run is not kept
    conversation_id: str | None = None
    desktop_lock: RunLock | None = field(default=None, repr=False)  # released when the run ends
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
        self.user_turn = 0
        self.controls = _controls_for(self.settings)
        self.controls_version = 0  # changes when an approval or a takeover starts or ends
        self.notice: str | None = None  # why the last approval or takeover request did not work
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

    # -- a person's part (script thread)
    @property
    def waiting_for_person(self) -> bool:
        """The run waits for someone: an approval is pending, or a person holds the desktop."""
        if self.finished:
            return False
        phase = self.controls.takeover.state().phase
        # Asked for the desktop: the run is about to move (to the person), so keep following it.
        return phase == "human" or (phase == "agent" and bool(self.controls.approvals.pending()))

    def pending_approval(self) -> ApprovalRequest | None:
        pending = self.controls.approvals.pending()
        return pending[0] if pending else None

    def control_state(self) -> ControlState:
        return self.controls.takeover.state()

    def decide(self, call_id: str, approve: bool, reason: str = "") -> None:
        self._try(lambda: self.controls.approvals.decide(call_id, approve, reason))

    def take_over(self, who: str) -> None:
        self._try(lambda: self.controls.takeover.request(who))

    def hand_back(self) -> None:
        self._try(self.controls.takeover.hand_back)

    def _try(self, action: Callable[[], Any]) -> None:
        try:
            action()
            self.notice = None
        except (UnknownApproval, TakeoverRefused, NotHolding) as exc:
            self.notice = str(exc)
        self._bump_controls()

    def _bump_controls(self) -> None:
        with self._changed:
            self.controls_version += 1
        self._bump()

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
            self._record_error(describe_error(exc))
        finally:
            self._finish()

    async def _main(self) -> None:
        self._cancel_event = asyncio.Event()
        self._aio_loop = asyncio.get_running_loop()
        if self._cancel_requested:  # Stop came before the thread got going
            self.cancelled = True
            return
        run = RunSession(
            self.settings.run_config(),
            self.session.messages,
            api_key=self.settings.api_key or None,
            store=self.conversation_store,
            conversation_id=self.conversation_id,
            desktop_lock=self.desktop_lock,
            hooks=self,
            controls=self.controls,
        )
        self.user_turn = run.user_turn
        outcome = await run.run(self._cancel_event)
        if outcome.stop.error is not None:
            self._record_error(outcome.stop.error)

    def _finish(self) -> None:
        # Free the desktop before the page learns the run is over (a message sent right then must find
        # it free); the session has already, unless it never started.
        if self.desktop_lock is not None:
            self.desktop_lock.release()
        # Whatever happened, leave a history the API accepts: every tool_use answered.
        repaired = answer_unanswered_tool_uses(self.session.messages)
        if repaired and not self.cancelled and self.error is None:
            self.cancelled = True
        self.finished = True
        self._bump()

    def _record_error(self, report: ErrorReport) -> None:
        if self.error is None or self.error.kind == "internal":
            self.error = report
        self.store.log_error(report.kind, report.message, secrets=self.secrets, **report.details())
        self._bump()

    # -- run hooks (worker thread)
    # Items and the partial answer change together under the lock, so a snapshot never shows a block both
    # finished and still streaming, or neither.
    def on_delta(self, delta: StreamDelta) -> None:
        with self._changed:
            if delta.kind == "restart":  # the stream failed mid-answer and is retried: drop the partial
                self.partial = {}
            elif delta.kind == "retry":  # waiting before the next attempt: show why and for how long
                self.partial = {delta.index: PartialBlock("retry", delta.text)}
            else:
                if self.first_delta_at is None:
                    self.first_delta_at = time.monotonic()
                partial = self.partial.get(delta.index)
                if partial is None or partial.kind != delta.kind:
                    partial = self.partial[delta.index] = PartialBlock(delta.kind)
                partial.text += delta.text
        self._bump()

    def on_block(self, block: dict[str, Any]) -> None:
        with self._changed:
            self.partial = {}
            self.items.append(LiveItem("assistant", as_dict(block)))
        self._bump()

    def on_tool_result(self, block: dict[str, Any], result: ToolResult) -> None:
        with self._changed:
            self.items.append(LiveItem("tool", block))
        self._bump()

    def on_http(self, request: Any, response: Any, error: BaseException | None) -> None:
        self.session.exchanges.append(make_exchange(request, response, error, self.secrets))
        self._bump()

    def on_stop(self, stop: LoopStop) -> None:
        self.stop_kind, self.stop_message = stop.kind, stop.message
        if stop.kind == "cancelled":
            self.cancelled = True
        self._bump()

    def on_usage(self, turn_usage: TurnUsage, run_usage: RunUsage, turn_number: int) -> None:
        self.session.usage.add(UsageRecord.priced(self.user_turn, turn_usage, self.settings.model))
        self._bump()

    def on_approval_requested(self, request: ApprovalRequest) -> None:
        self._bump_controls()

    def on_approval_decided(self, decision: ApprovalDecision) -> None:
        with self._changed:
            self.items.append(LiveItem("approval", decision.to_dict()))
        self._bump_controls()

    def on_takeover_started(self, state: ControlState) -> None:
        self._bump_controls()

    def on_takeover_ended(self, segment: HumanSegment) -> None:
        with self._changed:
            self.items.extend(LiveItem("user", block) for block in segment.message_blocks())
        self._bump_controls()


def _controls_for(settings: Settings) -> RunControls:
    """The run's approvals and takeover; settings that do not fit fail the run itself, with a message."""
    try:
        return RunControls.for_config(settings.run_config())
    except ValueError:
        return RunControls()


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
