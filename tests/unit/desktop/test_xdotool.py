"""xdotool input: key text is validated, argv only (nothing the model sends can run), real events arrive."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computer_use_demo.desktop.xdotool import (
    KeySpecError,
    Xdotool,
    XdotoolError,
    parse_chords,
    parse_modifiers,
)
from tests.support.xclients import xev_window

SAFE_CHORD = re.compile(r"^[^\s\-;|&$`<>(){}]+$")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Return", ["Return"]),
        ("ctrl+s", ["ctrl+s"]),
        ("ctrl+shift+t", ["ctrl+shift+t"]),
        ("ctrl+a Delete", ["ctrl+a", "Delete"]),
        ("cmd+c", ["super+c"]),
        ("enter", ["Return"]),
        ("ctrl+-", ["ctrl+minus"]),
        ("ctrl++", ["ctrl+plus"]),
        ("f5", ["F5"]),
        ("KP_Enter", ["KP_Enter"]),
        ("é", ["é"]),
    ],
)
def test_parse_chords_accepts_real_key_names(text, expected):
    assert parse_chords(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ctrl+s; rm -rf ~",
        "$(touch /tmp/x)",
        "`id`",
        "--window 1 a",
        "-rf",
        "ctrl+",
        "a|b",
        "",
        "   ",
        "x" * 500,
    ],
)
def test_parse_chords_rejects_anything_else(text):
    with pytest.raises(KeySpecError):
        parse_chords(text)


@given(st.text(max_size=60))
def test_parsed_chords_can_never_be_an_option_or_a_shell_fragment(text):
    try:
        chords = parse_chords(text)
    except KeySpecError:
        return
    for chord in chords:
        assert not chord.startswith("-")
        for part in chord.split("+"):
            assert part and (SAFE_CHORD.match(part) or len(part) == 1)


def test_parse_modifiers():
    assert parse_modifiers("shift") == ["shift"]
    assert parse_modifiers("ctrl+shift") == ["ctrl", "shift"]
    assert parse_modifiers(None) == []
    with pytest.raises(KeySpecError, match="Invalid modifier"):
        parse_modifiers("shift; reboot")


async def test_move_and_location(xdisplay):
    xdo = Xdotool(xdisplay.name)
    await xdo.move(123, 456)
    assert await xdo.mouse_location() == (123, 456)
    # moving to where the pointer already is must not hang (no --sync)
    start = time.monotonic()
    await xdo.move(123, 456)
    assert time.monotonic() - start < 1


async def test_click_with_modifier_reaches_a_window_without_the_hidden_delay(xdisplay, tmp_path):
    xdo = Xdotool(xdisplay.name)
    with xev_window(xdisplay, tmp_path, 100, 100) as window:
        start = time.monotonic()
        await xdo.click("left", repeat=3, at=(150, 170), modifiers=["shift"])
        elapsed = time.monotonic() - start
        presses = window.wait_for("ButtonPress", 3)
    assert len(presses) == 3
    assert all((e.root_x, e.root_y, e.button) == (150, 170, 1) for e in presses)
    assert all(e.state & 0x1 for e in presses)  # Shift held
    assert elapsed < 0.2  # three clicks with xdotool's default 100 ms gaps would take over 0.2 s


async def test_key_and_unknown_key_name(xdisplay, tmp_path):
    xdo = Xdotool(xdisplay.name)
    with xev_window(xdisplay, tmp_path, 0, 0) as window:
        await xdo.move(50, 50)
        await xdo.key(parse_chords("a ctrl+b"))
        presses = window.wait_for("KeyPress", 3)
    assert [e.keysym for e in presses] == ["a", "Control_L", "b"]
    assert presses[2].state & 0x4  # Control held while b went down
    with pytest.raises(XdotoolError, match="Unknown key name"):
        await xdo.key(["NoSuchKeyName"])


async def test_injection_text_runs_nothing(xdisplay, tmp_path):
    marker = tmp_path / "pwned"
    xdo = Xdotool(xdisplay.name)
    hostile = f"; touch {marker} $(touch {marker}) `touch {marker}` && touch {marker}"
    await xdo.type_text(hostile)  # typed into the empty root window as literal keystrokes
    with pytest.raises(KeySpecError):
        parse_chords(f"ctrl+s; touch {marker}")
    await asyncio.sleep(0.2)
    assert not marker.exists()
