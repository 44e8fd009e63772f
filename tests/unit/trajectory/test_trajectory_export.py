"""A stored conversation written out as a trajectory: the same steps, screenshots, usage and timings."""

from __future__ import annotations

import base64

import pytest

from computer_use_demo.store import ConversationStore
from computer_use_demo.trajectory import ReplaySession, load_trajectory
from computer_use_demo.trajectory.export import export_conversation
from computer_use_demo.trajectory.steps import trajectory_steps
from tests.unit.trajectory.test_trajectory_replay import screen


@pytest.fixture
def store(tmp_path) -> ConversationStore:
    return ConversationStore(tmp_path / "db" / "conversations.db")


def test_export_then_view_and_replay(store, tmp_path):
    shot = screen()
    conversation = store.create(settings={"provider": "anthropic", "model": "claude-x", "tool_version": "v1"})
    click = {
        "type": "tool_use",
        "id": "t1",
        "name": "computer",
        "input": {"action": "left_click", "coordinate": [5, 6]},
    }
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": shot}}
    store.save_messages(
        conversation.id,
        [
            {"role": "user", "content": "Click the thing"},
            {"role": "assistant", "content": [{"type": "text", "text": "Clicking."}, click]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": [image]}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Clicked it."}]},
        ],
    )
    store.record_usage(conversation.id, {"input_tokens": 10, "output_tokens": 2}, model="claude-x", turn=1)
    store.record_usage(conversation.id, {"input_tokens": 20, "output_tokens": 3}, model="claude-x", turn=1)
    store.record_tool_call(
        conversation.id, tool_use_id="t1", name="computer", duration_s=0.25, is_error=False
    )

    folder = export_conversation(store, conversation.id, tmp_path / "exported")
    trajectory = load_trajectory(folder)
    assert trajectory.header["model"] == "claude-x" and trajectory.task == "Click the thing"
    assert trajectory.end["status"] == "completed"
    [call] = trajectory.tool_calls
    assert call.action == "computer.left_click" and call.duration_s == 0.25
    assert trajectory.screenshot_path(call.screenshot).read_bytes() == base64.b64decode(shot)
    assert [r["usage"]["output_tokens"] for r in trajectory.responses] == [2, 3]
    assert [s.title for s in trajectory_steps(trajectory)] == ["computer.left_click", "answer"]

    # And it replays: the same screen matches.
    session = ReplaySession(trajectory)
    session.respond([])
    session.respond(
        [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": [image]}]}]
    )
    assert session.report.ok
