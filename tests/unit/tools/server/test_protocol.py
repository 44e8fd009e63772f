"""The wire format: frames, limits, versions, and tool results both ways."""

from __future__ import annotations

import asyncio
import json
import struct

import pytest

from computer_use_demo.tools.base import CLIResult, ToolFailure, ToolResult
from computer_use_demo.tools.server.protocol import (
    PROTOCOL_VERSION,
    ProtocolError,
    decode_payload,
    encode_frame,
    read_frame,
    result_from_wire,
    result_to_wire,
)


def reader_of(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


async def test_a_frame_round_trips_with_its_version() -> None:
    frame = encode_frame({"id": 7, "op": "call", "input": {"text": "héllo ✓"}})
    (length,) = struct.unpack(">I", frame[:4])
    assert length == len(frame) - 4
    assert json.loads(frame[4:])["v"] == PROTOCOL_VERSION
    message = await read_frame(reader_of(frame))
    assert message == {"v": PROTOCOL_VERSION, "id": 7, "op": "call", "input": {"text": "héllo ✓"}}


async def test_end_of_stream_between_frames_is_none_and_inside_a_frame_an_error() -> None:
    assert await read_frame(reader_of(b"")) is None
    frame = encode_frame({"id": 1})
    with pytest.raises(ProtocolError, match="inside a frame of"):
        await read_frame(reader_of(frame[:-2]))
    with pytest.raises(ProtocolError, match="header"):
        await read_frame(reader_of(frame[:2]))


async def test_oversized_frames_are_refused_both_ways_with_the_sizes() -> None:
    with pytest.raises(ProtocolError, match=r"frame of 1000001 bytes exceeds the limit of 1000 bytes"):
        await read_frame(reader_of(struct.pack(">I", 1_000_001) + b"{}"), max_bytes=1000)
    with pytest.raises(ProtocolError, match="exceeds the frame limit of 100 bytes"):
        encode_frame({"text": "x" * 200}, max_bytes=100)


def test_version_mismatch_and_garbage_say_what_is_wrong() -> None:
    with pytest.raises(
        ProtocolError, match=r"protocol version 2 is not supported: this side speaks version 1"
    ):
        decode_payload(json.dumps({"v": 2, "op": "hello"}).encode())
    with pytest.raises(ProtocolError, match="protocol version None"):
        decode_payload(b'{"op": "hello"}')
    with pytest.raises(ProtocolError, match="not UTF-8 JSON"):
        decode_payload(b"\xff\xfe")
    with pytest.raises(ProtocolError, match="JSON list, not an object"):
        decode_payload(b"[1, 2]")


@pytest.mark.parametrize(
    "result",
    [
        ToolResult(output="clicked", base64_image="iVBORw0KGgo="),
        CLIResult(output="hi\n[exit status 0]"),
        CLIResult(error="[exit status 1]"),
        ToolFailure(error="no such file"),
        ToolResult(system="note"),
    ],
)
def test_tool_results_keep_their_fields_and_class(result: ToolResult) -> None:
    back = result_from_wire(json.loads(json.dumps(result_to_wire(result))))
    assert back == result and type(back) is type(result)


def test_a_malformed_result_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="must be strings: output"):
        result_from_wire({"kind": "result", "output": 3})
    with pytest.raises(ProtocolError, match="must be an object"):
        result_from_wire("text")
