"""A persistent bash process that runs one command at a time.

How a command travels: the shell reads a fixed control line from its stdin,
which `read`s the command text (terminated by a NUL byte) into a variable and
`eval`s it with stdin from /dev/null, then prints a per-command random sentinel
with the exit status on stdout and another on stderr. So

- the model's text is data, never spliced into a shell string we build, and a
  syntax error in it (an unclosed quote) cannot swallow the sentinel;
- a command that reads stdin (`cat`, `python`) sees end-of-file at once
  instead of eating the control stream; the shell is a session leader with no
  controlling terminal, so /dev/tty prompts fail fast instead of hanging, and
  vim, which falls back to reading keys from stderr, is spotted and stopped
  within seconds (see terminal_wait); EDITOR and VISUAL say there is none;
- output that merely looks like a sentinel cannot end a command early: the
  token is random per command and never visible to the command.

Bash reads a pipe one byte at a time, so the control line and the command's
text share stdin safely. Output is captured bounded (see output_capture).
A timeout kills the shell's whole process group, its session, and every
descendant we can still find.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass

from computer_use_demo.desktop.environment import without_secrets
from computer_use_demo.tools.bash.output_capture import BoundedCapture
from computer_use_demo.tools.bash.process_tree import kill_process_tree
from computer_use_demo.tools.bash.terminal_wait import (
    StoppedProgram,
    describe,
    pipe_identity,
    stop_waiter,
    terminal_waiters,
)

_READ_CHUNK = 64 * 1024
# After the stdout sentinel, how long to wait for the stderr one (stderr could have been redirected away).
_STDERR_GRACE_S = 1.0
# How often to look whether the shell itself has ended.
_EXIT_POLL_S = 0.05
# After the shell died, how long to let the pipes drain.
_EXIT_DRAIN_S = 0.3

# How often to look for a program waiting for terminal input (see terminal_wait); one is stopped
# when seen twice in a row, so a program passing through that state is left alone.
_WAITER_POLL_S = 0.4
# An editor that git, crontab -e or visudo would start: it says why there is none.
_NO_EDITOR = (
    "sh -c 'echo \"no interactive editor in this shell (it has no terminal): give the text another way, "
    "e.g. git commit -m MESSAGE, or edit files with the editor tool\" >&2; exit 1' editor"
)

# Set for every session: pagers, editors and prompts would otherwise wait for a human.
_SESSION_ENV = {
    "TERM": "dumb",  # the output is read, not displayed: no colour or cursor escapes
    "EDITOR": _NO_EDITOR,
    "VISUAL": _NO_EDITOR,
    "GIT_EDITOR": _NO_EDITOR,
    "PAGER": "cat",
    "GIT_PAGER": "cat",
    "SYSTEMD_PAGER": "",
    "GIT_TERMINAL_PROMPT": "0",
    "DEBIAN_FRONTEND": "noninteractive",
}


@dataclass(frozen=True, kw_only=True)
class CommandOutcome:
    stdout: str
    stderr: str
    exit_status: int | None  # None when the command did not finish
    timed_out: bool = False
    shell_exit_status: int | None = None  # set when the shell itself ended during the command
    output_closed: bool = False  # the shell closed its stdout (`exec >file`), so we ended the session
    stopped_note: str | None = None  # a program that waited for a terminal was stopped: what to tell

    @property
    def shell_ended(self) -> bool:
        return self.timed_out or self.output_closed or self.shell_exit_status is not None


class _SentinelStream:
    """Feeds a stream into a capture until a marker line appears; parses the text after the marker."""

    def __init__(self, marker: bytes, capture: BoundedCapture) -> None:
        self.marker = marker  # b"\n" + token: the newline we print keeps output without one intact
        self.capture = capture
        self._pending = b""
        self.found = False
        self.trailer = b""  # what followed the marker on its line (the exit status on stdout)
        self.complete = False  # marker and its whole line seen

    def feed(self, chunk: bytes) -> None:
        data = self._pending + chunk
        if not self.found:
            index = data.find(self.marker)
            if index < 0:
                keep = len(self.marker) - 1  # the marker may straddle two chunks
                self.capture.feed(data[:-keep] if len(data) > keep else b"")
                self._pending = data[-keep:] if len(data) > keep else data
                return
            self.capture.feed(data[:index])
            self.found = True
            data = data[index + len(self.marker) :]
        end = data.find(b"\n")
        if end < 0:
            self._pending = data
            return
        self.trailer = data[:end]
        self._pending = b""
        self.complete = True

    def flush_pending(self) -> None:
        """At end of stream without a marker, what was held back is ordinary output."""
        if not self.found:
            self.capture.feed(self._pending)
            self._pending = b""


class ShellSession:
    """One bash process. Not safe for concurrent `run` calls: the caller serialises them."""

    def __init__(self, *, timeout: float, max_output_chars: int, shell: str = "/bin/bash") -> None:
        self.timeout = timeout
        self.max_output_chars = max_output_chars
        self.shell = shell
        self._process: asyncio.subprocess.Process | None = None
        self._stderr_pipe = ""  # how /proc names the pipe behind the shell's stderr
        self._reading = False  # a `run` is reading the pipes
        self.loop: asyncio.AbstractEventLoop | None = None  # the loop that owns the process's pipes

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def start(self) -> None:
        if self._process is not None:
            raise RuntimeError("session already started")
        self.loop = asyncio.get_running_loop()
        self._process = await asyncio.create_subprocess_exec(
            *_dies_with_us(),
            self.shell,
            "--noprofile",
            "--norc",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            # Never a credential: the model reads this shell's environment (`env`, /proc/<pid>/environ).
            env={**without_secrets(os.environ), **_SESSION_ENV},
        )
        transport = self._process._transport  # type: ignore[attr-defined]  # no public way to the pipe's fd
        self._stderr_pipe = pipe_identity(transport.get_pipe_transport(2).get_extra_info("pipe").fileno())

    async def run(self, command: str) -> CommandOutcome:
        process = self._process
        if process is None or process.returncode is not None:
            raise RuntimeError("the shell is not running")
        assert process.stdin and process.stdout and process.stderr
        token = f"__CU_END_{secrets.token_hex(16)}__"
        out_token, err_token = f"{token}OUT", f"{token}ERR"
        control = (
            "IFS= builtin read -r -d '' __cu_command; "
            '{ builtin eval "$__cu_command"; } </dev/null; '
            f"builtin printf '\\n%s%s\\n' {out_token} \"$?\"; "
            f"builtin printf '\\n%s\\n' {err_token} >&2\n"
        )
        keep = 2 * self.max_output_chars  # bytes: enough for half the budget at each end even for wide UTF-8
        out = _SentinelStream(b"\n" + out_token.encode(), BoundedCapture(keep))
        err = _SentinelStream(b"\n" + err_token.encode(), BoundedCapture(keep))
        self._reading = True
        try:
            return await self._send_and_collect(process, control, command, out, err)
        except asyncio.CancelledError:
            # Interrupted mid-command: the shell is in an unknown state, so it goes.
            if self._process is process:
                self._process = None
            await _terminate(process)
            raise
        finally:
            self._reading = False

    async def _send_and_collect(
        self,
        process: asyncio.subprocess.Process,
        control: str,
        command: str,
        out: _SentinelStream,
        err: _SentinelStream,
    ) -> CommandOutcome:
        assert process.stdin and process.stdout and process.stderr
        try:
            process.stdin.write(control.encode() + command.encode("utf-8") + b"\0")
            await process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the shell is gone; the read below sees end-of-file and reports it
        out_task = asyncio.create_task(_pump(process.stdout, out))
        err_task = asyncio.create_task(_pump(process.stderr, err))
        exit_task = asyncio.create_task(_exited(process))
        stopping: list[asyncio.Future[StoppedProgram]] = []
        watch_task = asyncio.create_task(_stop_terminal_waiters(process.pid, self._stderr_pipe, stopping))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        timed_out = False
        try:
            done, _ = await asyncio.wait(
                {out_task, exit_task}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                timed_out = True
            elif out.complete:
                await asyncio.wait({err_task}, timeout=max(0.0, min(_STDERR_GRACE_S, deadline - loop.time())))
            else:  # the shell ended (exit, set -e, killed) or closed its stdout: take what is left
                await asyncio.wait({out_task, err_task}, timeout=_EXIT_DRAIN_S)
                await asyncio.wait({exit_task}, timeout=_EXIT_DRAIN_S)  # tells the two apart
        finally:
            for task in (out_task, err_task, exit_task, watch_task):
                task.cancel()
            await asyncio.gather(out_task, err_task, exit_task, watch_task, return_exceptions=True)
        # A stop in progress finishes (its swap files removed) before the next command can run.
        stopped = [
            s
            for s in await asyncio.gather(*stopping, return_exceptions=True)
            if isinstance(s, StoppedProgram)
        ]
        out.flush_pending()
        err.flush_pending()
        output_closed = not timed_out and not out.complete and process.returncode is None
        if timed_out or not out.complete:
            if self._process is process:
                self._process = None
            self._reading = False
            await _terminate(process)
        stdout, stderr = render_both(out.capture, err.capture, self.max_output_chars)
        if timed_out:
            return CommandOutcome(stdout=stdout, stderr=stderr, exit_status=None, timed_out=True)
        if output_closed:
            return CommandOutcome(stdout=stdout, stderr=stderr, exit_status=None, output_closed=True)
        if not out.complete:
            return CommandOutcome(
                stdout=stdout, stderr=stderr, exit_status=None, shell_exit_status=process.returncode
            )
        return CommandOutcome(
            stdout=stdout,
            stderr=stderr,
            exit_status=_parse_status(out.trailer),
            stopped_note=describe(stopped) if stopped else None,
        )

    async def stop(self) -> None:
        """Kill the shell and everything it started, and reap it."""
        process, self._process = self._process, None
        if process is None:
            return
        if self.loop is not asyncio.get_running_loop():  # its pipes belong to another (maybe closed) loop
            _kill(process)
            _abandon(process)
            return
        if self._reading:  # `run` owns the pipes right now: kill, and let it see the end and reap
            _kill(process)
            return
        await _terminate(process)


def _kill(process: asyncio.subprocess.Process) -> None:
    # Once the shell is reaped its pid may be reused: then only its group and session are safe targets.
    # The shell leads its own process group, so the group kill ends it. Not `process.kill()` on top:
    # Popen.send_signal polls first, and when the shell has just died that poll reaps it here, before
    # asyncio's child watcher thread can, which then reports "Unknown child process" and status 255.
    kill_process_tree(process.pid, include_descendants=process.returncode is None)


def _abandon(process: asyncio.subprocess.Process) -> None:
    """Best effort for a (killed) process whose event loop is gone, so that nothing of it is left for
    garbage collection: its transports are marked closed (they cannot reach the dead loop any more),
    their pipes are closed here, and the process is reaped here."""
    transport = getattr(process, "_transport", None)
    if transport is None:
        return
    for pipe in (transport.get_pipe_transport(fd) for fd in (0, 1, 2)):
        if pipe is not None:
            with contextlib.suppress(RuntimeError):
                pipe.close()  # marks it closing, then fails to schedule the rest on the closed loop
            if (file := pipe.get_extra_info("pipe")) is not None:
                file.close()
    with contextlib.suppress(RuntimeError):
        transport.close()
    popen = transport.get_extra_info("subprocess")
    if popen is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(timeout=2)


async def _terminate(process: asyncio.subprocess.Process) -> None:
    _kill(process)
    if process.stdin:
        process.stdin.close()
    # The transport only lets go once both pipes reach end-of-file, and a paused pipe (a flood of
    # output nobody read) never does: read them dry while waiting for the exit.
    pending = [process.wait(), *(_drain(r) for r in (process.stdout, process.stderr) if r)]
    try:
        await asyncio.wait_for(asyncio.gather(*pending), timeout=5)
    except TimeoutError:
        # A process we could not kill still holds a pipe: drop our ends so nothing leaks.
        transport = getattr(process, "_transport", None)
        if transport is not None:
            transport.close()


async def _pump(reader: asyncio.StreamReader, stream: _SentinelStream) -> None:
    while not stream.complete:
        chunk = await reader.read(_READ_CHUNK)
        if not chunk:
            return
        stream.feed(chunk)


async def _exited(process: asyncio.subprocess.Process) -> None:
    # Not process.wait(): that also waits for the pipes to close, and a background job may hold them.
    # `returncode` is set by the child watcher as soon as the shell dies; asyncio offers no event for it.
    while process.returncode is None:  # noqa: ASYNC110
        await asyncio.sleep(_EXIT_POLL_S)


async def _stop_terminal_waiters(
    session_id: int, stderr_pipe: str, stopping: list[asyncio.Future[StoppedProgram]]
) -> None:
    seen: set[int] = set()
    handled: set[int] = set()
    while True:
        await asyncio.sleep(_WAITER_POLL_S)
        waiting = await asyncio.to_thread(terminal_waiters, session_id, stderr_pipe) - handled
        for pid in waiting & seen:
            handled.add(pid)
            stopping.append(asyncio.ensure_future(asyncio.to_thread(stop_waiter, pid)))
        seen = waiting


async def _drain(reader: asyncio.StreamReader) -> None:
    while await reader.read(_READ_CHUNK):
        pass


def render_both(out: BoundedCapture, err: BoundedCapture, budget: int) -> tuple[str, str]:
    """Fit stdout and stderr into one budget; stderr keeps at least a quarter of it when both are long."""
    stdout, stderr = out.render(budget), err.render(budget)
    if len(stdout) + len(stderr) > budget:
        err_budget = min(len(stderr), max(budget // 4, budget - len(stdout)))
        stdout, stderr = out.render(budget - err_budget), err.render(err_budget)
    return stdout.removesuffix("\n"), stderr.removesuffix("\n")


def _parse_status(trailer: bytes) -> int | None:
    try:
        return int(trailer.decode("ascii"))
    except ValueError:
        return None


def _dies_with_us() -> list[str]:
    """A prefix that makes the shell die when this process does (even by kill -9): util-linux's setpriv
    sets the parent-death signal and execs the shell, so a killed run never leaves its command going on."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []
