"""The tool server's wire format, the same over a Unix socket and over TCP.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON: one object carrying
`"v": PROTOCOL_VERSION`. Screenshots travel inside it as the base64 PNG the API takes anyway, so nothing
is re-encoded on either side. A frame over the size limit, a payload that is not a JSON object and a
version this side does not speak are `ProtocolError`s with a message saying which.

Requests carry `id` (an integer the client picks) and `op`; every request gets exactly one response
with the same `id` and `ok`, plus `error` when `ok` is false. A broken connection (bad frame, version,
refused peer) gets one last `{"id": null, "ok": false, "fatal": true, "error": ...}` before it is closed.
The ops:

- `hello {token?}` first: `{server: {...}}`. Over TCP the token is required.
- `open {tool_version, image_tier}`: builds that tool group on the desktop; `{tools: [description]}`.
- `call {name, input, toolset_name?}`: `{result}` (a tool failure is a result, not `ok: false`).
- `finish_batch {toolset_name, result}`: the toolset's closing screenshot; `{result}`.
- `cancel {target}`: cancels a running request, whose response then says `cancelled`. No response.
- `reset_desktop`: `{reset: {ok, message, output}}`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from typing import Any

from computer_use_demo.tools.base import CLIResult, ToolFailure, ToolResult

PROTOCOL_VERSION = 1
HEADER = struct.Struct(">I")
# A 4K screenshot is a few MB of base64; the editor may create large files. Beyond this, something is wrong.
MAX_FRAME_BYTES = 64 * 1024 * 1024
# Before a client has authenticated it gets no more than this.
MAX_HELLO_BYTES = 64 * 1024


class ProtocolError(Exception):
    """The peer broke the protocol (bad frame, size, version); the connection cannot go on."""


def encode_frame(message: dict[str, Any], *, max_bytes: int = MAX_FRAME_BYTES) -> bytes:
    payload = json.dumps({"v": PROTOCOL_VERSION, **message}, separators=(",", ":")).encode("utf-8")
    if len(payload) > max_bytes:
        raise ProtocolError(f"message of {len(payload)} bytes exceeds the frame limit of {max_bytes} bytes")
    return HEADER.pack(len(payload)) + payload


def frame_length(header: bytes, *, max_bytes: int) -> int:
    (length,) = HEADER.unpack(header)
    if length > max_bytes:
        raise ProtocolError(f"frame of {length} bytes exceeds the limit of {max_bytes} bytes")
    return length


def decode_payload(payload: bytes) -> dict[str, Any]:
    try:
        message = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"frame is not UTF-8 JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"frame holds a JSON {type(message).__name__}, not an object")
    version = message.get("v")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(
            f"protocol version {version!r} is not supported: this side speaks version {PROTOCOL_VERSION}"
        )
    return message


async def read_frame(
    reader: asyncio.StreamReader, *, max_bytes: int = MAX_FRAME_BYTES
) -> dict[str, Any] | None:
    """The next message, or None when the peer closed the connection between frames."""
    try:
        header = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise ProtocolError("connection closed inside a frame header") from None
    length = frame_length(header, max_bytes=max_bytes)
    try:
        payload = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise ProtocolError(f"connection closed inside a frame of {length} bytes") from None
    return decode_payload(payload)


def recv_frame_blocking(sock: socket.socket, *, max_bytes: int = MAX_FRAME_BYTES) -> dict[str, Any]:
    """One message from a blocking socket (the handshake, before the connection goes async)."""
    header = _recv_exactly(sock, HEADER.size)
    return decode_payload(_recv_exactly(sock, frame_length(header, max_bytes=max_bytes)))


def _recv_exactly(sock: socket.socket, count: int) -> bytes:
    chunks, received = [], 0
    while received < count:
        chunk = sock.recv(min(count - received, 1 << 20))
        if not chunk:
            raise ConnectionError(f"the tool server closed the connection ({received} of {count} bytes read)")
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)


# -- tool results on the wire -----------------------------------------------------------------------------

_KINDS: dict[str, type[ToolResult]] = {"result": ToolResult, "cli": CLIResult, "failure": ToolFailure}
_FIELDS = ("output", "error", "base64_image", "system")


def result_to_wire(result: ToolResult) -> dict[str, Any]:
    kind = next((k for k, cls in reversed(_KINDS.items()) if isinstance(result, cls)), "result")
    wire: dict[str, Any] = {"kind": kind}
    for name in _FIELDS:
        value = getattr(result, name)
        if value is not None:
            wire[name] = value
    return wire


def result_from_wire(wire: Any) -> ToolResult:
    if not isinstance(wire, dict):
        raise ProtocolError(f"a tool result must be an object, not {type(wire).__name__}")
    values = {name: wire.get(name) for name in _FIELDS}
    bad = [name for name, value in values.items() if value is not None and not isinstance(value, str)]
    if bad:
        raise ProtocolError(f"tool result fields must be strings: {', '.join(bad)}")
    return _KINDS.get(str(wire.get("kind")), ToolResult)(**values)
