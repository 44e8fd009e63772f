"""Settle detection: after an action, wait until the screen stops changing, instead of a fixed sleep.

How it decides (all times configurable in `SettlePolicy`):
- A frame grabbed *before* the action is the reference. After a short `min_wait`, frames are polled every
  `poll_interval` (a full-screen grab is ~2 ms and equality is a memcmp of the raw bytes).
- If a frame differs from the reference, the action had a visible effect: we then require the screen to stay
  unchanged for a whole `quiet_window`, not just two consecutive frames, because staged drawing (a menu
  painting its frame, then its items) pauses between stages and two equal frames would be premature.
  The window adapts: once the screen has paused and resumed, it may pause that long again, so the quiet
  window grows to `gap_factor` times the longest pause seen between changes (at most `max_quiet_window`),
  and after a large change in an application (at least `large_change_rows` of the pixel rows differ from
  the reference: a new page, a dialog, a menu panel) it is at least `large_change_quiet`.
- Where the input went decides how long "no change yet" may last (`InputTarget`, resolved by the caller).
  Into the bare desktop: nothing is about to respond, so after `response_window` without a change the action
  had no visible effect. Into an application: real applications often compute for a few hundred ms before
  they paint (a page load, a new tab, a dialog built on first use), so we wait at least
  `app_response_window` and then for as long as the application's process tree (or the window manager) is
  busy: `busy_cpu` seconds of CPU within the last `activity_window`, or a process started since the action
  that runs or sleeps on a timer (`activity`). Once it has reacted to the input (`reacted_cpu` within the
  window) without painting, it must stay idle for `idle_after_busy` before we believe nothing is coming: a
  browser that started a page load then waits for the server without using any CPU. A busy application also
  holds a quiet window open (a dialog whose frame is painted before its contents); once a large change has
  been seen, only for `max_busy_quiet`: work that paints nothing for that long after the new page or dialog
  is there is background work (Firefox preloading the next new-tab page). After only a small change (a
  pressed button) a busy application is waited for up to the cap.
- `process_hint` widens the no-change wait to `launch_window` when a process started since the action is
  alive and runs on our display (its environment holds our DISPLAY): a program being launched, whose window
  is not mapped yet.
- A plain screenshot (no reference: no action just happened) needs only two equal frames one poll apart,
  unless the screen is moving, in which case it waits for a quiet window too.
- Nothing waits longer than `cap` (default 2 s): a blinking caret, a video or a busy loop never blocks.
- "Nearly equal": with `tolerance_px` > 0 a change whose bounding box covers at most that many pixels counts
  as no change (a caret blink), except against the reference frame, where any change counts.
- `watch_target=False` gives the earlier rule, which knew nothing of the target (kept for the benchmark).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from PIL import ImageChops

from computer_use_demo.desktop.activity import ProcessActivity
from computer_use_demo.desktop.capture import RawFrame, ScreenCapture
from computer_use_demo.desktop.input_target import InputTarget
from computer_use_demo.desktop.processes import LaunchWatch, last_pid

__all__ = ["SettlePolicy", "SettleState", "Settled", "frames_equal", "last_pid", "wait_until_settled"]


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
    watch_target: bool = True
    app_response_window: float = 0.12
    activity_window: float = 0.1
    busy_cpu: float = 0.006
    max_busy_quiet: float = 0.35
    idle_after_busy: float = 0.25
    reacted_cpu: float = 0.003
    large_change_rows: float = 0.1
    large_change_quiet: float = 0.1

    def __post_init__(self) -> None:
        for name in (
            "min_wait", "poll_interval", "response_window", "quiet_window", "gap_factor", "max_quiet_window",
            "cap", "launch_window", "app_response_window", "activity_window", "busy_cpu", "max_busy_quiet",
            "idle_after_busy", "reacted_cpu", "large_change_rows", "large_change_quiet",
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
    busy_seen: bool = False  # the target's processes were busy at some point of the wait


def frames_equal(a: RawFrame, b: RawFrame, tolerance_px: int = 0) -> bool:
    if (a.width, a.height) != (b.width, b.height):
        return False
    if a.data == b.data:
        return True
    if tolerance_px <= 0:
        return False
    box = ImageChops.difference(a.to_image(), b.to_image()).getbbox()
    return box is None or (box[2] - box[0]) * (box[3] - box[1]) <= tolerance_px


def changed_rows(a: RawFrame, b: RawFrame, step: int = 4) -> float:
    """The fraction of pixel rows (every `step`-th) in which two frames of one size differ; cheap (bytes
    slices compare with memcmp)."""
    if (a.width, a.height) != (b.width, b.height) or a.height == 0:
        return 1.0
    stride = len(a.data) // a.height
    rows = range(0, a.height, step)
    differ = sum(a.data[r * stride : (r + 1) * stride] != b.data[r * stride : (r + 1) * stride] for r in rows)
    return differ / len(rows)


class SettleState:
    """The rule, without I/O: fed frames, times and whether the target is busy, it says when to stop.

    `app_target`: the input went into an application window (not the bare desktop, not unknown).
    """

    def __init__(
        self, policy: SettlePolicy, reference: RawFrame | None, first: RawFrame, start: float, now: float, *,
        app_target: bool = False,
    ) -> None:  # fmt: skip
        self.policy = policy
        self.reference = reference
        self.previous = first
        self.frames = 1
        self.start = start
        self.changed = reference is not None and not frames_equal(reference, first)
        self.last_change = now if self.changed else start
        self.quiet_window = policy.quiet_window
        self.response_window = policy.response_window if reference is not None else 0.0
        self.watches_activity = reference is not None and policy.watch_target and app_target
        if self.watches_activity:
            self.response_window = max(self.response_window, policy.app_response_window)
        self.busy_seen = False
        self.last_busy = start
        self.large_change = False

    def observe(self, current: RawFrame, now: float) -> bool:
        """Take a new frame; True when it differs from the one before."""
        self.frames += 1
        new = False
        if self.reference is not None and not self.changed and not frames_equal(self.reference, current):
            self.changed, new = True, True
            self.last_change = now
        elif not frames_equal(self.previous, current, self.policy.tolerance_px):
            if self.changed:  # it moved again after a pause: the next pause may be as long
                gap = now - self.last_change
                self.quiet_window = max(
                    self.quiet_window, min(self.policy.max_quiet_window, self.policy.gap_factor * gap)
                )
            if self.reference is None and not self.changed:
                self.changed = True  # no reference: the screen was moving, so wait for a quiet window
            self.last_change, new = now, True
        if new and self.watches_activity:
            self._after_large_change(current)
        self.previous = current
        return new

    def _after_large_change(self, current: RawFrame) -> None:
        """A new page, a dialog, a menu panel is often painted in several frames (an opening animation, a
        second paint after load), further apart on a loaded machine: a longer quiet window then."""
        policy = self.policy
        if self.reference is None or self.large_change:
            return
        if changed_rows(self.reference, current) >= policy.large_change_rows:
            self.large_change = True
            self.quiet_window = max(self.quiet_window, policy.large_change_quiet)

    def launched(self) -> None:
        """A program is being launched on our display: its window may take a while to map."""
        self.response_window = max(self.response_window, self.policy.launch_window)

    def verdict(self, now: float, busy: bool = False, reacted: bool | None = None) -> Settled | None:
        """The result if the wait is over at `now`, else None. `busy`: the target is still working;
        `reacted`: it used a little CPU lately (default: as `busy`)."""
        policy = self.policy
        busy = busy and self.watches_activity
        if (busy if reacted is None else reacted or busy) and self.watches_activity:
            self.busy_seen, self.last_busy = True, now
        elapsed = now - self.start
        if elapsed >= policy.cap:
            return self._result(False, elapsed)
        if self.changed:
            quiet = now - self.last_change
            if quiet >= self.quiet_window and (
                not busy or (self.large_change and quiet >= policy.max_busy_quiet)
            ):
                return self._result(True, elapsed)
        elif self.frames >= 2 and elapsed >= self.response_window and not busy:
            return self._result(True, elapsed) if self._idle_long_enough(now) else None
        return None

    def _idle_long_enough(self, now: float) -> bool:
        """If it worked on the input and has painted nothing yet, it may be waiting for the network or the
        disk (a page load): "no visible effect" then needs a longer idle spell."""
        return not self.busy_seen or now - self.last_busy >= self.policy.idle_after_busy

    def _result(self, settled: bool, elapsed: float) -> Settled:
        return Settled(self.previous, settled, self.changed, elapsed, self.frames, self.busy_seen)


async def wait_until_settled(
    capture: ScreenCapture,
    reference: RawFrame | None = None,
    policy: SettlePolicy | None = None,
    *,
    pid_mark: int | None = None,
    display: str | None = None,
    target: InputTarget | None = None,
    on_new_frame: Callable[[RawFrame], None] | None = None,
) -> Settled:
    """Poll frames until the screen is settled; `reference` is the frame from before the action and
    `target` what received its input (None: unknown, so only the screen and launches are watched).

    `on_new_frame` sees the first frame and every frame that differs from the one before, so a caller can
    start encoding a likely final frame while the quiet window runs.
    """
    policy = policy or SettlePolicy()
    start = time.monotonic()
    # Without a reference no action just happened (a plain screenshot): nothing is about to respond, so two
    # equal frames one poll apart suffice, unless the screen is moving.
    await asyncio.sleep(policy.min_wait if reference is not None else 0)
    first = capture.grab_raw()
    if on_new_frame:
        on_new_frame(first)
    app_target = target is not None and bool(target.app_pids)
    state = SettleState(policy, reference, first, start, time.monotonic(), app_target=app_target)
    launches = None
    if pid_mark is not None and policy.process_hint:
        launches = LaunchWatch(display or capture.display, pid_mark)
    activity = None
    if state.watches_activity and target is not None:
        activity = ProcessActivity(target.watched_pids, pid_mark)
    while True:
        if launches is not None and not state.changed and launches.launched():
            state.launched()
            launches = None
        busy = reacted = False
        if activity is not None:
            activity.sample()
            busy = activity.busy(policy.activity_window, policy.busy_cpu)
            reacted = busy or activity.cpu_in_last(policy.activity_window) >= policy.reacted_cpu
        if (settled := state.verdict(time.monotonic(), busy, reacted)) is not None:
            return settled
        await asyncio.sleep(policy.poll_interval)
        current = capture.grab_raw()
        if state.observe(current, time.monotonic()) and on_new_frame:
            on_new_frame(current)
