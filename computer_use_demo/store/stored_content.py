"""A conversation's messages as stored (screenshots as references, not inline data) and its screenshots.

For front ends that serve screenshots by address (the HTTP API): they read the history without decoding
and re-encoding every image, and fetch one screenshot by its hash, but only one the conversation uses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from computer_use_demo.store.conversations import ConversationStore
from computer_use_demo.store.images import STORED_SOURCE, ImageRef
from computer_use_demo.tools.blocks import map_image_blocks

SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredImage:
    data: bytes
    media_type: str


def stored_messages(
    store: ConversationStore, conversation_id: str, image_source: Callable[[ImageRef], dict[str, Any]]
) -> list[dict[str, Any]]:
    """The messages in order, each stored screenshot's source replaced by `image_source(ref)`."""
    store.get(conversation_id)  # ConversationNotFound

    def replace(block: dict[str, Any]) -> dict[str, Any]:
        source = block["source"]
        return {**block, "source": image_source(ImageRef(source["sha256"], source["media_type"]))}

    rows = (
        store._conn()
        .execute(
            "SELECT role, content FROM messages WHERE conversation_id = ? ORDER BY position",
            (conversation_id,),
        )
        .fetchall()
    )
    return [
        {"role": row["role"], "content": map_image_blocks(json.loads(row["content"]), STORED_SOURCE, replace)}
        for row in rows
    ]


def conversation_image(store: ConversationStore, conversation_id: str, sha256: str) -> StoredImage | None:
    """The screenshot with this hash, if a message of this conversation refers to it and its file exists."""
    if not SHA256_PATTERN.fullmatch(sha256):
        return None
    row = (
        store._conn()
        .execute(
            "SELECT media_type FROM message_images WHERE conversation_id = ? AND sha256 = ? LIMIT 1",
            (conversation_id, sha256),
        )
        .fetchone()
    )
    if row is None:
        return None
    ref = ImageRef(sha256, row["media_type"])
    data = store.images.read(ref)
    return None if data is None else StoredImage(data, ref.media_type)
