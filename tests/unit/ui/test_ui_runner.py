"""Loop driving: a real run of the real loop in a worker thread, against the fake Messages API over HTTP."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from computer_use_demo.ui.config_store import ConfigStore
from computer_use_demo.ui.runner import LoopRun, settle_run, start_run
from computer_use_demo.ui.state import ChatSession, Settings
from tests.support.fake_api import error_reply, reply, text, thinking, tool_use

KEY = "sk-ant-fake-test-key"


def settings(**changes) -> Settings:
    values = dict(
        provider="anthropic",
        model="claude-sonnet-4-6",
        api_key=KEY,
        only_n_most_recent_images=3,
        system_prompt_suffix="SUFFIX-MARKER",
        hide_screenshots=False,
        tool_version="computer_use_20251124",
        max_tokens=8192,
        thinking_mode="extended",
        thinking_budget=2048,
        thinking_effort="medium",
    )
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def store(tmp_path) -> ConfigStore:
    return ConfigStore(tmp_path / "conf")


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def run_to_end(session: ChatSession, store: ConfigStore, **changes) -> LoopRun:
    run = start_run(session, settings(**changes), store)
    assert run.join(30), "the run did not finish"
    settle_run(session)
    return run


def test_a_run_streams_runs_tools_and_records_everything(fake_api, xdisplay, store):
    fake_api.script(
        reply(
            thinking("Plan: echo."),
            text("Running a command."),
            tool_use("bash", {"command": "echo hi-there"}),
        ),
        reply(text("All done.")),
    )
    session = ChatSession()
    session.add_user_text("say hi")
    run = run_to_end(session, store)

    assert run.error is None and not run.cancelled and run.finished and session.run is None
    assert run.first_delta_at is not None
    kinds = [(item.role, item.block["type"]) for item in run.items]
    assert kinds == [
        ("assistant", "thinking"),
        ("assistant", "text"),
        ("assistant", "tool_use"),
        ("tool", "tool_result"),
        ("assistant", "text"),
    ]
    assert "hi-there" in json.dumps(run.items[3].block)
    assert [m["role"] for m in session.messages] == ["user", "assistant", "user", "assistant"]

    first = fake_api.message_requests()[0]
    assert first.body["model"] == "claude-sonnet-4-6" and first.body["max_tokens"] == 8192
    assert first.body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert "SUFFIX-MARKER" in json.dumps(first.body["system"])
    assert first.body["messages"][0]["content"][0]["text"] == "say hi"
    assert "computer-use-2025-11-24" in first.betas

    assert len(session.exchanges) == 2 and all(e.status == 200 for e in session.exchanges)
    assert KEY not in json.dumps([e.__dict__ for e in session.exchanges], default=str)
    session_totals = session.usage.session()
    assert (
        session_totals.requests == 2
        and session_totals.usage.output_tokens > 0
        and session_totals.cost_usd > 0
    )


def test_stop_while_streaming_leaves_a_history_that_continues(fake_api, xdisplay, store):
    long_text = "word " * 400
    fake_api.script(reply(text(long_text), tool_use("bash", {"command": "echo never"}), event_delay=0.02))
    session = ChatSession()
    session.add_user_text("start")
    run = start_run(session, settings(thinking_mode="off"), store)
    wait_until(lambda: run.partial)
    run.cancel()
    assert run.join(10)
    settle_run(session)
    assert run.cancelled and run.error is None
    assert any("Stopped" in n for n in session.notices)
    assert session.messages == [{"role": "user", "content": [{"type": "text", "text": "start"}]}]

    fake_api.script(reply(text("Continuing.")))
    session.add_user_text("go on")
    run_to_end(session, store, thinking_mode="off")
    assert fake_api.last.status == 200  # the fake API validates the history like the real one
    assert session.messages[-1]["content"][0]["text"] == "Continuing."


def test_stop_during_a_tool_answers_the_tool_call(fake_api, xdisplay, store):
    fake_api.script(reply(tool_use("bash", {"command": "sleep 30"})))
    session = ChatSession()
    session.add_user_text("wait a lot")
    run = start_run(session, settings(thinking_mode="off"), store)
    wait_until(lambda: any(i.block["type"] == "tool_use" for i in run.items))
    time.sleep(0.2)
    started = time.monotonic()
    run.cancel()
    assert run.join(15)
    assert time.monotonic() - started < 10
    settle_run(session)
    last = session.messages[-1]
    assert last["role"] == "user" and last["content"][0]["is_error"] is True

    fake_api.script(reply(text("ok")))
    session.add_user_text("something else")
    run_to_end(session, store, thinking_mode="off")
    assert fake_api.last.status == 200
    assert [b["type"] for b in fake_api.last.body["messages"][2]["content"]] == ["tool_result", "text"]


def test_rate_limit_says_when_to_retry_and_is_logged(fake_api, xdisplay, store):
    reset_at = (datetime.now(UTC) + timedelta(seconds=45)).strftime("%Y-%m-%dT%H:%M:%SZ")
    limited = error_reply(
        429,
        message="Number of requests exceeded",
        headers={"anthropic-ratelimit-requests-reset": reset_at, "retry-after-ms": "1"},
        retry_after=None,
    )
    fake_api.script(*[limited] * 6)
    session = ChatSession()
    session.add_user_text("hi")
    run = run_to_end(session, store, thinking_mode="off")
    assert run.finished and session.run is None
    assert session.last_error is not None and session.last_error.kind == "rate_limit"
    assert "Retry in" in session.last_error.message and "UTC" in session.last_error.message
    logged = store.read_errors()
    assert logged and logged[-1]["kind"] == "rate_limit"
    assert KEY not in (store.directory / "errors.jsonl").read_text()
    assert session.messages == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert session.exchanges and session.exchanges[-1].status == 429


def test_a_crashing_loop_never_leaves_the_ui_running(fake_api, store):
    session = ChatSession()
    session.add_user_text("hi")
    run = run_to_end(session, store, tool_version="computer_use_19990101")
    assert run.finished and session.run is None
    assert session.last_error is not None and "tool_version" in session.last_error.message
    assert store.read_errors()[-1]["kind"] == "internal"


def test_cancel_before_the_thread_starts(fake_api, store):
    session = ChatSession()
    session.add_user_text("hi")
    run = LoopRun(session=session, settings=settings(), store=store)
    run.cancel()
    run.start()
    assert run.join(10) and run.cancelled
    assert fake_api.message_requests() == []


def test_the_loops_stop_reason_reaches_the_user(fake_api, store):
    fake_api.script(reply(text("A long answer that was cut"), stop_reason="max_tokens"))
    session = ChatSession()
    session.add_user_text("write a novel")
    run = run_to_end(session, store, thinking_mode="off")
    assert run.stop_kind == "max_tokens" and session.last_error is None
    assert len(session.notices) == 1 and "max_tokens" in session.notices[0]


def test_an_interrupting_message_gets_no_stop_notice(fake_api, xdisplay, store):
    fake_api.script(reply(tool_use("bash", {"command": "sleep 30"})))
    session = ChatSession()
    session.add_user_text("wait")
    run = start_run(session, settings(thinking_mode="off"), store)
    wait_until(lambda: run.items)
    run.cancel()
    settle_run(session, announce_stop=False)
    assert run.cancelled and session.notices == [] and session.run is None


def test_a_retry_wait_shows_until_the_answer_starts(store):
    from computer_use_demo.models.providers import StreamDelta

    run = LoopRun(session=ChatSession(), settings=settings(), store=store)
    note = "Rate limited (HTTP 429): retrying in 60 s (retry 1 of 4; the API asked for 3600 s)."
    run.on_delta(StreamDelta("retry", note, wait_s=60.0, attempt=1))
    run.on_delta(StreamDelta("retry", note.replace("1 of 4", "2 of 4"), wait_s=60.0, attempt=2))
    _, _, partial, _ = run.view()
    assert [(p.kind, p.text) for p in partial] == [("retry", note.replace("1 of 4", "2 of 4"))]
    run.on_delta(StreamDelta("text", "Hello"))
    _, _, partial, _ = run.view()
    assert [(p.kind, p.text) for p in partial] == [("text", "Hello")]
