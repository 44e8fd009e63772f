"""Showing a run while it happens: streamed text and thinking as they arrive, each step as it finishes.

The script thread waits on the run's change signal (no busy polling), then updates placeholders. Touching
`st.session_state` and writing elements are Streamlit's yield points: that is where a click on Stop or a new
chat message interrupts this wait with a rerun, which the next script run picks up. A reload or a closed
tab ends this script run but not the run it follows (see `follow_run`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from computer_use_demo.ui.human_controls import render_decision
from computer_use_demo.ui.model_text import inert_markdown
from computer_use_demo.ui.rendering import (
    ASSISTANT_AVATAR,
    TOOL_AVATAR,
    USER_AVATAR,
    render_block,
    render_thinking,
)
from computer_use_demo.ui.runner import LiveItem, LoopRun, PartialBlock

# Redraw the growing text at most this often, so a fast stream does not flood the browser.
MIN_REDRAW_SECONDS = 0.1
STATUS_EVERY_SECONDS = 0.5
# How long a stopped script waits to learn whether its browser left (see `browser_disconnected`).
DISCONNECT_GRACE_SECONDS = 0.5
DISCONNECT_POLL_SECONDS = 0.02


def _render_partial(partial: list[PartialBlock]) -> None:
    with st.chat_message("assistant", avatar=ASSISTANT_AVATAR):
        for block in partial:
            if block.kind == "thinking":
                render_thinking(block.text, live=True)
            elif block.kind == "retry":
                st.caption(block.text)
            else:
                st.markdown(inert_markdown(block.text) + " \u258c")


def follow_run(
    run: LoopRun,
    *,
    hide_screenshots: bool,
    on_change: Callable[[], None] | None = None,
    controls_seen: int | None = None,
) -> None:
    """Render `run`'s live items below what is on screen until it finishes or waits for the person.

    `controls_seen`: the run's `controls_version` this page was drawn for; when an approval or a takeover
    starts or ends, the page is rerun so its buttons match (`st.rerun`).

    Streamlit ends the script with `StopException` both for its own Stop (in the page header) and when the
    browser goes away (a reload, a closed tab). The header Stop stops the run too; a browser that left does
    not: the run goes on, saving as it goes, and a reloaded page re-attaches to it. A rerun (our Stop button,
    a new message) is not a stop: the next script run picks the run up again.
    """
    try:
        _follow(run, hide_screenshots=hide_screenshots, on_change=on_change, controls_seen=controls_seen)
    except StopException:
        if not browser_disconnected():
            run.cancel()
        raise


def browser_disconnected(grace: float = DISCONNECT_GRACE_SECONDS) -> bool:
    """Whether this script run's browser session has left (closed or reloaded), seen within `grace` seconds.

    Streamlit has no public way to tell a closed connection from its header Stop (both raise the same
    StopException), so this asks its runtime whether our session is still an active one. The runtime's
    `disconnect_session` requests the script stop *before* it drops the session from the active ones, hence
    the short poll. When it cannot tell (no runtime, as under AppTest), it answers False: a Stop, as before.
    """
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not runtime.exists():
        return False
    instance = runtime.get_instance()
    deadline = time.monotonic() + grace
    while instance.is_active_session(ctx.session_id):
        if time.monotonic() >= deadline:
            return False
        time.sleep(DISCONNECT_POLL_SECONDS)
    return True


def _render_item(item: LiveItem, *, hide_screenshots: bool) -> None:
    if item.role == "approval":
        render_decision(item.block)
    else:
        render_block(item.block, hide_screenshots=hide_screenshots)


AVATARS = {"tool": TOOL_AVATAR, "user": USER_AVATAR, "assistant": ASSISTANT_AVATAR}


def _follow(
    run: LoopRun, *, hide_screenshots: bool, on_change: Callable[[], None] | None, controls_seen: int | None
) -> None:
    items_area = st.container()
    stream_slot = st.empty()
    status_slot = st.empty()
    shown_items = 0
    current_role: str | None = None
    current_box = None
    seen = -1
    stream_dirty = False
    last_redraw = 0.0
    last_status = 0.0
    while True:
        timeout = MIN_REDRAW_SECONDS if stream_dirty else STATUS_EVERY_SECONDS
        run.wait_for_change(seen, timeout=timeout)
        _ = st.session_state.get("_yield")  # a yield point: lets a Stop click or a new message interrupt us
        version, items, partial, finished = run.view()
        now = time.monotonic()
        new_items = items[shown_items:] if version != seen else []
        for item in new_items:
            role = "tool" if item.role == "approval" else item.role  # a decision goes with the tool calls
            if role != current_role or current_box is None:
                with items_area:
                    current_box = st.chat_message(role, avatar=AVATARS.get(role, ASSISTANT_AVATAR))
                current_role = role
            with current_box:
                _render_item(item, hide_screenshots=hide_screenshots)
        shown_items += len(new_items)
        if version != seen:
            stream_dirty = True
            seen = version
            if on_change is not None:
                on_change()
        if stream_dirty and (new_items or finished or now - last_redraw >= MIN_REDRAW_SECONDS):
            if partial:
                with stream_slot.container():
                    _render_partial(partial)
            else:
                stream_slot.empty()
            last_redraw = now
            stream_dirty = False
        if finished or run.waiting_for_person:
            break
        if controls_seen is not None and run.controls_version != controls_seen:
            st.rerun()  # an approval or a takeover began or ended: redraw the buttons for it
        if now - last_status >= STATUS_EVERY_SECONDS:
            label = "Stopping…" if run.cancel_requested else "Working…"
            status_slot.caption(f"{label} {now - run.started_at:.0f} s")
            last_status = now
    status_slot.empty()
