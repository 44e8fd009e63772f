"""Timing tool calls inside a turn and observing model calls, without changing what the loop sees."""

from __future__ import annotations

from computer_use_demo.models.providers import TurnRequest
from computer_use_demo.runs.hooks import ObservedModelClient, TimedToolCollection
from computer_use_demo.tools import ToolCollection
from computer_use_demo.tools.bash.tool import BashTool20250124
from computer_use_demo.trajectory.replay_client import ReplayModelClient
from computer_use_demo.trajectory.samples import DEFAULT_SAMPLE


async def test_each_call_is_timed_and_reported_with_its_id():
    reported = []
    tools = TimedToolCollection(ToolCollection(BashTool20250124()), reported.append)
    blocks = [
        {"type": "tool_use", "id": "a", "name": "bash", "input": {"command": "sleep 0.3; echo one"}},
        {"type": "tool_use", "id": "b", "name": "bash", "input": {"command": "echo two"}},
        {"type": "tool_use", "id": "c", "name": "nope", "input": {}},
    ]
    try:
        results = await tools.run_turn(blocks)
    finally:
        for tool in tools.tools:
            await tool.close()
    assert [r["tool_use_id"] for r in results] == ["a", "b", "c"]
    assert [t.tool_use_id for t in reported] == ["a", "b", "c"]
    assert reported[0].duration_s >= 0.3 > reported[1].duration_s
    assert "one" in reported[0].result.output and reported[2].result.is_error
    assert set(tools.timings) == {"a", "b", "c"}


async def test_observed_client_reports_each_request_and_response():
    seen = []
    client = ObservedModelClient(
        ReplayModelClient.for_folder(DEFAULT_SAMPLE),
        on_request=lambda request: seen.append(("request", request.model)),
        on_response=lambda request, response, seconds: seen.append(
            ("response", response.stop_reason, seconds >= 0)
        ),
    )
    request = TurnRequest(
        model="m", max_tokens=10, system=[], messages=[{"role": "user", "content": "hi"}], tools=[]
    )
    response = await client.stream_turn(request)
    await client.close()
    assert response.content[-1]["type"] == "tool_use"
    assert seen == [("request", "m"), ("response", "tool_use", True)]
