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


def run_in_pty(
    *args: str, env: dict[str, str], answers: list[tuple[str, str]], timeout: float = 120
) -> tuple[int, str]:
    """Run the CLI on a real pseudo-terminal (stdin, stdout and stderr); each time the output shows
    `answers[i][0]`, type `answers[i][1]`. Returns the exit status and everything the terminal showed."""
    import pty
    import select
    import time

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        cli_command(*args), cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
    )
    os.close(slave)
    shown, seen_upto, pending = b"", 0, list(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk and proc.poll() is not None:
                    break
                shown += chunk
                if pending and pending[0][0].encode() in shown[seen_upto:]:
                    seen_upto = len(shown)
                    os.write(master, pending.pop(0)[1].encode())
            elif proc.poll() is not None:
                break
        else:
            raise TimeoutError(
                f"the CLI did not finish in {timeout} s; it showed:\n{shown.decode(errors='replace')}"
            )
        return proc.wait(timeout=10), shown.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
