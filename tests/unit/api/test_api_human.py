"""A person's part over HTTP, with the fake Messages API behind the real run engine and a real Xvfb:
approve over the API and the call runs, deny and Claude is told why, take the desktop over and hand it
back (xdotool as the person's hands), one controller at a time; every step is in the event stream."""

from __future__ import annotations

import subprocess

from tests.support.api_server import read_events
from tests.support.fake_api import reply, text, tool_use

SETTINGS = {"model": "claude-sonnet-4-5", "max_iterations": 10, "approval_mode": "policy"}


def start(http, task: str, settings: dict = SETTINGS) -> str:
    conversation = http.post("/conversations", json={"task": task, "config": settings}).json()
    assert http.post(f"/conversations/{conversation['id']}/run").status_code == 202
    return conversation["id"]


def script_delete(fake_api, victim) -> None:
    fake_api.script(
        reply(tool_use("computer", {"action": "screenshot"}, id="s1")),
        reply(tool_use("bash", {"command": f"rm -r {victim}"}, id="t1")),
        reply(text("Done with the folder.")),
    )


def pending(http, cid: str) -> list:
    """The pending approvals, once there is one (read from the event stream, then the route)."""
    read_events(http, cid, until="approval_requested")
    return http.get(f"/conversations/{cid}/run/approvals").json()["pending"]


def test_approve_over_the_api_runs_the_call(api, fake_api, xdisplay, tmp_path):
    victim = tmp_path / "victim"
    (victim / "inner").mkdir(parents=True)
    script_delete(fake_api, victim)
    with api.client() as http:
        cid = start(http, "delete the folder")
        [waiting] = pending(http, cid)
        assert waiting["call_id"] == "t1" and waiting["reason"] == "bash command: recursive delete (rm -r)"
        shot = http.get(waiting["screenshot_url"])
        assert shot.status_code == 200 and shot.headers["content-type"] == "image/png"
        assert victim.exists()
        decided = http.post(f"/conversations/{cid}/run/approvals/t1", json={"approve": True})
        assert decided.status_code == 200 and decided.json()["approved"] is True
        events = read_events(http, cid)
        assert not victim.exists()
        kinds = [e.event for e in events]
        assert kinds.index("approval_requested") < kinds.index("approval_decided") < kinds.index("stop")
        assert [e.json()["status"] for e in events if e.event == "status"][-1] == "completed"
        again = http.post(f"/conversations/{cid}/run/approvals/t1", json={"approve": True})
        assert again.status_code == 409  # the run is over


def test_deny_over_the_api_tells_claude_the_reason(api, fake_api, xdisplay, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    script_delete(fake_api, victim)
    with api.client() as http:
        cid = start(http, "delete the folder")
        pending(http, cid)
        unknown = http.post(f"/conversations/{cid}/run/approvals/nope", json={"approve": True})
        assert unknown.status_code == 404
        bad = http.post(f"/conversations/{cid}/run/approvals/t1", json={"approve": "yes"})
        assert bad.status_code == 422
        body = {"approve": False, "reason": "keep it for now"}
        assert http.post(f"/conversations/{cid}/run/approvals/t1", json=body).status_code == 200
        events = read_events(http, cid)
    assert victim.exists()
    [decided] = [e.json() for e in events if e.event == "approval_decided"]
    assert (decided["approved"], decided["reason"], decided["by"]) == (False, "keep it for now", "user")
    sent = fake_api.message_requests()[2].body["messages"][4]["content"][0]
    assert sent["is_error"] and sent["content"][0]["text"].endswith("Their reason: keep it for now")


def test_take_over_and_hand_back_over_the_api(api, fake_api, xdisplay):
    fake_api.script(
        reply(tool_use("computer", {"action": "wait", "duration": 1}, id="w1")),
        reply(text("I see you clicked; carrying on.")),
    )
    with api.client() as http:
        cid = start(http, "wait a moment", {"model": "claude-sonnet-4-5"})
        read_events(http, cid, until="tool_call")
        asked = http.post(f"/conversations/{cid}/run/takeover", json={"who": "ops on call"})
        assert asked.status_code == 202 and asked.json()["phase"] == "requested"
        read_events(http, cid, until="takeover_started")
        refused = http.post(f"/conversations/{cid}/run/takeover")
        assert refused.status_code == 409 and "held by ops on call" in refused.json()["message"]
        subprocess.run(
            ["xdotool", "mousemove", "400", "300", "click", "1"], env=xdisplay.env(), check=True, timeout=10
        )
        wrong = http.post(f"/conversations/{cid}/run/takeover/hand-back", json={"who": "someone else"})
        assert wrong.status_code == 409
        back = http.post(f"/conversations/{cid}/run/takeover/hand-back")
        assert back.status_code == 200  # the run resumes once the recording has stopped
        events = read_events(http, cid)
        assert http.post(f"/conversations/{cid}/run/takeover/hand-back").status_code == 409
        [ended] = [e.json() for e in events if e.event == "takeover_ended"]
        assert ended["holder"] == "ops on call" and ended["place"] == {"turn": 1, "after_tool_use_id": "w1"}
        assert [s["description"] for s in ended["steps"]] == ["clicked at (400, 300)"]
        detail = http.get(f"/conversations/{cid}").json()
        told = detail["messages"][2]["content"]
        assert [b["type"] for b in told] == ["tool_result", "text", "image"]
        assert "1. clicked at (400, 300)" in told[1]["text"]
        assert http.get(ended["screenshot_url"]).status_code == 200


def test_approval_settings_are_run_settings_and_bad_rules_are_a_422(api):
    with api.client() as http:
        good = {
            "approval_mode": "all",
            "approval_rules": ["command:rm", "key:alt+F4"],
            "approval_timeout_s": 30,
        }
        made = http.post("/conversations", json={"task": "x", "config": good})
        assert made.status_code == 201, made.text
        bad = http.post("/conversations", json={"task": "x", "config": {"approval_rules": ["shell:rm"]}})
        assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == [
            "body",
            "config",
            "approval_rules",
        ]
        assert "unknown approval rule kind 'shell'" in bad.json()["message"]
