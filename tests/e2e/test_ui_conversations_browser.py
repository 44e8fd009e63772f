"""In a real browser: a run outlives a reload or a closed tab (only a Stop stops it), and a reload, a new tab
and a server restart all bring the conversation back."""

from __future__ import annotations

import re
import time

import pytest

from computer_use_demo.desktop.run_lock import current_holder
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


def wait_until(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def start_waiting_run(page) -> str:
    """Send the task (the fake API answers with the toolset's `wait`); the conversation id once it runs."""
    try:
        send(page, "Please wait a little")
    except Exception:
        save_screenshot(page, "conversation-no-chat-input")
        raise
    page.get_by_text("Taking a long look first.").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_url(re.compile(r"\?conversation=\w+"), timeout=TIMEOUT_MS)
    return re.search(r"conversation=(\w+)", page.url).group(1)


def wait_result(history: list[dict]) -> dict:
    """The tool_result that answered the `wait` call (the second message of the run)."""
    return next(b for b in history[2]["content"] if b["type"] == "tool_result")


def test_reload_mid_conversation_keeps_it(fake_api, app_env, tmp_path, xdisplay, monkeypatch):
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", app_env["COMPUTER_USE_LOCK_DIR"])
    fake_api.script(reply(text("Taking a long look first."), member("wait", {"duration": 4})))
    fake_api.responder = lambda request: reply(text(f"Reply number {len(fake_api.message_requests())}."))
    with running_streamlit(app_env, tmp_path) as server, chromium_browser() as browser:
        page = browser.new_page()
        page.goto(server.url)
        conversation_id = start_waiting_run(page)
        assert len(fake_api.message_requests()) == 1  # mid-run: the wait is still going

        page.reload()
        page.get_by_text("Please wait a little").first.wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("Taking a long look first.").first.wait_for(timeout=TIMEOUT_MS)
        assert conversation_id in page.url
        # The reload did not stop the run: with nothing sent, the wait ends, the next request goes out and
        # its answer shows on the reloaded page.
        page.get_by_text("Reply number 2.").first.wait_for(timeout=TIMEOUT_MS)
        save_screenshot(page, "conversation-after-reload")
        assert wait_until(lambda: current_holder(xdisplay.name) is None)

        send(page, "Carry on please")
        page.get_by_text("Carry on please").first.wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("Reply number 3.").first.wait_for(timeout=TIMEOUT_MS)
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
    assert not wait_result(history).get("is_error")  # the wait ran to its end
    assert history[3]["content"][0]["text"] == "Reply number 2."
    assert history[-1]["role"] == "assistant" and history[-1]["content"][0]["text"] == "Reply number 3."

    # A restarted server (as after a container restart) still has it.
    with running_streamlit(app_env, tmp_path) as server, chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{server.url}/?conversation={conversation_id}")
        page.get_by_text("Carry on please").first.wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("Taking a long look first.").first.wait_for(timeout=TIMEOUT_MS)
        save_screenshot(page, "conversation-after-restart")


def test_a_closed_tab_leaves_the_run_going_to_its_end(fake_api, app_env, tmp_path, xdisplay, monkeypatch):
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", app_env["COMPUTER_USE_LOCK_DIR"])
    fake_api.script(
        reply(text("Taking a long look first."), member("wait", {"duration": 4})),
        reply(text("Finished while nobody was looking.")),
    )
    with running_streamlit(app_env, tmp_path) as server, chromium_browser() as browser:
        page = browser.new_page()
        page.goto(server.url)
        conversation_id = start_waiting_run(page)
        assert len(fake_api.message_requests()) == 1  # mid-run: the wait is still going
        page.close()

        # Nobody watches, yet the run goes on: the wait ends, the next request goes out, the desktop is freed.
        assert wait_until(lambda: len(fake_api.message_requests()) == 2), "the run stopped with the tab"
        assert wait_until(lambda: current_holder(xdisplay.name) is None), "the run never freed the desktop"
        store = ConversationStore(tmp_path / "config" / "conversations.db")
        history = store.load_messages(conversation_id)
        assert not wait_result(history).get("is_error")
        assert history[-1]["content"][0]["text"] == "Finished while nobody was looking."

        # Opening the conversation again shows the whole run.
        again = browser.new_page()
        again.goto(f"{server.url}/?conversation={conversation_id}")
        again.get_by_text("Finished while nobody was looking.").first.wait_for(timeout=TIMEOUT_MS)
    assert all(r.status == 200 for r in fake_api.message_requests())


def test_the_header_stop_still_stops_the_run(fake_api, app_env, tmp_path, xdisplay, monkeypatch):
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", app_env["COMPUTER_USE_LOCK_DIR"])
    fake_api.script(
        reply(text("Taking a long look first."), member("wait", {"duration": 60})),
        reply(text("This must never be asked for.")),
    )
    with running_streamlit(app_env, tmp_path) as server, chromium_browser() as browser:
        page = browser.new_page()
        page.goto(server.url)
        conversation_id = start_waiting_run(page)
        header_stop = page.get_by_test_id("stStatusWidget").get_by_role("button", name="Stop")
        header_stop.click(timeout=TIMEOUT_MS)

        # The browser is still connected: Streamlit's own Stop cancels the run, as our Stop button does.
        assert wait_until(lambda: current_holder(xdisplay.name) is None, timeout=20), "the run went on"
        store = ConversationStore(tmp_path / "config" / "conversations.db")
        assert wait_until(lambda: len(store.load_messages(conversation_id)) >= 3, timeout=10)
        assert wait_result(store.load_messages(conversation_id))["is_error"] is True
        page.wait_for_timeout(500)
        assert len(fake_api.message_requests()) == 1
