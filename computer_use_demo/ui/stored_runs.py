"""Starting a browser session's run so that it is stored as it goes and holds the desktop while it lasts.

`start_stored_run` is `runner.start_run` plus three things: it takes the desktop's run lock first (a second
session gets a clear message and nothing is started), it saves the conversation after each message the loop
adds (so a reload, a new tab or a restart finds it), and it registers the session as live so a reloaded page
re-attaches to the run. The lock is released and the final state saved when the worker finishes, even if the
browser has gone away.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from computer_use_demo.desktop.run_lock import DesktopBusy, RunLock, acquire_run_lock
from computer_use_demo.store import ConversationStore
from computer_use_demo.trajectory import load_trajectory
from computer_use_demo.trajectory.replay_client import PROVIDER_NAME, replay_model_id
from computer_use_demo.ui.config_store import ConfigStore
from computer_use_demo.ui.conversations import open_conversation, register_live, save_session, shared_store
from computer_use_demo.ui.runner import LoopRun
from computer_use_demo.ui.state import SESSION_KEY, ChatSession, Settings

log = logging.getLogger(__name__)

OWNER = "a browser session"


@dataclass
class StoredLoopRun(LoopRun):
    conversation_store: ConversationStore | None = None
    conversation_id: str = ""
    desktop_lock: RunLock | None = field(default=None, repr=False)

    def _save(self) -> None:
        if self.conversation_store is not None and self.conversation_id:
            save_session(self.conversation_store, self.conversation_id, self.session)

    # The loop appends the assistant turn before reporting its blocks, and the tool results before
    # reporting them: saving here stores each message as soon as it exists.
    def _on_block(self, block: Any) -> None:
        self._save()
        super()._on_block(block)

    def _on_tool_result(self, result: Any, tool_use_id: str) -> None:
        self._save()
        super()._on_tool_result(result, tool_use_id)

    def _on_usage(self, usage: Any) -> None:
        super()._on_usage(usage)
        if self.conversation_store is not None and self.conversation_id:
            try:
                self.conversation_store.record_usage(
                    self.conversation_id, usage, model=self.settings.model, turn=self.session.usage.turn
                )
            except Exception:  # the meter is a convenience: never stop a run for it
                log.exception("could not store usage")

    def _finish(self) -> None:
        # The loop has returned: nothing acts on the desktop any more, so free it before the page learns
        # the run is over (a message sent right then must not find the desktop still taken).
        if self.desktop_lock is not None:
            self.desktop_lock.release()
        try:
            super()._finish()
        finally:
            self._save()


def start_stored_run(
    session: ChatSession,
    settings: Settings,
    store: ConfigStore,
    *,
    conversation_store: ConversationStore,
    conversation_id: str,
    prompt: str | None = None,
) -> StoredLoopRun | None:
    """Add `prompt` (if any) and start the run; None (and a notice) when another run holds the desktop."""
    try:
        lock = acquire_run_lock(owner=OWNER, task=prompt or "retry")
    except DesktopBusy as busy:
        session.notices.append(str(busy))
        return None
    try:
        if prompt is not None:
            session.add_user_text(prompt)
        session.usage.start_turn()
        session.last_error = None
        save_session(conversation_store, conversation_id, session)
        conversation_store.update_settings(
            conversation_id,
            {"provider": settings.provider, "model": settings.model, "tool_version": settings.tool_version},
        )
        run = StoredLoopRun(
            session=session,
            settings=settings,
            store=store,
            conversation_store=conversation_store,
            conversation_id=conversation_id,
            desktop_lock=lock,
        )
        session.run = run
        register_live(conversation_id, session)
        return run.start()  # type: ignore[return-value]
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
    )


def start_replay(folder: Path | str) -> StoredLoopRun | None:
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
