"""The sidebar (through the whole app, with AppTest): it follows the model, stores the key safely."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[3] / "computer_use_demo" / "streamlit.py")


@pytest.fixture
def config_dir(monkeypatch, tmp_path) -> Path:
    for name in ("ANTHROPIC_API_KEY", "API_PROVIDER", "ANTHROPIC_MODEL", "HIDE_WARNING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "conf"))
    return tmp_path / "conf"


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def sidebar_value(at: AppTest, kind: str, key: str):
    return getattr(at.sidebar, kind)(key=key).value


def thinking_options(at: AppTest) -> list[str]:
    return list(at.sidebar.radio(key="thinking_mode").options)


def test_tool_version_and_thinking_follow_the_model(config_dir):
    at = start()
    at.sidebar.selectbox(key="model").set_value("claude-sonnet-4-5").run()
    assert sidebar_value(at, "selectbox", "tool_version") == "computer_use_20250429"
    assert thinking_options(at) == ["Off", "Extended (token budget)"]

    at.sidebar.selectbox(key="model").set_value("claude-opus-4-6").run()
    assert sidebar_value(at, "selectbox", "tool_version") == "computer_use_20251124"
    assert thinking_options(at) == ["Off", "Extended (token budget)", "Adaptive (effort)"]
    at.sidebar.radio(key="thinking_mode").set_value("extended").run()
    assert sidebar_value(at, "number_input", "thinking_budget") == 4096
    assert not at.sidebar.select_slider  # no effort control for a budget

    # Opus 4.8 is adaptive-only and prefers the GA toolset: a budget is no longer offered.
    at.sidebar.selectbox(key="model").set_value("claude-opus-4-8").run()
    assert sidebar_value(at, "selectbox", "tool_version") == "computer_use_20260801"
    assert thinking_options(at) == ["Off", "Adaptive (effort)"]
    assert sidebar_value(at, "radio", "thinking_mode") == "off"
    at.sidebar.radio(key="thinking_mode").set_value("adaptive").run()
    assert at.sidebar.select_slider(key="thinking_effort").value == "medium"
    assert not [n for n in at.sidebar.number_input if n.key == "thinking_budget"]
    assert not at.exception


def test_tool_version_override_sticks_until_the_model_changes(config_dir):
    at = start()
    at.sidebar.selectbox(key="tool_version").set_value("computer_use_20250124").run()
    assert sidebar_value(at, "selectbox", "tool_version") == "computer_use_20250124"
    assert any("Overridden" in c.value for c in at.sidebar.caption)
    at.sidebar.checkbox(key="hide_screenshots").check().run()
    assert sidebar_value(at, "selectbox", "tool_version") == "computer_use_20250124"
    at.sidebar.selectbox(key="model").set_value("claude-haiku-4-5").run()
    assert sidebar_value(at, "selectbox", "tool_version") == "computer_use_20250429"


def test_a_tool_version_the_model_would_reject_is_flagged_before_any_request(config_dir):
    at = start()
    at.sidebar.selectbox(key="model").set_value("claude-sonnet-4-5").run()
    assert not at.sidebar.warning
    at.sidebar.selectbox(key="tool_version").set_value("computer_use_20251124").run()
    [warning] = at.sidebar.warning
    assert "claude-sonnet-4-5 does not take computer_20251124" in warning.value
    assert "Use computer_use_20250429" in warning.value
    # Same computer tool as the model's own version (the editor follows the model): fine.
    at.sidebar.selectbox(key="tool_version").set_value("computer_use_20250124").run()
    assert not at.sidebar.warning and not at.exception


def test_max_tokens_is_capped_by_the_model(config_dir):
    at = start()
    at.sidebar.selectbox(key="model").set_value("claude-opus-4-1").run()
    assert at.sidebar.number_input(key="max_tokens").value == 16_384
    at.sidebar.number_input(key="max_tokens").set_value(32_000).run()
    assert at.sidebar.number_input(key="max_tokens").value == 32_000
    at.sidebar.selectbox(key="model").set_value("claude-opus-4-6").run()
    assert at.sidebar.number_input(key="max_tokens").value == 16_384
    assert not at.exception


def test_budget_stays_below_max_tokens(config_dir):
    at = start()
    at.sidebar.selectbox(key="model").set_value("claude-sonnet-4-5").run()
    at.sidebar.radio(key="thinking_mode").set_value("extended").run()
    at.sidebar.number_input(key="thinking_budget").set_value(8000).run()
    at.sidebar.number_input(key="max_tokens").set_value(4000).run()
    assert at.sidebar.number_input(key="thinking_budget").value == 3999
    assert not at.exception


def test_custom_model_id_is_accepted(config_dir, monkeypatch):
    # AppTest cannot type a new option into a selectbox, so the id comes from ANTHROPIC_MODEL.
    monkeypatch.setenv("ANTHROPIC_MODEL", "claude-experimental-9")
    at = start()
    assert sidebar_value(at, "selectbox", "model") == "claude-experimental-9"
    assert any("Unknown model id" in c.value for c in at.sidebar.caption)
    assert not at.exception


def test_provider_switch_picks_that_providers_default(config_dir):
    at = start()
    at.sidebar.radio(key="provider").set_value("bedrock").run()
    model = sidebar_value(at, "selectbox", "model")
    assert "anthropic." in model
    assert not [t for t in at.sidebar.text_input if t.key == "api_key_input"]  # no Anthropic key for Bedrock
    assert any("Bedrock" in e.value or "AWS" in e.value for e in at.error)


def test_key_entered_in_the_sidebar_is_saved_0600_and_never_redisplayed(config_dir):
    at = start()
    assert any("No Anthropic API key" in e.value for e in at.error)
    at.sidebar.text_input(key="api_key_input").input("sk-ant-sidebar-secret-42").run()
    key_file = config_dir / "api_key"
    assert key_file.read_text().strip() == "sk-ant-sidebar-secret-42"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert at.sidebar.text_input(key="api_key_input").value == ""
    assert "saved file" in at.sidebar.text_input(key="api_key_input").placeholder
    assert not any("No Anthropic API key" in e.value for e in at.error)
    # The key appears in no element of the page.
    assert "sk-ant-sidebar-secret-42" not in str(at._tree)

    fresh = start()  # a new browser session loads the saved key
    assert not any("No Anthropic API key" in e.value for e in fresh.error)
    fresh.sidebar.button[0].click().run()  # "Forget the saved key"
    assert not key_file.exists()


def test_key_from_environment(config_dir, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env-123")
    at = start()
    assert "ANTHROPIC_API_KEY" in at.sidebar.text_input(key="api_key_input").placeholder
    assert not any("No Anthropic API key" in e.value for e in at.error)


def test_system_prompt_suffix_is_persisted(config_dir):
    at = start()
    at.sidebar.text_area(key="system_prompt_suffix").input("Prefer the keyboard.").run()
    assert (config_dir / "system_prompt").read_text() == "Prefer the keyboard."
    assert start().sidebar.text_area(key="system_prompt_suffix").value == "Prefer the keyboard."


def test_security_warning_unless_hidden(config_dir, monkeypatch):
    assert any("Security" in w.value for w in start().warning)
    monkeypatch.setenv("HIDE_WARNING", "1")
    assert not any("Security" in w.value for w in start().warning)
