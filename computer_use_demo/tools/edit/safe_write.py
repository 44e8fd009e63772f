"""Replacing a file's content without losing anyone else's data.

An edit is a read, a change and a write; another program may write the file in
between. So the read keeps a `Snapshot` (identity and content hash), and the
write refuses when the file no longer matches it. While the new content is being
prepared we hold a read lease on the old file: the kernel refuses the lease while
any process has the file open for writing, and tells us (the lease breaks) when
one opens it, so such a writer is never overwritten. The new content is written
to an unnamed O_TMPFILE (a crash leaves nothing behind), given its name only for
the moment of an atomic RENAME_EXCHANGE, and the old file is checked once more
after the exchange (and swapped back if a writer got to it). Owner, mode
(chown before chmod, so set-id bits survive) and extended attributes are copied.

A hard-linked file is refused: a rename would split the names, and rewriting in
place cannot be atomic, so a crash could leave every name half-written.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import os
import secrets
import signal
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from computer_use_demo.tools.base import ToolError

# Temp files are named `.<name>.<pid>-<random>.edit-tmp`; one whose process is gone is removed.
TEMP_SUFFIX = ".edit-tmp"
# How long after the exchange a writer that looked up the old file has to show itself (see `_replace`).
SETTLE_SECONDS = 0.0005
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Snapshot:
    """A file as the editor read it: its text and what identifies that exact version."""

    text: str
    identity: tuple[int, int, int, int]  # st_dev, st_ino, st_size, st_mtime_ns
    digest: bytes


def identity(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def require_writable(path: Path, info: os.stat_result) -> None:
    """Refuse what the caller may not write; root bypasses the mode bits, so for root a file
    without any write bit counts as write-protected on purpose."""
    mode = stat.S_IMODE(info.st_mode)
    if os.geteuid() == 0:
        if not mode & 0o222:
            raise ToolError(
                f"{path} is read-only (mode {mode:04o}), so the editor leaves it alone, even as root. "
                f"If it really should change, make it writable first (e.g. `chmod u+w {path}`)."
            )
    elif not os.access(path, os.W_OK, effective_ids=os.access in os.supports_effective_ids):
        raise ToolError(
            f"No permission to write {path} (mode {mode:04o}, owner uid {info.st_uid}); it was not changed."
        )


def write_new(target: Path, data: bytes, mode: int) -> None:
    """Create `target` with `data`, failing if the name exists (even one that appeared a moment ago)."""
    _remove_stale_temps(target.parent)
    fd, named = _open_temp(target)
    try:
        _write_all(fd, data)
        os.fchmod(fd, mode)
        os.fsync(fd)
        _link_exclusive(fd, named, target)
    finally:
        os.close(fd)
        if named:
            with contextlib.suppress(OSError):
                os.unlink(named)


def replace_existing(target: Path, data: bytes, expected: Snapshot | None) -> None:
    """Replace the content of the existing file `target`, refusing if it is not as `expected`."""
    _remove_stale_temps(target.parent)
    with _guarded(target, expected) as guard:
        name = ""
        try:
            name = _prepared_copy(guard.fd, target, data)
            new_fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                # Leased too, so a swap back (below) never discards what someone wrote to the new file.
                new_leased = _try_lease(new_fd)
                _replace(guard, name, target, lambda: not new_leased or _lease_intact(new_fd))
            finally:
                os.close(new_fd)
        finally:
            if name:  # the new content after a refusal, or the old content after the exchange
                with contextlib.suppress(OSError):
                    os.unlink(name)


def _prepared_copy(source_fd: int, target: Path, data: bytes) -> str:
    """The new content, synced, with the old file's owner, mode and attributes, under a temp name."""
    fd, name = _open_temp(target)
    try:
        _write_all(fd, data)
        _copy_metadata(source_fd, fd, target)
        os.fsync(fd)
        return name or _link_temp(fd, target)
    except BaseException:
        if name:
            with contextlib.suppress(OSError):
                os.unlink(name)
        raise
    finally:
        os.close(fd)


def _replace(guard: _Guard, temp: str, target: Path, new_untouched: Callable[[], bool]) -> None:
    guard.check_unchanged()
    if not _exchange(temp, target):
        os.replace(temp, target)  # no RENAME_EXCHANGE on this file system: the checks above must do
        return
    time.sleep(SETTLE_SECONDS)  # a writer whose open() looked up the old file breaks the lease by now
    try:
        guard.check_unchanged(after_exchange=True)
    except ToolError:
        if new_untouched():  # else a writer waits on each file, and one of them loses either way
            _exchange(temp, target)  # the old file, with that writer's data, goes back in place
        raise


@dataclass
class _Guard:
    path: Path
    fd: int
    expected: Snapshot | None
    leased: bool

    def check_unchanged(self, *, after_exchange: bool = False) -> None:
        if self.leased and not _lease_intact(self.fd):
            raise _changed(self.path, "another program opened it for writing during the edit")
        now = os.fstat(self.fd)
        if self.expected is not None and identity(now) != self.expected.identity:
            raise _changed(self.path, "another program wrote to it")
        if after_exchange:
            return
        try:
            current = os.lstat(self.path)
        except FileNotFoundError:
            raise _changed(self.path, "another program removed it") from None
        if (current.st_dev, current.st_ino) != (now.st_dev, now.st_ino):
            raise _changed(self.path, "another program replaced it")
        if (
            not self.leased
            and self.expected is not None
            and digest(_read_all(self.fd)) != self.expected.digest
        ):
            raise _changed(self.path, "its content is different")


@contextlib.contextmanager
def _guarded(target: Path, expected: Snapshot | None) -> Iterator[_Guard]:
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise ToolError(f"Cannot open {target} ({exc.strerror}); it was not changed.") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):  # a directory's link count is no hard link: say what it is
            raise ToolError(f"Cannot write {target} (Is a directory); the file is unchanged.")
        require_writable(target, info)
        if info.st_nlink > 1:
            raise ToolError(
                f"{target} has {info.st_nlink} hard links (other names for the same file). Replacing it "
                "would leave the other names with the old text, and rewriting it in place cannot be done "
                "atomically, so the editor does not change it. If every name should change, use bash "
                "(e.g. `sed -i` on a copy, then `cat copy > file`)."
            )
        guard = _Guard(target, fd, expected, leased=_take_lease(fd, target))
        if expected is not None and digest(_read_all(fd)) != expected.digest:
            raise _changed(target, "its content is different")
        guard.check_unchanged()
        yield guard
    finally:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        os.close(fd)


def _take_lease(fd: int, target: Path) -> bool:
    """A read lease on the file being edited; False where leases are not available (not the owner
    and no CAP_LEASE, or a file system without them): then only the identity and hash checks protect it."""
    try:
        _set_lease(fd)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EBUSY):
            raise ToolError(
                f"{target} is open for writing by another program; editing it now would lose what that "
                "program writes, so nothing was changed. Try again once it has closed the file."
            ) from None
        return False
    return True


def _try_lease(fd: int) -> bool:
    try:
        _set_lease(fd)
    except OSError:
        return False
    return True


def _set_lease(fd: int) -> None:
    # The lease break is signalled; SIGURG is ignored by default, unlike SIGIO, which would kill us.
    fcntl.fcntl(fd, fcntl.F_SETSIG, signal.SIGURG)
    fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)


def _lease_intact(fd: int) -> bool:
    """False once a writer's open() is waiting for the lease to go (F_GETLEASE shows the target type)."""
    return fcntl.fcntl(fd, fcntl.F_GETLEASE) == fcntl.F_RDLCK


def _changed(path: Path, why: str) -> ToolError:
    return ToolError(
        f"{path} changed since it was read ({why}); nothing was written. View it again and redo the edit."
    )


def _copy_metadata(source_fd: int, fd: int, target: Path) -> None:
    old = os.fstat(source_fd)
    with contextlib.suppress(PermissionError):  # only root may give a file away
        os.fchown(fd, old.st_uid, old.st_gid)
    os.fchmod(fd, stat.S_IMODE(old.st_mode))  # after chown, which clears set-id bits
    try:
        names = os.listxattr(source_fd)
    except OSError:  # a file system without extended attributes
        return
    for name in names:
        try:
            os.setxattr(fd, name, os.getxattr(source_fd, name))
        except OSError as exc:
            raise ToolError(
                f"Cannot keep the extended attribute {name} of {target} ({exc.strerror}); "
                "the file is unchanged."
            ) from None


def _open_temp(target: Path) -> tuple[int, str]:
    """An unnamed temp file in the target's directory (name ""), or a named one where O_TMPFILE fails."""
    with contextlib.suppress(OSError, AttributeError):
        if os.path.isdir("/proc/self/fd"):
            return os.open(target.parent, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o600), ""
    name = _temp_name(target)
    return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), name


def _temp_name(target: Path) -> str:
    short = os.fsencode(target.name)[:100].decode("utf-8", "ignore")
    return str(target.parent / f".{short}.{os.getpid()}-{secrets.token_hex(4)}{TEMP_SUFFIX}")


def _link_temp(fd: int, target: Path) -> str:
    name = _temp_name(target)
    _link_unnamed(fd, name)
    return name


def _link_unnamed(fd: int, name: str | Path) -> None:
    """Give an O_TMPFILE its first name: linkat through /proc/self/fd, following the magic link
    (the dir fd makes os.link call linkat with AT_SYMLINK_FOLLOW instead of plain link)."""
    proc_fds = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.link(str(fd), name, src_dir_fd=proc_fds, follow_symlinks=True)
    finally:
        os.close(proc_fds)


def _link_exclusive(fd: int, named: str, target: Path) -> None:
    try:  # link fails on an existing name; rename would not
        if named:
            os.link(named, target)
        else:
            _link_unnamed(fd, target)
    except FileExistsError:
        raise ToolError(f"{target} already exists; it was not overwritten.") from None
    except OSError:
        if not named:
            raise
        if os.path.lexists(target):  # a file system without hard links: check, then rename
            raise ToolError(f"{target} already exists; it was not overwritten.") from None
        os.replace(named, target)


def _exchange(a: str | Path, b: str | Path) -> bool:
    """Atomically swap two names; False where the file system (or C library) cannot."""
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove_stale_temps(directory: Path) -> None:
    """Temp files of editor processes that died (kill -9) between naming and renaming them."""
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            if (
                entry.name.startswith(".")
                and entry.name.endswith(TEMP_SUFFIX)
                and not _owner_alive(entry.name)
            ):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _owner_alive(name: str) -> bool:
    try:
        pid = int(name.removesuffix(TEMP_SUFFIX).rsplit(".", 1)[1].split("-")[0])
        os.kill(pid, 0)
    except (IndexError, ValueError):
        return True  # not a name we made: leave it
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_all(fd: int) -> bytes:
    chunks, offset = [], 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)
