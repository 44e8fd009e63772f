"""Asking on the terminal before a risky call runs (`run --approve policy|all`), without blocking the run.

The question goes to stderr; the answer is read from stdin when a line arrives (the event loop watches the
descriptor, so Ctrl+C and the approval timeout still work while the prompt waits). `y` approves; `n`
denies, and anything after it is the reason the model is told (`n not that folder`). With no terminal to
ask, `unattended_answer` denies each such call at once and says how to let them run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from typing import TextIO

from computer_use_demo.cli.progress import describe_call
from computer_use_demo.runs.approvals import (
    Answerer,
    ApprovalDecision,
    ApprovalRequest,
    Approvals,
    UnknownApproval,
    deny_everything,
)
from computer_use_demo.runs.hooks import RunHooks

NO_TERMINAL = (
    "no one can approve it: the CLI is not on a terminal (run with --approve none to let such calls "
    "run unattended)"
)
PROMPT = "  approve? [y]es / [n]o, optionally followed by your reason: "


def stdin_is_terminal(stdin: TextIO | None = None) -> bool:
    stream = stdin if stdin is not None else sys.stdin
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


def unattended_answer() -> Answerer:
    return deny_everything(NO_TERMINAL)


def parse_answer(line: str) -> tuple[bool, str] | None:
    """(approve, reason) for a typed answer, None when it is neither yes nor no."""
    word, _, rest = line.strip().partition(" ")
    if word.lower() in ("y", "yes"):
        return True, rest.strip()
    if word.lower() in ("n", "no"):
        return False, rest.strip()
    return None


class TerminalApprover(RunHooks):
    """Prompts for each approval request and answers it from the line typed on stdin."""

    def __init__(self, approvals: Approvals, *, stdin: TextIO = sys.stdin, err: TextIO = sys.stderr) -> None:
        self.approvals = approvals
        self.fd = stdin.fileno()
        self.err = err
        self.asking: ApprovalRequest | None = None
        self.buffer = b""

    def _say(self, text: str, end: str = "\n") -> None:
        self.err.write(text + end)
        self.err.flush()

    def on_approval_requested(self, request: ApprovalRequest) -> None:
        call = describe_call(request.call.name, request.call.toolset_name, request.call.input)
        self._say(f"\n[approval needed] {call}\n  why: {request.reason}")
        self._say(f"  (no answer in {request.timeout_s:g} s denies it)")
        self._say(PROMPT, end="")
        self.asking, self.buffer = request, b""
        asyncio.get_running_loop().add_reader(self.fd, self._readable)

    def _readable(self) -> None:
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:  # the terminal closed: nobody will answer
            self._answer(False, "the terminal closed before an answer")
            return
        self.buffer += chunk
        while b"\n" in self.buffer and self.asking is not None:
            line, self.buffer = self.buffer.split(b"\n", 1)
            parsed = parse_answer(line.decode(errors="replace"))
            if parsed is None:
                self._say(PROMPT, end="")
                continue
            self._answer(*parsed)

    def _answer(self, approve: bool, reason: str) -> None:
        request = self.asking
        self._stop_reading()
        if request is not None:
            with contextlib.suppress(UnknownApproval):  # decided meanwhile (timed out)
                self.approvals.decide(request.call_id, approve, reason)

    def _stop_reading(self) -> None:
        if self.asking is not None:
            self.asking = None
            with contextlib.suppress(RuntimeError, ValueError):
                asyncio.get_running_loop().remove_reader(self.fd)

    def on_approval_decided(self, decision: ApprovalDecision) -> None:
        if self.asking is not None and self.asking.call_id == decision.call_id:  # timed out unanswered
            self._stop_reading()
            self._say("")
