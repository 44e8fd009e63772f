from __future__ import annotations

import datetime as dt

import pytest

from computer_use_demo.agent.prompts import DESKTOP_APPS, build_system_prompt


def test_describes_the_desktop_and_the_date() -> None:
    prompt = build_system_prompt(today=dt.date(2026, 11, 22), display=":7", architecture="aarch64")
    assert "Debian 12" in prompt and "aarch64" in prompt
    assert "Sunday, November 22, 2026" in prompt
    for _name, command in DESKTOP_APPS:
        assert f"`{command}`" in prompt
    assert "DISPLAY=:7 setsid firefox-esr" in prompt, "GUI apps are started detached, on our display"


def test_display_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":42")
    assert "X display :42" in build_system_prompt()
    monkeypatch.delenv("DISPLAY")
    assert "X display :1" in build_system_prompt()


def test_suffix_goes_last_verbatim() -> None:
    plain = build_system_prompt(today=dt.date(2026, 1, 1))
    with_suffix = build_system_prompt(suffix="  Reply in Dutch.\n", today=dt.date(2026, 1, 1))
    assert with_suffix == plain + "\n\nReply in Dutch."
    assert build_system_prompt(suffix="   ", today=dt.date(2026, 1, 1)) == plain


def test_same_inputs_same_prompt() -> None:
    # The system prompt is part of the cached prefix: it must not change between turns of a run.
    args = {"today": dt.date(2026, 3, 4), "display": ":1", "architecture": "x86_64"}
    assert build_system_prompt(**args) == build_system_prompt(**args)


def test_the_reference_import_path_offers_the_system_prompt() -> None:
    from computer_use_demo import loop
    from computer_use_demo.loop import SYSTEM_PROMPT, APIProvider, sampling_loop

    assert SYSTEM_PROMPT.startswith("<environment>") and "Debian 12" in SYSTEM_PROMPT
    assert {"SYSTEM_PROMPT", "sampling_loop", "APIProvider"} <= set(loop.__all__)
    assert callable(sampling_loop) and APIProvider.ANTHROPIC == "anthropic"
