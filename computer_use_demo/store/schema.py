"""The SQLite schema and connection settings of the conversation store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from computer_use_demo.store.private_files import ensure_private_file, tighten

# 1: conversations, messages, images, usage, tool calls. 2: the event log of runs (store/events.py).
# 3: approvals and denials of tool calls (store/approvals.py).
SCHEMA_VERSION = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    title_is_auto INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS messages (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    digest TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (conversation_id, position)
);
CREATE TABLE IF NOT EXISTS message_images (
    conversation_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    media_type TEXT NOT NULL,
    FOREIGN KEY (conversation_id, position) REFERENCES messages(conversation_id, position) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS message_images_by_message ON message_images(conversation_id, position);
CREATE INDEX IF NOT EXISTS message_images_by_hash ON message_images(sha256);
CREATE TABLE IF NOT EXISTS usage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    model TEXT,
    turn INTEGER,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_creation_input_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_input_tokens INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_by_conversation ON usage(conversation_id);
CREATE TABLE IF NOT EXISTS tool_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    tool_use_id TEXT NOT NULL,
    name TEXT NOT NULL,
    duration_s REAL,
    is_error INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tool_calls_by_conversation ON tool_calls(conversation_id);
CREATE TABLE IF NOT EXISTS events (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_by_type ON events(conversation_id, type, seq);
CREATE TABLE IF NOT EXISTS approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    tool_use_id TEXT NOT NULL,
    approved INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL,
    asked_because TEXT NOT NULL DEFAULT '',
    decided_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS approvals_by_conversation ON approvals(conversation_id);
"""


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, foreign keys on.

    `synchronous=NORMAL` in WAL mode survives a killed process (the OS has the pages); only a power cut
    can lose the newest commits, never corrupt older ones.
    """
    # SQLite gives the -wal and -shm files the database file's mode: make that 0600 before it opens it.
    ensure_private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        tighten(path.with_name(path.name + suffix))
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"the conversation database has schema version {version}, newer than this app's {SCHEMA_VERSION}"
        )
    if version < SCHEMA_VERSION:
        # Every statement is idempotent (IF NOT EXISTS), so running them all brings any older version up.
        conn.execute("BEGIN IMMEDIATE")
        for statement in filter(None, (s.strip() for s in SCHEMA.split(";"))):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("COMMIT")
