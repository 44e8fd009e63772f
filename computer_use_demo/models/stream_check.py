"""Checking one streamed answer's events, and the tool inputs as they really arrived.

The SDK builds the final message from the stream but is lenient where we must not be: a delta of the
wrong type for its block is silently dropped, a stream that ends before `message_stop` still gives a
"final" message, and a tool input whose JSON was cut off is parsed as far as it goes (so
`{"command":"echo keep","restart": fal` becomes `{"command": "echo keep"}`). `StreamChecker` sees each
event the SDK passes on and raises `ModelStreamError` for what breaks the stream's rules;
`sdk_stream_fault` turns what the SDK itself raises while reading the stream into the same error.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2

from computer_use_demo.models.model_errors import ModelStreamError

# The blocks each delta type may extend. Delta types not listed here (newer than this code) are let through.
DELTA_BLOCK_TYPES: dict[str, frozenset[str]] = {
    "text_delta": frozenset({"text"}),
    "citations_delta": frozenset({"text"}),
    "thinking_delta": frozenset({"thinking"}),
    "signature_delta": frozenset({"thinking"}),
    "input_json_delta": frozenset({"tool_use", "server_tool_use", "mcp_tool_use"}),
    "compaction_delta": frozenset({"compaction"}),
}
OUT_OF_ORDER = "The API's events arrived out of order"


class StreamChecker:
    """Follows one attempt's events: which blocks are open, and each tool input's raw JSON text."""

    def __init__(self) -> None:
        self.started = False
        self.finished = False
        self.block_types: list[str] = []  # by index, as started
        self.stopped: set[int] = set()
        self.input_json: dict[int, str] = {}

    def see(self, event: Any) -> None:
        """Raise `ModelStreamError` if `event` cannot come at this point of a well-formed stream."""
        kind = getattr(event, "type", None)
        if kind == "message_start":
            if self.started:
                raise _out_of_order("a second message_start")
            self.started = True
        elif kind in ("content_block_start", "content_block_delta", "content_block_stop", "message_delta"):
            if not self.started or self.finished:
                raise _out_of_order(
                    f"{kind} {'after message_stop' if self.finished else 'before message_start'}"
                )
            getattr(self, f"_see_{kind}")(event)
        elif kind == "message_stop":
            self.finished = True

    def _see_content_block_start(self, event: Any) -> None:
        if event.index != len(self.block_types):
            raise _out_of_order(
                f"content block {event.index} started where block {len(self.block_types)} was due"
            )
        self.block_types.append(event.content_block.type)

    def _see_content_block_delta(self, event: Any) -> None:
        block_type = self._open_block(event)
        delta_type = event.delta.type
        allowed = DELTA_BLOCK_TYPES.get(delta_type)
        if allowed is not None and block_type not in allowed:
            raise _out_of_order(f"{delta_type} for block {event.index}, which is a {block_type} block")
        if delta_type == "input_json_delta":
            self.input_json[event.index] = self.input_json.get(event.index, "") + event.delta.partial_json

    def _see_content_block_stop(self, event: Any) -> None:
        self._open_block(event)
        self.stopped.add(event.index)

    def _see_message_delta(self, event: Any) -> None:
        del event  # nothing to check but its place in the stream

    def _open_block(self, event: Any) -> str:
        index = event.index
        if not 0 <= index < len(self.block_types):
            raise _out_of_order(f"{event.type} for block {index}, which was never started")
        if index in self.stopped:
            raise _out_of_order(f"{event.type} for block {index}, which had already stopped")
        return self.block_types[index]

    def check_complete(self) -> None:
        """After the last event: a stream without `message_stop` broke off, however cleanly it closed."""
        if not self.finished:
            raise ModelStreamError(
                "dropped",
                "The API's answer stream broke off: it ended before the message was complete",
                detail="it ended before the message was complete",
            )

    def unparsed_tool_inputs(self, content: list[dict[str, Any]]) -> dict[str, str]:
        """The ids of `tool_use` blocks whose streamed input is not a complete JSON value, with that text.
        Their `input` (the SDK's partial parse) is replaced by {} in `content`, so nothing half-read runs."""
        unparsed: dict[str, str] = {}
        for index, raw in self.input_json.items():
            block = content[index] if index < len(content) else {}
            if block.get("type") != "tool_use" or not raw.strip() or _parses(raw):
                continue  # an empty input stays the {} its content_block_start gave
            unparsed[block["id"]] = raw
            block["input"] = {}
        return unparsed


def _parses(raw: str) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


def _out_of_order(what: str) -> ModelStreamError:
    return ModelStreamError("out_of_order", f"{OUT_OF_ORDER}: {what}", detail=what)


def sdk_stream_fault(exc: Exception) -> ModelStreamError | None:
    """What the SDK raised while reading the stream, as a `ModelStreamError`; None for API errors
    (an `error` event is the SDK's `APIStatusError`) and anything else that is not the stream's fault."""
    if isinstance(exc, httpx2.TransportError):
        detail = str(exc) or type(exc).__name__
        return ModelStreamError("dropped", f"The API's answer stream broke off: {detail}", detail=detail)
    if isinstance(exc, json.JSONDecodeError):
        detail = f"{_excerpt(exc.doc)}: {exc.msg} at column {exc.colno}"
        return ModelStreamError("invalid_json", f"The API sent an event that is not valid JSON ({detail})")
    if isinstance(exc, ValueError) and "tool parameter JSON" in str(exc):
        return ModelStreamError(
            "invalid_json", "The API sent a tool input that is not valid JSON, even in part"
        )
    if isinstance(exc, IndexError):
        return _out_of_order("an event named a content block that was never started")
    if isinstance(exc, (KeyError, AttributeError, TypeError, AssertionError)):
        return ModelStreamError(
            "malformed",
            f"The API sent an event the SDK could not read ({type(exc).__name__}: {_excerpt(exc)})",
        )
    return None


def _excerpt(value: object, limit: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
