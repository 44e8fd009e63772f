"""`RunSession`: one run of a conversation on a desktop, the same for every front end.

It holds the desktop's run lock for as long as the run lasts, keeps the conversation in the store as it
goes (messages, usage per user turn, tool timings, screenshots), records a trajectory when asked, and
ends with a `RunOutcome` whatever happened: an API error, a broken store or a failing hook becomes a stop
with a one-line message, and the history stays valid to continue. A front end adds its own `RunHooks`
(progress lines, a live view) and decides what to show; it never repeats any of this.

    lock = acquire_run_lock(owner="CLI run", task=task)       # DesktopBusy when another run holds it
    session = RunSession(config, messages, api_key=key, store=store, conversation_id=cid, desktop_lock=lock)
    outcome = await session.run(cancel_event)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from computer_use_demo.agent.history import repair_resumed_history, user_turn_number
from computer_use_demo.agent.loop import run_loop
from computer_use_demo.agent.resources import RunResources
from computer_use_demo.agent.stops import LoopStop, error_stop
from computer_use_demo.desktop.run_lock import RunLock
from computer_use_demo.models.providers import ModelClient, TurnRequest
from computer_use_demo.models.usage import RunUsage, TurnUsage
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.runs.controls import RunControls
from computer_use_demo.runs.hooks import HookChain, RunHooks, ToolCall, ToolTiming
from computer_use_demo.runs.persistence import StoreHooks
from computer_use_demo.runs.recording import RecorderHooks
from computer_use_demo.runs.replay_controls import arm_for_replay
from computer_use_demo.store import ConversationStore
from computer_use_demo.tools import ToolCollection, ToolResult
from computer_use_demo.trajectory.replay_client import ReplayModelClient, ReplayUnavailable

log = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    stop: LoopStop
    model_calls: int = 0
    tool_calls: int = 0  # calls that ran to the end
    usage: RunUsage = field(default_factory=lambda: RunUsage(model=""))  # of this run
    check_failure: str | None = None  # why a run that ended normally failed its check (a diverged replay)
    trajectory: Path | None = None

    @property
    def ok(self) -> bool:
        return self.stop.kind == "end_turn" and self.check_failure is None


class _Tally(RunHooks):
    def __init__(self, outcome: RunOutcome) -> None:
        self.outcome = outcome

    def on_request(self, request: TurnRequest) -> None:
        self.outcome.model_calls += 1

    def on_tool_finished(self, call: ToolCall, result: ToolResult, timing: ToolTiming) -> None:
        self.outcome.tool_calls += 1

    def on_usage(self, turn_usage: TurnUsage, run_usage: RunUsage, turn_number: int) -> None:
        self.outcome.usage = run_usage


class RunSession:
    """Runs `messages` (changed in place: the front end's own list) with `config`.

    `store` + `conversation_id`: keep the conversation there (it must exist). `record_to`: write a
    trajectory into that folder. `desktop_lock`: released when the run ends, before `run` returns.
    `client`/`tools`: use these (they are closed at the end, like the ones made here). `check`: asked
    after a run that ended normally; a message means it failed anyway (a replay that diverged).
    `controls`: a person's approvals and takeovers (default: from the config's approval settings); keep
    a reference to answer them. A replay reproduces the recording's approvals and takeovers itself.
    """

    def __init__(
        self,
        config: RunConfig,
        messages: list[dict[str, Any]],
        *,
        api_key: str | None = None,
        store: ConversationStore | None = None,
        conversation_id: str | None = None,
        desktop_lock: RunLock | None = None,
        task: str = "",
        record_to: Path | None = None,
        client: ModelClient | None = None,
        tools: ToolCollection | None = None,
        hooks: RunHooks | None = None,
        check: Callable[[], str | None] | None = None,
        controls: RunControls | None = None,
    ) -> None:
        if store is not None and not conversation_id:
            raise ValueError("a stored run needs its conversation_id")
        self.config = config
        self.messages = messages
        self.store = store
        self.conversation_id = conversation_id
        self.desktop_lock = desktop_lock
        self.task = task
        self.record_to = record_to
        self.front_end = hooks
        self.check = check
        self.controls = controls or RunControls.for_config(config)
        self.user_turn = user_turn_number(messages)
        self._resources = RunResources(config, api_key, client=client, tools=tools, close_all=True)
        self._stored: StoreHooks | None = None
        self._recorder: RecorderHooks | None = None

    async def run(self, cancel_event: asyncio.Event | None = None) -> RunOutcome:
        """Run until Claude stops, the user cancels (`cancel_event`), or something fails."""
        outcome = RunOutcome(
            stop=LoopStop("other", "The run ended without saying why."),
            usage=RunUsage(model=self.config.model),
        )
        hooks = HookChain(self.front_end)
        try:
            hooks = HookChain(*self._prepare(), _Tally(outcome), self.front_end)
            failed = await self._resources.open(hooks)
            if failed is None:
                hooks.hooks.extend(self._replay_hooks())
            if failed is not None:
                await hooks.on_stop(failed)
            outcome.stop = failed or await self._loop(hooks, cancel_event)
        except Exception as exc:  # the store, the recorder or a hook failed: the history is still valid
            # The stop says it in one line; the traceback is for whoever turns logging up.
            log.info("the run failed", exc_info=True)
            outcome.stop = error_stop(exc)
            with contextlib.suppress(Exception):
                await hooks.on_stop(outcome.stop)
        finally:
            await self._end(outcome)
        return outcome

    def _prepare(self) -> list[RunHooks]:
        """Repair what a killed run left, note the settings, open the recorder; the run's own hooks."""
        own: list[RunHooks] = []
        if self.store is not None and self.conversation_id:
            repair_resumed_history(self.messages, self.store.started_tool_calls(self.conversation_id))
            self.store.update_settings(self.conversation_id, self.config.summary())
            self._stored = StoreHooks(
                self.store,
                self.conversation_id,
                self.messages,
                model=self.config.model,
                user_turn=self.user_turn,
            )
            self._stored.save()
            own.append(self._stored)
        if self.record_to is not None:
            self._recorder = RecorderHooks(
                self.record_to,
                self.messages,
                config=self.config,
                task=self.task,
                conversation_id=self.conversation_id,
            )
            own.append(self._recorder)
        return own

    def _replay_hooks(self) -> list[RunHooks]:
        """For a replay: its recorded approvals and takeovers, and the hooks that check them."""
        client = self._resources.client
        if not isinstance(client, ReplayModelClient):
            return []
        try:
            replay = client.session_for(self.config.model)
        except ReplayUnavailable:
            return []  # the first request says so, as for any replay that cannot be read
        return [arm_for_replay(self.controls, replay)]

    async def _loop(self, hooks: RunHooks, cancel_event: asyncio.Event | None) -> LoopStop:
        client, tools = self._resources.client, self._resources.tools
        assert client is not None and tools is not None
        return await run_loop(
            self.config,
            self.messages,
            client=client,
            tools=tools,
            hooks=hooks,
            cancel_event=cancel_event,
            controls=self.controls,
        )

    async def _end(self, outcome: RunOutcome) -> None:
        """Close what the run used, save the final history, end the recording, free the desktop."""
        try:
            await self._resources.close()
            if self._stored is not None:
                self._finally(outcome, self._stored.save, "Could not save the conversation: ")
            if outcome.stop.kind == "end_turn" and self.check is not None:
                outcome.check_failure = self.check()
            if self._recorder is not None:
                recorder = self._recorder
                self._finally(
                    outcome,
                    lambda: recorder.end(outcome.stop, outcome.usage.total, outcome.check_failure),
                    "Could not finish the trajectory: ",
                )
                outcome.trajectory = recorder.folder
        finally:
            if self.desktop_lock is not None:
                self.desktop_lock.release()

    @staticmethod
    def _finally(outcome: RunOutcome, step: Callable[[], Any], what: str) -> None:
        """A closing step that must not hide the run's own ending: a failure only replaces a good one."""
        try:
            step()
        except Exception as exc:
            log.info("%s", what.rstrip(": "), exc_info=True)
            if outcome.stop.kind in ("end_turn", "cancelled"):
                outcome.stop = error_stop(exc, what)
