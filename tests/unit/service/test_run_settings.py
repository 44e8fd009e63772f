"""Which settings a run gets: the conversation's earlier ones, then the caller's; errors name the setting."""

from __future__ import annotations

import pytest

from computer_use_demo.service.run_settings import merged_settings, run_config, setting_named_in


def test_later_layers_win_and_a_new_model_drops_the_old_tool_version():
    base = {"provider": "anthropic", "model": "claude-sonnet-4-5", "tool_version": "computer_use_20250429"}
    assert merged_settings(base, {"max_iterations": 3}) == {**base, "max_iterations": 3}
    assert merged_settings(base, {"model": "claude-opus-4-6"}) == {
        "provider": "anthropic",
        "model": "claude-opus-4-6",
    }
    chosen = {"model": "claude-opus-4-6", "tool_version": "computer_use_20251124"}
    assert merged_settings(base, chosen)["tool_version"] == "computer_use_20251124"
    assert (
        run_config(merged_settings(base, {"model": "claude-opus-4-6"})).tool_version
        == "computer_use_20251124"
    )


def test_a_remote_caller_cannot_redirect_the_key():
    with pytest.raises(ValueError, match="base_url cannot be set"):
        run_config({"base_url": "http://evil.example"})


@pytest.mark.parametrize(
    ("message", "setting"),
    [
        ("max_tokens must be at least 1, got 0", "max_tokens"),
        ("thinking_budget must be below max_tokens", "thinking_budget"),
        ("unknown tool version 'x' (tool_version must be one of: ...)", "tool_version"),
        ("the model's output limit is lower", None),
        ("thinking_mode must be one of off, extended", "thinking_mode"),
    ],
)
def test_the_setting_an_error_is_about(message, setting):
    assert setting_named_in(message) == setting
