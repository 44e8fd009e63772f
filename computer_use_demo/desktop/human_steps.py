"""A person's recorded input as readable steps: "clicked at (x, y)", "typed 'hello' into 'Mousepad'".

Pure: `merge_steps(events, to_model)` folds raw events (screen pixels, see `human_input.py`) into steps.
A press and release close together is a click (two or three quick ones at one spot, a double or triple
click); one that moved is a drag; wheel buttons are scrolls, merged while they go one way at one place;
keys that type characters (shift allowed) become one piece of typed text, with BackSpace taken back out;
any other key or chord is a key press, repeats counted. Points are mapped with `to_model` into the space
of the screenshots the model sees, so the model can act on them directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from computer_use_demo.desktop.human_input import MODIFIER_KEYSYMS, InputEvent

Point = tuple[int, int]
DRAG_MIN_PX = 5  # screen pixels the pointer must move between press and release to count as a drag
MULTI_CLICK_MS = 400  # a second click this soon at the same spot makes a double click
MULTI_CLICK_PX = 4
BUTTON_NAMES = {1: "left", 2: "middle", 3: "right"}
SCROLL_NAMES = {4: "up", 5: "down", 6: "left", 7: "right"}
CLICK_WORDS = {1: "clicked", 2: "double-clicked", 3: "triple-clicked"}


@dataclass
class HumanStep:
    """One readable step; `point`/`end` are in the model's coordinates."""

    kind: str  # click, drag, scroll, type, key
    point: Point | None = None
    end: Point | None = None
    button: str = "left"
    count: int = 1  # clicks of a multi-click, scroll notches, repeats of a key
    text: str = ""  # typed text, or the key chord
    window: str | None = None
    modifiers: tuple[str, ...] = ()
    time_ms: int = 0  # of the last event merged in
    screen: Point | None = field(default=None, repr=False)  # the raw point, for merging

    def describe(self) -> str:
        held = "+".join(self.modifiers)
        prefix = f"{held}+" if held else ""
        if self.kind == "click":
            which = "" if self.button == "left" else f"{self.button}-"
            word = CLICK_WORDS.get(self.count, f"clicked {self.count} times")
            return f"{prefix}{which}{word} at {_at(self.point)}"
        if self.kind == "drag":
            return f"{prefix}dragged from {_at(self.point)} to {_at(self.end)}"
        if self.kind == "scroll":
            times = "" if self.count == 1 else f" {self.count} times"
            return f"{prefix}scrolled {self.button}{times} at {_at(self.point)}"
        if self.kind == "type":
            where = f"into {self.window!r}" if self.window else "into the focused window"
            return f"typed {self.text!r} {where}"
        times = "" if self.count == 1 else f" {self.count} times"
        return f"pressed {self.text}{times}"

    def to_record(self) -> dict[str, Any]:
        record = {"kind": self.kind, "description": self.describe(), "count": self.count}
        for name in ("point", "end"):
            if getattr(self, name) is not None:
                record[name] = list(getattr(self, name))
        if self.kind in ("type", "key"):
            record["text"] = self.text
        return record


def _at(point: Point | None) -> str:
    return f"({point[0]}, {point[1]})" if point else "(?, ?)"


def merge_steps(events: Sequence[InputEvent], to_model: Callable[[int, int], Point]) -> list[HumanStep]:
    """The readable steps of a recording; unfinished presses (no release yet) are left out."""
    merger = _Merger(to_model)
    for event in events:
        merger.feed(event)
    return merger.steps


class _Merger:
    def __init__(self, to_model: Callable[[int, int], Point]) -> None:
        self.to_model = to_model
        self.steps: list[HumanStep] = []
        self.pressed: dict[int, InputEvent] = {}  # button -> its press

    @property
    def last(self) -> HumanStep | None:
        return self.steps[-1] if self.steps else None

    def feed(self, event: InputEvent) -> None:
        if event.kind == "press" and event.button in SCROLL_NAMES:
            self._scroll(event)
        elif event.kind == "press" and event.button is not None:
            self.pressed[event.button] = event
        elif event.kind == "release" and event.button in self.pressed:
            self._release(self.pressed.pop(event.button), event)
        elif event.kind == "key_down" and event.keysym not in MODIFIER_KEYSYMS:
            self._key(event)

    def _scroll(self, event: InputEvent) -> None:
        direction = SCROLL_NAMES[event.button or 0]
        last = self.last
        if (
            last is not None
            and last.kind == "scroll"
            and last.button == direction
            and last.modifiers == event.modifiers
            and _near(last.screen, (event.x, event.y), MULTI_CLICK_PX)
        ):
            last.count += 1
            last.time_ms = event.time_ms
            return
        self._add("scroll", event, button=direction)

    def _release(self, press: InputEvent, release: InputEvent) -> None:
        button = BUTTON_NAMES.get(press.button or 0, f"button {press.button}")
        if not _near((press.x, press.y), (release.x, release.y), DRAG_MIN_PX - 1):
            step = self._add("drag", press, button=button)
            step.end = self.to_model(release.x, release.y)
            return
        last = self.last
        if (
            last is not None
            and last.kind == "click"
            and last.button == button
            and last.count < 3
            and press.time_ms - last.time_ms <= MULTI_CLICK_MS
            and _near(last.screen, (press.x, press.y), MULTI_CLICK_PX)
        ):
            last.count += 1
            last.time_ms = release.time_ms
            return
        self._add("click", press, button=button).time_ms = release.time_ms

    def _key(self, event: InputEvent) -> None:
        last = self.last
        typing = event.char is not None and not set(event.modifiers) - {"shift"}
        if typing:
            if last is not None and last.kind == "type" and event.window is None:
                last.text += event.char or ""
            else:
                self._add("type", event, text=event.char or "", window=event.window, modifiers=())
            return
        if event.keysym == "BackSpace" and last is not None and last.kind == "type" and last.text:
            last.text = last.text[:-1]
            return
        chord = "+".join((*event.modifiers, event.keysym or "?"))
        if last is not None and last.kind == "key" and last.text == chord:
            last.count += 1
            return
        self._add("key", event, text=chord, modifiers=())

    def _add(self, kind: str, event: InputEvent, **values: Any) -> HumanStep:
        values.setdefault("modifiers", event.modifiers)
        point = self.to_model(event.x, event.y) if kind in ("click", "drag", "scroll") else None
        step = HumanStep(kind, point=point, time_ms=event.time_ms, screen=(event.x, event.y), **values)
        self.steps.append(step)
        return step


def _near(a: Point | None, b: Point, tolerance: int) -> bool:
    return a is not None and abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance


def describe_steps(steps: Sequence[HumanStep]) -> list[str]:
    return [step.describe() for step in steps]
