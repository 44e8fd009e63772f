"""The conversation as it is sent: cache breakpoints, image pruning that keeps the cache, and repair.

The stored history is never edited for a request. `prepare_messages` works on a
copy, so the caller keeps every screenshot (for display and persistence) while
the request carries only what it should.

Pruning and caching pull in opposite directions: removing an old screenshot
changes the prompt prefix and throws the cache away. So images are removed in
steps of `interval`: the number removed is a step function of the number of
screenshots in the history, the removed ones are always the oldest, and between
two steps every request starts with exactly the same bytes.
"""

from __future__ import annotations

import base64
import io
import math
import struct
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from computer_use_demo.tools.blocks import blocks_of, image_slots, text_block, tool_result_block_param

Message = dict[str, Any]
Block = dict[str, Any]

CACHE_CONTROL: dict[str, str] = {"type": "ephemeral"}
MAX_CACHE_BREAKPOINTS = 4  # the API rejects a fifth
MAX_MESSAGE_BREAKPOINTS = MAX_CACHE_BREAKPOINTS - 1  # one is kept for tools + system
DEFAULT_PRUNE_INTERVAL = 5
# The API's rule: a request with more than 20 images must keep every image at most 2000 px per side.
MANY_IMAGES = 20
MANY_IMAGES_MAX_SIDE = 2000
IMAGE_PLACEHOLDER = "[older screenshot removed to save context]"
# What an unanswered call is told on repair. "Not executed" only where the call provably never started.
INTERRUPTED_TEXT = "The run ended before this call reported a result; its outcome is unknown."
UNKNOWN_OUTCOME_TEXT = "The run ended while this call was running; its outcome is unknown."
NOT_STARTED_TEXT = "Not executed: the run ended before this call started."


@dataclass(frozen=True)
class PreparedMessages:
    messages: list[Message]
    images_in_history: int
    images_sent: int
    images_removed: int
    cache_breakpoints: int  # on messages only


def prepare_messages(
    messages: list[Message],
    *,
    keep_images: int | None,
    prune_interval: int = DEFAULT_PRUNE_INTERVAL,
    cache: bool,
    max_breakpoints: int = MAX_MESSAGE_BREAKPOINTS,
) -> PreparedMessages:
    """A request-ready copy of `messages`: stale cache marks cleared, old screenshots replaced by a
    placeholder, and breakpoints on the newest user turns."""
    if keep_images is not None and keep_images < 0:
        raise ValueError("only_n_most_recent_images must be >= 0")
    if prune_interval < 1:
        raise ValueError("prune interval must be >= 1")
    # Text given as a plain string becomes a text block in every request, marked or not, so that moving
    # a breakpoint never changes the bytes of the prefix.
    copied = [_with_block_content(_copy_without_cache_control(m)) for m in messages]
    removable = list(_tool_result_images(copied))
    all_images = sum(1 for _ in _all_image_slots(copied))
    remove = images_to_remove(len(removable), keep_images, prune_interval)
    _replace_with_placeholder(removable[:remove])
    if all_images - remove > MANY_IMAGES and _any_large(copied):
        # Stepped as well (to a multiple of the interval), so the 20-image rule moves the prefix as
        # rarely as pruning does.
        excess = all_images - remove - MANY_IMAGES
        extra = min(len(removable) - remove, math.ceil(excess / prune_interval) * prune_interval)
        _replace_with_placeholder(removable[remove : remove + extra])
    _drop_large_images_if_still_too_many(copied)
    marks = place_message_breakpoints(copied, max_breakpoints) if cache else 0
    sent = sum(1 for _ in _all_image_slots(copied))
    return PreparedMessages(copied, len(removable), sent, all_images - sent, marks)


def _replace_with_placeholder(slots: list[tuple[list[Block], int]]) -> None:
    for content, index in slots:
        content[index] = dict(text_block(IMAGE_PLACEHOLDER))


def images_to_remove(count: int, keep: int | None, interval: int) -> int:
    """How many of the oldest `count` screenshots to drop: a multiple of `interval`, leaving >= `keep`."""
    if keep is None or count <= keep:
        return 0
    return (count - keep) // interval * interval


def place_message_breakpoints(messages: list[Message], limit: int = MAX_MESSAGE_BREAKPOINTS) -> int:
    """Mark the last block of the newest `limit` user turns (normally their tool results)."""
    placed = 0
    for message in reversed(messages):
        if placed >= limit:
            break
        if message.get("role") != "user":
            continue
        content = _with_block_content(message)["content"]
        if not content:
            continue
        content[-1] = {**content[-1], "cache_control": dict(CACHE_CONTROL)}
        placed += 1
    return placed


def system_blocks(text: str, *, cache: bool) -> list[Block]:
    """The system prompt as one block; its breakpoint caches the tools and the system prompt together."""
    block: Block = dict(text_block(text))
    if cache:
        block["cache_control"] = dict(CACHE_CONTROL)
    return [block]


CONTEXT_MANAGEMENT_BETA = "context-management-2025-06-27"


def server_side_clearing(keep: int, interval: int, *, keep_tools: list[str]) -> dict[str, Any]:
    """The request field that has the API clear old computer results itself (context editing).

    The same policy as `prepare_messages` (keep >= `keep`, clear in steps of `interval`) but applied on
    the server, so the history we send never changes and its thinking blocks stay valid.
    """
    return {
        "edits": [
            {
                "type": "clear_tool_uses_20250919",
                "trigger": {"type": "tool_uses", "value": keep + interval},
                "keep": {"type": "tool_uses", "value": keep},
                "exclude_tools": keep_tools,
            }
        ]
    }


def count_cache_breakpoints(request: dict[str, Any]) -> int:
    """Breakpoints in a whole request body: tools, system and messages (tool results included)."""
    return (
        sum(1 for _ in _marked(request.get("tools") or []))
        + sum(1 for _ in _marked(request.get("system") if isinstance(request.get("system"), list) else []))
        + sum(1 for _ in _marked(request.get("messages") or []))
    )


def _marked(value: Any) -> Iterator[None]:
    if isinstance(value, dict):
        if "cache_control" in value:
            yield None
        for inner in value.values():
            if isinstance(inner, list | dict):
                yield from _marked(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _marked(inner)


# ---------------------------------------------------------------- copying and finding images


def _copy_without_cache_control(value: Any) -> Any:
    """A structural copy (strings are shared, not duplicated) with every `cache_control` dropped."""
    if isinstance(value, dict):
        return {k: _copy_without_cache_control(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_copy_without_cache_control(v) for v in value]
    return value


def _with_block_content(message: Message) -> Message:
    if isinstance(message.get("content"), str):
        message["content"] = blocks_of(message)
    return message


def _tool_result_images(messages: list[Message]) -> Iterator[tuple[list[Block], int]]:
    """(content list, index) of every image inside a tool result, oldest first."""
    for message in messages:
        if message.get("role") == "user" and isinstance(message.get("content"), list):
            yield from image_slots(message["content"], in_tool_results_only=True)


def _all_image_slots(messages: list[Message]) -> Iterator[tuple[list[Block], int]]:
    for message in messages:
        if isinstance(message.get("content"), list):
            yield from image_slots(message["content"])


def _any_large(messages: list[Message]) -> bool:
    return any(_is_large(content[i]) for content, i in _all_image_slots(messages))


def _drop_large_images_if_still_too_many(messages: list[Message]) -> None:
    """Last resort (large images the user attached): drop large ones, oldest first, keeping the newest."""
    slots = list(_all_image_slots(messages))
    large = [(c, i) for c, i in slots[:-1] if _is_large(c[i])]
    while len(slots) > MANY_IMAGES and large:
        _replace_with_placeholder([large.pop(0)])
        slots = list(_all_image_slots(messages))


def _is_large(image: Block) -> bool:
    size = image_size(image)
    return size is not None and max(size) > MANY_IMAGES_MAX_SIDE


def image_size(image: Block) -> tuple[int, int] | None:
    """Width and height of a base64 image block, from its header where possible."""
    source = image.get("source") or {}
    if source.get("type") != "base64" or not source.get("data"):
        return None
    data: str = source["data"]
    try:
        head = base64.b64decode(data[:44] + "=" * (-len(data[:44]) % 4))
    except ValueError:  # not base64 (binascii.Error): the API will say so
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return width, height
    try:
        from PIL import Image

        with Image.open(io.BytesIO(base64.b64decode(data))) as picture:
            return picture.size
    except Exception:  # not an image we can read: the API will say so
        return None


# ---------------------------------------------------------------- repair


def answer_unanswered_tool_uses(
    messages: list[Message],
    text: str = INTERRUPTED_TEXT,
    *,
    text_for: Callable[[Block], str] | None = None,
) -> int:
    """Give every `tool_use` without a `tool_result` in the next user turn an error result, in place.

    Used when a run is cancelled or resumed, so the next request is valid. `text_for(tool_use)` words
    each result (default: `text` for all). Returns how many were added.
    """
    added = 0
    index = 0
    while index < len(messages):
        message = messages[index]
        tool_uses = _tool_uses(message) if message.get("role") == "assistant" else []
        if tool_uses:
            following = messages[index + 1] if index + 1 < len(messages) else None
            if following is None or following.get("role") != "user":
                following = {"role": "user", "content": []}
                messages.insert(index + 1, following)
            content = following.get("content")
            if isinstance(content, str):
                content = following["content"] = blocks_of(following) if content else []
            answered = {b.get("tool_use_id"): b for b in content if b.get("type") == "tool_result"}
            missing = [
                _error_result(use, text_for(use) if text_for else text)
                for use in tool_uses
                if use["id"] not in answered
            ]
            if missing:
                # Tool results come first in the user turn, in the order of the calls.
                answered.update((block["tool_use_id"], block) for block in missing)
                in_order = [b for b in (answered.pop(use["id"], None) for use in tool_uses) if b is not None]
                others = [b for b in content if b.get("type") != "tool_result"]
                following["content"] = in_order + list(answered.values()) + others
            added += len(missing)
        index += 1
    return added


def repair_resumed_history(messages: list[Message], started: Collection[str]) -> int:
    """Answer the calls a killed run left unanswered, knowing which of them had started (ids in `started`):
    those have an unknown outcome, the others provably never ran."""
    return answer_unanswered_tool_uses(
        messages,
        text_for=lambda use: UNKNOWN_OUTCOME_TEXT if use["id"] in started else NOT_STARTED_TEXT,
    )


def add_user_text(messages: list[Message], text: str) -> None:
    """Add the user's words: to the last message when that is already a user turn (roles must alternate,
    as after a stopped run whose tool calls were answered), else as a new user turn."""
    block = {"type": "text", "text": text}
    if messages and messages[-1].get("role") == "user":
        content = messages[-1].get("content")
        prior = (
            content if isinstance(content, list) else ([{"type": "text", "text": content}] if content else [])
        )
        messages[-1]["content"] = [*prior, block]
    else:
        messages.append({"role": "user", "content": [block]})


def user_turn_number(messages: list[Message]) -> int:
    """Which turn of the user's the next run serves: the user messages that hold more than tool results.

    Derived from the history alone, so every front end (and a reload) numbers a conversation's turns alike.
    """
    return sum(
        1
        for message in messages
        if message.get("role") == "user"
        and (
            isinstance(message.get("content"), str)
            or any(b.get("type") != "tool_result" for b in message.get("content") or [])
        )
    )


def _tool_uses(message: Message) -> list[Block]:
    content = message.get("content")
    return [b for b in content if b.get("type") == "tool_use"] if isinstance(content, list) else []


def _error_result(tool_use: Block, text: str) -> Block:
    block = tool_result_block_param(
        tool_use["id"], [text_block(text)], is_error=True, toolset_name=tool_use.get("toolset_name")
    )
    return dict(block)
