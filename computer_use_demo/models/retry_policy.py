"""Which failed model calls are tried again, and how long to wait first.

The SDK's own retries are switched off: it obeys any `retry-after`, however long (a 429 asking for an
hour waits an hour, four times over), and says nothing while it waits. Here the same failures are
retried - 408, 409, 429, 5xx (529 included) and connection errors before the answer, broken streams
and retryable `error` events after it - with each wait capped at `max_wait_s`, reported before it
starts, and spent in an asyncio sleep, so cancelling the task ends it at once.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from dataclasses import dataclass
from typing import Literal

import httpx2
from anthropic import APIConnectionError, APIStatusError, APITimeoutError

from computer_use_demo.models.model_errors import ModelStreamError

DEFAULT_MAX_RETRIES = 4  # failed requests (no answer begun) tried again
STREAM_ERROR_RETRIES = 3  # answers broken off after HTTP 200 tried again
DEFAULT_MAX_RETRY_WAIT_S = 60.0  # no single wait is longer, whatever retry-after asks for
DEFAULT_RETRY_DELAY_S = 0.5  # the first backoff when the API names no wait; doubled per retry
MAX_BACKOFF_S = 8.0
# Error types that mean "try again" when they arrive inside a stream (Claude API and Bedrock spellings).
RETRYABLE_STREAM_ERRORS = frozenset(
    {
        "overloaded_error",
        "api_error",
        "rate_limit_error",
        "serviceUnavailableException",
        "throttlingException",
        "internalServerException",
        "modelStreamErrorException",
    }
)
_STATUS_REASONS = {408: "request timeout", 409: "conflict", 429: "rate limited", 529: "overloaded"}

Stage = Literal["request", "stream"]


@dataclass(frozen=True)
class Failure:
    """A failed attempt worth another try. `stage`: "request" (no answer began) or "stream" (after 200)."""

    stage: Stage
    reason: str  # a few words for the user: "rate limited (HTTP 429)"
    headers: httpx2.Headers | None = None


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = DEFAULT_MAX_RETRIES
    stream_retries: int = STREAM_ERROR_RETRIES
    max_wait_s: float = DEFAULT_MAX_RETRY_WAIT_S
    delay_s: float = DEFAULT_RETRY_DELAY_S

    def __post_init__(self) -> None:
        if not (math.isfinite(self.max_wait_s) and self.max_wait_s >= 0):
            raise ValueError(f"max_retry_wait_s must be a number of seconds >= 0, got {self.max_wait_s!r}")
        if self.max_retries < 0 or self.stream_retries < 0:
            raise ValueError("retry counts must be >= 0")

    def budget(self, stage: Stage) -> int:
        return self.max_retries if stage == "request" else self.stream_retries

    def wait(self, failure: Failure, retries_taken: int) -> tuple[float, float | None]:
        """Seconds to wait before retry number `retries_taken + 1`, and what the API asked for (if it did)."""
        asked = parse_retry_after(failure.headers)
        if asked is not None and asked > 0:
            return float(min(asked, self.max_wait_s)), asked
        backoff = min(self.delay_s * 2.0 ** min(retries_taken, 30), MAX_BACKOFF_S)
        return float(min(backoff * (1 - 0.25 * random.random()), self.max_wait_s)), None


def classify(exc: BaseException) -> Failure | None:
    """The failure `exc` stands for if trying again may help, else None."""
    if isinstance(exc, APIStatusError):
        if exc.status_code == 200:  # an `error` event mid-answer
            kind = exc.type or _body_type(exc)
            return (
                Failure("stream", f"the API reported {kind} mid-answer")
                if kind in RETRYABLE_STREAM_ERRORS
                else None
            )
        if not _status_is_retryable(exc.response):
            return None
        reason = _STATUS_REASONS.get(exc.status_code, "server error")
        return Failure("request", f"{reason} (HTTP {exc.status_code})", exc.response.headers)
    if isinstance(exc, APITimeoutError):
        return Failure("request", "the request timed out")
    if isinstance(exc, APIConnectionError):
        cause = type(exc.__cause__).__name__ if exc.__cause__ else "no answer"
        return Failure("request", f"could not connect to the API ({cause})")
    if isinstance(exc, ModelStreamError) and exc.kind == "dropped":
        return Failure("stream", "the answer stream broke off")
    return None


def _status_is_retryable(response: httpx2.Response) -> bool:
    # The same rules as the SDK's: the server's x-should-retry wins, else 408, 409, 429 and 5xx.
    should_retry = response.headers.get("x-should-retry")
    if should_retry in ("true", "false"):
        return should_retry == "true"
    return response.status_code in (408, 409, 429) or response.status_code >= 500


def _body_type(exc: APIStatusError) -> str | None:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    return error.get("type")


def parse_retry_after(headers: httpx2.Headers | None) -> float | None:
    """Seconds from `retry-after-ms`, or `retry-after` as seconds or an HTTP date; None if neither."""
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers[name]) * scale
        except (KeyError, ValueError):
            pass
    parsed = email.utils.parsedate_tz(headers.get("retry-after", ""))
    return None if parsed is None else float(email.utils.mktime_tz(parsed) - time.time())


def retry_note(failure: Failure, wait_s: float, asked_s: float | None, retry: int, budget: int) -> str:
    """The one line a front end shows while the client waits."""
    asked = f"; the API asked for {asked_s:.0f} s" if asked_s is not None and asked_s > wait_s else ""
    reason = failure.reason[:1].upper() + failure.reason[1:]
    return f"{reason}: retrying in {_seconds(wait_s)} (retry {retry} of {budget}{asked})."


def _seconds(value: float) -> str:
    if value >= 10 or value.is_integer():
        return f"{value:.0f} s"
    return f"{value:.1f} s" if value >= 1 else f"{value:.2f} s"
