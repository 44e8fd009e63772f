"""A run's steps as events (run hooks): stored in the conversation's event log, then published live.

What a client sees: `turn` (a model call begins), `text_delta` / `thinking_delta` (the answer as it
streams), `stream_restart` and `retry` (the answer broke off or waits for a retry), `text` / `thinking`
(a finished block), `tool_call` (name and input), `tool_finished` (duration, error or not), `tool_result`
(its text and the address of its screenshot, never the image itself), `usage` (per model call and for the
run so far), `approval_requested` / `approval_decided` (a call that waits for a person's OK, and the
answer), `takeover_started` / `takeover_ended` (a person holds the desktop; what they did), `error` and
`stop` (why the run ended). The run manager adds `status` changes. Model text is
carried as JSON data only. Writing an event never fails the run: the run matters more than its log.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from computer_use_demo.agent.stops import LoopStop
from computer_use_demo.models.providers import StreamDelta, TurnRequest, TurnResponse
from computer_use_demo.models.usage import RunUsage, TurnUsage
from computer_use_demo.runs.hooks import RunHooks, ToolCall, ToolTiming
from computer_use_demo.runs.human_records import (
    ApprovalDecision,
    ApprovalRequest,
    ControlState,
    HumanSegment,
)
from computer_use_demo.service.broadcaster import Broadcaster
from computer_use_demo.store.events import Event, EventLog
from computer_use_demo.store.messages import usage_values
from computer_use_demo.tools.base import ToolResult
from computer_use_demo.tools.blocks import blocks_of, decode_base64_image, texts_of

log = logging.getLogger(__name__)

SCREENSHOT_PATH = "/conversations/{conversation_id}/screenshots/{sha256}"


def screenshot_path(conversation_id: str, sha256: str) -> str:
    return SCREENSHOT_PATH.format(conversation_id=conversation_id, sha256=sha256)


class EventSink:
    """One conversation's events: each is stored, then published to the live streams."""

    def __init__(self, events: EventLog, broadcaster: Broadcaster, conversation_id: str) -> None:
        self.events = events
        self.broadcaster = broadcaster
        self.conversation_id = conversation_id

    def emit(self, type_: str, data: Mapping[str, Any]) -> Event | None:
        try:
            event = self.events.append(self.conversation_id, type_, data)
        except Exception:
            log.exception("could not store a %s event of conversation %s", type_, self.conversation_id)
            return None
        self.broadcaster.publish(self.conversation_id, event)
        return event


class EventHooks(RunHooks):
    def __init__(self, sink: EventSink, *, model: str) -> None:
        self.sink = sink
        self.model = model
        self.turn = 0
        self.timings: dict[str, ToolTiming] = {}

    def on_request(self, request: TurnRequest) -> None:
        self.turn += 1
        self.sink.emit("turn", {"turn": self.turn})

    def on_delta(self, delta: StreamDelta) -> None:
        if delta.kind == "text":
            self.sink.emit("text_delta", {"index": delta.index, "text": delta.text})
        elif delta.kind == "thinking":
            self.sink.emit("thinking_delta", {"index": delta.index, "thinking": delta.text})
        elif delta.kind == "restart":
            self.sink.emit("stream_restart", {"turn": self.turn})
        elif delta.kind == "retry":
            self.sink.emit("retry", {"message": delta.text, "wait_s": delta.wait_s, "attempt": delta.attempt})

    def on_response(self, request: TurnRequest, response: TurnResponse, seconds: float) -> None:
        self.sink.emit(
            "turn_finished",
            {"turn": self.turn, "stop_reason": response.stop_reason, "seconds": round(seconds, 3)},
        )

    def on_block(self, block: dict[str, Any]) -> None:
        kind = block.get("type")
        if kind == "text":
            self.sink.emit("text", {"text": block.get("text", "")})
        elif kind == "thinking":
            self.sink.emit("thinking", {"thinking": block.get("thinking", "")})
        elif kind == "tool_use":
            call = ToolCall.from_block(block)
            self.sink.emit(
                "tool_call",
                {
                    "tool_use_id": call.tool_use_id,
                    "name": call.name,
                    "toolset_name": call.toolset_name,
                    "input": call.input,
                },
            )

    def on_tool_finished(self, call: ToolCall, result: ToolResult, timing: ToolTiming) -> None:
        self.timings[call.tool_use_id] = timing
        self.sink.emit(
            "tool_finished",
            {
                "tool_use_id": call.tool_use_id,
                "name": call.name,
                "is_error": result.is_error,
                "duration_s": round(timing.duration_s, 3),
            },
        )

    def on_tool_result(self, block: dict[str, Any], result: ToolResult) -> None:
        """After the results are in the history (and the store): the screenshot's address works now."""
        tool_use_id = str(block.get("tool_use_id"))
        screenshot = _screenshot_sha256(block)
        timing = self.timings.get(tool_use_id)
        self.sink.emit(
            "tool_result",
            {
                "tool_use_id": tool_use_id,
                "is_error": bool(block.get("is_error")),
                "text": "\n".join(texts_of(block)),
                "screenshot_url": (
                    screenshot_path(self.sink.conversation_id, screenshot) if screenshot else None
                ),
                "duration_s": round(timing.duration_s, 3) if timing else None,
            },
        )

    def on_usage(self, turn_usage: TurnUsage, run_usage: RunUsage, turn_number: int) -> None:
        self.sink.emit(
            "usage",
            {
                "turn": turn_number,
                "usage": usage_values(turn_usage),
                "run_total": usage_values(run_usage.total),
                "run_cost_usd": run_usage.cost,
            },
        )

    def on_approval_requested(self, request: ApprovalRequest) -> None:
        self.sink.emit("approval_requested", approval_data(self.sink.conversation_id, request))

    def on_approval_decided(self, decision: ApprovalDecision) -> None:
        self.sink.emit("approval_decided", decision.to_dict())

    def on_takeover_started(self, state: ControlState) -> None:
        self.sink.emit("takeover_started", state.to_dict())

    def on_takeover_ended(self, segment: HumanSegment) -> None:
        shot = _sha256_of(segment.screenshot)
        self.sink.emit(
            "takeover_ended",
            {
                "holder": segment.holder,
                "place": segment.place.to_dict(),
                "started_at": segment.started_at,
                "ended_at": segment.ended_at,
                "steps": [step.to_record() for step in segment.steps],
                "note": segment.note,
                # Stored with the message that tells Claude, which the loop appends next.
                "screenshot_url": screenshot_path(self.sink.conversation_id, shot) if shot else None,
            },
        )

    def on_stop(self, stop: LoopStop) -> None:
        if stop.error is not None:
            self.sink.emit(
                "error",
                {"kind": stop.error.kind, "message": stop.error.message, **stop.error.details()},
            )
        self.sink.emit("stop", {"kind": stop.kind, "message": stop.message, "stop_reason": stop.stop_reason})


def approval_data(conversation_id: str, request: ApprovalRequest) -> dict[str, Any]:
    """A pending approval as the API shows it: the screenshot as the address the store keeps it under."""
    shot = _sha256_of(request.screenshot)
    url = screenshot_path(conversation_id, shot) if shot else None
    return {**request.to_dict(), "screenshot_url": url}


def _sha256_of(data: str | None) -> str | None:
    if not data:
        return None
    raw = decode_base64_image({"type": "image", "source": {"type": "base64", "data": data}})
    return hashlib.sha256(raw).hexdigest() if raw is not None else None


def _screenshot_sha256(block: Mapping[str, Any]) -> str | None:
    """The SHA-256 of a tool_result block's first image: the name the store files it under."""
    image = next((b for b in blocks_of(block) if b.get("type") == "image"), None)
    data = decode_base64_image(image) if image is not None else None
    return hashlib.sha256(data).hexdigest() if data is not None else None
