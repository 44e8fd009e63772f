"""The fake Messages API's wire formats: a message as SSE events, and Bedrock's AWS event-stream frames."""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Iterator
from typing import Any

Block = dict[str, Any]


def message_events(message: Block, *, chunk_chars: int) -> Iterator[Block]:
    """The stream events of a complete message, with text, thinking and tool input split into deltas."""
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    yield {"type": "message_start", "message": start}
    yield {"type": "ping"}
    step = chunk_chars
    for index, block in enumerate(message["content"]):
        kind = block["type"]
        if kind == "text":
            yield {
                "type": "content_block_start",
                "index": index,
                "content_block": {"type": "text", "text": ""},
            }
            for piece in pieces(block["text"], step):
                yield delta(index, {"type": "text_delta", "text": piece})
        elif kind == "thinking":
            yield {
                "type": "content_block_start",
                "index": index,
                "content_block": {"type": "thinking", "thinking": "", "signature": ""},
            }
            for piece in pieces(block["thinking"], step):
                yield delta(index, {"type": "thinking_delta", "thinking": piece})
            yield delta(index, {"type": "signature_delta", "signature": block["signature"]})
        elif kind == "tool_use":
            yield {"type": "content_block_start", "index": index, "content_block": {**block, "input": {}}}
            for piece in pieces(json.dumps(block["input"]), step):
                yield delta(index, {"type": "input_json_delta", "partial_json": piece})
        else:  # redacted_thinking and anything else arrive whole
            yield {"type": "content_block_start", "index": index, "content_block": block}
        yield {"type": "content_block_stop", "index": index}
    yield {
        "type": "message_delta",
        "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
        "usage": usage,
    }
    yield {"type": "message_stop"}


def pieces(value: str, size: int) -> list[str]:
    return [value[i : i + size] for i in range(0, len(value), size)] or [""]


def delta(index: int, delta: Block) -> Block:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def sse(event: str, data: Block) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


_BEDROCK_EXCEPTIONS = {
    "overloaded_error": "serviceUnavailableException",
    "rate_limit_error": "throttlingException",
    "api_error": "internalServerException",
}


def bedrock_frame(event: Block, *, error: bool = False) -> bytes:
    """One AWS event-stream message, as Bedrock's invoke-with-response-stream sends it."""
    if error:
        kind = _BEDROCK_EXCEPTIONS.get(event["error"]["type"], "modelStreamErrorException")
        headers = {":message-type": "exception", ":exception-type": kind, ":content-type": "application/json"}
        payload = json.dumps({"message": event["error"]["message"]}).encode()
    else:
        headers = {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}
        payload = json.dumps({"bytes": base64.b64encode(json.dumps(event).encode()).decode()}).encode()
    encoded = b"".join(
        struct.pack(">B", len(k)) + k.encode() + b"\x07" + struct.pack(">H", len(v)) + v.encode()
        for k, v in headers.items()
    )
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    prelude += struct.pack(">I", binascii.crc32(prelude))
    message = prelude + encoded + payload
    return message + struct.pack(">I", binascii.crc32(message))
