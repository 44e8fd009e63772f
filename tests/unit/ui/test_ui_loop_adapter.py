"""The UI's view of the model table."""

from __future__ import annotations

from computer_use_demo.ui.loop_adapter import PROVIDERS, default_model, known_models, model_profile


def test_profiles_follow_the_model_table():
    sonnet45 = model_profile("claude-sonnet-4-5-20250929", "anthropic")
    assert sonnet45.tool_version == "computer_use_20250429"
    assert sonnet45.thinking_modes == ("off", "extended")
    opus48 = model_profile("claude-opus-4-8", "anthropic")
    assert opus48.tool_version == "computer_use_20260801" and opus48.thinking_modes == ("off", "adaptive")
    # The toolset is GA on the Claude API only: the cloud providers get the newest beta tool.
    assert (
        model_profile("us.anthropic.claude-opus-4-8-v1:0", "bedrock").tool_version == "computer_use_20251124"
    )
    assert model_profile("claude-3-7-sonnet", "anthropic").token_efficient_tools
    unknown = model_profile("my-model", "anthropic")
    assert not unknown.known and unknown.thinking_modes == ("off", "extended", "adaptive")


def test_models_per_provider():
    assert PROVIDERS == ("anthropic", "bedrock", "vertex")
    assert default_model("anthropic") in known_models("anthropic")
    assert "anthropic." in default_model("bedrock")
    assert known_models("vertex") == [default_model("vertex")]
    assert not any(m.startswith("claude-3") for m in known_models("anthropic"))
