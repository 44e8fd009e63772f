"""Folding recorded input into readable steps (pure): clicks, multi-clicks, drags, scrolls, text, chords."""

from __future__ import annotations

from computer_use_demo.desktop.human_input import InputEvent, keysym_char, modifiers_of
from computer_use_demo.desktop.human_steps import describe_steps, merge_steps


def half(x: int, y: int) -> tuple[int, int]:  # a screen twice the screenshot's size
    return x // 2, y // 2


def click(t: int, x: int, y: int, button: int = 1, modifiers: tuple[str, ...] = ()) -> list[InputEvent]:
    return [
        InputEvent("press", t, x, y, button=button, modifiers=modifiers),
        InputEvent("release", t + 30, x, y, button=button, modifiers=modifiers),
    ]


def key(t: int, name: str, char: str | None = None, modifiers: tuple[str, ...] = (), window=None):
    return [
        InputEvent("key_down", t, 0, 0, keysym=name, char=char, modifiers=modifiers, window=window),
        InputEvent("key_up", t + 10, 0, 0, keysym=name, char=char, modifiers=modifiers),
    ]


def test_clicks_are_mapped_into_the_screenshot_and_quick_repeats_merge():
    events = [*click(0, 100, 200), *click(2000, 600, 400), *click(2200, 601, 401), *click(2400, 600, 400)]
    events += click(5000, 600, 400, button=3) + click(6000, 10, 10, modifiers=("shift",))
    assert describe_steps(merge_steps(events, half)) == [
        "clicked at (50, 100)",
        "triple-clicked at (300, 200)",
        "right-clicked at (300, 200)",
        "shift+clicked at (5, 5)",
    ]


def test_a_second_click_after_the_pause_or_elsewhere_is_a_click_of_its_own():
    events = [*click(0, 100, 100), *click(1000, 100, 100), *click(1100, 300, 300)]
    assert describe_steps(merge_steps(events, half)) == [
        "clicked at (50, 50)",
        "clicked at (50, 50)",
        "clicked at (150, 150)",
    ]


def test_a_press_that_moved_is_a_drag_and_an_unreleased_press_is_left_out():
    events = [
        InputEvent("press", 0, 100, 100, button=1),
        InputEvent("motion", 20, 150, 120),
        InputEvent("release", 60, 400, 300, button=1),
        InputEvent("press", 100, 10, 10, button=1),  # still held when the recording ended
    ]
    steps = merge_steps(events, half)
    assert describe_steps(steps) == ["dragged from (50, 50) to (200, 150)"]
    assert steps[0].to_record()["end"] == [200, 150]


def test_scrolls_one_way_at_one_place_merge_and_a_new_direction_starts_a_step():
    wheel = [InputEvent("press", t, 500, 500, button=5) for t in (0, 10, 20)]
    wheel += [InputEvent("release", t, 500, 500, button=5) for t in (1, 11, 21)]
    wheel.sort(key=lambda e: e.time_ms)
    events = [*wheel, InputEvent("press", 40, 500, 500, button=4)]
    assert describe_steps(merge_steps(events, half)) == [
        "scrolled down 3 times at (250, 250)",
        "scrolled up at (250, 250)",
    ]


def test_typed_text_is_one_step_with_its_window_and_backspace_taken_out():
    events = [*key(0, "H", "H", ("shift",), window="Mousepad"), *key(20, "i", "i"), *key(30, "x", "x")]
    events += key(40, "BackSpace") + key(50, "space", " ") + key(60, "apostrophe", "'")
    events += key(70, "Return")
    assert describe_steps(merge_steps(events, half)) == [
        "typed \"Hi '\" into 'Mousepad'",
        "pressed Return",
    ]


def test_chords_and_special_keys_are_presses_with_repeats_counted():
    events = [*key(0, "a", "a", ("ctrl",)), *key(10, "Down"), *key(20, "Down"), *key(30, "Down")]
    events += key(40, "Shift_L", modifiers=()) + key(50, "Tab", modifiers=("shift",))
    events += key(60, "BackSpace")  # nothing typed before it: a key press of its own
    events += key(70, "z", "z")
    assert describe_steps(merge_steps(events, half)) == [
        "pressed ctrl+a",
        "pressed Down 3 times",
        "pressed shift+Tab",
        "pressed BackSpace",
        "typed 'z' into the focused window",
    ]


def test_event_records_round_trip_and_modifier_bits_and_keysym_characters():
    event = InputEvent("key_down", 5, 1, 2, keysym="H", base_keysym="h", char="H", modifiers=("shift",))
    assert InputEvent.from_record(event.to_record()) == event
    assert modifiers_of(1 | 4 | 64) == ("shift", "ctrl", "super")
    assert (keysym_char(0x61), keysym_char(0xE9), keysym_char(0x010020AC), keysym_char(0xFF0D)) == (
        "a",
        "é",
        "€",
        None,
    )
