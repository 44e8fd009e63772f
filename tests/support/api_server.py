"""The HTTP API on a real socket for tests: uvicorn on a free loopback port in a thread of its own.

    with running_api(ServiceState.open(owner="the HTTP API")) as api:
        with api.client() as http:                       # httpx, the bearer token already set
            http.post("/conversations", json={"task": "..."})

The `api` fixture gives every test a private config folder (store, token) and lock folder, with the fake
Messages API behind it (its URL and a dummy key in the environment, as the SDK reads them).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import httpx_sse
import pytest
import uvicorn

from computer_use_demo.api.app import create_app
from computer_use_demo.mcp.http import McpHttpEndpoint
from computer_use_demo.service.state import ServiceState

TOKEN = "test-token-0123456789abcdef"


@dataclass
class RunningApi:
    base_url: str
    token: str
    state: ServiceState

    def client(self, *, token: str | None = None, **options: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30, **options)

    def anonymous(self, **options: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30, **options)


@contextlib.contextmanager
def running_api(
    state: ServiceState, *, token: str = TOKEN, mcp: bool = True, **app_options: Any
) -> Iterator[RunningApi]:
    """The app as `serve` builds it (with MCP at /mcp unless `mcp` is false), served on a free port."""
    endpoints = {"/mcp": McpHttpEndpoint} if mcp else {}
    app = create_app(state, token=token, endpoints=endpoints, **app_options)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.01)
    try:
        yield RunningApi(f"http://127.0.0.1:{port}", token, state)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def read_events(
    http, conversation_id: str, last_event_id: int | None = None, limit: int | None = None, until: str = ""
) -> list:
    """The events as a client reads them, until the server ends the stream (or `limit` events, or the
    first of type `until`)."""
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    seen = []
    with httpx_sse.connect_sse(
        http, "GET", f"/conversations/{conversation_id}/events", headers=headers
    ) as source:
        assert source.response.headers["content-type"].startswith("text/event-stream")
        for event in source.iter_sse():
            seen.append(event)
            if (limit is not None and len(seen) >= limit) or event.event == until:
                break
    return seen


def private_folders(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store, the token file and the desktop lock in the test's own folders."""
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", str(tmp_path / "locks"))
    (tmp_path / "locks").mkdir(exist_ok=True)


@pytest.fixture
def api(tmp_path, monkeypatch, fake_api) -> Iterator[RunningApi]:
    private_folders(tmp_path, monkeypatch)
    with running_api(ServiceState.open(owner="the HTTP API")) as running:
        yield running
