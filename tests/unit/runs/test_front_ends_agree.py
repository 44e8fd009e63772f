"""The chat and the CLI are two front ends to one run engine: the same scripted run, sent once through
the Streamlit page and once through `python -m computer_use_demo run`, stores the same conversation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from computer_use_demo.store import ConversationStore
from tests.support.cli import cli_env, run_cli
from tests.support.fake_api import FakeMessagesAPI, Turn, reply, text, tool_use

APP = str(Path(__file__).resolve().parents[3] / "computer_use_demo" / "streamlit_app.py")
TASK = "Count to three in the shell"
MODEL = "claude-sonnet-4-5"


def script() -> list[Turn]:
    return [
        reply(
            text("Counting."),
            tool_use("bash", {"command": "echo one"}, id="toolu_one"),
            tool_use("bash", {"command": "echo two"}, id="toolu_two"),
        ),
        reply(tool_use("bash", {"command": "echo three"}, id="toolu_three")),
        reply(text("One, two, three.")),
    ]


def stored(store: ConversationStore) -> dict[str, Any]:
    """A stored conversation without what must differ between two runs (ids, clocks, durations)."""
    [conversation] = store.list()
    calls = store.tool_calls(conversation.id)
    assert all(c["duration_s"] is not None for c in calls), "every call was timed"
    return {
        "title": conversation.title,
        "settings": conversation.settings,
        "messages": store.load_messages(conversation.id),
        "usage": [
            {k: v for k, v in r.items() if k != "created_at"} for r in store.usage_records(conversation.id)
        ],
        "tool_calls": [{k: v for k, v in c.items() if k not in ("created_at", "duration_s")} for c in calls],
    }


def run_in_the_chat(monkeypatch, config: Path) -> None:
    for name in ("API_PROVIDER", "ANTHROPIC_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HIDE_WARNING", "1")
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(config))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.sidebar.selectbox(key="model").set_value(MODEL).run()
    at.chat_input(key="chat_input").set_value(TASK).run()
    assert not at.exception, at.exception


def test_the_chat_and_the_cli_store_the_same_conversation(fake_api, xdisplay, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", str(tmp_path))
    fake_api.script(*script())
    run_in_the_chat(monkeypatch, tmp_path / "chat")
    chat = stored(ConversationStore(tmp_path / "chat" / "conversations.db"))

    # A second fake API, so its simulated prompt cache starts as cold as the first one did.
    (tmp_path / "cli").mkdir()
    with FakeMessagesAPI() as cli_api:
        cli_api.script(*script())
        env = cli_env(tmp_path / "cli", xdisplay.name, ANTHROPIC_BASE_URL=cli_api.base_url)
        done = run_cli("run", TASK, "--model", MODEL, env=env)
    assert done.returncode == 0, done.stderr
    cli = stored(ConversationStore(tmp_path / "cli" / "config" / "conversations.db"))

    assert [m["role"] for m in chat["messages"]] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert [c["tool_use_id"] for c in chat["tool_calls"]] == ["toolu_one", "toolu_two", "toolu_three"]
    assert [r["turn"] for r in chat["usage"]] == [1, 1, 1]
    assert chat["usage"][1]["cache_read_input_tokens"] > 0
    assert cli == chat
