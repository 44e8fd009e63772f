"""A stored conversation as a trajectory folder, so chats from the UI can be viewed, shared and replayed.

The store has every message, the usage of every response (in order), the timing of every tool call and
every approval decision; that is what a trajectory holds (a takeover is in the messages as the report the
model got, but its raw input events are not stored, so a replay of an export cannot play it back). Usage
is matched to assistant turns by order, which is exact for runs the app made (one usage record per
response that produced a message).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from computer_use_demo.store import ConversationStore
from computer_use_demo.tools.blocks import blocks_of, texts_of
from computer_use_demo.tools.build import tool_result_from_block
from computer_use_demo.trajectory.recorder import TrajectoryRecorder


def _started(timing: dict[str, Any]) -> float | None:
    # The store notes when a call was recorded, which is when it ended.
    if timing.get("created_at") is None:
        return None
    return timing["created_at"] - (timing.get("duration_s") or 0)


def _decision_record(row: dict[str, Any]) -> dict[str, Any]:
    """A stored decision in the trajectory's words (those of `ApprovalDecision.to_dict`)."""
    return {
        "call_id": row["tool_use_id"],
        "approved": row["approved"],
        "reason": row["reason"],
        "by": row["decided_by"],
        "decided_at": row["decided_at"],
        "asked_because": row["asked_because"],
    }


def export_conversation(store: ConversationStore, conversation_id: str, folder: Path | str) -> Path:
    summary = store.get(conversation_id)
    messages = store.load_messages(conversation_id)
    usage = store.usage_records(conversation_id)
    timings = {t["tool_use_id"]: t for t in store.tool_calls(conversation_id)}
    decisions = {a["tool_use_id"]: a for a in store.approvals(conversation_id)}
    first_user = next(iter(texts_of(messages[0])), "") if messages else ""
    settings = summary.settings
    recorder = TrajectoryRecorder(
        folder,
        provider=str(settings.get("provider", "unknown")),
        model=str(settings.get("model", "unknown")),
        tool_version=str(settings.get("tool_version", "unknown")),
        task=first_user or summary.title,
        extra={"conversation_id": conversation_id, "title": summary.title, "exported": True},
    )
    turn = 0
    responses = 0
    try:
        for index, message in enumerate(messages):
            if message["role"] == "user":
                recorder.request(turn + 1, blocks_of(message))
                continue
            turn += 1
            blocks = blocks_of(message)
            used = usage[responses] if responses < len(usage) else None
            responses += 1
            tool_uses = [b for b in blocks if b.get("type") == "tool_use"]
            recorder.response(
                turn,
                blocks,
                stop_reason="tool_use" if tool_uses else "end_turn",
                usage={k: v for k, v in used.items() if k.endswith("tokens")} if used else None,
            )
            following = messages[index + 1] if index + 1 < len(messages) else {"content": []}
            results = {
                b.get("tool_use_id"): b for b in blocks_of(following) if b.get("type") == "tool_result"
            }
            for tool_use in tool_uses:
                if tool_use["id"] in decisions:
                    recorder.approval(turn, _decision_record(decisions[tool_use["id"]]))
                result_block = results.get(tool_use["id"])
                if result_block is None:
                    continue
                timing = timings.get(tool_use["id"], {})
                recorder.tool_call(
                    turn,
                    tool_use,
                    tool_result_from_block(result_block),
                    started_at=_started(timing),
                    duration_s=timing.get("duration_s"),
                )
        recorder.end("completed" if messages and messages[-1]["role"] == "assistant" else "unfinished")
    finally:
        recorder.close()
    return Path(folder)
