"""Recording a run and reading it back: records, screenshot files, a killed run's half line."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from computer_use_demo.tools.base import ToolResult
from computer_use_demo.trajectory import TrajectoryError, TrajectoryRecorder, load_trajectory


def png_b64(color) -> str:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def record_sample(folder):
    recorder = TrajectoryRecorder(
        folder,
        provider="anthropic",
        model="claude-x",
        tool_version="computer_use_20250124",
        task="do it",
        screen_size=(1024, 768),
    )
    shot = png_b64((1, 2, 3))
    recorder.request(1, [{"type": "text", "text": "do it"}])
    block = {"type": "tool_use", "id": "toolu_a", "name": "computer", "input": {"action": "screenshot"}}
    recorder.response(
        1, [block], stop_reason="tool_use", usage={"input_tokens": 10, "output_tokens": 3}, duration_s=0.2
    )
    recorder.tool_call(1, block, ToolResult(base64_image=shot), started_at=100.0, duration_s=0.05)
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": shot}}
    recorder.request(2, [{"type": "tool_result", "tool_use_id": "toolu_a", "content": [image]}])
    bash = {"type": "tool_use", "id": "toolu_b", "name": "bash", "input": {"command": "false"}}
    recorder.response(2, [bash], stop_reason="tool_use", usage=None, duration_s=0.1)
    recorder.tool_call(2, bash, ToolResult(error="exit 1"), started_at=101.0, duration_s=0.01)
    recorder.end("completed", usage={"input_tokens": 10})
    recorder.close()
    return shot


def test_a_recorded_run_reads_back(tmp_path):
    shot = record_sample(tmp_path)
    trajectory = load_trajectory(tmp_path)
    assert trajectory.header["model"] == "claude-x" and trajectory.header["screen"] == {
        "width": 1024,
        "height": 768,
    }
    assert trajectory.task == "do it"
    assert [r["turn"] for r in trajectory.requests] == [1, 2]
    assert trajectory.responses[0]["usage"]["input_tokens"] == 10
    first, second = trajectory.tool_calls
    assert first.action == "computer.screenshot" and first.duration_s == 0.05
    assert trajectory.screenshot_path(first.screenshot).read_bytes() == base64.b64decode(shot)
    assert second.action == "bash" and second.error == "exit 1" and second.screenshot is None
    assert trajectory.end["status"] == "completed"
    # The tool call's screenshot and the same image in the next request are one file.
    assert len(list((tmp_path / "screenshots").iterdir())) == 1
    request_image = trajectory.requests[1]["content"][0]["content"][0]
    assert request_image["source"] == {"type": "file", "media_type": "image/png", "path": first.screenshot}
    # No base64 in the JSONL.
    assert shot not in (tmp_path / "trajectory.jsonl").read_text()


def test_a_half_written_last_line_is_ignored(tmp_path):
    record_sample(tmp_path)
    with (tmp_path / "trajectory.jsonl").open("a") as out:
        out.write('{"type": "tool_call", "turn": 3, "tool_u')
    assert len(load_trajectory(tmp_path).tool_calls) == 2


def test_a_broken_line_in_the_middle_is_an_error(tmp_path):
    record_sample(tmp_path)
    lines = (tmp_path / "trajectory.jsonl").read_text().splitlines(keepends=True)
    lines.insert(2, "{broken\n")
    (tmp_path / "trajectory.jsonl").write_text("".join(lines))
    with pytest.raises(TrajectoryError, match=":3: not JSON"):
        load_trajectory(tmp_path)


def test_not_a_trajectory(tmp_path):
    with pytest.raises(TrajectoryError, match=r"no trajectory\.jsonl"):
        load_trajectory(tmp_path)
    (tmp_path / "trajectory.jsonl").write_text(json.dumps({"type": "header", "format": "other"}) + "\n")
    with pytest.raises(TrajectoryError, match="header"):
        load_trajectory(tmp_path)


def test_screenshot_paths_cannot_leave_the_folder(tmp_path):
    record_sample(tmp_path)
    with pytest.raises(TrajectoryError, match="outside"):
        load_trajectory(tmp_path).screenshot_path("../../etc/passwd")


def test_recording_refuses_to_overwrite(tmp_path):
    record_sample(tmp_path)
    with pytest.raises(FileExistsError):
        TrajectoryRecorder(tmp_path, provider="a", model="m", tool_version="v", task="t")
