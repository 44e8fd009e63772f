"""Pure text operations behind the editor: line numbering, replacing, inserting.

Lines are split on "\\n" only; a "\\r" before it stays part of the line, so a
CRLF file keeps its line endings through every edit. Tabs are never expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from computer_use_demo.tools.base import ToolError

SNIPPET_CONTEXT_LINES = 4


def split_lines(text: str) -> list[str]:
    """The file's lines without their "\\n"; an empty text has none, a final newline adds no empty line."""
    if not text:
        return []
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return lines


def uses_crlf(lines: list[str]) -> bool:
    return bool(lines) and sum(line.endswith("\r") for line in lines) * 2 > len(lines)


def numbered(lines: list[str], first_number: int) -> str:
    """Lines prefixed with their 1-based number and a tab, as the model expects from a view."""
    width = max(6, len(str(first_number + len(lines))))
    return "\n".join(
        f"{n:>{width}}\t{line.removesuffix(chr(13))}" for n, line in enumerate(lines, first_number)
    )


def snippet(text: str, first_line: int, last_line: int) -> str:
    """Numbered lines first_line..last_line of text (1-based, inclusive) with a little context around."""
    lines = split_lines(text)
    start = max(1, first_line - SNIPPET_CONTEXT_LINES)
    end = min(len(lines), last_line + SNIPPET_CONTEXT_LINES)
    if not lines or start > end:
        return "(the file is now empty)"
    return numbered(lines[start - 1 : end], start)


@dataclass(frozen=True)
class Replacement:
    text: str
    first_line: int  # 1-based line where the new text starts
    last_line: int


def replace_once(text: str, old: str, new: str, *, path: str) -> Replacement:
    """Replace the single occurrence of `old`; zero or several occurrences are errors saying where to look."""
    if not old:
        raise ToolError("`old_str` is empty. Give the exact text to replace; it must occur once in the file.")
    if old == new:
        raise ToolError("`old_str` and `new_str` are identical, so there is nothing to change.")
    count = text.count(old)
    if count == 0 and "\r\n" in text and "\r" not in old:
        # The model writes "\n"; a CRLF file needs its own line endings on both sides.
        crlf_old, crlf_new = old.replace("\n", "\r\n"), new.replace("\r\n", "\n").replace("\n", "\r\n")
        crlf_count = text.count(crlf_old)
        if crlf_count:
            old, new, count = crlf_old, crlf_new, crlf_count
    if count == 0:
        raise ToolError(_not_found_message(text, old, path))
    if count > 1:
        lines = occurrence_lines(text, old)
        shown = ", ".join(map(str, lines[:20])) + (", ..." if len(lines) > 20 else "")
        raise ToolError(
            f"`old_str` occurs {count} times in {path} (starting on lines {shown}). It must occur exactly "
            "once: include more surrounding lines to make it unique."
        )
    index = text.index(old)
    first = text.count("\n", 0, index) + 1
    return Replacement(
        text=text[:index] + new + text[index + len(old) :],
        first_line=first,
        last_line=first + new.count("\n"),
    )


def occurrence_lines(text: str, needle: str) -> list[int]:
    lines, start = [], text.find(needle)
    while start >= 0:
        lines.append(text.count("\n", 0, start) + 1)
        start = text.find(needle, start + 1)
    return lines


def _not_found_message(text: str, old: str, path: str) -> str:
    message = (
        f"`old_str` was not found in {path}. It must match the file exactly, including whitespace, "
        "indentation (tabs or spaces) and line breaks."
    )
    line = _whitespace_insensitive_match(text, old)
    if line is not None:
        message += (
            f" Text matching it except for whitespace starts on line {line}: view those lines and copy "
            "their exact whitespace."
        )
    else:
        message += " View the file to copy the exact text."
    return message


def _whitespace_insensitive_match(text: str, old: str) -> int | None:
    words = old.split()
    if not words or len(old) > 10_000:
        return None
    pattern = re.compile(r"\s+".join(map(re.escape, words)))
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def insert_after_line(text: str, line_number: int, insertion: str) -> Replacement:
    """Insert `insertion` as whole lines after line `line_number` (0 = at the top)."""
    lines = split_lines(text)
    if not 0 <= line_number <= len(lines):
        raise ToolError(
            f"`insert_line` is {line_number}, but the file has {len(lines)} lines: it must be between 0 "
            f"(insert at the top) and {len(lines)} (insert after the last line)."
        )
    new_lines = split_lines(insertion) or [""]
    at_end = line_number == len(lines)
    # A final newline stays; one is added when inserting newline-terminated text (or into an empty
    # file) at the end, and when the last line would be empty, which only a final newline can express.
    final_newline = text.endswith("\n") or (at_end and (insertion.endswith("\n") or not text))
    final_newline = final_newline or (new_lines[-1] == "" if at_end else lines[-1] == "")
    if uses_crlf(lines):
        lines, new_lines = _crlf_lines(lines, new_lines, at_end=at_end, final_newline=final_newline)
    result_lines = lines[:line_number] + new_lines + lines[line_number:]
    result = "\n".join(result_lines) + ("\n" if final_newline else "")
    return Replacement(text=result, first_line=line_number + 1, last_line=line_number + len(new_lines))


def _crlf_lines(
    lines: list[str], new_lines: list[str], *, at_end: bool, final_newline: bool
) -> tuple[list[str], list[str]]:
    """Inserted lines end in "\r" like the file's; untouched lines stay exactly as they are, except
    an unterminated last line that now has a line after it, and no line is left ending in a bare "\r"."""
    new_lines = [line if line.endswith("\r") else line + "\r" for line in new_lines]
    if at_end:
        if lines and not lines[-1].endswith("\r"):
            lines = [*lines[:-1], lines[-1] + "\r"]
        if not final_newline:
            new_lines[-1] = new_lines[-1].removesuffix("\r")
    return lines, new_lines


def view_window(lines: list[str], view_range: list[int] | None) -> tuple[int, int]:
    """The 1-based inclusive line range to show; `view_range` end -1 means to the last line."""
    total = len(lines)
    if view_range is None:
        return 1, total
    start, end = view_range
    if total == 0:
        raise ToolError("The file is empty, so there are no lines to show: view it without `view_range`.")
    if not 1 <= start <= total:
        raise ToolError(f"`view_range` starts at {start}, but lines are numbered 1 to {total} in this file.")
    if end == -1:
        return start, total
    if end < start:
        raise ToolError(
            f"`view_range` [{start}, {end}] ends before it starts. Use -1 as the end to read to the end."
        )
    if end > total:
        raise ToolError(
            f"`view_range` ends at {end}, but the file has only {total} lines. "
            f"Use [{start}, -1] to read to the end."
        )
    return start, end
