"""Retry waits: what the API asks for, capped; backoff when it asks for nothing."""

from __future__ import annotations

import email.utils
import time

import httpx2
import pytest

from computer_use_demo.models.retry_policy import Failure, RetryPolicy, parse_retry_after, retry_note


def headers(**values: str) -> httpx2.Headers:
    return httpx2.Headers({k.replace("_", "-"): v for k, v in values.items()})


def test_retry_after_in_milliseconds_wins_over_seconds() -> None:
    assert parse_retry_after(headers(retry_after_ms="1500", retry_after="9")) == 1.5
    assert parse_retry_after(headers(retry_after="2.5")) == 2.5
    assert parse_retry_after(headers(other="1")) is None and parse_retry_after(None) is None
    assert parse_retry_after(headers(retry_after="soon")) is None


def test_retry_after_as_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    assert 115 <= parse_retry_after(headers(retry_after=when)) <= 121


def test_waits_are_capped_and_say_what_was_asked() -> None:
    policy = RetryPolicy(max_wait_s=60)
    failure = Failure("request", "rate limited (HTTP 429)", headers(retry_after="3600"))
    wait, asked = policy.wait(failure, 0)
    assert (wait, asked) == (60.0, 3600.0)
    assert retry_note(failure, wait, asked, 1, 4) == (
        "Rate limited (HTTP 429): retrying in 60 s (retry 1 of 4; the API asked for 3600 s)."
    )
    assert policy.wait(Failure("request", "x", headers(retry_after="5")), 0) == (5.0, 5.0)


def test_backoff_doubles_with_jitter_and_stops_growing() -> None:
    policy = RetryPolicy(delay_s=0.5, max_wait_s=60)
    bare = Failure("request", "server error (HTTP 500)")
    for retries_taken, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (5, 8.0), (40, 8.0)]:
        wait, asked = policy.wait(bare, retries_taken)
        assert asked is None and 0.75 * ceiling <= wait <= ceiling
    assert RetryPolicy(max_wait_s=0.1).wait(bare, 5)[0] == 0.1, "the cap bounds backoff too"


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_a_bad_cap_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="max_retry_wait_s"):
        RetryPolicy(max_wait_s=bad)
