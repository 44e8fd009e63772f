"""Starting a browser session's run so that it is stored as it goes and holds the desktop while it lasts.

`start_stored_run` takes the desktop's run lock first (a second session gets a clear message and nothing
is started), saves the prompt at once, and registers the session as live so a reloaded page re-attaches
to the run. The run's `RunSession` then stores each message as the loop adds it (so a reload, a new tab
or a restart finds it) and frees the desktop when it ends, even if the browser has gone away.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from computer_use_demo.desktop.run_lock import DesktopBusy, acquire_run_lock
from computer_use_demo.store import ConversationStore
from computer_use_demo.trajectory import load_trajectory
from computer_use_demo.trajectory.replay_client import PROVIDER_NAME, replay_model_id
from computer_use_demo.ui.config_store import ConfigStore
from computer_use_demo.ui.conversations import open_conversation, register_live, save_session, shared_store
from computer_use_demo.ui.runner import LoopRun
from computer_use_demo.ui.state import SESSION_KEY, ChatSession, Settings

OWNER = "a browser session"


def start_stored_run(
    session: ChatSession,
    settings: Settings,
    store: ConfigStore,
    *,
    conversation_store: ConversationStore,
    conversation_id: str,
    prompt: str | None = None,
) -> LoopRun | None:
    """Add `prompt` (if any) and start the run; None (and a notice) when another run holds the desktop."""
    try:
        lock = acquire_run_lock(owner=OWNER, task=prompt or "retry")
    except DesktopBusy as busy:
        session.notices.append(str(busy))
        return None
    try:
        if prompt is not None:
            session.add_user_text(prompt)
        session.last_error = None
        save_session(conversation_store, conversation_id, session)
        run = LoopRun(
            session=session,
            settings=settings,
            store=store,
            conversation_store=conversation_store,
            conversation_id=conversation_id,
            desktop_lock=lock,
        )
        session.run = run
        register_live(conversation_id, session)
        return run.start()
    except BaseException:
        lock.release()
        raise


def replay_settings(folder: Path, tool_version: str) -> Settings:
    """Settings for a run of the `replay` provider: the recording stands in for the model, no key needed."""
    return Settings(
        provider=PROVIDER_NAME,
        model=replay_model_id(folder),
        api_key="",
        only_n_most_recent_images=None,
        system_prompt_suffix="",
        hide_screenshots=False,
        tool_version=tool_version,
        max_tokens=4096,
        thinking_mode="off",
        thinking_budget=None,
        thinking_effort="medium",
        approval_mode="none",  # a replay gives the recorded answers again and asks nothing new
    )


def start_replay(folder: Path | str) -> LoopRun | None:
    """Replay a recorded run on this desktop in a new conversation of this browser session."""
    state = st.session_state
    current: ChatSession | None = state.get(SESSION_KEY)
    if current is not None and current.running:
        current.notices.append("Stop the current run before starting a replay.")
        return None
    folder = Path(folder)
    trajectory = load_trajectory(folder)
    store = shared_store()
    conversation_id = store.create(title=f"Replay: {trajectory.task or folder.name}").id
    session = open_conversation(state, store, conversation_id)
    return start_stored_run(
        session,
        replay_settings(folder, str(trajectory.header.get("tool_version"))),
        ConfigStore.default(),
        conversation_store=store,
        conversation_id=conversation_id,
        prompt=f"Replay the recorded run: {trajectory.task}",
    )
