"""The `replay` provider as the loop sees it: a model client named by `replay:<folder>`."""

from __future__ import annotations

import pytest
from anthropic import APIError

from computer_use_demo.models.providers import StreamDelta, TurnRequest, create_client
from computer_use_demo.trajectory import load_trajectory
from computer_use_demo.trajectory.replay_client import replay_model_id
from computer_use_demo.trajectory.samples import DEFAULT_SAMPLE


def request(model: str, messages=None) -> TurnRequest:
    return TurnRequest(model=model, max_tokens=100, system=[], messages=messages or [], tools=[])


async def test_the_model_id_names_the_recording_and_text_streams():
    client = create_client("replay")
    deltas: list[StreamDelta] = []
    first = await client.stream_turn(request(replay_model_id(DEFAULT_SAMPLE)), deltas.append)
    recorded = load_trajectory(DEFAULT_SAMPLE).responses[0]
    assert first.content == recorded["content"] and first.stop_reason == "tool_use"
    assert "".join(d.text for d in deltas) == recorded["content"][0]["text"]
    assert first.usage.input_tokens == 0


async def test_the_last_answer_carries_the_report():
    client = create_client("replay")
    turns = len(load_trajectory(DEFAULT_SAMPLE).responses)
    for _ in range(turns):
        answer = await client.stream_turn(request(replay_model_id(DEFAULT_SAMPLE)))
    assert answer.stop_reason == "end_turn"
    # No live results were given here, so every recorded call is reported as not having run.
    assert (
        "Replay diverged" in answer.content[-1]["text"] and "did not run live" in answer.content[-1]["text"]
    )


async def test_a_missing_recording_is_an_api_error(tmp_path):
    client = create_client("replay")
    with pytest.raises(APIError, match=r"cannot replay: no trajectory\.jsonl"):
        await client.stream_turn(request(replay_model_id(tmp_path)))
