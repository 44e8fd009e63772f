"""Runs of stored conversations in the background of a server process, one per desktop.

`start` does everything that can refuse the run before anything changes (the conversation exists, its
settings make a `RunConfig`, there is an API key, something to answer, the desktop is free) and then hands
the conversation to a `RunSession` in an asyncio task: the session keeps the conversation in the store,
`EventHooks` turn each step into an event, and this adds the `status` changes around it. The HTTP API and
the MCP server (`run_task`) both start runs here; the chat and the CLI drive the same `RunSession`.

    manager = RunManager(store, events, broadcaster, owner="the HTTP API")
    live = manager.start(conversation_id, task="Open a terminal", overrides={"max_iterations": 5})
    outcome = await live.finished()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from computer_use_demo.agent.history import add_user_text
from computer_use_demo.desktop.run_lock import acquire_run_lock, current_holder
from computer_use_demo.models.credentials import api_key_for
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.runs.controls import RunControls
from computer_use_demo.runs.session import RunOutcome, RunSession
from computer_use_demo.service.broadcaster import Broadcaster
from computer_use_demo.service.event_hooks import EventHooks, EventSink
from computer_use_demo.service.run_settings import (
    SETTINGS_EVENT,
    merged_settings,
    run_config,
    stored_settings,
)
from computer_use_demo.store import ConversationStore, config_dir
from computer_use_demo.store.events import EventLog
from computer_use_demo.store.messages import usage_values

log = logging.getLogger(__name__)

STATUS_EVENT = "status"
TERMINAL_STATES = frozenset({"completed", "failed", "cancelled"})


class NothingToRun(ValueError):
    """The conversation ends with Claude's answer and no new task was given."""


@dataclass
class LiveRun:
    conversation_id: str
    config: RunConfig
    task: str
    started_at: float = field(default_factory=time.time)
    cancel_event: asyncio.Event = field(default_factory=asyncio.Event)
    worker: asyncio.Task[RunOutcome] | None = None
    outcome: RunOutcome | None = None
    controls: RunControls = field(default_factory=RunControls)  # approvals and takeover of this run

    async def finished(self) -> RunOutcome:
        assert self.worker is not None
        return await asyncio.shield(self.worker)

    def describe(self) -> dict[str, Any]:
        return {
            "state": "running",
            "started_at": self.started_at,
            "task": self.task,
            "model": self.config.model,
            "stopping": self.cancel_event.is_set(),
        }


def outcome_state(outcome: RunOutcome) -> str:
    if outcome.ok:
        return "completed"
    return "cancelled" if outcome.stop.kind == "cancelled" else "failed"


class RunManager:
    def __init__(
        self, store: ConversationStore, events: EventLog, broadcaster: Broadcaster, *, owner: str
    ) -> None:
        self.store = store
        self.events = events
        self.broadcaster = broadcaster
        self.owner = owner
        self._live: dict[str, LiveRun] = {}

    # -- what is running -------------------------------------------------------------------------------

    def live(self, conversation_id: str) -> LiveRun | None:
        return self._live.get(conversation_id)

    def running_elsewhere(self, conversation_id: str) -> bool:
        """Whether another process (the chat, the CLI, another server) is running this conversation."""
        holder = current_holder() or {}
        return holder.get("conversation_id") == conversation_id and conversation_id not in self._live

    def status(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's run state: running here or elsewhere, or how its last run ended (or idle)."""
        live = self._live.get(conversation_id)
        if live is not None:
            return live.describe()
        if self.running_elsewhere(conversation_id):
            return {"state": "running", "elsewhere": True, "holder": (current_holder() or {}).get("owner")}
        last = self.events.last_of_type(conversation_id, STATUS_EVENT)
        if last is None:
            return {"state": "idle"}
        return {**last.data, "state": last.data.get("status", "idle"), "at": last.created_at}

    # -- starting and stopping -------------------------------------------------------------------------

    def settings_for(self, conversation_id: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
        stored = stored_settings(self.store, self.events, conversation_id)
        return merged_settings(stored, dict(overrides or {}))

    def start(
        self, conversation_id: str, *, task: str | None = None, overrides: Mapping[str, Any] | None = None
    ) -> LiveRun:
        """Start a run (in the running event loop) or raise before anything changed: ConversationNotFound,
        ValueError (bad settings), NothingToRun, MissingAPIKey, DesktopBusy."""
        settings = self.settings_for(conversation_id, overrides)
        config = run_config(settings)
        messages = self.store.load_messages(conversation_id)
        if task:
            add_user_text(messages, task)
        elif not messages or messages[-1].get("role") != "user":
            raise NothingToRun("The conversation ends with Claude's answer: give a task to continue it.")
        api_key = api_key_for(config.provider, config_dir(create=False))
        lock = acquire_run_lock(owner=self.owner, task=task or "", conversation_id=conversation_id)
        live = LiveRun(conversation_id, config, task or "", controls=RunControls.for_config(config))
        sink = EventSink(self.events, self.broadcaster, conversation_id)
        try:
            self.store.save_messages(conversation_id, messages)  # the new task shows at once
            if overrides:
                sink.emit(SETTINGS_EVENT, {"settings": settings})
            session = RunSession(
                config,
                messages,
                api_key=api_key,
                store=self.store,
                conversation_id=conversation_id,
                desktop_lock=lock,
                task=task or "",
                hooks=EventHooks(sink, model=config.model),
                controls=live.controls,
            )
            sink.emit(STATUS_EVENT, {"status": "running", "task": task or "", "model": config.model})
            live.worker = asyncio.get_running_loop().create_task(self._drive(live, session, sink))
            self._live[conversation_id] = live
        except BaseException:
            lock.release()
            raise
        return live

    async def stop(self, conversation_id: str) -> LiveRun | None:
        """Ask the conversation's run to stop (it ends cleanly, its history answered); None if none runs."""
        live = self._live.get(conversation_id)
        if live is not None:
            live.cancel_event.set()
        return live

    async def close(self) -> None:
        """Stop every run (the server is shutting down) and wait for them to end."""
        for live in list(self._live.values()):
            live.cancel_event.set()
        workers = [live.worker for live in self._live.values() if live.worker is not None]
        if workers:
            _, pending = await asyncio.wait(workers, timeout=30)
            for worker in pending:
                worker.cancel()
            with contextlib.suppress(Exception):
                await asyncio.gather(*pending, return_exceptions=True)

    async def _drive(self, live: LiveRun, session: RunSession, sink: EventSink) -> RunOutcome:
        state, outcome = "failed", None
        try:
            outcome = await session.run(live.cancel_event)
            state = outcome_state(outcome)
            return outcome
        except asyncio.CancelledError:
            state = "cancelled"
            raise
        finally:
            live.outcome = outcome
            self._live.pop(live.conversation_id, None)
            sink.emit(STATUS_EVENT, _final_status(state, outcome))
            self.broadcaster.notify(live.conversation_id)


def _final_status(state: str, outcome: RunOutcome | None) -> dict[str, Any]:
    if outcome is None:
        return {"status": state, "message": "The server stopped the run."}
    return {
        "status": state,
        "stop_kind": outcome.stop.kind,
        "message": outcome.check_failure or outcome.stop.message,
        "model_calls": outcome.model_calls,
        "tool_calls": outcome.tool_calls,
        "usage": usage_values(outcome.usage.total),
        "cost_usd": outcome.usage.cost,
    }
