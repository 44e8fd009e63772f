"""The text editor tool: view, create, str_replace, insert (and undo_edit in the older versions).

Paths must be absolute. Files are read as strict UTF-8 and written atomically,
refusing when another program changed the file since it was read (see file_ops
and safe_write); the text logic lives in text_edits.
"""

from __future__ import annotations

import asyncio
from collections import deque
from pathlib import Path
from typing import Any, ClassVar

from computer_use_demo.tools.base import BaseAnthropicTool, ToolError, ToolResult
from computer_use_demo.tools.edit import file_ops
from computer_use_demo.tools.edit.text_edits import (
    insert_after_line,
    numbered,
    replace_once,
    snippet,
    split_lines,
    view_window,
)

# What `view` shows at most when the tool has no `max_characters` of its own.
DEFAULT_VIEW_CHARS = 16_000
DIRECTORY_DEPTH = 2
MAX_DIRECTORY_ENTRIES = 1_000


def _schema(commands: tuple[str, ...]) -> dict[str, Any]:
    optional_string = {"type": ["string", "null"]}
    return {
        "type": "object",
        "properties": {
            "command": {"type": "string", "enum": list(commands)},
            "path": {"type": "string", "description": "Absolute path of a file or directory."},
            "file_text": optional_string,
            "view_range": {
                "type": ["array", "null"],
                "items": {"type": "integer"},
                "minItems": 2,
                "maxItems": 2,
            },
            "old_str": optional_string,
            "new_str": optional_string,
            "insert_line": {"type": ["integer", "null"]},
            "insert_text": optional_string,
        },
        "required": ["command", "path"],
        "additionalProperties": False,
    }


class EditHistory:
    """Earlier contents per file for `undo_edit`; None records that the file did not exist."""

    def __init__(self, *, per_file: int = 10, max_total_bytes: int = 64 * 1024 * 1024) -> None:
        self.per_file = per_file
        self.max_total_bytes = max_total_bytes
        self._snapshots: dict[str, deque[bytes | None]] = {}
        self._total = 0

    def push(self, key: str, content: bytes | None) -> None:
        stack = self._snapshots.setdefault(key, deque())
        stack.append(content)
        self._total += len(content or b"")
        if len(stack) > self.per_file:
            self._total -= len(stack.popleft() or b"")
        # Over the byte budget: forget the oldest snapshots, least recently edited files first.
        for other in list(self._snapshots):
            while self._total > self.max_total_bytes and self._snapshots[other]:
                self._total -= len(self._snapshots[other].popleft() or b"")
            if not self._snapshots[other]:
                del self._snapshots[other]
        self._snapshots[key] = self._snapshots.pop(key, stack)  # most recently edited goes last

    def pop(self, key: str) -> tuple[bool, bytes | None]:
        stack = self._snapshots.get(key)
        if not stack:
            return False, None
        content = stack.pop()
        self._total -= len(content or b"")
        if not stack:
            del self._snapshots[key]
        return True, content


class _EditTool(BaseAnthropicTool):
    """Shared behaviour; each dated subclass declares its own command set and schema."""

    name: ClassVar[str] = "str_replace_editor"
    commands: ClassVar[tuple[str, ...]] = ("view", "create", "str_replace", "insert", "undo_edit")

    def __init__(self) -> None:
        self.max_characters: int | None = None
        self._history = EditHistory()
        self._lock = asyncio.Lock()

    def to_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"type": self.api_type, "name": self.name}
        if self.max_characters is not None:
            params["max_characters"] = self.max_characters
        return params

    async def execute(
        self,
        *,
        command: str,
        path: str,
        file_text: str | None = None,
        view_range: list[int] | None = None,
        old_str: str | None = None,
        new_str: str | None = None,
        insert_line: int | None = None,
        insert_text: str | None = None,
    ) -> ToolResult:
        target = file_ops.checked_path(path)
        async with self._lock:  # one edit at a time, so an undo snapshot always matches the file
            if command == "view":
                return self._view(target, _as_ints(view_range))
            if command == "create":
                return self._create(target, _required(file_text, "file_text", command))
            if command == "str_replace":
                return self._str_replace(target, _required(old_str, "old_str", command), new_str or "")
            if command == "insert":
                line = _required(insert_line, "insert_line", command)
                return self._insert(target, int(line), _insertion_text(insert_text, new_str))
            if command == "undo_edit":
                return self._undo(target)
        raise ToolError(f"Unknown command {command!r}.")  # the schema's enum keeps us from getting here

    def _view(self, path: Path, view_range: list[int] | None) -> ToolResult:
        limit = self.max_characters or DEFAULT_VIEW_CHARS
        if file_ops.is_directory(path):
            if view_range is not None:
                raise ToolError(f"{path} is a directory: `view_range` only applies to files.")
            return ToolResult(output=_truncate(_directory_listing(path), limit, hint="view a subdirectory"))
        lines = split_lines(file_ops.read_text(path))
        if not lines:
            return ToolResult(output=f"{path} is empty.")
        start, end = view_window(lines, view_range)
        header = f"{path}, lines {start}-{end} of {len(lines)} (line number, tab, content):\n"
        return ToolResult(output=header + _truncate_lines(lines, start, end, limit))

    def _create(self, path: Path, file_text: str) -> ToolResult:
        if file_ops.is_directory(path):
            raise ToolError(f"{path} is a directory; give the path of the new file inside it.")
        if file_ops.exists(path):
            raise ToolError(
                f"{path} already exists, and `create` never overwrites. Change it with `str_replace` or "
                "`insert`, or choose a new path."
            )
        data = file_ops.encode_text(file_text, "file_text")
        file_ops.atomic_write(path, data, create_parents=True, exclusive=True)
        self._history.push(_history_key(path), None)
        return ToolResult(
            output=f"Created {path} ({len(split_lines(file_text))} lines, {len(data):,} bytes)."
        )

    def _str_replace(self, path: Path, old_str: str, new_str: str) -> ToolResult:
        before = file_ops.read_snapshot(path)
        change = replace_once(before.text, old_str, new_str, path=str(path))
        self._write_edit(path, before, change.text)
        return ToolResult(
            output=f"Edited {path}. The changed region now reads:\n"
            f"{snippet(change.text, change.first_line, change.last_line)}\n"
            "Check that this is what you meant; edit again if not."
        )

    def _insert(self, path: Path, line: int, text: str) -> ToolResult:
        before = file_ops.read_snapshot(path)
        change = insert_after_line(before.text, line, text)
        self._write_edit(path, before, change.text)
        count = change.last_line - change.first_line + 1
        return ToolResult(
            output=f"Inserted {count} line(s) into {path} after line {line}:\n"
            f"{snippet(change.text, change.first_line, change.last_line)}"
        )

    def _undo(self, path: Path) -> ToolResult:
        found, previous = self._history.pop(_history_key(path))
        if not found:
            raise ToolError(
                f"There is no edit of {path} to undo (only edits made by this editor are remembered)."
            )
        if previous is None:
            file_ops.require_file(path)
            file_ops.remove_file(path)
            return ToolResult(output=f"Undid the creation of {path}: the file was removed.")
        file_ops.atomic_write(path, previous, expected=file_ops.read_snapshot(path))
        text = previous.decode("utf-8")
        lines = split_lines(text)
        body = (
            _truncate_lines(lines, 1, len(lines), self.max_characters or DEFAULT_VIEW_CHARS) if lines else ""
        )
        return ToolResult(output=f"Undid the last edit of {path}. It now reads:\n{body}")

    def _write_edit(self, path: Path, before: file_ops.Snapshot, after: str) -> None:
        data = file_ops.encode_text(after, "new text")
        file_ops.atomic_write(path, data, expected=before)
        self._history.push(_history_key(path), before.text.encode("utf-8"))


class EditTool20241022(_EditTool):
    api_type: ClassVar[str] = "text_editor_20241022"
    input_schema: ClassVar[dict[str, Any]] = _schema(_EditTool.commands)


class EditTool20250124(_EditTool):
    api_type: ClassVar[str] = "text_editor_20250124"
    input_schema: ClassVar[dict[str, Any]] = _schema(_EditTool.commands)


class EditTool20250728(_EditTool):
    """The Claude 4 editor: a new name, no `undo_edit`, and an optional `max_characters` for `view`."""

    name: ClassVar[str] = "str_replace_based_edit_tool"
    api_type: ClassVar[str] = "text_editor_20250728"
    commands: ClassVar[tuple[str, ...]] = ("view", "create", "str_replace", "insert")
    input_schema: ClassVar[dict[str, Any]] = _schema(commands)

    def __init__(self, *, max_characters: int | None = None) -> None:
        super().__init__()
        if max_characters is not None and (isinstance(max_characters, bool) or max_characters < 1):
            raise ValueError("max_characters must be a positive integer")
        self.max_characters = max_characters


def _required(value: Any, name: str, command: str) -> Any:
    if value is None:
        raise ToolError(f"The `{command}` command needs `{name}`.")
    return value


def _insertion_text(insert_text: str | None, new_str: str | None) -> str:
    """`insert_text` is the documented field; older models sent the text in `new_str`."""
    if insert_text is not None and new_str is not None and insert_text != new_str:
        raise ToolError("Give the text to insert once, in `insert_text` (not different text in `new_str`).")
    text = insert_text if insert_text is not None else new_str
    if text is None:
        raise ToolError("The `insert` command needs `insert_text`: the text to insert.")
    return text


def _as_ints(view_range: list[int] | None) -> list[int] | None:
    # JSON Schema counts 3.0 as an integer; Python slicing does not.
    return None if view_range is None else [int(v) for v in view_range]


def _history_key(path: Path) -> str:
    return str(Path(file_ops.real_path(path)))


def _directory_listing(path: Path) -> str:
    listing = file_ops.list_directory(path, depth=DIRECTORY_DEPTH, max_entries=MAX_DIRECTORY_ENTRIES)
    base = str(path).rstrip("/")
    lines = [f"{base}/{entry}" for entry in listing.entries]
    text = f"Files and directories in {path}, {DIRECTORY_DEPTH} levels deep, hidden entries skipped:\n"
    text += "\n".join(lines) if lines else "(no visible entries)"
    if listing.truncated:
        text += (
            f"\n[... listing stopped after {MAX_DIRECTORY_ENTRIES} entries: view a subdirectory to see more]"
        )
    for problem in listing.unreadable:
        text += f"\n[could not list {problem}]"
    return text


def _truncate(text: str, limit: int, *, hint: str) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... truncated at {limit:,} of {len(text):,} characters: {hint} to see more]"


def _truncate_lines(lines: list[str], start: int, end: int, limit: int) -> str:
    """Numbered lines start..end, cut at a line boundary so the text stays within `limit` characters."""
    shown: list[str] = []
    used = 0
    for number in range(start, end + 1):
        rendered = numbered([lines[number - 1]], number)
        if used + (1 if shown else 0) + len(rendered) > limit:
            next_line = number
            if not shown:  # a single line longer than the limit: show its beginning
                shown.append(rendered[:limit])
                next_line += 1
            return "\n".join(shown) + (
                f"\n[... truncated at {limit:,} characters: showing lines {start}-{next_line - 1} of "
                f"{len(lines)}. Use `view_range` [{next_line}, -1] (or a smaller range) to see the rest.]"
            )
        used += (1 if shown else 0) + len(rendered)
        shown.append(rendered)
    return "\n".join(shown)
