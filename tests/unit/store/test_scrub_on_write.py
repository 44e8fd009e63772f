"""The configured API key never reaches the disk: the conversation database, trajectories and the UI's
error log get a marker instead, whether the key came from ANTHROPIC_API_KEY or the saved key file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from computer_use_demo.store import ConversationStore
from computer_use_demo.store.scrub import MARKER, scrub_text
from computer_use_demo.tools.base import ToolResult
from computer_use_demo.trajectory import TrajectoryRecorder
from computer_use_demo.ui.config_store import ConfigStore

ENV_KEY = "sk-ant-api03-environment-key-0123456789abcdef"
SAVED_KEY = "sk-ant-api03-saved-in-the-ui-9876543210fedcba"


@pytest.fixture
def keys(tmp_path: Path, monkeypatch) -> Path:
    config = tmp_path / "config"
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(config))
    monkeypatch.setenv("ANTHROPIC_API_KEY", ENV_KEY)
    ConfigStore(config).save_api_key(SAVED_KEY)
    return config


def tool_exchange(key_text: str) -> list[dict]:
    return [
        {"role": "user", "content": "print the environment"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "bash", "input": {"command": "env"}}],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": [{"type": "text", "text": key_text}],
                }
            ],
        },
    ]


def test_a_tool_result_with_the_key_is_stored_with_the_marker(keys: Path) -> None:
    store = ConversationStore()
    conversation = store.create(title=f"about {SAVED_KEY}")
    output = f"ANTHROPIC_API_KEY={ENV_KEY}\nSAVED={SAVED_KEY}\nHOME=/root"
    store.save_messages(conversation.id, tool_exchange(output))
    store.close()
    raw = b"".join(p.read_bytes() for p in keys.glob("conversations.db*"))
    assert ENV_KEY.encode() not in raw and SAVED_KEY.encode() not in raw
    with sqlite3.connect(keys / "conversations.db") as db:
        stored = "".join(row[0] for row in db.execute("SELECT content FROM messages"))
        titles = [row[0] for row in db.execute("SELECT title FROM conversations")]
    assert f"ANTHROPIC_API_KEY={MARKER}" in stored and f"SAVED={MARKER}" in stored
    assert "HOME=/root" in stored
    assert titles == [f"about {MARKER}"]


def test_a_trajectory_has_the_marker_instead_of_the_key(keys: Path, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    recorder = TrajectoryRecorder(folder, provider="anthropic", model="m", tool_version="v", task="t")
    block = {"type": "tool_use", "id": "toolu_1", "name": "bash", "input": {"command": f"echo {ENV_KEY}"}}
    recorder.tool_call(
        1, block, ToolResult(output=f"{ENV_KEY}\n{SAVED_KEY}"), started_at=None, duration_s=None
    )
    recorder.request(2, tool_exchange(SAVED_KEY)[2]["content"])
    recorder.close()
    text = (folder / "trajectory.jsonl").read_text()
    assert ENV_KEY not in text and SAVED_KEY not in text
    assert text.count(MARKER) == 4


def test_the_error_log_scrubs_the_configured_keys_even_when_not_passed(keys: Path) -> None:
    config = ConfigStore(keys)
    config.log_error("api", f"rejected {ENV_KEY} and {SAVED_KEY}", secrets=[])
    raw = (keys / "errors.jsonl").read_text()
    assert ENV_KEY not in raw and SAVED_KEY not in raw and raw.count(MARKER) == 2


def test_scrub_text_leaves_short_or_absent_keys_alone(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "abc")
    assert scrub_text("abc def") == "abc def"
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    assert scrub_text("nothing to hide") == "nothing to hide"
    assert scrub_text("extra supersecret1", extra=["supersecret1"]) == f"extra {MARKER}"
