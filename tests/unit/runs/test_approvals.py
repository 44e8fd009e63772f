"""Approvals against the fake Messages API over real HTTP, through a RunSession with a real store: approve
and the call runs; deny and the model gets the person's reason and goes on; no answer in time is a denial;
a denied toolset call halts the rest of its batch. Decisions come from another thread, as a chat's would."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from computer_use_demo.agent.history import add_user_text
from computer_use_demo.runs.approvals import Approvals, UnknownApproval
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.runs.controls import RunControls
from computer_use_demo.runs.hooks import RunHooks, ToolCall
from computer_use_demo.runs.policy import ApprovalPolicy
from computer_use_demo.runs.session import RunSession
from computer_use_demo.store import ConversationStore
from computer_use_demo.tools import ToolCollection
from computer_use_demo.tools.result_blocks import HALTED_TEXT
from computer_use_demo.trajectory import load_trajectory
from tests.support.fake_api import FakeMessagesAPI, member, reply, text, tool_use
from tests.support.loop_tools import RecordingShell, ScreenStandIn, ToolsetStandIn
from tests.support.people import Person

POLICY_CONFIG = RunConfig.for_model("claude-sonnet-4-5", approval_mode="policy")


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    return ConversationStore(tmp_path / "conversations.db")


async def run(
    store: ConversationStore, person: Person, config: RunConfig = POLICY_CONFIG, **options: Any
) -> tuple[RunSession, Any, str]:
    conversation_id = store.create().id
    messages: list[dict[str, Any]] = []
    add_user_text(messages, "clean up")
    options.setdefault("tools", ToolCollection(RecordingShell()))
    controls = RunControls.for_config(config)
    person.controls = controls
    session = RunSession(
        config,
        messages,
        store=store,
        conversation_id=conversation_id,
        hooks=person,
        controls=controls,
        **options,
    )
    return session, await session.run(), conversation_id


def results(session: RunSession, index: int) -> list[dict[str, Any]]:
    return session.messages[index]["content"]


async def test_an_approved_call_runs_and_the_decision_is_kept(fake_api: FakeMessagesAPI, store, tmp_path):
    fake_api.script(reply(tool_use("bash", {"command": "rm -rf /tmp/build"}, id="t1")), reply(text("Done.")))
    shell = RecordingShell()
    person = Person([(True, "")])
    session, outcome, conversation = await run(
        store, person, tools=ToolCollection(shell), record_to=tmp_path / "rec"
    )
    assert outcome.ok and shell.commands == ["rm -rf /tmp/build"]
    assert person.asked[0].reason == "bash command: recursive delete (rm -r)"
    assert not results(session, 2)[0].get("is_error")
    [kept] = store.approvals(conversation)
    assert (kept["tool_use_id"], kept["approved"], kept["decided_by"]) == ("t1", True, "user")
    [recorded] = load_trajectory(outcome.trajectory).approvals
    assert (recorded["call_id"], recorded["approved"], recorded["turn"]) == ("t1", True, 1)


async def test_a_denied_call_tells_the_model_why_and_the_run_goes_on(fake_api: FakeMessagesAPI, store):
    fake_api.script(
        reply(tool_use("bash", {"command": "sudo rm -r /srv"}, id="t1")),
        reply(tool_use("bash", {"command": "ls /srv"}, id="t2")),
        reply(text("I listed it instead.")),
    )
    shell = RecordingShell()
    person = Person([(False, "not on this machine")])
    session, outcome, conversation = await run(store, person, tools=ToolCollection(shell))
    assert outcome.ok and shell.commands == ["ls /srv"]
    denied = results(session, 2)[0]
    assert denied["is_error"] is True
    assert denied["content"][0]["text"] == (
        "Not executed: the user denied this action (it needed approval: bash command: recursive delete "
        "(rm -r)). Their reason: not on this machine"
    )
    # The fake API checks every request like the real one: the denial is a valid answer to the call.
    assert fake_api.message_requests()[1].body["messages"][2]["content"][0]["is_error"] is True
    assert "t1" not in store.started_tool_calls(conversation), "a denied call never started"
    assert [(a["approved"], a["reason"]) for a in store.approvals(conversation)] == [
        (False, "not on this machine")
    ]


async def test_no_answer_in_time_is_a_denial(fake_api: FakeMessagesAPI, store):
    fake_api.script(reply(tool_use("bash", {"command": "git push origin main"}, id="t1")), reply(text("ok")))
    config = POLICY_CONFIG.replace(approval_timeout_s=1)
    shell = RecordingShell()
    person = Person([])  # nobody answers
    started = time.monotonic()
    session, outcome, _ = await run(store, person, config, tools=ToolCollection(shell))
    waited = time.monotonic() - started
    assert outcome.ok and shell.commands == []
    assert 1.0 <= waited < 5
    assert person.decided[0].by == "timeout" and not person.decided[0].approved
    assert results(session, 2)[0]["content"][0]["text"].startswith(
        "Not executed: no one approved this action within 1 s"
    )


async def test_a_denied_toolset_call_halts_the_rest_of_the_batch(fake_api: FakeMessagesAPI, store):
    fake_api.script(
        reply(
            member("left_click", {"coordinate": [5, 5]}, id="m1"),
            member("key", {"text": "alt+F4"}, id="m2"),
            member("type", {"text": "hi"}, id="m3"),
        ),
        reply(text("Understood.")),
    )
    toolset = ToolsetStandIn()
    config = RunConfig.for_model("claude-opus-4-8", approval_mode="policy")
    person = Person([(False, "keep the window")])
    session, outcome, _ = await run(store, person, config, tools=ToolCollection(toolset, RecordingShell()))
    assert outcome.ok and toolset.calls == [("left_click", {"coordinate": [5, 5]})]
    first, denied, halted = results(session, 2)
    assert first["content"][-1]["type"] == "image", "the batch's last good result gets the screenshot"
    assert denied["is_error"] and "Their reason: keep the window" in denied["content"][0]["text"]
    assert halted["is_error"] and halted["content"][0]["text"] == HALTED_TEXT


async def test_every_action_mode_asks_with_the_screenshot_and_the_click_point(fake_api, store):
    fake_api.script(
        reply(tool_use("computer", {"action": "screenshot"}, id="s1")),
        reply(tool_use("computer", {"action": "left_click", "coordinate": [10, 20]}, id="c1")),
        reply(text("Clicked.")),
    )
    screen = ScreenStandIn(64, 48, noise=False)
    config = RunConfig.for_model("claude-sonnet-4-5", approval_mode="all")
    person = Person([(True, "")])
    session, outcome, _ = await run(store, person, config, tools=ToolCollection(screen))
    assert outcome.ok and [c["action"] for c in screen.calls] == ["screenshot", "left_click"]
    [asked] = person.asked
    assert asked.call_id == "c1" and asked.point == (10, 20)
    assert asked.screenshot == results(session, 2)[0]["content"][-1]["source"]["data"]
    assert asked.to_dict()["expires_at"] == pytest.approx(asked.requested_at + config.approval_timeout_s)


async def test_decide_refuses_an_unknown_or_already_decided_call():
    approvals = Approvals(ApprovalPolicy("all"), timeout_s=5)
    with pytest.raises(UnknownApproval, match="no approval is pending for call 'nope'"):
        approvals.decide("nope", True)
    call = ToolCall("c9", "bash", None, {"command": "ls"})
    asked = asyncio.Event()

    class Asked(RunHooks):
        def on_approval_requested(self, request: Any) -> None:
            asked.set()

    review = asyncio.ensure_future(approvals.review(call, [], Asked()))
    await asked.wait()
    assert [r.call_id for r in approvals.pending()] == ["c9"]
    first = await asyncio.to_thread(approvals.decide, "c9", False, "  twice?  ")
    with pytest.raises(UnknownApproval):
        approvals.decide("c9", True)
    decision = await review
    assert decision == first and decision.reason == "twice?" and approvals.pending() == []


async def test_an_unattended_answerer_decides_without_waiting():
    from computer_use_demo.runs.approvals import deny_everything

    approvals = Approvals(ApprovalPolicy("all"), answer=deny_everything("no one is at the terminal"))
    decision = await approvals.review(ToolCall("c1", "bash", None, {"command": "ls"}), [], RunHooks())
    assert decision is not None and not decision.approved and decision.by == "unattended"
    assert decision.denial_text() == (
        "Not executed: the run (unattended) denied this action (it needed approval: every action needs "
        "approval). Their reason: no one is at the terminal"
    )
