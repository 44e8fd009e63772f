"""Bundled trajectories for the keyless demo: a terminal opens, a file is written, edited and shown.

- `terminal_edit`: recorded on a bare 1024x768 X screen (what the tests' Xvfb shows);
- `terminal_edit_desktop`: the same run on the image's desktop (mutter and the tint2 panel), what
  `make run` shows; its screenshots are stored at half size (the JSONL keeps the size the model saw).

Both come from a scripted run recorded by `tests/support/sample_trajectory.py`. `sample_for_display`
picks the one that matches the desktop, so the demo's replay compares like with like.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
DEFAULT_SAMPLE = SAMPLES_DIR / "terminal_edit"
DESKTOP_SAMPLE = SAMPLES_DIR / "terminal_edit_desktop"


def window_manager_running(display: str | None = None) -> bool:
    """Whether a window manager has registered itself on the display (as mutter does under `make run`)."""
    env = {**os.environ, "DISPLAY": display or os.environ.get("DISPLAY", ":0")}
    try:
        done = subprocess.run(
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and "window id #" in done.stdout


def sample_for_display(display: str | None = None) -> Path:
    return DESKTOP_SAMPLE if window_manager_running(display) else DEFAULT_SAMPLE
