"""A fake Claude Messages API over real HTTP on loopback, for tests and benchmarks.

The real `anthropic` SDK talks to it through `ANTHROPIC_BASE_URL` (or a client's
`base_url`), so everything between our code and the socket is real.

    api = FakeMessagesAPI().start()
    api.script(reply(tool_use("bash", {"command": "ls"})), reply(text("done")))
    ...  # run the code under test with base_url=api.base_url
    api.requests[0].body["tools"]      # every request is recorded (headers + JSON body)
    api.stop()

Scripted turns are served in order; when the script runs out, `responder` (if
set) builds a turn from the request, else the server answers 400 so a test that
makes too many requests fails loudly. Streaming requests get SSE (`message_start`,
`content_block_*` with text/input_json/thinking/signature deltas, `message_delta`,
`message_stop`, `ping`); others get JSON. Faults: any HTTP status with an error
body and headers (`error_reply`), a mid-stream `error` event after HTTP 200
(`stream_error`), a connection dropped mid-answer (`dropped_stream`), slow streams (`event_delay`),
an event that is not JSON (`garbled_stream`), events out of order or for a block never started
(`misordered_stream`), a tool input cut off mid-JSON (`cut_off_tool_input`), or any other change to the
streamed events (`Turn.rewrite_events`).

With `validate=True` (default) requests are checked like the real API checks
them (≤ 4 cache breakpoints, every tool_use answered in the next user message (tool results first),
no image inside an is_error result, the 20-image/2000 px rule, unique tool
names, no toolset beside a tool named `computer`); a violation is a 400.

Bedrock (`/model/{id}/invoke-with-response-stream`, AWS event-stream frames)
and Vertex (`...:streamRawPredict`) paths are served too, so the cloud clients
can be driven end to end.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.support.fake_api_requests import (
    CacheSimulator,
    InvalidRequest,
    RecordedRequest,
    estimate_block_tokens,
    prefix_units,
    validate_request,
)
from tests.support.fake_api_script import (
    Block,
    Events,
    Turn,
    cut_off_tool_input,
    dropped_stream,
    error_reply,
    garbled_stream,
    member,
    misordered_stream,
    next_id,
    redacted_thinking,
    reply,
    stream_error,
    text,
    thinking,
    tool_use,
)
from tests.support.fake_api_wire import bedrock_frame, message_events, sse

__all__ = [
    "Block",
    "FakeMessagesAPI",
    "RecordedRequest",
    "Turn",
    "cut_off_tool_input",
    "dropped_stream",
    "error_reply",
    "fake_api",
    "garbled_stream",
    "member",
    "misordered_stream",
    "redacted_thinking",
    "reply",
    "stream_error",
    "text",
    "thinking",
    "tool_use",
]


# ---------------------------------------------------------------- scripted turns
# ---------------------------------------------------------------- the server


class FakeMessagesAPI:
    """A scripted Messages API on 127.0.0.1. Thread-safe; start() returns self."""

    def __init__(
        self,
        *,
        validate: bool = True,
        simulate_cache: bool = True,
        chunk_chars: int = 12,
        record_sent: bool = False,
    ) -> None:
        self.validate = validate
        self.simulate_cache = simulate_cache
        self.chunk_chars = chunk_chars
        # With record_sent: (time.monotonic(), bytes) of every streamed chunk as it was written (benchmarks).
        self.record_sent = record_sent
        self.sent: list[tuple[float, bytes]] = []
        self.requests: list[RecordedRequest] = []
        self.responder: Callable[[RecordedRequest], Turn] | None = None
        self.cache = CacheSimulator()
        self._turns: deque[Turn] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle
    def start(self) -> FakeMessagesAPI:
        api = self

        class Handler(_Handler):
            fake = api

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-messages-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeMessagesAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake API first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- scripting
    def script(self, *turns: Turn) -> FakeMessagesAPI:
        with self._lock:
            self._turns.extend(turns)
        return self

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._turns)

    def message_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST"]

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

    def _next_turn(self, request: RecordedRequest) -> Turn:
        with self._lock:
            if self._turns:
                return self._turns.popleft()
        if self.responder is not None:
            return self.responder(request)
        return Turn(
            status=400,
            error={
                "type": "invalid_request_error",
                "message": "fake API: no scripted turn left for this request",
            },
        )


class _Handler(BaseHTTPRequestHandler):
    fake: FakeMessagesAPI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        received_at = time.monotonic()  # before parsing: the server's own work is not the client's time
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        request = RecordedRequest(
            method="POST",
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            raw_size=len(raw),
            received_at=received_at,
        )
        with self.fake._lock:
            self.fake.requests.append(request)
        if not self.path.split("?")[0].endswith(
            ("/v1/messages", "invoke-with-response-stream", "/invoke", ":streamRawPredict", ":rawPredict")
        ):
            self._send_error(
                request,
                Turn(
                    status=404,
                    error={"type": "not_found_error", "message": f"fake API: no route {self.path}"},
                ),
            )
            return
        if self.fake.validate:
            try:
                validate_request(body)
            except InvalidRequest as exc:
                self._send_error(
                    request, Turn(status=400, error={"type": "invalid_request_error", "message": str(exc)})
                )
                return
        turn = self.fake._next_turn(request)
        if turn.status != 200:
            self._send_error(request, turn)
        elif request.stream:
            self._send_stream(request, turn)
        else:
            self._send_json(request, 200, self._message(request, turn), turn.headers)

    def do_GET(self) -> None:
        self._send_json(
            None, 404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}}
        )

    # -- answers
    def _message(self, request: RecordedRequest, turn: Turn) -> Block:
        usage = dict(turn.usage) if turn.usage is not None else self._usage(request)
        usage.setdefault("output_tokens", sum(estimate_block_tokens(b) for b in turn.blocks) or 1)
        return {
            "id": next_id("msg"),
            "type": "message",
            "role": "assistant",
            "model": turn.model or request.model or "claude-fake",
            "content": turn.blocks,
            "stop_reason": turn.resolved_stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }

    def _usage(self, request: RecordedRequest) -> dict[str, int]:
        if self.fake.simulate_cache:
            return self.fake.cache.usage(request.body)
        total = sum(t for _, t, _ in prefix_units(request.body))
        return {"input_tokens": total, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}

    def _send_error(self, request: RecordedRequest | None, turn: Turn) -> None:
        body = {
            "type": "error",
            "error": turn.error or {"type": "api_error", "message": "fake error"},
            "request_id": next_id("req_fake"),
        }
        self._send_json(request, turn.status, body, turn.headers)

    def _send_json(
        self,
        request: RecordedRequest | None,
        status: int,
        payload: Block,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", next_id("req_fake"))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self._done(request, status)

    def _send_stream(self, request: RecordedRequest, turn: Turn) -> None:
        bedrock = "invoke-with-response-stream" in request.path
        self.send_response(200)
        self.send_header(
            "content-type", "application/vnd.amazon.eventstream" if bedrock else "text/event-stream"
        )
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", next_id("req_fake"))
        for name, value in turn.headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            message = self._message(request, turn)
            events: Events = list(message_events(message, chunk_chars=self.fake.chunk_chars))
            if turn.rewrite_events is not None:
                events = turn.rewrite_events(events)
            for count, event in enumerate(events):
                if turn.error_after_events is not None and count == turn.error_after_events:
                    error = {"type": "error", "error": turn.error}
                    self._write_chunk(bedrock_frame(error, error=True) if bedrock else sse("error", error))
                    break
                if turn.drop_after_events is not None and count == turn.drop_after_events:
                    self.close_connection = True  # no final chunk: the client sees a broken response
                    self._done(request, 200)
                    return
                if turn.event_delay:
                    time.sleep(turn.event_delay)
                self._write_chunk(_encode(event, bedrock=bedrock))
            self._write_chunk(b"")
        except (BrokenPipeError, ConnectionResetError):  # the client went away (cancelled)
            self.close_connection = True
        self._done(request, 200)

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()
        if self.fake.record_sent:
            self.fake.sent.append((time.monotonic(), data))

    def _done(self, request: RecordedRequest | None, status: int) -> None:
        if request is not None:
            request.status = status
            request.responded_at = time.monotonic()


def _encode(event: Block | bytes, *, bedrock: bool) -> bytes:
    if isinstance(event, bytes):  # a rewrite's raw wire text
        return event
    return bedrock_frame(event) if bedrock else sse(event["type"], event)


# ---------------------------------------------------------------- pytest fixture


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    """A running fake API; ANTHROPIC_BASE_URL and a dummy ANTHROPIC_API_KEY point the SDK at it."""
    with FakeMessagesAPI() as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-test-key")
        yield api
