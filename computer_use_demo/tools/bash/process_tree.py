"""Finding and killing every process a shell started, via /proc.

A process group alone misses children that called setpgid or setsid; the
session and the parent chain find those too.
"""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass


def kill_process_tree(leader_pid: int, *, include_descendants: bool = True) -> None:
    """SIGKILL a session leader's process group, its session and all its descendants.

    The process group alone misses children that called setpgid or setsid; the
    descendant walk finds those as long as their parent chain is intact. A few
    passes catch processes forked while we were killing.
    """
    for _ in range(3):
        victims = _session_members(leader_pid, include_descendants=include_descendants)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(leader_pid, signal.SIGKILL)
        for pid in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if not victims:
            return


def _session_members(leader_pid: int, *, include_descendants: bool) -> set[int]:
    """Live pids in the leader's session or process group, or descended from the leader."""
    parents: dict[int, int] = {}
    members: set[int] = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        stat = read_proc_stat(int(entry.name))
        if stat is None or stat.state in "ZX":
            continue
        parents[stat.pid] = stat.ppid
        if leader_pid in (stat.pgrp, stat.session):
            members.add(stat.pid)
    if include_descendants:
        children: dict[int, list[int]] = {}
        for pid, ppid in parents.items():
            children.setdefault(ppid, []).append(pid)
        stack = [leader_pid]
        while stack:
            for child in children.get(stack.pop(), []):
                members.add(child)
                stack.append(child)
    members.discard(os.getpid())
    return members


@dataclass(frozen=True)
class ProcStat:
    pid: int
    state: str
    ppid: int
    pgrp: int
    session: int


def read_proc_stat(pid: int) -> ProcStat | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name sits in parentheses and may itself contain spaces or ')'.
    fields = raw[raw.rfind(")") + 2 :].split()
    try:
        return ProcStat(pid, fields[0], int(fields[1]), int(fields[2]), int(fields[3]))
    except (IndexError, ValueError):
        return None


def process_alive(pid: int) -> bool:
    """True unless the process is gone or only a zombie waiting to be reaped."""
    stat = read_proc_stat(pid)
    return stat is not None and stat.state not in "ZX"
