"""The tool server over real sockets: who may connect (peer uid, token), what breaks a connection
(oversized frames, foreign versions), and what a client's departure ends (its shell)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import stat
import struct
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from computer_use_demo.tools.server.address import ServerAddress, parse_address
from computer_use_demo.tools.server.client import ConnectionLost, ToolServerClient, ToolServerError
from computer_use_demo.tools.server.protocol import encode_frame, read_frame
from computer_use_demo.tools.server.server import ServerConfig, ToolServer

TOKEN = "per-desktop-token-0123456789"
NOBODY = 65534


@pytest.fixture
async def unix_server(tmp_path: Path) -> AsyncIterator[ToolServer]:
    server = ToolServer(ServerConfig())
    await server.start(ServerAddress("unix", path=str(tmp_path / "tools.sock")))
    yield server
    await server.close()


@pytest.fixture
async def tcp_server() -> AsyncIterator[ToolServer]:
    server = ToolServer(ServerConfig(token=TOKEN))
    await server.start(ServerAddress("tcp", host="127.0.0.1", port=0))
    yield server
    await server.close()


async def exchange(address: ServerAddress, *frames: bytes, expect: int = 1) -> list[dict]:
    """Send raw frames, then read `expect` responses (fewer if the server closes first)."""
    if address.kind == "unix":
        reader, writer = await asyncio.open_unix_connection(address.path)
    else:
        reader, writer = await asyncio.open_connection(address.host, address.port)
    for frame in frames:
        writer.write(frame)
    await writer.drain()
    responses = []
    try:
        while len(responses) < expect:
            message = await asyncio.wait_for(read_frame(reader), 10)
            if message is None:
                break
            responses.append(message)
    except (TimeoutError, ConnectionError):
        pass
    writer.close()
    return responses


def hello(token: str | None = None, request_id: int = 1) -> bytes:
    return encode_frame({"id": request_id, "op": "hello", **({"token": token} if token else {})})


async def test_unix_socket_is_0660_and_answers_its_own_uid(unix_server: ToolServer) -> None:
    mode = stat.S_IMODE(os.stat(unix_server.address.path).st_mode)
    assert mode == 0o660
    (welcome, pong) = await exchange(
        unix_server.address, hello(), encode_frame({"id": 2, "op": "ping"}), expect=2
    )
    assert welcome["ok"] and welcome["server"]["protocol"] == 1 and welcome["server"]["pid"] == os.getpid()
    assert pong == {"v": 1, "id": 2, "ok": True}


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to act as another uid"
)
async def test_another_uid_is_refused_by_the_socket_mode_and_by_peer_credentials() -> None:
    probe = (
        "import socket, struct, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "try:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    print('EACCES'); sys.exit()\n"
        # The server answers a refused peer at once, before any hello.
        "n = struct.unpack('>I', s.recv(4))[0]\nprint(s.recv(n).decode())\n"
    )
    folder = Path(tempfile.mkdtemp(prefix="tool-server-"))  # pytest's own folders are closed to others
    os.chmod(folder, 0o755)
    unix_server = ToolServer(ServerConfig())
    await unix_server.start(ServerAddress("unix", path=str(folder / "tools.sock")))

    def as_nobody() -> str:
        done = subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
             "/usr/bin/python3", "-c", probe, unix_server.address.path],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        return done.stdout.strip() + done.stderr.strip()

    try:
        assert await asyncio.to_thread(as_nobody) == "EACCES"
        os.chmod(unix_server.address.path, 0o666)  # even with the file open to all, the kernel names the peer
        answer = json.loads(await asyncio.to_thread(as_nobody))
    finally:
        await unix_server.close()
        shutil.rmtree(folder)
    assert answer["ok"] is False and answer["error"] == f"uid {NOBODY} may not use this tool server"


async def test_tcp_needs_the_token(tcp_server: ToolServer) -> None:
    address = tcp_server.address
    assert (await exchange(address, hello(TOKEN)))[0]["ok"] is True
    for bad in (None, "wrong-token-0123456789", TOKEN[:-1]):
        (refusal,) = await exchange(address, hello(bad), encode_frame({"id": 2, "op": "ping"}), expect=2)
        assert refusal == {"v": 1, "id": 1, "ok": False, "error": "the tool server token is wrong or missing"}


async def test_tcp_without_a_token_does_not_start() -> None:
    with pytest.raises(ValueError, match="needs a token"):
        await ToolServer(ServerConfig()).start(ServerAddress("tcp", host="127.0.0.1", port=0))


async def test_oversized_frame_ends_the_connection_with_a_clear_error(tcp_server: ToolServer) -> None:
    huge = struct.pack(">I", 200 * 1024 * 1024)
    welcome, error = await exchange(tcp_server.address, hello(TOKEN), huge, expect=2)
    assert welcome["ok"]
    assert error["fatal"] and "frame of 209715200 bytes exceeds the limit of 67108864 bytes" in error["error"]
    # Before the handshake the limit is far lower: nobody unauthenticated makes the server buffer megabytes.
    (early,) = await exchange(tcp_server.address, struct.pack(">I", 1024 * 1024))
    assert "exceeds the limit of 65536 bytes" in early["error"]


async def test_version_mismatch_is_refused_with_both_versions(unix_server: ToolServer) -> None:
    frame = json.dumps({"v": 2, "id": 1, "op": "hello"}).encode()
    (error,) = await exchange(unix_server.address, struct.pack(">I", len(frame)) + frame)
    assert error["fatal"] and error["error"] == (
        "protocol version 2 is not supported: this side speaks version 1"
    )


async def test_requests_before_hello_and_unknown_ops_are_errors(unix_server: ToolServer) -> None:
    (early,) = await exchange(unix_server.address, encode_frame({"id": 1, "op": "ping"}))
    assert "first request must be 'hello'" in early["error"]
    _, unknown, not_open, bad_version = await exchange(
        unix_server.address,
        hello(),
        encode_frame({"id": 2, "op": "fly"}),
        encode_frame({"id": 3, "op": "call", "name": "bash", "input": {"command": "true"}}),
        encode_frame({"id": 4, "op": "open", "tool_version": "computer_use_1999", "image_tier": "standard"}),
        expect=4,
    )
    assert unknown["error"] == "unknown op 'fly'"
    assert not_open["error"] == "no tools are open: send 'open' first"
    assert "unknown tool version 'computer_use_1999'" in bad_version["error"]


async def test_client_reports_a_refusal_and_a_vanished_server(tcp_server: ToolServer) -> None:
    with pytest.raises(ToolServerError, match="token is wrong or missing"):
        await asyncio.to_thread(ToolServerClient(tcp_server.address, token="x" * 20).connect)
    client = await asyncio.to_thread(ToolServerClient(tcp_server.address, token=TOKEN).connect)
    assert (await client.request("ping"))["ok"]
    await tcp_server.close()
    with pytest.raises(ConnectionLost):
        await client.request("ping")
    await client.close()


def test_addresses_parse_or_say_what_is_expected() -> None:
    assert parse_address("unix:/run/x.sock") == ServerAddress("unix", path="/run/x.sock")
    assert parse_address("tcp://10.0.0.2:7000") == ServerAddress("tcp", host="10.0.0.2", port=7000)
    assert str(parse_address("tcp://[::1]:7000")) == "tcp://[::1]:7000"
    for bad in ("unix:relative.sock", "tcp://host", "http://x:1", "tcp://h:99999"):
        with pytest.raises(ValueError, match="tool server address"):
            parse_address(bad)
