"""In a real browser: reload mid-run, a new tab, and a server restart all bring the conversation back."""

from __future__ import annotations

import re
import time

import pytest

from computer_use_demo.run_lock import current_holder
from computer_use_demo.store import ConversationStore
from tests.support.fake_api_script import member, reply, text
from tests.support.streamlit_app import chromium_browser, running_streamlit, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 60_000


@pytest.fixture
def app_env(fake_api, xdisplay, tmp_path) -> dict[str, str]:
    import os

    (tmp_path / "locks").mkdir()
    env = {
        **os.environ,
        "DISPLAY": xdisplay.name,
        "ANTHROPIC_CONFIG_DIR": str(tmp_path / "config"),
        "COMPUTER_USE_LOCK_DIR": str(tmp_path / "locks"),
        "HIDE_WARNING": "1",
    }
    for name in ("API_PROVIDER", "ANTHROPIC_MODEL"):
        env.pop(name, None)
    return env


def send(page, message: str) -> None:
    box = page.get_by_placeholder(re.compile("Tell Claude what to do"))
    box.wait_for(timeout=TIMEOUT_MS)
    box.fill(message)
    box.press("Enter")


def test_reload_mid_conversation_keeps_it(fake_api, app_env, tmp_path, xdisplay, monkeypatch):
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", app_env["COMPUTER_USE_LOCK_DIR"])
    fake_api.script(reply(text("Taking a long look first."), member("wait", {"duration": 15})))
    fake_api.responder = lambda request: reply(text(f"Reply number {len(fake_api.message_requests())}."))
    with running_streamlit(app_env, tmp_path) as server, chromium_browser() as browser:
        page = browser.new_page()
        page.goto(server.url)
        try:
            send(page, "Please wait a little")
        except Exception:
            save_screenshot(page, "conversation-no-chat-input")
            raise
        page.get_by_text("Taking a long look first.").first.wait_for(timeout=TIMEOUT_MS)
        assert len(fake_api.message_requests()) == 1  # mid-run: the 15 s wait is still going

        page.reload()
        page.wait_for_url(re.compile(r"\?conversation=\w+"), timeout=TIMEOUT_MS)
        page.get_by_text("Please wait a little").first.wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("Taking a long look first.").first.wait_for(timeout=TIMEOUT_MS)
        save_screenshot(page, "conversation-after-reload")
        conversation_id = re.search(r"conversation=(\w+)", page.url).group(1)

        # Whether the reload stopped the run or it ran on, the conversation goes on from where it is.
        deadline = time.monotonic() + 60
        while current_holder(xdisplay.name) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        send(page, "Carry on please")
        page.get_by_text("Carry on please").first.wait_for(timeout=TIMEOUT_MS)
        page.get_by_text(f"Reply number {len(fake_api.message_requests())}.").first.wait_for(
            timeout=TIMEOUT_MS
        )
        assert all(r.status == 200 for r in fake_api.message_requests())  # the fake API checks the history

        # A new tab without the id opens the latest conversation.
        other = browser.new_page()
        other.goto(server.url)
        other.get_by_text("Carry on please").first.wait_for(timeout=TIMEOUT_MS)
        assert f"conversation={conversation_id}" in other.url

    store = ConversationStore(tmp_path / "config" / "conversations.db")
    history = store.load_messages(conversation_id)
    assert history[0]["content"][0]["text"] == "Please wait a little"
    assert history[1]["content"][0]["text"] == "Taking a long look first."
    assert history[-1]["role"] == "assistant" and history[-1]["content"][0]["text"].startswith("Reply number")

    # A restarted server (as after a container restart) still has it.
    with running_streamlit(app_env, tmp_path) as server, chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{server.url}/?conversation={conversation_id}")
        page.get_by_text("Carry on please").first.wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("Taking a long look first.").first.wait_for(timeout=TIMEOUT_MS)
        save_screenshot(page, "conversation-after-restart")
