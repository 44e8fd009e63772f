"""Headless runs: one desktop, one run; a stopped run leaves a history to continue; progress wording."""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest

from computer_use_demo.store import ConversationStore
from tests.support.cli import cli_env, run_cli, start_cli
from tests.support.fake_api_script import reply, text, tool_use


def wait_for(condition, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def waiting_turn() -> object:
    return reply(tool_use("computer", {"action": "wait", "duration": 20}, id="toolu_long"))


@pytest.mark.slow
def test_a_second_run_on_the_same_desktop_is_refused(fake_api, xdisplay, tmp_path):
    env = cli_env(tmp_path, xdisplay.name)
    fake_api.script(waiting_turn())
    first = start_cli("run", "first task", "--model", "claude-sonnet-4-5", env=env)
    try:
        wait_for(lambda: len(fake_api.message_requests()) == 1)
        second = run_cli("run", "second task", "--model", "claude-sonnet-4-5", env=env)
        assert second.returncode == 3
        assert f"The desktop {xdisplay.name} is busy: CLI run, pid {first.pid}" in second.stderr
        assert (
            "'first task'" in second.stderr and "Only one run may drive a desktop at a time" in second.stderr
        )
        assert len(fake_api.message_requests()) == 1  # the refused run never called the model
        # Stop the first run (SIGTERM = Stop): it ends cleanly and leaves an answered history.
        first.send_signal(signal.SIGTERM)
        _, stderr = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 130, stderr
    assert "stopped (cancelled)" in stderr
    store = ConversationStore(tmp_path / "config" / "conversations.db")
    history = store.load_messages(store.list()[-1].id)
    assert history[-1]["content"][0]["tool_use_id"] == "toolu_long"
    assert history[-1]["content"][0]["is_error"] is True

    # The desktop is free again.
    fake_api.script(reply(text("ok")))
    assert run_cli("run", "third task", "--model", "claude-sonnet-4-5", env=env).returncode == 0


def test_other_desktops_run_side_by_side(fake_api, xvfb_factory, tmp_path):
    one, two = xvfb_factory(), xvfb_factory()
    env_one = cli_env(tmp_path, one.name)
    fake_api.script(waiting_turn(), reply(text("second desktop done")))
    first = start_cli("run", "on one", "--model", "claude-sonnet-4-5", env=env_one)
    try:
        wait_for(lambda: len(fake_api.message_requests()) == 1)
        other = run_cli("run", "on two", "--model", "claude-sonnet-4-5", env=cli_env(tmp_path, two.name))
        assert other.returncode == 0, other.stderr
    finally:
        first.kill()
        first.communicate()


def stored_conversation(tmp_path) -> tuple[ConversationStore, str]:
    store = ConversationStore(tmp_path / "config" / "conversations.db")
    [conversation] = store.list()
    return store, conversation.id


def test_usage_rows_carry_the_real_turn_numbers(fake_api, xdisplay, tmp_path):
    env = cli_env(tmp_path, xdisplay.name)
    fake_api.script(reply(tool_use("bash", {"command": "echo one"})), reply(text("first done")))
    assert run_cli("run", "first", "--model", "claude-sonnet-4-5", env=env).returncode == 0
    store, conversation = stored_conversation(tmp_path)
    for task in ("second", "third"):
        fake_api.script(reply(text(f"{task} done")))
        done = run_cli("run", task, "--model", "claude-sonnet-4-5", "--conversation", conversation, env=env)
        assert done.returncode == 0, done.stderr
    assert [r["turn"] for r in store.usage_records(conversation)] == [1, 1, 2, 3]
    assert [c["name"] for c in store.tool_calls(conversation)] == ["bash"]


def test_a_broken_store_exits_1_with_one_line_and_no_traceback(fake_api, xdisplay, tmp_path):
    env = cli_env(tmp_path, xdisplay.name)
    store = ConversationStore(tmp_path / "config" / "conversations.db")
    with sqlite3.connect(store.path) as other:  # the database lost a table (another app version, a bad copy)
        other.execute("DROP TABLE usage")
    fake_api.script(reply(tool_use("bash", {"command": "echo never"})))
    done = run_cli("run", "hello", "--model", "claude-sonnet-4-5", env=env)
    assert done.returncode == 1, done.stderr
    assert "stopped (other): OperationalError: no such table: usage |" in done.stderr
    assert "Traceback" not in done.stderr
    _, conversation = stored_conversation(tmp_path)
    assert store.load_messages(conversation) == [
        {"role": "user", "content": [{"type": "text", "text": "hello"}]}
    ]
