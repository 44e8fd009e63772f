"""The conversation store: round trips, incremental saves, list/rename/delete, usage."""

from __future__ import annotations

import base64
import io
import sqlite3
import threading

import pytest
from PIL import Image

from computer_use_demo.store import ConversationNotFound, ConversationStore
from computer_use_demo.store.images import MISSING_IMAGE_TEXT
from computer_use_demo.store.schema import SCHEMA_VERSION


def png(color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def image_block(data: str) -> dict:
    return {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}


def sample_history() -> list[dict]:
    return [
        {"role": "user", "content": "Open a terminal and list the files"},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "I should look first.", "signature": "sig_1"},
                {"type": "text", "text": "Taking a screenshot."},
                {"type": "tool_use", "id": "toolu_1", "name": "computer", "input": {"action": "screenshot"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": [image_block(png((10, 20, 30)))],
                },
            ],
        },
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_2", "name": "bash", "input": {"command": "ls"}}],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_2",
                    "content": [{"type": "text", "text": "nope"}],
                    "is_error": True,
                },
                {"type": "text", "text": "and here is my own picture"},
                image_block(png((200, 0, 0))),
            ],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "Done."}]},
    ]


@pytest.fixture
def store(tmp_path) -> ConversationStore:
    return ConversationStore(tmp_path / "conversations.db")


def test_round_trip_gives_the_same_messages_images_included(store, tmp_path):
    history = sample_history()
    conversation = store.create()
    assert store.save_messages(conversation.id, history) == len(history)

    reopened = ConversationStore(tmp_path / "conversations.db")
    assert reopened.load_messages(conversation.id) == history
    # Images live as files, not in the database rows.
    rows = sqlite3.connect(tmp_path / "conversations.db").execute("SELECT content FROM messages").fetchall()
    assert all("base64" not in row[0] for row in rows)
    assert len(list((tmp_path / "screenshots").glob("*/*.png"))) == 2


def test_database_is_in_wal_mode(store, tmp_path):
    mode = sqlite3.connect(tmp_path / "conversations.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_save_messages_appends_only_what_is_new(store):
    history = sample_history()
    conversation = store.create()
    assert store.save_messages(conversation.id, history[:2]) == 2
    assert store.save_messages(conversation.id, history[:2]) == 0
    assert store.save_messages(conversation.id, history[:5]) == 3
    assert store.load_messages(conversation.id) == history[:5]


def test_earlier_messages_keep_their_images_when_the_loop_prunes_them(store):
    history = sample_history()
    conversation = store.create()
    store.save_messages(conversation.id, history[:4])
    pruned = [dict(m) for m in history]
    pruned[2] = {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "[img]"}]}
        ],
    }
    store.save_messages(conversation.id, pruned)
    assert store.load_messages(conversation.id)[2] == history[2]


def test_a_changed_last_message_is_rewritten(store):
    conversation = store.create()
    history = sample_history()[:2]
    store.save_messages(conversation.id, history)
    repaired = [history[0], {"role": "assistant", "content": [{"type": "text", "text": "changed"}]}]
    assert store.save_messages(conversation.id, repaired) == 1
    assert store.load_messages(conversation.id) == repaired


def test_cache_control_markers_are_not_stored(store):
    conversation = store.create()
    marked = [
        {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]}
    ]
    store.save_messages(conversation.id, marked)
    assert store.load_messages(conversation.id) == [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]}
    ]
    # A later save with the marker moved does not count as a change.
    assert (
        store.save_messages(conversation.id, [{"role": "user", "content": [{"type": "text", "text": "hi"}]}])
        == 0
    )


def test_sdk_objects_are_stored_as_plain_blocks(store):
    from anthropic.types.beta import BetaTextBlock, BetaToolUseBlock

    conversation = store.create()
    blocks = [
        BetaTextBlock(type="text", text="hello"),
        BetaToolUseBlock(type="tool_use", id="t1", name="bash", input={}),
    ]
    store.save_messages(
        conversation.id, [{"role": "user", "content": "x"}, {"role": "assistant", "content": blocks}]
    )
    assert store.load_messages(conversation.id)[1]["content"] == [
        {"type": "text", "text": "hello"},
        {"type": "tool_use", "id": "t1", "name": "bash", "input": {}},
    ]


def test_bad_messages_are_refused_and_nothing_is_written(store):
    conversation = store.create()
    with pytest.raises(ValueError, match="not a message"):
        store.save_messages(
            conversation.id, [{"role": "user", "content": "ok"}, {"role": "system", "content": "x"}]
        )
    assert store.load_messages(conversation.id) == []
    store.save_messages(conversation.id, [{"role": "user", "content": "ok"}])
    with pytest.raises(ValueError, match="only 0"):
        store.save_messages(conversation.id, [])


def test_list_rename_delete(store, tmp_path):
    first = store.create()
    store.save_messages(first.id, sample_history())
    second = store.create(title="My  chosen\ntitle", settings={"model": "claude-sonnet-4-5"})
    listed = store.list()
    assert [c.id for c in listed] == [second.id, first.id]
    assert listed[0].title == "My chosen title" and listed[0].settings == {"model": "claude-sonnet-4-5"}
    assert listed[1].title == "Open a terminal and list the files"  # from the first user message
    assert listed[1].message_count == 6

    store.rename(first.id, "Renamed")
    assert store.get(first.id).title == "Renamed"
    with pytest.raises(ValueError):
        store.rename(first.id, "   ")

    store.delete(first.id)
    assert [c.id for c in store.list()] == [second.id]
    assert list((tmp_path / "screenshots").glob("*/*.png")) == []  # its screenshots went with it
    with pytest.raises(ConversationNotFound):
        store.load_messages(first.id)
    with pytest.raises(ConversationNotFound):
        store.rename(first.id, "x")
    with pytest.raises(ConversationNotFound):
        store.delete(first.id)


def test_shared_screenshots_survive_deleting_one_conversation(store, tmp_path):
    a, b = store.create(), store.create()
    store.save_messages(a.id, sample_history())
    store.save_messages(b.id, sample_history())
    store.delete(a.id)
    assert store.load_messages(b.id) == sample_history()


def test_a_missing_screenshot_file_becomes_a_placeholder(store, tmp_path):
    conversation = store.create()
    store.save_messages(conversation.id, sample_history()[:3])
    for path in (tmp_path / "screenshots").glob("*/*.png"):
        path.unlink()
    loaded = store.load_messages(conversation.id)
    assert loaded[2]["content"][0]["content"] == [{"type": "text", "text": MISSING_IMAGE_TEXT}]


def test_find_by_prefix(store):
    conversation = store.create()
    assert store.find(conversation.id[:6]).id == conversation.id
    with pytest.raises(ConversationNotFound):
        store.find("zzzz")


def test_usage_and_tool_calls(store):
    conversation = store.create()
    store.record_usage(
        conversation.id, {"input_tokens": 100, "output_tokens": 20, "cache_read_input_tokens": 5}
    )
    store.record_usage(
        conversation.id, {"input_tokens": 1, "output_tokens": 2, "cache_creation_input_tokens": 7}
    )
    assert store.usage_totals(conversation.id) == {
        "input_tokens": 101,
        "output_tokens": 22,
        "cache_creation_input_tokens": 7,
        "cache_read_input_tokens": 5,
    }
    assert len(store.usage_records(conversation.id)) == 2
    store.record_tool_call(conversation.id, tool_use_id="t1", name="bash", duration_s=0.5, is_error=True)
    assert store.tool_calls(conversation.id)[0]["is_error"] is True


def test_orphan_screenshots_are_pruned(store, tmp_path):
    conversation = store.create()
    store.save_messages(conversation.id, sample_history())
    orphan = store.images.put(b"not referenced", "image/png")
    assert store.prune_orphan_images(older_than_s=0) == 1
    assert not store.images.path(orphan).exists()
    assert store.load_messages(conversation.id) == sample_history()


def test_sessions_in_threads_write_concurrently(store):
    conversations = [store.create() for _ in range(4)]
    errors: list[BaseException] = []

    def work(conversation_id: str) -> None:
        try:
            history: list[dict] = []
            for i in range(15):
                history.append({"role": "user" if i % 2 == 0 else "assistant", "content": f"m{i}"})
                store.save_messages(conversation_id, history)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c.id,)) for c in conversations]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(store.get(c.id).message_count == 15 for c in conversations)


def test_default_location_follows_the_config_dir_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "cfg"))
    store = ConversationStore()
    assert store.path == tmp_path / "cfg" / "conversations.db"
    assert store.path.exists()


def test_a_database_from_a_newer_app_is_refused_clearly(tmp_path):
    path = tmp_path / "conversations.db"
    ConversationStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(RuntimeError, match=f"schema version 99, newer than this app's {SCHEMA_VERSION}"):
        ConversationStore(path)
