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
    """One step per tool call, plus one per turn that called no tool (the answer), and one per takeover
    where it happened (before the call it pre-empted, or after the turn)."""
    steps: list[Step] = []
    for turn_index, response in enumerate(trajectory.responses, 1):
        turn = response.get("turn", turn_index)
        content = response.get("content") or []
        said, thinking = _texts(content, "text", "text"), _texts(content, "thinking", "thinking")
        calls = [c for c in trajectory.tool_calls if c.turn == turn]
        humans = [h for h in trajectory.humans if (h.get("place") or {}).get("turn") == turn]
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
            steps += _human_steps(trajectory, humans, len(steps), turn, before=None)
            continue
        for position, call in enumerate(calls):
            first = position == 0
            steps += _human_steps(trajectory, humans, len(steps), turn, before=call.tool_use_id)
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
        steps += _human_steps(trajectory, humans, len(steps), turn, before=None)
    return steps


def _human_steps(
    trajectory: Trajectory, humans: list[dict[str, Any]], count: int, turn: int, *, before: str | None
) -> list[Step]:
    """The takeovers of `turn` that came before the call `before` (None: the ones after its calls)."""
    found = []
    for record in humans:
        if (record.get("place") or {}).get("before_tool_use_id") != before:
            continue
        said = "\n".join(f"- {s.get('description')}" for s in record.get("steps") or []) or "(no input)"
        shot = record.get("screenshot")
        screenshot = trajectory.screenshot_path(shot) if shot else None
        duration = (record.get("ended_at") or 0) - (record.get("started_at") or 0)
        title = f"human takeover ({record.get('holder', 'a person')})"
        found.append(
            Step(count + len(found) + 1, turn, title, said, "", None, None, None, screenshot, duration, None)
        )
    return found
