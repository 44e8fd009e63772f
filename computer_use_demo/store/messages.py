"""Messages as the store keeps them: plain JSON, no per-request markers, and a digest to spot changes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from computer_use_demo.store.scrub import scrub_text

TITLE_LENGTH = 60
USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def clean_title(title: str) -> str:
    flat = " ".join(scrub_text(title).split())  # scrubbed before it is cut, so no half key survives
    return flat if len(flat) <= TITLE_LENGTH else flat[: TITLE_LENGTH - 1] + "…"


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
