"""The approvals and denials of a conversation's tool calls (part of `ConversationStore`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any


class ApprovalRecords:
    """Mixed into `ConversationStore`, which provides the connection and the write transaction."""

    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def record_approval(
        self,
        conversation_id: str,
        *,
        tool_use_id: str,
        approved: bool,
        reason: str,
        decided_by: str,
        asked_because: str,
        decided_at: float,
    ) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO approvals (conversation_id, tool_use_id, approved, reason, decided_by,"
                " asked_because, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, tool_use_id, int(approved), reason, decided_by, asked_because, decided_at),
            )

    def approvals(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every decision of the conversation, oldest first."""
        return list(self._approval_rows(conversation_id))

    def _approval_rows(self, conversation_id: str) -> Iterator[dict[str, Any]]:
        sql = (
            "SELECT tool_use_id, approved, reason, decided_by, asked_because, decided_at FROM approvals"
            " WHERE conversation_id = ? ORDER BY id"
        )
        for row in self._conn().execute(sql, (conversation_id,)):
            yield {**dict(row), "approved": bool(row["approved"])}
