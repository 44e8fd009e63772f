"""The sidebar's list of stored conversations: new, open, rename, delete, export, and the keyless demo."""

from __future__ import annotations

from typing import Any

import streamlit as st

from computer_use_demo.store import ConversationStore
from computer_use_demo.trajectory.export import export_conversation
from computer_use_demo.trajectory.locations import new_recording_folder
from computer_use_demo.trajectory.samples import sample_for_display
from computer_use_demo.ui.conversations import STORE_PROBLEM_KEY, open_conversation
from computer_use_demo.ui.state import SESSION_KEY
from computer_use_demo.ui.stored_runs import start_replay

RENAME_KEY = "conversation_rename"
LIST_LIMIT = 30


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
    folder = new_recording_folder(conversation_id)
    try:
        export_conversation(store, conversation_id, folder)
        notice = f"Exported to {folder}: open it in the Trajectories tab."
    except OSError as exc:
        notice = f"Could not export the conversation: {exc}"
    session = st.session_state.get(SESSION_KEY)
    if session is not None:
        session.notices.append(notice)


def _replay_demo() -> None:
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
