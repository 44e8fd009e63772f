"""Content blocks as the Messages API takes them, typed with the SDK's own param TypedDicts.

The one copy of what the tools, the history, the store, trajectories and the UI all need: building text,
image and tool_result blocks; reading the content of a message (or of a tool_result block) as a list of
blocks, where a plain string is one text block; its texts; and walking its image blocks, inside tool
results too.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

from anthropic.types.beta import (
    BetaBase64ImageSourceParam,
    BetaImageBlockParam,
    BetaTextBlockParam,
    BetaToolResultBlockParam,
)

Block = dict[str, Any]
MediaType = Literal["image/jpeg", "image/png", "image/gif", "image/webp"]
ResultContent = list[BetaTextBlockParam | BetaImageBlockParam]


def text_block(text: str) -> BetaTextBlockParam:
    return {"type": "text", "text": text}


def image_block(data: str, media_type: MediaType = "image/png") -> BetaImageBlockParam:
    """An inline image; `data` is base64."""
    source: BetaBase64ImageSourceParam = {"type": "base64", "media_type": media_type, "data": data}
    return {"type": "image", "source": source}


def tool_result_block_param(
    tool_use_id: str, content: ResultContent, *, is_error: bool = False, toolset_name: str | None = None
) -> BetaToolResultBlockParam:
    """A `tool_result`; `is_error` and `toolset_name` appear only when set (a toolset member's result
    must echo its toolset)."""
    block: BetaToolResultBlockParam = {"type": "tool_result", "tool_use_id": tool_use_id, "content": content}
    if is_error:
        block["is_error"] = True
    if toolset_name:
        block["toolset_name"] = toolset_name
    return block


def blocks_of(holder: Mapping[str, Any]) -> list[Block]:
    """The content of a message or a tool_result block as block dicts: a string is one text block, SDK
    block objects are dumped to dicts, anything else is left out."""
    content = holder.get("content")
    if isinstance(content, str):
        return [dict(text_block(content))]
    if not isinstance(content, list | tuple):
        return []
    blocks: list[Block] = []
    for item in content:
        if isinstance(item, dict):
            blocks.append(item)
        elif hasattr(item, "model_dump"):
            blocks.append(item.model_dump(mode="json", exclude_none=True))
    return blocks


def texts_of(holder: Mapping[str, Any]) -> list[str]:
    """The text of every text block of a message or tool_result block, in order."""
    return [str(b.get("text", "")) for b in blocks_of(holder) if b.get("type") == "text"]


def first_image_data(holder: Mapping[str, Any]) -> str | None:
    """The base64 data of the first inline image of a message or tool_result block."""
    for block in blocks_of(holder):
        source = block.get("source")
        if block.get("type") == "image" and isinstance(source, dict) and source.get("type") == "base64":
            return source.get("data")
    return None


def image_slots(
    content: list[Block], *, in_tool_results_only: bool = False
) -> Iterator[tuple[list[Block], int]]:
    """(list, index) of every image block in a content list and in its tool results' content, so that
    the caller can replace an image in place."""
    for index, block in enumerate(content):
        if block.get("type") == "image" and not in_tool_results_only:
            yield content, index
        inner = block.get("content") if block.get("type") == "tool_result" else None
        if isinstance(inner, list):
            for inner_index, item in enumerate(inner):
                if item.get("type") == "image":
                    yield inner, inner_index


def map_image_blocks(value: Any, source_type: str, convert: Callable[[Block], Any]) -> Any:
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


def decode_base64_image(block: Mapping[str, Any]) -> bytes | None:
    """The bytes of an inline image block, or None when it is not one or its data is not valid base64."""
    source = block.get("source")
    if not isinstance(source, Mapping) or source.get("type") != "base64":
        return None
    try:
        return base64.b64decode(source["data"], validate=True)
    except (binascii.Error, KeyError, TypeError, ValueError):
        return None


def inline_image_block(block: Block, data: bytes, media_type: MediaType) -> Block:
    """`block` (its other keys kept, such as cache_control) with `data` as its inline source."""
    return {**block, **image_block(base64.b64encode(data).decode("ascii"), media_type)}
