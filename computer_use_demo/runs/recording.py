"""Writing a run as a trajectory while it happens (hooks): every request's new content, every response
with its usage and duration, every tool call with its result and timing, every approval and takeover, and
how the run ended."""

from __future__ import annotations

import base64
import dataclasses
import os
from pathlib import Path
from typing import Any

from computer_use_demo.agent.stops import LoopStop
from computer_use_demo.desktop.capture import CaptureError, ScrotBackend
from computer_use_demo.models.providers import TurnRequest, TurnResponse
from computer_use_demo.models.usage import TurnUsage
from computer_use_demo.runs.approvals import ApprovalDecision
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.runs.hooks import RunHooks, ToolCall, ToolTiming
from computer_use_demo.runs.takeover import HumanSegment
from computer_use_demo.tools.base import ToolResult
from computer_use_demo.tools.blocks import blocks_of
from computer_use_demo.trajectory import TrajectoryRecorder


class RecorderHooks(RunHooks):
    def __init__(
        self,
        folder: Path,
        messages: list[dict[str, Any]],
        *,
        config: RunConfig,
        task: str,
        conversation_id: str | None,
    ) -> None:
        self.folder = folder
        self.messages = messages
        self.recorder = TrajectoryRecorder(
            folder,
            provider=config.provider,
            model=config.model,
            tool_version=config.tool_version,
            task=task,
            screen_size=_screen_size(),
            extra={"conversation_id": conversation_id} if conversation_id else None,
        )
        self.turn = 0
        self.recorded_upto = 0  # messages already written as part of a request or a response
        self.timings: dict[str, ToolTiming] = {}

    def on_request(self, request: TurnRequest) -> None:
        self.turn += 1
        new = self.messages[self.recorded_upto :]
        self.recorder.request(self.turn, [block for message in new for block in blocks_of(message)])
        self.recorded_upto = len(self.messages)

    def on_response(self, request: TurnRequest, response: TurnResponse, seconds: float) -> None:
        self.recorder.response(
            self.turn,
            response.content,
            stop_reason=response.stop_reason,
            usage=dataclasses.asdict(response.usage),
            duration_s=round(seconds, 3),
        )
        # The assistant message the loop appends next is recorded here, not as the next request's content.
        self.recorded_upto = len(self.messages) + (1 if response.content else 0)

    def on_tool_finished(self, call: ToolCall, result: ToolResult, timing: ToolTiming) -> None:
        self.timings[call.tool_use_id] = timing

    def on_tool_result(self, block: dict[str, Any], result: ToolResult) -> None:
        tool_use_id = block["tool_use_id"]
        timing = self.timings.get(tool_use_id)
        self.recorder.tool_call(
            self.turn,
            self._tool_use(tool_use_id),
            result,
            started_at=timing.started_at if timing else None,
            duration_s=round(timing.duration_s, 3) if timing else None,
        )

    def on_approval_decided(self, decision: ApprovalDecision) -> None:
        self.recorder.approval(self.turn, decision.to_dict())

    def on_takeover_ended(self, segment: HumanSegment) -> None:
        png = base64.b64decode(segment.screenshot) if segment.screenshot else None
        self.recorder.human(self.turn, segment.to_record(), png)

    def end(self, stop: LoopStop, usage: TurnUsage, failure: str | None) -> None:
        """Write how the run ended (`failure`: why a run that ended normally still failed) and close."""
        ok = stop.kind == "end_turn" and failure is None
        status = "completed" if ok else ("cancelled" if stop.kind == "cancelled" else "failed")
        try:
            self.recorder.end(
                status, error=None if ok else (failure or stop.message), usage=dataclasses.asdict(usage)
            )
        finally:
            self.recorder.close()

    def _tool_use(self, tool_use_id: str) -> dict[str, Any]:
        for message in reversed(self.messages):
            for block in blocks_of(message):
                if block.get("type") == "tool_use" and block.get("id") == tool_use_id:
                    return block
        return {"id": tool_use_id, "name": "?", "input": {}}


def _screen_size() -> tuple[int, int] | None:
    try:
        return ScrotBackend(os.environ.get("DISPLAY", ":0"), timeout=5).size()
    except (CaptureError, ValueError):
        return None
