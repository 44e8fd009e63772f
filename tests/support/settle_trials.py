"""The premature-frame check on a real desktop, shared by the real-application benchmark and its slow tests.

A trial runs one action through a computer tool and compares the screenshot it returned with the screen
2.0 s after the action started, which is what a fixed 2 s sleep would have shown. The screenshot is
premature when at least 0.5 % of the screen's pixels differ. Between trials a scenario puts the app back
(closes the dialog, goes back a page) and the screen is left to go quiet.
"""

from __future__ import annotations

import asyncio
import base64
import io
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageChops

from computer_use_demo.desktop.capture import RawFrame, ScreenCapture
from computer_use_demo.desktop.settle import SettlePolicy
from computer_use_demo.tools import ComputerTool20250124
from computer_use_demo.tools.base import ToolResult

COMPARE_AT = 2.0
PREMATURE_FRACTION = 0.005


class FixedSleepTool(ComputerTool20250124):
    """The baseline: the action, a fixed 2 s sleep, then a screenshot (what the reference demo does)."""

    async def run_action(self, action: str, **params: Any) -> ToolResult:
        runner = self.actions_runner
        outcome = await runner.perform(action, params)
        await asyncio.sleep(2.0)
        frame = await asyncio.to_thread(runner.capture.grab_raw)
        return ToolResult(output=outcome.text, base64_image=await runner.screenshot_of(frame))


def rule_tools(display: str) -> dict[str, ComputerTool20250124]:
    """The rules compared: a fixed 2 s sleep, the rule before target awareness, and the current default."""
    return {
        "sleep 2 s": FixedSleepTool(display=display),
        "old rule": ComputerTool20250124(display=display, settle=SettlePolicy(watch_target=False)),
        "new rule": ComputerTool20250124(display=display),
    }


def differing_fraction(a: Image.Image, b: Image.Image) -> float:
    if a.size != b.size:
        return 1.0
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    red, green, blue = diff.split()
    strongest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    unchanged = strongest.histogram()[0]
    return 1.0 - unchanged / (a.width * a.height)


@dataclass(frozen=True)
class Trial:
    elapsed: float  # the tool call, action to returned screenshot
    differing: float  # fraction of pixels that differ from the screen at 2.0 s

    @property
    def premature(self) -> bool:
        return self.differing >= PREMATURE_FRACTION


Step = Callable[[int], Awaitable[None]]


async def _nothing(_trial: int) -> None:
    return None


@dataclass
class Scenario:
    """One kind of action on one application; `action(i)` gives the tool input of trial i."""

    name: str
    kind: str  # "navigation", "no effect", "immediate" or "other": the class of target it is held to
    action: Callable[[int], dict[str, Any]]
    reset: Step = _nothing  # after each trial: put the application back
    prepare: Step = _nothing  # before each trial: focus the right window, reopen the app...
    trials: dict[str, list[Trial]] = field(default_factory=dict)


async def wait_for_quiet(capture: ScreenCapture, quiet: float = 0.4, limit: float = 5.0) -> None:
    """Until the screen has not changed for `quiet` seconds (at most `limit`)."""
    start = time.monotonic()
    previous: RawFrame = capture.grab_raw()
    since = time.monotonic()
    while time.monotonic() - since < quiet and time.monotonic() - start < limit:
        await asyncio.sleep(0.05)
        current = capture.grab_raw()
        if current.data != previous.data:
            previous, since = current, time.monotonic()


async def run_trial(tool: ComputerTool20250124, tool_input: dict[str, Any], capture: ScreenCapture) -> Trial:
    start = time.monotonic()
    result = await tool(**tool_input)
    elapsed = time.monotonic() - start
    if result.error or not result.base64_image:
        raise RuntimeError(f"{tool_input} failed: {result.error}")
    await asyncio.sleep(max(0.0, start + COMPARE_AT - time.monotonic()))
    later = capture.grab()
    returned = Image.open(io.BytesIO(base64.b64decode(result.base64_image)))
    return Trial(elapsed, differing_fraction(returned, later))


async def run_scenario(
    scenario: Scenario, tools: dict[str, ComputerTool20250124], capture: ScreenCapture, trials: int
) -> Scenario:
    """`trials` trials per rule, the rules interleaved (rotating who goes first) so that warm-up and load
    fall on all of them alike."""
    names: Sequence[str] = list(tools)
    for name in names:
        scenario.trials.setdefault(name, [])
    for index in range(trials):
        order = names[index % len(names) :] + names[: index % len(names)]
        for rule_index, name in enumerate(order):
            number = index * len(names) + rule_index
            await scenario.prepare(number)
            await wait_for_quiet(capture)
            scenario.trials[name].append(await run_trial(tools[name], scenario.action(number), capture))
            await scenario.reset(number)
    return scenario
