"""One run at a time per desktop.

The desktop is shared by every browser tab and every CLI run, and two agents clicking on one screen would
wreck each other's work. A run holds an exclusive `flock` on a file named after the X server, not after
the DISPLAY string: ":70", ":70.0", "unix:70" and "localhost:70" are one server, so one lock. The file
lives in a fixed folder in /tmp, where X keeps its own locks, never in TMPDIR, so every process on the
machine agrees whatever its environment (COMPUTER_USE_LOCK_DIR overrides it, for tests).
`flock` belongs to the open file, so two sessions of one Streamlit process exclude each other too, and the
kernel drops the lock when its holder dies, even by `kill -9`: a crashed run never blocks the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import socket
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCK_DIR_ENV = "COMPUTER_USE_LOCK_DIR"
# Shared by every user's runs, so world-writable with the sticky bit, like /tmp/.X11-unix.
DEFAULT_LOCK_DIR = Path("/tmp/.computer-use-locks")


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
    folder = Path(os.environ.get(LOCK_DIR_ENV) or DEFAULT_LOCK_DIR)
    host, number = canonical_display(display)
    safe_host = re.sub(r"[^A-Za-z0-9_.-]", "_", host) or "_"
    return folder / f"display-{safe_host}-{number}.lock"


def canonical_display(display: str) -> tuple[str, str]:
    """The X server a DISPLAY names: (host, display number), the screen dropped; "local" for this machine.

    A string that is not of the form [host]:number[.screen] keys on itself, so it still gets one lock.
    """
    match = re.fullmatch(r"(?P<host>.*?)(?P<decnet>::?)(?P<number>\d+)(?:\.\d+)?", display.strip())
    if match is None:
        return display.strip(), "-"
    host = match["host"].lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host in _local_hosts():
        host = "local"
    return host, str(int(match["number"]))


def _local_hosts() -> set[str]:
    return {"", "unix", "localhost", "127.0.0.1", "::1", socket.gethostname().lower()}


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
    _make_lock_dir(path.parent)
    fd = _open_lock_file(path)
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
    with contextlib.suppress(OSError):  # a lock file another user created may be read-only for us
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
    return RunLock(display, path, fd)


def _make_lock_dir(folder: Path) -> None:
    if folder != DEFAULT_LOCK_DIR:
        folder.mkdir(parents=True, exist_ok=True)
        return
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o1777)  # mkdir's mode is cut by the umask
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise RuntimeError(f"{folder} should be the folder of the desktop run locks, but it is not a folder.")


def _open_lock_file(path: Path) -> int:
    """The lock file, never through a symlink; flock works on a read-only file too (another user's)."""
    flags = os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, os.O_RDWR | flags, 0o644)
    except PermissionError:
        return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with contextlib.suppress(OSError):
        os.fchmod(fd, 0o644)  # whatever the umask, others may read who holds the desktop
    return fd


def current_holder(display: str | None = None) -> dict[str, Any] | None:
    """Who holds the desktop now, or None when it is free (for the UI to show before a run starts)."""
    path = lock_path(display)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
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
