"""Following a live run on the page (AppTest): steps appear as they finish, under the right avatars, and the
streaming view is gone once the run is over. The streaming itself is observed in a real browser in
test_ui_browser.py."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.support.fake_api import reply, text, tool_use


def follow_script(config_dir: str) -> None:
    from pathlib import Path

    import streamlit as st

    from computer_use_demo.ui.config_store import ConfigStore
    from computer_use_demo.ui.live_view import follow_run
    from computer_use_demo.ui.runner import start_run
    from computer_use_demo.ui.state import ChatSession, Settings

    settings = Settings(
        provider="anthropic", model="claude-sonnet-4-6", api_key="sk-ant-fake-test-key",
        only_n_most_recent_images=None, system_prompt_suffix="", hide_screenshots=False,
        tool_version="computer_use_20251124", max_tokens=4096, thinking_mode="off", thinking_budget=None,
        thinking_effort="medium",
    )  # fmt: skip
    session = ChatSession()
    session.add_user_text("run it")
    changes = []
    run = start_run(session, settings, ConfigStore(Path(config_dir)))
    follow_run(run, hide_screenshots=False, on_change=lambda: changes.append(run.version))
    st.session_state["outcome"] = (run.finished, len(run.items), len(changes), run.error)


def test_steps_render_as_they_finish_and_the_stream_view_is_cleared(fake_api, xdisplay, tmp_path):
    fake_api.script(
        reply(
            text("First I run a command."),
            tool_use("bash", {"command": "echo live-output"}),
            event_delay=0.01,
        ),
        reply(text("Everything is done."), event_delay=0.05),
    )
    at = AppTest.from_function(follow_script, kwargs={"config_dir": str(tmp_path)}, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    finished, items, changes, error = at.session_state["outcome"]
    assert finished and error is None and items == 4
    assert changes >= 2  # the page followed the run as it went, not only at its end
    assert [m.name for m in at.chat_message] == ["assistant", "tool", "assistant"]
    markdown = [m.value for m in at.markdown]
    assert "First I run a command." in markdown and "Everything is done." in markdown
    assert not any("\u258c" in m for m in markdown)  # no streaming cursor left behind
    assert any("live-output" in c.value for c in at.code)
    assert not any("Working" in c.value for c in at.caption)
