"""A real Xvfb for tests: a free display number, `-noreset`, stopped with its process group."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from computer_use_demo.desktop.input_target import InputTargets


@dataclass(frozen=True)
class XDisplay:
    number: int
    width: int
    height: int

    @property
    def name(self) -> str:
        return f":{self.number}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.name}


def _display_is_free(number: int) -> bool:
    return not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists()


def free_display_number(start: int = 50) -> int:
    for number in range(start, start + 400):
        if _display_is_free(number):
            return number
    raise RuntimeError("no free X display number")


@contextlib.contextmanager
def running_xvfb(width: int = 1024, height: int = 768, depth: int = 24) -> Iterator[XDisplay]:
    if shutil.which("Xvfb") is None:
        raise RuntimeError("Xvfb is not installed: run ./setup.sh")
    for _attempt in range(5):
        number = free_display_number(50 + (os.getpid() % 200))
        proc = subprocess.Popen(
            [
                "Xvfb",
                f":{number}",
                "-screen",
                "0",
                f"{width}x{height}x{depth}",
                "-noreset",
                "-nolisten",
                "tcp",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.02)
        if proc.poll() is None:
            break
    else:
        raise RuntimeError("Xvfb did not start")
    display = XDisplay(number, width, height)
    try:
        _wait_until_answering(display)
        yield display
    finally:
        InputTargets.forget(display.name)  # settle detection's cached connection to this server
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_until_answering(display: XDisplay, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run(
            ["xdotool", "getdisplaygeometry"], env=display.env(), capture_output=True, text=True, check=False
        )
        if done.returncode == 0:
            return
        time.sleep(0.05)
    raise RuntimeError(f"Xvfb on {display.name} does not answer")
