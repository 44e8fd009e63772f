"""The `replay` provider: a `ModelClient` whose answers come from a recorded trajectory.

The loop sends its requests here as it would to Claude; `ReplaySession` judges the screenshots the live
tools returned and answers with the recorded next turn. Text is streamed word by word, so the CLI and the
UI show it as they show Claude's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx2
from anthropic import APIConnectionError

from computer_use_demo.models.providers import (
    DeltaCallback,
    StreamDelta,
    TurnRequest,
    TurnResponse,
    call_maybe_async,
    register_provider,
)
from computer_use_demo.models.usage import TurnUsage
from computer_use_demo.trajectory.format import TrajectoryError, load_trajectory
from computer_use_demo.trajectory.replay import ReplaySession
from computer_use_demo.trajectory.samples import sample_for_display

PROVIDER_NAME = "replay"
TRAJECTORY_ENV = "REPLAY_TRAJECTORY"


MODEL_PREFIX = "replay:"


def replay_model_id(folder: Path | str) -> str:
    """The model id that names a recording: `sampling_loop(provider="replay", model=replay_model_id(dir))`."""
    return f"{MODEL_PREFIX}{folder}"


class ReplayModelClient:
    """Answers with a recorded trajectory. Without a session, the first request's model id picks the
    recording (`replay:<folder>`), else `default_folder`."""

    def __init__(
        self,
        session: ReplaySession | None = None,
        *,
        default_folder: Path | str | None = None,
        append_report: bool = False,
    ) -> None:
        self.session = session
        self.default_folder = default_folder
        self.append_report = append_report
        self.requests = 0

    @classmethod
    def for_folder(cls, folder: Path | str, *, threshold: float | None = None) -> ReplayModelClient:
        trajectory = load_trajectory(folder)
        return cls(
            ReplaySession(trajectory) if threshold is None else ReplaySession(trajectory, threshold=threshold)
        )

    def session_for(self, model: str) -> ReplaySession:
        """The replay this client serves (loaded on first use: ReplayUnavailable when it cannot be)."""
        if self.session is None:
            if model.startswith(MODEL_PREFIX):
                folder: Path | str = model[len(MODEL_PREFIX) :]
            else:
                folder = self.default_folder or sample_for_display()
            try:
                self.session = ReplaySession(load_trajectory(folder))
            except (TrajectoryError, OSError) as exc:
                raise ReplayUnavailable(str(exc)) from None
        return self.session

    async def stream_turn(self, request: TurnRequest, on_delta: DeltaCallback | None = None) -> TurnResponse:
        self.requests += 1
        session = self.session_for(request.model)
        answer = session.respond(request.messages)
        content = answer["content"]
        if self.append_report and answer["stop_reason"] != "tool_use" and session.finished:
            lines = "\n".join(f"- `{step.describe()}`" for step in session.report.steps)
            content = [*content, {"type": "text", "text": f"**{session.report.summary()}**\n\n{lines}"}]
        for index, block in enumerate(content):
            if block.get("type") == "text":
                for piece in re.findall(r"\S+\s*|\s+", block["text"]):
                    await call_maybe_async(on_delta, StreamDelta("text", piece, index))
        return TurnResponse(
            content=content,
            stop_reason=answer["stop_reason"],
            usage=TurnUsage(),
            model=request.model,
            request_id=f"replay_{self.requests}",
        )

    async def close(self) -> None:
        pass


class ReplayUnavailable(APIConnectionError):
    """The recording cannot be read: reported by the loop like an API that cannot be reached."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message=f"cannot replay: {message}", request=httpx2.Request("POST", "replay://local")
        )


def _factory(
    *, api_key: str | None, base_url: str | None, max_retries: int, max_retry_wait_s: float
) -> ReplayModelClient:
    """`create_client("replay")`: the recording is named by the model id (`replay:<folder>`), else
    `base_url`, $REPLAY_TRAJECTORY or the bundled sample for this desktop. The last answer has the report."""
    del api_key, max_retries, max_retry_wait_s
    folder = base_url or os.environ.get(TRAJECTORY_ENV)
    return ReplayModelClient(default_folder=folder, append_report=True)


register_provider(PROVIDER_NAME, _factory)
