"""Stored conversations in the UI: which one a browser session shows, and saving it (the sidebar's list of
them is conversation_list.py).

A browser session shows one stored conversation, named in the URL (`?conversation=<id>`), so a reload or
a copied link opens it again; without one it opens the most recent. A run outlives its browser session
(the worker thread keeps going), so sessions with a live run are kept in a process-wide registry and a
reloaded page re-attaches to the run instead of showing a stale copy.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

import streamlit as st

from computer_use_demo.models.usage import TurnUsage
from computer_use_demo.store import ConversationNotFound, ConversationStore, database_path
from computer_use_demo.store.messages import USAGE_FIELDS
from computer_use_demo.ui.state import SESSION_KEY, ChatSession
from computer_use_demo.ui.usage_meter import UsageLedger, UsageRecord

log = logging.getLogger(__name__)

QUERY_PARAM = "conversation"
ID_KEY = "conversation_id"
STORE_PROBLEM_KEY = "conversation_store_problem"
FALLBACK_PREFIX = f"computer-use-unsaved-{os.getuid()}-"

_live: dict[str, ChatSession] = {}
_live_lock = threading.Lock()


@st.cache_resource
def _store_at(path: str) -> ConversationStore:
    return ConversationStore(path)


def shared_store() -> ConversationStore:
    """One store per database per server process (it keeps a connection per thread).

    When the config folder cannot hold the database (not writable, not a folder, a database from a newer
    app), the chat still works on a scratch database in the temp folder, and the sidebar says why nothing
    is kept.
    """
    try:
        return _store_at(str(database_path()))
    except (sqlite3.Error, OSError, RuntimeError) as exc:
        log.warning("conversation store unavailable: %s", exc)
        st.session_state[STORE_PROBLEM_KEY] = str(exc)
        return _store_at(str(_fallback_dir() / "conversations.db"))


@st.cache_resource
def _fallback_dir() -> Path:
    """This server process's own scratch folder: never a database another version of the app left."""
    return Path(tempfile.mkdtemp(prefix=FALLBACK_PREFIX))


def live_session(conversation_id: str) -> ChatSession | None:
    with _live_lock:
        session = _live.get(conversation_id)
        if session is not None and not session.running:
            del _live[conversation_id]
            return None
        return session


def register_live(conversation_id: str, session: ChatSession) -> None:
    """Call when a run starts, so a reloaded page finds the running session."""
    with _live_lock:
        _live[conversation_id] = session


def open_conversation(state: Any, store: ConversationStore, conversation_id: str) -> ChatSession:
    """Make `conversation_id` this browser session's conversation (a live run's session if there is one)."""
    session = live_session(conversation_id)
    if session is None:
        session = ChatSession(
            messages=store.load_messages(conversation_id), usage=stored_usage(store, conversation_id)
        )
    state[SESSION_KEY] = session
    state[ID_KEY] = conversation_id
    return session


def continue_in_new_conversation(state: Any, store: ConversationStore) -> str:
    """Give this session's (just cleared) chat a fresh stored conversation; the old one stays listed."""
    conversation_id = store.create().id
    state[ID_KEY] = conversation_id
    return conversation_id


def stored_usage(store: ConversationStore, conversation_id: str) -> UsageLedger:
    """The token meter of a stored conversation, priced with the project's one pricing table."""
    ledger = UsageLedger()
    for row in store.usage_records(conversation_id):
        counts = TurnUsage(**{f: row[f] for f in USAGE_FIELDS})
        ledger.add(UsageRecord.priced(row["turn"] or 0, counts, row["model"] or ""))
    return ledger


def current_conversation(state: Any, query_params: Any, store: ConversationStore) -> tuple[str, ChatSession]:
    """The conversation this browser session shows, opening one on the session's first run."""
    conversation_id = state.get(ID_KEY)
    if conversation_id is None or SESSION_KEY not in state:
        conversation_id = _pick(query_params.get(QUERY_PARAM), store)
        open_conversation(state, store, conversation_id)
    if query_params.get(QUERY_PARAM) != conversation_id:
        query_params[QUERY_PARAM] = conversation_id
    return conversation_id, state[SESSION_KEY]


def _pick(wanted: str | None, store: ConversationStore) -> str:
    if wanted:
        try:
            return store.get(wanted).id
        except ConversationNotFound:
            log.info("conversation %s from the URL is gone; opening the latest", wanted)
    latest = store.list(limit=1)
    return latest[0].id if latest else store.create().id


def save_session(store: ConversationStore, conversation_id: str, session: ChatSession) -> None:
    """Write what is new in the session's messages; a storage problem becomes a notice, never a crash."""
    try:
        store.save_messages(conversation_id, list(session.messages))
    except Exception as exc:  # a full disk must not stop the run; the user is told
        log.exception("could not save conversation %s", conversation_id)
        notice = f"Could not save the conversation: {exc}"
        if notice not in session.notices:
            session.notices.append(notice)
