"""Stored conversations in the UI: which one a browser session shows, saving it, and the sidebar list.

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
from computer_use_demo.ui.loop_adapter import usage_record
from computer_use_demo.ui.state import SESSION_KEY, ChatSession
from computer_use_demo.ui.usage_meter import UsageLedger

log = logging.getLogger(__name__)

QUERY_PARAM = "conversation"
ID_KEY = "conversation_id"
RENAME_KEY = "conversation_rename"
LIST_LIMIT = 30
STORE_PROBLEM_KEY = "conversation_store_problem"
FALLBACK_DIR = Path(tempfile.gettempdir()) / f"computer-use-unsaved-{os.getuid()}"

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
        return _store_at(str(FALLBACK_DIR / "conversations.db"))


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
        ledger.add(usage_record(counts, row["turn"] or 0, row["model"] or ""))
        ledger.turn = max(ledger.turn, row["turn"] or 0)
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


def _switch(state: Any, store: ConversationStore, conversation_id: str) -> None:
    open_conversation(state, store, conversation_id)
    state.pop(RENAME_KEY, None)


def _new(state: Any, store: ConversationStore) -> None:
    _switch(state, store, store.create().id)


def _rename(state: Any, store: ConversationStore, conversation_id: str) -> None:
    title = str(state.get(RENAME_KEY, "")).strip()
    if title:
        store.rename(conversation_id, title)


def _delete(state: Any, store: ConversationStore, conversation_id: str) -> None:
    store.delete(conversation_id)
    remaining = store.list(limit=1)
    _switch(state, store, remaining[0].id if remaining else store.create().id)


def _export(store: ConversationStore, conversation_id: str) -> None:
    import time

    from computer_use_demo.trajectory.export import export_conversation
    from computer_use_demo.ui.trajectory_viewer import recordings_dir

    folder = recordings_dir() / f"{conversation_id}-{time.strftime('%Y%m%d-%H%M%S')}"
    try:
        export_conversation(store, conversation_id, folder)
        notice = f"Exported to {folder}: open it in the Trajectories tab."
    except OSError as exc:
        notice = f"Could not export the conversation: {exc}"
    session = st.session_state.get(SESSION_KEY)
    if session is not None:
        session.notices.append(notice)


def _replay_demo() -> None:
    from computer_use_demo.trajectory.samples import sample_for_display
    from computer_use_demo.ui.stored_runs import start_replay

    start_replay(sample_for_display())


def render_conversation_list(store: ConversationStore, conversation_id: str, *, running: bool) -> None:
    """The sidebar section: new, open, rename and delete. Switching is off while a run is going."""
    state = st.session_state
    with st.sidebar.expander("Conversations", expanded=True):
        problem = st.session_state.get(STORE_PROBLEM_KEY)
        if problem:
            st.warning(f"Conversations are not being kept: the config folder cannot hold them ({problem}).")
        st.button(
            "New conversation",
            key="conversation_new",
            icon=":material/add:",
            disabled=running,
            on_click=_new,
            args=(state, store),
            use_container_width=True,
        )
        for summary in store.list(limit=LIST_LIMIT):
            current = summary.id == conversation_id
            st.button(
                ("▶ " if current else "") + summary.title,
                key=f"conversation_open_{summary.id}",
                help=f"{summary.message_count} messages · id {summary.id}",
                disabled=running or current,
                on_click=_switch,
                args=(state, store, summary.id),
                use_container_width=True,
            )
        st.button(
            "Replay the keyless demo",
            key="conversation_replay_demo",
            icon=":material/replay:",
            help="No API key? Replay a recorded run (a terminal opens, a file is written and edited).",
            disabled=running,
            on_click=_replay_demo,
            use_container_width=True,
        )
        st.button(
            "Export as trajectory",
            key="conversation_export",
            icon=":material/download:",
            help="Write this conversation as a trajectory folder (JSONL + screenshots); the Trajectories tab "
            "shows it.",
            disabled=running,
            on_click=_export,
            args=(store, conversation_id),
            use_container_width=True,
        )
        current_title = store.get(conversation_id).title
        st.text_input("Rename this conversation", value=current_title, key=RENAME_KEY, disabled=running)
        rename_col, delete_col = st.columns(2)
        rename_col.button(
            "Rename",
            key="conversation_rename_button",
            disabled=running,
            on_click=_rename,
            args=(state, store, conversation_id),
        )
        delete_col.button(
            "Delete",
            key="conversation_delete",
            disabled=running,
            on_click=_delete,
            args=(state, store, conversation_id),
            type="secondary",
        )
