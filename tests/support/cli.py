"""Running `python -m computer_use_demo` as a real subprocess, with private config and lock folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli_env(tmp_path: Path, display: str, **extra: str) -> dict[str, str]:
    """The test's environment (the fake API's URL and key included) plus a private config and lock folder."""
    env = {
        **os.environ,
        "DISPLAY": display,
        "ANTHROPIC_CONFIG_DIR": str(tmp_path / "config"),
        "COMPUTER_USE_LOCK_DIR": str(tmp_path / "locks"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    (tmp_path / "locks").mkdir(exist_ok=True)
    return env


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "computer_use_demo", *args]


def run_cli(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def start_cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli_command(*args), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
