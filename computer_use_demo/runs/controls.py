"""What a person may do to a running agent: approve or deny its calls, take the desktop over.

`RunControls` holds one run's `Approvals` and `Takeover` and is what the engine asks at each safe point;
front ends (the chat, the CLI, an HTTP API) keep a reference to the same object to answer and to take over.

    controls = RunControls.for_config(config)
    session = RunSession(config, messages, controls=controls, ...)
    controls.approvals.pending(); controls.approvals.decide(call_id, True)
    controls.takeover.request("the API client"); controls.takeover.hand_back()
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from computer_use_demo.runs.approvals import Answerer, ApprovalDecision, Approvals
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.runs.desk import Desk
from computer_use_demo.runs.hooks import RunHooks, ToolCall
from computer_use_demo.runs.policy import ApprovalPolicy
from computer_use_demo.runs.takeover import HumanSegment, SafePoint, ScriptedHuman, Takeover
from computer_use_demo.tools import ToolCollection, ToolFailure, ToolResult
from computer_use_demo.tools.computer.scaling import ImageTier

TAKEN_OVER_TEXT = (
    "Not executed: the user took control of the desktop before this call ran; what they did follows "
    "these results."
)


class RunControls:
    def __init__(self, approvals: Approvals | None = None, takeover: Takeover | None = None) -> None:
        self.approvals = approvals or Approvals(ApprovalPolicy("none"))
        self.takeover = takeover or Takeover()
        self.desk = Desk(None)

    @classmethod
    def for_config(
        cls,
        config: RunConfig,
        *,
        answer: Answerer | None = None,
        recorded: Mapping[str, ApprovalDecision] | None = None,
        scripted: ScriptedHuman | None = None,
    ) -> RunControls:
        approvals = Approvals(
            config.approval_policy, timeout_s=config.approval_timeout_s, answer=answer, recorded=recorded
        )
        return cls(approvals, Takeover(scripted=scripted))

    def bind(self, tools: ToolCollection, image_tier: ImageTier = "standard") -> None:
        """Find the run's desktop through its computer tool (called when the run starts)."""
        self.desk = Desk.of(tools, image_tier)

    async def pause(self, place: SafePoint, hooks: RunHooks) -> HumanSegment | None:
        """A safe point: hand the desktop to whoever asked for it, until they give it back."""
        return await self.takeover.pause_here(place, self.desk, hooks)

    async def before_call(
        self, call: ToolCall, turn: int, messages: Sequence[Mapping[str, Any]], hooks: RunHooks
    ) -> tuple[ToolResult | None, HumanSegment | None]:
        """Before `call` runs: a result when it must not run (denied, or the desktop was taken over),
        and the human segment when a takeover happened here."""
        place = SafePoint(turn, before_tool_use_id=call.tool_use_id)
        segment = await self.pause(place, hooks)
        if segment is not None:
            return ToolFailure(error=TAKEN_OVER_TEXT), segment
        decision = await self.approvals.review(call, messages, hooks, interrupt=self.takeover.requested)
        if decision is None or decision.approved:
            return None, None
        if decision.by == "takeover":  # asked for the desktop instead of answering: pause right here
            segment = await self.pause(place, hooks)
        return ToolFailure(error=decision.denial_text(self.approvals.timeout_s)), segment
