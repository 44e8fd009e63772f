"""Approvals and denials are kept with their conversation; an older database gains the table on open."""

from __future__ import annotations

import sqlite3

from computer_use_demo.store import ConversationStore
from computer_use_demo.store.schema import SCHEMA_VERSION


def _record(store: ConversationStore, conversation_id: str, tool_use_id: str, approved: bool) -> None:
    store.record_approval(
        conversation_id,
        tool_use_id=tool_use_id,
        approved=approved,
        reason="" if approved else "not that folder",
        decided_by="user",
        asked_because="bash command: recursive delete (rm -r)",
        decided_at=1000.0,
    )


def test_decisions_are_listed_in_order_and_go_with_their_conversation(tmp_path):
    store = ConversationStore(tmp_path / "c.db")
    kept, dropped = store.create().id, store.create().id
    _record(store, kept, "toolu_1", True)
    _record(store, kept, "toolu_2", False)
    _record(store, dropped, "toolu_3", False)
    rows = store.approvals(kept)
    assert [(r["tool_use_id"], r["approved"], r["reason"]) for r in rows] == [
        ("toolu_1", True, ""),
        ("toolu_2", False, "not that folder"),
    ]
    assert rows[1]["asked_because"].endswith("(rm -r)")
    store.delete(dropped)
    assert store.approvals(dropped) == []


def test_a_version_1_database_is_migrated_and_keeps_its_conversations(tmp_path):
    path = tmp_path / "c.db"
    store = ConversationStore(path)
    conversation_id = store.create(title="old one").id
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE approvals")
    conn.execute("PRAGMA user_version=1")
    conn.close()
    reopened = ConversationStore(path)
    assert reopened.get(conversation_id).title == "old one"
    _record(reopened, conversation_id, "toolu_9", True)
    assert len(reopened.approvals(conversation_id)) == 1
    version = reopened._conn().execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
