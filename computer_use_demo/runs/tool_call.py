"""A tool call as the run's hooks and controls see it, and how long it took."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ToolCall:
    """One `tool_use` block the model sent, as the tools receive it."""

    tool_use_id: str
    name: str  # for a toolset member, the member (`left_click`)
    toolset_name: str | None
    input: Any

    @classmethod
    def from_block(cls, block: dict[str, Any]) -> ToolCall:
        return cls(
            str(block.get("id")), str(block.get("name")), block.get("toolset_name"), block.get("input")
        )


@dataclass(frozen=True)
class ToolTiming:
    started_at: float  # wall clock
    duration_s: float
