"""Toolset members on a real Xvfb: the closing screenshot of batches that did not act or never settled,
the toolset's own limits and settle policy, and the advice of its errors."""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import Iterator

import pytest

from computer_use_demo.desktop.capture import ScreenCapture
from computer_use_demo.desktop.settle import SettlePolicy
from computer_use_demo.tools import ToolCollection, ToolError
from computer_use_demo.tools.computer.toolset import MEMBERS, ComputerToolset20260801
from tests.support.xclients import RootPainter
from tests.support.xvfb import XDisplay, running_xvfb

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def display() -> Iterator[XDisplay]:
    with running_xvfb(640, 480) as started:
        yield started


def member(block_id: str, name: str, tool_input: dict | None = None) -> dict:
    return {
        "type": "tool_use",
        "id": block_id,
        "name": name,
        "input": tool_input or {},
        "toolset_name": "computer",
    }


def image_of(block: dict) -> bytes | None:
    images = [c for c in block["content"] if c["type"] == "image"]
    return base64.b64decode(images[0]["source"]["data"]) if images else None


async def test_batches_that_only_read_the_cursor_still_end_with_a_screenshot(display):
    collection = ToolCollection(ComputerToolset20260801(display=display.name))
    for turn in range(2):  # the second batch too: nothing is left over from the first
        [result] = await collection.run_turn([member(f"{turn}", "cursor_position")])
        assert "is_error" not in result and image_of(result).startswith(PNG), turn


async def test_a_toolset_given_only_a_capture_works_on_that_captures_display(display, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    toolset = ComputerToolset20260801(capture=ScreenCapture(display.name))
    result = await toolset.call_member("screenshot", {})
    assert base64.b64decode(result.base64_image).startswith(PNG)


async def test_a_zoom_answers_with_its_own_image(display):
    toolset = ComputerToolset20260801(display=display.name)
    result = await toolset.call_member("zoom", {"region": [0, 0, 64, 48]})
    assert base64.b64decode(result.base64_image).startswith(PNG)


async def test_a_batch_on_a_screen_that_never_settles_still_ends_with_a_screenshot(display):
    policy = SettlePolicy(cap=0.2)
    collection = ToolCollection(ComputerToolset20260801(display=display.name, settle=policy))
    painter = RootPainter(display)
    stop = threading.Event()

    def animate() -> None:
        color = 0
        while not stop.is_set():
            color = (color + 0x010203) & 0xFFFFFF
            painter.fill(color)
            time.sleep(0.005)

    animation = threading.Thread(target=animate)
    animation.start()
    try:
        [result] = await collection.run_turn([member("1", "mouse_move", {"coordinate": [10, 10]})])
    finally:
        stop.set()
        animation.join()
        painter.close()
    assert image_of(result).startswith(PNG)


async def test_the_toolsets_settle_policy_governs_each_members_wait(display):
    toolset = ComputerToolset20260801(display=display.name, settle=SettlePolicy(min_wait=0.4))
    started = time.monotonic()
    await toolset.call_member("mouse_move", {"coordinate": [20, 20]})
    assert time.monotonic() - started >= 0.4


async def test_a_wait_longer_than_the_beta_tools_100_s_is_accepted(display):
    toolset = ComputerToolset20260801(display=display.name)
    waiting = asyncio.ensure_future(toolset.call_member("wait", {"duration": 150}))
    await asyncio.sleep(0.3)
    try:
        assert not waiting.done(), waiting.result()  # still waiting, not refused
    finally:
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting


async def test_errors_tell_the_model_how_to_call_the_toolset(display):
    toolset = ComputerToolset20260801(display=display.name)
    with pytest.raises(ToolError) as unknown:
        await toolset.call_member("fly", {})
    assert unknown.value.message == f"Unknown computer action 'fly'. Available: {', '.join(MEMBERS)}."
    with pytest.raises(ToolError) as not_object:
        await toolset.call_member("left_click", ["x"])
    assert not_object.value.message == "Input for left_click must be an object."
    with pytest.raises(ToolError, match=r"^The computer toolset is called through its members"):
        await toolset()


async def test_of_several_input_errors_the_top_level_one_is_reported(display):
    toolset = ComputerToolset20260801(display=display.name)
    with pytest.raises(ToolError) as caught:
        await toolset.call_member("left_click", {"coordinate": "here", "speed": 3})
    assert caught.value.message.startswith("left_click: ") and "speed" in caught.value.message
