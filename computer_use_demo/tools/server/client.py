"""A connection to a desktop tool server.

The handshake is blocking (`connect`, `request_blocking`): tool collections are built synchronously and
must know the tools' parameters at once. The first `await request(...)` hands the socket to the running
event loop; from then on requests may overlap, and cancelling one sends `cancel` so the server stops the
call too (a bash command is killed with its process group, as in-process).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import socket
import time
from typing import Any

from computer_use_demo.desktop.reset import ResetOutcome
from computer_use_demo.tools.server.address import ServerAddress
from computer_use_demo.tools.server.protocol import (
    ProtocolError,
    encode_frame,
    read_frame,
    recv_frame_blocking,
)

CONNECT_TIMEOUT_S = 10.0
# A server being restarted by its supervisor is back within a few seconds.
_RETRY_ERRNOS = {errno.ENOENT, errno.ECONNREFUSED, errno.EAGAIN}


class ToolServerError(Exception):
    """The server answered a request with an error."""


class ConnectionLost(ToolServerError):
    """The connection to the server is gone (server stopped, network, protocol error)."""


class ToolServerClient:
    def __init__(self, address: ServerAddress, *, token: str | None = None) -> None:
        self.address = address
        self.token = token
        self.server_info: dict[str, Any] = {}
        self._sock: socket.socket | None = None
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._lost: str | None = None

    @property
    def lost(self) -> str | None:
        """Why the connection ended, or None while it is usable."""
        return self._lost

    # -- the blocking phase ----------------------------------------------------------------------------

    def connect(self, *, timeout: float = CONNECT_TIMEOUT_S) -> ToolServerClient:
        """Connect and say hello (retrying while the server is not there yet, up to `timeout`)."""
        self._sock = _open_socket(self.address, timeout)
        self._sock.settimeout(timeout)
        hello: dict[str, Any] = {"token": self.token} if self.token else {}
        try:
            self.server_info = self.request_blocking("hello", **hello).get("server", {})
        except BaseException:
            self.close_blocking()
            raise
        return self

    def close_blocking(self) -> None:
        """Close a connection that never went async (after a handshake-only use)."""
        self._lost = self._lost or "the connection was closed"
        if self._sock is not None and self._writer is None:
            self._sock.close()

    def request_blocking(self, op: str, *, timeout: float | None = None, **fields: Any) -> dict[str, Any]:
        if self._sock is None or self._loop is not None:
            raise RuntimeError("request_blocking is only for the handshake, before the first await")
        request_id = next(self._ids)
        if timeout is not None:
            self._sock.settimeout(timeout)
        try:
            self._sock.sendall(encode_frame({"id": request_id, "op": op, **fields}))
            response = recv_frame_blocking(self._sock)
        except (OSError, ProtocolError) as exc:
            raise ConnectionLost(f"the tool server at {self.address} did not answer {op!r}: {exc}") from None
        return _checked(response, request_id, op)

    # -- the async phase -------------------------------------------------------------------------------

    async def request(self, op: str, **fields: Any) -> dict[str, Any]:
        await self._attach()
        assert self._writer is not None and self._loop is not None
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self._pending[request_id] = future
        try:
            self._writer.write(encode_frame({"id": request_id, "op": op, **fields}))
            await self._writer.drain()
            response = await future
        except asyncio.CancelledError:
            if self._lost is None:  # tell the server to stop it too; no need to wait
                with contextlib.suppress(Exception):
                    self._writer.write(encode_frame({"id": None, "op": "cancel", "target": request_id}))
            raise
        except (ConnectionError, RuntimeError) as exc:
            self._mark_lost(f"{type(exc).__name__}: {exc}")
            raise ConnectionLost(self._lost or str(exc)) from None
        finally:
            self._pending.pop(request_id, None)
        return _checked(response, request_id, op)

    async def _attach(self) -> None:
        if self._lost is not None:
            raise ConnectionLost(self._lost)
        running = asyncio.get_running_loop()
        if self._loop is running:
            return
        if self._loop is not None:
            self._mark_lost("the connection belongs to an earlier event loop")
            raise ConnectionLost(self._lost or "")
        if self._sock is None:
            raise RuntimeError("connect() first")
        self._sock.setblocking(False)
        if self.address.kind == "unix":
            reader, self._writer = await asyncio.open_unix_connection(sock=self._sock)
        else:
            reader, self._writer = await asyncio.open_connection(sock=self._sock)
        self._loop = running
        self._reader_task = running.create_task(self._read_responses(reader))

    async def _read_responses(self, reader: asyncio.StreamReader) -> None:
        reason = "the tool server closed the connection"
        try:
            while (message := await read_frame(reader)) is not None:
                future = self._pending.get(message.get("id"))  # type: ignore[arg-type]
                if future is not None and not future.done():
                    future.set_result(message)
                elif message.get("fatal"):
                    reason = f"the tool server ended the connection: {message.get('error')}"
                    break
        except (OSError, ProtocolError) as exc:
            reason = f"the connection to the tool server broke: {exc}"
        self._mark_lost(reason)

    def _mark_lost(self, reason: str) -> None:
        if self._lost is None:
            self._lost = reason
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionLost(self._lost))

    async def close(self) -> None:
        self._mark_lost("the connection was closed")
        if self._writer is None:
            self.close_blocking()
            return
        if self._loop is not asyncio.get_running_loop():
            with contextlib.suppress(Exception):
                self._writer.transport.abort()
            return
        self._writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._writer.wait_closed(), 5)
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(BaseException):
                await self._reader_task


def _checked(response: dict[str, Any], request_id: int, op: str) -> dict[str, Any]:
    if response.get("id") not in (request_id, None):
        raise ConnectionLost(f"the tool server answered request {response.get('id')}, not {request_id}")
    if not response.get("ok"):
        error = response.get("error") or "no reason given"
        raise (ConnectionLost if response.get("fatal") else ToolServerError)(f"{op}: {error}")
    return response


def _open_socket(address: ServerAddress, timeout: float) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if address.kind == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    sock.settimeout(timeout)
                    sock.connect(address.path)
                except BaseException:
                    sock.close()
                    raise
                return sock
            sock = socket.create_connection((address.host, address.port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            return sock
        except OSError as exc:
            if exc.errno not in _RETRY_ERRNOS or time.monotonic() >= deadline:
                raise ConnectionLost(
                    f"cannot connect to the tool server at {address}: {exc.strerror or exc}"
                ) from None
            time.sleep(0.1)


def reset_through_server(address: ServerAddress, *, token: str | None, timeout: float) -> ResetOutcome:
    """Ask the desktop's own user to restart the desktop (the app may not touch its processes)."""
    client = ToolServerClient(address, token=token).connect()
    try:
        reset = client.request_blocking("reset_desktop", timeout=timeout + 10).get("reset") or {}
    finally:
        client.close_blocking()
    return ResetOutcome(bool(reset.get("ok")), str(reset.get("message", "")), str(reset.get("output", "")))
