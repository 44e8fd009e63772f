"""The `bash` tool: a persistent shell the model drives one command at a time.

The shell keeps its working directory, variables and background jobs between
calls. A command that runs past the timeout is killed with its whole process
group; the session is then gone, and the next call says so (and is not run)
rather than silently running in a fresh shell whose working directory and
variables the model no longer knows.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from computer_use_demo.tools.base import BaseAnthropicTool, CLIResult, ToolError, ToolResult
from computer_use_demo.tools.bash.session import CommandOutcome, ShellSession

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_OUTPUT_CHARS = 16_000

_LOST_STATE = "Its working directory, variables and background jobs are lost."


class BashTool20250124(BaseAnthropicTool):
    """Run shell commands in one long-lived bash session (stdin is /dev/null, no terminal)."""

    name: ClassVar[str] = "bash"
    api_type: ClassVar[str] = "bash_20250124"
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The bash command to run."},
            "restart": {"type": "boolean", "description": "Kill the shell and start a fresh one."},
        },
        "additionalProperties": False,
    }

    def __init__(
        self, *, timeout: float = DEFAULT_TIMEOUT_S, max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_output_chars < 100:
            raise ValueError("max_output_chars must be at least 100")
        self.timeout = timeout
        self.max_output_chars = max_output_chars
        self._session: ShellSession | None = None
        self._ended_reason: str | None = None  # why the last session died, told to the model once
        self._lock = asyncio.Lock()

    def to_params(self) -> dict[str, Any]:
        return {"type": self.api_type, "name": self.name}

    async def execute(self, *, command: str | None = None, restart: bool = False) -> ToolResult:
        async with self._lock:
            if restart:
                return await self._restart(command_given=command is not None)
            if command is None:
                raise ToolError("Give a `command` to run, or `restart: true` to start a fresh shell.")
            if "\0" in command:
                raise ToolError("The command contains a NUL character, which bash cannot take.")
            if not command.strip():
                raise ToolError("The command is empty.")
            try:
                command.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ToolError(f"The command is not valid Unicode text: {exc.reason}.") from None
            if self._session is not None and self._session.loop is not asyncio.get_running_loop():
                await (
                    self._stop_session()
                )  # a shell from an earlier event loop cannot be driven from this one
                self._ended_reason = "The shell session belonged to an earlier run and was stopped."
            elif self._session is not None and not self._session.running:
                await self._stop_session()
                self._ended_reason = "The shell died between commands (something killed it)."
            if self._ended_reason is not None:
                reason, self._ended_reason = self._ended_reason, None
                await self._start_session()
                raise ToolError(
                    f"{reason} A fresh shell session has been started, and this command was NOT run. "
                    f"{_LOST_STATE} Send the command again (with any `cd` or variables it relies on)."
                )
            if self._session is None:  # the first command
                await self._start_session()
            assert self._session is not None
            try:
                outcome = await self._session.run(command)
            except asyncio.CancelledError:  # the session killed its shell; say so on the next call
                self._session = None
                self._ended_reason = "The previous command was interrupted, so its shell session was killed."
                raise
            if outcome.shell_ended:
                self._session = None
                self._ended_reason = _ended_reason(outcome, self.timeout)
            return format_outcome(outcome, self.timeout)

    async def close(self) -> None:
        # Not under the lock: closing must not wait for a running command; that command sees its shell die.
        await self._stop_session()

    async def _restart(self, *, command_given: bool) -> ToolResult:
        await self._stop_session()
        self._ended_reason = None
        await self._start_session()
        note = " The `command` given with `restart` was not run." if command_given else ""
        return CLIResult(output=f"The shell was restarted: a fresh bash session is ready.{note}")

    async def _start_session(self) -> None:
        await self._stop_session()
        session = ShellSession(timeout=self.timeout, max_output_chars=self.max_output_chars)
        await session.start()
        self._session = session

    async def _stop_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.stop()


class BashTool20241022(BashTool20250124):
    """The same shell, offered under the October 2024 tool type."""

    api_type: ClassVar[str] = "bash_20241022"


def _ended_reason(outcome: CommandOutcome, timeout: float) -> str:
    if outcome.timed_out:
        return f"The previous command timed out after {timeout:g} s, so its shell session was killed."
    return f"The previous shell session ended ({_how_it_ended(outcome)})."


def _how_it_ended(outcome: CommandOutcome) -> str:
    if outcome.output_closed:
        return "the shell closed its standard output, e.g. with `exec >file`, so it was stopped"
    status = outcome.shell_exit_status
    if status is not None and status < 0:
        return f"the shell was killed by signal {-status}"
    return f"the shell exited with status {status}"


def format_outcome(outcome: CommandOutcome, timeout: float) -> ToolResult:
    """Stdout, then stderr, then the exit status. A failure is an error result carrying all of it."""
    parts = [outcome.stdout] if outcome.stdout else []
    if outcome.stderr:
        parts.append(f"[stderr]\n{outcome.stderr}")
    if outcome.timed_out:
        parts.append(
            f"[timed out after {timeout:g} s: the command and every process it started were killed. "
            f"The shell session is gone; the next command starts a fresh one. {_LOST_STATE} "
            "Run long jobs in the background with output to a file, e.g. `nohup cmd > /tmp/cmd.log 2>&1 &`. "
            "The shell has no terminal and its stdin is /dev/null, so interactive programs (editors, pagers, "
            "password prompts) cannot be driven here: use non-interactive options instead.]"
        )
        return CLIResult(error="\n".join(parts))
    if outcome.shell_ended:
        parts.append(f"[{_how_it_ended(outcome)}; the next command starts a fresh session. {_LOST_STATE}]")
        return CLIResult(error="\n".join(parts))
    parts.append(f"[exit status {outcome.exit_status}]")
    if outcome.stopped_note:
        parts.append(outcome.stopped_note)
        return CLIResult(error="\n".join(parts))
    text = "\n".join(parts)
    return CLIResult(output=text) if outcome.exit_status == 0 else CLIResult(error=text)
