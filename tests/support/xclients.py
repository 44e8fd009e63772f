"""Small real X clients for display tests: an `xev` window that records input, a known root pattern,
an xterm that writes what is typed into a file."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from tests.support.xvfb import XDisplay

EVENT_HEAD = re.compile(r"^(ButtonPress|ButtonRelease|KeyPress|KeyRelease|MotionNotify) event")
ROOT_POS = re.compile(r"root:\((-?\d+),(-?\d+)\)")
STATE = re.compile(r"state (0x[0-9a-f]+)")
BUTTON = re.compile(r"button (\d+)")
KEYSYM = re.compile(r"keysym 0x[0-9a-f]+, ([^)]+)\)")
TIME = re.compile(r"time (\d+)")


@dataclass(frozen=True)
class XEvent:
    kind: str
    root_x: int
    root_y: int
    state: int
    button: int | None
    keysym: str | None
    time_ms: int


def parse_xev(text: str) -> list[XEvent]:
    events = []
    for block in text.split("\n\n"):
        head = EVENT_HEAD.match(block.strip())
        pos = ROOT_POS.search(block)
        if not head or not pos:
            continue
        state = STATE.search(block)
        button = BUTTON.search(block)
        keysym = KEYSYM.search(block)
        stamp = TIME.search(block)
        events.append(
            XEvent(
                kind=head.group(1),
                root_x=int(pos.group(1)),
                root_y=int(pos.group(2)),
                state=int(state.group(1), 16) if state else 0,
                button=int(button.group(1)) if button and head.group(1).startswith("Button") else None,
                keysym=keysym.group(1) if keysym else None,
                time_ms=int(stamp.group(1)) if stamp else 0,
            )
        )
    return events


def _stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class XevWindow:
    """An `xev` window at a fixed place (no window manager: geometry is honoured) that logs input."""

    def __init__(self, display: XDisplay, log_path: Path, geometry: tuple[int, int, int, int]) -> None:
        self.display = display
        self.log_path = log_path
        self.geometry = geometry

    def events(self, kinds: tuple[str, ...] | None = None) -> list[XEvent]:
        events = parse_xev(self.log_path.read_text(errors="replace"))
        return [e for e in events if kinds is None or e.kind in kinds]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[XEvent]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.events((kind,))
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.02)


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Poll `predicate` until it holds or `timeout` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def _wait_for_window(display: XDisplay, name: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", name],
            env=display.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.stdout.strip():
            return
        time.sleep(0.05)
    raise RuntimeError(f"window {name!r} did not appear")


@contextlib.contextmanager
def xev_window(
    display: XDisplay, tmp_path: Path, x: int, y: int, width: int = 300, height: int = 300
) -> Iterator[XevWindow]:
    log_path = tmp_path / f"xev-{x}-{y}.log"
    title = f"xevtarget{x}x{y}"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                "xev",
                "-geometry",
                f"{width}x{height}+{x}+{y}",
                "-name",
                title,
                "-event",
                "button",
                "-event",
                "keyboard",
            ],
            env=display.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_window(display, title)
        time.sleep(0.1)
        yield XevWindow(display, log_path, (x, y, width, height))
    finally:
        _stop(proc)


@contextlib.contextmanager
def xterm_cat(display: XDisplay, out_file: Path, geometry: str = "80x24+0+0") -> Iterator[None]:
    """An xterm running `cat > out_file` (echo and canonical mode: a line lands on Return)."""
    title = f"catterm{os.getpid()}{out_file.stem}"
    proc = subprocess.Popen(
        ["xterm", "-geometry", geometry, "-title", title, "-e", "sh", "-c", f"cat > '{out_file}'"],
        env=display.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for_window(display, title)
        deadline = time.monotonic() + 5
        while not out_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        yield
    finally:
        _stop(proc)


def set_root_pattern(
    display: XDisplay,
    tmp_path: Path,
    pattern: Image.Image,
    fg: tuple[int, int, int] = (255, 255, 0),
    bg: tuple[int, int, int] = (0, 0, 128),
) -> Image.Image:
    """Tile a 1-bit pattern over the root window with `xsetroot -bitmap`; return the expected screen image."""
    bitmap = pattern.convert("1")
    path = tmp_path / "pattern.xbm"
    bitmap.save(path, "XBM")
    subprocess.run(
        [
            "xsetroot",
            "-bitmap",
            str(path),
            "-fg",
            "#{:02x}{:02x}{:02x}".format(*fg),
            "-bg",
            "#{:02x}{:02x}{:02x}".format(*bg),
        ],
        env=display.env(),
        check=True,
        capture_output=True,
    )
    # Pillow writes white (255) pixels as set XBM bits, which xsetroot paints in the foreground colour.
    tile = Image.composite(Image.new("RGB", bitmap.size, fg), Image.new("RGB", bitmap.size, bg), bitmap)
    screen = Image.new("RGB", (display.width, display.height))
    for top in range(0, display.height, bitmap.height):
        for left in range(0, display.width, bitmap.width):
            screen.paste(tile, (left, top))
    return screen


class RootPainter:
    """Paints the root window from this process through libX11 (ctypes): a stage costs microseconds, not a
    process start, so staged-drawing timings in tests are what the test says they are."""

    def __init__(self, display: XDisplay) -> None:
        self._x11 = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
        self._x11.XOpenDisplay.restype = ctypes.c_void_p
        self._x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self._x11.XDefaultRootWindow.restype = ctypes.c_ulong
        self._x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self._x11.XSetWindowBackground.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
        self._x11.XClearWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self._x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self._x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self._dpy = self._x11.XOpenDisplay(display.name.encode())
        if not self._dpy:
            raise RuntimeError(f"cannot open {display.name}")
        self._root = self._x11.XDefaultRootWindow(self._dpy)

    def fill(self, rgb: int) -> None:
        """Fill the root with 0xRRGGBB (24-bit TrueColor: the pixel value is the colour)."""
        self._x11.XSetWindowBackground(self._dpy, self._root, rgb)
        self._x11.XClearWindow(self._dpy, self._root)
        self._x11.XSync(self._dpy, 0)

    def close(self) -> None:
        if self._dpy:
            self._x11.XCloseDisplay(self._dpy)
            self._dpy = None
