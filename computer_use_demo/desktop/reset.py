"""Restarting the desktop through the image's reset script (the chat's Reset button, the tool server's
`reset_desktop`).

The script starts long-lived daemons (X server, window manager, VNC), which inherit the script's stdout and
stderr. So its output goes to a file, never to a pipe we wait on: a pipe would stay open as long as the
daemons live and the call would never return.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from computer_use_demo.desktop.environment import without_secrets

RESET_SCRIPT_ENV = "DESKTOP_RESET_SCRIPT"
DEFAULT_SCRIPT = Path(__file__).resolve().parents[2] / "image" / "reset-desktop.sh"
TIMEOUT_SECONDS = 90.0
OUTPUT_TAIL_CHARS = 2000


@dataclass(frozen=True)
class ResetOutcome:
    ok: bool
    message: str
    output: str = ""


def reset_script() -> Path:
    configured = os.environ.get(RESET_SCRIPT_ENV, "").strip()
    return Path(configured) if configured else DEFAULT_SCRIPT


def run_reset_script(script: Path | None = None, *, timeout: float = TIMEOUT_SECONDS) -> ResetOutcome:
    script = script or reset_script()
    if not script.is_file():
        return ResetOutcome(False, f"The desktop reset script {script} does not exist.")
    if not os.access(script, os.X_OK):
        return ResetOutcome(False, f"The desktop reset script {script} is not executable.")
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as output:
        process = subprocess.Popen(
            [str(script)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=without_secrets(os.environ),
        )
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            output.seek(0)
            return ResetOutcome(
                False, f"The desktop reset did not finish within {timeout:.0f} s.", _tail(output)
            )
        output.seek(0)
        text = _tail(output)
    if code != 0:
        return ResetOutcome(False, f"The desktop reset failed (exit status {code}).", text)
    return ResetOutcome(True, "The desktop was restarted.", text)


def _tail(handle) -> str:
    text = handle.read()
    return text[-OUTPUT_TAIL_CHARS:]
