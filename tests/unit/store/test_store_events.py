"""The event log: sequence numbers per conversation, reading after an id, migration of older databases."""

from __future__ import annotations

import json
import sqlite3

import pytest

from computer_use_demo.store import ConversationNotFound, ConversationStore
from computer_use_demo.store.events import MAX_PAGE, EventLog
from computer_use_demo.store.schema import SCHEMA_VERSION


@pytest.fixture
def store(tmp_path):
    store = ConversationStore(tmp_path / "conversations.db")
    yield store
    store.close()


def test_each_conversation_numbers_its_events_from_one(store):
    events = EventLog(store)
    a, b = store.create().id, store.create().id
    assert [events.append(a, "turn", {"turn": n}).seq for n in (1, 2, 3)] == [1, 2, 3]
    assert events.append(b, "turn", {"turn": 1}).seq == 1
    assert events.last_seq(a) == 3 and events.last_seq(b) == 1


def test_after_returns_the_later_events_in_order(store):
    events = EventLog(store)
    cid = store.create().id
    for n in range(5):
        events.append(cid, "text_delta", {"text": f"piece {n}"})
    later = events.after(cid, 2)
    assert [e.seq for e in later] == [3, 4, 5]
    assert [e.data["text"] for e in later] == ["piece 2", "piece 3", "piece 4"]
    assert events.after(cid, 5) == []
    assert len(events.after(cid, 0, limit=2)) == 2


def test_pages_are_capped(store):
    events = EventLog(store)
    cid = store.create().id
    for n in range(MAX_PAGE + 5):
        events.append(cid, "t", {"n": n})
    assert len(events.after(cid, 0, limit=10**9)) == MAX_PAGE
    assert [e.seq for e in events.after(cid, MAX_PAGE)] == [MAX_PAGE + n for n in range(1, 6)]


def test_text_is_stored_as_one_line_of_ascii_json_whatever_it_holds(store):
    events = EventLog(store)
    cid = store.create().id
    text = "line one\n\ndata: fake\nid: 99\n\u00e9\ud800"  # SSE look-alikes, non-ASCII, a lone surrogate
    event = events.append(cid, "text_delta", {"text": text})
    assert "\n" not in event.data_json and event.data_json.isascii()
    assert events.after(cid)[0].data == {"text": text}
    assert json.loads(event.data_json) == {"text": text}


def test_last_of_type(store):
    events = EventLog(store)
    cid = store.create().id
    assert events.last_of_type(cid, "status") is None
    events.append(cid, "status", {"status": "running"})
    events.append(cid, "turn", {})
    events.append(cid, "status", {"status": "completed"})
    events.append(cid, "turn", {})
    last = events.last_of_type(cid, "status")
    assert last is not None and last.seq == 3 and last.data["status"] == "completed"


def test_no_event_for_a_missing_conversation(store):
    with pytest.raises(ConversationNotFound):
        EventLog(store).append("nope", "turn", {})


def test_deleting_a_conversation_deletes_its_events(store):
    events = EventLog(store)
    cid = store.create().id
    events.append(cid, "turn", {})
    store.delete(cid)
    assert events.after(cid) == []


def test_a_database_of_the_previous_version_gets_the_event_table_and_keeps_its_data(tmp_path):
    path = tmp_path / "conversations.db"
    old = ConversationStore(path)
    cid = old.create(title="from before").id
    old.save_messages(cid, [{"role": "user", "content": "hello"}])
    old.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE events")  # what a version-1 database looks like
    conn.execute("DROP TABLE approvals")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()

    store = ConversationStore(path)
    assert store.get(cid).title == "from before"
    assert store.load_messages(cid) == [{"role": "user", "content": "hello"}]
    assert EventLog(store).append(cid, "turn", {}).seq == 1
    assert store._conn().execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert store.approvals(cid) == []
    store.close()


def test_the_api_key_is_scrubbed_out_of_events(store, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-0123456789")
    events = EventLog(store)
    cid = store.create().id
    event = events.append(cid, "tool_result", {"text": "ANTHROPIC_API_KEY=sk-ant-secret-0123456789"})
    assert "sk-ant-secret" not in event.data_json
    assert events.after(cid)[0].data["text"] == "ANTHROPIC_API_KEY=[redacted API key]"
