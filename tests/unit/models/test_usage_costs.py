"""Cost figures as the usage meter shows them, and the API's cache-write counts reaching the bill."""

from __future__ import annotations

from types import SimpleNamespace

from computer_use_demo.models.usage import RunUsage, TurnUsage


def test_a_long_sessions_cost_is_exact_to_the_meters_four_decimals() -> None:
    # Sonnet list prices: $3 per million input tokens, $15 per million output tokens.
    session = TurnUsage(input_tokens=100_000_000, output_tokens=10_000_000)
    assert f"{session.cost('claude-sonnet-4-6'):,.4f}" == "450.0000"


def test_cache_writes_reported_by_the_api_are_counted_and_billed() -> None:
    reported = SimpleNamespace(
        input_tokens=0, output_tokens=0, cache_creation_input_tokens=1_000_000, cache_read_input_tokens=0
    )
    turn = TurnUsage.from_api(reported)
    assert turn.cache_creation_input_tokens == 1_000_000 and turn.total_input_tokens == 1_000_000
    run = RunUsage(model="claude-sonnet-4-6", turns=[TurnUsage.from_api({"cache_creation_input_tokens": 2})])
    assert run.total.cache_creation_input_tokens == 2
    assert f"{turn.cost('claude-sonnet-4-6'):.4f}" == "3.7500"  # writes cost 1.25x the input price
