"""A CLI run killed with SIGKILL midway: the stored history stays valid, and a resumed run is accepted."""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest

from computer_use_demo.store import ConversationStore
from tests.support.cli import cli_env, run_cli, start_cli
from tests.support.fake_api_script import reply, text, tool_use


def wait_for(condition, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def stored_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        store = ConversationStore(db)
        conversations = store.list()
        return conversations[0].message_count if conversations else 0
    except sqlite3.OperationalError:
        return 0


def kill_hard(process) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()
    process.stderr.close()


@pytest.mark.slow
def test_killed_while_a_tool_runs_then_resumed(fake_api, xdisplay, tmp_path):
    env = cli_env(tmp_path, xdisplay.name)
    db = tmp_path / "config" / "conversations.db"
    fake_api.script(
        reply(
            text("Waiting a while."),
            tool_use("computer", {"action": "wait", "duration": 30}, id="toolu_wait"),
        )
    )
    process = start_cli("run", "Wait for me", "--model", "claude-sonnet-4-5", env=env)
    try:
        # The assistant turn is saved before its tool runs: kill while the tool is busy.
        wait_for(lambda: stored_count(db) == 2, what="the assistant turn to be stored")
        time.sleep(0.5)
        assert process.poll() is None
    finally:
        kill_hard(process)

    store = ConversationStore(db)
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    [conversation] = store.list()
    history = store.load_messages(conversation.id)
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[1]["content"][1]["id"] == "toolu_wait"  # the step in flight: asked, never answered

    fake_api.script(reply(text("Resumed fine.")))
    resumed = run_cli(
        "run", "Go on", "--conversation", conversation.id[:6], "--model", "claude-sonnet-4-5", env=env
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "Resumed fine." in resumed.stdout
    requests = fake_api.message_requests()
    assert [r.status for r in requests] == [200, 200]  # the fake API checks tool_use/tool_result pairing
    sent = requests[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    repair = sent[2]["content"]
    assert repair[0]["type"] == "tool_result" and repair[0]["tool_use_id"] == "toolu_wait"
    assert repair[0]["is_error"] is True
    # The call had started when the run was killed: what it did is unknown, not "not executed".
    assert (
        repair[0]["content"][0]["text"]
        == "The run ended while this call was running; its outcome is unknown."
    )
    assert repair[-1]["type"] == "text" and repair[-1]["text"] == "Go on"
    assert [m["role"] for m in store.load_messages(conversation.id)] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]


@pytest.mark.slow
def test_killed_while_the_model_answers_keeps_the_finished_step(fake_api, xdisplay, tmp_path):
    env = cli_env(tmp_path, xdisplay.name)
    db = tmp_path / "config" / "conversations.db"
    fake_api.script(
        reply(tool_use("bash", {"command": "echo step one"}, id="toolu_bash")),
        reply(text("This answer is streamed very slowly and will never finish. " * 4), event_delay=0.5),
    )
    process = start_cli("run", "Two steps", "--model", "claude-sonnet-4-5", env=env)
    try:
        wait_for(lambda: len(fake_api.message_requests()) == 2, what="the second request")
        wait_for(lambda: stored_count(db) == 3, what="the tool result to be stored")
        time.sleep(0.3)
        assert process.poll() is None
    finally:
        kill_hard(process)

    store = ConversationStore(db)
    [conversation] = store.list()
    history = store.load_messages(conversation.id)
    assert [m["role"] for m in history] == ["user", "assistant", "user"]
    result = history[2]["content"][0]
    assert result["tool_use_id"] == "toolu_bash" and "step one" in result["content"][0]["text"]

    fake_api.script(reply(text("Back again.")))
    resumed = run_cli(
        "run", "Continue", "--conversation", conversation.id, "--model", "claude-sonnet-4-5", env=env
    )
    assert resumed.returncode == 0, resumed.stderr
    sent = fake_api.message_requests()[-1]
    assert sent.status == 200
    roles = [m["role"] for m in sent.body["messages"]]
    assert roles == ["user", "assistant", "user"]  # the new text joined the stored tool-result turn
    assert sent.body["messages"][2]["content"][-1]["text"] == "Continue"


@pytest.mark.slow
def test_a_killed_run_takes_its_shell_with_it(fake_api, xdisplay, tmp_path):
    # kill -9 of the CLI mid-command: the command must not go on and act after the run is gone.
    env = cli_env(tmp_path, xdisplay.name)
    db = tmp_path / "config" / "conversations.db"
    marker, started = tmp_path / "touched", tmp_path / "started"
    command = f"touch {started}; sleep 3; touch {marker}"
    fake_api.script(reply(tool_use("bash", {"command": command}, id="toolu_sleep")))
    process = start_cli("run", "Sleep, then touch", "--model", "claude-sonnet-4-5", env=env)
    try:
        wait_for(lambda: stored_count(db) == 2 and started.exists(), what="the command to start")
    finally:
        kill_hard(process)
    time.sleep(4)
    assert not marker.exists(), "the shell outlived its killed run and went on"
