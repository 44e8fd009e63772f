"""The trajectory viewer: step through a recorded run (bundled samples, recordings, exported chats)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from computer_use_demo.trajectory import TrajectoryError, load_trajectory
from computer_use_demo.trajectory.format import JSONL_NAME
from computer_use_demo.trajectory.locations import recordings_dir
from computer_use_demo.trajectory.samples import SAMPLES_DIR
from computer_use_demo.trajectory.steps import Step, trajectory_steps
from computer_use_demo.ui.model_text import inert_markdown
from computer_use_demo.ui.stored_runs import start_replay

STEP_KEY = "trajectory_step"
CHOICE_KEY = "trajectory_choice"
PATH_KEY = "trajectory_path"
OTHER = "Another folder…"
REPLAY_NOTICE_KEY = "trajectory_replay_started"


def available_trajectories() -> list[Path]:
    """Bundled samples first, then recordings and exports in the config folder, newest first."""
    samples = sorted(p.parent for p in SAMPLES_DIR.glob(f"*/{JSONL_NAME}"))
    folder = recordings_dir()
    found = folder.glob(f"*/{JSONL_NAME}") if folder.is_dir() else []
    recorded = sorted((p.parent for p in found), key=lambda p: p.stat().st_mtime, reverse=True)
    return samples + recorded


def _label(path: Path | str) -> str:
    if isinstance(path, str):
        return path
    where = "sample" if path.is_relative_to(SAMPLES_DIR) else "recorded"
    return f"{path.name} ({where})"


def _reset_step() -> None:
    st.session_state[STEP_KEY] = 1


def _move(delta: int, count: int) -> None:
    st.session_state[STEP_KEY] = min(max(1, st.session_state.get(STEP_KEY, 1) + delta), count)


def _replay(folder: Path) -> None:
    if start_replay(folder) is not None:
        st.session_state[REPLAY_NOTICE_KEY] = True


def render_trajectory_viewer() -> None:
    st.subheader("Trajectory viewer")
    if st.session_state.pop(REPLAY_NOTICE_KEY, False):
        st.success("Replay started: follow it in the Chat tab.", icon=":material/replay:")
    options: list[Path | str] = [*available_trajectories(), OTHER]
    choice = st.selectbox("Recorded run", options, format_func=_label, key=CHOICE_KEY, on_change=_reset_step)
    if choice == OTHER:
        typed = st.text_input("Trajectory folder", key=PATH_KEY, on_change=_reset_step)
        if not typed:
            st.info(
                f"Give a folder that holds a `{JSONL_NAME}` (for example one written by `run --record DIR`)."
            )
            return
        folder = Path(typed).expanduser()
    else:
        folder = Path(choice)
    try:
        trajectory = load_trajectory(folder)
    except (TrajectoryError, OSError) as exc:
        st.error(f"Cannot read this trajectory: {exc}")
        return
    steps = trajectory_steps(trajectory)
    header = trajectory.header
    st.button(
        "Replay on the desktop",
        key="trajectory_replay",
        icon=":material/replay:",
        help="Play these tool calls on the live desktop in place of the model (no API key) and compare "
        "each screenshot with the recorded one. The run appears in the Chat tab.",
        on_click=_replay,
        args=(folder,),
    )
    status = (trajectory.end or {}).get("status", "unfinished")
    st.caption(
        f"Task: **{trajectory.task or '(none)'}** · model `{header.get('model')}`"
        f" · tools `{header.get('tool_version')}` · {len(steps)} steps · {status}"
    )
    if not steps:
        st.info("This trajectory has no steps yet.")
        return
    if st.session_state.get(STEP_KEY, 1) > len(steps):
        _reset_step()
    previous, slider, following = st.columns([1, 6, 1])
    previous.button("◀ Previous", key="trajectory_prev", on_click=_move, args=(-1, len(steps)))
    following.button("Next ▶", key="trajectory_next", on_click=_move, args=(1, len(steps)))
    if len(steps) > 1:
        slider.slider("Step", 1, len(steps), key=STEP_KEY)
    render_step(steps[st.session_state.get(STEP_KEY, 1) - 1], len(steps))


def render_step(step: Step, count: int) -> None:
    picture, details = st.columns([3, 2])
    with picture:
        if step.screenshot is not None and step.screenshot.exists():
            st.image(str(step.screenshot), caption=f"Screen after step {step.number}")
        else:
            st.caption("(no screenshot for this step)")
    with details:
        timing = f" · {step.duration_s:.2f} s" if step.duration_s is not None else ""
        st.markdown(f"**Step {step.number} of {count}** · turn {step.turn} · `{step.title}`{timing}")
        if step.thinking:
            with st.expander("Thinking", expanded=False):
                st.markdown(inert_markdown(step.thinking))
        if step.said:
            st.markdown(inert_markdown(step.said))
        if step.tool_input is not None:
            st.json(step.tool_input, expanded=True)
        if step.error:
            st.error(step.error)
        elif step.output:
            st.code(step.output, language=None)
        if step.usage:
            used = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in step.usage.items() if v)
            st.caption(f"Tokens this turn: {used or '0'}")
