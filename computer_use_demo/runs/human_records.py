"""What a person did to a run, as values: approval requests and decisions, who controls the desktop,
where a run paused, and a takeover's segment (its steps, events and the screenshot handed back).

The hooks, the store, the trajectory and the front ends all read these; `approvals.py` and `takeover.py`
make them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from computer_use_demo.desktop.human_input import InputEvent
from computer_use_demo.desktop.human_steps import HumanStep
from computer_use_demo.runs.tool_call import ToolCall

Phase = Literal["agent", "requested", "human"]


@dataclass(frozen=True)
class ApprovalRequest:
    call_id: str  # the tool_use id
    call: ToolCall
    reason: str  # why it needs approval, in words
    requested_at: float
    timeout_s: float
    screenshot: str | None = field(default=None, repr=False)  # base64 PNG the model acted on
    point: tuple[int, int] | None = None  # where a click would land, in that screenshot's pixels

    def to_dict(self, *, with_screenshot: bool = False) -> dict[str, Any]:
        """JSON-ready, for an API event (the screenshot only when asked for: it is large)."""
        data = {
            "call_id": self.call_id,
            "tool": self.call.toolset_name or self.call.name,
            "name": self.call.name,
            "input": self.call.input,
            "reason": self.reason,
            "requested_at": self.requested_at,
            "expires_at": self.requested_at + self.timeout_s,
            "point": list(self.point) if self.point else None,
        }
        if with_screenshot:
            data["screenshot"] = self.screenshot
        return data


@dataclass(frozen=True)
class ApprovalDecision:
    call_id: str
    approved: bool
    reason: str = ""  # the person's words (optional)
    by: str = "user"  # user, timeout, takeover, unattended, replay, cancelled
    decided_at: float = field(default_factory=time.time)
    asked_because: str = ""  # the policy's reason

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApprovalDecision:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})

    def denial_text(self, timeout_s: float | None = None) -> str:
        """What the model is told when the call was not run."""
        because = f" (it needed approval: {self.asked_because})" if self.asked_because else ""
        if self.by == "timeout":
            limit = f" within {timeout_s:g} s" if timeout_s else " in time"
            return f"Not executed: no one approved this action{limit}{because}, so it was denied."
        if self.by == "takeover":
            return f"Not executed: the user took over the desktop instead of approving this action{because}."
        said = f" Their reason: {self.reason}" if self.reason else " They gave no reason."
        who = "the user" if self.by in ("user", "replay") else f"the run ({self.by})"
        return f"Not executed: {who} denied this action{because}.{said}"


@dataclass(frozen=True)
class ControlState:
    phase: Phase  # agent: the agent acts; requested: it pauses at its next safe point; human: paused
    holder: str  # who controls (or asked for) the desktop
    since: float | None = None

    def describe(self) -> str:
        when = time.strftime("%H:%M:%S", time.localtime(self.since)) if self.since else "now"
        if self.phase == "human":
            return f"The desktop is held by {self.holder} since {when}."
        if self.phase == "requested":
            return f"{self.holder} asked for the desktop at {when}; the agent pauses at its next safe point."
        return "The agent controls the desktop."

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for an API event."""
        return {**asdict(self), "description": self.describe()}


@dataclass(frozen=True)
class SafePoint:
    """Where a run paused: before a tool call, after a turn's calls, or after an answer."""

    turn: int
    before_tool_use_id: str | None = None
    after_tool_use_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class HumanSegment:
    holder: str
    place: SafePoint
    started_at: float
    ended_at: float
    steps: tuple[HumanStep, ...] = ()
    events: tuple[InputEvent, ...] = field(default=(), repr=False)
    screenshot: str | None = field(default=None, repr=False)  # base64 PNG after hand-back
    screen: tuple[int, int] | None = None  # the screen size the events' points belong to
    note: str = ""  # when the input could not be recorded

    @property
    def descriptions(self) -> list[str]:
        return [step.describe() for step in self.steps]

    def to_record(self) -> dict[str, Any]:
        """Plain values for a trajectory (the screenshot is stored beside it)."""
        return {
            "place": self.place.to_dict(),
            "holder": self.holder,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "steps": [step.to_record() for step in self.steps],
            "events": [event.to_record() for event in self.events],
            "screen": list(self.screen) if self.screen else None,
            "note": self.note,
        }

    def message_blocks(self) -> list[dict[str, Any]]:
        """What the model is told: the steps as text, then the screen as it is now."""
        blocks: list[dict[str, Any]] = [{"type": "text", "text": human_report(self)}]
        if self.screenshot:
            source = {"type": "base64", "media_type": "image/png", "data": self.screenshot}
            blocks.append({"type": "image", "source": source})
        return blocks


def human_report(segment: HumanSegment) -> str:
    seconds = max(0.0, segment.ended_at - segment.started_at)
    head = f"While you were paused, the user took control of the desktop for {seconds:.0f} s"
    if segment.note:
        body = f". Their input could not be recorded ({segment.note})."
    elif not segment.steps:
        body = " and did nothing the recorder saw."
    else:
        lines = "\n".join(f"{n}. {text}" for n, text in enumerate(segment.descriptions, 1))
        body = f" and did this (points are in screenshot pixels):\n{lines}"
    tail = "\nThey handed control back to you. " + (
        "The screenshot below shows the screen now; continue from here."
        if segment.screenshot
        else "Take a screenshot to see the screen now."
    )
    return head + body + tail
