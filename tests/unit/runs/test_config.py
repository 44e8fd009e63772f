"""RunConfig: defaults from the model table, validation with clear messages, building from a mapping;
and `sampling_loop`, the reference demo's entry point, still taking every keyword it took."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from computer_use_demo.runs.config import SETTING_NAMES, RunConfig
from computer_use_demo.tools import ToolCollection
from tests.support.fake_api import FakeMessagesAPI, reply, text, tool_use
from tests.support.loop_tools import RecordingShell


def test_defaults_come_from_the_model_table():
    sonnet = RunConfig.for_model("claude-sonnet-4-5")
    assert (sonnet.provider, sonnet.tool_version, sonnet.max_tokens) == (
        "anthropic",
        "computer_use_20250429",
        16_384,
    )
    assert (sonnet.only_n_most_recent_images, sonnet.max_iterations, sonnet.thinking_mode) == (3, 100, "off")
    # An output limit below the default caps it; the toolset is GA on the Claude API only.
    assert RunConfig.for_model("claude-3-5-sonnet-20241022").max_tokens == 8_192
    assert RunConfig.for_model("claude-opus-4-8").tool_version == "computer_use_20260801"
    bedrock = RunConfig.for_model("us.anthropic.claude-opus-4-8-v1:0", provider="bedrock")
    assert bedrock.tool_version == "computer_use_20251124"
    # No model: the provider's default.
    assert RunConfig.for_model().model == "claude-sonnet-5"
    assert "anthropic." in RunConfig.for_model(provider="bedrock").model


def test_what_the_settings_resolve_to():
    config = RunConfig.for_model("claude-3-5-sonnet-20241022", max_tokens=50_000)
    assert config.max_tokens == 50_000 and config.effective_max_tokens == 8_192
    assert config.resolved_image_tier == "standard"
    assert RunConfig.for_model("claude-opus-4-8").resolved_image_tier == "high"
    assert config.summary() == {
        "provider": "anthropic",
        "model": "claude-3-5-sonnet-20241022",
        "tool_version": "computer_use_20241022",
    }


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"tool_version": "computer_use_19990101"}, "unknown tool version 'computer_use_19990101'"),
        ({"thinking_mode": "deep"}, "thinking_mode must be one of off, extended, adaptive"),
        ({"thinking_effort": "huge"}, "thinking_effort must be one of"),
        ({"max_tokens": 0}, "max_tokens must be at least 1, got 0"),
        ({"max_iterations": -3}, "max_iterations must be at least 1"),
        ({"only_n_most_recent_images": -1}, "only_n_most_recent_images must be at least 0"),
        ({"image_tier": "huge"}, "image_tier must be one of standard, high"),
        ({"max_tokens": "4096"}, "max_tokens must be an int, got '4096'"),
        ({"max_iterations": True}, "max_iterations must be an int"),
        ({"prompt_caching": "yes"}, "prompt_caching must be a bool"),
        ({"tool_version": None}, "tool_version must be given"),
        ({"thinking_mode": "extended", "max_tokens": 1000}, "extended thinking needs max_tokens above 1024"),
    ],
)
def test_bad_settings_are_a_clear_value_error(overrides, words):
    with pytest.raises(ValueError) as caught:
        RunConfig.for_model("claude-sonnet-4-5", **overrides)
    assert words in str(caught.value)


def test_unknown_tool_version_lists_the_known_ones():
    with pytest.raises(ValueError) as caught:
        RunConfig.for_model("claude-sonnet-4-5", tool_version="computer_use_1999")
    assert "tool_version must be one of: computer_use_20241022" in str(caught.value)
    assert "computer_use_20260801" in str(caught.value)


def test_from_a_mapping_every_key_must_be_a_setting():
    config = RunConfig.from_overrides(
        {"model": "claude-opus-4-8", "max_iterations": 20, "thinking_mode": "adaptive"}
    )
    assert (config.model, config.max_iterations, config.thinking_mode) == ("claude-opus-4-8", 20, "adaptive")
    assert RunConfig.from_overrides({}).model == "claude-sonnet-5"
    with pytest.raises(ValueError) as caught:
        RunConfig.from_overrides({"model": "claude-opus-4-8", "max_iteratons": 20, "api_key": "sk-ant-x"})
    message = str(caught.value)
    assert message.startswith("unknown run settings 'api_key', 'max_iteratons'; known: provider, model")
    with pytest.raises(ValueError, match="no default model for provider 'replay'"):
        RunConfig.from_overrides({"provider": "replay"})


def test_frozen_and_replace_validates_again():
    config = RunConfig.for_model("claude-sonnet-4-5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.max_tokens = 5  # type: ignore[misc]
    assert config.replace(max_iterations=7).max_iterations == 7
    with pytest.raises(ValueError, match="max_iterations must be at least 1"):
        config.replace(max_iterations=0)
    with pytest.raises(ValueError, match="unknown run setting 'colour'"):
        config.replace(colour="red")


def test_the_api_key_is_not_a_setting():
    assert "api_key" not in SETTING_NAMES
    assert "sk-ant" not in repr(RunConfig.for_model("claude-sonnet-4-5"))


# The reference demo's `sampling_loop` keywords, and the ones this project added since: all still taken.
REFERENCE_KEYWORDS = (
    "model",
    "provider",
    "system_prompt_suffix",
    "messages",
    "output_callback",
    "tool_output_callback",
    "api_response_callback",
    "api_key",
    "only_n_most_recent_images",
    "max_tokens",
    "tool_version",
    "thinking_budget",
    "token_efficient_tools_beta",
)
ADDED_KEYWORDS = (
    "thinking_mode",
    "thinking_effort",
    "stream_callback",
    "usage_callback",
    "stop_callback",
    "max_iterations",
    "cancel_event",
    "image_tier",
    "client",
    "base_url",
    "tools",
    "prompt_caching",
    "image_prune_interval",
    "max_retries",
)


async def test_sampling_loop_takes_every_keyword_it_ever_took(fake_api: FakeMessagesAPI):
    from computer_use_demo.loop import APIProvider, sampling_loop  # the reference demo's import path

    parameters = inspect.signature(sampling_loop).parameters
    assert set(REFERENCE_KEYWORDS + ADDED_KEYWORDS) <= set(parameters)
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())

    fake_api.script(reply(tool_use("bash", {"command": "ls"})), reply(text("done")))
    seen: dict[str, list] = {"blocks": [], "results": [], "http": [], "deltas": [], "usage": [], "stops": []}
    messages = [{"role": "user", "content": "go"}]
    returned = await sampling_loop(
        model="claude-3-7-sonnet-20250219",
        provider=APIProvider.ANTHROPIC,
        system_prompt_suffix="SUFFIX",
        messages=messages,
        output_callback=seen["blocks"].append,
        tool_output_callback=lambda result, tool_id: seen["results"].append(tool_id),
        api_response_callback=lambda req, resp, err: seen["http"].append(err),
        api_key="sk-ant-test-key-0123456789",
        only_n_most_recent_images=2,
        max_tokens=4096,
        tool_version="computer_use_20250124",
        thinking_budget=2048,
        token_efficient_tools_beta=True,
        thinking_mode="extended",
        thinking_effort="low",
        stream_callback=seen["deltas"].append,
        usage_callback=lambda turn, run: seen["usage"].append(turn),
        stop_callback=seen["stops"].append,
        max_iterations=5,
        cancel_event=None,
        image_tier="standard",
        client=None,
        base_url=fake_api.base_url,
        tools=ToolCollection(RecordingShell()),
        prompt_caching=False,
        image_prune_interval=3,
        max_retries=0,
    )
    assert returned is messages and [m["role"] for m in messages] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert seen["stops"][0].kind == "end_turn" and len(seen["usage"]) == 2 and seen["http"] == [None, None]
    body = fake_api.requests[0].body
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert "token-efficient-tools-2025-02-19" in fake_api.requests[0].betas
    assert body["system"][0]["text"].endswith("SUFFIX") and "cache_control" not in body["system"][0]
