"""The sidebar's conversations with AppTest: open from the URL, new, rename, delete; the meter comes back."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from computer_use_demo.store import ConversationStore

APP = str(Path(__file__).resolve().parents[3] / "computer_use_demo" / "streamlit.py")


@pytest.fixture
def store(monkeypatch, tmp_path, fake_api, xdisplay) -> ConversationStore:
    for name in ("API_PROVIDER", "ANTHROPIC_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HIDE_WARNING", "1")
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "conf"))
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", str(tmp_path))
    return ConversationStore(tmp_path / "conf" / "conversations.db")


def start(conversation_id: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if conversation_id:
        at.query_params["conversation"] = conversation_id
    at.run()
    assert not at.exception, at.exception
    return at


def chat_texts(at: AppTest) -> list[str]:
    return [m.value for message in at.chat_message for m in message.markdown]


def stored(store: ConversationStore, title: str, *texts: str) -> str:
    conversation = store.create(title=title)
    messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(texts)]
    store.save_messages(conversation.id, messages)
    return conversation.id


def test_the_url_names_the_conversation_and_a_fresh_session_opens_it(store):
    older = stored(store, "Older", "first question", "first answer")
    newer = stored(store, "Newer", "second question", "second answer")

    at = start()  # no id in the URL: the latest
    assert "second question" in chat_texts(at) and at.query_params["conversation"] == newer
    at = start(older)  # a reload of a page that showed the older one
    assert chat_texts(at)[:2] == ["first question", "first answer"]
    assert at.query_params["conversation"] == older
    at = start("gone-away")  # a stale link falls back to the latest
    assert at.query_params["conversation"] == newer


def test_an_empty_store_gets_a_first_conversation(store):
    at = start()
    [only] = store.list()
    assert at.query_params["conversation"] == only.id and only.message_count == 0


def test_new_open_rename_delete(store):
    first = stored(store, "Alpha", "hello alpha", "hi")
    at = start(first)
    at.sidebar.button(key="conversation_new").click().run()
    assert len(store.list()) == 2
    new_id = at.session_state["conversation_id"]
    assert new_id != first and chat_texts(at) == []

    at.sidebar.button(key=f"conversation_open_{first}").click().run()
    assert at.session_state["conversation_id"] == first and "hello alpha" in chat_texts(at)

    at.sidebar.text_input(key="conversation_rename").input("Alpha renamed").run()
    at.sidebar.button(key="conversation_rename_button").click().run()
    assert store.get(first).title == "Alpha renamed"

    at.sidebar.button(key="conversation_delete").click().run()
    assert [c.id for c in store.list()] == [new_id]
    assert at.session_state["conversation_id"] == new_id
    assert not at.exception


def test_the_token_meter_is_restored(store):
    conversation = stored(store, "Metered", "q", "a")
    store.record_usage(
        conversation, {"input_tokens": 1200, "output_tokens": 34}, model="claude-sonnet-4-5", turn=1
    )
    at = start(conversation)
    shown = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert "1,200" in shown and "34" in shown


def test_an_unusable_config_folder_still_gives_a_working_chat(monkeypatch, tmp_path, fake_api, xdisplay):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be")
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(blocker))
    monkeypatch.setenv("HIDE_WARNING", "1")
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", str(tmp_path))
    at = start()
    assert any("Conversations are not being kept" in w.value for w in at.sidebar.warning)
    assert at.query_params["conversation"]
