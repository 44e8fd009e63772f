"""Turning exceptions from the API or the loop into messages a user can act on."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

# Headers the API sends with a 429, most specific first.
RESET_HEADERS = (
    "anthropic-ratelimit-requests-reset",
    "anthropic-ratelimit-input-tokens-reset",
    "anthropic-ratelimit-output-tokens-reset",
    "anthropic-ratelimit-tokens-reset",
)


@dataclass(frozen=True)
class ErrorReport:
    kind: str
    message: str
    status: int | None = None
    retry_at: datetime | None = None
    request_id: str | None = None

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "request_id": self.request_id}
        if self.retry_at:
            out["retry_at"] = self.retry_at.isoformat(timespec="seconds")
        return out


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


def describe_error(exc: BaseException, *, now: datetime | None = None) -> ErrorReport:
    now = now or datetime.now(UTC)
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
    if name in ("APIConnectionError", "APITimeoutError"):
        return ErrorReport("connection", f"Could not reach the API: {message}")
    if status is not None:
        return ErrorReport("api", f"API error {status}: {message}", status, None, request_id)
    return ErrorReport("internal", f"{name}: {message}")
