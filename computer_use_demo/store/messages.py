"""Messages as the store keeps them: plain JSON, no per-request markers, and a digest to spot changes."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from computer_use_demo.store.scrub import scrub_text

TITLE_LENGTH = 60
USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def clean_title(title: str) -> str:
    flat = " ".join(scrub_text(title).split())  # scrubbed before it is cut, so no half key survives
    return flat if len(flat) <= TITLE_LENGTH else flat[: TITLE_LENGTH - 1] + "…"


def texts(content: Any) -> Iterator[str]:
    if isinstance(content, str):
        yield content
    elif isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "text":
                yield block.get("text", "")


def content_blocks(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A message's content as a list of blocks (plain text given as a string becomes one text block)."""
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def to_plain(value: Any) -> Any:
    """SDK objects (pydantic models) to plain JSON-able data; dicts and lists are copied."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    return value


def _without_cache_control(value: Any) -> Any:
    if isinstance(value, list):
        return [_without_cache_control(item) for item in value]
    if isinstance(value, dict):
        return {k: _without_cache_control(v) for k, v in value.items() if k != "cache_control"}
    return value


def canonical_message(message: Any) -> dict[str, Any]:
    plain = to_plain(message)
    if (
        not isinstance(plain, dict)
        or plain.get("role") not in ("user", "assistant")
        or "content" not in plain
    ):
        raise ValueError(f"not a message (needs role user/assistant and content): {str(plain)[:200]}")
    return {"role": plain["role"], "content": _without_cache_control(plain["content"])}


def digest(message: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(message, sort_keys=True).encode()).hexdigest()


def usage_values(usage: Mapping[str, Any] | Any) -> dict[str, int]:
    plain = to_plain(usage)
    return {f: int(plain.get(f) or 0) for f in USAGE_FIELDS}


def map_image_blocks(value: Any, source_type: str, convert: Callable[[dict[str, Any]], Any]) -> Any:
    """A copy of content blocks in which every image block whose source is of `source_type` is replaced by
    `convert(block)`; everything else is copied as it is. Used to move screenshots between inline base64
    and files, in the store and in trajectories."""
    if isinstance(value, list):
        return [map_image_blocks(item, source_type, convert) for item in value]
    if not isinstance(value, dict):
        return value
    source = value.get("source")
    if value.get("type") == "image" and isinstance(source, dict) and source.get("type") == source_type:
        return convert(value)
    return {key: map_image_blocks(item, source_type, convert) for key, item in value.items()}


def decode_base64_image(block: dict[str, Any]) -> bytes | None:
    """The bytes of an inline image block, or None when its data is not valid base64."""
    try:
        return base64.b64decode(block["source"]["data"], validate=True)
    except (binascii.Error, KeyError, TypeError, ValueError):
        return None


def inline_image_block(block: dict[str, Any], data: bytes, media_type: str) -> dict[str, Any]:
    encoded = base64.b64encode(data).decode("ascii")
    return {**block, "source": {"type": "base64", "media_type": media_type, "data": encoded}}
