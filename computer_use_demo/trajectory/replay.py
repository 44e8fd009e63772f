"""Replay: a recorded trajectory stands in for the model and its tool calls run on the live desktop.

`ReplaySession.respond(messages)` is what the model would do: it answers each request with the recorded
response of that turn. Before that, it compares the screenshots the live tools just returned (in the
request's `tool_result` blocks) with the ones recorded for the same tool calls, and keeps a report of every
step: similarity, whether it matched, and where the screen changed. The loop, the tools and the desktop are
all the real ones; only the model is replaced.

A live screen of another size than the recording's is no divergence by itself: the screenshots are
compared part by part at the recording's size (`alignment`), the recorded coordinates follow the parts
they point at, and the report says once that the sizes differ.
"""

from __future__ import annotations

import base64
import copy
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from computer_use_demo.desktop.capture import CaptureError, ScreenCapture
from computer_use_demo.store.messages import to_plain
from computer_use_demo.tools.blocks import first_image_data, texts_of
from computer_use_demo.trajectory.alignment import Alignment, ScreenGeometry, compare_aligned
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
    screen_note: str = ""  # set when the live screen's size is not the recording's

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
        screen = f" Note: {self.screen_note}." if self.screen_note else ""
        if self.ok:
            return f"Replay matched: {len(self.steps)} steps above {self.threshold:.2f}{worst}.{screen}"
        first = self.diverged[0]
        why = first.note or "the screen differs"
        return (
            f"Replay diverged at {len(self.diverged)} of {len(self.steps)} steps "
            f"(threshold {self.threshold:.2f}{worst}); first at turn {first.turn}, {first.action}: {why}."
            + screen
        )


def display_screen_size() -> tuple[int, int] | None:
    """The live X screen's physical size (the screenshots the tools return may be scaled down)."""
    display = os.environ.get("DISPLAY")
    if not display:
        return None
    try:
        return ScreenCapture.for_display(display).size()
    except (CaptureError, OSError):
        return None


class ReplaySession:
    """Serves a trajectory's responses in order and checks the live results against the recording."""

    def __init__(
        self,
        trajectory: Trajectory,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        tolerance: int = DEFAULT_TOLERANCE,
        live_screen_size: Callable[[], tuple[int, int] | None] = display_screen_size,
    ) -> None:
        """`live_screen_size` reads the physical size of the screen the tools act on (None: unknown,
        then taken to be the size of the screenshots)."""
        if not trajectory.responses:
            raise ValueError(f"the trajectory in {trajectory.folder} has no recorded responses to replay")
        self.trajectory = trajectory
        self.tolerance = tolerance
        self.report = ReplayReport(threshold=threshold)
        self.turn = 0
        self._checked: set[str] = set()
        self._live_screen_size = live_screen_size
        self._alignment: Alignment | None = None  # of the last compared step, for coordinates

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
            if block.get("type") == "tool_use" and self._alignment is not None:
                block["input"] = _rescaled(block.get("input") or {}, self._alignment)
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
        image_data = first_image_data(block)
        live_image = base64.b64decode(image_data) if image_data else None
        live_error = bool(block.get("is_error"))
        if live_error and not recorded.error:
            text = next(iter(texts_of(block)), "")
            return StepReport(recorded.turn, tool_use_id, action, None, False, f"failed live: {text[:120]}")
        if recorded.screenshot is None or live_image is None:
            if recorded.screenshot and live_image is None:
                return StepReport(recorded.turn, tool_use_id, action, None, False, "no screenshot came back")
            return StepReport(recorded.turn, tool_use_id, action, None, True, "no screenshot to compare")
        recorded_png = self.trajectory.screenshot_path(recorded.screenshot).read_bytes()
        recorded_image = recorded.screenshot_size or _png_size(recorded_png)
        screen = self.trajectory.header.get("screen") or {}
        then = ScreenGeometry(
            (int(screen.get("width", recorded_image[0])), int(screen.get("height", recorded_image[1]))),
            recorded_image,
        )
        live_size = _png_size(live_image)
        now = ScreenGeometry(self._live_screen_size() or live_size, live_size)
        if now.screen == then.screen:
            comparison = compare_screenshots(recorded_png, live_image, tolerance=self.tolerance)
            self._alignment = Alignment(then, now)
        else:
            comparison, self._alignment = compare_aligned(
                recorded_png, then, live_image, now, tolerance=self.tolerance
            )
            self.report.screen_note = (
                f"the screen is {now.screen[0]}x{now.screen[1]}, the recording's was "
                f"{then.screen[0]}x{then.screen[1]}; screenshots were compared at the recording's size"
            )
        return StepReport(
            recorded.turn,
            tool_use_id,
            action,
            round(comparison.similarity, 4),
            comparison.matches(self.report.threshold),
            "",
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


def _png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def _rescaled(tool_input: dict[str, Any], alignment: Alignment) -> dict[str, Any]:
    """The recorded input with its coordinates moved to where their parts of the screen are now."""
    out = dict(tool_input)
    for name in COORDINATE_FIELDS:
        value = out.get(name)
        if isinstance(value, list) and len(value) == 2:
            out[name] = list(alignment.to_live(*value))
    region = out.get("region")
    if isinstance(region, list) and len(region) == 4:
        out["region"] = [*alignment.to_live(*region[:2]), *alignment.to_live(*region[2:])]
    return out


def _zero_usage() -> dict[str, int]:
    return {
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
