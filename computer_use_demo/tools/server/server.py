"""The desktop tool server: listens on a Unix socket or TCP and serves each client in its own session.

Who may connect:
- Unix socket: the socket file is created 0660 (its directory decides which group reaches it), and the
  kernel's peer credentials (SO_PEERCRED) must name an allowed uid, by default only the server's own.
  In the image the server runs as the desktop user and allows only the app user (and root).
- TCP: every client must present the per-desktop token in its `hello` (compared in constant time).
  A TCP server without a token refuses to start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path

from computer_use_demo.desktop.reset import DEFAULT_SCRIPT
from computer_use_demo.tools.server.address import ServerAddress
from computer_use_demo.tools.server.protocol import encode_frame
from computer_use_demo.tools.server.session import ClientSession, SessionConfig

log = logging.getLogger(__name__)

SOCKET_MODE = 0o660
_PEERCRED = struct.Struct("3i")  # pid, uid, gid


@dataclass(frozen=True)
class ServerConfig:
    token: str | None = None
    allowed_uids: frozenset[int] = field(default_factory=lambda: frozenset({os.getuid()}))
    reset_script: Path = DEFAULT_SCRIPT


def peer_credentials(sock: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process at the other end of a Unix socket, from the kernel."""
    return _PEERCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size))


class ToolServer:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[None]] = set()
        self._address: ServerAddress | None = None

    @property
    def address(self) -> ServerAddress:
        """Where it listens (for TCP with port 0, the port the system chose)."""
        if self._server is None or self._address is None:
            raise RuntimeError("the server is not started")
        if self._address.kind == "tcp":
            host, port = self._server.sockets[0].getsockname()[:2]
            return ServerAddress("tcp", host=host, port=port)
        return self._address

    async def start(self, address: ServerAddress) -> None:
        if address.kind == "tcp":
            if not self.config.token:
                raise ValueError(
                    "a TCP tool server needs a token (--token-file): anyone could connect otherwise"
                )
            self._server = await asyncio.start_server(self._accept_tcp, address.host, address.port)
        else:
            self._server = await _start_unix(self._accept_unix, Path(address.path))
        self._address = address
        log.info("tool server listening on %s", self.address)

    async def serve_forever(self) -> None:
        assert self._server is not None
        await self._server.serve_forever()

    async def close(self) -> None:
        """Stop listening and end every session (their shells are killed)."""
        if self._server is not None:
            self._server.close()
        for task in list(self._sessions):
            task.cancel()
        await asyncio.gather(*self._sessions, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)
        if self._address is not None and self._address.kind == "unix":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._address.path)

    async def _accept_unix(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pid, uid, _gid = peer_credentials(writer.get_extra_info("socket"))
        peer = f"uid {uid} pid {pid}"
        if uid not in self.config.allowed_uids:
            log.warning("refused %s: not an allowed uid (%s)", peer, sorted(self.config.allowed_uids))
            error = f"uid {uid} may not use this tool server"
            with contextlib.suppress(Exception):
                writer.write(encode_frame({"id": None, "ok": False, "error": error, "fatal": True}))
                await writer.drain()
            writer.close()
            return
        await self._run_session(reader, writer, peer)

    async def _accept_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        host, port = writer.get_extra_info("peername")[:2]
        await self._run_session(reader, writer, f"{host}:{port}")

    async def _run_session(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str
    ) -> None:
        config = SessionConfig(token=self.config.token, reset_script=self.config.reset_script)
        task = asyncio.current_task()
        assert task is not None
        self._sessions.add(task)
        try:
            await ClientSession(reader, writer, config, peer=peer).run()
        finally:
            self._sessions.discard(task)


async def _start_unix(handler, path: Path) -> asyncio.Server:
    """Bind the socket 0660 from the start (no moment where others could connect)."""
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            raise FileExistsError(f"{path} exists and is not a socket: not replacing it")
        os.unlink(path)  # a stale socket of an earlier server
    previous = os.umask(0o777 & ~SOCKET_MODE)
    try:
        server = await asyncio.start_unix_server(handler, path=str(path))
    finally:
        os.umask(previous)
    os.chmod(path, SOCKET_MODE)
    return server
