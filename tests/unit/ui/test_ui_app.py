"""The whole page with AppTest: a chat message reaches the real loop, which calls the fake Messages API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.fake_api import reply, text, tool_use

APP = str(Path(__file__).resolve().parents[3] / "computer_use_demo" / "streamlit.py")


@pytest.fixture
def app_env(monkeypatch, tmp_path, fake_api, xdisplay):
    for name in ("API_PROVIDER", "ANTHROPIC_MODEL", "HIDE_WARNING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "conf"))
    return fake_api


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_chat_message_reaches_the_loop_with_the_sidebar_settings(app_env):
    fake_api = app_env
    fake_api.script(
        reply(text("I will list files."), tool_use("bash", {"command": "echo from-the-tool"})),
        reply(text("Finished the task.")),
    )
    at = start()
    at.sidebar.selectbox(key="model").set_value("claude-opus-4-6").run()
    at.sidebar.radio(key="thinking_mode").set_value("adaptive").run()
    at.sidebar.select_slider(key="thinking_effort").set_value("high").run()
    at.sidebar.number_input(key="max_tokens").set_value(20_000).run()
    at.sidebar.text_area(key="system_prompt_suffix").input("Be terse.").run()
    at.chat_input(key="chat_input").set_value("Please list my files").run()
    assert not at.exception, at.exception

    requests = fake_api.message_requests()
    assert len(requests) == 2
    body = requests[0].body
    assert body["model"] == "claude-opus-4-6" and body["max_tokens"] == 20_000
    assert body["thinking"] == {"type": "adaptive"} and body["output_config"] == {"effort": "high"}
    assert "Be terse." in json.dumps(body["system"])
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Please list my files", **_cache(body)}]}
    ]
    assert {t["name"] for t in body["tools"]} == {"computer", "bash", "str_replace_based_edit_tool"}
    assert "computer-use-2025-11-24" in requests[0].betas
    second = requests[1].body["messages"]
    assert second[2]["content"][0]["type"] == "tool_result"

    # The page shows the whole exchange once the run is over.
    markdown = " ".join(m.value for m in at.markdown)
    assert "Please list my files" in markdown and "I will list files." in markdown
    assert "Finished the task." in markdown
    assert any("from-the-tool" in c.value for c in at.code)
    assert any("Tokens, session" in c.value and "(2 requests)" in c.value for c in at.caption)
    assert not [b for b in at.button if b.key == "stop"]  # not running any more


def _cache(body):
    """The loop may mark the newest user turn as a cache breakpoint; compare the rest exactly."""
    block = body["messages"][0]["content"][0]
    return {"cache_control": block["cache_control"]} if "cache_control" in block else {}


def test_an_api_error_is_shown_with_retry_and_the_ui_is_not_stuck(app_env):
    fake_api = app_env
    from tests.support.fake_api import error_reply

    fake_api.script(error_reply(401, message="invalid x-api-key"))
    at = start()
    at.chat_input(key="chat_input").set_value("hello").run()
    assert not at.exception, at.exception
    assert any("refused the credentials" in e.value for e in at.error)
    assert [b.label for b in at.button if b.key == "retry"] == ["Retry"]
    fake_api.script(reply(text("Back again.")))
    at.button(key="retry").click().run()
    assert "Back again." in " ".join(m.value for m in at.markdown)
    assert not at.tabs[0].error  # the chat is clean again (the HTTP log keeps the 401)


def test_missing_key_blocks_sending(monkeypatch, tmp_path, fake_api):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "conf"))
    at = start()
    at.chat_input(key="chat_input").set_value("hello").run()
    assert fake_api.message_requests() == []
    assert any("fix the credentials" in i.value for i in at.info)


def test_reset_runs_the_desktop_script_and_clears_the_chat(app_env, monkeypatch, tmp_path):
    fake_api = app_env
    marker = tmp_path / "reset-ran"
    script = tmp_path / "reset-desktop.sh"
    script.write_text(f"#!/bin/bash\necho resetting\ntouch {marker}\n")
    script.chmod(0o755)
    monkeypatch.setenv("DESKTOP_RESET_SCRIPT", str(script))
    fake_api.script(reply(text("Hello there.")))
    at = start()
    at.chat_input(key="chat_input").set_value("hi").run()
    assert "Hello there." in " ".join(m.value for m in at.markdown)
    at.sidebar.button(key="reset_desktop").click().run()
    assert not at.exception, at.exception
    assert marker.exists()
    assert "Hello there." not in " ".join(m.value for m in at.markdown)
    assert any("desktop was restarted" in i.value for i in at.info)


def test_a_failing_reset_is_reported(app_env, monkeypatch, tmp_path):
    script = tmp_path / "reset-desktop.sh"
    script.write_text("#!/bin/bash\necho no X server >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setenv("DESKTOP_RESET_SCRIPT", str(script))
    at = start()
    at.sidebar.button(key="reset_desktop").click().run()
    assert any("reset failed" in i.value and "no X server" in i.value for i in at.info)
