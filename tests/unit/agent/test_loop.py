"""The agent loop against the fake Messages API over real HTTP, driven by the real `anthropic` SDK:
the request it sends (tools, betas, thinking, cache breakpoints, images) and how it uses the answers.

Tools here are small real tools (tests/support/loop_tools.py), so these tests need no desktop; the real
tool groups run on a real Xvfb in test_loop_e2e.py, faults and cancellation are in test_loop_faults.py.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any

import pytest

from computer_use_demo.agent.history import IMAGE_PLACEHOLDER, MAX_CACHE_BREAKPOINTS
from computer_use_demo.models.usage import TurnUsage
from computer_use_demo.tools import HALTED_TEXT, ToolCollection
from tests.support.fake_api import (
    FakeMessagesAPI,
    error_reply,
    member,
    redacted_thinking,
    reply,
    text,
    thinking,
    tool_use,
)
from tests.support.loop_run import run_loop, user_turns
from tests.support.loop_tools import RecordingShell, ScreenStandIn, ToolsetStandIn

# ---------------------------------------------------------------- the basic cycle


async def test_tool_call_then_answer(fake_api: FakeMessagesAPI) -> None:
    call = tool_use("bash", {"command": "ls /tmp"})
    fake_api.script(reply(text("Let me look."), call), reply(text("All done.")))
    shell = RecordingShell()

    run = await run_loop(tools=ToolCollection(shell))

    assert shell.commands == ["ls /tmp"]
    assert [m["role"] for m in run.messages] == ["user", "assistant", "user", "assistant"]
    results = run.messages[2]["content"]
    assert results == [
        {
            "type": "tool_result",
            "tool_use_id": call["id"],
            "content": [{"type": "text", "text": "ran: ls /tmp"}],
        }
    ]
    assert run.blocks == [
        {"type": "text", "text": "Let me look."},
        call,
        {"type": "text", "text": "All done."},
    ]
    assert [(r.output, i) for r, i in run.tool_results] == [("ran: ls /tmp", call["id"])]
    assert run.stop.kind == "end_turn"
    second = fake_api.requests[1].body
    assert second["messages"][1]["content"][1] == call  # the tool call goes back as it came
    assert second["messages"][2]["content"][0]["tool_use_id"] == call["id"]
    assert all(
        err is None and req is not None and resp.status_code == 200 for req, resp, err in run.exchanges
    )
    assert not shell.closed, "tools passed in by the caller stay open"


async def test_always_streams_and_reports_deltas(fake_api: FakeMessagesAPI) -> None:
    fake_api.chunk_chars = 5
    fake_api.script(reply(thinking("First I think about it."), text("Here is the answer.")))

    run = await run_loop(thinking_mode="extended", max_tokens=4096)

    assert all(r.body["stream"] is True for r in fake_api.requests)
    thought = "".join(d.text for d in run.deltas if d.kind == "thinking")
    said = "".join(d.text for d in run.deltas if d.kind == "text")
    assert (thought, said) == ("First I think about it.", "Here is the answer.")
    assert len([d for d in run.deltas if d.kind == "text"]) == 4  # arrived in pieces, not at the end


async def test_large_max_tokens_streams_without_error(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(text("ok")))
    run = await run_loop(model="claude-opus-4-6", max_tokens=100_000, tool_version="computer_use_20251124")
    assert run.stop.kind == "end_turn"
    assert fake_api.requests[0].body["max_tokens"] == 100_000


async def test_max_tokens_is_capped_at_the_model_limit(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(text("ok")))
    await run_loop(
        model="claude-3-5-sonnet-20241022", max_tokens=50_000, tool_version="computer_use_20241022"
    )
    assert fake_api.requests[0].body["max_tokens"] == 8_192


async def test_thinking_budget_fits_under_the_capped_max_tokens(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(text("ok")))
    await run_loop(
        model="claude-3-7-sonnet-20250219",
        tool_version="computer_use_20250124",
        max_tokens=200_000,
        thinking_mode="extended",
        thinking_budget=150_000,
    )
    body = fake_api.requests[0].body
    assert body["max_tokens"] == 64_000 and body["thinking"]["budget_tokens"] == 63_999


@pytest.mark.parametrize(
    ("model", "sent"), [("claude-3-7-sonnet-20250219", True), ("claude-sonnet-4-6", False)]
)
async def test_token_efficient_tools_beta_only_for_claude_3_7(fake_api: FakeMessagesAPI, model, sent) -> None:
    fake_api.script(reply(text("ok")))
    await run_loop(model=model, tool_version="computer_use_20250124", token_efficient_tools_beta=True)
    assert ("token-efficient-tools-2025-02-19" in fake_api.requests[0].betas) is sent


async def test_system_prompt_is_ours_with_the_suffix(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(text("ok")))
    await run_loop(system_prompt_suffix="Always answer in French.")
    system = fake_api.requests[0].body["system"]
    assert len(system) == 1 and system[0]["type"] == "text"
    assert "Debian" in system[0]["text"] and system[0]["text"].endswith("Always answer in French.")


# ---------------------------------------------------------------- thinking


@pytest.mark.parametrize(
    ("model", "mode", "expected_thinking", "expected_output_config", "interleaved"),
    [
        ("claude-sonnet-4-5", "off", None, None, False),
        ("claude-sonnet-5", "off", {"type": "disabled"}, None, False),
        ("claude-sonnet-4-5", "extended", {"type": "enabled", "budget_tokens": 3000}, None, True),
        ("claude-opus-4-6", "extended", {"type": "enabled", "budget_tokens": 3000}, None, True),
        ("claude-opus-4-6", "adaptive", {"type": "adaptive"}, {"effort": "high"}, False),
        # Adaptive-only models never get a budget.
        ("claude-opus-4-7", "extended", {"type": "adaptive"}, {"effort": "high"}, False),
        ("claude-opus-4-8", "adaptive", {"type": "adaptive"}, {"effort": "high"}, False),
        ("us.anthropic.claude-sonnet-4-6", "adaptive", {"type": "adaptive"}, {"effort": "high"}, False),
    ],
)
async def test_thinking_params_per_mode(
    fake_api: FakeMessagesAPI, model, mode, expected_thinking, expected_output_config, interleaved
) -> None:
    fake_api.script(reply(text("ok")))
    await run_loop(
        model=model,
        thinking_mode=mode,
        thinking_effort="high",
        thinking_budget=3000,
        max_tokens=8000,
        tool_version="computer_use_20251124",
    )
    request = fake_api.requests[0]
    assert request.body.get("thinking") == expected_thinking
    assert request.body.get("output_config") == expected_output_config
    assert ("interleaved-thinking-2025-05-14" in request.betas) is interleaved
    assert request.betas[0] == "computer-use-2025-11-24"


async def test_thinking_blocks_go_back_unmodified(fake_api: FakeMessagesAPI) -> None:
    thought = thinking("I should list the files.", signature="EqQBCkYIBxgCKkDsignature+/==")
    hidden = redacted_thinking("EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP")
    call = tool_use("bash", {"command": "ls"})
    fake_api.script(reply(thought, hidden, call), reply(text("done")))

    await run_loop(model="claude-sonnet-4-5", thinking_mode="extended", max_tokens=4096)

    sent_back = fake_api.requests[1].body["messages"][1]["content"]
    assert sent_back == [thought, hidden, call]


# ---------------------------------------------------------------- caching


def _marked_positions(body: dict[str, Any]) -> list[str]:
    where = [f"system[{i}]" for i, b in enumerate(body["system"]) if "cache_control" in b]
    where += [f"tools[{i}]" for i, t in enumerate(body["tools"]) if "cache_control" in t]
    for m, message in enumerate(body["messages"]):
        content = message["content"] if isinstance(message["content"], list) else []
        for b, block in enumerate(content):
            if "cache_control" in block:
                where.append(f"messages[{m}][{b}]")
            for c, inner in enumerate(
                block.get("content") or [] if isinstance(block.get("content"), list) else []
            ):
                if "cache_control" in inner:
                    where.append(f"messages[{m}][{b}][{c}]")
    return where


async def test_cache_breakpoints_move_with_the_newest_tool_results(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(
        *[reply(tool_use("bash", {"command": f"step {i}"})) for i in range(6)], reply(text("done"))
    )

    await run_loop()

    assert len(fake_api.requests) == 7
    for request in fake_api.requests:
        body = request.body
        positions = _marked_positions(body)
        assert len(positions) <= MAX_CACHE_BREAKPOINTS
        assert positions[0] == "system[0]"
        user_indexes = [i for i, m in enumerate(body["messages"]) if m["role"] == "user"]
        newest = user_indexes[-3:]
        expected = [f"messages[{i}][{len(body['messages'][i]['content']) - 1}]" for i in newest]
        assert positions[1:] == expected
    # With 7 user turns in the last request, 4 older ones carry no mark.
    assert len(user_turns(fake_api.requests[-1].body)) == 7


async def test_cache_reads_grow_between_turns(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(
        *[reply(tool_use("bash", {"command": f"step {i}"})) for i in range(4)], reply(text("done"))
    )
    run = await run_loop()
    reads = [turn.cache_read_input_tokens for turn, _ in run.usages]
    assert reads[0] == 0 and all(later > earlier for earlier, later in itertools.pairwise(reads))
    assert reads[1] > 0


async def test_no_breakpoints_when_caching_is_off(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(reply(tool_use("bash", {"command": "x"})), reply(text("done")))
    await run_loop(prompt_caching=False)
    assert all(_marked_positions(r.body) == [] for r in fake_api.requests)


async def test_old_cache_marks_in_the_history_are_cleared(fake_api: FakeMessagesAPI) -> None:
    # A history saved by another client, with stale marks everywhere.
    history = [
        {
            "role": "user",
            "content": [{"type": "text", "text": f"m{i}", "cache_control": {"type": "ephemeral"}}],
        }
        if i % 2 == 0
        else {"role": "assistant", "content": [{"type": "text", "text": f"a{i}"}]}
        for i in range(9)
    ]
    fake_api.script(reply(text("ok")))
    await run_loop(messages=history)
    assert len(_marked_positions(fake_api.requests[0].body)) == 4
    assert history[0]["content"][0]["cache_control"] == {"type": "ephemeral"}, (
        "the caller's history is not edited"
    )


# ---------------------------------------------------------------- images


def _images(body: dict[str, Any]) -> int:
    return sum(
        1
        for m in body["messages"]
        if isinstance(m["content"], list)
        for b in m["content"]
        for inner in (b.get("content") if isinstance(b.get("content"), list) else [b])
        if inner.get("type") == "image"
    )


def _without_marks(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_marks(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_without_marks(v) for v in value]
    return value


async def test_pruning_keeps_n_images_and_the_prefix_between_prunes(fake_api: FakeMessagesAPI) -> None:
    steps = 16
    fake_api.script(
        *[reply(tool_use("computer", {"action": "screenshot"})) for _ in range(steps)], reply(text("done"))
    )
    screen = ScreenStandIn(320, 200)

    run = await run_loop(tools=ToolCollection(screen), only_n_most_recent_images=3, image_prune_interval=5)

    history_images = [min(i, steps) for i in range(len(fake_api.requests))]  # screenshots in the history
    sent = [_images(r.body) for r in fake_api.requests]
    expected = [n if n < 3 else n - (n - 3) // 5 * 5 for n in history_images]
    assert sent == expected
    assert max(sent) == 7 and min(sent[3:]) == 3
    assert _images({"messages": run.messages}) == steps, "the returned history keeps every screenshot"
    for before, after in zip(fake_api.requests, fake_api.requests[1:], strict=False):
        a, b = _without_marks(before.body["messages"]), _without_marks(after.body["messages"])
        removed_before = history_images[fake_api.requests.index(before)] - _images(before.body)
        removed_after = history_images[fake_api.requests.index(after)] - _images(after.body)
        if removed_before == removed_after:
            assert b[: len(a)] == a, "between prune points the request only grows at the end"
        else:
            assert b[: len(a)] != a
    placeholders = json.dumps(fake_api.requests[-1].body["messages"]).count(IMAGE_PLACEHOLDER)
    assert placeholders == steps - sent[-1]


@pytest.mark.parametrize(("mode", "server_side"), [("adaptive", True), ("off", False)])
async def test_newest_models_thinking_prune_on_the_server(
    fake_api: FakeMessagesAPI, mode, server_side
) -> None:
    fake_api.script(
        *[reply(tool_use("computer", {"action": "screenshot"})) for _ in range(9)], reply(text("ok"))
    )
    await run_loop(
        model="claude-opus-5-5",
        thinking_mode=mode,
        tools=ToolCollection(ScreenStandIn(64, 40)),
        only_n_most_recent_images=3,
        image_prune_interval=4,
    )
    last = fake_api.requests[-1]
    if server_side:
        assert last.body["context_management"] == {
            "edits": [
                {
                    "type": "clear_tool_uses_20250919",
                    "trigger": {"type": "tool_uses", "value": 7},
                    "keep": {"type": "tool_uses", "value": 3},
                    "exclude_tools": ["str_replace_based_edit_tool", "bash"],
                }
            ]
        }
        assert "context-management-2025-06-27" in last.betas
        assert _images(last.body) == 9, "the history is sent unedited; the API clears it"
    else:
        assert "context_management" not in last.body
        assert _images(last.body) == 9 - 4


async def test_more_than_20_large_images_are_never_sent(fake_api: FakeMessagesAPI) -> None:
    fake_api.script(
        *[reply(tool_use("computer", {"action": "screenshot"})) for _ in range(24)], reply(text("ok"))
    )
    screen = ScreenStandIn(2576, 1450, distinct_frames=2, noise=False)

    run = await run_loop(
        tools=ToolCollection(screen), model="claude-opus-4-7", tool_version="computer_use_20251124"
    )

    assert run.stop.kind == "end_turn", run.stops  # the fake rejects >20 images over 2000 px with a 400
    assert max(_images(r.body) for r in fake_api.requests) <= 20
    assert _images(fake_api.requests[-1].body) >= 15


# ---------------------------------------------------------------- toolset, usage, secrets


async def test_toolset_member_blocks_are_dispatched_and_echoed(fake_api: FakeMessagesAPI) -> None:
    click, typing = member("left_click", {"coordinate": [10, 20]}), member("type", {"text": "hi"})
    bad, skipped = member("left_click", {"coordinate": [-1, -1]}), member("key", {"text": "Return"})
    fake_api.script(reply(click, typing), reply(bad, skipped), reply(text("done")))
    toolset = ToolsetStandIn()

    run = await run_loop(
        model="claude-opus-4-8",
        tool_version="computer_use_20260801",
        tools=ToolCollection(toolset, RecordingShell()),
    )

    assert toolset.calls == [
        ("left_click", {"coordinate": [10, 20]}),
        ("type", {"text": "hi"}),
        ("left_click", {"coordinate": [-1, -1]}),
    ]
    first, second = run.messages[2]["content"], run.messages[4]["content"]
    assert all(r["toolset_name"] == "computer" for r in first + second)
    assert first[1]["content"][-1]["type"] == "image", "the batch ends with a screenshot"
    assert second[0]["is_error"] and second[1]["content"][0]["text"] == HALTED_TEXT
    assert fake_api.requests[0].betas == [], "the toolset needs no beta header"
    assert fake_api.requests[1].body["messages"][1]["content"][0]["toolset_name"] == "computer"


async def test_usage_per_turn_and_run(fake_api: FakeMessagesAPI) -> None:
    usage = {
        "input_tokens": 100,
        "output_tokens": 20,
        "cache_creation_input_tokens": 1000,
        "cache_read_input_tokens": 0,
    }
    usage2 = {
        "input_tokens": 50,
        "output_tokens": 10,
        "cache_creation_input_tokens": 200,
        "cache_read_input_tokens": 1000,
    }
    fake_api.script(reply(tool_use("bash", {"command": "x"}), usage=usage), reply(text("done"), usage=usage2))
    run = await run_loop(model="claude-sonnet-4-5")
    turns = [t for t, _ in run.usages]
    assert turns == [TurnUsage(**usage), TurnUsage(**usage2)]
    total = run.usages[-1][1]
    assert total.total == TurnUsage(150, 30, 1200, 1000)
    expected = (150 * 3 + 1200 * 3 * 1.25 + 1000 * 3 * 0.1 + 30 * 15) / 1e6
    assert total.cost == pytest.approx(expected)


async def test_api_key_is_sent_but_never_logged(
    fake_api: FakeMessagesAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_api.script(error_reply(500), error_reply(500), error_reply(500), error_reply(500), error_reply(500))
    run = await run_loop(api_key="sk-ant-very-secret-key-42")
    headers = fake_api.requests[0].headers
    assert "sk-ant-very-secret-key-42" in (headers.get("x-api-key", ""), headers.get("authorization", "")[7:])
    assert "very-secret" not in caplog.text
    assert "very-secret" not in run.stop.message


async def test_a_claude_4_model_gets_its_own_editor_with_the_older_computer_tool(
    fake_api: FakeMessagesAPI, xdisplay
) -> None:
    # The reference's setting for Sonnet 4.5; Claude 4 and later reject text_editor_20250124.
    fake_api.script(reply(text("ok")))
    run = await run_loop(model="claude-sonnet-4-5-20250929", tool_version="computer_use_20250124", tools=None)
    assert run.stops[-1].kind == "end_turn"
    sent = {t["type"]: t["name"] for t in fake_api.requests[-1].body["tools"]}
    assert sent.get("text_editor_20250728") == "str_replace_based_edit_tool"
    assert "text_editor_20250124" not in sent and sent.get("computer_20250124") == "computer"
