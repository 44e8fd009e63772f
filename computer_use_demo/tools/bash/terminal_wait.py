"""Spotting a program that waits for keys from a terminal the shell does not have, and stopping it.

The session has no controlling terminal and stdin is /dev/null, so most such
programs fail at once (`/dev/tty` cannot be opened, stdin reads end-of-file).
vim does not: finding no terminal on stdin it reads its keys from stderr
instead (`close(0); dup(2)`), and our stderr is the write end of a pipe, which
never becomes readable, so vim would wait until the timeout and leave a swap
file that makes the next vim wait too. A process whose stdin *is* our stderr
pipe can only be waiting for input that will never come: it is stopped with
SIGKILL, and the swap files it had open (written by it a moment ago, never
edited, since no key ever reached it) are removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from dataclasses import dataclass

from computer_use_demo.tools.bash.process_tree import process_alive, read_proc_stat

# vim's swap files: .NAME.swp, .swo, ... .swa
_SWAP_FILE = re.compile(r"(^|/)\.[^/]*\.sw[a-p]$")


@dataclass(frozen=True)
class StoppedProgram:
    pid: int
    name: str
    removed_swap_files: tuple[str, ...]


def pipe_identity(fd: int) -> str:
    """How /proc shows a pipe: 'pipe:[inode]' (the same for both of its ends)."""
    return f"pipe:[{os.fstat(fd).st_ino}]"


def terminal_waiters(session_id: int, stderr_pipe: str) -> set[int]:
    """Processes of the shell's session whose stdin is the write end of our stderr pipe."""
    waiters = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        stat = read_proc_stat(pid)
        if stat is None or stat.session != session_id or stat.state in "ZX":
            continue
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/0") == stderr_pipe:
                waiters.add(pid)
    return waiters


def stop_waiter(pid: int) -> StoppedProgram:
    name = _program_name(pid)
    swap_files = _open_swap_files(pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 2
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    removed = []
    for path in swap_files:
        with contextlib.suppress(OSError):
            os.unlink(path)
            removed.append(path)
    return StoppedProgram(pid, name, tuple(removed))


def describe(stopped: list[StoppedProgram]) -> str:
    names = ", ".join(sorted({s.name for s in stopped}))
    return (
        f"[{names} needs a terminal to read keys from, and this shell has none (stdin is /dev/null), "
        "so it would have waited forever: it was stopped, and the session is still here. Use "
        "non-interactive ways instead: the editor tool or `sed -i` to change files, "
        "`vim -es -c '%s/old/new/' -c wq FILE` for vim in batch mode, `git commit -m MESSAGE`, "
        "`top -b -n 1`, `less`/`more` only in a pipe.]"
    )


def _program_name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip() or f"pid {pid}"
    except OSError:
        return f"pid {pid}"


def _open_swap_files(pid: int) -> list[str]:
    found = []
    with contextlib.suppress(OSError), os.scandir(f"/proc/{pid}/fd") as fds:
        for fd in fds:
            with contextlib.suppress(OSError):
                target = os.readlink(fd.path)
                if _SWAP_FILE.search(target) and os.path.isfile(target) and _opened_for_writing(pid, fd.name):
                    found.append(target)  # its own swap file; another vim's it would only have read
    return found


def _opened_for_writing(pid: int, fd: str) -> bool:
    with open(f"/proc/{pid}/fdinfo/{fd}") as f:
        for line in f:
            if line.startswith("flags:"):
                return int(line.split()[1], 8) & os.O_ACCMODE != os.O_RDONLY
    return False
