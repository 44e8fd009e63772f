"""Run a test step as an ordinary user, so permission failures happen even when the suite runs as root.

Root ignores file permissions, and CI runs as root: a step that must meet "Permission denied" runs with
the effective user and group of `nobody` and no supplementary groups. Switching the effective ids (not
the real ones) drops every capability for the step and lets the test become root again afterwards, in the
same process, so the step runs exactly the code the rest of the test runs.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

NOBODY = pwd.getpwnam("nobody")


@contextlib.contextmanager
def as_nobody() -> Iterator[None]:
    """The block runs as `nobody` (or as the current user, who is unprivileged already, when not root)."""
    if os.geteuid() != 0:
        yield
        return
    groups = os.getgroups()
    os.setgroups([])
    os.setegid(NOBODY.pw_gid)
    os.seteuid(NOBODY.pw_uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)
        os.setgroups(groups)


@contextlib.contextmanager
def shared_scratch() -> Iterator[Path]:
    """A scratch directory `nobody` can reach (pytest's tmp_path sits below a root-only directory)."""
    path = Path(tempfile.mkdtemp(prefix="unprivileged-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def owned_by_nobody(path: Path) -> Path:
    if os.geteuid() == 0:
        os.chown(path, NOBODY.pw_uid, NOBODY.pw_gid)
    return path
