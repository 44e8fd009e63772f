"""ReplaySession on its own: serving recorded turns, judging live results (the desktop run is test_replay)."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image, ImageDraw

from computer_use_demo.tools.base import ToolResult
from computer_use_demo.trajectory import ReplaySession, TrajectoryRecorder, load_trajectory


def screen(background=(30, 30, 30), size=(640, 480), label="hello") -> str:
    image = Image.new("RGB", size, background)
    ImageDraw.Draw(image).text((20, 20), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def tool_result(tool_use_id: str, image_b64: str | None = None, error: str | None = None) -> dict:
    if error:
        return {
            "type": "tool_result",
            "tool_use_id": tool_use_id,
            "is_error": True,
            "content": [{"type": "text", "text": error}],
        }
    content = [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": image_b64}}]
    return {"type": "tool_result", "tool_use_id": tool_use_id, "content": content}


@pytest.fixture
def trajectory(tmp_path):
    recorder = TrajectoryRecorder(
        tmp_path, provider="anthropic", model="m", tool_version="computer_use_20250124", task="click it"
    )
    click = {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "computer",
        "input": {"action": "left_click", "coordinate": [100, 200]},
    }
    recorder.response(1, [{"type": "text", "text": "Clicking."}, click], stop_reason="tool_use")
    recorder.tool_call(1, click, ToolResult(base64_image=screen()), started_at=0, duration_s=0.1)
    bash = {"type": "tool_use", "id": "toolu_2", "name": "bash", "input": {"command": "true"}}
    recorder.response(2, [bash], stop_reason="tool_use")
    recorder.tool_call(2, bash, ToolResult(output=""), started_at=0, duration_s=0.1)
    recorder.response(3, [{"type": "text", "text": "All done."}], stop_reason="end_turn")
    recorder.close()
    return load_trajectory(tmp_path)


def replay(trajectory, live_screen=None) -> ReplaySession:
    """A session whose live screen is `live_screen` (None: the size of the live screenshots)."""
    return ReplaySession(trajectory, live_screen_size=lambda: live_screen)


def conversation(*user_blocks) -> list[dict]:
    return [
        {"role": "user", "content": [{"type": "text", "text": "click it"}]},
        {"role": "assistant", "content": []},
        {"role": "user", "content": list(user_blocks)},
    ]


def test_serves_the_recorded_turns_and_matches_an_identical_screen(trajectory):
    session = replay(trajectory)
    first = session.respond([{"role": "user", "content": "click it"}])
    assert first["stop_reason"] == "tool_use"
    assert first["content"][1]["input"] == {"action": "left_click", "coordinate": [100, 200]}
    second = session.respond(conversation(tool_result("toolu_1", screen())))
    assert second["content"][0]["name"] == "bash"
    third = session.respond(conversation(tool_result("toolu_2", None) | {"content": []}))
    assert third == {
        "content": [{"type": "text", "text": "All done."}],
        "stop_reason": "end_turn",
        "usage": third["usage"],
    }
    assert session.finished
    assert session.report.ok
    assert [s.similarity for s in session.report.steps] == [1.0, None]
    assert "matched" in session.report.summary()


def test_a_different_screen_is_reported_as_divergence(trajectory):
    session = replay(trajectory)
    session.respond([{"role": "user", "content": "click it"}])
    session.respond(conversation(tool_result("toolu_1", screen(background=(0, 120, 255)))))
    report = session.report
    assert not report.ok
    step = report.diverged[0]
    assert step.action == "computer.left_click" and step.similarity < 0.5
    assert "DIVERGED" in step.describe()
    assert "diverged at 1 of 1" in report.summary()


def test_a_live_error_where_the_recording_succeeded_diverges(trajectory):
    session = replay(trajectory)
    session.respond([{"role": "user", "content": "click it"}])
    session.respond(conversation(tool_result("toolu_1", error="xdotool: cannot open display")))
    assert "failed live: xdotool" in session.report.diverged[0].note


def test_results_are_checked_once(trajectory):
    session = replay(trajectory)
    messages = conversation(tool_result("toolu_1", screen()))
    session.check_results(messages)
    session.check_results(messages)
    assert len(session.report.steps) == 1


def test_coordinates_follow_a_scaled_copy_of_the_screen(trajectory):
    session = replay(trajectory)
    session.respond([{"role": "user", "content": "click it"}])
    # The live screen shows the recording at twice the size: the next click goes twice as far.
    big = Image.open(io.BytesIO(base64.b64decode(screen()))).resize((1280, 960))
    out = io.BytesIO()
    big.save(out, "PNG")
    session.check_results(conversation(tool_result("toolu_1", base64.b64encode(out.getvalue()).decode())))
    assert session.report.ok
    session.turn = 0
    assert session.respond([])["content"][1]["input"]["coordinate"] == [200, 400]


def test_another_screen_size_is_said_once_and_is_no_divergence(trajectory):
    session = replay(trajectory, live_screen=(800, 600))
    session.respond([{"role": "user", "content": "click it"}])
    # The same desktop on a bigger screen: what was drawn keeps its place from the top-left corner.
    session.respond(conversation(tool_result("toolu_1", screen(size=(800, 600)))))
    session.respond(conversation(tool_result("toolu_2", None) | {"content": []}))
    report = session.report
    assert report.ok and report.steps[0].similarity == 1.0
    assert all(step.note in ("", "no screenshot to compare") for step in report.steps)
    assert report.summary().count("800x600") == 1 and "640x480" in report.summary()
    session.turn = 0
    assert session.respond([])["content"][1]["input"]["coordinate"] == [100, 200]


def test_after_the_last_turn_it_ends_with_the_summary(trajectory):
    session = replay(trajectory)
    for _ in range(3):
        session.respond([])
    final = session.respond([])
    assert final["stop_reason"] == "end_turn" and "Replay" in final["content"][0]["text"]
