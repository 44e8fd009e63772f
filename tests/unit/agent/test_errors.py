"""Error descriptions: rate limits say when to retry; other API errors are named clearly."""

from __future__ import annotations

from datetime import UTC, datetime

import anthropic
import httpx2 as httpx
import pytest

from computer_use_demo.agent.errors import describe_error, retry_time

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def api_error(status: int, headers: dict[str, str] | None = None, message: str = "nope"):
    request = httpx.Request("POST", "http://127.0.0.1/v1/messages")
    response = httpx.Response(status, headers=headers or {}, request=request)
    body = {"type": "error", "error": {"type": "x", "message": message}}
    client = anthropic.Anthropic(api_key="k", base_url="http://127.0.0.1")
    return client._make_status_error(message, body=body, response=response)


def test_rate_limit_with_retry_after_seconds():
    report = describe_error(api_error(429, {"retry-after": "30"}, "too many"), now=NOW)
    assert report.kind == "rate_limit"
    assert report.retry_at == datetime(2026, 11, 22, 12, 0, 30, tzinfo=UTC)
    assert "Retry in 30 s" in report.message and "12:00:30 UTC" in report.message
    assert "too many" in report.message


def test_rate_limit_from_reset_header():
    headers = {"anthropic-ratelimit-input-tokens-reset": "2026-11-22T12:01:00Z"}
    report = describe_error(api_error(429, headers), now=NOW)
    assert "Retry in 60 s" in report.message


def test_rate_limit_without_headers_still_advises():
    report = describe_error(api_error(429), now=NOW)
    assert report.kind == "rate_limit" and "Wait a minute" in report.message


@pytest.mark.parametrize(
    ("status", "kind"), [(401, "auth"), (403, "auth"), (529, "overloaded"), (400, "api")]
)
def test_other_statuses(status, kind):
    report = describe_error(api_error(status, message="detail here"), now=NOW)
    assert report.kind == kind and report.status == status and "detail here" in report.message


def test_non_api_exception():
    report = describe_error(RuntimeError("boom"), now=NOW)
    assert report.kind == "internal" and report.message == "RuntimeError: boom"


def test_retry_time_http_date():
    assert retry_time({"retry-after": "Sun, 22 Nov 2026 12:00:10 GMT"}, NOW) == datetime(
        2026, 11, 22, 12, 0, 10, tzinfo=UTC
    )
    assert retry_time({"retry-after": "garbage"}, NOW) is None
    assert retry_time({}, NOW) is None


def test_retry_time_takes_the_latest_hint():
    headers = {"retry-after-ms": "1", "anthropic-ratelimit-tokens-reset": "2026-11-22T12:00:45Z"}
    assert retry_time(headers, NOW) == datetime(2026, 11, 22, 12, 0, 45, tzinfo=UTC)


def test_transport_and_own_errors_become_one_line():
    dropped = describe_error(httpx.RemoteProtocolError("peer closed connection\nwithout sending"), now=NOW)
    assert dropped.kind == "connection" and dropped.from_api
    assert dropped.message == "Could not reach the API: peer closed connection without sending"
    import sqlite3

    locked = describe_error(sqlite3.OperationalError("database is locked"), now=NOW)
    assert locked.kind == "internal" and not locked.from_api
    assert locked.message == "OperationalError: database is locked"
    long = describe_error(ValueError("x" * 2000), now=NOW)
    assert len(long.message) <= 400 and "\n" not in long.message


class BrokenStream(Exception):
    """Shaped like the model client's own errors: a one-line message and the HTTP answer, if any."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.http_response = None


def test_the_model_clients_own_errors_count_as_api_failures():
    report = describe_error(BrokenStream("The answer stream broke off three times."), now=NOW)
    assert report.kind == "stream" and report.from_api
    assert report.message == "The answer stream broke off three times."
