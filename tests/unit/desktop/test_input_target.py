"""Which process gets an action's input, on a real Xvfb (no window manager: top-level windows are clients)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator

import pytest

from computer_use_demo.desktop.input_target import InputTargets
from tests.support.xclients import wait_until


@contextlib.contextmanager
def xev_at(display, x: int, y: int) -> Iterator[subprocess.Popen]:
    title = f"target{x}x{y}"
    proc = subprocess.Popen(
        ["xev", "-geometry", f"200x150+{x}+{y}", "-name", title],
        env=display.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def shown() -> bool:
        done = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", title], env=display.env(), capture_output=True
        )
        return bool(done.stdout.strip())

    try:
        assert wait_until(shown, timeout=10)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


_opened: list[InputTargets] = []


def opened(targets: InputTargets) -> InputTargets:
    _opened.append(targets)
    return targets


@pytest.fixture(autouse=True)
def _close_opened():
    yield
    while _opened:
        _opened.pop().close()


def test_the_window_under_a_point_and_the_bare_desktop(xdisplay):
    targets = opened(InputTargets(xdisplay.name))
    with xev_at(xdisplay, 50, 50) as left, xev_at(xdisplay, 400, 50) as right:
        assert targets.resolve([(100, 100)]).app_pids == (left.pid,)
        assert targets.resolve([(450, 100)]).app_pids == (right.pid,)
        both = targets.resolve([(100, 100), (450, 100), (120, 110)])
        assert both.app_pids == (left.pid, right.pid)
        desktop = targets.resolve([(900, 600)])
        assert desktop.desktop and desktop.known and desktop.wm_pid is None


def test_the_pointer_position_when_no_point_is_given(xdisplay):
    targets = opened(InputTargets(xdisplay.name))
    with xev_at(xdisplay, 50, 50) as window:
        subprocess.run(["xdotool", "mousemove", "120", "120"], env=xdisplay.env(), check=True)
        assert targets.resolve([None]).app_pids == (window.pid,)
        subprocess.run(["xdotool", "mousemove", "800", "600"], env=xdisplay.env(), check=True)
        assert targets.resolve([None]).desktop


def test_key_input_goes_to_the_focused_window(xdisplay):
    targets = opened(InputTargets(xdisplay.name))
    with xev_at(xdisplay, 50, 50) as window:
        found = subprocess.run(
            ["xdotool", "search", "--name", "target50x50", "windowfocus", "--sync"],
            env=xdisplay.env(),
            capture_output=True,
        )
        assert found.returncode == 0
        assert targets.resolve((), keyboard=True).app_pids == (window.pid,)


def test_an_unreachable_display_is_unknown_not_the_desktop():
    target = opened(InputTargets(":4999")).resolve([None])
    assert not target.known and not target.desktop and target.app_pids == ()
