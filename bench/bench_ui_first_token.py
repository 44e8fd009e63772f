"""Time from sending a chat message to the first streamed character on screen, in a real browser.

Our Streamlit app runs as a real server (`streamlit run`) against the fake Messages API over HTTP, with a
real Xvfb for the tools; Debian's headless Chromium types the messages through Playwright, one after the
other in one conversation, as a user would. Each answer starts with its own marker, so earlier answers on the
page cannot be mistaken for the new one.

Measured per run (medians over the runs are reported):
- send → request: from the key press to the fake API reading the request (the app's own overhead:
  rerun, thread start, client and tools set-up, request encoding);
- send → first character: from the Enter keydown (page clock) to the first streamed characters appearing
  in the DOM (a MutationObserver timestamps them);
- send → whole answer: until the finished answer is on screen. This is the baseline from the same run: it
  is when a UI that renders only finished responses (as the reference demo does) would show anything.

The fake streams 48 chunks of 12 characters with `--event-delay` seconds between events, so the whole
answer takes about 50 times the delay to arrive.

    .venv/bin/python bench/bench_ui_first_token.py [--runs 7] [--event-delay 0.02]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.fake_api import FakeMessagesAPI, reply, text
from tests.support.streamlit_app import chromium_browser, running_streamlit
from tests.support.xvfb import running_xvfb

MARKER = "Quokka-zephyr"  # the answer's first characters (plus the run number); not in the user's message
ENDING = "End-of-answer"
FILLER = "streamed words arrive " * 25


def answer(run: int) -> tuple[str, str, str]:
    """(answer text, its first characters, its last characters) for run number `run`."""
    first, last = f"{MARKER}{run:03d}", f"{ENDING}{run:03d}."
    return f"{first} {FILLER}{last}", first, last


TIMING_PROBE = """
(args) => {
  const [marker, ending] = args;
  window.__timing = {send: null, first: null, done: null};
  if (!window.__keyProbe) {
    window.__keyProbe = true;
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && window.__timing.send === null) window.__timing.send = performance.now();
    }, true);
  }
  if (window.__observer) window.__observer.disconnect();
  const seen = (node, text) => node && node.textContent && node.textContent.includes(text);
  window.__observer = new MutationObserver((records) => {
    const t = window.__timing;
    for (const record of records) {
      const node = record.target.nodeType === 3 ? record.target.parentNode : record.target;
      if (t.first === null && seen(node, marker)) t.first = performance.now();
      if (t.done === null && seen(node, ending) && !node.textContent.includes('\\u258c')) {
        t.done = performance.now();
      }
    }
  });
  window.__observer.observe(document.body, {childList: true, subtree: true, characterData: true});
}
"""


def one_run(page, api: FakeMessagesAPI, run: int, event_delay: float) -> dict[str, float]:
    full, first, last = answer(run)
    api.script(reply(text(full), event_delay=event_delay))
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=60_000)
    page.wait_for_timeout(300)  # let the previous script run settle
    page.evaluate(TIMING_PROBE, [first, last])
    box.fill(f"Please answer briefly (message {run})")
    requests_before = len(api.requests)
    pressed = time.monotonic()
    box.press("Enter")
    page.wait_for_function("window.__timing.done !== null", timeout=60_000, polling=50)
    timing = page.evaluate("window.__timing")
    request = api.requests[requests_before]
    return {
        "send_to_request_ms": (request.received_at - pressed) * 1000,
        "send_to_first_char_ms": timing["first"] - timing["send"],
        "send_to_whole_answer_ms": timing["done"] - timing["send"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--event-delay", type=float, default=0.02)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FakeMessagesAPI() as api, running_xvfb(1024, 768) as display:
        env = {
            **os.environ,
            "ANTHROPIC_BASE_URL": api.base_url,
            "ANTHROPIC_API_KEY": "sk-ant-bench-key",
            "ANTHROPIC_CONFIG_DIR": str(Path(tmp) / "conf"),
            "ANTHROPIC_MODEL": "claude-sonnet-4-6",
            "DISPLAY": display.name,
            "HIDE_WARNING": "1",
        }
        with running_streamlit(env, Path(tmp)) as server, chromium_browser() as browser:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(server.url)
            one_run(page, api, 0, args.event_delay)  # warm-up: first imports, first client
            results = [one_run(page, api, run, args.event_delay) for run in range(1, args.runs + 1)]

    print(
        f"UI first-token latency: {args.runs} runs, fake API event delay {args.event_delay * 1000:.0f} ms,"
        f" answer {len(answer(0)[0])} chars in {len(answer(0)[0]) // 12 + 1} chunks"
    )
    print(f"{'metric':<26}{'median':>10}{'min':>10}{'max':>10}")
    for name in ("send_to_request_ms", "send_to_first_char_ms", "send_to_whole_answer_ms"):
        values = [r[name] for r in results]
        print(f"{name:<26}{statistics.median(values):>10.0f}{min(values):>10.0f}{max(values):>10.0f}")
    first = statistics.median(r["send_to_first_char_ms"] for r in results)
    whole = statistics.median(r["send_to_whole_answer_ms"] for r in results)
    print(
        f"streaming shows the first characters {whole - first:.0f} ms ({whole / first:.1f}x) earlier than"
        " waiting for the finished answer (the baseline)"
    )


if __name__ == "__main__":
    main()
