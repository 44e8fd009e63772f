"""Runs over HTTP, with the fake Messages API behind them: a whole task streamed as events to the end,
screenshots fetched by their address, one run per desktop (409), stop, reconnects with Last-Event-ID."""

from __future__ import annotations

import io
import time

from PIL import Image

from computer_use_demo.desktop.run_lock import acquire_run_lock
from computer_use_demo.store import ConversationStore
from tests.support.api_server import read_events as stream
from tests.support.fake_api import reply, text, tool_use

SETTINGS = {"model": "claude-sonnet-4-5", "max_iterations": 10}


def start(http, task: str = "Look at the screen, then say hello in bash", **body) -> str:
    conversation = http.post("/conversations", json={"task": task, "config": SETTINGS}).json()
    started = http.post(f"/conversations/{conversation['id']}/run", json=body)
    assert started.status_code == 202, started.text
    assert started.json()["status"]["state"] == "running"
    return conversation["id"]


def wait_until_idle(http, conversation_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = http.get(f"/conversations/{conversation_id}/run").json()["status"]
        if status["state"] != "running":
            return status
        time.sleep(0.05)
    raise AssertionError("the run did not end")


def test_a_whole_task_through_the_api_alone(api, fake_api, xdisplay):
    fake_api.script(
        reply(text("I will look first."), tool_use("computer", {"action": "screenshot"})),
        reply(tool_use("bash", {"command": "echo hello from bash"})),
        reply(text("All done: the shell said hello.")),
    )
    with api.client() as http:
        cid = start(http)
        events = stream(http, cid)
        kinds = [e.event for e in events]
        assert kinds[0] == "settings" and events[0].json()["settings"] == SETTINGS  # chosen at creation
        statuses = [e.json()["status"] for e in events if e.event == "status"]
        assert statuses == ["running", "completed"] and kinds[-1] == "status"
        assert [int(e.id) for e in events] == list(range(1, len(events) + 1))
        expected = {"turn", "text_delta", "text", "tool_call", "tool_finished", "tool_result", "usage"}
        assert expected | {"stop"} <= set(kinds)
        deltas = "".join(e.json()["text"] for e in events if e.event == "text_delta")
        assert "I will look first." in deltas and "All done: the shell said hello." in deltas
        calls = [e.json() for e in events if e.event == "tool_call"]
        assert [(c["name"], c["input"]) for c in calls] == [
            ("computer", {"action": "screenshot"}),
            ("bash", {"command": "echo hello from bash"}),
        ]
        results = [e.json() for e in events if e.event == "tool_result"]
        assert results[0]["screenshot_url"].startswith(f"/conversations/{cid}/screenshots/")
        assert "hello from bash" in results[1]["text"] and results[1]["screenshot_url"] is None
        usage = [e.json() for e in events if e.event == "usage"]
        assert len(usage) == 3 and usage[-1]["run_total"]["output_tokens"] > 0
        assert all(len(e.data) < 10_000 and "iVBOR" not in e.data for e in events)  # no inline images

        image = http.get(results[0]["screenshot_url"])
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(image.content)).size == (xdisplay.width, xdisplay.height)

        detail = http.get(f"/conversations/{cid}").json()
        assert detail["status"]["state"] == "completed"
        assert detail["messages"][-1]["content"][0]["text"] == "All done: the shell said hello."
        shown = detail["messages"][2]["content"][0]["content"]
        assert {"type": "image", "source": {"type": "url", "url": results[0]["screenshot_url"]}} in shown
        assert detail["usage"]["total"]["output_tokens"] == usage[-1]["run_total"]["output_tokens"]
        assert [c["name"] for c in detail["tool_calls"]] == ["computer", "bash"]

        replay = stream(http, cid)  # finished: the same events, from the store
        assert [(e.id, e.event, e.data) for e in replay] == [(e.id, e.event, e.data) for e in events]


def test_a_reconnect_with_last_event_id_misses_nothing(api, fake_api):
    words = " ".join(f"word{n}" for n in range(60))
    fake_api.script(reply(text(words), event_delay=0.02))
    with api.client() as http:
        cid = start(http, "Count slowly")
        first = stream(http, cid, limit=8)
        rest = stream(http, cid, last_event_id=int(first[-1].id))
        ids = [int(e.id) for e in first + rest]
        assert ids == list(range(1, len(ids) + 1))
        assert rest[-1].event == "status" and rest[-1].json()["status"] == "completed"
        streamed = "".join(e.json()["text"] for e in first + rest if e.event == "text_delta")
        assert streamed == words
        tail = stream(http, cid, last_event_id=ids[-3])
        assert [int(e.id) for e in tail] == ids[-2:]


def test_one_run_per_desktop_the_second_start_is_told_which_conversation_holds_it(api, fake_api):
    fake_api.script(reply(tool_use("bash", {"command": "sleep 3"})), reply(text("slept")))
    with api.client() as http:
        first = start(http, "Sleep a while")
        other = http.post("/conversations", json={"task": "me too", "config": SETTINGS}).json()["id"]
        busy = http.post(f"/conversations/{other}/run")
        assert busy.status_code == 409, busy.text
        assert busy.json()["conversation_id"] == first and first in busy.json()["message"]
        again = http.post(f"/conversations/{first}/run", json={"task": "and again"})
        assert again.status_code == 409
        assert http.delete(f"/conversations/{first}").status_code == 409
        assert http.get("/desktop").json() == {
            "busy": True,
            "owner": "the HTTP API",
            "conversation_id": first,
        }
        assert wait_until_idle(http, first)["state"] == "completed"
        assert http.get(f"/conversations/{other}").json()["message_count"] == 1  # refused: nothing added


def test_stop_ends_the_run_cleanly_and_it_can_be_continued(api, fake_api):
    fake_api.script(reply(tool_use("bash", {"command": "sleep 30"})), reply(text("continued")))
    with api.client() as http:
        cid = start(http, "Sleep long")
        assert stream(http, cid, until="tool_call")[-1].json()["input"] == {"command": "sleep 30"}
        stopped = http.post(f"/conversations/{cid}/run/stop")
        assert stopped.status_code == 200
        status = wait_until_idle(http, cid)
        assert status["state"] == "cancelled" and status["stop_kind"] == "cancelled"
        assert http.post(f"/conversations/{cid}/run/stop").status_code == 409
        messages = http.get(f"/conversations/{cid}").json()["messages"]
        assert messages[-1]["role"] == "user" and messages[-1]["content"][0]["type"] == "tool_result"
        assert http.post(f"/conversations/{cid}/run").status_code == 202  # its history is valid
        assert wait_until_idle(http, cid)["state"] == "completed"
        assert http.get(f"/conversations/{cid}").json()["messages"][-1]["content"][0]["text"] == "continued"


def test_a_conversation_from_another_front_end_is_continued_here(api, fake_api):
    fake_api.script(reply(text("Continued through the API.")))
    theirs = ConversationStore()
    chat = theirs.create()
    theirs.save_messages(chat.id, [{"role": "user", "content": "Started in the chat"}])
    theirs.update_settings(chat.id, {"provider": "anthropic", "model": "claude-sonnet-4-6"})
    with api.client() as http:
        assert http.post(f"/conversations/{chat.id}/run").status_code == 202
        assert wait_until_idle(http, chat.id)["state"] == "completed"
    assert fake_api.last.body["model"] == "claude-sonnet-4-6"  # it kept the chat's model
    assert theirs.load_messages(chat.id)[-1]["content"][0]["text"] == "Continued through the API."
    theirs.close()


def test_nothing_to_run_and_no_api_key_are_clear_refusals(api, fake_api, monkeypatch):
    fake_api.script(reply(text("hi")))
    with api.client() as http:
        cid = start(http, "Say hi")
        wait_until_idle(http, cid)
        again = http.post(f"/conversations/{cid}/run")
        assert again.status_code == 422 and again.json()["errors"][0]["loc"] == ["body", "task"]
        monkeypatch.delenv("ANTHROPIC_API_KEY")
        keyless = http.post(f"/conversations/{cid}/run", json={"task": "once more"})
        assert keyless.status_code == 400 and keyless.json()["error"] == "no_api_key"
        assert http.get(f"/conversations/{cid}").json()["message_count"] == 2  # nothing added
        assert http.post("/conversations/nope/run").status_code == 404


def test_a_failed_api_call_is_an_error_event_and_a_failed_status(api, fake_api):
    from tests.support.fake_api import error_reply

    fake_api.script(error_reply(400, message="your request is bad"))
    with api.client() as http:
        cid = start(http, "Fail please")
        events = stream(http, cid)
        errors = [e.json() for e in events if e.event == "error"]
        assert errors and "your request is bad" in errors[0]["message"] and errors[0]["status"] == 400
        assert events[-1].json()["status"] == "failed"


def test_desktop_reset_runs_the_reset_script_and_not_during_a_run(api, tmp_path, monkeypatch):
    script = tmp_path / "reset.sh"
    script.write_text("#!/bin/bash\necho restarting the desktop\nexit ${RESET_EXIT:-0}\n")
    script.chmod(0o755)
    monkeypatch.setenv("DESKTOP_RESET_SCRIPT", str(script))
    with api.client() as http:
        done = http.post("/desktop/reset")
        assert done.status_code == 200 and done.json()["ok"] is True
        monkeypatch.setenv("RESET_EXIT", "3")
        failed = http.post("/desktop/reset")
        assert failed.status_code == 502 and "exit status 3" in failed.json()["message"]
        assert "restarting the desktop" in failed.json()["output"]
        with acquire_run_lock(owner="a test run", conversation_id="c0ffee"):
            busy = http.post("/desktop/reset")
            assert busy.status_code == 409 and busy.json()["conversation_id"] == "c0ffee"
