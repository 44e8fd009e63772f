"""The RECORD recorder on a real Xvfb, with xdotool as the human: what it records, where, and playback.

The screen is 1920x1080 and the model sees it at the standard tier's 1430x804, so every point is mapped;
an xev window is the application that receives the input (its own log says where the clicks landed).
"""

from __future__ import annotations

import asyncio
import subprocess
import time

import pytest

from computer_use_demo.desktop.human_input import InputRecorder, RecorderUnavailable
from computer_use_demo.desktop.human_playback import play_back, playback_commands
from computer_use_demo.desktop.human_steps import describe_steps, merge_steps
from computer_use_demo.desktop.xdotool import Xdotool
from computer_use_demo.tools.computer.scaling import Scaling
from tests.support.xclients import xev_window

WIDTH, HEIGHT = 1920, 1080
CLICK = (1501, 833)
DRAG = ((400, 300), (700, 500))
SCROLL_AT = (650, 450)


def xdotool(display, *args: str) -> None:
    subprocess.run(["xdotool", *args], env=display.env(), check=True, capture_output=True)


def act_as_human(display) -> None:
    """The human's input: a click, a typed word, a chord, a drag, three wheel notches, a double click."""
    xdotool(display, "mousemove", *map(str, CLICK), "click", "1")
    xdotool(display, "type", "--delay", "20", "Hello")
    xdotool(display, "key", "ctrl+a")
    (x1, y1), (x2, y2) = DRAG
    xdotool(display, "mousemove", str(x1), str(y1), "mousedown", "1", "sleep", "0.05")
    xdotool(display, "mousemove", "550", "400", "sleep", "0.05")
    xdotool(display, "mousemove", str(x2), str(y2), "sleep", "0.05")
    xdotool(display, "mouseup", "1")
    xdotool(display, "mousemove", *map(str, SCROLL_AT), "click", "--repeat", "3", "--delay", "30", "5")
    xdotool(display, "mousemove", "900", "700", "click", "--repeat", "2", "--delay", "60", "1")


def recorded(display, act) -> list:
    recorder = InputRecorder(display.name)
    recorder.start()  # returns once the server records: input right after it is seen
    try:
        act()
        time.sleep(0.3)
    finally:
        events = recorder.stop()
    return events


@pytest.fixture
def screen(xvfb_factory):
    return xvfb_factory(WIDTH, HEIGHT)


def test_the_humans_input_is_recorded_and_merged_into_steps_in_model_space(screen, tmp_path):
    scaling = Scaling.for_screen(WIDTH, HEIGHT, "standard")
    assert (scaling.image_width, scaling.image_height) == (1430, 804)
    with xev_window(screen, tmp_path, 100, 100, 1700, 900) as window:
        events = recorded(screen, lambda: act_as_human(screen))
        landed = window.wait_for("ButtonPress", 7)
    steps = merge_steps(events, scaling.to_model)
    assert describe_steps(steps) == [
        f"clicked at {scaling.to_model(*CLICK)}",
        "typed 'Hello' into 'xevtarget100x100'",
        "pressed ctrl+a",
        f"dragged from {scaling.to_model(*DRAG[0])} to {scaling.to_model(*DRAG[1])}",
        f"scrolled down 3 times at {scaling.to_model(*SCROLL_AT)}",
        f"double-clicked at {scaling.to_model(900, 700)}",
    ]
    # Every generated press reached the recorder: 1 click + 1 drag + 3 notches + 2 clicks = 7 presses,
    # as many as the application itself received.
    presses = [e for e in events if e.kind == "press"]
    assert len(presses) == 7 == len(landed)
    assert [(e.x, e.y) for e in presses] == [(e.root_x, e.root_y) for e in landed]
    typed = [e.char for e in events if e.kind == "key_down" and e.char]
    assert "".join(typed) == "Helloa"
    # Within 2 px of the exact point in the screenshot's space (the mapping only rounds).
    factor = scaling.factor
    generated = {0: [CLICK], 3: list(DRAG), 4: [SCROLL_AT], 5: [(900, 700)]}
    for index, points in generated.items():
        got = [p for p in (steps[index].point, steps[index].end) if p is not None]
        for (gx, gy), (x, y) in zip(got, points, strict=True):
            assert abs(gx - x * factor) <= 0.5 and abs(gy - y * factor) <= 0.5


def test_playback_reproduces_the_recorded_steps(screen, tmp_path):
    scaling = Scaling.for_screen(WIDTH, HEIGHT, "standard")
    with xev_window(screen, tmp_path, 100, 100, 1700, 900):
        original = recorded(screen, lambda: act_as_human(screen))
        replayed = recorded(screen, lambda: asyncio.run(play_back(Xdotool(screen.name), original)))
    assert describe_steps(merge_steps(replayed, scaling.to_model)) == describe_steps(
        merge_steps(original, scaling.to_model)
    )


def test_playback_scales_points_and_keeps_only_the_motion_that_matters():
    from computer_use_demo.desktop.human_input import InputEvent

    events = [
        InputEvent("motion", 0, 10, 10),
        InputEvent("motion", 5, 20, 20),  # wandering: dropped
        InputEvent("motion", 10, 100, 100),  # right before the press: kept
        InputEvent("press", 11, 100, 100, button=1),
        InputEvent("motion", 40, 150, 150),  # while held: kept
        InputEvent("release", 70, 200, 200, button=1),
        InputEvent("key_down", 80, 0, 0, keysym="H", base_keysym="h", char="H"),
    ]
    args = [arg for call in playback_commands(events, (0.5, 0.5)) for arg in call]
    moves = [args[i + 1 : i + 3] for i, a in enumerate(args) if a == "mousemove"]
    assert moves == [["50", "50"], ["75", "75"], ["100", "100"]]
    assert args[-4:] == ["keydown", "--delay", "0", "h"]


def test_a_display_that_cannot_be_recorded_says_why():
    with pytest.raises(RecorderUnavailable, match="cannot record :4999: no X server listens there"):
        InputRecorder(":4999").start()
