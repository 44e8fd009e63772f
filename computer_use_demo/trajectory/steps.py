"""A trajectory as a list of steps to page through (the viewer) or to print (the CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from computer_use_demo.trajectory.format import Trajectory


@dataclass(frozen=True)
class Step:
    number: int
    turn: int
    title: str
    said: str  # what the model wrote in this turn (on the turn's first step only)
    thinking: str
    tool_input: dict[str, Any] | None
    output: str | None
    error: str | None
    screenshot: Path | None
    duration_s: float | None
    usage: dict[str, Any] | None


def _texts(content: list[Any], kind: str, key: str) -> str:
    return "\n\n".join(str(b.get(key, "")) for b in content if isinstance(b, dict) and b.get("type") == kind)


def trajectory_steps(trajectory: Trajectory) -> list[Step]:
    """One step per tool call, plus one per turn that called no tool (the answer)."""
    steps: list[Step] = []
    for turn_index, response in enumerate(trajectory.responses, 1):
        turn = response.get("turn", turn_index)
        content = response.get("content") or []
        said, thinking = _texts(content, "text", "text"), _texts(content, "thinking", "thinking")
        calls = [c for c in trajectory.tool_calls if c.turn == turn]
        if not calls:
            steps.append(
                Step(
                    len(steps) + 1,
                    turn,
                    "answer",
                    said,
                    thinking,
                    None,
                    None,
                    None,
                    None,
                    response.get("duration_s"),
                    response.get("usage"),
                )
            )
            continue
        for position, call in enumerate(calls):
            first = position == 0
            steps.append(
                Step(
                    number=len(steps) + 1,
                    turn=turn,
                    title=call.action,
                    said=said if first else "",
                    thinking=thinking if first else "",
                    tool_input=call.input,
                    output=call.output,
                    error=call.error,
                    screenshot=trajectory.screenshot_path(call.screenshot) if call.screenshot else None,
                    duration_s=call.duration_s,
                    usage=response.get("usage") if first else None,
                )
            )
    return steps
