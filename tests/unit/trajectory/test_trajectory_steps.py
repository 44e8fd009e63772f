"""Paging a trajectory: one step per tool call, the turn's words on its first step, the answer last."""

from __future__ import annotations

from computer_use_demo.tools.base import ToolResult
from computer_use_demo.trajectory import TrajectoryRecorder, load_trajectory
from computer_use_demo.trajectory.steps import trajectory_steps
from tests.unit.trajectory.test_trajectory_replay import screen


def test_steps_follow_the_tool_calls(tmp_path):
    recorder = TrajectoryRecorder(tmp_path, provider="p", model="m", tool_version="v", task="t")
    a = {"type": "tool_use", "id": "a", "name": "computer", "input": {"action": "screenshot"}}
    b = {"type": "tool_use", "id": "b", "name": "bash", "input": {"command": "ls"}}
    recorder.response(
        1,
        [{"type": "thinking", "thinking": "hmm", "signature": "s"}, {"type": "text", "text": "Look"}, a, b],
        stop_reason="tool_use",
        usage={"input_tokens": 5},
    )
    recorder.tool_call(1, a, ToolResult(base64_image=screen()), started_at=0, duration_s=0.2)
    recorder.tool_call(1, b, ToolResult(output="file"), started_at=0, duration_s=0.1)
    recorder.response(2, [{"type": "text", "text": "Finished."}], stop_reason="end_turn", duration_s=0.3)
    recorder.close()

    steps = trajectory_steps(load_trajectory(tmp_path))
    assert [s.title for s in steps] == ["computer.screenshot", "bash", "answer"]
    assert steps[0].said == "Look" and steps[0].thinking == "hmm" and steps[0].usage == {"input_tokens": 5}
    assert steps[0].screenshot is not None and steps[0].screenshot.exists()
    assert steps[1].said == "" and steps[1].output == "file" and steps[1].screenshot is None
    assert steps[2].said == "Finished." and steps[2].duration_s == 0.3
    assert [s.number for s in steps] == [1, 2, 3]
