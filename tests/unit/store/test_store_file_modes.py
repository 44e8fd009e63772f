"""Everything the app persists is private to its user (0600), whatever the umask and however the config
folder came to exist (`mkdir -p ~/.anthropic`, as the README says, makes it 0755)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from computer_use_demo.store import ConversationStore
from computer_use_demo.tools.base import ToolResult
from computer_use_demo.trajectory import TrajectoryRecorder
from tests.unit.store.test_store_conversations import image_block, png, sample_history


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_database_wal_shm_and_screenshots_are_0600_in_an_existing_folder(tmp_path: Path, open_umask) -> None:
    folder = tmp_path / ".anthropic"
    folder.mkdir(mode=0o755)
    store = ConversationStore(folder / "conversations.db")
    conversation = store.create(title="modes")
    history = [*sample_history(), {"role": "user", "content": [image_block(png((9, 9, 9)))]}]
    store.save_messages(conversation.id, history)
    files = [folder / name for name in ("conversations.db", "conversations.db-wal", "conversations.db-shm")]
    shots = [p for p in (folder / "screenshots").rglob("*") if p.is_file()]
    assert shots, "the test should have stored a screenshot"
    modes = {str(p.relative_to(folder)): oct(mode(p)) for p in files + shots}
    store.close()
    assert set(modes.values()) == {"0o600"}, modes


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path, open_umask) -> None:
    path = tmp_path / "conversations.db"
    ConversationStore(path).close()
    for p in tmp_path.glob("conversations.db*"):
        p.chmod(0o644)
    store = ConversationStore(path)
    store.create(title="x")
    assert {p.name: oct(mode(p)) for p in tmp_path.glob("conversations.db*")} == {
        p.name: "0o600" for p in tmp_path.glob("conversations.db*")
    }
    store.close()


def test_trajectory_and_its_screenshots_are_0600(tmp_path: Path, open_umask) -> None:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o755)
    recorder = TrajectoryRecorder(folder, provider="anthropic", model="m", tool_version="v", task="t")
    block = {"type": "tool_use", "id": "toolu_1", "name": "computer", "input": {"action": "screenshot"}}
    recorder.tool_call(1, block, ToolResult(base64_image=png((1, 2, 3))), started_at=None, duration_s=None)
    recorder.close()
    written = [p for p in folder.rglob("*") if p.is_file()]
    assert len(written) == 2
    assert {str(p.relative_to(folder)): oct(mode(p)) for p in written} == {
        str(p.relative_to(folder)): "0o600" for p in written
    }
