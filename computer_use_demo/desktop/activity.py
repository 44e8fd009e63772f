"""Is an application still working on an action? CPU time and new processes of its process tree, from /proc.

After input, a real application often computes for a while before it paints anything (a page load, a
dialog built on first use): the screen is unchanged, but its processes are busy. `ProcessActivity` watches
the processes given (the target application and the window manager) and all their descendants, such as
Firefox's content processes or the command a shell in xterm runs.

Cheap enough to sample every poll: per process, one read of /proc/PID/stat (CPU time of all threads, in
10 ms clock ticks) and /proc/PID/schedstat (the main thread's CPU time in ns: GUI toolkits do their work on
the main thread, so this is the precise part). The tree is found by one scan of /proc, repeated only when
something has forked since (the last pid in /proc/loadavg moved) and at most every `rescan_interval`.

A process started after the action (`pid_mark`) also counts as working while it runs, waits for the disk,
or sleeps on a timer (`sleep 0.3; echo done` in a terminal: no CPU, but output is coming), though not
while it waits for input (an editor or a REPL that just started).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

from computer_use_demo.desktop.processes import last_pid, pid_is_newer

CLOCK_TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (which may contain spaces)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            text = handle.read()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def process_cpu_ns(pid: int) -> tuple[int, int] | None:
    """CPU demand so far: (all threads' CPU time, counted in clock ticks; the main thread's CPU time plus its
    time waiting for a CPU, exact). The wait counts because on a loaded machine an application that is
    working may get little CPU time, but it then waits on the run queue instead of sleeping."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    ticks_ns = (int(fields[11]) + int(fields[12])) * CLOCK_TICK_NS
    try:
        with open(f"/proc/{pid}/schedstat") as handle:
            ran_ns, waited_ns = handle.read().split()[:2]
        main_ns = int(ran_ns) + int(waited_ns)
    except (OSError, ValueError):
        main_ns = 0
    return ticks_ns, main_ns


def parents() -> dict[int, list[int]]:
    """Every process's children, from one scan of /proc."""
    children: dict[int, list[int]] = {}
    try:
        entries = [int(e.name) for e in os.scandir("/proc") if e.name.isdigit()]
    except OSError:
        return children
    for pid in entries:
        fields = _stat_fields(pid)
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(pid)
    return children


def descendants(roots: Iterable[int], children: dict[int, list[int]]) -> set[int]:
    found: set[int] = set()
    todo = [pid for pid in roots if pid > 0]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def waiting_on_timer_or_working(pid: int) -> bool:
    """Running, in disk wait, or asleep on a timer (nanosleep): not waiting for input."""
    fields = _stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X", "T", "t"):
        return False
    if fields[0] in ("R", "D"):
        return True
    try:
        return "nanosleep" in Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False


class ProcessActivity:
    """CPU time used by a set of process trees since the action, sampled over time."""

    def __init__(
        self,
        roots: Iterable[int],
        pid_mark: int | None = None,
        *,
        rescan_interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.roots = tuple(dict.fromkeys(pid for pid in roots if pid > 0))
        self.pid_mark = pid_mark
        self.rescan_interval = rescan_interval
        self.clock = clock
        self.used_ns = 0  # CPU time used by the trees since the first sample
        self._last: dict[int, tuple[int, int]] = {}
        self._pids: set[int] = set()
        self._scanned_at = -1e9
        self._scanned_last_pid: int | None = None
        self._samples: deque[tuple[float, int]] = deque()
        self._rescan(force=True)

    def _rescan(self, *, force: bool = False) -> None:
        now = self.clock()
        newest = last_pid()
        if not force and (newest == self._scanned_last_pid or now - self._scanned_at < self.rescan_interval):
            return
        self._scanned_at, self._scanned_last_pid = now, newest
        found = descendants(self.roots, parents())
        for pid in found - self._pids:
            # A process born since the action counts from zero; one that was there is counted from now.
            mark = self.pid_mark
            if mark is None or newest is None or not pid_is_newer(pid, mark, newest):
                self._last[pid] = process_cpu_ns(pid) or (0, 0)
        self._pids = found

    def new_processes(self) -> list[int]:
        if self.pid_mark is None or self._scanned_last_pid is None:
            return []
        return [p for p in self._pids if pid_is_newer(p, self.pid_mark, self._scanned_last_pid)]

    def sample(self) -> None:
        self._rescan()
        for pid in list(self._pids):
            now_ns = process_cpu_ns(pid)
            if now_ns is None:
                self._pids.discard(pid)
                self._last.pop(pid, None)
                continue
            # Ticks are coarse, the main thread's time misses other threads: the larger step is the better
            # lower bound of what the process used since the last sample.
            ticks_ns, main_ns = self._last.get(pid, (0, 0))
            self.used_ns += max(0, now_ns[0] - ticks_ns, now_ns[1] - main_ns)
            self._last[pid] = now_ns
        self._samples.append((self.clock(), self.used_ns))
        while len(self._samples) > 2 and self._samples[1][0] <= self.clock() - 1.0:
            self._samples.popleft()

    def cpu_in_last(self, window: float) -> float:
        """Seconds of CPU the trees used in the last `window` seconds (as far as the samples reach)."""
        if not self._samples:
            return 0.0
        now_t, now_ns = self._samples[-1]
        base_ns = self._samples[0][1]
        for t, ns in self._samples:
            if t > now_t - window:
                break
            base_ns = ns
        return (now_ns - base_ns) / 1e9

    def busy(self, window: float, cpu_threshold: float) -> bool:
        """Still working: at least `cpu_threshold` s of CPU in the last `window` s, or a process started
        since the action that is running or sleeping on a timer."""
        if self.cpu_in_last(window) >= cpu_threshold:
            return True
        return any(waiting_on_timer_or_working(pid) for pid in self.new_processes())
