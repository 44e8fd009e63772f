"""Keeping a run's conversation in the store as it goes (hooks): each message as soon as it exists, each
tool call before it runs and when it ends, each model call's usage under the user turn it served, and each
approval or denial a person gave. (A takeover is in the messages: the report the model got.)"""

from __future__ import annotations

from typing import Any

from computer_use_demo.models.usage import RunUsage, TurnUsage
from computer_use_demo.runs.approvals import ApprovalDecision
from computer_use_demo.runs.hooks import RunHooks, ToolCall, ToolTiming
from computer_use_demo.store import ConversationStore
from computer_use_demo.tools.base import ToolResult


class StoreHooks(RunHooks):
    def __init__(
        self,
        store: ConversationStore,
        conversation_id: str,
        messages: list[dict[str, Any]],
        *,
        model: str,
        user_turn: int,
    ) -> None:
        self.store = store
        self.conversation_id = conversation_id
        self.messages = messages
        self.model = model
        self.user_turn = user_turn

    def save(self) -> None:
        """Bring the stored history up to the run's (only what is new is written)."""
        self.store.save_messages(self.conversation_id, self.messages)

    def on_message(self, message: dict[str, Any]) -> None:
        self.save()

    def on_tool_started(self, call: ToolCall) -> None:
        self.store.record_tool_start(self.conversation_id, tool_use_id=call.tool_use_id, name=call.name)

    def on_tool_finished(self, call: ToolCall, result: ToolResult, timing: ToolTiming) -> None:
        self.store.record_tool_call(
            self.conversation_id,
            tool_use_id=call.tool_use_id,
            name=call.name,
            duration_s=timing.duration_s,
            is_error=result.is_error,
        )

    def on_approval_decided(self, decision: ApprovalDecision) -> None:
        self.store.record_approval(
            self.conversation_id,
            tool_use_id=decision.call_id,
            approved=decision.approved,
            reason=decision.reason,
            decided_by=decision.by,
            asked_because=decision.asked_because,
            decided_at=decision.decided_at,
        )

    def on_usage(self, turn_usage: TurnUsage, run_usage: RunUsage, turn_number: int) -> None:
        self.store.record_usage(self.conversation_id, turn_usage, model=self.model, turn=self.user_turn)
