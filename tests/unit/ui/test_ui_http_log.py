"""The HTTP exchange log: real SDK requests against the fake API, with the key redacted everywhere."""

from __future__ import annotations

import base64
import json

import anthropic
import httpx2 as httpx

from computer_use_demo.ui.http_log import body_text, make_exchange, redact_headers
from tests.support.fake_api import FakeMessagesAPI, error_reply, reply, text

KEY = "sk-ant-http-log-secret-0123456789"


def captured_exchange(api: FakeMessagesAPI):
    """Send one real request through the SDK and build the record from the live httpx objects."""
    seen = {}

    def hook(response):
        response.read()
        seen["request"], seen["response"] = response.request, response

    client = anthropic.Anthropic(
        api_key=KEY,
        base_url=api.base_url,
        max_retries=0,
        http_client=httpx.Client(event_hooks={"response": [hook]}),
    )
    error = None
    try:
        client.messages.create(
            model="claude-opus-4-7",
            max_tokens=64,
            messages=[{"role": "user", "content": f"my key is {KEY}"}],
        )
    except anthropic.APIStatusError as exc:
        error = exc
    finally:
        client.close()
    return make_exchange(seen["request"], seen["response"], error, secrets=[KEY])


def test_request_is_logged_without_the_key():
    with FakeMessagesAPI() as api:
        api.script(reply(text("hello")))
        exchange = captured_exchange(api)
    assert exchange.method == "POST" and exchange.url.endswith("/v1/messages")
    assert exchange.status == 200
    credential_headers = {
        k: v for k, v in exchange.request_headers.items() if k in ("x-api-key", "authorization")
    }
    assert credential_headers and set(credential_headers.values()) == {"[redacted]"}
    everything = json.dumps(exchange.__dict__, default=str)
    assert KEY not in everything
    assert '"model": "claude-opus-4-7"' in exchange.request_body
    assert "hello" in exchange.response_body


def test_error_response_is_logged_with_status_and_message():
    with FakeMessagesAPI() as api:
        api.script(error_reply(429, message="slow down", retry_after=None))
        exchange = captured_exchange(api)
    assert exchange.status == 429
    assert exchange.error and "RateLimitError" in exchange.error
    assert "slow down" in exchange.response_body
    assert KEY not in json.dumps(exchange.__dict__, default=str)


def test_redact_headers_by_name_and_by_value():
    headers = {"Authorization": "Bearer abc", "X-Api-Key": "k", "x-custom": f"token {KEY}", "accept": "json"}
    out = redact_headers(headers, [KEY])
    assert out == {
        "Authorization": "[redacted]",
        "X-Api-Key": "[redacted]",
        "x-custom": "token [redacted API key]",
        "accept": "json",
    }


def test_images_in_bodies_are_shortened():
    data = base64.b64encode(b"\x89PNG" + b"\0" * 30000).decode()
    body = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}
                ],
            }
        ]
    }
    shown = body_text(json.dumps(body).encode(), [])
    assert data not in shown and "<base64 image/png, 29 KB>" in shown


def test_non_json_body_is_shown_as_text():
    assert body_text(b"event: ping\n", []) == "event: ping\n"
    assert body_text(None, []) == ""


def test_unreadable_streamed_response_does_not_raise():
    request = httpx.Request("POST", "http://127.0.0.1/v1/messages", json={"a": 1})

    def stream():
        yield b"data"

    response = httpx.Response(200, request=request, content=stream())
    exchange = make_exchange(request, response, None, secrets=[])
    assert exchange.status == 200 and "streamed response" in exchange.response_body


def render_script(count: int):
    from computer_use_demo.ui.http_log import HttpExchange, render_exchanges

    exchanges = [
        HttpExchange(
            time=0, method="POST", url=f"http://x/{i}", request_headers={}, request_body="", status=200
        )
        for i in range(count)
    ]
    render_exchanges(exchanges)


def test_the_log_shows_the_newest_exchanges_first_and_caps_them():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(render_script, kwargs={"count": 25})
    at.run()
    titles = [e.label for e in at.expander]
    assert (
        len(titles) == 20
        and titles[0].endswith("http://x/24 → 200")
        and titles[-1].endswith("http://x/5 → 200")
    )
    assert "newest 20 of 25" in at.caption[0].value
    empty = AppTest.from_function(render_script, kwargs={"count": 0})
    empty.run()
    assert "No API requests yet" in empty.caption[0].value
