"""Computer-tool latency per action vs a fixed-2-second-sleep baseline, and how often settle is premature.

Runs its own Xvfb (1280x800, no window manager) with an idle xterm, so it needs only the test packages:

    .venv/bin/python bench/bench_actions.py [--reps 15] [--baseline-reps 3] [--trials 20]

Latency: each action goes through `ComputerTool20250124` end to end (xdotool, settle detection, PNG encode).
The baseline does what the reference demo does: the same xdotool input, `sleep(2)`, then a screenshot
(`scrot` to a file and base64, as the reference shells out to a screenshot program).

Premature frames: a client that draws in stages (six lines, 30 ms apart, like a menu filling in) or opens a
new window (xmessage, started by a shell when Return is pressed). A returned screenshot is premature when it
differs from the screen one second later. Measured for the default policy, for a naive "two equal frames"
policy, and for the default without the process hint.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageChops

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from computer_use_demo.desktop.capture import ScreenCapture
from computer_use_demo.desktop.settle import SettlePolicy
from computer_use_demo.desktop.xdotool import Xdotool
from computer_use_demo.tools import ComputerTool20250124
from tests.support.xvfb import XDisplay, running_xvfb

TYPED = "hello bench 12345678"  # 20 characters
STAGED_SCRIPT = """stty -echo
while IFS= read -r line; do
  clear
  for i in 1 2 3 4 5 6; do printf 'menu item %s ....................\\n' "$i"; sleep 0.03; done
done
"""
WINDOW_SCRIPT = """stty -echo
n=0
while IFS= read -r line; do
  n=$((n+1))
  xmessage -geometry 320x90+760+560 "window $n" &
  pid=$!
  sleep 1.3
  kill $pid
done
"""


def start_xterm(display: XDisplay, geometry: str, command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        ["xterm", "-geometry", geometry, "-e", *command],
        env=display.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f}"


async def timed(coro_factory, reps: int) -> list[float]:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        await coro_factory()
        times.append(time.perf_counter() - start)
    return times


async def baseline_screenshot(display: XDisplay) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "shot.png")
        proc = await asyncio.create_subprocess_exec("scrot", "--overwrite", path, env=display.env())
        await proc.wait()
        return base64.b64encode(await asyncio.to_thread(Path(path).read_bytes)).decode()


async def latency(display: XDisplay, reps: int, baseline_reps: int) -> None:
    tool = ComputerTool20250124(display=display.name)
    xdo = Xdotool(display.name)
    over_xterm, desktop = [200, 150], [[900, 600], [1000, 700]]
    await tool(action="mouse_move", coordinate=over_xterm)  # no WM: keyboard focus follows the pointer
    flip = iter(range(10**6))

    async def move() -> None:
        await tool(action="mouse_move", coordinate=desktop[next(flip) % 2])

    async def click() -> None:
        await tool(action="left_click", coordinate=[1100, 300])

    async def key() -> None:
        await tool(action="mouse_move", coordinate=over_xterm)
        await tool(action="key", text="a")

    cases = {
        "screenshot": (lambda: tool(action="screenshot"), lambda: baseline_screenshot(display)),
        "mouse_move": (move, lambda: xdo.move(*desktop[next(flip) % 2])),
        "left_click": (click, lambda: xdo.click("left", at=(1100, 300))),
        "key": (lambda: tool(action="key", text="a"), lambda: xdo.key(["a"])),
        "type (20 chars)": (lambda: tool(action="type", text=TYPED), lambda: xdo.type_text(TYPED)),
    }
    await tool(action="mouse_move", coordinate=over_xterm)
    print(f"\nPer-action latency at 1280x800, median of {reps} (baseline: median of {baseline_reps})")
    print(f"{'action':<16}{'ours ms':>9}{'p90 ms':>9}{'baseline ms':>13}{'speed-up':>10}")
    for name, (ours, base) in cases.items():
        if name in ("key", "type (20 chars)"):
            await tool(action="mouse_move", coordinate=over_xterm)
        ours_t = await timed(ours, reps)

        async def with_sleep(base=base, name=name) -> None:
            await base()
            if name != "screenshot":
                await asyncio.sleep(2.0)
                await baseline_screenshot(display)

        base_t = await timed(with_sleep, baseline_reps)
        p90 = sorted(ours_t)[int(0.9 * (len(ours_t) - 1))]
        print(
            f"{name:<16}{ms(ours_t)}{p90 * 1000:9.1f}{ms(base_t):>13}"
            f"{statistics.median(base_t) / statistics.median(ours_t):9.1f}x"
        )


def decode(result) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(result.base64_image))).convert("RGB")


async def premature_rate(
    display: XDisplay, script: Path, trials: int, policy: SettlePolicy, gap: float
) -> tuple:
    """Press Return in an xterm running `script`; compare the returned frame with the screen 1 s later."""
    term = start_xterm(display, "60x12+0+0", ["sh", str(script)])
    try:
        await asyncio.sleep(1.0)
        tool = ComputerTool20250124(display=display.name, settle=policy)
        capture = ScreenCapture(display.name)
        await tool(action="mouse_move", coordinate=[100, 60])
        premature, elapsed = 0, []
        for _ in range(trials):
            start = time.perf_counter()
            result = await tool(action="key", text="Return")
            elapsed.append(time.perf_counter() - start)
            await asyncio.sleep(1.0)
            final = capture.grab()
            if ImageChops.difference(decode(result), final).getbbox() is not None:
                premature += 1
            await asyncio.sleep(gap)
        return premature, statistics.median(elapsed)
    finally:
        term.kill()
        term.wait()


async def settle_quality(display: XDisplay, trials: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        staged, window = Path(tmp, "staged.sh"), Path(tmp, "window.sh")
        await asyncio.to_thread(staged.write_text, STAGED_SCRIPT)
        await asyncio.to_thread(window.write_text, WINDOW_SCRIPT)
        policies = {
            "default (quiet window + process hint)": SettlePolicy(),
            "naive: two equal frames": SettlePolicy(quiet_window=0.0, gap_factor=0.0, process_hint=False),
            "default without process hint": SettlePolicy(process_hint=False),
        }
        print(
            f"\nPremature frames (the returned screenshot differs from the screen 1 s later), {trials} trials"
        )
        print(f"{'scenario':<34}{'policy':<40}{'premature':>10}{'median ms':>11}")
        for scenario, script, gap, count in [
            ("staged drawing (6 x 30 ms)", staged, 0.0, trials),
            ("new window (xmessage)", window, 0.4, max(5, trials // 2)),
        ]:
            for label, policy in policies.items():
                if scenario.startswith("staged") and label.startswith("default without"):
                    continue  # the hint plays no part once the screen has changed
                bad, median = await premature_rate(display, script, count, policy, gap)
                print(f"{scenario:<34}{label:<40}{bad:>4}/{count:<5}{median * 1000:>11.1f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--baseline-reps", type=int, default=3)
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    with running_xvfb(1280, 800) as display:
        term = start_xterm(display, "80x24+0+0", ["sh", "-c", "cat > /dev/null"])
        try:
            await asyncio.sleep(1.0)
            started = time.perf_counter()
            await latency(display, args.reps, args.baseline_reps)
        finally:
            term.kill()
            term.wait()
        await settle_quality(display, args.trials)
        print(f"\n(total {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    asyncio.run(main())
