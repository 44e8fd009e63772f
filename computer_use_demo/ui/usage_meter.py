"""The token and cost meter: per API request, per user turn, and for the session, with the cache hit rate."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class UsageRecord:
    turn: int  # which user turn (message) this request served, counted from 1
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cost_usd: float | None = None


@dataclass(frozen=True)
class UsageTotals:
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cost_usd: float | None = None

    @property
    def total_input_tokens(self) -> int:
        return self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens

    @property
    def cache_hit_rate(self) -> float | None:
        """The share of input tokens read from the cache, or None before any input."""
        total = self.total_input_tokens
        return self.cache_read_input_tokens / total if total else None

    def summary(self) -> str:
        hit = "n/a" if self.cache_hit_rate is None else f"{self.cache_hit_rate:.0%}"
        cost = "n/a" if self.cost_usd is None else f"${self.cost_usd:,.4f}"
        return (
            f"input {self.total_input_tokens:,} (new {self.input_tokens:,} · cache write "
            f"{self.cache_creation_input_tokens:,} · cache read {self.cache_read_input_tokens:,})"
            f" · output {self.output_tokens:,} · cache hit {hit} · {cost}"
        )


def total(records: list[UsageRecord]) -> UsageTotals:
    costs = [r.cost_usd for r in records if r.cost_usd is not None]
    return UsageTotals(
        requests=len(records),
        input_tokens=sum(r.input_tokens for r in records),
        output_tokens=sum(r.output_tokens for r in records),
        cache_creation_input_tokens=sum(r.cache_creation_input_tokens for r in records),
        cache_read_input_tokens=sum(r.cache_read_input_tokens for r in records),
        cost_usd=sum(costs) if costs else None,
    )


@dataclass
class UsageLedger:
    records: list[UsageRecord] = field(default_factory=list)
    turn: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def start_turn(self) -> None:
        with self._lock:
            self.turn += 1

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
            cost = "n/a" if r.cost_usd is None else f"${r.cost_usd:.5f}"
            rows.append(
                f"| {r.turn} | {r.input_tokens:,} | {r.output_tokens:,} | {r.cache_creation_input_tokens:,}"
                f" | {r.cache_read_input_tokens:,} | {cost} |"
            )
        st.markdown("\n".join(rows))
