"""One task without a browser: the CLI's front end to a `RunSession` (progress lines and exit codes).

Progress goes to stderr (one line per model call and per tool call, with durations and tokens), the
model's text streams to stdout, so `run "..." > answer.txt` keeps just the answer. The session saves the
conversation after every message, so a killed run can be continued with `--conversation ID`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

from computer_use_demo.agent.errors import describe_error
from computer_use_demo.agent.history import add_user_text
from computer_use_demo.agent.resources import client_for
from computer_use_demo.cli.approval_prompt import TerminalApprover, stdin_is_terminal, unattended_answer
from computer_use_demo.cli.exit_codes import (
    EXIT_BUSY,
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)
from computer_use_demo.cli.options import AUTO_RECORD, HeadlessOptions
from computer_use_demo.cli.progress import describe_call, format_tokens, shorten
from computer_use_demo.desktop.run_lock import DesktopBusy, acquire_run_lock
from computer_use_demo.models.compatibility import compatibility_warning
from computer_use_demo.models.credentials import MissingAPIKey, api_key_for
from computer_use_demo.models.providers import ModelClient, StreamDelta, TurnRequest, TurnResponse
from computer_use_demo.runs.approvals import ApprovalDecision
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.runs.controls import RunControls
from computer_use_demo.runs.hooks import HookChain, RunHooks, ToolCall, ToolTiming
from computer_use_demo.runs.session import RunOutcome, RunSession
from computer_use_demo.store import ConversationNotFound, ConversationStore, config_dir
from computer_use_demo.tools import ToolResult
from computer_use_demo.trajectory import TrajectoryError, load_trajectory
from computer_use_demo.trajectory.locations import new_recording_folder
from computer_use_demo.trajectory.replay import ReplaySession
from computer_use_demo.trajectory.replay_client import ReplayModelClient
from computer_use_demo.trajectory.samples import sample_for_display

OWNER = "CLI run"


class UsageError(Exception):
    """Bad options: the message says what to change."""


class HeadlessRun(RunHooks):
    def __init__(
        self, options: HeadlessOptions, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr
    ) -> None:
        self.o = options
        self.out = out
        self.err = err
        self.replay: ReplaySession | None = None
        self.turn = 0
        self.streamed_text = False
        self.started = time.monotonic()

    # -- set-up ----------------------------------------------------------------------------------------

    def _config_and_client(self) -> tuple[RunConfig, ModelClient]:
        o = self.o
        try:
            if o.provider == "replay":
                return self._replay_config_and_client()
            config = RunConfig.for_model(o.model, provider=o.provider, **o.settings)
            warning = compatibility_warning(config.model, config.tool_version, config.provider)
            if warning:  # said before any request, so the user can change it instead of paying for a 400
                self._note(f"warning: {warning}")
            return config, client_for(config, api_key_for(o.provider, config_dir(create=False)))
        except MissingAPIKey as exc:
            raise UsageError(f"{exc} Without a key, try `python -m computer_use_demo replay`.") from None
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    def _replay_config_and_client(self) -> tuple[RunConfig, ModelClient]:
        o = self.o
        folder = o.trajectory or sample_for_display()
        try:
            trajectory = load_trajectory(folder)
        except TrajectoryError as exc:
            raise UsageError(str(exc)) from None
        self.replay = (
            ReplaySession(trajectory)
            if o.threshold is None
            else ReplaySession(trajectory, threshold=o.threshold)
        )
        settings = {"tool_version": str(trajectory.header.get("tool_version")), **o.settings}
        settings["only_n_most_recent_images"] = None  # the recording's requests carried every screenshot
        settings["approval_mode"] = "none"  # the recorded approvals are given again; nothing new is asked
        model = o.model or str(trajectory.header.get("model") or "replay")
        config = RunConfig.for_model(model, provider="replay", **settings)
        self._note(f"replaying {folder} ({len(trajectory.tool_calls)} tool calls, model {model})")
        return config, ReplayModelClient(self.replay)

    def _open_conversation(self, store: ConversationStore) -> tuple[str, list[dict[str, Any]]]:
        if not self.o.conversation:
            conversation_id = store.create().id
            self._note(f"conversation {conversation_id}")
            return conversation_id, []
        try:
            summary = store.find(self.o.conversation)
        except ConversationNotFound:
            raise UsageError(
                f"no stored conversation {self.o.conversation!r} (see `python -m computer_use_demo list`)"
            ) from None
        messages = store.load_messages(summary.id)
        self._note(f"continuing conversation {summary.id} ({len(messages)} messages): {summary.title}")
        return summary.id, messages

    # -- output (run hooks) ----------------------------------------------------------------------------

    def _note(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def _end_stream_line(self) -> None:
        if self.streamed_text:
            self.out.write("\n")
            self.out.flush()
            self.streamed_text = False

    def on_delta(self, delta: StreamDelta) -> None:
        if delta.kind == "text":
            self.out.write(delta.text)
            self.out.flush()
            self.streamed_text = True
        elif delta.kind == "restart":
            self._end_stream_line()
            self._note("  (the answer was interrupted; retrying)")
        elif delta.kind == "retry":  # a wait before the next attempt: say how long, so silence is never hours
            self._end_stream_line()
            self._note(f"  {delta.text}")

    def on_request(self, request: TurnRequest) -> None:
        self.turn += 1

    def on_response(self, request: TurnRequest, response: TurnResponse, seconds: float) -> None:
        self._end_stream_line()
        calls = sum(1 for b in response.content if b.get("type") == "tool_use")
        what = (
            f"{calls} tool call{'s' if calls != 1 else ''}" if calls else (response.stop_reason or "answer")
        )
        self._note(f"[turn {self.turn}] model {seconds:.2f} s, {what}, {format_tokens(response.usage)}")

    def on_tool_finished(self, call: ToolCall, result: ToolResult, timing: ToolTiming) -> None:
        status = f"error: {shorten(result.error, 80)}" if result.is_error else "ok"
        label = describe_call(call.name, call.toolset_name, call.input)
        self._note(f"  -> {label}  {timing.duration_s:.2f} s  {status}")

    def on_approval_decided(self, decision: ApprovalDecision) -> None:
        verdict = "approved" if decision.approved else "denied"
        why = f": {shorten(decision.reason, 80)}" if decision.reason else ""
        self._note(f"  [{verdict} by {decision.by}{why}]")

    def _controls(self, config: RunConfig) -> tuple[RunControls, RunHooks]:
        """Approvals asked on the terminal, or denied at once when there is none to ask on."""
        if stdin_is_terminal():
            controls = RunControls.for_config(config)
            return controls, HookChain(self, TerminalApprover(controls.approvals, err=self.err))
        return RunControls.for_config(config, answer=unattended_answer()), self

    # -- the run ---------------------------------------------------------------------------------------

    async def execute(self) -> int:
        try:
            store = ConversationStore()
        except (sqlite3.Error, OSError, RuntimeError) as exc:
            raise UsageError(
                f"cannot open the conversation store in {config_dir(create=False)}: {exc}"
            ) from None
        config, client = self._config_and_client()
        try:
            lock = acquire_run_lock(owner=OWNER, task=self.o.task)
        except DesktopBusy as busy:
            await client.close()
            self._note(str(busy))
            return EXIT_BUSY
        try:
            conversation_id, messages = self._open_conversation(store)
        except BaseException:
            lock.release()
            await client.close()
            raise
        add_user_text(messages, self.o.task)
        record = new_recording_folder(conversation_id) if self.o.record == AUTO_RECORD else self.o.record
        controls, hooks = self._controls(config)
        session = RunSession(
            config,
            messages,
            store=store,
            conversation_id=conversation_id,
            desktop_lock=lock,
            task=self.o.task,
            record_to=record,
            client=client,
            hooks=hooks,
            check=self._replay_check,
            controls=controls,
        )
        with _cancelled_by_signals() as cancel:
            outcome = await session.run(cancel)
        self._end_stream_line()
        return self._finish(outcome, conversation_id)

    def _replay_check(self) -> str | None:
        if self.replay is None or self.replay.report.ok:
            return None
        return self.replay.report.summary()

    def _finish(self, outcome: RunOutcome, conversation_id: str) -> int:
        stop = outcome.stop
        code = {"end_turn": EXIT_OK, "cancelled": EXIT_INTERRUPTED}.get(stop.kind, EXIT_FAILED)
        if self.replay is not None:
            for step in self.replay.report.steps:
                self._note("  " + step.describe())
            self._note(self.replay.report.summary())
        if code == EXIT_OK and outcome.check_failure is not None:
            code = EXIT_DIVERGED
        if outcome.trajectory is not None:
            self._note(f"trajectory written to {outcome.trajectory}")
        if code == EXIT_OK:
            said = "done"
        elif code == EXIT_DIVERGED:
            said = "replay finished, but the desktop diverged from the recording"
        else:
            said = f"stopped ({stop.kind}): {stop.message}"
        elapsed = time.monotonic() - self.started
        self._note(
            f"{said} | {outcome.model_calls} model calls, {outcome.tool_calls} tool calls, {elapsed:.1f} s,"
            f" {format_tokens(outcome.usage.total)} | conversation {conversation_id}"
        )
        return code


@contextlib.contextmanager
def _cancelled_by_signals() -> Iterator[asyncio.Event]:
    """An event that SIGINT or SIGTERM sets: the run stops cleanly and the history is kept."""
    cancel = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, cancel.set)
    try:
        yield cancel
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def run_headless(
    options: HeadlessOptions, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    try:
        return await HeadlessRun(options, out=out, err=err).execute()
    except UsageError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    except Exception as exc:  # nothing reaches the user as a traceback
        print(f"error: {describe_error(exc).message}", file=err)
        return EXIT_FAILED
