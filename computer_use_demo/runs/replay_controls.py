"""A replay reproduces a recording's human part: the same approvals and denials, the same takeovers.

Recorded decisions answer the same calls again (whatever the replay's own policy), so the model is told
what it was told then. A recorded takeover is played back at the same safe point: the run pauses, the
human's input events go to the display through xdotool (scaled to the live screen) while the recorder
runs as in a real takeover, and the steps recorded live are compared with the recorded ones in the replay
report.
"""

from __future__ import annotations

from typing import Any

from computer_use_demo.desktop.human_input import InputEvent
from computer_use_demo.desktop.human_playback import play_back
from computer_use_demo.runs.approvals import ApprovalDecision
from computer_use_demo.runs.controls import RunControls
from computer_use_demo.runs.desk import Desk
from computer_use_demo.runs.hooks import RunHooks
from computer_use_demo.runs.takeover import HumanSegment, SafePoint
from computer_use_demo.trajectory.format import Trajectory
from computer_use_demo.trajectory.replay import ReplaySession

REPLAY_HOLDER = "the recorded user (replay)"


def recorded_decisions(trajectory: Trajectory) -> dict[str, ApprovalDecision]:
    return {str(r.get("call_id")): ApprovalDecision.from_dict(r) for r in trajectory.approvals}


class ReplayedHumans(RunHooks):
    """Plays the recording's takeovers back (a `ScriptedHuman`) and checks what the recorder saw."""

    def __init__(self, replay: ReplaySession) -> None:
        self.replay = replay
        self.played: list[dict[str, Any]] = []

    def holder_at(self, place: SafePoint) -> str | None:
        return REPLAY_HOLDER if self.replay.recorded_human(place.to_dict()) is not None else None

    async def act(self, place: SafePoint, desk: Desk) -> None:
        recorded = self.replay.recorded_human(place.to_dict()) or {}
        events = [InputEvent.from_record(e) for e in recorded.get("events") or []]
        xdotool = desk.xdotool()
        if xdotool is None or not events:
            return
        await play_back(xdotool, events, _scale(recorded.get("screen"), desk))
        self.played.append(recorded)

    def on_takeover_ended(self, segment: HumanSegment) -> None:
        if segment.holder == REPLAY_HOLDER:
            self.replay.check_human(segment.place.to_dict(), segment.descriptions)


def _scale(recorded_screen: Any, desk: Desk) -> tuple[float, float]:
    scaling = desk.scaling()
    if scaling is None or not isinstance(recorded_screen, list) or len(recorded_screen) != 2:
        return (1.0, 1.0)
    return scaling.screen_width / recorded_screen[0], scaling.screen_height / recorded_screen[1]


def arm_for_replay(controls: RunControls, replay: ReplaySession) -> RunHooks:
    """Make `controls` reproduce the recording; the returned hooks check the replayed takeovers."""
    controls.approvals.recorded.update(recorded_decisions(replay.trajectory))
    humans = ReplayedHumans(replay)
    controls.takeover.scripted = humans
    return humans
