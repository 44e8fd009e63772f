"""The HTTP exchange log: what was sent to the API and what came back, with secrets removed.

Records are plain data made at callback time (on the loop's thread), so the UI never touches live HTTP
objects.
Credential headers are redacted by name, and any header or body text containing the API key is scrubbed too.
Base64 images are shortened to a size note: the log is for reading, not for replaying.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from computer_use_demo.agent.errors import safe_attr
from computer_use_demo.ui.config_store import scrub

SECRET_HEADERS = frozenset(
    {
        "x-api-key",
        "authorization",
        "proxy-authorization",
        "x-goog-api-key",
        "cookie",
        "set-cookie",
        "x-amz-security-token",
    }
)
REDACTED = "[redacted]"
MAX_BODY_CHARS = 200_000
# Every request repeats the conversation, so the page shows only the newest exchanges.
MAX_SHOWN = 20


@dataclass(frozen=True)
class HttpExchange:
    time: float
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    error: str | None = None

    @property
    def title(self) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(self.time))
        outcome = str(self.status) if self.status is not None else "no response"
        if self.error:
            outcome += f" · {self.error.splitlines()[0][:80]}"
        return f"{stamp} {self.method} {self.url} → {outcome}"


def redact_headers(headers: Any, secrets: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    if not headers:
        return out
    for name, value in headers.items():
        if str(name).lower() in SECRET_HEADERS:
            out[str(name)] = REDACTED
        else:
            out[str(name)] = scrub(str(value), secrets)
    return out


def _shorten_images(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get("type") == "base64" and isinstance(node.get("data"), str):
            size_kb = len(node["data"]) * 3 // 4 // 1024
            return {**node, "data": f"<base64 {node.get('media_type', 'data')}, {size_kb} KB>"}
        return {key: _shorten_images(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_shorten_images(item) for item in node]
    return node


def body_text(raw: bytes | str | None, secrets: list[str]) -> str:
    """A readable, secret-free rendering of an HTTP body: pretty JSON when it is JSON."""
    if raw is None:
        return ""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    with contextlib.suppress(ValueError):  # not JSON: shown as it is
        text = json.dumps(_shorten_images(json.loads(text)), indent=2, ensure_ascii=False)
    text = scrub(text, secrets)
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS] + f"\n… ({len(text) - MAX_BODY_CHARS} more characters)"
    return text


def _request_content(request: Any) -> bytes | None:
    try:
        return request.content
    except Exception:  # a streamed request body cannot be read again
        return None


def _response_content(response: Any) -> str:
    if response is None:
        return ""
    if isinstance(response, (str, bytes, dict, list)):
        return response if isinstance(response, (str, bytes)) else json.dumps(response)
    try:
        return response.text
    except Exception:  # a streaming response that has been consumed (or not read) has no text to show
        return "(streamed response: see the chat for its content)"


def make_exchange(
    request: Any, response: Any, error: BaseException | None, secrets: list[str]
) -> HttpExchange:
    """Build a record from the loop's `api_response_callback(request, response, error)` arguments."""
    if request is None:
        request = safe_attr(error, "request") or safe_attr(response, "request")
    status = getattr(response, "status_code", None)
    if status is None and error is not None:
        status = getattr(error, "status_code", None)
    error_response = safe_attr(error, "response") if error is not None else None
    shown_response = response if response is not None and hasattr(response, "status_code") else error_response
    error_text = None
    if error is not None:
        error_text = scrub(f"{type(error).__name__}: {error}", secrets)
    return HttpExchange(
        time=time.time(),
        method=str(getattr(request, "method", "?")),
        url=scrub(str(getattr(request, "url", "?")), secrets),
        request_headers=redact_headers(getattr(request, "headers", None), secrets),
        request_body=body_text(_request_content(request) if request is not None else None, secrets),
        status=status,
        response_headers=redact_headers(getattr(shown_response, "headers", None), secrets),
        response_body=body_text(
            _response_content(shown_response if shown_response is not None else response), secrets
        ),
        error=error_text,
    )


def render_exchanges(exchanges: list[HttpExchange]) -> None:
    import streamlit as st

    if not exchanges:
        st.caption("No API requests yet. Each request and its response will appear here, newest first.")
        return
    shown = exchanges[-MAX_SHOWN:]
    if len(exchanges) > len(shown):
        st.caption(f"Showing the newest {len(shown)} of {len(exchanges)} exchanges.")
    for index, exchange in enumerate(reversed(shown)):
        with st.expander(exchange.title, expanded=index == 0):
            request_tab, response_tab = st.tabs(["Request", "Response"])
            with request_tab:
                st.markdown("**Headers**")
                st.json(exchange.request_headers, expanded=True)
                st.markdown("**Body**")
                st.code(exchange.request_body or "(empty)", language="json")
            with response_tab:
                if exchange.error:
                    st.error(exchange.error)
                st.markdown("**Headers**")
                st.json(exchange.response_headers, expanded=True)
                st.markdown("**Body**")
                st.code(exchange.response_body or "(empty)", language="json")
