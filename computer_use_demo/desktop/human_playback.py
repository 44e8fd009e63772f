"""Playing a recorded human segment back on the display with xdotool (for replays).

The events of `human_input.py` become chained xdotool commands: pointer moves, button and key downs and
ups by keysym name, and the pauses between them (capped, so a long think does not stall a replay). Pointer
motion is kept only where it matters: while a button is held (a drag) and right before a press. Points
are scaled when the live screen is not the recorded size.
"""

from __future__ import annotations

from collections.abc import Sequence

from computer_use_demo.desktop.human_input import InputEvent
from computer_use_demo.desktop.xdotool import Xdotool

MAX_PAUSE_S = 0.3
MIN_MOTION_GAP_MS = 15  # during a drag, one move per this many ms is enough
ARGS_PER_CALL = 400


def playback_commands(
    events: Sequence[InputEvent], scale: tuple[float, float] = (1.0, 1.0)
) -> list[list[str]]:
    """The xdotool argument lists (each one call) that reproduce `events`."""
    commands: list[list[str]] = []
    held: set[int] = set()
    last_time: int | None = None
    last_move: tuple[int, int] | None = None
    last_move_ms = -MIN_MOTION_GAP_MS
    for index, event in enumerate(events):
        if event.kind == "motion" and not _wanted_motion(events, index, held, event, last_move_ms):
            continue
        if last_time is not None and event.time_ms > last_time:
            pause = min(MAX_PAUSE_S, (event.time_ms - last_time) / 1000)
            if pause >= 0.005:
                commands.append(["sleep", f"{pause:.3f}"])
        last_time = event.time_ms
        point = (round(event.x * scale[0]), round(event.y * scale[1]))
        if event.kind in ("motion", "press", "release") and point != last_move:
            commands.append(["mousemove", str(point[0]), str(point[1])])
            last_move, last_move_ms = point, event.time_ms
        if event.kind == "press" and event.button is not None:
            held.add(event.button)
            commands.append(["mousedown", str(event.button)])
        elif event.kind == "release" and event.button is not None:
            held.discard(event.button)
            commands.append(["mouseup", str(event.button)])
        elif event.kind in ("key_down", "key_up"):
            name = event.base_keysym or event.keysym
            if name:
                commands.append(["keydown" if event.kind == "key_down" else "keyup", "--delay", "0", name])
    return _chunks(commands)


def _wanted_motion(
    events: Sequence[InputEvent], index: int, held: set[int], event: InputEvent, last_move_ms: int
) -> bool:
    following = events[index + 1] if index + 1 < len(events) else None
    before_press = following is not None and following.kind == "press"
    dragging = bool(held) and event.time_ms - last_move_ms >= MIN_MOTION_GAP_MS
    return before_press or dragging or following is None


def _chunks(commands: list[list[str]]) -> list[list[str]]:
    calls: list[list[str]] = []
    current: list[str] = []
    for command in commands:
        if current and len(current) + len(command) > ARGS_PER_CALL:
            calls.append(current)
            current = []
        current.extend(command)
    if current:
        calls.append(current)
    return calls


async def play_back(
    xdotool: Xdotool, events: Sequence[InputEvent], scale: tuple[float, float] = (1.0, 1.0)
) -> None:
    """Perform the recorded input on the display (XdotoolError when xdotool refuses it)."""
    for args in playback_commands(events, scale):
        await xdotool.run(args, time_limit=xdotool.timeout + len(args) * MAX_PAUSE_S)
