"""One run at a time per desktop.

The desktop is shared by every browser tab and every CLI run, and two agents clicking on one screen would
wreck each other's work. A run holds an exclusive `flock` on a file named after the X display, in the
temp folder beside X's own locks (so every process on the machine agrees, whatever its config folder).
`flock` belongs to the open file, so two sessions of one Streamlit process exclude each other too, and the
kernel drops the lock when its holder dies, even by `kill -9`: a crashed run never blocks the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCK_DIR_ENV = "COMPUTER_USE_LOCK_DIR"


class DesktopBusy(RuntimeError):
    """Another run holds the desktop. The message says who and since when."""

    def __init__(self, display: str, holder: dict[str, Any]) -> None:
        self.display = display
        self.holder = holder
        super().__init__(describe_busy(display, holder))


def describe_busy(display: str, holder: dict[str, Any]) -> str:
    who = holder.get("owner") or "another run"
    since = holder.get("started_at")
    when = f" since {time.strftime('%H:%M:%S', time.localtime(since))}" if since else ""
    pid = f", pid {holder['pid']}" if holder.get("pid") else ""
    task = f": {holder['task']!r}" if holder.get("task") else ""
    conversation = f" (conversation {holder['conversation_id']})" if holder.get("conversation_id") else ""
    return (
        f"The desktop {display} is busy: {who}{pid} is running a task{conversation}{when}{task}. "
        "Only one run may drive a desktop at a time; wait for it to finish or stop it, then try again."
    )


def lock_path(display: str | None = None) -> Path:
    display = display if display is not None else os.environ.get("DISPLAY", ":0")
    folder = Path(os.environ.get(LOCK_DIR_ENV) or tempfile.gettempdir())
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", display) or "_"
    return folder / f"computer-use-run{safe}.lock"


@dataclass
class RunLock:
    """An exclusive claim on one desktop; use `acquire_run_lock` to take it."""

    display: str
    path: Path
    _fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing drops the flock
        self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire_run_lock(
    display: str | None = None,
    *,
    owner: str,
    task: str | None = None,
    wait_s: float = 0,
    conversation_id: str | None = None,
) -> RunLock:
    """Take the desktop's run lock, or raise `DesktopBusy` (after up to `wait_s` seconds of retrying).

    `conversation_id`, when the run belongs to a stored conversation, is noted for whoever finds the desktop
    busy (the HTTP API names it in its 409 answer)."""
    display = display if display is not None else os.environ.get("DISPLAY", ":0")
    path = lock_path(display)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _read_holder(fd)
                os.close(fd)
                raise DesktopBusy(display, holder) from None
            time.sleep(0.05)
    info = {"owner": owner, "pid": os.getpid(), "started_at": time.time(), "task": (task or "")[:200]}
    if conversation_id:
        info["conversation_id"] = conversation_id
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode(), 0)
    return RunLock(display, path, fd)


def current_holder(display: str | None = None) -> dict[str, Any] | None:
    """Who holds the desktop now, or None when it is free (for the UI to show before a run starts)."""
    path = lock_path(display)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_holder(fd: int) -> dict[str, Any]:
    # The holder writes its note right after locking; a reader may catch the file empty for an instant.
    for _ in range(5):
        with contextlib.suppress(OSError, ValueError):
            data = os.pread(fd, 4096, 0)
            if data:
                return json.loads(data)
        time.sleep(0.01)
    return {}


@contextlib.contextmanager
def desktop_run(display: str | None = None, *, owner: str, task: str | None = None) -> Iterator[RunLock]:
    lock = acquire_run_lock(display, owner=owner, task=task)
    try:
        yield lock
    finally:
        lock.release()
