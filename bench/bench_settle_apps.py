"""Settle detection on real applications: premature frames and latency, fixed 2 s sleep vs old vs new rule.

Runs its own desktop like the image's (Xvfb 1280x800, mutter, tint2) and the apps the image ships
(./setup.sh --apps): Firefox ESR on local pages, mousepad, LibreOffice Writer, galculator, xterm, and the
bare desktop. Every action goes through `ComputerTool20250124` (no scaling at 1280x800); its screenshot is
premature when at least 0.5 % of the pixels differ from the screen 2.0 s after the action started (what a
fixed 2 s sleep shows). The three rules take turns within each scenario, with a reset between trials.

    .venv/bin/python bench/bench_settle_apps.py [--trials 8] [--only firefox,xterm]
        [--rules "sleep 2 s,old rule,new rule"]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from computer_use_demo.desktop.capture import ScreenCapture
from tests.support.sample_trajectory import desktop_session
from tests.support.settle_scenarios import (
    desktop_group,
    firefox_group,
    galculator_group,
    mousepad_group,
    writer_group,
    xterm_group,
)
from tests.support.settle_trials import Scenario, rule_tools, run_scenario, wait_for_quiet
from tests.support.xvfb import running_xvfb

GROUPS = {
    "desktop": lambda display, scratch: desktop_group(display),
    "firefox": firefox_group,
    "mousepad": mousepad_group,
    "writer": writer_group,
    "galculator": galculator_group,
    "xterm": lambda display, scratch: xterm_group(display),
}
TARGETS_MS = {"navigation": 400, "no effect": 150, "immediate": 150}


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def print_table(scenarios: list[Scenario], rules: list[str]) -> None:
    head = "".join(f"{rule:>24}" for rule in rules)
    print(f"\n{'scenario':<42}{'class':<11}{head}")
    print(f"{'':<53}" + "".join(f"{'premature  med   p90':>24}" for _ in rules))
    for scenario in scenarios:
        cells = []
        for rule in rules:
            trials = scenario.trials.get(rule, [])
            if not trials:
                cells.append(f"{'-':>24}")
                continue
            times = [t.elapsed * 1000 for t in trials]
            bad = sum(t.premature for t in trials)
            cells.append(f"{bad:>5}/{len(trials):<3}{statistics.median(times):>8.0f}{p90(times):>7.0f} ms")
        print(f"{scenario.name:<42}{scenario.kind:<11}" + "".join(cells))
    print(f"\ntargets (median, new rule): {TARGETS_MS} ms")


def print_premature_detail(scenarios: list[Scenario]) -> None:
    for scenario in scenarios:
        for rule, trials in scenario.trials.items():
            bad = [f"{t.differing * 100:.1f}% at {t.elapsed * 1000:.0f} ms" for t in trials if t.premature]
            if bad and rule != "old rule":
                print(f"  premature: {scenario.name} / {rule}: {', '.join(bad)}")


async def run(groups: list[str], rules: list[str], trials: int) -> list[Scenario]:
    done: list[Scenario] = []
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-settle-")))
        display = stack.enter_context(running_xvfb(1280, 800))
        stack.enter_context(desktop_session(display, scratch))
        capture = ScreenCapture(display.name)
        tools = {name: tool for name, tool in rule_tools(display.name).items() if name in rules}
        for group in groups:
            started = time.monotonic()
            with GROUPS[group](display, scratch) as scenarios:
                await wait_for_quiet(capture, quiet=1.0, limit=15.0)  # the app has finished starting
                for scenario in scenarios:
                    done.append(await run_scenario(scenario, tools, capture, trials))
                    print(f"  {scenario.name}: done", flush=True)
            print(f"{group}: {time.monotonic() - started:.0f} s", flush=True)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8, help="trials per scenario and rule (default 8)")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated: {','.join(GROUPS)}")
    parser.add_argument("--rules", default="sleep 2 s,old rule,new rule")
    args = parser.parse_args()
    groups = [g for g in args.only.split(",") if g]
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s): {', '.join(unknown)}")
    rules = [r for r in args.rules.split(",") if r]
    load_before = os.getloadavg()
    started = time.monotonic()
    scenarios = asyncio.run(run(groups, rules, args.trials))
    print_table(scenarios, rules)
    print_premature_detail(scenarios)
    load_after = os.getloadavg()
    print(
        f"\n(total {time.monotonic() - started:.0f} s; load average before {load_before[0]:.2f} "
        f"{load_before[1]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f}; {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
