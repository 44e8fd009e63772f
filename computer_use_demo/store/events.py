"""The event log of a conversation's runs: what the HTTP API streams, kept so nothing is ever missed.

Each event gets the next `seq` of its conversation (1, 2, 3, ...); the API uses it as the SSE event id, so a
client that reconnects with `Last-Event-ID: 41` is sent every event from 42 on, from here. Events are
appended one transaction each (a killed process loses at most the event it was writing) and go when their
conversation is deleted. `data` is plain JSON: model text is stored and sent as data, never as markup.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from computer_use_demo.store.conversations import ConversationNotFound, ConversationStore
from computer_use_demo.store.scrub import scrub_text

MAX_PAGE = 1000  # events read per query: a replay of a long run is read in pages


@dataclass(frozen=True)
class Event:
    seq: int
    type: str
    data_json: str  # as stored: sent to every client as it is, without encoding it again
    created_at: float

    @cached_property
    def data(self) -> dict[str, Any]:
        return json.loads(self.data_json)


class EventLog:
    """The `events` table of a `ConversationStore` (same database, same per-thread connections)."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    def append(self, conversation_id: str, type_: str, data: Mapping[str, Any]) -> Event:
        """Add an event with the conversation's next sequence number (`ConversationNotFound`: it has gone)."""
        # ASCII JSON: any text is safe in it, lone surrogates from a broken stream included. The configured
        # API key is scrubbed out, as from everything the store keeps.
        payload = scrub_text(json.dumps(dict(data), separators=(",", ":")))
        now = time.time()
        with self.store._write() as conn:
            found = conn.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            if found is None:
                raise ConversationNotFound(conversation_id)
            seq = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO events (conversation_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)",
                (conversation_id, seq, type_, payload, now),
            )
        return Event(seq, type_, payload, now)

    def after(self, conversation_id: str, seq: int = 0, *, limit: int = MAX_PAGE) -> list[Event]:
        """Events with a sequence number above `seq`, oldest first, at most `limit` of them."""
        rows = (
            self.store._conn()
            .execute(
                "SELECT seq, type, data, created_at FROM events WHERE conversation_id = ? AND seq > ?"
                " ORDER BY seq LIMIT ?",
                (conversation_id, seq, max(1, min(limit, MAX_PAGE))),
            )
            .fetchall()
        )
        return [Event(row["seq"], row["type"], row["data"], row["created_at"]) for row in rows]

    def last_seq(self, conversation_id: str) -> int:
        row = (
            self.store._conn()
            .execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE conversation_id = ?", (conversation_id,))
            .fetchone()
        )
        return int(row[0])

    def last_of_type(self, conversation_id: str, type_: str) -> Event | None:
        """The newest event of one type (the last run's status, the last settings used)."""
        row = (
            self.store._conn()
            .execute(
                "SELECT seq, type, data, created_at FROM events WHERE conversation_id = ? AND type = ?"
                " ORDER BY seq DESC LIMIT 1",
                (conversation_id, type_),
            )
            .fetchone()
        )
        if row is None:
            return None
        return Event(row["seq"], row["type"], row["data"], row["created_at"])
