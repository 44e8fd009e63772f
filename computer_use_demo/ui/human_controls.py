"""The chat's part in a run's human controls: Approve / Deny a pending call, Take over / Hand back.

While the run waits for the person (an approval, or a takeover in progress) the script run ends after
drawing the panel, so clicks are plain reruns; a small fragment polls the run and reruns the page once the
run moves on by itself (an approval that timed out). During a takeover the page asks the combined page
around it (image/static/page.js) to switch its desktop view to Control, and back afterwards.
"""

from __future__ import annotations

import base64
import io
import json
import time
from typing import Any

import streamlit as st
from PIL import Image, ImageDraw

from computer_use_demo.runs.approvals import ApprovalRequest
from computer_use_demo.ui.rendering import tool_call_title
from computer_use_demo.ui.runner import LoopRun

POLL_SECONDS = 1.0
DESKTOP_MESSAGE = "computer-use-demo:takeover"
MARK_RADIUS = 14


def holder_name() -> str:
    """Who this browser session is, for "the desktop is held by ..." messages."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return f"a browser session ({ctx.session_id[:8]})" if ctx is not None else "a browser session"


def render_takeover_bar(run: LoopRun) -> None:
    """Take over while Claude works; the wait for its safe point; Hand back while the person has it."""
    state = run.control_state()
    if run.notice:
        st.warning(run.notice, icon=":material/warning:")
    if state.phase == "agent":
        st.button(
            "Take over",
            key="take_over",
            icon=":material/pan_tool:",
            on_click=run.take_over,
            args=(holder_name(),),
            help="Pause Claude at its next safe point (between actions) and use the desktop yourself. What "
            "you do is recorded and told to Claude when you hand back.",
        )
    elif state.phase == "requested":
        st.info(
            "Waiting for Claude to pause at a safe point (never inside an action)…",
            icon=":material/hourglass_top:",
        )
        st.button("Cancel take over", key="cancel_take_over", on_click=run.hand_back)
    else:
        since = time.strftime("%H:%M:%S", time.localtime(state.since or time.time()))
        held = f"You have the desktop since {since}." if state.holder == holder_name() else state.describe()
        st.success(
            f"{held} Your clicks and typing are recorded and told to Claude when you hand back.",
            icon=":material/pan_tool:",
        )
        st.button(
            "Hand back", key="hand_back", type="primary", icon=":material/undo:", on_click=run.hand_back
        )
    desktop_switch(state.phase == "human")


def desktop_switch(taken_over: bool) -> None:
    """Ask the combined page (if the chat runs inside it) to give the person control of the desktop view."""
    message = json.dumps({"type": DESKTOP_MESSAGE, "active": taken_over})
    st.iframe(f"<script>window.top.postMessage({message}, '*');</script>", height=1)


def render_approval(run: LoopRun, request: ApprovalRequest) -> None:
    """The pending call, the screenshot it was made from (with where it would click), and the buttons."""
    call = {"name": request.call.name, "toolset_name": request.call.toolset_name, "input": request.call.input}
    st.warning(
        f"**Claude wants to run `{tool_call_title(call)}`** and needs your OK: {request.reason}.",
        icon=":material/front_hand:",
    )
    st.code(json.dumps(request.call.input, indent=2, ensure_ascii=False), language="json")
    if request.screenshot:
        where = f"; the red mark is where it would click {request.point}" if request.point else ""
        st.image(marked_screenshot(request.screenshot, request.point), caption=f"What Claude saw{where}")
    reason_key = f"approval_reason_{request.call_id}"
    st.text_input("Reason (optional, Claude is told)", key=reason_key)
    approve, deny = st.columns(2)
    approve.button(
        "Approve",
        key=f"approve_{request.call_id}",
        type="primary",
        icon=":material/check:",
        on_click=_decide,
        args=(run, request.call_id, True, reason_key),
    )
    deny.button(
        "Deny",
        key=f"deny_{request.call_id}",
        icon=":material/block:",
        on_click=_decide,
        args=(run, request.call_id, False, reason_key),
    )
    expires = time.strftime("%H:%M:%S", time.localtime(request.requested_at + request.timeout_s))
    st.caption(f"No answer by {expires} denies it.")


def _decide(run: LoopRun, call_id: str, approve: bool, reason_key: str) -> None:
    run.decide(call_id, approve, str(st.session_state.get(reason_key, "")))


def marked_screenshot(data: str, point: tuple[int, int] | None) -> bytes:
    """The screenshot as PNG bytes, with a red ring and cross where a click would land."""
    raw = base64.b64decode(data)
    if point is None:
        return raw
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    draw = ImageDraw.Draw(image)
    x, y = point
    r = MARK_RADIUS
    draw.ellipse((x - r, y - r, x + r, y + r), outline=(230, 30, 30), width=3)
    draw.line((x - 2 * r, y, x + 2 * r, y), fill=(230, 30, 30), width=1)
    draw.line((x, y - 2 * r, x, y + 2 * r), fill=(230, 30, 30), width=1)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def render_waiting_panel(run: LoopRun, seen_version: int) -> None:
    """What the run waits for; then watch it, so the page follows once it goes on without a click."""
    request = run.pending_approval()
    if request is not None:
        render_approval(run, request)
    _watch(run, seen_version)


@st.fragment(run_every=POLL_SECONDS)
def _watch(run: LoopRun, seen_version: int) -> None:
    if run.finished or run.controls_version != seen_version:
        st.rerun()


def render_decision(block: dict[str, Any]) -> None:
    """A decision in the live view: approved, or denied and why."""
    by = {"user": "you", "timeout": "timeout (no answer in time)", "takeover": "your take-over"}.get(
        str(block.get("by")), str(block.get("by"))
    )
    reason = f": {block['reason']}" if block.get("reason") else ""
    if block.get("approved"):
        st.caption(f"Approved by {by}{reason}.")
    else:
        st.caption(f"Denied by {by}{reason}. Claude was told.")
