"""The UI in a real headless Chromium: our Streamlit app served for real, the real loop, the fake Messages API
over HTTP, a real X display for the screenshot tool; and the combined page of the native stack.

Page screenshots are saved under artifacts/ui/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_api import FakeMessagesAPI, reply, text, tool_use
from tests.support.streamlit_app import (
    ROOT,
    chromium_browser,
    free_port,
    running_streamlit,
    save_screenshot,
    wait_for_http,
)
from tests.support.xvfb import free_display_number

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEY = "sk-ant-browser-test-secret-0123456789"
MODEL = "claude-sonnet-4-6"
FIRST_TEXT = "Let me look at the screen before I do anything else. " * 3
FINAL_TEXT = "The desktop is visible and the task is complete."

# Records, in the page, every moment the streaming cursor was on screen, with the text it followed.
STREAM_OBSERVER = """
() => {
  window.__streamSeen = [];
  new MutationObserver(() => {
    for (const node of document.querySelectorAll('[data-testid="stChatMessage"]')) {
      const text = node.innerText;
      if (text.includes('\u258c')) window.__streamSeen.push(text.length);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}
"""


def app_env(api: FakeMessagesAPI, display: str, config_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HIDE_WARNING", "API_PROVIDER")}
    env.update(
        ANTHROPIC_BASE_URL=api.base_url,
        ANTHROPIC_API_KEY=KEY,
        ANTHROPIC_CONFIG_DIR=str(config_dir),
        ANTHROPIC_MODEL=MODEL,
        DISPLAY=display,
    )
    return env


def script_screenshot_task(api: FakeMessagesAPI) -> None:
    api.script(
        reply(text(FIRST_TEXT), tool_use("computer", {"action": "screenshot"}), event_delay=0.02),
        reply(text(FINAL_TEXT), event_delay=0.02),
    )


def test_chat_streams_a_tool_call_a_screenshot_and_the_answer(fake_api, xdisplay, tmp_path):
    script_screenshot_task(fake_api)
    env = app_env(fake_api, xdisplay.name, tmp_path / "conf")
    with running_streamlit(env, tmp_path) as server, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(server.url)
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=60_000)
        page.get_by_text("Security.").first.wait_for()
        page.evaluate(STREAM_OBSERVER)
        box.fill("Take a screenshot please")
        box.press("Enter")

        page.get_by_text(FINAL_TEXT).first.wait_for(timeout=60_000)
        page.get_by_test_id("stChatMessage").filter(has_text=FINAL_TEXT).last.wait_for()
        page.wait_for_function("!document.body.innerText.includes('\u258c')", timeout=30_000)
        save_screenshot(page, "chat-after-run")

        # It streamed: the cursor was seen after part of the first answer, before all of it.
        seen = page.evaluate("window.__streamSeen")
        assert seen, "no streaming state was ever on screen"
        # The tool call, the screenshot it produced (a real image), and the final text.
        page.get_by_text("computer · screenshot").first.wait_for()
        images = page.locator('[data-testid="stChatMessage"] img')
        assert images.count() >= 1
        assert images.first.evaluate("img => img.complete && img.naturalWidth") >= 100
        assert page.get_by_text(FIRST_TEXT.strip()).count() >= 1

        # The token meter shows real figures.
        meter = (
            page.get_by_test_id("stCaptionContainer").filter(has_text="Tokens, session").first.inner_text()
        )
        assert "(2 requests)" in meter, meter
        figures = {
            name: int(re.search(rf"{name} ([\d,]+)", meter).group(1).replace(",", ""))
            for name in ("input", "new", "output", "cache write", "cache read")
        }
        assert figures["output"] > 0 and figures["input"] > 0, meter
        assert figures["input"] == figures["new"] + figures["cache write"] + figures["cache read"], meter
        assert re.search(r"cache hit \d+%", meter) and re.search(r"\$\d+\.\d{4}", meter), meter

        # The HTTP log shows the request, without the key.
        page.get_by_role("tab", name="HTTP Exchange Logs").click()
        log_panel = page.get_by_role("tabpanel").filter(has_text="/v1/messages").first
        log_panel.wait_for()
        assert page.get_by_text(re.compile(r"POST http://127\.0\.0\.1:\d+/v1/messages")).count() == 2
        request_body = page.locator("code").filter(has_text='"model"').first.inner_text()
        assert f'"model": "{MODEL}"' in request_body
        headers = page.locator('[data-testid="stJson"]').first.inner_text()
        assert "[redacted]" in headers
        save_screenshot(page, "http-log")
        assert KEY not in page.content()
    assert KEY not in server.output()
    assert len(fake_api.message_requests()) == 2


def test_stop_button_interrupts_and_the_chat_goes_on(fake_api, xdisplay, tmp_path):
    fake_api.script(
        reply(text("I will wait for a long time. " * 4), tool_use("bash", {"command": "sleep 60"})),
        reply(text("Resumed after the stop.")),
    )
    env = app_env(fake_api, xdisplay.name, tmp_path / "conf")
    with running_streamlit(env, tmp_path) as server, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server.url)
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=60_000)
        box.fill("Wait a minute")
        box.press("Enter")
        page.get_by_text("bash", exact=True).first.wait_for(timeout=60_000)
        page.locator(".st-key-stop button").click()
        page.get_by_text("Stopped.").first.wait_for(timeout=30_000)
        assert page.locator(".st-key-stop button").count() == 0
        page.get_by_test_id("stChatInputTextArea").fill("Do something else")
        page.get_by_test_id("stChatInputTextArea").press("Enter")
        page.get_by_text("Resumed after the stop.").first.wait_for(timeout=60_000)
        save_screenshot(page, "after-stop")
    # The second request carried a valid history: the interrupted call answered with an error.
    last = fake_api.message_requests()[-1]
    assert last.status == 200
    results = [b for b in last.body["messages"][2]["content"] if b["type"] == "tool_result"]
    assert results and results[0]["is_error"] is True


def test_a_new_message_interrupts_the_running_task(fake_api, xdisplay, tmp_path):
    fake_api.script(
        reply(text("Starting a long job."), tool_use("bash", {"command": "sleep 60"})),
        reply(text("Switched to the new request.")),
    )
    env = app_env(fake_api, xdisplay.name, tmp_path / "conf")
    with running_streamlit(env, tmp_path) as server, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server.url)
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=60_000)
        box.fill("Run the long job")
        box.press("Enter")
        page.get_by_text("bash", exact=True).first.wait_for(timeout=60_000)
        page.locator(".st-key-stop button").wait_for()  # the tool is running
        box.fill("Forget it, do this instead")
        box.press("Enter")
        page.get_by_text("Switched to the new request.").first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        save_screenshot(page, "after-interrupt")
        assert page.get_by_text("Stopped.").count() == 0  # the user knows: no stale "Stopped" note
    last = fake_api.message_requests()[-1]
    assert last.status == 200
    turn = last.body["messages"][2]["content"]
    assert [b["type"] for b in turn] == ["tool_result", "text"]
    assert turn[0]["is_error"] is True and turn[1]["text"] == "Forget it, do this instead"


# ---------------------------------------------------------------- the combined page of the native stack


@contextlib.contextmanager
def native_stack(api: FakeMessagesAPI, run_dir: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("VNC_PASSWORD", "DISPLAY", "HIDE_WARNING")}
    env.update(
        DISPLAY_NUM=str(free_display_number(300 + os.getpid() % 100)),
        HTTP_PORT=str(free_port()),
        STREAMLIT_PORT=str(free_port()),
        NOVNC_PORT=str(free_port()),
        VNC_PORT=str(free_port()),
        STACK_RUN_DIR=str(run_dir),
        BIND_ADDRESS="127.0.0.1",
        ANTHROPIC_BASE_URL=api.base_url,
        ANTHROPIC_API_KEY=KEY,
        ANTHROPIC_CONFIG_DIR=str(run_dir / "conf"),
        ANTHROPIC_MODEL=MODEL,
    )
    log = run_dir / "run-native.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(ROOT / "image" / "run-native.sh")], env=env, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        try:
            wait_for_http(f"http://127.0.0.1:{env['HTTP_PORT']}/config.js", 120, process)
            wait_for_http(f"http://127.0.0.1:{env['STREAMLIT_PORT']}/_stcore/health", 120, process)
        except (RuntimeError, TimeoutError) as exc:
            pytest.fail(f"native stack did not start ({exc}):\n{log.read_text(errors='replace')[-4000:]}")
        yield env
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for pid_file in (run_dir / "pids").glob("*.pid"):
            with contextlib.suppress(ValueError, ProcessLookupError, PermissionError):
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)


def test_combined_page_loads_the_chat_and_the_desktop(fake_api, tmp_path):
    if not (ROOT / "image" / "run-native.sh").exists():
        pytest.skip("image/run-native.sh is not there")
    with native_stack(fake_api, tmp_path) as env, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(f"http://127.0.0.1:{env['HTTP_PORT']}/")
        chat = page.frame_locator("#chat")
        chat.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
        chat.get_by_text("Claude Computer Use").first.wait_for()
        desktop = page.frame_locator("#desktop")
        canvas = desktop.locator("canvas").first
        canvas.wait_for(timeout=60_000)
        # The frames are other origins (other ports): look inside through Playwright, not the DOM.
        frame = next(f for f in page.frames if f.url.startswith(f"http://127.0.0.1:{env['NOVNC_PORT']}/"))
        frame.wait_for_function(
            "() => { const c = document.querySelector('canvas');"
            " return c && c.width > 100 && c.height > 100; }",
            timeout=60_000,
        )
        save_screenshot(page, "combined-page")
        assert KEY not in page.content()
