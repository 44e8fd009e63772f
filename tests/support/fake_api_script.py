"""Building scripted turns for the fake Messages API: content blocks, replies and faults."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.fake_api_wire import delta, pieces

Block = dict[str, Any]
# The events of a streamed turn, as a rewrite sees and returns them: dicts are sent as events of their own
# type, bytes go on the wire verbatim (SSE text; on the Bedrock path they are no valid frame either).
Events = list[Block | bytes]
_ids = itertools.count(1)


def next_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):06d}"


def text(value: str) -> Block:
    return {"type": "text", "text": value}


def tool_use(
    name: str,
    tool_input: dict[str, Any] | None = None,
    *,
    id: str | None = None,
    toolset_name: str | None = None,
) -> Block:
    block: Block = {"type": "tool_use", "id": id or next_id("toolu"), "name": name, "input": tool_input or {}}
    if toolset_name:
        block["toolset_name"] = toolset_name
    return block


def member(name: str, tool_input: dict[str, Any] | None = None, *, id: str | None = None) -> Block:
    """A `computer_toolset_20260801` member call (e.g. `left_click`)."""
    return tool_use(name, tool_input, id=id, toolset_name="computer")


def thinking(value: str, signature: str | None = None) -> Block:
    return {"type": "thinking", "thinking": value, "signature": signature or next_id("sig")}


def redacted_thinking(data: str = "ENCRYPTED") -> Block:
    return {"type": "redacted_thinking", "data": data}


@dataclass
class Turn:
    """One scripted answer: a message (streamed or JSON) or an error."""

    blocks: list[Block] = field(default_factory=list)
    stop_reason: str | None = None  # None: tool_use if any tool_use block, else end_turn
    usage: dict[str, int] | None = None  # None: estimated (with simulated prompt caching)
    model: str | None = None  # None: echo the request's model
    status: int = 200
    error: Block | None = None  # error body for status != 200, or the mid-stream error event
    error_after_events: int | None = None  # with status 200: send `error` after this many events
    headers: dict[str, str] = field(default_factory=dict)
    event_delay: float = 0.0  # seconds between SSE events (slow streams, cancellation tests)
    drop_after_events: int | None = None  # with status 200: close the connection after this many events
    rewrite_events: Callable[[Events], Events] | None = None  # with status 200: change the streamed events

    @property
    def resolved_stop_reason(self) -> str:
        if self.stop_reason:
            return self.stop_reason
        return "tool_use" if any(b["type"] == "tool_use" for b in self.blocks) else "end_turn"


def reply(
    *blocks: Block,
    stop_reason: str | None = None,
    usage: dict[str, int] | None = None,
    event_delay: float = 0.0,
) -> Turn:
    return Turn(blocks=list(blocks), stop_reason=stop_reason, usage=usage, event_delay=event_delay)


def error_reply(
    status: int,
    error_type: str | None = None,
    message: str | None = None,
    *,
    retry_after: float | None = 0.001,
    headers: dict[str, str] | None = None,
) -> Turn:
    """An HTTP error. `retry_after` (seconds) is sent as `retry-after-ms` so SDK retries stay fast."""
    error_type = error_type or _ERROR_TYPES.get(status, "api_error")
    hdrs = dict(headers or {})
    if retry_after is not None:
        hdrs.setdefault("retry-after-ms", str(int(retry_after * 1000)))
        hdrs.setdefault("retry-after", str(max(0, round(retry_after))))
    return Turn(
        status=status, headers=hdrs, error={"type": error_type, "message": message or f"fake {error_type}"}
    )


def stream_error(
    after_events: int = 3, error_type: str = "overloaded_error", message: str = "Overloaded", *blocks: Block
) -> Turn:
    """HTTP 200, a few events of a message, then an SSE `error` event (the API does this when overloaded)."""
    return Turn(
        blocks=list(blocks) or [text("partial answer that will be cut off")],
        error_after_events=after_events,
        error={"type": error_type, "message": message},
    )


def dropped_stream(after_events: int = 3) -> Turn:
    """HTTP 200, a few events, then the connection closes without finishing the response."""
    return Turn(blocks=[text("partial answer that will be cut off")], drop_after_events=after_events)


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


# ---------------------------------------------------------------- broken streams (HTTP 200, bad events)


def garbled_stream(after_events: int = 3, line: bytes = b"data: {not json") -> Turn:
    """HTTP 200, a few events, then an SSE event whose data is not JSON."""

    def rewrite(events: Events) -> Events:
        return [
            *events[:after_events],
            b"event: content_block_delta\n" + line + b"\n\n",
            *events[after_events:],
        ]

    return Turn(blocks=[text("an answer with a garbled event")], rewrite_events=rewrite)


def misordered_stream(fault: str) -> Turn:
    """HTTP 200 and events that break the stream's rules. `fault`:
    - "unstarted_index": a content_block_delta for an index no content_block_start opened;
    - "wrong_delta": an input_json_delta for a text block;
    - "delta_before_start": a block's first delta arrives before its content_block_start."""

    def rewrite(events: Events) -> Events:
        first_delta = next(i for i, e in enumerate(events) if _type(e) == "content_block_delta")
        if fault == "unstarted_index":
            return [
                *events[:first_delta],
                delta(7, {"type": "text_delta", "text": "x"}),
                *events[first_delta:],
            ]
        if fault == "wrong_delta":
            wrong = delta(0, {"type": "input_json_delta", "partial_json": '{"a": 1}'})
            return [*events[:first_delta], wrong, *events[first_delta + 1 :]]
        if fault == "delta_before_start":
            start = first_delta - 1
            return [*events[:start], events[first_delta], events[start], *events[first_delta + 1 :]]
        raise ValueError(f"unknown stream fault {fault!r}")

    return Turn(blocks=[text("an answer whose events are out of order")], rewrite_events=rewrite)


def cut_off_tool_input(
    name: str, partial_json: str, *, id: str | None = None, stop_reason: str = "max_tokens", chunk: int = 7
) -> Turn:
    """A tool_use whose streamed input JSON is `partial_json` (cut off mid-value, as at max_tokens)."""
    block = tool_use(name, {}, id=id)

    def rewrite(events: Events) -> Events:
        start = next(i for i, e in enumerate(events) if _type(e) == "content_block_start")
        index = events[start]["index"]  # type: ignore[index]
        kept = [e for e in events if not (_type(e) == "content_block_delta" and e["index"] == index)]  # type: ignore[index]
        inputs = [
            delta(index, {"type": "input_json_delta", "partial_json": p}) for p in pieces(partial_json, chunk)
        ]
        return [*kept[: start + 1], *inputs, *kept[start + 1 :]]

    return Turn(blocks=[block], stop_reason=stop_reason, rewrite_events=rewrite)


def _type(event: Block | bytes) -> str | None:
    return event.get("type") if isinstance(event, dict) else None
