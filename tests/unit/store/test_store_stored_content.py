"""Stored messages with screenshots as references, and a conversation's screenshot by its hash."""

from __future__ import annotations

import base64
import hashlib
import io

import pytest
from PIL import Image

from computer_use_demo.store import ConversationNotFound, ConversationStore
from computer_use_demo.store.stored_content import conversation_image, stored_messages


def png_bytes(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, "PNG")
    return out.getvalue()


def history_with(data: bytes) -> list[dict]:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": ""}}
    image["source"]["data"] = base64.b64encode(data).decode()
    return [
        {"role": "user", "content": "look"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "computer", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": [image]}]},
    ]


@pytest.fixture
def store(tmp_path):
    store = ConversationStore(tmp_path / "conversations.db")
    yield store
    store.close()


def test_messages_come_with_the_image_sources_replaced(store):
    data = png_bytes((1, 2, 3))
    cid = store.create().id
    store.save_messages(cid, history_with(data))
    sha = hashlib.sha256(data).hexdigest()
    messages = stored_messages(store, cid, lambda ref: {"type": "url", "url": f"/x/{ref.sha256}"})
    image = messages[2]["content"][0]["content"][0]
    assert image == {"type": "image", "source": {"type": "url", "url": f"/x/{sha}"}}
    assert messages[0] == {"role": "user", "content": "look"}


def test_a_screenshot_is_served_only_to_its_conversation(store):
    data = png_bytes((9, 9, 9))
    mine, other = store.create().id, store.create().id
    store.save_messages(mine, history_with(data))
    sha = hashlib.sha256(data).hexdigest()
    image = conversation_image(store, mine, sha)
    assert image is not None and image.data == data and image.media_type == "image/png"
    assert conversation_image(store, other, sha) is None
    assert conversation_image(store, mine, "0" * 64) is None
    assert conversation_image(store, mine, "../../etc/passwd") is None


def test_a_screenshot_whose_file_has_gone_is_not_found(store):
    data = png_bytes((4, 5, 6))
    cid = store.create().id
    store.save_messages(cid, history_with(data))
    for path, _ in store.images.all_refs():
        path.unlink()
    assert conversation_image(store, cid, hashlib.sha256(data).hexdigest()) is None


def test_a_missing_conversation_is_an_error(store):
    with pytest.raises(ConversationNotFound):
        stored_messages(store, "nope", lambda ref: {})
