"""Taking the desktop over in the middle of a scripted run, on a real Xvfb at 1920x1080 (the model sees
1430x804) with the real computer tool, xdotool as the human and the fake Messages API over real HTTP.

The history must stay one the fake API accepts (it checks like the real one), carry the human's steps and a
fresh screenshot, and the recorded clicks must land within 2 px of where the human clicked, in model space.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from computer_use_demo.runs.controls import TAKEN_OVER_TEXT
from computer_use_demo.runs.takeover import NotHolding, Takeover, TakeoverRefused
from computer_use_demo.tools.computer.scaling import Scaling
from computer_use_demo.trajectory import load_trajectory
from tests.support.fake_api import FakeMessagesAPI, reply, text, tool_use
from tests.support.people import (
    CONFIG,
    HUMAN,
    HUMAN_CLICK,
    Human,
    report_text,
    reported_click,
    run_with_human,
)
from tests.support.xclients import xev_window

WIDTH, HEIGHT = 1920, 1080
SCALING = Scaling.for_screen(WIDTH, HEIGHT, "standard")


@pytest.fixture
def screen(xvfb_factory, monkeypatch):
    display = xvfb_factory(WIDTH, HEIGHT)
    monkeypatch.setenv("DISPLAY", display.name)
    return display


async def test_a_takeover_after_a_call_reports_the_steps_and_the_screen(
    fake_api: FakeMessagesAPI, screen, tmp_path: Path
):
    fake_api.script(
        reply(tool_use("computer", {"action": "left_click", "coordinate": [100, 100]}, id="c1")),
        reply(text("I see what you did.")),
    )
    with xev_window(screen, tmp_path, 50, 50, 1800, 1000) as window:
        session, outcome, human = await run_with_human(
            screen, lambda t: Human(screen, t), record_to=tmp_path / "rec"
        )
        clicks = window.wait_for("ButtonPress", 2)
    assert outcome.ok, outcome.stop
    tool_result, report, image = session.messages[2]["content"]
    assert tool_result["type"] == "tool_result" and not tool_result.get("is_error")
    assert image["type"] == "image" and image["source"]["data"]
    body = report["text"]
    assert body.startswith("While you were paused, the user took control of the desktop")
    assert "2. typed 'hi' into 'xevtarget50x50'" in body
    # The human's click, as the application saw it, and as the model is told it: within 2 px.
    assert (clicks[-1].root_x, clicks[-1].root_y) == HUMAN_CLICK
    x, y = reported_click(body)
    assert abs(x - HUMAN_CLICK[0] * SCALING.factor) <= 2 and abs(y - HUMAN_CLICK[1] * SCALING.factor) <= 2
    # The fake API (which checks like the real one) accepted the history with the human's part in it.
    sent = fake_api.message_requests()[1].body["messages"][2]["content"]
    assert [b["type"] for b in sent] == ["tool_result", "text", "image"]
    assert human.refusal is not None and f"held by {HUMAN}" in human.refusal
    assert controls_free(human.takeover)
    [record] = load_trajectory(outcome.trajectory).humans
    assert record["place"] == {"turn": 1, "after_tool_use_id": "c1"} and record["holder"] == HUMAN
    assert [s["description"] for s in record["steps"]] == human.ended[0].descriptions
    assert record["screen"] == [WIDTH, HEIGHT] and record["screenshot"].startswith("screenshots/")


def controls_free(takeover: Takeover) -> bool:
    return takeover.state().phase == "agent"


async def test_a_takeover_before_a_call_leaves_the_rest_of_the_turn_unrun(fake_api, screen, tmp_path):
    fake_api.script(
        reply(
            tool_use("computer", {"action": "left_click", "coordinate": [100, 100]}, id="c1"),
            tool_use("computer", {"action": "left_click", "coordinate": [300, 300]}, id="c2"),
        ),
        reply(text("Continuing from your changes.")),
    )
    with xev_window(screen, tmp_path, 50, 50, 1800, 1000) as window:
        session, outcome, _ = await run_with_human(screen, lambda t: Human(screen, t, ask_on="started"))
        clicks = window.wait_for("ButtonPress", 2)
    assert outcome.ok
    first, second, report, _image = session.messages[2]["content"]
    assert not first.get("is_error") and second["is_error"]
    assert second["content"][0]["text"] == TAKEN_OVER_TEXT
    assert "clicked at" in report["text"]
    assert len(clicks) == 2, "c1 and the human clicked; c2 never ran"


async def test_a_takeover_asked_for_during_the_last_answer_lets_the_model_go_on(fake_api, screen, tmp_path):
    fake_api.script(reply(text("All done.")), reply(text("I see you typed hi; nothing more to do.")))
    with xev_window(screen, tmp_path, 50, 50, 1800, 1000):
        session, outcome, _ = await run_with_human(screen, lambda t: Human(screen, t, ask_on="answer"))
    assert outcome.ok and outcome.model_calls == 2
    roles = [m["role"] for m in session.messages]
    assert roles == ["user", "assistant", "user", "assistant"]
    assert "typed 'hi'" in report_text(session.messages[2]["content"])


async def test_asking_for_the_desktop_instead_of_answering_an_approval(fake_api, screen, tmp_path):
    fake_api.script(
        reply(tool_use("computer", {"action": "left_click", "coordinate": [100, 100]}, id="c1")),
        reply(text("You did it yourself.")),
    )
    config = CONFIG.replace(approval_mode="all")
    with xev_window(screen, tmp_path, 50, 50, 1800, 1000) as window:
        session, outcome, _ = await run_with_human(
            screen, lambda t: Human(screen, t, ask_on="approval"), config
        )
        clicks = window.wait_for("ButtonPress", 1)
    assert outcome.ok
    denied, report, _image = session.messages[2]["content"]
    assert denied["is_error"] and "took over the desktop instead of approving" in denied["content"][0]["text"]
    assert "clicked at" in report["text"] and len(clicks) == 1  # only the human's click


async def test_stop_while_a_person_holds_the_desktop_leaves_a_valid_history(fake_api, screen, tmp_path):
    fake_api.script(reply(tool_use("computer", {"action": "left_click", "coordinate": [100, 100]}, id="c1")))
    cancel = asyncio.Event()

    class Stopper(Human):
        def on_takeover_started(self, state: Any) -> None:
            self.started.append(state)
            cancel.set()

    with xev_window(screen, tmp_path, 50, 50, 1800, 1000):
        session, outcome, human = await run_with_human(screen, lambda t: Stopper(screen, t), cancel=cancel)
    assert outcome.stop.kind == "cancelled"
    assert session.messages[-1]["content"][0]["tool_use_id"] == "c1"
    with pytest.raises(TakeoverRefused, match="has ended"):
        human.takeover.request(HUMAN)


def test_one_controller_at_a_time_and_only_the_holder_hands_back():
    takeover = Takeover()
    with pytest.raises(NotHolding):
        takeover.hand_back()
    state = takeover.request("the API client")
    assert (state.phase, state.holder) == ("requested", "the API client")
    with pytest.raises(TakeoverRefused, match="the API client asked for the desktop"):
        takeover.request("a browser session")
    with pytest.raises(NotHolding):
        takeover.hand_back("a browser session")
    takeover.hand_back("the API client")  # withdrawn before any safe point
    assert takeover.state().phase == "agent"


async def test_the_seam_an_api_would_expose_speaks_json(fake_api, screen, tmp_path):
    """What an HTTP API would send as events: every payload of the four hooks serialises as JSON."""
    import json

    sent: list[str] = []

    class Events(Human):
        def on_approval_requested(self, request: Any) -> None:
            sent.append(json.dumps(request.to_dict(with_screenshot=True)))
            super().on_approval_requested(request)

        def on_approval_decided(self, decision: Any) -> None:
            sent.append(json.dumps(decision.to_dict()))

        def on_takeover_started(self, state: Any) -> None:
            sent.append(json.dumps(state.to_dict()))
            super().on_takeover_started(state)

        def on_takeover_ended(self, segment: Any) -> None:
            sent.append(json.dumps({**segment.to_record(), "report": segment.message_blocks()[0]["text"]}))
            super().on_takeover_ended(segment)

    fake_api.script(
        reply(tool_use("computer", {"action": "left_click", "coordinate": [100, 100]}, id="c1")),
        reply(text("ok")),
    )
    with xev_window(screen, tmp_path, 50, 50, 1800, 1000):
        _, outcome, _ = await run_with_human(
            screen, lambda t: Events(screen, t, ask_on="approval"), CONFIG.replace(approval_mode="all")
        )
    assert outcome.ok and len(sent) == 4
    started = json.loads(sent[2])
    assert started["phase"] == "human" and started["holder"] == HUMAN and "held by" in started["description"]
    assert json.loads(sent[1])["by"] == "takeover"


async def test_a_takeover_when_the_tools_run_in_the_desktop_tool_server(fake_api, screen, tmp_path):
    """As in the image: the app holds proxies only; the screenshot comes through the server, the input
    is recorded from the display, mapped with the screen's size at the run's tier (the toolset's high
    tier: 1920x1080 is sent as it is)."""
    from computer_use_demo.runs.config import RunConfig
    from computer_use_demo.tools.server.address import parse_address
    from computer_use_demo.tools.server.proxy import remote_tool_collection
    from tests.support.fake_api import member
    from tests.support.tool_server import running_tool_server

    fake_api.script(reply(member("left_click", {"coordinate": [100, 100]}, id="c1")), reply(text("ok")))
    config = RunConfig.for_model("claude-opus-4-8")
    group = config.tool_group
    (tmp_path / "server").mkdir()
    with (
        running_tool_server(tmp_path / "server", env={"DISPLAY": screen.name}) as server,
        xev_window(screen, tmp_path, 50, 50, 1800, 1000),
    ):
        tools = remote_tool_collection(parse_address(server.address), group, image_tier="high")
        session, outcome, _ = await run_with_human(screen, lambda t: Human(screen, t), config, tools=tools)
    assert outcome.ok, outcome.stop
    _result, report, image = session.messages[2]["content"]
    assert f"1. clicked at {HUMAN_CLICK}" in report["text"] and image["source"]["data"]
