"""Settle detection: after an action, wait until the screen stops changing, instead of a fixed sleep.

How it decides (all times configurable in `SettlePolicy`):
- A frame grabbed *before* the action is the reference. After a short `min_wait`, frames are polled every
  `poll_interval` (a full-screen grab is ~2 ms and equality is a memcmp of the raw bytes, which is cheaper
  than downsampling first).
- If a frame differs from the reference, the action had a visible effect: we then require the screen to stay
  unchanged for a whole `quiet_window`, not just two consecutive frames, because staged drawing (a menu
  painting its frame, then its items) pauses between stages and two equal frames would be premature.
  The window adapts: once the screen has paused and resumed, it may pause that long again, so the quiet
  window grows to `gap_factor` times the longest pause seen between changes (at most `max_quiet_window`).
- If nothing has changed after `response_window`, the action had no visible effect (a move over the empty
  desktop, a click on nothing) and we return at once. An application that reacts later than that is missed;
  `process_hint` widens that wait to `launch_window` when a process started since the action is alive and
  runs on our display (its environment holds our DISPLAY): a program being launched, whose window is not
  mapped yet. /proc/loadavg's last pid tells cheaply whether anything forked at all, so /proc is only
  scanned then; other users' processes (a different or no DISPLAY) are ignored.
- A plain screenshot (no reference: no action just happened) needs only two equal frames one poll apart,
  unless the screen is moving, in which case it waits for a quiet window too.
- Nothing waits longer than `cap` (default 2 s): a blinking caret or a video never blocks the tool.
- "Nearly equal": with `tolerance_px` > 0 a change whose bounding box covers at most that many pixels counts
  as no change (a caret blink), except against the reference frame, where any change counts.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageChops

from computer_use_demo.desktop.capture import RawFrame, ScreenCapture


@dataclass(frozen=True, kw_only=True)
class SettlePolicy:
    min_wait: float = 0.012
    poll_interval: float = 0.010
    response_window: float = 0.045
    quiet_window: float = 0.050
    gap_factor: float = 2.0
    max_quiet_window: float = 0.4
    cap: float = 2.0
    tolerance_px: int = 0
    process_hint: bool = True
    launch_window: float = 1.5

    def __post_init__(self) -> None:
        for name in (
            "min_wait", "poll_interval", "response_window", "quiet_window", "gap_factor", "max_quiet_window",
            "cap", "launch_window",
        ):  # fmt: skip
            if getattr(self, name) < 0:
                raise ValueError(f"SettlePolicy.{name} must be >= 0")
        if self.poll_interval <= 0:
            raise ValueError("SettlePolicy.poll_interval must be > 0")


@dataclass(frozen=True)
class Settled:
    frame: RawFrame
    settled: bool  # False when the cap was reached while the screen still changed
    changed: bool  # the screen differs from the reference frame
    elapsed: float
    frames: int


def frames_equal(a: RawFrame, b: RawFrame, tolerance_px: int = 0) -> bool:
    if (a.width, a.height) != (b.width, b.height):
        return False
    if a.data == b.data:
        return True
    if tolerance_px <= 0:
        return False
    box = ImageChops.difference(a.to_image(), b.to_image()).getbbox()
    return box is None or (box[2] - box[0]) * (box[3] - box[1]) <= tolerance_px


def last_pid() -> int | None:
    """The most recently assigned pid in this pid namespace (changes whenever anything forks)."""
    try:
        return int(Path("/proc/loadavg").read_text().split()[4])
    except (OSError, ValueError, IndexError):
        return None


class LaunchWatch:
    """Notices processes started after `pid_mark` that are alive and attached to `display`."""

    def __init__(self, display: str, pid_mark: int) -> None:
        self.needle = f"DISPLAY={display}\0".encode()
        self.pid_mark = pid_mark
        self.seen_last_pid = pid_mark
        self.checked: set[int] = set()

    def _is_new(self, pid: int, newest: int) -> bool:
        if self.pid_mark <= newest:
            return self.pid_mark < pid <= newest
        return pid > self.pid_mark or pid <= newest  # the pid counter wrapped

    def launched(self) -> bool:
        newest = last_pid()
        if newest is None or newest == self.seen_last_pid:
            return False
        self.seen_last_pid = newest
        own = os.getpid()
        try:
            entries = [int(e.name) for e in os.scandir("/proc") if e.name.isdigit()]
        except OSError:
            return False
        for pid in entries:
            if pid == own or pid in self.checked or not self._is_new(pid, newest):
                continue
            self.checked.add(pid)
            try:
                with open(f"/proc/{pid}/environ", "rb") as env:
                    if self.needle in env.read():
                        return True
            except OSError:
                continue  # gone already, or not ours to read
        return False


async def wait_until_settled(
    capture: ScreenCapture,
    reference: RawFrame | None = None,
    policy: SettlePolicy | None = None,
    *,
    pid_mark: int | None = None,
    display: str | None = None,
    on_new_frame: Callable[[RawFrame], None] | None = None,
) -> Settled:
    """Poll frames until the screen is settled; `reference` is the frame from before the action.

    `on_new_frame` sees the first frame and every frame that differs from the one before, so a caller can
    start encoding a likely final frame while the quiet window runs.
    """
    policy = policy or SettlePolicy()
    grab = capture.grab_raw
    start = time.monotonic()
    # Without a reference no action just happened (a plain screenshot): nothing is about to respond, so two
    # equal frames one poll apart suffice, unless the screen is moving.
    await asyncio.sleep(policy.min_wait if reference is not None else 0)
    previous = grab()
    frames = 1
    if on_new_frame:
        on_new_frame(previous)
    changed = reference is not None and not frames_equal(reference, previous)
    last_change = time.monotonic() if changed else start
    quiet_window = policy.quiet_window
    response_window = policy.response_window if reference is not None else 0.0
    watch = (
        LaunchWatch(display or capture.display, pid_mark)
        if policy.process_hint and pid_mark is not None
        else None
    )
    while True:
        if watch is not None and not changed and watch.launched():
            response_window = max(response_window, policy.launch_window)
            watch = None
        now = time.monotonic()
        if now - start >= policy.cap:
            return Settled(previous, False, changed, now - start, frames)
        if changed and now - last_change >= quiet_window:
            return Settled(previous, True, True, now - start, frames)
        if not changed and frames >= 2 and now - start >= response_window:
            return Settled(previous, True, False, now - start, frames)
        await asyncio.sleep(policy.poll_interval)
        current = grab()
        frames += 1
        if reference is not None and not changed and not frames_equal(reference, current):
            changed = True
            last_change = time.monotonic()
            if on_new_frame:
                on_new_frame(current)
        elif not frames_equal(previous, current, policy.tolerance_px):
            now = time.monotonic()
            if changed:  # it moved again after a pause: the next pause may be as long
                gap = now - last_change
                quiet_window = max(quiet_window, min(policy.max_quiet_window, policy.gap_factor * gap))
            if reference is None and not changed:
                changed = True  # no reference: the screen was moving, so wait for a quiet window
            last_change = now
            if on_new_frame:
                on_new_frame(current)
        previous = current
