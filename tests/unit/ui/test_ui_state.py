"""Session state: one ChatSession per browser session; user text keeps roles alternating."""

from __future__ import annotations

from computer_use_demo.models.usage import TurnUsage
from computer_use_demo.ui.state import ChatSession, chat_session
from computer_use_demo.ui.usage_meter import UsageRecord


def test_chat_session_is_created_once():
    state: dict = {}
    first = chat_session(state)
    assert chat_session(state) is first and not first.running


def test_user_text_starts_a_turn_or_joins_a_user_turn():
    session = ChatSession()
    session.add_user_text("hello")
    assert session.messages == [{"role": "user", "content": [{"type": "text", "text": "hello"}]}]
    session.messages.append(
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "bash", "input": {}}]}
    )
    session.messages.append(
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t", "is_error": True, "content": []}],
        }
    )
    session.add_user_text("never mind")
    assert len(session.messages) == 3
    assert [b["type"] for b in session.messages[-1]["content"]] == ["tool_result", "text"]


def test_user_text_after_a_string_content_user_turn():
    session = ChatSession(messages=[{"role": "user", "content": "first"}])
    session.add_user_text("second")
    assert session.messages[0]["content"] == [
        {"type": "text", "text": "first"},
        {"type": "text", "text": "second"},
    ]
    empty = ChatSession(messages=[{"role": "user", "content": ""}])
    empty.add_user_text("x")
    assert empty.messages[0]["content"] == [{"type": "text", "text": "x"}]


def test_clear_conversation():
    session = ChatSession()
    session.add_user_text("hi")
    session.usage.add(UsageRecord(1, TurnUsage(5, 5)))
    session.notices.append("n")
    session.clear_conversation()
    assert session.messages == [] and session.usage.records == [] and session.notices == []


def test_settings_never_show_the_key_in_their_repr():
    from computer_use_demo.ui.state import Settings

    settings = Settings(
        provider="anthropic", model="m", api_key="sk-ant-repr-secret", only_n_most_recent_images=None,
        system_prompt_suffix="", hide_screenshots=False, tool_version="t", max_tokens=1, thinking_mode="off",
        thinking_budget=None, thinking_effort="low",
    )  # fmt: skip
    assert "sk-ant-repr-secret" not in repr(settings) and "sk-ant-repr-secret" not in str(settings)
