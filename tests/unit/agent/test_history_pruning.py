"""What a request carries: which images survive the 20-image rule, the cache marks, server-side clearing,
and repairs that keep a cancelled history valid for the API."""

from __future__ import annotations

from typing import Any

import pytest

from computer_use_demo.agent.history import (
    IMAGE_PLACEHOLDER,
    INTERRUPTED_TEXT,
    answer_unanswered_tool_uses,
    image_size,
    prepare_messages,
    server_side_clearing,
    system_blocks,
)
from tests.support.loop_tools import png_base64
from tests.unit.agent.test_history import LARGE, SMALL, conversation, image

AT_THE_LIMIT = png_base64(2000, 100, noise=False)  # 2000 px per side is still allowed with > 20 images
PLACEHOLDER = {"type": "text", "text": IMAGE_PLACEHOLDER}


def kinds(content: list[dict[str, Any]]) -> list[str]:
    return ["image" if b["type"] == "image" else "placeholder" for b in content]


def test_large_screenshots_beyond_20_remove_only_as_many_as_the_rule_needs() -> None:
    # keep 22 of 30: pruning removes 5 (one step), the 20-image rule one more step of 5: 20 are sent.
    prepared = prepare_messages(conversation(30, LARGE), keep_images=22, prune_interval=5, cache=False)
    assert (prepared.images_sent, prepared.images_removed) == (20, 10)


def test_images_of_exactly_2000_px_are_not_dropped_for_the_20_image_rule() -> None:
    messages = [{"role": "user", "content": [image(AT_THE_LIMIT) for _ in range(25)]}]
    assert prepare_messages(messages, keep_images=None, cache=False).images_sent == 25


def test_the_oldest_large_user_images_are_the_ones_dropped() -> None:
    messages = [{"role": "user", "content": [image(LARGE) for _ in range(22)]}]
    content = prepare_messages(messages, keep_images=None, cache=False).messages[0]["content"]
    assert kinds(content) == ["placeholder"] * 2 + ["image"] * 20


def test_a_single_droppable_large_image_is_dropped_without_error() -> None:
    messages = [{"role": "user", "content": [image(LARGE)] + [image(SMALL) for _ in range(20)]}]
    content = prepare_messages(messages, keep_images=None, cache=False).messages[0]["content"]
    assert kinds(content) == ["placeholder"] + ["image"] * 20


def test_the_large_image_next_to_the_newest_is_dropped_so_no_more_than_20_are_sent() -> None:
    attached = [image(SMALL) for _ in range(19)] + [image(LARGE), image(SMALL)]
    content = prepare_messages(
        [{"role": "user", "content": attached}], keep_images=None, cache=False
    ).messages[0]["content"]
    assert kinds(content) == ["image"] * 19 + ["placeholder", "image"]


def test_an_image_that_is_not_base64_is_left_for_the_api_to_reject() -> None:
    broken = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "abcde"}}
    assert image_size(broken) is None
    messages = [{"role": "user", "content": [broken, image(SMALL), {"type": "text", "text": "what is it?"}]}]
    assert prepare_messages(messages, keep_images=None, cache=False).images_sent == 2


def test_bad_pruning_settings_are_refused_with_the_setting_named() -> None:
    with pytest.raises(ValueError, match=r"^only_n_most_recent_images must be >= 0$"):
        prepare_messages(conversation(1), keep_images=-1, cache=False)
    with pytest.raises(ValueError, match=r"^prune interval must be >= 1$"):
        prepare_messages(conversation(1), keep_images=3, prune_interval=0, cache=False)


def test_a_request_without_caching_reports_no_breakpoints() -> None:
    prepared = prepare_messages(conversation(4), keep_images=None, cache=False)
    assert prepared.cache_breakpoints == 0


def test_the_breakpoint_budget_for_messages_is_honoured() -> None:
    prepared = prepare_messages(conversation(4), keep_images=None, cache=True, max_breakpoints=1)
    marked = [b for m in prepared.messages for b in m["content"] if "cache_control" in b]
    assert prepared.cache_breakpoints == 1 and marked == [prepared.messages[-1]["content"][-1]]


def test_the_system_prompt_block_carries_an_ephemeral_cache_mark_only_when_caching() -> None:
    assert system_blocks("be brief", cache=True) == [
        {"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}
    ]
    assert system_blocks("be brief", cache=False) == [{"type": "text", "text": "be brief"}]


def test_server_side_clearing_keeps_the_newest_results_and_clears_in_steps_of_the_interval() -> None:
    # The Messages API's context-editing field: clear once keep + interval tool uses exist, keep `keep`.
    assert server_side_clearing(3, 5, keep_tools=["bash", "str_replace_based_edit_tool"]) == {
        "edits": [
            {
                "type": "clear_tool_uses_20250919",
                "trigger": {"type": "tool_uses", "value": 8},
                "keep": {"type": "tool_uses", "value": 3},
                "exclude_tools": ["bash", "str_replace_based_edit_tool"],
            }
        ]
    }


def _tool_call(call_id: str) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": call_id, "name": "bash", "input": {}}],
    }


def _interrupted(call_id: str) -> dict[str, Any]:
    return {
        "type": "tool_result",
        "tool_use_id": call_id,
        "content": [{"type": "text", "text": INTERRUPTED_TEXT}],
        "is_error": True,
    }


def test_a_plain_text_reply_after_cancelled_calls_becomes_valid_blocks_and_nothing_else() -> None:
    messages = [{"role": "user", "content": "go"}, _tool_call("a"), {"role": "user", "content": "stop that"}]
    assert answer_unanswered_tool_uses(messages) == 1
    assert messages[2] == {
        "role": "user",
        "content": [_interrupted("a"), {"type": "text", "text": "stop that"}],
    }


def test_an_empty_reply_after_cancelled_calls_gets_no_empty_text_block() -> None:
    messages = [{"role": "user", "content": "go"}, _tool_call("a"), {"role": "user", "content": ""}]
    answer_unanswered_tool_uses(messages)
    assert messages[2] == {"role": "user", "content": [_interrupted("a")]}


def test_a_history_that_starts_with_a_tool_call_is_repaired_too() -> None:
    messages = [_tool_call("a")]
    assert answer_unanswered_tool_uses(messages) == 1
    assert messages[1] == {"role": "user", "content": [_interrupted("a")]}


def test_assistant_turns_given_as_plain_text_are_left_alone_by_the_repair() -> None:
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "bye"},
    ]
    before = [dict(m) for m in messages]
    assert answer_unanswered_tool_uses(messages) == 0
    assert messages == before
