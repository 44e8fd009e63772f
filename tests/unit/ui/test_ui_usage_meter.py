"""Token meter arithmetic: per turn, per session, cache hit rate and cost (one usage type: TurnUsage)."""

from __future__ import annotations

import pytest

from computer_use_demo.models.usage import TurnUsage
from computer_use_demo.ui.usage_meter import UsageLedger, UsageRecord, UsageTotals


def test_turns_and_session_totals():
    ledger = UsageLedger()
    ledger.add(UsageRecord(1, TurnUsage(100, 10, 1000, 0), 0.01))
    ledger.add(UsageRecord(1, TurnUsage(50, 20, 200, 1000), 0.02))
    ledger.add(UsageRecord(2, TurnUsage(10, 5, 0, 1200), None))
    last, session = ledger.last_turn(), ledger.session()
    assert (last.requests, last.usage.input_tokens, last.usage.cache_read_input_tokens, last.cost_usd) == (
        1,
        10,
        1200,
        None,
    )
    assert session.requests == 3
    assert session.usage.total_input_tokens == 160 + 1200 + 2200
    assert session.cache_hit_rate == pytest.approx(2200 / 3560)
    assert session.cost_usd == pytest.approx(0.03)


def test_summary_formats_and_empty_totals():
    assert UsageTotals().cache_hit_rate is None
    assert "cache hit n/a" in UsageTotals().summary()
    line = UsageTotals(2, TurnUsage(1234, 56, 0, 1234), 0.5).summary()
    assert line == (
        "input 2,468 (new 1,234 · cache write 0 · cache read 1,234) · output 56 · cache hit 50% · $0.5000"
    )


def test_records_are_priced_by_the_one_price_table():
    record = UsageRecord.priced(2, TurnUsage(input_tokens=1_000_000), "claude-sonnet-4-5")
    assert record.turn == 2 and record.cost_usd == pytest.approx(3.0)
    record = UsageRecord.priced(1, TurnUsage(cache_read_input_tokens=1_000_000), "claude-sonnet-4-5")
    assert record.cost_usd == pytest.approx(0.3)
    assert UsageRecord.priced(1, TurnUsage(input_tokens=5), "unknown-model").cost_usd is None
