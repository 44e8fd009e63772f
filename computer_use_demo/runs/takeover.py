"""A person taking the desktop over from the agent, and handing it back.

`Takeover` is the seam a front end uses (thread-safe): `request(who)` asks for control (refused with who
holds it when someone else does), `hand_back(who)` returns it, `state()` says who controls the desktop. The
engine grants a request only at a safe point (between tool calls, never inside one, or after an answer),
where it calls `pause_here`: the recorder starts, `RunHooks.on_takeover_started` fires (a chat switches
its desktop view to control), and the run waits. On hand-back the recording stops, the human's input
becomes readable steps in the model's coordinates plus a fresh screenshot (`HumanSegment`), and
`on_takeover_ended` fires; the engine writes the segment into the history for the model.

    takeover.request("a browser session")   # TakeoverRefused("...held by the API client since 10:02")
    takeover.hand_back()
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from computer_use_demo.desktop.human_input import InputEvent, InputRecorder, RecorderUnavailable
from computer_use_demo.desktop.human_steps import merge_steps
from computer_use_demo.runs.desk import Desk
from computer_use_demo.runs.hooks import RunHooks, call_hook
from computer_use_demo.runs.human_records import ControlState, HumanSegment, SafePoint
from computer_use_demo.runs.signals import Answer

__all__ = ["ControlState", "HumanSegment", "NotHolding", "SafePoint", "Takeover", "TakeoverRefused"]

AGENT = "the agent"


class TakeoverRefused(RuntimeError):
    """Someone else holds (or has asked for) the desktop; the message says who, and since when."""


class NotHolding(RuntimeError):
    """A hand-back from someone who does not hold the desktop."""


class Recorder(Protocol):
    def start(self) -> None: ...

    def stop(self) -> list[InputEvent]: ...


class ScriptedHuman(Protocol):
    """A human who acts by themself at given safe points (a replay's recorded segments)."""

    def holder_at(self, place: SafePoint) -> str | None: ...

    async def act(self, place: SafePoint, desk: Desk) -> None: ...


class Takeover:
    """Who controls one run's desktop. `recorder`: makes the input recorder for a display."""

    def __init__(
        self,
        *,
        recorder: Callable[[str], Recorder] = InputRecorder,
        scripted: ScriptedHuman | None = None,
    ) -> None:
        self.make_recorder = recorder
        self.scripted = scripted
        self._lock = threading.Lock()
        self._state = ControlState("agent", AGENT)
        self.requested = Answer[str]()  # given when someone asks for the desktop
        self._handed_back = Answer[str]()
        self._ended = False

    def state(self) -> ControlState:
        with self._lock:
            return self._state

    def request(self, who: str) -> ControlState:
        """Ask for the desktop (any thread). Granted at the agent's next safe point."""
        who = who.strip() or "someone"
        with self._lock:
            if self._ended:
                raise TakeoverRefused("The run has ended: the desktop is not held by the agent.")
            if self._state.phase != "agent":
                raise TakeoverRefused(f"{self._state.describe()} Only one controller at a time.")
            self._state = ControlState("requested", who, time.time())
            self.requested.give(who)
            return self._state

    def hand_back(self, who: str | None = None) -> None:
        """Give the desktop back (any thread); a pending request is simply withdrawn."""
        with self._lock:
            state = self._state
            if state.phase == "agent" or (who is not None and who.strip() != state.holder):
                raise NotHolding(f"{who or 'You'} do not hold the desktop. {state.describe()}")
            if state.phase == "human":
                self._handed_back.give(state.holder)
                return
            self._reset()

    def end(self) -> None:
        """The run is over: a request still waiting for a safe point is dropped, new ones refused."""
        with self._lock:
            self._ended = True
            if self._state.phase == "requested":
                self._reset()

    def _reset(self) -> None:
        self._state = ControlState("agent", AGENT)
        self.requested, self._handed_back = Answer[str](), Answer[str]()

    async def pause_here(self, place: SafePoint, desk: Desk, hooks: RunHooks) -> HumanSegment | None:
        """At a safe point: if someone asked for the desktop, give it to them until they hand it back."""
        scripted = self.scripted.holder_at(place) if self.scripted is not None else None
        if scripted is not None and self.state().phase == "agent":
            self.request(scripted)
        if self.state().phase != "requested":
            return None
        # Record first, then hand over: nothing the person does once they hold the desktop is missed.
        recorder, note = await self._recorder_started(desk)
        with self._lock:
            withdrawn = self._state.phase != "requested"
            if not withdrawn:
                self._state = state = ControlState("human", self._state.holder, time.time())
        if withdrawn:
            if recorder is not None:
                recorder.stop()
            return None
        try:
            await call_hook(hooks.on_takeover_started, state)
            if scripted is not None and self.scripted is not None:
                await self.scripted.act(place, desk)
                self._handed_back.give(state.holder)
            await self._handed_back.wait()
        finally:
            events = recorder.stop() if recorder is not None else []
            with self._lock:
                self._reset()
        segment = await self._segment(state, place, desk, events, note)
        await call_hook(hooks.on_takeover_ended, segment)
        return segment

    async def _recorder_started(self, desk: Desk) -> tuple[Recorder | None, str]:
        """Start the recorder in a thread (it waits for the server); stopped again if the run is."""
        starting = asyncio.ensure_future(asyncio.to_thread(self._start_recorder, desk))
        try:
            return await asyncio.shield(starting)
        except asyncio.CancelledError:
            starting.add_done_callback(_stop_started)
            raise

    def _start_recorder(self, desk: Desk) -> tuple[Recorder | None, str]:
        if not desk.display:
            return None, "no X display"
        recorder = self.make_recorder(desk.display)
        try:
            recorder.start()
        except RecorderUnavailable as exc:
            return None, str(exc)
        return recorder, ""

    async def _segment(
        self, state: ControlState, place: SafePoint, desk: Desk, events: Sequence[InputEvent], note: str
    ) -> HumanSegment:
        ended = time.time()
        scaling = desk.scaling()
        steps = merge_steps(events, desk.to_model)
        screenshot = await desk.screenshot()
        return HumanSegment(
            holder=state.holder,
            place=place,
            started_at=state.since or ended,
            ended_at=ended,
            steps=tuple(steps),
            events=tuple(events),
            screenshot=screenshot,
            screen=(scaling.screen_width, scaling.screen_height) if scaling else None,
            note=note,
        )


def _stop_started(starting: asyncio.Future[tuple[Recorder | None, str]]) -> None:
    if not starting.cancelled() and starting.exception() is None:
        recorder, _ = starting.result()
        if recorder is not None:
            recorder.stop()
