"""Bounded capture of a command's output stream, and the text the model sees from it.

A command may print gigabytes. We keep only the first and the last part of the
bytes (memory stays bounded however much arrives), count the rest, and render
valid text with a note saying how much was left out of the middle.
"""

from __future__ import annotations

import re

# ANSI escape sequences (colours, cursor moves, window titles) carry no meaning for the model.
_ANSI_ESCAPE = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
# Control characters other than tab, newline and carriage return are replaced: binary output stays readable.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

TRUNCATION_HINT = "redirect the output to a file and read parts of it with head, tail, grep or sed"


class BoundedCapture:
    """Keeps the first `keep_bytes` and the last `keep_bytes` of a byte stream."""

    def __init__(self, keep_bytes: int) -> None:
        if keep_bytes < 1:
            raise ValueError("keep_bytes must be positive")
        self.keep_bytes = keep_bytes
        self.head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self.total += len(data)
        room = self.keep_bytes - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            # Trim lazily so a stream of small chunks does not copy the tail every time.
            if len(self._tail) > 2 * self.keep_bytes:
                del self._tail[: len(self._tail) - self.keep_bytes]

    @property
    def tail(self) -> bytes:
        return bytes(self._tail[-self.keep_bytes :])

    @property
    def omitted_bytes(self) -> int:
        return self.total - len(self.head) - len(self.tail)

    def render(self, max_chars: int) -> str:
        """The captured text, at most about `max_chars` characters plus a truncation note."""
        if self.omitted_bytes == 0:
            text = clean_text(bytes(self.head) + self.tail)
            if len(text) <= max_chars:
                return text
            head, tail = text[: max_chars // 2], text[len(text) - (max_chars - max_chars // 2) :]
            omitted = len(text) - len(head) - len(tail)
            return join_truncated(head, tail, self.total, omitted, unit="characters")
        head = clean_text(bytes(self.head))[: max_chars // 2]
        tail_text = clean_text(_skip_partial_character(self.tail))
        tail = tail_text[len(tail_text) - (max_chars - max_chars // 2) :] if max_chars > 1 else ""
        omitted = self.total - len(head.encode("utf-8", "replace")) - len(tail.encode("utf-8", "replace"))
        return join_truncated(head, tail, self.total, max(omitted, 0), unit="bytes")


def clean_text(data: bytes) -> str:
    data = _ANSI_ESCAPE.sub(b"", data)
    return _CONTROL.sub("\ufffd", data.decode("utf-8", errors="replace"))


def join_truncated(head: str, tail: str, total_bytes: int, omitted: int, *, unit: str) -> str:
    note = (
        f"\n[... output truncated: {omitted:,} {unit} omitted from the middle; the whole output was "
        f"{total_bytes:,} bytes. To see more, {TRUNCATION_HINT} ...]\n"
    )
    return head + note + tail


def _skip_partial_character(data: bytes) -> bytes:
    """Drop UTF-8 continuation bytes at the start of a tail that was cut mid-character."""
    start = 0
    while start < min(3, len(data)) and 0x80 <= data[start] <= 0xBF:
        start += 1
    return data[start:]
