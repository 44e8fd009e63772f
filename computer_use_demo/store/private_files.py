"""Files only their owner may read: conversations, trajectories and screenshots hold whatever was on the
screen and in the chat. The mode is set with fchmod after creation, so the umask cannot widen it and a
file made by an older version is tightened too.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TextIO

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def ensure_private_file(path: Path) -> None:
    """Create `path` empty if it is missing; either way leave it 0600 (if it is ours to change)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)
    try:
        with contextlib.suppress(PermissionError):
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def tighten(path: Path) -> None:
    """Make an existing file 0600; a missing one is fine."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        os.chmod(path, PRIVATE_FILE)


def private_dir(path: Path) -> Path:
    """A folder we create for our own files, 0700; an existing folder is left as its owner made it."""
    with contextlib.suppress(FileExistsError):
        path.mkdir(parents=True, mode=PRIVATE_DIR)
        os.chmod(path, PRIVATE_DIR)  # mkdir's mode is cut by the umask
    return path


def open_private_append(path: Path) -> TextIO:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)
    with contextlib.suppress(PermissionError):
        os.fchmod(fd, PRIVATE_FILE)
    return os.fdopen(fd, "a", encoding="utf-8")


def write_private_atomic(target: Path, data: bytes) -> None:
    """Replace `target` by a 0600 file holding `data` (a temp file in the same folder, then rename)."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
