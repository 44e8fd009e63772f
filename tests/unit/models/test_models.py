from __future__ import annotations

import pytest

from computer_use_demo.models.specs import (
    DEFAULT_SPEC,
    MODEL_SPECS,
    lookup_model,
    normalize_model_id,
    supports_prompt_caching,
)
from computer_use_demo.tools import TOOL_GROUPS_BY_VERSION


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5-20250929"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5-20250929"),
        ("global.anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
        ("eu.anthropic.claude-sonnet-4-6", "claude-sonnet-4-6"),
        ("apac.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5-20251001"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5-20250929"),
        ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet-v2-20241022"),
        ("arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-opus-4-7", "claude-opus-4-7"),
        ("  Claude-Opus-4-8 ", "claude-opus-4-8"),
    ],
)
def test_normalize(raw: str, normal: str) -> None:
    assert normalize_model_id(raw) == normal


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-sonnet-4-0", "claude-sonnet-4"),
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-opus-4-20250514", "claude-opus-4"),
        ("claude-opus-4-5@20251101", "claude-opus-4-5"),
        ("claude-opus-5", "claude-opus-5"),
        ("claude-opus-5-5", "claude-opus-5-5"),
        ("claude-fable-5-1", "claude-fable-5-1"),
        ("claude-fable-5-20270101", "claude-fable-5"),
        ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"),
        ("claude-3-7-sonnet-20250219", "claude-3-7-sonnet"),
    ],
)
def test_longest_prefix_wins(model: str, family: str) -> None:
    assert lookup_model(model).family == family


@pytest.mark.parametrize("model", ["gpt-4o", "claude-sonnet-40", "claude-opus", "my-fine-tune", ""])
def test_unknown_models_get_the_defaults(model: str) -> None:
    spec = lookup_model(model)
    assert spec is DEFAULT_SPEC and not spec.known
    assert spec.tool_version == "computer_use_20251124"
    assert spec.thinking_modes == {"off", "extended", "adaptive"}
    assert spec.image_tier == "standard"


def test_every_spec_uses_a_real_tool_version() -> None:
    for spec in MODEL_SPECS:
        assert set(spec.tool_versions) <= set(TOOL_GROUPS_BY_VERSION), spec.family
        assert "off" in spec.thinking_modes
        assert spec.max_output_tokens >= 8192


@pytest.mark.parametrize(
    ("model", "version", "adaptive_only", "tier"),
    [
        ("claude-3-5-sonnet-20241022", "computer_use_20241022", False, "standard"),
        ("claude-3-7-sonnet-20250219", "computer_use_20250124", False, "standard"),
        ("claude-sonnet-4-5", "computer_use_20250429", False, "standard"),
        ("claude-haiku-4-5", "computer_use_20250429", False, "standard"),
        ("claude-opus-4-5", "computer_use_20251124", False, "standard"),
        ("claude-sonnet-4-6", "computer_use_20251124", False, "standard"),
        ("claude-opus-4-7", "computer_use_20251124", True, "high"),
        ("claude-opus-4-8", "computer_use_20260801", True, "high"),
        ("claude-sonnet-5", "computer_use_20260801", True, "high"),
        ("claude-opus-5-5", "computer_use_20260801", True, "high"),
    ],
)
def test_model_properties(model: str, version: str, adaptive_only: bool, tier: str) -> None:
    spec = lookup_model(model)
    assert (spec.tool_version, spec.adaptive_only, spec.image_tier) == (version, adaptive_only, tier)


def test_thinking_modes() -> None:
    assert lookup_model("claude-3-5-sonnet-20241022").thinking_modes == {"off"}
    assert lookup_model("claude-sonnet-4-5").thinking_modes == {"off", "extended"}
    assert lookup_model("claude-opus-4-6").thinking_modes == {"off", "extended", "adaptive"}
    assert lookup_model("claude-opus-4-7").thinking_modes == {"off", "adaptive"}
    assert lookup_model("claude-sonnet-5").thinks_by_default
    assert not lookup_model("claude-opus-4-6").thinks_by_default


def test_newest_models_lose_thinking_when_the_history_is_edited() -> None:
    assert lookup_model("claude-fable-5-1").edits_invalidate_thinking
    assert lookup_model("claude-opus-5-5").edits_invalidate_thinking
    assert not lookup_model("claude-fable-5").edits_invalidate_thinking
    assert not lookup_model("claude-opus-4-8").edits_invalidate_thinking


def test_output_limits() -> None:
    assert lookup_model("claude-3-5-sonnet-20241022").max_output_tokens == 8_192
    assert lookup_model("claude-opus-4-1").max_output_tokens == 32_000
    assert lookup_model("claude-sonnet-4-5").max_output_tokens == 64_000
    assert lookup_model("claude-opus-4-6").max_output_tokens == 128_000


def test_toolset_only_on_the_claude_api() -> None:
    spec = lookup_model("claude-opus-4-8")
    assert spec.default_tool_version("anthropic") == "computer_use_20260801"
    assert spec.default_tool_version("bedrock") == "computer_use_20251124"
    assert spec.default_tool_version("vertex") == "computer_use_20251124"
    assert lookup_model("claude-sonnet-4-5").default_tool_version("bedrock") == "computer_use_20250429"


def test_high_image_tier_for_the_toolset_whatever_the_model() -> None:
    assert lookup_model("claude-sonnet-4-6").uses_high_image_tier("computer_use_20260801")
    assert not lookup_model("claude-sonnet-4-6").uses_high_image_tier("computer_use_20251124")
    assert lookup_model("claude-opus-4-7").uses_high_image_tier("computer_use_20251124")


def test_prompt_caching_support() -> None:
    assert supports_prompt_caching("anthropic", "claude-sonnet-4-6")
    assert supports_prompt_caching("bedrock", "us.anthropic.claude-sonnet-4-6")
    assert supports_prompt_caching("vertex", "claude-sonnet-4-5@20250929")
    assert supports_prompt_caching("replay", "claude-sonnet-4-6"), "a replay is shaped like the real run"
    assert not supports_prompt_caching("anthropic", "some-proxy-model")
