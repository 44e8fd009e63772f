"""The one translator of failures into words: any exception from the API, the network or the run's own
code becomes a one-line message a user can act on (with a retry time for rate limits).

The loop, the run session and every front end use it, so the chat and the CLI say the same thing.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2
from anthropic import APIConnectionError

MAX_MESSAGE_CHARS = 400

# Headers the API sends with a 429, most specific first.
RESET_HEADERS = (
    "anthropic-ratelimit-requests-reset",
    "anthropic-ratelimit-input-tokens-reset",
    "anthropic-ratelimit-output-tokens-reset",
    "anthropic-ratelimit-tokens-reset",
)


@dataclass(frozen=True)
class ErrorReport:
    kind: str  # rate_limit, auth, overloaded, connection, stream, api, or internal (not from the API)
    message: str  # one line
    status: int | None = None
    retry_at: datetime | None = None
    request_id: str | None = None

    @property
    def from_api(self) -> bool:
        """Whether the API (or the way to it) failed, rather than our own code."""
        return self.kind != "internal"

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "request_id": self.request_id}
        if self.retry_at:
            out["retry_at"] = self.retry_at.isoformat(timespec="seconds")
        return out


def safe_attr(value: Any, name: str) -> Any:
    """`getattr(value, name, None)`, also for httpx2 errors, which raise for a request they never had."""
    try:
        return getattr(value, name, None)
    except RuntimeError:
        return None


def _headers(exc: BaseException) -> Any:
    response = getattr(exc, "response", None)
    return getattr(response, "headers", None) or {}


def retry_time(headers: Any, now: datetime) -> datetime | None:
    """When to retry after a 429: the latest time given by `retry-after-ms`, `retry-after` (seconds or an
    HTTP date) and the rate-limit reset headers."""
    if not headers:
        return None
    candidates: list[datetime] = []
    with contextlib.suppress(TypeError, ValueError):
        candidates.append(now + timedelta(milliseconds=float(headers.get("retry-after-ms"))))
    value = headers.get("retry-after")
    if value:
        try:
            candidates.append(now + timedelta(seconds=float(value)))
        except ValueError:
            with contextlib.suppress(TypeError, ValueError):
                candidates.append(parsedate_to_datetime(value).astimezone(UTC))
    for name in RESET_HEADERS:
        value = headers.get(name)
        if value:
            with contextlib.suppress(ValueError):
                candidates.append(datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC))
    return max(candidates, default=None)


def _api_message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    return str(exc) or type(exc).__name__


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def describe_error(exc: BaseException, *, now: datetime | None = None) -> ErrorReport:
    report = _describe(exc, now or datetime.now(UTC))
    return dataclasses.replace(report, message=one_line(report.message))


def _describe(exc: BaseException, now: datetime) -> ErrorReport:
    status = getattr(exc, "status_code", None)
    request_id = getattr(exc, "request_id", None)
    message = _api_message(exc)
    name = type(exc).__name__
    if status == 429 or name == "RateLimitError":
        retry_at = retry_time(_headers(exc), now)
        if retry_at is not None:
            wait = max(0, round((retry_at - now).total_seconds()))
            hint = f"Retry in {wait} s (after {retry_at:%H:%M:%S} UTC)."
        else:
            hint = "Wait a minute before retrying."
        return ErrorReport(
            "rate_limit", f"Rate limited by the API. {hint} ({message})", 429, retry_at, request_id
        )
    if status in (401, 403) or name in ("AuthenticationError", "PermissionDeniedError"):
        return ErrorReport(
            "auth", f"The API refused the credentials ({status}): {message}", status, None, request_id
        )
    if status == 529 or name == "OverloadedError":
        return ErrorReport("overloaded", f"The API is overloaded; try again shortly. ({message})", status)
    if hasattr(exc, "http_response"):  # the model client's own errors (a broken answer stream): one line
        return ErrorReport("stream", str(exc) or name)
    if isinstance(exc, APIConnectionError | httpx2.TransportError):
        return ErrorReport("connection", f"Could not reach the API: {message}")
    if status is not None:
        return ErrorReport("api", f"API error {status}: {message}", status, None, request_id)
    return ErrorReport("internal", f"{name}: {message}")
