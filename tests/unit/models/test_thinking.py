from __future__ import annotations

import pytest

from computer_use_demo.models.specs import lookup_model
from computer_use_demo.models.thinking import INTERLEAVED_THINKING_BETA, thinking_request


def test_off_sends_nothing_unless_the_model_thinks_by_default() -> None:
    assert thinking_request(lookup_model("claude-sonnet-4-6"), "off", max_tokens=4096).params == {}
    off = thinking_request(lookup_model("claude-sonnet-5"), "off", max_tokens=4096)
    assert off.params == {"thinking": {"type": "disabled"}} and off.betas == ()


def test_extended_has_a_budget_and_the_interleaved_beta_on_claude_4() -> None:
    request = thinking_request(lookup_model("claude-sonnet-4-5"), "extended", budget=2048, max_tokens=4096)
    assert request.params == {"thinking": {"type": "enabled", "budget_tokens": 2048}}
    assert request.betas == (INTERLEAVED_THINKING_BETA,)
    older = thinking_request(lookup_model("claude-3-7-sonnet-20250219"), "extended", max_tokens=4096)
    assert older.betas == () and older.params["thinking"]["budget_tokens"] == 2048


@pytest.mark.parametrize(
    ("budget", "max_tokens", "sent"),
    [(None, 8000, 4000), (500, 8000, 1024), (10_000, 8000, 7999), (1024, 1025, 1024)],
)
def test_budget_stays_between_1024_and_max_tokens(budget, max_tokens, sent) -> None:
    request = thinking_request(
        lookup_model("claude-opus-4-6"), "extended", budget=budget, max_tokens=max_tokens
    )
    assert request.params["thinking"]["budget_tokens"] == sent


def test_extended_needs_room() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        thinking_request(lookup_model("claude-opus-4-6"), "extended", max_tokens=1024)


def test_adaptive_carries_the_effort() -> None:
    request = thinking_request(lookup_model("claude-opus-4-6"), "adaptive", effort="xhigh", max_tokens=4096)
    assert request.params == {"thinking": {"type": "adaptive"}, "output_config": {"effort": "xhigh"}}
    assert request.betas == () and request.note is None


def test_adaptive_only_models_never_get_a_budget() -> None:
    for model in ("claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-5", "claude-opus-5-5"):
        request = thinking_request(lookup_model(model), "extended", budget=5000, max_tokens=8000)
        assert request.params["thinking"] == {"type": "adaptive"}, model
        assert request.mode == "adaptive" and "budget_tokens" not in str(request.params)
        assert request.note and "adaptive" in request.note


def test_adaptive_falls_back_to_a_budget_where_unsupported() -> None:
    request = thinking_request(lookup_model("claude-sonnet-4-5"), "adaptive", max_tokens=8000)
    assert request.mode == "extended" and request.params["thinking"]["type"] == "enabled"


def test_models_without_thinking_get_none() -> None:
    request = thinking_request(lookup_model("claude-3-5-sonnet-20241022"), "adaptive", max_tokens=8000)
    assert request.mode == "off" and request.params == {}


def test_bad_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="thinking_mode"):
        thinking_request(lookup_model("claude-opus-4-6"), "deep", max_tokens=4096)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="thinking_effort"):
        thinking_request(lookup_model("claude-opus-4-6"), "adaptive", effort="huge", max_tokens=4096)  # type: ignore[arg-type]
