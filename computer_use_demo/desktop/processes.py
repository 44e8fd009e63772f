"""Processes started since an action: the fork counter, and new processes attached to our display."""

from __future__ import annotations

import os
from pathlib import Path


def last_pid() -> int | None:
    """The most recently assigned pid in this pid namespace (changes whenever anything forks)."""
    try:
        return int(Path("/proc/loadavg").read_text().split()[4])
    except (OSError, ValueError, IndexError):
        return None


def pid_is_newer(pid: int, mark: int, newest: int) -> bool:
    """Whether `pid` was assigned after `mark`, given that `newest` is the last pid assigned (pids wrap)."""
    if mark <= newest:
        return mark < pid <= newest
    return pid > mark or pid <= newest


class LaunchWatch:
    """Notices processes started after `pid_mark` that are alive and attached to `display`."""

    def __init__(self, display: str, pid_mark: int) -> None:
        self.needle = f"DISPLAY={display}\0".encode()
        self.pid_mark = pid_mark
        self.seen_last_pid = pid_mark
        self.checked: set[int] = set()

    def launched(self) -> bool:
        newest = last_pid()
        if newest is None or newest == self.seen_last_pid:
            return False
        self.seen_last_pid = newest
        own = os.getpid()
        try:
            entries = [int(e.name) for e in os.scandir("/proc") if e.name.isdigit()]
        except OSError:
            return False
        for pid in entries:
            if pid == own or pid in self.checked or not pid_is_newer(pid, self.pid_mark, newest):
                continue
            self.checked.add(pid)
            try:
                with open(f"/proc/{pid}/environ", "rb") as env:
                    if self.needle in env.read():
                        return True
            except OSError:
                continue  # gone already, or not ours to read
        return False
