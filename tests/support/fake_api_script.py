"""Building scripted turns for the fake Messages API: content blocks, replies and faults."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

Block = dict[str, Any]
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
