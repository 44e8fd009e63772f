"""Settle detection on a real Xvfb: fast when nothing changes, waits out staged drawing, capped."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time

import pytest

from computer_use_demo.desktop.capture import RawFrame, ScreenCapture
from computer_use_demo.desktop.settle import SettlePolicy, frames_equal, last_pid, wait_until_settled
from tests.support.xclients import RootPainter

COLORS = [0xFF0000, 0x00FF00, 0x0000FF, 0xFFFF00]


def draw_in_stages(painter: RootPainter, colors: list[int], gap: float) -> threading.Thread:
    """Repaint the root once per stage, `gap` seconds apart, from another thread (like a slow client)."""

    def run() -> None:
        for color in colors:
            painter.fill(color)
            time.sleep(gap)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def pixel(frame: RawFrame) -> tuple[int, int, int]:
    return frame.to_image().getpixel((5, 5))


@pytest.fixture
def painter(xdisplay):
    painter = RootPainter(xdisplay)
    painter.fill(0x000000)
    yield painter
    painter.close()


@pytest.fixture
def capture(xdisplay, painter):
    return ScreenCapture(xdisplay.name)


async def test_nothing_changed_returns_fast(capture):
    reference = capture.grab_raw()
    start = time.monotonic()
    settled = await wait_until_settled(capture, reference)
    assert time.monotonic() - start < 0.15
    assert settled.settled and not settled.changed
    assert frames_equal(settled.frame, reference)


async def test_without_a_reference_two_equal_frames_suffice(capture):
    start = time.monotonic()
    settled = await wait_until_settled(capture, None)
    assert time.monotonic() - start < 0.1 and settled.frames == 2 and settled.settled


async def test_staged_drawing_returns_the_final_frame(painter, capture):
    reference = capture.grab_raw()
    thread = draw_in_stages(painter, COLORS, gap=0.02)  # pauses well under the 50 ms quiet window
    settled = await wait_until_settled(capture, reference)
    await asyncio.to_thread(thread.join)
    assert settled.settled and settled.changed
    assert pixel(settled.frame) == (255, 255, 0)
    assert frames_equal(settled.frame, capture.grab_raw())


async def test_two_equal_frames_alone_would_be_premature(painter, capture):
    """Why a quiet window: with one the last stage is seen; with a 0 s window (two equal frames) it is not."""
    results = {}
    for name, policy in [
        ("naive", SettlePolicy(quiet_window=0.0, gap_factor=0.0)),
        ("quiet", SettlePolicy(quiet_window=0.15)),
    ]:
        painter.fill(0x000000)
        reference = capture.grab_raw()
        thread = draw_in_stages(painter, COLORS, gap=0.05)
        settled = await wait_until_settled(capture, reference, policy)
        results[name] = pixel(settled.frame)
        await asyncio.to_thread(thread.join)
    assert results["quiet"] == (255, 255, 0)
    assert results["naive"] != (255, 255, 0)


async def test_the_quiet_window_grows_with_the_pauses_it_has_seen(painter, capture):
    """Stages 40 ms then 80 ms apart: a fixed 50 ms window stops after the first long pause; one that grows
    to a multiple of the pause already seen waits for the last stage."""
    results = {}
    for name, policy in [("fixed", SettlePolicy(gap_factor=0.0)), ("adaptive", SettlePolicy(gap_factor=3.0))]:
        painter.fill(0x000000)
        reference = capture.grab_raw()

        def run() -> None:
            for color, pause in zip(COLORS, (0.04, 0.08, 0.08, 0.0), strict=True):
                painter.fill(color)
                time.sleep(pause)

        thread = threading.Thread(target=run)
        thread.start()
        settled = await wait_until_settled(capture, reference, policy)
        await asyncio.to_thread(thread.join)
        results[name] = pixel(settled.frame)
    assert results == {"fixed": (0, 255, 0), "adaptive": (255, 255, 0)}


async def test_endless_change_is_capped(painter, capture):
    reference = capture.grab_raw()
    thread = draw_in_stages(painter, COLORS * 20, gap=0.02)
    start = time.monotonic()
    settled = await wait_until_settled(capture, reference, SettlePolicy(cap=0.4, quiet_window=0.3))
    elapsed = time.monotonic() - start
    await asyncio.to_thread(thread.join)
    assert not settled.settled and settled.changed
    assert 0.35 <= elapsed < 0.7


def start_late_window(display, delay: float) -> subprocess.Popen:
    return subprocess.Popen(
        ["sh", "-c", f"sleep {delay}; exec xmessage -geometry 300x100+10+10 launched"],
        env=display.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_a_launched_window_is_waited_for(xdisplay, capture):
    reference, mark = capture.grab_raw(), last_pid()
    proc = start_late_window(xdisplay, 0.25)
    try:
        settled = await wait_until_settled(capture, reference, pid_mark=mark)
        assert settled.changed, "the window opened after 250 ms must be in the returned frame"
        assert frames_equal(settled.frame, capture.grab_raw())
    finally:
        proc.kill()
        proc.wait()


async def test_without_the_process_hint_a_slow_window_is_missed(xdisplay, capture):
    """The trade-off the hint exists for: a 45 ms response window cannot see a window mapped at 250 ms."""
    reference, mark = capture.grab_raw(), last_pid()
    proc = start_late_window(xdisplay, 0.25)
    try:
        settled = await wait_until_settled(
            capture, reference, SettlePolicy(process_hint=False), pid_mark=mark
        )
        assert not settled.changed and settled.elapsed < 0.2
    finally:
        proc.kill()
        proc.wait()


def test_frames_equal_with_tolerance():
    black = RawFrame(10, 10, bytes(300), "RGB")
    dot = bytearray(300)
    dot[0:3] = b"\xff\xff\xff"
    dotted = RawFrame(10, 10, bytes(dot), "RGB")
    assert frames_equal(black, black)
    assert not frames_equal(black, dotted)
    assert frames_equal(black, dotted, tolerance_px=1)
    assert not frames_equal(black, RawFrame(5, 20, bytes(300), "RGB"))


def test_policy_rejects_negative_times():
    with pytest.raises(ValueError):
        SettlePolicy(cap=-1)
    with pytest.raises(ValueError):
        SettlePolicy(poll_interval=0)
