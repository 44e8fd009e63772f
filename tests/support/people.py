"""People in tests: one who answers approval requests, one who takes the desktop over (xdotool as their
hands), as a chat's buttons or a VNC viewer would, from threads of their own."""

from __future__ import annotations

import re
import subprocess
import threading
from typing import Any

from computer_use_demo.agent.history import add_user_text
from computer_use_demo.runs.approvals import ApprovalDecision
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.runs.controls import RunControls
from computer_use_demo.runs.hooks import RunHooks, ToolCall
from computer_use_demo.runs.session import RunSession
from computer_use_demo.runs.takeover import Takeover, TakeoverRefused
from computer_use_demo.tools import ComputerTool20250124, ToolCollection

HUMAN_CLICK = (1501, 833)
HUMAN = "test human"
CONFIG = RunConfig.for_model("claude-sonnet-4-5", tool_version="computer_use_20250124")


class Person(RunHooks):
    """Answers each approval request from a thread of its own after a moment, as a chat click would."""

    def __init__(self, answers: list[tuple[bool, str]], delay: float = 0.05) -> None:
        self.answers = answers
        self.delay = delay
        self.controls: RunControls | None = None
        self.asked: list[Any] = []
        self.decided: list[ApprovalDecision] = []

    def on_approval_requested(self, request: Any) -> None:
        self.asked.append(request)
        if self.answers and self.controls is not None:
            approve, reason = self.answers.pop(0)
            timer = threading.Timer(
                self.delay, self.controls.approvals.decide, (request.call_id, approve, reason)
            )
            timer.start()

    def on_approval_decided(self, decision: ApprovalDecision) -> None:
        self.decided.append(decision)


def act(display, *args: str) -> None:
    subprocess.run(["xdotool", *args], env=display.env(), check=True, capture_output=True)


class Human(RunHooks):
    """Asks for the desktop when `when(call)` says so; once it holds it, clicks and types from a thread of
    its own (as a person at the VNC view would), then hands back."""

    def __init__(self, display, takeover: Takeover, *, ask_on: str = "finished", call_id: str = "c1") -> None:
        self.display, self.takeover, self.ask_on, self.call_id = display, takeover, ask_on, call_id
        self.started: list[Any] = []
        self.ended: list[Any] = []
        self.refusal: str | None = None
        self.worker: threading.Thread | None = None

    def ask(self) -> None:
        self.takeover.request(HUMAN)

    def on_tool_started(self, call: ToolCall) -> None:
        if self.ask_on == "started" and call.tool_use_id == self.call_id:
            self.ask()

    def on_tool_finished(self, call: ToolCall, result: Any, timing: Any) -> None:
        if self.ask_on == "finished" and call.tool_use_id == self.call_id:
            self.ask()

    def on_response(self, request: Any, response: Any, seconds: float) -> None:
        if self.ask_on == "answer" and not self.started:
            self.ask()

    def on_approval_requested(self, request: Any) -> None:
        if self.ask_on == "approval":
            self.ask()

    def on_takeover_started(self, state: Any) -> None:
        self.started.append(state)
        try:
            self.takeover.request("a second person")
        except TakeoverRefused as refused:
            self.refusal = str(refused)
        self.worker = threading.Thread(target=self.work)
        self.worker.start()

    def work(self) -> None:
        act(self.display, "mousemove", *map(str, HUMAN_CLICK), "click", "1")
        act(self.display, "type", "--delay", "20", "hi")
        self.takeover.hand_back(HUMAN)

    def on_takeover_ended(self, segment: Any) -> None:
        self.ended.append(segment)


async def run_with_human(screen, make_human, config: RunConfig = CONFIG, **options: Any):
    cancel = options.pop("cancel", None)
    controls = RunControls.for_config(config)
    human = make_human(controls.takeover)
    messages: list[dict[str, Any]] = []
    add_user_text(messages, "work on the window")
    tools = options.pop("tools", None) or ToolCollection(
        ComputerTool20250124(display=screen.name, image_tier="standard")
    )
    session = RunSession(config, messages, tools=tools, hooks=human, controls=controls, **options)
    outcome = await session.run(cancel)
    if human.worker is not None:
        human.worker.join(10)
    return session, outcome, human


def report_text(content: list[dict[str, Any]]) -> str:
    return next(b["text"] for b in content if b.get("type") == "text")


def reported_click(report: str) -> tuple[int, int]:
    found = re.search(r"clicked at \((\d+), (\d+)\)", report)
    assert found, report
    return int(found.group(1)), int(found.group(2))
