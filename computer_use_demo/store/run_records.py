"""What a run adds to a stored conversation besides its messages: usage per response and tool-call rows.

A mixin of `ConversationStore`, which supplies the connection (`_conn`) and the write transaction
(`_write`); kept apart so each file stays about one kind of record.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from computer_use_demo.store.messages import USAGE_FIELDS, usage_values


class RunRecords:
    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def record_usage(
        self,
        conversation_id: str,
        usage: Mapping[str, Any] | Any,
        *,
        model: str | None = None,
        turn: int | None = None,
    ) -> None:
        """One API response's usage; `turn` is the user turn it served (for the UI's meter)."""
        values = usage_values(usage)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO usage (conversation_id, model, turn, "
                + ", ".join(USAGE_FIELDS)
                + ", created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, model, turn, *(values[f] for f in USAGE_FIELDS), time.time()),
            )

    def usage_records(self, conversation_id: str) -> list[dict[str, Any]]:
        rows = (
            self._conn()
            .execute(
                "SELECT model, turn, " + ", ".join(USAGE_FIELDS) + ", created_at FROM usage"
                " WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            )
            .fetchall()
        )
        return [dict(row) for row in rows]

    def usage_totals(self, conversation_id: str) -> dict[str, int]:
        row = (
            self._conn()
            .execute(
                "SELECT "
                + ", ".join(f"COALESCE(SUM({f}), 0) AS {f}" for f in USAGE_FIELDS)
                + " FROM usage WHERE conversation_id = ?",
                (conversation_id,),
            )
            .fetchone()
        )
        return dict(row)

    def record_tool_start(self, conversation_id: str, *, tool_use_id: str, name: str) -> None:
        """Note that a call is about to run (before it runs): after a crash, a call with this note and
        no result has an unknown outcome, while one without it provably never ran."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO tool_calls (conversation_id, tool_use_id, name, duration_s, is_error,"
                " created_at) VALUES (?, ?, ?, NULL, 0, ?)",
                (conversation_id, tool_use_id, name, time.time()),
            )

    def record_tool_call(
        self, conversation_id: str, *, tool_use_id: str, name: str, duration_s: float | None, is_error: bool
    ) -> None:
        """A finished call: completes its start note, or adds the row when there was none."""
        now = time.time()
        with self._write() as conn:
            updated = conn.execute(
                "UPDATE tool_calls SET duration_s = ?, is_error = ?, created_at = ? WHERE id = ("
                " SELECT id FROM tool_calls WHERE conversation_id = ? AND tool_use_id = ?"
                " AND duration_s IS NULL ORDER BY id DESC LIMIT 1)",
                (duration_s, int(is_error), now, conversation_id, tool_use_id),
            ).rowcount
            if not updated:
                conn.execute(
                    "INSERT INTO tool_calls (conversation_id, tool_use_id, name, duration_s, is_error,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (conversation_id, tool_use_id, name, duration_s, int(is_error), now),
                )

    def started_tool_calls(self, conversation_id: str) -> set[str]:
        """The ids of every call of the conversation that began running."""
        sql = "SELECT DISTINCT tool_use_id FROM tool_calls WHERE conversation_id = ?"
        return {row["tool_use_id"] for row in self._conn().execute(sql, (conversation_id,))}

    def tool_calls(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every call in the order they started; `created_at` is when it finished (when it started, for a
        call that never finished: `duration_s` None)."""
        rows = (
            self._conn()
            .execute(
                "SELECT tool_use_id, name, duration_s, is_error, created_at FROM tool_calls"
                " WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            )
            .fetchall()
        )
        return [{**dict(row), "is_error": bool(row["is_error"])} for row in rows]
