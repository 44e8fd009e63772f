"""RunSession against the fake Messages API over real HTTP, with a real SQLite store: what it keeps as it
goes, how it resumes what a killed run left, and that no failure loses or breaks the history."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from computer_use_demo.agent.history import NOT_STARTED_TEXT, UNKNOWN_OUTCOME_TEXT, add_user_text
from computer_use_demo.desktop.run_lock import acquire_run_lock, current_holder
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.runs.hooks import RunHooks
from computer_use_demo.runs.session import RunSession
from computer_use_demo.store import ConversationStore
from computer_use_demo.tools import ToolCollection
from computer_use_demo.trajectory import load_trajectory
from tests.support.fake_api import FakeMessagesAPI, reply, text, tool_use
from tests.support.loop_tools import RecordingShell

CONFIG = RunConfig.for_model("claude-sonnet-4-5")


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    return ConversationStore(tmp_path / "conversations.db")


async def run_session(
    store: ConversationStore, conversation_id: str, prompt: str, **options: Any
) -> tuple[RunSession, Any]:
    messages = store.load_messages(conversation_id)
    add_user_text(messages, prompt)
    options.setdefault("tools", ToolCollection(RecordingShell()))
    cancel = options.pop("cancel_event", None)
    session = RunSession(CONFIG, messages, store=store, conversation_id=conversation_id, **options)
    return session, await session.run(cancel)


async def test_a_run_is_kept_as_it_goes(fake_api: FakeMessagesAPI, store: ConversationStore, tmp_path):
    fake_api.script(
        reply(
            text("Two."),
            tool_use("bash", {"command": "one"}, id="t1"),
            tool_use("bash", {"command": "two"}, id="t2"),
        ),
        reply(text("Done.")),
    )
    conversation = store.create().id
    session, outcome = await run_session(store, conversation, "do two things", record_to=tmp_path / "rec")

    assert outcome.ok and (outcome.model_calls, outcome.tool_calls) == (2, 2)
    history = store.load_messages(conversation)
    assert history == session.messages and [m["role"] for m in history] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    calls = store.tool_calls(conversation)
    assert [(c["tool_use_id"], c["name"], c["is_error"]) for c in calls] == [
        ("t1", "bash", False),
        ("t2", "bash", False),
    ]
    assert all(c["duration_s"] is not None and c["duration_s"] >= 0 for c in calls)
    assert [r["turn"] for r in store.usage_records(conversation)] == [1, 1]
    assert store.get(conversation).settings == CONFIG.summary()
    trajectory = load_trajectory(outcome.trajectory)
    assert [c.tool_use_id for c in trajectory.tool_calls] == ["t1", "t2"]
    assert trajectory.end["status"] == "completed"


async def test_usage_rows_carry_the_user_turn_they_served(
    fake_api: FakeMessagesAPI, store: ConversationStore
):
    conversation = store.create().id
    fake_api.script(reply(tool_use("bash", {"command": "x"})), reply(text("first")))
    await run_session(store, conversation, "first task")
    fake_api.script(reply(text("second")))
    await run_session(store, conversation, "second task")
    fake_api.script(reply(tool_use("bash", {"command": "y"})), reply(text("third")))
    _, outcome = await run_session(store, conversation, "third task")
    assert outcome.ok
    assert [r["turn"] for r in store.usage_records(conversation)] == [1, 1, 2, 3, 3]


async def test_a_resumed_call_that_had_started_has_an_unknown_outcome(
    fake_api: FakeMessagesAPI, store: ConversationStore
):
    # What a run killed while `t1` was running leaves: both calls stored, t1's start noted, no results.
    conversation = store.create().id
    calls = [tool_use("bash", {"command": "sleep 30"}, id="t1"), tool_use("bash", {"command": "ls"}, id="t2")]
    store.save_messages(
        conversation, [{"role": "user", "content": "go"}, {"role": "assistant", "content": calls}]
    )
    store.record_tool_start(conversation, tool_use_id="t1", name="bash")

    fake_api.script(reply(text("Picking up.")))
    _, outcome = await run_session(store, conversation, "go on")

    assert outcome.ok and fake_api.requests[0].status == 200  # the fake API checks the pairing
    sent = fake_api.requests[0].body["messages"][2]["content"]
    assert [(b.get("tool_use_id"), b.get("is_error")) for b in sent[:2]] == [("t1", True), ("t2", True)]
    assert (
        sent[0]["content"][0]["text"]
        == UNKNOWN_OUTCOME_TEXT
        == ("The run ended while this call was running; its outcome is unknown.")
    )
    assert sent[1]["content"][0]["text"] == NOT_STARTED_TEXT and "Not executed" in NOT_STARTED_TEXT
    assert sent[-1]["text"].startswith("go on")
    assert store.load_messages(conversation)[2]["content"][0]["content"][0]["text"] == UNKNOWN_OUTCOME_TEXT


async def test_a_broken_store_ends_the_run_in_words_and_keeps_the_history(
    fake_api: FakeMessagesAPI, store: ConversationStore
):
    conversation = store.create().id
    with sqlite3.connect(store.path) as other:  # another process breaks the database under the run
        other.execute("DROP TABLE usage")
    fake_api.script(reply(tool_use("bash", {"command": "x"})))
    session, outcome = await run_session(store, conversation, "hello")

    assert outcome.stop.kind == "other"
    assert outcome.stop.message == "OperationalError: no such table: usage"
    assert outcome.stop.error is not None and outcome.stop.error.kind == "internal"
    assert session.messages == [{"role": "user", "content": [{"type": "text", "text": "hello"}]}]
    assert store.load_messages(conversation) == session.messages


class FailsAfterTheTool(RunHooks):
    def on_tool_finished(self, call, result, timing):
        raise RuntimeError("the live view fell over")


async def test_a_failing_hook_ends_the_run_with_a_valid_history(
    fake_api: FakeMessagesAPI, store: ConversationStore
):
    conversation = store.create().id
    fake_api.script(reply(tool_use("bash", {"command": "x"}, id="t1")))
    _, outcome = await run_session(store, conversation, "hello", hooks=FailsAfterTheTool())
    assert outcome.stop.kind == "other" and outcome.stop.message == "RuntimeError: the live view fell over"
    history = store.load_messages(conversation)
    assert history[-1]["content"][0]["content"][0]["text"] == UNKNOWN_OUTCOME_TEXT

    fake_api.script(reply(text("continuing")))
    _, again = await run_session(store, conversation, "go on")
    assert again.ok and fake_api.requests[-1].status == 200


class ToolStarted(RunHooks):
    def __init__(self, event: asyncio.Event) -> None:
        self.event = event

    def on_tool_started(self, call):
        self.event.set()


async def test_the_desktop_is_freed_when_the_run_ends_whatever_happened(
    fake_api: FakeMessagesAPI, store: ConversationStore, tmp_path, monkeypatch
):
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", str(tmp_path))
    conversation = store.create().id
    fake_api.script(reply(tool_use("bash", {"command": "sleep 30"})))
    cancel, started = asyncio.Event(), asyncio.Event()
    lock = acquire_run_lock(":77", owner="test", task="t")
    hooks = ToolStarted(started)
    task = asyncio.create_task(
        run_session(store, conversation, "wait", desktop_lock=lock, cancel_event=cancel, hooks=hooks)
    )
    await asyncio.wait_for(started.wait(), 10)
    assert store.started_tool_calls(conversation)
    assert current_holder(":77")["owner"] == "test"
    cancel.set()
    _, outcome = await asyncio.wait_for(task, 10)
    assert outcome.stop.kind == "cancelled" and current_holder(":77") is None
    assert store.load_messages(conversation)[-1]["content"][0]["is_error"] is True


async def test_the_api_failing_is_one_line_and_resumable(fake_api: FakeMessagesAPI, store: ConversationStore):
    from tests.support.fake_api import error_reply

    conversation = store.create().id
    fake_api.script(error_reply(400, message="messages: something\nis wrong"))
    _, outcome = await run_session(store, conversation, "hello")
    assert outcome.stop.kind == "api_error"
    assert outcome.stop.message == "API error 400: messages: something is wrong"
    fake_api.script(reply(text("fine now")))
    _, again = await run_session(store, conversation, "again")
    assert again.ok and [m["role"] for m in store.load_messages(conversation)] == ["user", "assistant"]
