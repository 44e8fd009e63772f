"""One task without a browser: the loop, the run lock, the store, the recorder and the progress lines.

Progress goes to stderr (one line per model call and per tool call, with durations and tokens), the
model's text streams to stdout, so `run "..." > answer.txt` keeps just the answer. The conversation is
saved after every message, so a killed run can be continued with `--conversation ID`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from computer_use_demo.agent.loop import LoopStop, sampling_loop
from computer_use_demo.cli.main import (
    AUTO_RECORD,
    EXIT_BUSY,
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)
from computer_use_demo.cli.progress import describe_call, format_tokens, shorten
from computer_use_demo.desktop.run_lock import DesktopBusy, acquire_run_lock
from computer_use_demo.models.providers import (
    DEFAULT_MODELS,
    ModelClient,
    StreamDelta,
    TurnRequest,
    TurnResponse,
    create_client,
)
from computer_use_demo.models.specs import lookup_model
from computer_use_demo.models.usage import RunUsage, TurnUsage
from computer_use_demo.runs.hooks import ObservedModelClient, TimedToolCollection, ToolTiming
from computer_use_demo.store import ConversationNotFound, ConversationStore, config_dir
from computer_use_demo.tools import TOOL_GROUPS_BY_VERSION, ToolResult
from computer_use_demo.tools.build import build_tool_collection
from computer_use_demo.trajectory import TrajectoryError, TrajectoryRecorder, load_trajectory
from computer_use_demo.trajectory.replay import ReplaySession
from computer_use_demo.trajectory.replay_client import ReplayModelClient
from computer_use_demo.trajectory.samples import sample_for_display


@dataclass
class HeadlessOptions:
    task: str
    provider: str = "anthropic"
    model: str | None = None
    tool_version: str | None = None
    max_iterations: int | None = None
    max_tokens: int | None = None
    thinking_mode: str = "off"
    thinking_budget: int | None = None
    thinking_effort: str = "medium"
    only_n_most_recent_images: int | None = 3
    system_prompt_suffix: str = ""
    record: Path | None = None
    conversation: str | None = None
    trajectory: Path | None = None
    threshold: float | None = None


class UsageError(Exception):
    """Bad options: the message says what to change."""


def _api_key(provider: str) -> str | None:
    if provider != "anthropic":
        return None
    key = os.environ.get("ANTHROPIC_API_KEY", "").strip()
    if key:
        return key
    from computer_use_demo.ui.config_store import ConfigStore

    key = ConfigStore.default().load_api_key()
    if not key:
        raise UsageError(
            "No API key: set ANTHROPIC_API_KEY or save one in the web UI (it goes to ~/.anthropic/api_key). "
            "Without a key, try `python -m computer_use_demo replay`."
        )
    return key


class HeadlessRun:
    def __init__(
        self, options: HeadlessOptions, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr
    ) -> None:
        self.o = options
        self.out = out
        self.err = err
        try:
            self.store = ConversationStore()
        except (sqlite3.Error, OSError, RuntimeError) as exc:
            raise UsageError(
                f"cannot open the conversation store in {config_dir(create=False)}: {exc}"
            ) from None
        self.recorder: TrajectoryRecorder | None = None
        self.replay: ReplaySession | None = None
        self.messages: list[dict[str, Any]] = []
        self.conversation_id = ""
        self.turn = 0
        self.run_usage: RunUsage | None = None
        self.stop: LoopStop | None = None
        self.recorded_upto = 0
        self.streamed_text = False
        self.started = time.monotonic()

    # -- set-up ----------------------------------------------------------------------------------------

    def _client_and_model(self) -> tuple[ModelClient, str, str]:
        o = self.o
        if o.provider == "replay":
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
            model = o.model or str(trajectory.header.get("model") or "replay")
            tool_version = o.tool_version or str(trajectory.header.get("tool_version"))
            self._note(f"replaying {folder} ({len(trajectory.tool_calls)} tool calls, model {model})")
            return ReplayModelClient(self.replay), model, tool_version
        model = o.model or DEFAULT_MODELS.get(o.provider)  # type: ignore[call-overload]
        if not model:
            raise UsageError(f"unknown provider {o.provider!r}")
        tool_version = o.tool_version or lookup_model(model).default_tool_version(o.provider)
        try:
            client = create_client(o.provider, api_key=_api_key(o.provider))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        return client, model, tool_version

    def _open_conversation(self, settings: dict[str, Any]) -> None:
        if self.o.conversation:
            try:
                summary = self.store.find(self.o.conversation)
            except ConversationNotFound:
                raise UsageError(
                    f"no stored conversation {self.o.conversation!r} (see `python -m computer_use_demo list`)"
                ) from None
            self.conversation_id = summary.id
            self.messages = self.store.load_messages(summary.id)
            self._note(
                f"continuing conversation {summary.id} ({len(self.messages)} messages): {summary.title}"
            )
        else:
            self.conversation_id = self.store.create(settings=settings).id
            self._note(f"conversation {self.conversation_id}")
        task_block = {"type": "text", "text": self.o.task}
        last = self.messages[-1] if self.messages else None
        if last is not None and last["role"] == "user":
            # A run killed after its tool results were saved: the task joins that user turn.
            if isinstance(last["content"], str):
                last["content"] = [{"type": "text", "text": last["content"]}]
            last["content"].append(task_block)
        else:
            self.messages.append({"role": "user", "content": [task_block]})

    # -- output ----------------------------------------------------------------------------------------

    def _note(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def _end_stream_line(self) -> None:
        if self.streamed_text:
            self.out.write("\n")
            self.out.flush()
            self.streamed_text = False

    # -- loop callbacks --------------------------------------------------------------------------------

    def on_delta(self, delta: StreamDelta) -> None:
        if delta.kind == "text":
            self.out.write(delta.text)
            self.out.flush()
            self.streamed_text = True
        elif delta.kind == "restart":
            self._end_stream_line()
            self._note("  (the answer was interrupted; retrying)")

    def on_request(self, request: TurnRequest) -> None:
        self.turn += 1
        if self.recorder is not None:
            new = self.messages[self.recorded_upto :]
            self.recorder.request(self.turn, [block for m in new for block in _blocks(m)])
            self.recorded_upto = len(self.messages)

    def on_response(self, request: TurnRequest, response: TurnResponse, seconds: float) -> None:
        self._end_stream_line()
        calls = sum(1 for b in response.content if b.get("type") == "tool_use")
        what = (
            f"{calls} tool call{'s' if calls != 1 else ''}" if calls else (response.stop_reason or "answer")
        )
        self._note(f"[turn {self.turn}] model {seconds:.2f} s, {what}, {format_tokens(response.usage)}")
        if self.recorder is not None:
            self.recorder.response(
                self.turn,
                response.content,
                stop_reason=response.stop_reason,
                usage=dataclasses.asdict(response.usage),
                duration_s=round(seconds, 3),
            )
        # The assistant message the loop appends next is recorded here, not as the next request's content.
        self.recorded_upto = len(self.messages) + (1 if response.content else 0)

    def on_tool_done(self, timing: ToolTiming) -> None:
        result = timing.result
        status = f"error: {shorten(result.error, 80)}" if result.is_error else "ok"
        label = describe_call(timing.name, timing.toolset_name, timing.tool_input)
        self._note(f"  -> {label}  {timing.duration_s:.2f} s  {status}")

    def on_block(self, block: dict[str, Any]) -> None:
        # The loop appended the assistant message before reporting its blocks: save it before tools run.
        self._save()

    def on_tool_result(self, result: ToolResult, tool_use_id: str) -> None:
        self._save()
        timing = self.tools.timings.get(tool_use_id)
        self.store.record_tool_call(
            self.conversation_id,
            tool_use_id=tool_use_id,
            name=timing.name if timing else "?",
            duration_s=timing.duration_s if timing else None,
            is_error=result.is_error,
        )
        if self.recorder is not None:
            block = self._tool_use_block(tool_use_id)
            self.recorder.tool_call(
                self.turn,
                block,
                result,
                started_at=timing.started_at if timing else None,
                duration_s=round(timing.duration_s, 3) if timing else None,
            )

    def _tool_use_block(self, tool_use_id: str) -> dict[str, Any]:
        for message in reversed(self.messages):
            for block in _blocks(message):
                if block.get("type") == "tool_use" and block.get("id") == tool_use_id:
                    return block
        return {"id": tool_use_id, "name": "?", "input": {}}

    def on_usage(self, turn: TurnUsage, run: RunUsage) -> None:
        self.run_usage = run
        self.store.record_usage(self.conversation_id, turn, model=run.model, turn=1)

    def on_http(self, request: Any, response: Any, error: Exception | None) -> None:
        if error is not None:
            self._end_stream_line()
            self._note(f"API error: {error}")

    def on_stop(self, stop: LoopStop) -> None:
        self.stop = stop

    def _save(self) -> None:
        self.store.save_messages(self.conversation_id, self.messages)

    # -- the run ---------------------------------------------------------------------------------------

    async def execute(self) -> int:
        o = self.o
        client, model, tool_version = self._client_and_model()
        group = TOOL_GROUPS_BY_VERSION.get(tool_version)  # type: ignore[call-overload]
        if group is None:
            raise UsageError(
                f"unknown tool version {tool_version!r}; known: {', '.join(TOOL_GROUPS_BY_VERSION)}"
            )
        spec = lookup_model(model)
        settings = {"provider": o.provider, "model": model, "tool_version": tool_version}
        try:
            lock = acquire_run_lock(owner="CLI run", task=o.task)
        except DesktopBusy as busy:
            await client.close()
            self._note(str(busy))
            return EXIT_BUSY
        tier = "high" if spec.uses_high_image_tier(tool_version) else "standard"
        self.tools = TimedToolCollection(build_tool_collection(group, image_tier=tier), self.on_tool_done)
        cancel = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, cancel.set)
        try:
            self._open_conversation(settings)
            if o.record == AUTO_RECORD:
                stamp = time.strftime("%Y%m%d-%H%M%S")
                o.record = config_dir() / "trajectories" / f"{self.conversation_id}-{stamp}"
            if o.record is not None:
                screen = _screen_size()
                self.recorder = TrajectoryRecorder(
                    o.record,
                    provider=o.provider,
                    model=model,
                    tool_version=tool_version,
                    task=o.task,
                    screen_size=screen,
                    extra={"conversation_id": self.conversation_id},
                )
            self._save()
            observed = ObservedModelClient(client, on_request=self.on_request, on_response=self.on_response)
            await sampling_loop(
                model=model,
                provider=o.provider,
                system_prompt_suffix=o.system_prompt_suffix,
                messages=self.messages,
                output_callback=self.on_block,
                tool_output_callback=self.on_tool_result,
                api_response_callback=self.on_http,
                api_key=None,
                only_n_most_recent_images=None if o.provider == "replay" else o.only_n_most_recent_images,
                max_tokens=o.max_tokens or min(16_384, spec.max_output_tokens),
                tool_version=tool_version,  # type: ignore[arg-type]
                thinking_mode=o.thinking_mode,  # type: ignore[arg-type]
                thinking_effort=o.thinking_effort,  # type: ignore[arg-type]
                thinking_budget=o.thinking_budget,
                stream_callback=self.on_delta,
                usage_callback=self.on_usage,
                stop_callback=self.on_stop,
                max_iterations=o.max_iterations or 100,
                cancel_event=cancel,
                client=observed,
                tools=self.tools,
            )
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            self._end_stream_line()
            with contextlib.suppress(ConversationNotFound):
                if self.conversation_id:
                    self._save()
            await _close(self.tools, client)
            lock.release()
        return self._finish()

    def _finish(self) -> int:
        stop = self.stop or LoopStop("other", "The loop ended without saying why.")
        code = {"end_turn": EXIT_OK, "cancelled": EXIT_INTERRUPTED}.get(stop.kind, EXIT_FAILED)
        usage = self.run_usage.total if self.run_usage is not None else TurnUsage()
        elapsed = time.monotonic() - self.started
        if self.replay is not None:
            for step in self.replay.report.steps:
                self._note("  " + step.describe())
            self._note(self.replay.report.summary())
            if code == EXIT_OK and not self.replay.report.ok:
                code = EXIT_DIVERGED
        if self.recorder is not None:
            status = {EXIT_OK: "completed", EXIT_INTERRUPTED: "cancelled"}.get(code, "failed")
            self.recorder.end(
                status, error=None if code == EXIT_OK else stop.message, usage=dataclasses.asdict(usage)
            )
            self.recorder.close()
            self._note(f"trajectory written to {self.o.record}")
        if code == EXIT_OK:
            outcome = "done"
        elif code == EXIT_DIVERGED:
            outcome = "replay finished, but the desktop diverged from the recording"
        else:
            outcome = f"stopped ({stop.kind}): {stop.message}"
        self._note(
            f"{outcome} | {self.turn} model calls, {len(self.tools.timings)} tool calls, {elapsed:.1f} s,"
            f" {format_tokens(usage)} | conversation {self.conversation_id}"
        )
        return code


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def _screen_size() -> tuple[int, int] | None:
    import subprocess

    with contextlib.suppress(OSError, subprocess.SubprocessError, ValueError):
        done = subprocess.run(
            ["xdotool", "getdisplaygeometry"], capture_output=True, text=True, timeout=5, check=True
        )
        width, height = done.stdout.split()
        return int(width), int(height)
    return None


async def _close(tools: TimedToolCollection, client: ModelClient) -> None:
    for tool in tools.tools:
        with contextlib.suppress(Exception):
            await tool.close()
    with contextlib.suppress(Exception):
        await client.close()


async def run_headless(
    options: HeadlessOptions, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    try:
        run = HeadlessRun(options, out=out, err=err)
        return await run.execute()
    except UsageError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
