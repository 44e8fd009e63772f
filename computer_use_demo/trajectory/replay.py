"""Replay: a recorded trajectory stands in for the model and its tool calls run on the live desktop.

`ReplaySession.respond(messages)` is what the model would do: it answers each request with the recorded
response of that turn. Before that, it compares the screenshots the live tools just returned (in the
request's `tool_result` blocks) with the ones recorded for the same tool calls, and keeps a report of every
step: similarity, whether it matched, and where the screen changed. The loop, the tools and the desktop are
all the real ones; only the model is replaced.
"""

from __future__ import annotations

import base64
import copy
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from computer_use_demo.store.messages import to_plain
from computer_use_demo.trajectory.compare import DEFAULT_THRESHOLD, DEFAULT_TOLERANCE, compare_screenshots
from computer_use_demo.trajectory.format import Trajectory, blocks_with_inline_images

COORDINATE_FIELDS = ("coordinate", "start_coordinate")


@dataclass
class StepReport:
    turn: int
    tool_use_id: str
    action: str
    similarity: float | None  # None: nothing to compare (no screenshot either side)
    matched: bool
    note: str = ""
    changed_box: tuple[int, int, int, int] | None = None

    def describe(self) -> str:
        score = "   -  " if self.similarity is None else f"{self.similarity:6.3f}"
        status = "ok" if self.matched else "DIVERGED"
        where = f" changed in {self.changed_box}" if self.changed_box and not self.matched else ""
        note = f" ({self.note})" if self.note else ""
        return f"turn {self.turn:>3} {self.action:<28} similarity {score}  {status}{where}{note}"


@dataclass
class ReplayReport:
    steps: list[StepReport] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD

    @property
    def diverged(self) -> list[StepReport]:
        return [s for s in self.steps if not s.matched]

    @property
    def compared(self) -> list[StepReport]:
        return [s for s in self.steps if s.similarity is not None]

    @property
    def ok(self) -> bool:
        return bool(self.steps) and not self.diverged

    def summary(self) -> str:
        if not self.steps:
            return "Replay: no steps were compared."
        lowest = min((s.similarity for s in self.compared), default=None)
        worst = f", lowest similarity {lowest:.3f}" if lowest is not None else ""
        if self.ok:
            return f"Replay matched: {len(self.steps)} steps above {self.threshold:.2f}{worst}."
        first = self.diverged[0]
        why = first.note or "the screen differs"
        return (
            f"Replay diverged at {len(self.diverged)} of {len(self.steps)} steps "
            f"(threshold {self.threshold:.2f}{worst}); first at turn {first.turn}, {first.action}: {why}."
        )


class ReplaySession:
    """Serves a trajectory's responses in order and checks the live results against the recording."""

    def __init__(
        self,
        trajectory: Trajectory,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        tolerance: int = DEFAULT_TOLERANCE,
    ) -> None:
        if not trajectory.responses:
            raise ValueError(f"the trajectory in {trajectory.folder} has no recorded responses to replay")
        self.trajectory = trajectory
        self.tolerance = tolerance
        self.report = ReplayReport(threshold=threshold)
        self.turn = 0
        self._checked: set[str] = set()
        self._scale = (1.0, 1.0)  # live screenshot size / recorded size, for coordinates

    @property
    def finished(self) -> bool:
        return self.turn >= len(self.trajectory.responses)

    def respond(self, messages: Sequence[Any]) -> dict[str, Any]:
        """The next recorded response: `{"content": [...], "stop_reason": ..., "usage": {...}}`."""
        self.check_results(messages)
        if self.finished:
            return {
                "content": [{"type": "text", "text": self.report.summary()}],
                "stop_reason": "end_turn",
                "usage": _zero_usage(),
            }
        recorded = self.trajectory.responses[self.turn]
        self.turn += 1
        content = blocks_with_inline_images(copy.deepcopy(recorded["content"]), self.trajectory.folder)
        for block in content:
            if block.get("type") == "tool_use" and self._scale != (1.0, 1.0):
                block["input"] = _rescaled(block.get("input") or {}, self._scale)
        stop_reason = recorded.get("stop_reason") or (
            "tool_use" if any(b.get("type") == "tool_use" for b in content) else "end_turn"
        )
        if self.finished:
            self._report_missing()
        return {"content": content, "stop_reason": stop_reason, "usage": _zero_usage()}

    def _report_missing(self) -> None:
        """Recorded tool calls whose results never came back (the live run went another way)."""
        for call in self.trajectory.tool_calls:
            if call.tool_use_id not in self._checked:
                self._checked.add(call.tool_use_id)
                self.report.steps.append(
                    StepReport(call.turn, call.tool_use_id, call.action, None, False, "did not run live")
                )
        self.report.steps.sort(key=lambda step: step.turn)

    def check_results(self, messages: Sequence[Any]) -> list[StepReport]:
        """Compare every not yet checked `tool_result` in the newest user message with the recording."""
        if not messages:
            return []
        last = to_plain(messages[-1])
        if last.get("role") != "user" or not isinstance(last.get("content"), list):
            return []
        new: list[StepReport] = []
        for block in last["content"]:
            if not isinstance(block, dict) or block.get("type") != "tool_result":
                continue
            tool_use_id = block.get("tool_use_id", "")
            if tool_use_id in self._checked:
                continue
            self._checked.add(tool_use_id)
            step = self._check_one(tool_use_id, block)
            if step is not None:
                self.report.steps.append(step)
                new.append(step)
        return new

    def _check_one(self, tool_use_id: str, block: dict[str, Any]) -> StepReport | None:
        recorded = self.trajectory.tool_call(tool_use_id)
        if recorded is None:
            return None
        action = recorded.action
        live_image = _first_image(block.get("content"))
        live_error = bool(block.get("is_error"))
        if live_error and not recorded.error:
            text = _first_text(block.get("content"))
            return StepReport(recorded.turn, tool_use_id, action, None, False, f"failed live: {text[:120]}")
        if recorded.screenshot is None or live_image is None:
            if recorded.screenshot and live_image is None:
                return StepReport(recorded.turn, tool_use_id, action, None, False, "no screenshot came back")
            return StepReport(recorded.turn, tool_use_id, action, None, True, "no screenshot to compare")
        recorded_png = self.trajectory.screenshot_path(recorded.screenshot).read_bytes()
        comparison = compare_screenshots(recorded_png, live_image, tolerance=self.tolerance)
        self._update_scale(recorded.screenshot_size or _png_size(recorded_png), _png_size(live_image))
        note = "the screen size differs from the recording" if comparison.size_mismatch else ""
        return StepReport(
            recorded.turn,
            tool_use_id,
            action,
            round(comparison.similarity, 4),
            comparison.matches(self.report.threshold),
            note,
            comparison.changed_box,
        )

    def recorded_human(self, place: dict[str, Any]) -> dict[str, Any] | None:
        """The recorded takeover at this safe point (`SafePoint.to_dict()`), if there was one."""
        return next((h for h in self.trajectory.humans if h.get("place") == place), None)

    def check_human(self, place: dict[str, Any], live_steps: list[str]) -> StepReport:
        """Compare the steps recorded live during a replayed takeover with the recorded ones."""
        recorded = self.recorded_human(place) or {}
        wanted = [str(step.get("description")) for step in recorded.get("steps") or []]
        matched = wanted == live_steps
        note = "" if matched else f"the human's steps differ: recorded {wanted}, replayed {live_steps}"
        where = (
            place.get("before_tool_use_id") or place.get("after_tool_use_id") or f"turn {place.get('turn')}"
        )
        step = StepReport(
            int(place.get("turn") or 0), f"human@{where}", "human takeover", None, matched, note
        )
        self.report.steps.append(step)
        return step

    def _update_scale(self, recorded: tuple[int, int], live: tuple[int, int]) -> None:
        self._scale = (live[0] / recorded[0], live[1] / recorded[1])


def _png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def _first_image(content: Any) -> bytes | None:
    for item in content if isinstance(content, list) else []:
        source = item.get("source") if isinstance(item, dict) else None
        if item.get("type") == "image" and isinstance(source, dict) and source.get("type") == "base64":
            return base64.b64decode(source["data"])
    return None


def _first_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    for item in content if isinstance(content, list) else []:
        if isinstance(item, dict) and item.get("type") == "text":
            return str(item.get("text", ""))
    return ""


def _rescaled(tool_input: dict[str, Any], scale: tuple[float, float]) -> dict[str, Any]:
    out = dict(tool_input)
    for name in COORDINATE_FIELDS:
        value = out.get(name)
        if isinstance(value, list) and len(value) == 2:
            out[name] = [round(value[0] * scale[0]), round(value[1] * scale[1])]
    region = out.get("region")
    if isinstance(region, list) and len(region) == 4:
        out["region"] = [round(v * scale[i % 2]) for i, v in enumerate(region)]
    return out


def _zero_usage() -> dict[str, int]:
    return {
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
