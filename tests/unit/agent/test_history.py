from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computer_use_demo.agent.history import (
    IMAGE_PLACEHOLDER,
    INTERRUPTED_TEXT,
    answer_unanswered_tool_uses,
    count_cache_breakpoints,
    image_size,
    images_to_remove,
    place_message_breakpoints,
    prepare_messages,
    system_blocks,
)
from tests.support.loop_tools import png_base64

SMALL = png_base64(40, 30, noise=False)
LARGE = png_base64(2100, 1000, noise=False)


def image(data: str = SMALL) -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}


def conversation(screenshots: int, data: str = SMALL) -> list[dict[str, Any]]:
    """A user prompt, then `screenshots` tool calls each answered with a screenshot."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": "open the browser"}]
    for i in range(screenshots):
        messages.append(
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": f"t{i}", "name": "computer", "input": {}}],
            }
        )
        messages.append(
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": f"t{i}",
                        "content": [{"type": "text", "text": "ok"}, image(data)],
                    }
                ],
            }
        )
    return messages


def images_in(messages: list[dict[str, Any]]) -> int:
    return json.dumps(messages).count('"type": "image"')


def strip_marks(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_marks(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [strip_marks(v) for v in value]
    return value


@pytest.mark.parametrize(
    ("count", "keep", "interval", "removed"),
    [(5, None, 5, 0), (3, 3, 5, 0), (7, 3, 5, 0), (8, 3, 5, 5), (12, 3, 5, 5), (13, 3, 5, 10), (4, 0, 1, 4)],
)
def test_images_to_remove_is_a_step_function(count, keep, interval, removed) -> None:
    assert images_to_remove(count, keep, interval) == removed


def test_prepare_keeps_the_history_untouched_and_leaves_placeholders() -> None:
    messages = conversation(10)
    before = copy.deepcopy(messages)
    prepared = prepare_messages(messages, keep_images=3, prune_interval=5, cache=True)
    assert messages == before
    assert (prepared.images_in_history, prepared.images_sent, prepared.images_removed) == (10, 5, 5)
    assert images_in(prepared.messages) == 5
    # The oldest five are the ones replaced.
    first = prepared.messages[2]["content"][0]["content"]
    assert first == [{"type": "text", "text": "ok"}, {"type": "text", "text": IMAGE_PLACEHOLDER}]
    assert prepared.messages[-1]["content"][0]["content"][1]["type"] == "image"


def test_user_images_are_not_pruned() -> None:
    messages = conversation(8)
    messages[0]["content"] = [{"type": "text", "text": "look at this"}, image()]
    prepared = prepare_messages(messages, keep_images=1, prune_interval=1, cache=False)
    assert prepared.messages[0]["content"][1]["type"] == "image"
    assert prepared.images_sent == 2


@settings(max_examples=60, deadline=None)
@given(keep=st.integers(0, 6), interval=st.integers(1, 7), turns=st.integers(2, 30))
def test_prefix_is_byte_identical_between_prune_points(keep: int, interval: int, turns: int) -> None:
    previous = None
    for n in range(1, turns + 1):
        prepared = prepare_messages(conversation(n), keep_images=keep, prune_interval=interval, cache=True)
        body = json.dumps(strip_marks(prepared.messages))
        assert prepared.images_sent >= min(n, keep)
        assert prepared.images_sent < keep + interval or n < keep + interval
        if previous is not None:
            prev_removed, prev_body = previous
            old_prefix = json.dumps(strip_marks(prev_body))[:-1]  # without the closing bracket
            if prepared.images_removed == prev_removed:
                assert body.startswith(old_prefix)
            else:
                assert prepared.images_removed > prev_removed
        previous = (prepared.images_removed, prepared.messages)


def test_more_than_20_large_images_are_reduced_in_steps() -> None:
    sent = []
    for n in range(18, 40):
        prepared = prepare_messages(conversation(n, LARGE), keep_images=None, prune_interval=5, cache=False)
        assert prepared.images_sent <= 20
        sent.append(prepared.images_sent)
    assert sent[:3] == [18, 19, 20]
    assert sent[3] == 16  # 21 images: 5 removed at once, not one per turn
    assert len(set(sent)) < len(sent)  # plateaus: the removal count changes only every few turns


def test_more_than_20_small_images_are_fine() -> None:
    prepared = prepare_messages(conversation(30), keep_images=None, cache=False)
    assert prepared.images_sent == 30


def test_large_user_images_are_dropped_last_and_the_newest_kept() -> None:
    messages = [{"role": "user", "content": [image(LARGE) for _ in range(22)]}]
    prepared = prepare_messages(messages, keep_images=None, cache=False)
    content = prepared.messages[0]["content"]
    assert sum(b["type"] == "image" for b in content) == 20
    assert content[-1]["type"] == "image"


def test_breakpoints_on_the_newest_three_user_turns() -> None:
    prepared = prepare_messages(conversation(5), keep_images=None, cache=True)
    marked = [
        i
        for i, m in enumerate(prepared.messages)
        for b in m["content"]
        if isinstance(m["content"], list) and "cache_control" in b
    ]
    assert marked == [6, 8, 10]
    assert prepared.cache_breakpoints == 3
    body = {
        "system": system_blocks("sys", cache=True),
        "tools": [{"name": "bash"}],
        "messages": prepared.messages,
    }
    assert count_cache_breakpoints(body) == 4


def test_stale_marks_are_removed_and_string_content_stays_a_block() -> None:
    messages = conversation(1)
    messages[2]["content"][0]["content"][0]["cache_control"] = {"type": "ephemeral"}
    without = prepare_messages(messages, keep_images=None, cache=False).messages
    assert count_cache_breakpoints({"messages": without}) == 0
    # The first prompt is a block whether or not it carries the mark: the prefix never changes shape.
    assert without[0]["content"] == [{"type": "text", "text": "open the browser"}]


def test_place_breakpoints_respects_the_limit() -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": str(i)}]} for i in range(6)]
    assert place_message_breakpoints(messages, 2) == 2
    assert count_cache_breakpoints({"messages": messages}) == 2


def test_count_includes_nested_tool_result_blocks() -> None:
    body = {
        "tools": [{"name": "a", "cache_control": {}}],
        "system": [{"type": "text", "text": "s", "cache_control": {}}],
        "messages": [
            {
                "role": "user",
                "content": [{"type": "tool_result", "content": [{"type": "text", "cache_control": {}}]}],
            }
        ],
    }
    assert count_cache_breakpoints(body) == 3


def test_image_size() -> None:
    assert image_size(image(LARGE)) == (2100, 1000)
    assert image_size({"type": "image", "source": {"type": "url", "url": "http://x"}}) is None


def test_image_size_of_a_jpeg() -> None:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 200)).save(buffer, format="JPEG")
    block = {
        "type": "image",
        "source": {
            "type": "base64",
            "media_type": "image/jpeg",
            "data": base64.b64encode(buffer.getvalue()).decode(),
        },
    }
    assert image_size(block) == (300, 200)


# ---------------------------------------------------------------- repair


def test_trailing_tool_calls_get_error_results() -> None:
    messages = [
        {"role": "user", "content": "go"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "clicking"},
                {
                    "type": "tool_use",
                    "id": "a",
                    "name": "left_click",
                    "input": {},
                    "toolset_name": "computer",
                },
                {"type": "tool_use", "id": "b", "name": "bash", "input": {}},
            ],
        },
    ]
    assert answer_unanswered_tool_uses(messages) == 2
    assert messages[2] == {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "a",
                "content": [{"type": "text", "text": INTERRUPTED_TEXT}],
                "is_error": True,
                "toolset_name": "computer",
            },
            {
                "type": "tool_result",
                "tool_use_id": "b",
                "content": [{"type": "text", "text": INTERRUPTED_TEXT}],
                "is_error": True,
            },
        ],
    }
    assert answer_unanswered_tool_uses(messages) == 0, "repair is idempotent"


def test_partly_answered_turn_gets_the_missing_results_first() -> None:
    messages = [
        {"role": "user", "content": "go"},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "a", "name": "x", "input": {}},
                {"type": "tool_use", "id": "b", "name": "x", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "b", "content": []},
                {"type": "text", "text": "and also"},
            ],
        },
    ]
    assert answer_unanswered_tool_uses(messages, "gone") == 1
    assert [b.get("tool_use_id") for b in messages[2]["content"]] == ["a", "b", None]


def test_tool_calls_followed_by_a_plain_user_message() -> None:
    messages = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "a", "name": "x", "input": {}}]},
        {"role": "user", "content": "never mind, do something else"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "b", "name": "x", "input": {}}]},
        {"role": "assistant", "content": [{"type": "text", "text": "odd"}]},
    ]
    assert answer_unanswered_tool_uses(messages) == 2
    assert messages[2]["content"][0]["tool_use_id"] == "a"
    assert messages[2]["content"][1] == {"type": "text", "text": "never mind, do something else"}
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user", "assistant"]
