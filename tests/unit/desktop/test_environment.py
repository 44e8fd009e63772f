"""Which variables desktop processes may see: credentials never, in any spelling we can foresee."""

from __future__ import annotations

import os
import subprocess
import sys

from computer_use_demo.desktop.environment import (
    desktop_environment,
    is_secret_name,
    secret_names,
    without_secrets,
)
from tests.support.tool_server import ROOT

SECRETS = [
    "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_BEARER_TOKEN_BEDROCK", "VNC_PASSWORD", "API_TOKEN",
    "COMPUTER_USE_TOOL_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS", "my_client_secret", "DB_PASSWD", "APIKEY",
]  # fmt: skip
HARMLESS = [
    "PATH", "HOME", "DISPLAY", "GIT_TERMINAL_PROMPT", "COMPUTER_USE_TOOL_TOKEN_FILE", "VNC_PASSWORD_FILE",
    "XAUTHORITY", "TOKENIZERS_PARALLELISM", "KEYBOARD", "ANTHROPIC_BASE_URL",
]  # fmt: skip


def test_credentials_are_recognised_and_ordinary_variables_are_not() -> None:
    assert [name for name in SECRETS if not is_secret_name(name)] == []
    assert [name for name in HARMLESS if is_secret_name(name)] == []


def test_without_secrets_keeps_everything_else() -> None:
    environ = {name: "x" for name in SECRETS + HARMLESS}
    assert without_secrets(environ) == {name: "x" for name in HARMLESS}
    assert secret_names(environ) == sorted(SECRETS)


def test_desktop_environment_is_an_allow_list_with_a_path() -> None:
    environ = {
        "ANTHROPIC_API_KEY": "k",
        "DISPLAY": ":1",
        "LC_ALL": "C",
        "RANDOM_THING": "y",
        "VNC_PASSWORD": "p",
    }
    assert desktop_environment(environ) == {
        "DISPLAY": ":1",
        "LC_ALL": "C",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }
    assert desktop_environment(desktop_environment(environ)) == desktop_environment(environ)


def test_the_command_line_lists_names_and_runs_commands_clean() -> None:
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-ant-x", "VNC_PASSWORD": "pw", "PYTHONPATH": str(ROOT)}
    names = subprocess.run(
        [sys.executable, "-m", "computer_use_demo.desktop.environment", "secret-names"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert {"ANTHROPIC_API_KEY", "VNC_PASSWORD"} <= set(names)
    shown = subprocess.run(
        [sys.executable, "-m", "computer_use_demo.desktop.environment", "exec", "--", "env"],
        env={**env, "DISPLAY": ":7"}, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "DISPLAY=:7" in shown and "sk-ant-x" not in shown and "PYTHONPATH" not in shown
