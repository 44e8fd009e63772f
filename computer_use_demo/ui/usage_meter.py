"""The token and cost meter: per API request, per user turn, and for the session, with the cache hit rate."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from computer_use_demo.models.usage import TurnUsage


@dataclass(frozen=True)
class UsageRecord:
    """One API request in the meter: the user turn it served, its counts (the one usage type), its price."""

    turn: int  # which user turn (message) this request served, counted from 1
    usage: TurnUsage = field(default_factory=TurnUsage)
    cost_usd: float | None = None

    @classmethod
    def priced(cls, turn: int, usage: TurnUsage, model: str) -> UsageRecord:
        """Priced by the project's one pricing table."""
        return cls(turn, usage, usage.cost(model))


@dataclass(frozen=True)
class UsageTotals:
    requests: int = 0
    usage: TurnUsage = field(default_factory=TurnUsage)
    cost_usd: float | None = None

    @property
    def cache_hit_rate(self) -> float | None:
        """The share of input tokens read from the cache, or None before any input."""
        return self.usage.cache_hit_ratio if self.usage.total_input_tokens else None

    def summary(self) -> str:
        u = self.usage
        hit = "n/a" if self.cache_hit_rate is None else f"{self.cache_hit_rate:.0%}"
        cost = "n/a" if self.cost_usd is None else f"${self.cost_usd:,.4f}"
        return (
            f"input {u.total_input_tokens:,} (new {u.input_tokens:,} · cache write "
            f"{u.cache_creation_input_tokens:,} · cache read {u.cache_read_input_tokens:,})"
            f" · output {u.output_tokens:,} · cache hit {hit} · {cost}"
        )


def total(records: list[UsageRecord]) -> UsageTotals:
    costs = [r.cost_usd for r in records if r.cost_usd is not None]
    usage = sum((r.usage for r in records), TurnUsage())
    return UsageTotals(requests=len(records), usage=usage, cost_usd=sum(costs) if costs else None)


@dataclass
class UsageLedger:
    records: list[UsageRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, record: UsageRecord) -> None:
        with self._lock:
            self.records.append(record)

    def snapshot(self) -> list[UsageRecord]:
        with self._lock:
            return list(self.records)

    def last_turn(self) -> UsageTotals:
        records = self.snapshot()
        if not records:
            return UsageTotals()
        newest = records[-1].turn
        return total([r for r in records if r.turn == newest])

    def session(self) -> UsageTotals:
        return total(self.snapshot())


def _requests(count: int) -> str:
    return f"{count} request" + ("" if count == 1 else "s")


def render_meter(ledger: UsageLedger) -> None:
    import streamlit as st

    records = ledger.snapshot()
    if not records:
        st.caption("**Tokens** · no requests yet")
        return
    last, session = ledger.last_turn(), ledger.session()
    st.caption(f"**Tokens, this turn** ({_requests(last.requests)}): {last.summary()}")
    st.caption(f"**Tokens, session** ({_requests(session.requests)}): {session.summary()}")
    with st.expander("Usage per request", expanded=False):
        # A markdown table, not st.dataframe: that would import pandas and pyarrow (seconds) mid-stream.
        rows = ["| turn | input | output | cache write | cache read | cost |", "|---:" * 6 + "|"]
        for r in records:
            u = r.usage
            cost = "n/a" if r.cost_usd is None else f"${r.cost_usd:.5f}"
            rows.append(
                f"| {r.turn} | {u.input_tokens:,} | {u.output_tokens:,} | {u.cache_creation_input_tokens:,}"
                f" | {u.cache_read_input_tokens:,} | {cost} |"
            )
        st.markdown("\n".join(rows))
