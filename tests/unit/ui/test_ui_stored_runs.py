"""Runs started from the page: refused while another run holds the desktop, stored as they go."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from computer_use_demo.desktop.run_lock import acquire_run_lock
from computer_use_demo.store import ConversationStore
from tests.support.fake_api_script import reply, text, tool_use

APP = str(Path(__file__).resolve().parents[3] / "computer_use_demo" / "streamlit.py")


@pytest.fixture
def store(monkeypatch, tmp_path, fake_api, xdisplay) -> ConversationStore:
    for name in ("API_PROVIDER", "ANTHROPIC_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HIDE_WARNING", "1")
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "conf"))
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", str(tmp_path))
    return ConversationStore(tmp_path / "conf" / "conversations.db")


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_busy_desktop_refuses_the_run_with_a_clear_message(store: ConversationStore, fake_api, xdisplay):
    at = start()
    with acquire_run_lock(xdisplay.name, owner="CLI run", task="someone else's task"):
        at.chat_input(key="chat_input").set_value("Do my thing").run()
    assert not at.exception, at.exception
    notices = " ".join(i.value for i in at.info)
    assert f"The desktop {xdisplay.name} is busy: CLI run" in notices and "someone else's task" in notices
    assert fake_api.message_requests() == []
    assert at.session_state["chat_session"].messages == []  # nothing half-sent


def test_a_run_is_stored_message_by_message(store: ConversationStore, fake_api, xdisplay):
    fake_api.script(
        reply(text("Checking."), tool_use("bash", {"command": "echo stored-output"})),
        reply(text("All stored.")),
    )
    at = start()
    at.sidebar.selectbox(key="model").set_value("claude-sonnet-4-5").run()
    at.chat_input(key="chat_input").set_value("Store this run").run()
    assert not at.exception, at.exception
    [conversation] = store.list()
    history = store.load_messages(conversation.id)
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]
    assert "stored-output" in history[2]["content"][0]["content"][0]["text"]
    assert conversation.title == "Store this run"
    assert store.usage_totals(conversation.id)["output_tokens"] > 0


def test_a_chat_run_stores_every_tool_calls_timing(store: ConversationStore, fake_api, xdisplay):
    fake_api.script(
        reply(
            tool_use("bash", {"command": "sleep 0.2; echo a"}, id="toolu_a"),
            tool_use("bash", {"command": "echo b"}, id="toolu_b"),
        ),
        reply(text("Both ran.")),
    )
    at = start()
    at.sidebar.selectbox(key="model").set_value("claude-sonnet-4-5").run()
    at.chat_input(key="chat_input").set_value("Run two commands").run()
    assert not at.exception, at.exception
    [conversation] = store.list()
    calls = store.tool_calls(conversation.id)
    assert [(c["tool_use_id"], c["name"], c["is_error"]) for c in calls] == [
        ("toolu_a", "bash", False),
        ("toolu_b", "bash", False),
    ]
    assert calls[0]["duration_s"] >= 0.2 > calls[1]["duration_s"] >= 0


@pytest.mark.slow
def test_the_keyless_demo_replays_the_sample_without_a_key(store: ConversationStore, monkeypatch, xdisplay):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    at = start()
    at.sidebar.button(key="conversation_replay_demo").click().run(timeout=180)
    assert not at.exception, at.exception
    replay = next(c for c in store.list() if c.title.startswith("Replay: "))
    history = store.load_messages(replay.id)
    final = history[-1]["content"][-1]["text"]
    assert "Replay matched" in final, final
    assert at.query_params["conversation"] == replay.id
    assert any("Replay matched" in m.value for m in at.markdown)
