"""Why a run ended (`LoopStop`), in words for the user, and the texts that answer calls a run left open."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from computer_use_demo.agent.errors import ErrorReport, describe_error

StopKind = Literal[
    "end_turn",
    "max_tokens",
    "refusal",
    "context_window",
    "max_iterations",
    "cancelled",
    "api_error",
    "other",
]

# Both a call that was interrupted and one that never started get this text when the user stops a run.
CANCELLED_TEXT = "The user stopped the run before this call finished; it may have run partly or not at all."
CUT_OFF_TEXT = "Not executed: the answer was cut off before this call was complete."


@dataclass(frozen=True)
class LoopStop:
    kind: StopKind
    message: str  # one line
    stop_reason: str | None = None  # the API's, when the model ended the run
    error: ErrorReport | None = None  # when a failure ended it


_STOP_MESSAGES: dict[str, tuple[StopKind, str]] = {
    "max_tokens": (
        "max_tokens",
        "Claude reached the output limit (max_tokens) before finishing. Raise max_tokens and continue.",
    ),
    "refusal": ("refusal", "Claude declined to continue with this request."),
    "model_context_window_exceeded": (
        "context_window",
        "The conversation no longer fits in the model's context window. Keep fewer screenshots "
        "(only_n_most_recent_images) or start a new conversation.",
    ),
}


def stop_for_reason(stop_reason: str | None) -> LoopStop:
    """The end of a run whose last answer asked for no tools."""
    if stop_reason in ("end_turn", "stop_sequence", None):
        return LoopStop("end_turn", "Done.", stop_reason)
    kind, text = _STOP_MESSAGES.get(
        stop_reason, ("other", f"Claude stopped for an unexpected reason: {stop_reason}.")
    )
    return LoopStop(kind, text, stop_reason)


def max_iterations_stop(max_iterations: int) -> LoopStop:
    return LoopStop(
        "max_iterations",
        f"Stopped after {max_iterations} model calls (max_iterations). Continue to let Claude go on.",
    )


def error_stop(exc: BaseException, prefix: str = "") -> LoopStop:
    """A run ended by an exception: `api_error` when the API (or the way to it) failed, else `other`."""
    report = describe_error(exc)
    if prefix:
        report = dataclasses.replace(report, message=prefix + report.message)
    kind: StopKind = "api_error" if report.from_api else "other"
    return LoopStop(kind, report.message, error=report)


def client_failed_stop(provider: str, exc: BaseException) -> LoopStop:
    """No client could be made for `provider` (a missing region, an unknown provider): like an API error."""
    report = describe_error(exc)
    report = dataclasses.replace(report, message=f"Could not create the {provider} client: {report.message}")
    return LoopStop("api_error", report.message, error=report)


def tools_failed_stop(exc: BaseException) -> LoopStop:
    """The tools could not be made or described (no X display, say): nothing was sent."""
    return LoopStop("other", f"Could not set up the tools: {type(exc).__name__}: {exc}")
