"""File access for the editor: checked paths, strict UTF-8 reads, atomic writes, shell-free listings.

Every failure the model can cause (a relative path, a missing file, a directory
where a file is needed, binary content, no permission) becomes a `ToolError`
with a message that says what to do instead.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from computer_use_demo.tools.base import ToolError
from computer_use_demo.tools.edit import safe_write
from computer_use_demo.tools.edit.safe_write import Snapshot

# Bigger files are refused: the editor holds the whole text in memory and in its undo history.
MAX_FILE_BYTES = 10 * 1024 * 1024


def checked_path(raw: str) -> Path:
    """The path as given, if it is absolute and representable; never resolved against a working directory."""
    if not raw:
        raise ToolError("The path is empty. Give an absolute path such as /home/user/notes.txt.")
    if "\0" in raw:
        raise ToolError("The path contains a NUL character.")
    try:
        os.fsencode(raw)
    except UnicodeEncodeError:
        raise ToolError(f"The path {raw!r} cannot be encoded as a file name.") from None
    if not raw.startswith("/"):
        raise ToolError(f"The path {raw!r} is not absolute. Give the full path, starting with '/'.")
    return Path(raw)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise ToolError(f"{path}: a component of the path is a file, not a directory.") from None
    except OSError as exc:
        raise ToolError(f"{path}: cannot access it ({_reason(exc)}).") from None


def exists(path: Path) -> bool:
    return _stat(path) is not None


def is_directory(path: Path) -> bool:
    info = _stat(path)
    return info is not None and stat.S_ISDIR(info.st_mode)


def require_file(path: Path) -> os.stat_result:
    """The file's stat, or a clear error when it is missing, a directory or something that is not a file."""
    info = _stat(path)
    if info is None:
        raise ToolError(f"The file {path} does not exist. Use the `create` command to make a new file.")
    if stat.S_ISDIR(info.st_mode):
        raise ToolError(f"{path} is a directory, not a file. Use `view` to list a directory.")
    if not stat.S_ISREG(info.st_mode):
        raise ToolError(f"{path} is not a regular file (a device, pipe or socket); cannot edit it.")
    if info.st_size > MAX_FILE_BYTES:
        raise ToolError(
            f"{path} is {info.st_size:,} bytes, over the editor's limit of {MAX_FILE_BYTES:,}. "
            "Use bash (head, tail, grep, sed) for files this big."
        )
    return info


def read_snapshot(path: Path) -> Snapshot:
    """A regular file's text (strict UTF-8, line endings as they are) and what identifies this version."""
    require_file(path)
    try:
        with open(path, "rb") as f:
            before = os.fstat(f.fileno())
            data = f.read()
            after = os.fstat(f.fileno())
    except OSError as exc:
        raise ToolError(f"Cannot read {path} ({_reason(exc)}).") from None
    if safe_write.identity(before) != safe_write.identity(after):
        raise ToolError(f"{path} changed while it was being read; view it again in a moment.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ToolError(
            f"{path} is not UTF-8 text (undecodable byte at offset {exc.start}); it may be a binary file. "
            "The editor only handles UTF-8 text: use bash to inspect it (e.g. `file`, `xxd | head`)."
        ) from None
    return Snapshot(text=text, identity=safe_write.identity(after), digest=safe_write.digest(data))


def read_text(path: Path) -> str:
    return read_snapshot(path).text


def encode_text(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ToolError(f"The {what} is not valid Unicode text ({exc.reason}).") from None


def real_path(path: Path) -> Path:
    """Symlinks and '..' resolved, so one file has one name (for writing through links, and undo)."""
    return Path(os.path.realpath(path))


def atomic_write(
    path: Path,
    data: bytes,
    *,
    expected: Snapshot | None = None,
    create_parents: bool = False,
    exclusive: bool = False,
) -> None:
    """Replace the file's content all at once, or create it (see safe_write for how nothing is lost).

    `expected` is the snapshot the new content was made from: if the file changed
    since, nothing is written. A symlink is followed so the link stays a link. A new
    file gets the usual 0666-minus-umask mode. `exclusive` fails instead of
    replacing an existing file, even one that appeared a moment ago.
    """
    target = real_path(path)
    parent = target.parent
    if create_parents:
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise ToolError(f"Cannot create {path}: a component of its directory is a file.") from None
        except OSError as exc:
            raise ToolError(f"Cannot create the directory {parent} ({_reason(exc)}).") from None
    old = _stat(target)
    if old is not None and exclusive:
        raise ToolError(f"{target} already exists; it was not overwritten.")
    if old is None and expected is not None:
        raise ToolError(f"{path} was removed since it was read; nothing was written.")
    try:
        if old is None:
            safe_write.write_new(target, data, 0o666 & ~_umask())
        else:
            safe_write.replace_existing(target, data, expected)
    except OSError as exc:
        raise ToolError(f"Cannot write {path} ({_reason(exc)}); the file is unchanged.") from None
    _fsync_directory(parent)


def remove_file(path: Path) -> None:
    try:
        path.unlink()
    except OSError as exc:
        raise ToolError(f"Cannot remove {path} ({_reason(exc)}).") from None


@dataclass(frozen=True)
class Listing:
    entries: list[str]  # paths relative to the listed directory; directories end with '/'
    truncated: bool
    unreadable: list[str]


def list_directory(root: Path, *, depth: int = 2, max_entries: int = 1000) -> Listing:
    """Non-hidden entries up to `depth` levels below `root`, sorted, without running a shell."""
    entries: list[str] = []
    unreadable: list[str] = []

    def walk(directory: Path, prefix: str, level: int) -> bool:
        try:
            with os.scandir(directory) as it:
                children = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
        except OSError as exc:
            unreadable.append(f"{prefix or '.'} ({_reason(exc)})")
            return True
        for child in children:
            if len(entries) >= max_entries:
                return False
            is_dir = child.is_dir(follow_symlinks=False)
            name = _printable_name(child.name)
            entries.append(f"{prefix}{name}{'/' if is_dir else ''}{_link_note(child)}")
            if is_dir and level < depth and not walk(Path(child.path), f"{prefix}{name}/", level + 1):
                return False
        return True

    complete = walk(root, "", 1)
    return Listing(entries=entries, truncated=not complete, unreadable=unreadable)


def _printable_name(name: str) -> str:
    """A file name that is not valid UTF-8 arrives with surrogate escapes, which JSON cannot carry."""
    return os.fsencode(name).decode("utf-8", "replace")


def _link_note(entry: os.DirEntry[str]) -> str:
    if not entry.is_symlink():
        return ""
    try:
        return f" -> {_printable_name(os.readlink(entry.path))}"
    except OSError:
        return " -> ?"


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable; not every file system lets a directory be opened or synced."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    """The process umask, read without changing it (os.umask would race with other threads)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
