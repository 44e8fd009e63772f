"""What the fake Messages API does with a request: record it, check it like the real API, and estimate
its tokens with prompt caching simulated."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Block = dict[str, Any]


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]
    raw_size: int
    received_at: float  # time.monotonic() when the body had been read
    responded_at: float | None = None  # when the last byte of the answer was written
    status: int | None = None

    @property
    def betas(self) -> list[str]:
        header = self.headers.get("anthropic-beta", "")
        from_body = self.body.get("anthropic_beta") or []  # Bedrock sends them in the body as well
        found = [b.strip() for b in header.split(",") if b.strip()] + list(from_body)
        return list(dict.fromkeys(found))

    @property
    def model(self) -> str | None:
        if "model" in self.body:
            return self.body["model"]
        found = re.search(r"/model/(.+)/invoke|/models/(.+):\w+$", self.path)
        return urllib.parse.unquote(found.group(1) or found.group(2)) if found else None

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream")) or self.path.endswith(
            ("invoke-with-response-stream", ":streamRawPredict")
        )

    def cache_breakpoints(self) -> list[str]:
        return [where for where, _ in iter_cache_controls(self.body)]

    def images(self) -> list[Block]:
        return list(iter_images(self.body.get("messages", [])))


def iter_cache_controls(body: dict[str, Any]) -> Iterator[tuple[str, Block]]:
    if body.get("cache_control"):
        yield "request", body
    for i, tool in enumerate(body.get("tools") or []):
        if tool.get("cache_control"):
            yield f"tools[{i}]", tool
    system = body.get("system")
    if isinstance(system, list):
        for i, block in enumerate(system):
            if block.get("cache_control"):
                yield f"system[{i}]", block
    for m, message in enumerate(body.get("messages") or []):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for b, block in enumerate(content):
            if block.get("cache_control"):
                yield f"messages[{m}].content[{b}]", block
            if block.get("type") == "tool_result" and isinstance(block.get("content"), list):
                for c, inner in enumerate(block["content"]):
                    if inner.get("cache_control"):
                        yield f"messages[{m}].content[{b}].content[{c}]", inner


def iter_images(messages: list[Any]) -> Iterator[Block]:
    for message in messages:
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if block.get("type") == "image":
                yield block
            elif block.get("type") == "tool_result" and isinstance(block.get("content"), list):
                yield from (inner for inner in block["content"] if inner.get("type") == "image")


def png_size(image_block: Block) -> tuple[int, int] | None:
    """Width and height from a base64 PNG's IHDR, without decoding the picture."""
    source = image_block.get("source", {})
    if source.get("type") != "base64":
        return None
    head = base64.b64decode(source.get("data", "")[:44] + "==", validate=False)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or len(head) < 24:
        return None
    return struct.unpack(">II", head[16:24])


# ---------------------------------------------------------------- request validation


class InvalidRequest(Exception):
    pass


def validate_request(body: dict[str, Any]) -> None:
    """The checks of the real API that our client code could get wrong."""
    count = sum(1 for _ in iter_cache_controls(body))
    if count > 4:
        raise InvalidRequest(f"A maximum of 4 blocks with cache_control may be provided. Found {count}.")
    names = [t.get("name") for t in body.get("tools") or [] if "name" in t]
    if len(names) != len(set(names)):
        raise InvalidRequest(f"tools: tool names must be unique: {names}")
    toolset = any(str(t.get("type", "")).startswith("computer_toolset_") for t in body.get("tools") or [])
    if toolset and "computer" in names:
        raise InvalidRequest("tools: the computer toolset cannot be combined with a tool named 'computer'")
    messages = body.get("messages") or []
    if not messages or messages[0].get("role") != "user":
        raise InvalidRequest("messages: the first message must use the user role")
    for i, message in enumerate(messages):
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        if i and message.get("role") == messages[i - 1].get("role"):
            raise InvalidRequest(f"messages.{i}: roles must alternate between user and assistant")
        if message.get("role") != "assistant":
            continue
        wanted = [b["id"] for b in blocks if b.get("type") == "tool_use"]
        if not wanted:
            continue
        if i + 1 >= len(messages):
            raise InvalidRequest(f"messages.{i}: tool_use ids {wanted} were found without tool_result blocks")
        answer = messages[i + 1].get("content")
        answered = (
            [b.get("tool_use_id") for b in answer if b.get("type") == "tool_result"]
            if isinstance(answer, list)
            else []
        )
        missing = [w for w in wanted if w not in answered]
        if missing:
            raise InvalidRequest(
                f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks immediately "
                f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding "
                "`tool_result` block in the next message."
            )
    for i, message in enumerate(messages):
        kinds = [b.get("type") for b in message.get("content") or [] if isinstance(b, dict)]
        if "tool_result" in kinds and kinds[: kinds.count("tool_result")] != ["tool_result"] * kinds.count(
            "tool_result"
        ):
            raise InvalidRequest(
                f"messages.{i}: tool_result blocks must come first in the content, before any other block"
            )
    for message in messages:
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            if (
                block.get("type") == "tool_result"
                and block.get("is_error")
                and isinstance(block.get("content"), list)
                and any(c.get("type") == "image" for c in block["content"])
            ):
                raise InvalidRequest("tool_result: images are not allowed when is_error is true")
    images = list(iter_images(messages))
    if len(images) > 20:
        for image in images:
            size = png_size(image)
            if size and max(size) > 2000:
                raise InvalidRequest(
                    f"messages: with more than 20 images, each image must be at most 2000 px per side; "
                    f"found {size[0]}x{size[1]}"
                )
    thinking = body.get("thinking") or {}
    if thinking.get("type") == "enabled":
        budget = thinking.get("budget_tokens", 0)
        if not 1024 <= budget < body.get("max_tokens", 0):
            raise InvalidRequest("thinking.budget_tokens: must be >= 1024 and less than max_tokens")


# ---------------------------------------------------------------- token estimates and cache simulation

TOOL_TOKENS = {"computer_toolset": 4500, "computer_": 735, "text_editor": 700, "bash": 245}


def estimate_block_tokens(block: Any) -> int:
    """Rough tokens for one content block: text by length, images by pixel area (as the API counts them)."""
    if isinstance(block, dict) and block.get("type") == "image":
        size = png_size(block)
        return 1600 if size is None else max(1, size[0] * size[1] // 750)
    if (
        isinstance(block, dict)
        and block.get("type") == "tool_result"
        and isinstance(block.get("content"), list)
    ):
        return 8 + sum(estimate_block_tokens(inner) for inner in block["content"])
    return max(1, len(json.dumps(block, separators=(",", ":"))) // 4)


def _tool_tokens(tool: Block) -> int:
    kind = str(tool.get("type", "custom"))
    for prefix, tokens in TOOL_TOKENS.items():
        if kind.startswith(prefix):
            return tokens
    return estimate_block_tokens(tool)


def _strip_cache_control(block: Any) -> Any:
    if isinstance(block, dict):
        return {k: _strip_cache_control(v) for k, v in block.items() if k != "cache_control"}
    if isinstance(block, list):
        return [_strip_cache_control(v) for v in block]
    return block


def prefix_units(body: dict[str, Any]) -> list[tuple[str, int, bool]]:
    """The request as the cache sees it, block by block in prefix order (tools, system, messages):
    (hash of the prefix up to this block, its tokens, whether it carries a breakpoint)."""
    units: list[tuple[str, int, bool]] = []
    digest = hashlib.sha256(str(body.get("model")).encode())

    def add(block: Block, tokens: int) -> None:
        digest.update(json.dumps(_strip_cache_control(block), sort_keys=True).encode())
        units.append((digest.copy().hexdigest(), tokens, _has_cache_control(block)))

    for tool in body.get("tools") or []:
        add(tool, _tool_tokens(tool))
    system = body.get("system")
    if isinstance(system, str):
        add({"type": "text", "text": system}, estimate_block_tokens(system))
    for block in system or [] if isinstance(system, list) else []:
        add(block, estimate_block_tokens(block))
    for message in body.get("messages") or []:
        content = message.get("content")
        for block in content if isinstance(content, list) else [{"type": "text", "text": content}]:
            add({"role": message.get("role"), **block}, estimate_block_tokens(block))
    return units


def _has_cache_control(block: Any) -> bool:
    if isinstance(block, dict):
        return "cache_control" in block or any(_has_cache_control(v) for v in block.values())
    if isinstance(block, list):
        return any(_has_cache_control(v) for v in block)
    return False


class CacheSimulator:
    """Prompt caching as the API does it: each breakpoint writes its prefix; a later request reads the
    longest stored prefix found within 20 blocks before one of its breakpoints."""

    LOOKBACK = 20

    def __init__(self) -> None:
        self.stored: set[str] = set()
        self.lock = threading.Lock()

    def usage(self, body: dict[str, Any]) -> dict[str, int]:
        units = prefix_units(body)
        total = sum(t for _, t, _ in units)
        breakpoints = [i for i, (_, _, bp) in enumerate(units) if bp]
        with self.lock:
            hit = -1
            for bp in breakpoints:
                for i in range(bp, max(-1, bp - self.LOOKBACK), -1):
                    if units[i][0] in self.stored:
                        hit = max(hit, i)
                        break
            read = sum(t for _, t, _ in units[: hit + 1])
            last = breakpoints[-1] if breakpoints else -1
            write = sum(t for _, t, _ in units[hit + 1 : last + 1]) if last > hit else 0
            for bp in breakpoints:
                self.stored.add(units[bp][0])
        return {
            "input_tokens": total - read - write,
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
        }
