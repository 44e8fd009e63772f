"""Replays reproduce a recording's human part: the same approvals and denials without asking anyone, and
a recorded takeover played back on a real Xvfb at the same safe point, checked in the replay report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from computer_use_demo.agent.history import add_user_text
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.runs.controls import RunControls
from computer_use_demo.runs.session import RunSession
from computer_use_demo.tools import ComputerTool20250124, ToolCollection
from computer_use_demo.trajectory import load_trajectory
from computer_use_demo.trajectory.replay_client import ReplayModelClient
from computer_use_demo.trajectory.steps import trajectory_steps
from tests.support.fake_api import FakeMessagesAPI, reply, text, tool_use
from tests.support.loop_tools import RecordingShell
from tests.support.people import CONFIG, HUMAN_CLICK, Human, Person, report_text, run_with_human
from tests.support.xclients import xev_window


def replay_config(folder: Path) -> RunConfig:
    header = load_trajectory(folder).header
    return RunConfig.for_model(
        header["model"],
        provider="replay",
        tool_version=header["tool_version"],
        only_n_most_recent_images=None,
    )


async def replay(folder: Path, tools: ToolCollection, hooks: Any = None) -> tuple[RunSession, Any, Any]:
    client = ReplayModelClient.for_folder(folder)
    messages: list[dict[str, Any]] = []
    add_user_text(messages, "replay")
    config = replay_config(folder)
    session = RunSession(config, messages, client=client, tools=tools, hooks=hooks)
    return session, await session.run(), client.session


async def test_a_replay_denies_what_was_denied_without_asking_anyone(fake_api: FakeMessagesAPI, tmp_path):
    fake_api.script(
        reply(tool_use("bash", {"command": "sudo reboot"}, id="t1")),
        reply(tool_use("bash", {"command": "uptime"}, id="t2")),
        reply(text("Left it running.")),
    )
    config = RunConfig.for_model("claude-sonnet-4-5", approval_mode="policy")
    controls = RunControls.for_config(config)
    person = Person([(False, "not now")])
    person.controls = controls
    messages: list[dict[str, Any]] = []
    add_user_text(messages, "restart it")
    recorded = await RunSession(
        config,
        messages,
        tools=ToolCollection(RecordingShell()),
        hooks=person,
        controls=controls,
        record_to=tmp_path / "rec",
    ).run()
    assert recorded.ok

    shell = RecordingShell()
    nobody = Person([])
    session, outcome, replay_session = await replay(recorded.trajectory, ToolCollection(shell), nobody)
    assert outcome.ok and shell.commands == ["uptime"]
    assert [d.approved for d in nobody.decided] == [False] and nobody.decided[0].reason == "not now"
    assert session.messages[2]["content"][0]["content"] == messages[2]["content"][0]["content"]
    assert replay_session.report.ok, replay_session.report.summary()


async def test_a_replay_plays_the_humans_takeover_back(
    fake_api: FakeMessagesAPI, xvfb_factory, monkeypatch, tmp_path
):
    screen = xvfb_factory(1920, 1080)
    monkeypatch.setenv("DISPLAY", screen.name)
    fake_api.script(
        reply(tool_use("computer", {"action": "left_click", "coordinate": [100, 100]}, id="c1")),
        reply(text("I see what you did.")),
    )
    with xev_window(screen, tmp_path, 50, 50, 1800, 1000):
        original, recorded, _ = await run_with_human(
            screen, lambda t: Human(screen, t), record_to=tmp_path / "rec"
        )
    assert recorded.ok
    (tmp_path / "replay").mkdir()
    with xev_window(screen, tmp_path / "replay", 50, 50, 1800, 1000) as window:
        tools = ToolCollection(ComputerTool20250124(display=screen.name, image_tier="standard"))
        session, outcome, replay_session = await replay(recorded.trajectory, tools)
        clicks = window.wait_for("ButtonPress", 2)
    assert outcome.ok, (outcome.stop, outcome.check_failure)
    assert (clicks[-1].root_x, clicks[-1].root_y) == HUMAN_CLICK, "the human's click was played back"
    assert (
        report_text(session.messages[2]["content"]).split("\n")[1:3]
        == report_text(original.messages[2]["content"]).split("\n")[1:3]
    )
    human_steps = [s for s in replay_session.report.steps if s.action == "human takeover"]
    assert [s.matched for s in human_steps] == [True], replay_session.report.summary()
    assert CONFIG.tool_version == replay_config(recorded.trajectory).tool_version
    steps = trajectory_steps(load_trajectory(recorded.trajectory))
    assert [s.title for s in steps] == ["computer.left_click", "human takeover (test human)", "answer"]
    assert steps[1].said.startswith("- clicked at (1118, 620)") and steps[1].screenshot is not None


async def test_the_viewer_shows_the_takeover_and_an_export_keeps_the_decisions(fake_api, tmp_path):
    from computer_use_demo.store import ConversationStore
    from computer_use_demo.trajectory.export import export_conversation

    store = ConversationStore(tmp_path / "c.db")
    conversation_id = store.create().id
    fake_api.script(reply(tool_use("bash", {"command": "git push"}, id="t1")), reply(text("Not pushed.")))
    config = RunConfig.for_model("claude-sonnet-4-5", approval_mode="policy")
    controls = RunControls.for_config(config)
    person = Person([(False, "review first")])
    person.controls = controls
    messages: list[dict[str, Any]] = []
    add_user_text(messages, "publish")
    session = RunSession(
        config,
        messages,
        store=store,
        conversation_id=conversation_id,
        tools=ToolCollection(RecordingShell()),
        hooks=person,
        controls=controls,
    )
    assert (await session.run()).ok
    exported = load_trajectory(export_conversation(store, conversation_id, tmp_path / "export"))
    assert [(a["call_id"], a["approved"], a["reason"]) for a in exported.approvals] == [
        ("t1", False, "review first")
    ]
    assert [s.title for s in trajectory_steps(exported)] == ["bash", "answer"]
