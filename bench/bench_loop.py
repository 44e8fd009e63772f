"""The agent loop over a 40-step scripted session against the fake Messages API (real HTTP, real SDK).

Every step the model asks for a screenshot (a 1280x800 PNG of about 90 kB, as a busy desktop gives)
or runs a shell command. The same script runs three times in this process:

- ours:      keep >= N screenshots, prune in steps of K (cache-friendly), breakpoints moved each turn;
- every:     keep exactly N, pruning on every turn (interval 1: the prefix changes every turn);
- baseline:  no pruning at all.

Per step it reports the request size, the images sent, the cache breakpoints, the client time (from
the end of one response to the start of the next request: tool run, history preparation, encoding,
upload) and the tokens the fake's cache simulation counts (uncached input, cache writes, reads).

    .venv/bin/python bench/bench_loop.py [--steps 40] [--keep 3] [--interval 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from computer_use_demo.agent.loop import sampling_loop
from computer_use_demo.models.usage import TurnUsage
from computer_use_demo.tools import ToolCollection
from tests.support.fake_api import FakeMessagesAPI, RecordedRequest, reply, text, tool_use
from tests.support.loop_tools import RecordingShell, ScreenStandIn

MODEL = "claude-sonnet-4-6"


@dataclass
class Step:
    request_bytes: int
    images: int
    breakpoints: int
    client_ms: float | None
    usage: TurnUsage


def script(steps: int) -> list:
    turns = []
    for i in range(steps):
        if i % 4 == 3:
            turns.append(
                reply(text(f"Step {i}: checking a file."), tool_use("bash", {"command": f"cat /tmp/f{i}"}))
            )
        else:
            action = (
                {"action": "left_click", "coordinate": [100 + i, 200]} if i % 2 else {"action": "screenshot"}
            )
            turns.append(reply(text(f"Step {i}: looking at the screen."), tool_use("computer", action)))
    turns.append(reply(text("The task is done.")))
    return turns


async def run_session(steps: int, keep: int | None, interval: int, screen: ScreenStandIn) -> list[Step]:
    with FakeMessagesAPI() as api:
        api.script(*script(steps))
        usages: list[TurnUsage] = []
        await sampling_loop(
            model=MODEL,
            provider="anthropic",
            system_prompt_suffix="",
            messages=[{"role": "user", "content": "Find the report and summarise it."}],
            output_callback=lambda block: None,
            tool_output_callback=lambda result, tool_id: None,
            api_response_callback=lambda request, response, error: None,
            api_key="bench-key",
            base_url=api.base_url,
            tool_version="computer_use_20251124",
            only_n_most_recent_images=keep,
            image_prune_interval=interval,
            usage_callback=lambda turn, run: usages.append(turn),
            tools=ToolCollection(screen, RecordingShell()),
            max_iterations=steps + 5,
        )
        requests = api.message_requests()
    assert len(requests) == steps + 1 == len(usages), (len(requests), len(usages))
    return [
        Step(
            request_bytes=r.raw_size,
            images=len(r.images()),
            breakpoints=len(r.cache_breakpoints()),
            client_ms=_client_ms(requests[i - 1], r) if i else None,
            usage=usages[i],
        )
        for i, r in enumerate(requests)
    ]


def _client_ms(previous: RecordedRequest, current: RecordedRequest) -> float:
    assert previous.responded_at is not None
    return (current.received_at - previous.responded_at) * 1000


def tokens(step: Step) -> int:
    return step.usage.total_input_tokens


def summary(name: str, steps: list[Step]) -> dict[str, float]:
    total = TurnUsage()
    for step in steps:
        total = total + step.usage
    client = [s.client_ms for s in steps if s.client_ms is not None]
    return {
        "name": name,
        "MB sent": sum(s.request_bytes for s in steps) / 1e6,
        "max images": max(s.images for s in steps),
        "max breakpoints": max(s.breakpoints for s in steps),
        "client ms median": statistics.median(client),
        "client ms p90": statistics.quantiles(client, n=10)[-1],
        "input tokens": total.total_input_tokens,
        "uncached": total.input_tokens,
        "cache writes": total.cache_creation_input_tokens,
        "cache reads": total.cache_read_input_tokens,
        "cost $": total.cost(MODEL) or 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--keep", type=int, default=3)
    parser.add_argument("--interval", type=int, default=5)
    args = parser.parse_args()
    screen = ScreenStandIn(1280, 800)
    started = time.monotonic()
    runs = {
        "ours": asyncio.run(run_session(args.steps, args.keep, args.interval, screen)),
        "every": asyncio.run(run_session(args.steps, args.keep, 1, screen)),
        "baseline": asyncio.run(run_session(args.steps, None, 1, screen)),
    }
    ours, every, base = runs["ours"], runs["every"], runs["baseline"]
    print(
        f"{args.steps}-step session, {MODEL}, screenshots 1280x800 (~90 kB PNG); ours: keep>={args.keep}, "
        f"interval {args.interval}; every: keep {args.keep}, interval 1; baseline: no pruning\n"
    )
    header = (
        f"{'step':>4} | {'kB ours':>8} {'kB every':>8} {'kB base':>8} | {'img':>3} {'img':>3} {'img':>3} | "
        f"{'bp':>2} | {'client ms':>9} {'ms':>6} {'ms':>6} | {'in tok ours':>11} {'every':>7} {'base':>7} | "
        f"{'read ours':>9} {'every':>7} {'base':>7}"
    )
    print(header)
    print("-" * len(header))
    for i, (a, b, c) in enumerate(zip(ours, every, base, strict=True)):
        ms = [f"{s.client_ms:.1f}" if s.client_ms is not None else "-" for s in (a, b, c)]
        kb = [s.request_bytes / 1e3 for s in (a, b, c)]
        print(
            f"{i:>4} | {kb[0]:>8.1f} {kb[1]:>8.1f} {kb[2]:>8.1f} | "
            f"{a.images:>3} {b.images:>3} {c.images:>3} | {a.breakpoints:>2} | "
            f"{ms[0]:>9} {ms[1]:>6} {ms[2]:>6} | "
            f"{tokens(a):>11} {tokens(b):>7} {tokens(c):>7} | {a.usage.cache_read_input_tokens:>9} "
            f"{b.usage.cache_read_input_tokens:>7} {c.usage.cache_read_input_tokens:>7}"
        )
    print("\nsummary")
    rows = [summary(name, steps) for name, steps in runs.items()]
    keys = [k for k in rows[0] if k != "name"]
    print(f"{'':>18} " + " ".join(f"{r['name']:>12}" for r in rows))
    for key in keys:
        print(
            f"{key:>18} "
            + " ".join(f"{r[key]:>12.3f}" if isinstance(r[key], float) else f"{r[key]:>12}" for r in rows)
        )
    base_cost, our_cost, every_cost = rows[2]["cost $"], rows[0]["cost $"], rows[1]["cost $"]
    print(
        f"\nestimated input+output cost: ours ${our_cost:.3f}, prune-every-turn ${every_cost:.3f}, "
        f"no pruning ${base_cost:.3f} (ours = {our_cost / base_cost:.0%} of no pruning, "
        f"{our_cost / every_cost:.0%} of prune-every-turn)"
    )
    print(
        f"bytes uploaded: ours {rows[0]['MB sent']:.1f} MB vs no pruning {rows[2]['MB sent']:.1f} MB; "
        f"client time per step (median): ours {rows[0]['client ms median']:.1f} ms, "
        f"no pruning {rows[2]['client ms median']:.1f} ms"
    )
    print(f"(wall time {time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    main()
