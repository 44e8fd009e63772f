"""Real-application scenarios for the premature-frame check (bench/bench_settle_apps.py, tests/e2e).

Each group starts its application(s) on the desktop (mutter and tint2 already running), yields its
scenarios and stops everything it started. Coordinates assume a 1280x800 screen: Firefox and Writer open
maximized, the other windows are moved to a known place.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

from tests.support.desktop_apps import (
    App,
    LocalSite,
    launch,
    running,
    start_firefox,
    start_writer,
    start_xterm,
    xdotool,
)
from tests.support.local_pages import NAV_LINK_BOX, REPORT_LINK_BOX
from tests.support.settle_trials import Scenario
from tests.support.xvfb import XDisplay

FIREFOX_VIEWPORT_TOP = 122  # below the tab strip and the navigation bar, maximized at 1280x800
FIREFOX_MENU_BUTTON = (1256, 101)


def _center(box: tuple[int, int, int, int], top: int) -> list[int]:
    left, upper, right, lower = box
    return [(left + right) // 2, top + (upper + lower) // 2]


async def keys(display: XDisplay, *names: str, settle: float = 0.0) -> None:
    await asyncio.to_thread(xdotool, display, "key", "--delay", "20", *names)
    await asyncio.sleep(settle)


async def click(display: XDisplay, x: int, y: int) -> None:
    await asyncio.to_thread(xdotool, display, "mousemove", str(x), str(y), "click", "1")


def _focus(app: App):
    async def prepare(_trial: int) -> None:
        await asyncio.to_thread(app.activate)

    return prepare


@contextlib.contextmanager
def firefox_group(display: XDisplay, scratch: Path, *, full: bool = True) -> Iterator[list[Scenario]]:
    site = LocalSite(scratch / "site")
    try:
        with running(start_firefox(display, scratch / "firefox-profile", site.url("a.html"))) as firefox:
            focus = _focus(firefox)
            nav = _center(NAV_LINK_BOX, FIREFOX_VIEWPORT_TOP)
            report = _center(REPORT_LINK_BOX, FIREFOX_VIEWPORT_TOP)

            async def back(_trial: int) -> None:
                await keys(display, "alt+Left", settle=0.5)

            async def close_tab(_trial: int) -> None:
                await keys(display, "ctrl+w", settle=0.3)

            async def escape(_trial: int) -> None:
                await keys(display, "Escape", settle=0.2)

            scenarios = [
                Scenario("firefox: click a link (navigate)", "navigation",
                         lambda i: {"action": "left_click", "coordinate": nav}, prepare=focus),
                Scenario("firefox: new tab (ctrl+t)", "navigation",
                         lambda i: {"action": "key", "text": "ctrl+t"}, reset=close_tab, prepare=focus),
            ]  # fmt: skip
            if full:
                scenarios += [
                    Scenario("firefox: page rendered by script", "navigation",
                             lambda i: {"action": "left_click", "coordinate": report},
                             reset=back, prepare=focus),
                    Scenario("firefox: app menu", "other",
                             lambda i: {"action": "left_click", "coordinate": list(FIREFOX_MENU_BUTTON)},
                             reset=escape, prepare=focus),
                    Scenario("firefox: back / forward", "navigation",
                             lambda i: {"action": "key", "text": "alt+Left" if i % 2 == 0 else "alt+Right"},
                             prepare=focus),
                    Scenario("firefox: shift (no visible effect)", "no effect",
                             lambda i: {"action": "key", "text": "shift"}, prepare=focus),
                ]  # fmt: skip
            yield scenarios
    finally:
        site.close()


@contextlib.contextmanager
def mousepad_group(display: XDisplay, scratch: Path, *, full: bool = True) -> Iterator[list[Scenario]]:
    (scratch / "notes.txt").write_text("Some notes.\n")
    argv = ["mousepad", str(scratch / "notes.txt")]

    def start() -> App:
        return launch(display, argv, "mousepad", name="mousepad", cwd=scratch)

    holder: list[App] = [start()]
    try:
        focus = _focus_holder(holder)

        async def escape(_trial: int) -> None:
            await keys(display, "Escape", settle=0.3)

        async def restart(_trial: int) -> None:
            holder[0].stop()
            holder[0] = await asyncio.to_thread(start)
            await asyncio.sleep(0.5)

        scenarios = [
            Scenario("mousepad: Open dialog (ctrl+o)", "navigation",
                     lambda i: {"action": "key", "text": "ctrl+o"}, reset=escape, prepare=focus),
        ]  # fmt: skip
        if full:
            scenarios += [
                Scenario("mousepad: Save As dialog", "navigation",
                         lambda i: {"action": "key", "text": "ctrl+shift+s"}, reset=escape, prepare=focus),
                Scenario("mousepad: Open dialog, first use", "navigation",
                         lambda i: {"action": "key", "text": "ctrl+o"},
                         reset=_then(escape, restart), prepare=focus),
            ]  # fmt: skip
        yield scenarios
    finally:
        holder[0].stop()


def _focus_holder(holder: list[App]):
    async def prepare(_trial: int) -> None:
        await asyncio.to_thread(holder[0].activate)

    return prepare


def _then(*steps):
    async def run(trial: int) -> None:
        for step in steps:
            await step(trial)

    return run


@contextlib.contextmanager
def writer_group(display: XDisplay, scratch: Path) -> Iterator[list[Scenario]]:
    with running(start_writer(display, scratch / "lo-profile")) as writer:
        focus = _focus(writer)

        async def escape(_trial: int) -> None:
            await keys(display, "Escape", settle=0.3)

        yield [
            Scenario("writer: Format menu", "other",
                     lambda i: {"action": "left_click", "coordinate": [171, 46]},
                     reset=escape, prepare=focus),
            Scenario("writer: Insert Table dialog (ctrl+F12)", "navigation",
                     lambda i: {"action": "key", "text": "ctrl+F12"}, reset=escape, prepare=focus),
        ]  # fmt: skip


@contextlib.contextmanager
def galculator_group(display: XDisplay, scratch: Path) -> Iterator[list[Scenario]]:
    with running(launch(display, ["galculator"], "galculator", name="galculator", cwd=scratch)) as calc:
        xdotool(display, "windowmove", str(calc.window), "100", "100")
        focus = _focus(calc)

        async def clear(_trial: int) -> None:
            await click(display, 343, 250)  # AC

        yield [
            Scenario("galculator: button clicks", "immediate",
                     lambda i: {"action": "left_click", "coordinate": [135, 336] if i % 2 else [200, 336]},
                     reset=clear, prepare=focus),
        ]  # fmt: skip


@contextlib.contextmanager
def xterm_group(display: XDisplay, *, full: bool = True) -> Iterator[list[Scenario]]:
    with running(start_xterm(display, "100x30+60+60")) as term:
        focus = _focus(term)

        async def clear(_trial: int) -> None:
            await keys(display, "ctrl+l", settle=0.2)

        async def scroll_back(_trial: int) -> None:
            await asyncio.to_thread(xdotool, display, "click", "--repeat", "10", "--delay", "5", "5")

        async def fill(_trial: int) -> None:
            await focus(_trial)
            if _trial == 0:
                await asyncio.to_thread(xdotool, display, "type", "seq 1 400\n")
                await asyncio.sleep(0.5)

        scenarios = [
            Scenario("xterm: output after 300 ms", "other",
                     lambda i: {"action": "type", "text": "sleep 0.3; echo done\n"},
                     reset=clear, prepare=focus),
        ]  # fmt: skip
        if full:
            scenarios += [
                Scenario("xterm: command with immediate output", "immediate",
                         lambda i: {"action": "type", "text": "echo hello\n"}, reset=clear, prepare=focus),
                Scenario("xterm: scroll burst", "immediate",
                         lambda i: {"action": "scroll", "coordinate": [400, 300], "scroll_direction": "up",
                                    "scroll_amount": 10}, reset=scroll_back, prepare=fill),
            ]  # fmt: skip
        yield scenarios


@contextlib.contextmanager
def desktop_group(display: XDisplay) -> Iterator[list[Scenario]]:
    """The bare desktop (no application window): actions that change nothing."""
    yield [
        Scenario("desktop: mouse move", "no effect",
                 lambda i: {"action": "mouse_move", "coordinate": [900, 500] if i % 2 else [1000, 600]}),
        Scenario("desktop: click on nothing", "no effect",
                 lambda i: {"action": "left_click", "coordinate": [1000, 400]}),
        Scenario("desktop: shift", "no effect", lambda i: {"action": "key", "text": "shift"}),
    ]  # fmt: skip
