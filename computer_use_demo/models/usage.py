"""Token usage per turn and per run, and what it costs.

`PRICES` is the one pricing table in the project (US dollars per million tokens,
Claude API list prices). Cache writes (5-minute TTL) cost 1.25x the input price
and cache reads 0.1x. A model without a known price has no cost estimate rather
than a wrong one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from computer_use_demo.models.specs import normalize_model_id

CACHE_WRITE_FACTOR = 1.25
CACHE_READ_FACTOR = 0.1


@dataclass(frozen=True)
class Price:
    input: float  # $ per million input tokens
    output: float  # $ per million output tokens


# Longest matching prefix wins, as in models.py.
PRICES: dict[str, Price] = {
    "claude-3-5-sonnet": Price(3, 15),
    "claude-3-7-sonnet": Price(3, 15),
    "claude-sonnet-4": Price(3, 15),
    "claude-sonnet-4-5": Price(3, 15),
    "claude-sonnet-4-6": Price(3, 15),
    "claude-sonnet-5": Price(3, 15),
    "claude-haiku-4-5": Price(1, 5),
    "claude-opus-4": Price(15, 75),
    "claude-opus-4-1": Price(15, 75),
    "claude-opus-4-5": Price(5, 25),
    "claude-opus-4-6": Price(5, 25),
    "claude-opus-4-7": Price(5, 25),
    "claude-opus-4-8": Price(5, 25),
    "claude-opus-5": Price(5, 25),
    "claude-opus-5-5": Price(4, 20),
}


def price_for(model_id: str) -> Price | None:
    model = normalize_model_id(model_id)
    matches = [f for f in PRICES if model == f or model.startswith(f + "-")]
    return PRICES[max(matches, key=len)] if matches else None


@dataclass(frozen=True)
class TurnUsage:
    input_tokens: int = 0  # not cached
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    @classmethod
    def from_api(cls, usage: Any) -> TurnUsage:
        """From the SDK's usage object or a plain dict; missing counts are zero."""

        def get(name: str) -> int:
            value = usage.get(name) if isinstance(usage, dict) else getattr(usage, name, None)
            return int(value or 0)

        return cls(
            input_tokens=get("input_tokens"),
            output_tokens=get("output_tokens"),
            cache_creation_input_tokens=get("cache_creation_input_tokens"),
            cache_read_input_tokens=get("cache_read_input_tokens"),
        )

    @property
    def total_input_tokens(self) -> int:
        return self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens

    @property
    def cache_hit_ratio(self) -> float:
        total = self.total_input_tokens
        return self.cache_read_input_tokens / total if total else 0.0

    def __add__(self, other: TurnUsage) -> TurnUsage:
        return TurnUsage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
        )

    def cost(self, model_id: str) -> float | None:
        """Estimated dollars, or None when the model's price is unknown."""
        price = price_for(model_id)
        if price is None:
            return None
        per_input = price.input / 1e6
        return (
            self.input_tokens * per_input
            + self.cache_creation_input_tokens * per_input * CACHE_WRITE_FACTOR
            + self.cache_read_input_tokens * per_input * CACHE_READ_FACTOR
            + self.output_tokens * price.output / 1e6
        )


@dataclass
class RunUsage:
    """Usage of one run of the loop: every turn, and the totals."""

    model: str
    turns: list[TurnUsage] = field(default_factory=list)

    def add(self, turn: TurnUsage) -> None:
        self.turns.append(turn)

    @property
    def total(self) -> TurnUsage:
        total = TurnUsage()
        for turn in self.turns:
            total = total + turn
        return total

    @property
    def cost(self) -> float | None:
        return self.total.cost(self.model)
