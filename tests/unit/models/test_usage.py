from __future__ import annotations

from types import SimpleNamespace

import pytest

from computer_use_demo.models.usage import PRICES, RunUsage, TurnUsage, price_for


def test_from_api_reads_objects_and_dicts_and_treats_missing_as_zero() -> None:
    sdk_like = SimpleNamespace(input_tokens=10, output_tokens=5, cache_creation_input_tokens=None)
    assert TurnUsage.from_api(sdk_like) == TurnUsage(10, 5, 0, 0)
    assert TurnUsage.from_api({"input_tokens": 1, "cache_read_input_tokens": 7}) == TurnUsage(1, 0, 0, 7)


def test_totals_and_hit_ratio() -> None:
    turn = TurnUsage(
        input_tokens=100, output_tokens=50, cache_creation_input_tokens=300, cache_read_input_tokens=600
    )
    assert turn.total_input_tokens == 1000
    assert turn.cache_hit_ratio == pytest.approx(0.6)
    assert TurnUsage().cache_hit_ratio == 0.0
    run = RunUsage(model="claude-sonnet-4-6")
    run.add(turn)
    run.add(TurnUsage(1, 2, 3, 4))
    assert run.total == TurnUsage(101, 52, 303, 604)


def test_cost_counts_cache_writes_and_reads_at_their_rates() -> None:
    turn = TurnUsage(
        input_tokens=1_000_000,
        output_tokens=1_000_000,
        cache_creation_input_tokens=1_000_000,
        cache_read_input_tokens=1_000_000,
    )
    # Sonnet: $3 in, $15 out; writes 1.25x, reads 0.1x.
    assert turn.cost("claude-sonnet-4-6") == pytest.approx(3 + 15 + 3.75 + 0.3)
    assert turn.cost("us.anthropic.claude-sonnet-4-6") == pytest.approx(22.05)
    assert turn.cost("claude-opus-4-1-20250805") == pytest.approx(15 + 75 + 18.75 + 1.5)
    assert turn.cost("claude-opus-4-5@20251101") == pytest.approx(5 + 25 + 6.25 + 0.5)


def test_unknown_price_gives_no_estimate() -> None:
    assert price_for("claude-fable-5") is None
    assert TurnUsage(10, 10).cost("some-model") is None
    assert RunUsage(model="some-model", turns=[TurnUsage(1, 1)]).cost is None


def test_longest_prefix_price() -> None:
    assert price_for("claude-opus-4-20250514") == PRICES["claude-opus-4"]
    assert price_for("claude-opus-4-6") == PRICES["claude-opus-4-6"]
    assert price_for("claude-opus-5-5") == PRICES["claude-opus-5-5"]
