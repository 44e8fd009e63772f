"""The page: sidebar settings, warnings and credential guidance, the Chat and HTTP Exchange Logs tabs.

One script run does, in order: read settings; act on the user's input (Stop, a new message, Retry); draw the
history; and, while a run is active, follow it live until it ends, then rerun to draw the final state.
"""

from __future__ import annotations

import os

import streamlit as st

from computer_use_demo.tools.server.desktop_reset import reset_desktop
from computer_use_demo.ui.config_store import ConfigStore
from computer_use_demo.ui.conversation_list import render_conversation_list
from computer_use_demo.ui.conversations import (
    ID_KEY,
    continue_in_new_conversation,
    current_conversation,
    shared_store,
)
from computer_use_demo.ui.credentials import CredentialCheck, check_credentials
from computer_use_demo.ui.http_log import render_exchanges
from computer_use_demo.ui.human_controls import render_takeover_bar, render_waiting_panel
from computer_use_demo.ui.live_view import follow_run
from computer_use_demo.ui.rendering import render_messages
from computer_use_demo.ui.runner import settle_run
from computer_use_demo.ui.sidebar import render_sidebar
from computer_use_demo.ui.state import ChatSession, Settings
from computer_use_demo.ui.stored_runs import start_stored_run
from computer_use_demo.ui.trajectory_viewer import render_trajectory_viewer
from computer_use_demo.ui.usage_meter import render_meter

TITLE = "Claude Computer Use"
CHAT_PLACEHOLDER = "Tell Claude what to do on the computer…"
SECURITY_WARNING = (
    "**Security.** Claude acts on this computer for you and can make mistakes. Text on web pages or in "
    "files can carry instructions that override yours (prompt injection). Run this only in an isolated "
    "container or VM with no sensitive data or logins, limit its internet access, and watch and confirm "
    "anything with real-world consequences (purchases, messages, accepting terms)."
)


def _warning_hidden() -> bool:
    return os.environ.get("HIDE_WARNING", "").strip().lower() not in ("", "0", "false", "no")


@st.cache_data(ttl=60, show_spinner=False)
def _cloud_credentials(provider: str) -> CredentialCheck:
    return check_credentials(provider, "")


def _credentials(settings: Settings) -> CredentialCheck:
    if settings.provider == "anthropic":
        return check_credentials("anthropic", settings.api_key)
    return _cloud_credentials(settings.provider)


def _stop(session: ChatSession) -> None:
    if session.run is not None:
        session.run.cancel()


def _reset(session: ChatSession) -> None:
    if session.run is not None:
        session.run.cancel()
        settle_run(session, timeout=30)
    session.clear_conversation()
    continue_in_new_conversation(st.session_state, shared_store())
    outcome = reset_desktop()
    session.notices.append(
        outcome.message if outcome.ok else f"{outcome.message}\n\n```\n{outcome.output}\n```"
    )


def _retry(session: ChatSession, settings: Settings, store: ConfigStore) -> None:
    start_stored_run(
        session, settings, store, conversation_store=shared_store(), conversation_id=st.session_state[ID_KEY]
    )


def main() -> None:
    st.set_page_config(page_title=TITLE, page_icon=":material/computer:", layout="wide")
    st.set_option("client.toolbarMode", "viewer")  # no "Deploy" button: this app is not to be deployed
    store = ConfigStore.default()
    conversation_id, session = current_conversation(st.session_state, st.query_params, shared_store())
    settings = render_sidebar(store, session, on_reset=lambda: _reset(session))
    render_conversation_list(shared_store(), conversation_id, running=session.running)

    st.title(TITLE)
    if not _warning_hidden():
        st.warning(SECURITY_WARNING, icon=":material/warning:")
    credentials = _credentials(settings)
    if not credentials.ok:
        st.error(credentials.summary + "".join(f"\n- {line}" for line in credentials.guidance))

    prompt = st.chat_input(CHAT_PLACEHOLDER, key="chat_input")
    if prompt:
        if session.run is not None:
            session.run.cancel()  # a new message interrupts the current run
            with st.spinner("Stopping the current run…"):
                settle_run(session, announce_stop=False)
        if session.run is None and credentials.ok:
            start_stored_run(
                session, settings, store, conversation_store=shared_store(), conversation_id=conversation_id,
                prompt=prompt,
            )  # fmt: skip
        elif not credentials.ok:
            session.notices.append("Not sent: fix the credentials first (see above).")
    elif session.run is not None and session.run.finished:
        settle_run(session)

    chat_tab, http_tab, trajectory_tab = st.tabs(["Chat", "HTTP Exchange Logs", "Trajectories"])
    with http_tab:
        http_slot = st.empty()
        with http_slot.container():
            render_exchanges(list(session.exchanges))
    with trajectory_tab:
        render_trajectory_viewer()
    with chat_tab:
        meter_slot = st.empty()
        with meter_slot.container():
            render_meter(session.usage)
        run = session.run
        history = session.messages[: run.base_len] if run is not None else session.messages
        render_messages(list(history), hide_screenshots=settings.hide_screenshots)
        if run is None:
            _show_outcome(session, settings, store)
            return
        controls_seen = run.controls_version
        live_area = st.container()
        waiting_area = st.container()
        st.button(
            "Stop", key="stop", type="primary", icon=":material/stop_circle:", on_click=_stop, args=(session,)
        )
        render_takeover_bar(run)
        counts = [len(session.exchanges), len(session.usage.records)]

        def refresh_side_panels() -> None:
            now = [len(session.exchanges), len(session.usage.records)]
            if now[0] != counts[0]:
                with http_slot.container():
                    render_exchanges(list(session.exchanges))
            if now[1] != counts[1]:
                with meter_slot.container():
                    render_meter(session.usage)
            counts[:] = now

        with live_area:
            follow_run(
                run,
                hide_screenshots=settings.hide_screenshots,
                on_change=refresh_side_panels,
                controls_seen=controls_seen,
            )
        if not run.finished:  # it waits for the person: this script run ends, their click is the next
            with waiting_area:
                render_waiting_panel(run, controls_seen)
            return
    settle_run(session)
    st.rerun()


def _show_outcome(session: ChatSession, settings: Settings, store: ConfigStore) -> None:
    for notice in session.notices:
        st.info(notice, icon=":material/info:")
    session.notices.clear()
    if session.last_error is not None:
        st.error(session.last_error.message, icon=":material/error:")
        resumable = session.messages and session.messages[-1].get("role") == "user"
        if resumable:
            st.button("Retry", key="retry", on_click=_retry, args=(session, settings, store))
