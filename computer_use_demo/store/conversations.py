"""Conversations in SQLite: every message (tool results included), usage record and tool timing.

Each write is one transaction, so a process killed mid-run loses at most the step it was working on and the
stored history is always a prefix of what the loop had. Messages are appended as the loop produces them;
`save_messages` takes the loop's whole list and writes what is new, so callers need no bookkeeping.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from computer_use_demo.store.approvals import ApprovalRecords
from computer_use_demo.store.images import ImageFiles, ImageRef, externalize_images, restore_images
from computer_use_demo.store.messages import (
    canonical_message,
    clean_title,
    digest,
)
from computer_use_demo.store.paths import SCREENSHOTS_DIR_NAME, database_path
from computer_use_demo.store.run_records import RunRecords
from computer_use_demo.store.schema import connect, migrate
from computer_use_demo.store.scrub import scrub_text
from computer_use_demo.tools.blocks import texts_of

DEFAULT_TITLE = "New conversation"


class ConversationNotFound(LookupError):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"no conversation with id {conversation_id!r}")
        self.conversation_id = conversation_id


@dataclass(frozen=True)
class ConversationSummary:
    id: str
    title: str
    created_at: float
    updated_at: float
    message_count: int
    settings: dict[str, Any] = field(default_factory=dict)


class ConversationStore(RunRecords, ApprovalRecords):
    """The conversation database (default: `conversations.db` in the config folder) and its screenshots."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else database_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.images = ImageFiles(self.path.parent / SCREENSHOTS_DIR_NAME)
        self._local = threading.local()
        migrate(self._conn())

    # -- connections and transactions ------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        """One connection per thread: Streamlit serves each browser session from its own thread."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- conversations -----------------------------------------------------------------------------

    def create(
        self, *, title: str | None = None, settings: Mapping[str, Any] | None = None
    ) -> ConversationSummary:
        now = time.time()
        conversation_id = uuid.uuid4().hex[:12]
        with self._write() as conn:
            conn.execute(
                "INSERT INTO conversations (id, title, title_is_auto, created_at, updated_at, settings)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    clean_title(title) if title else DEFAULT_TITLE,
                    title is None,
                    now,
                    now,
                    _stored_json(dict(settings or {})),
                ),
            )
        return self.get(conversation_id)

    def get(self, conversation_id: str) -> ConversationSummary:
        row = (
            self._conn()
            .execute(_SUMMARY_SQL + " WHERE c.id = ? GROUP BY c.id", (conversation_id,))
            .fetchone()
        )
        if row is None:
            raise ConversationNotFound(conversation_id)
        return _summary(row)

    def find(self, id_or_prefix: str) -> ConversationSummary:
        """A conversation by its id or an unambiguous prefix of it (for the CLI)."""
        rows = (
            self._conn()
            .execute(
                _SUMMARY_SQL + " WHERE c.id LIKE ? GROUP BY c.id", (id_or_prefix.replace("%", "") + "%",)
            )
            .fetchall()
        )
        exact = [r for r in rows if r["id"] == id_or_prefix]
        if exact or len(rows) == 1:
            return _summary((exact or rows)[0])
        raise ConversationNotFound(id_or_prefix)

    def list(self, limit: int = 500) -> list[ConversationSummary]:
        """Newest activity first."""
        rows = (
            self._conn()
            .execute(_SUMMARY_SQL + " GROUP BY c.id ORDER BY c.updated_at DESC LIMIT ?", (limit,))
            .fetchall()
        )
        return [_summary(row) for row in rows]

    def rename(self, conversation_id: str, title: str) -> None:
        cleaned = clean_title(title)
        if not cleaned:
            raise ValueError("a conversation title cannot be empty")
        with self._write() as conn:
            found = conn.execute(
                "UPDATE conversations SET title = ?, title_is_auto = 0, updated_at = ? WHERE id = ?",
                (cleaned, time.time(), conversation_id),
            ).rowcount
        if not found:
            raise ConversationNotFound(conversation_id)

    def update_settings(self, conversation_id: str, settings: Mapping[str, Any]) -> None:
        with self._write() as conn:
            found = conn.execute(
                "UPDATE conversations SET settings = ? WHERE id = ?",
                (_stored_json(dict(settings)), conversation_id),
            ).rowcount
        if not found:
            raise ConversationNotFound(conversation_id)

    def delete(self, conversation_id: str) -> None:
        """Delete the conversation and every screenshot no other conversation refers to."""
        with self._write() as conn:
            refs = _image_refs(conn, "WHERE conversation_id = ?", (conversation_id,))
            found = conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount
            still_used = {r.sha256 for r in _image_refs(conn, "", ())}
        if not found:
            raise ConversationNotFound(conversation_id)
        for ref in refs - {r for r in refs if r.sha256 in still_used}:
            self.images.remove(ref)

    def prune_orphan_images(self, *, older_than_s: float = 3600) -> int:
        """Remove screenshot files no message refers to (left by a process killed mid-write)."""
        used = {r.sha256 for r in _image_refs(self._conn(), "", ())}
        cutoff = time.time() - older_than_s
        removed = 0
        for path, sha in self.images.all_refs():
            if sha not in used and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    # -- messages ------------------------------------------------------------------------------------

    def load_messages(self, conversation_id: str) -> list[dict[str, Any]]:
        """The stored messages, as the API takes them (images inline as base64 again)."""
        self.get(conversation_id)
        rows = (
            self._conn()
            .execute(
                "SELECT role, content FROM messages WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            )
            .fetchall()
        )
        return [
            {"role": row["role"], "content": restore_images(json.loads(row["content"]), self.images)}
            for row in rows
        ]

    def save_messages(self, conversation_id: str, messages: Sequence[Any]) -> int:
        """Bring the stored history up to `messages` in one transaction; returns how many were written.

        Messages already stored are final, except the last one, which is rewritten if it changed (the
        loop's repair of unanswered tool calls may add results to it). Earlier messages the loop later edits
        in place (image pruning) keep their full stored form. `cache_control` markers are per request and
        are not stored.
        """
        with self._write() as conn:
            if (
                conn.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
                is None
            ):
                raise ConversationNotFound(conversation_id)
            stored = conn.execute(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()[0]
            if len(messages) < stored:
                raise ValueError(
                    f"conversation {conversation_id} has {stored} stored messages, "
                    f"the list given has only {len(messages)}"
                )
            # Only the last stored message and the new ones are looked at: the rest is final.
            first = max(stored - 1, 0)
            prepared = {i: canonical_message(messages[i]) for i in range(first, len(messages))}
            start = stored
            if stored:
                last = conn.execute(
                    "SELECT digest FROM messages WHERE conversation_id = ? AND position = ?",
                    (conversation_id, stored - 1),
                ).fetchone()
                if last["digest"] != digest(prepared[stored - 1]):
                    start = stored - 1
                    conn.execute(
                        "DELETE FROM messages WHERE conversation_id = ? AND position = ?",
                        (conversation_id, start),
                    )
            now = time.time()
            for position in range(start, len(messages)):
                self._insert_message(conn, conversation_id, position, prepared[position], now)
            written = len(messages) - start
            if written:
                conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))
                self._maybe_auto_title(conn, conversation_id, [prepared[i] for i in sorted(prepared)])
        return written

    def _insert_message(
        self,
        conn: sqlite3.Connection,
        conversation_id: str,
        position: int,
        message: dict[str, Any],
        now: float,
    ) -> None:
        refs: list[ImageRef] = []
        content = externalize_images(message["content"], self.images, refs)
        conn.execute(
            "INSERT INTO messages (conversation_id, position, role, content, digest, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (conversation_id, position, message["role"], _stored_json(content), digest(message), now),
        )
        conn.executemany(
            "INSERT INTO message_images (conversation_id, position, sha256, media_type) VALUES (?, ?, ?, ?)",
            [(conversation_id, position, r.sha256, r.media_type) for r in refs],
        )

    def _maybe_auto_title(
        self, conn: sqlite3.Connection, conversation_id: str, messages: list[dict[str, Any]]
    ) -> None:
        row = conn.execute(
            "SELECT title_is_auto FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if not row["title_is_auto"]:
            return
        text = next((t for m in messages if m["role"] == "user" for t in texts_of(m)), "")
        if text.strip():
            conn.execute(
                "UPDATE conversations SET title = ?, title_is_auto = 0 WHERE id = ?",
                (clean_title(text), conversation_id),
            )


_SUMMARY_SQL = (
    "SELECT c.id, c.title, c.created_at, c.updated_at, c.settings, COUNT(m.position) AS message_count"
    " FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id"
)


def _stored_json(value: Any) -> str:
    """JSON as written to the database: with the configured API key scrubbed out (see store.scrub)."""
    return scrub_text(json.dumps(value))


def _summary(row: sqlite3.Row) -> ConversationSummary:
    return ConversationSummary(
        id=row["id"],
        title=row["title"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        message_count=row["message_count"],
        settings=json.loads(row["settings"]),
    )


def _image_refs(conn: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> set[ImageRef]:
    rows = conn.execute(f"SELECT DISTINCT sha256, media_type FROM message_images {where}", args).fetchall()
    return {ImageRef(row["sha256"], row["media_type"]) for row in rows}
