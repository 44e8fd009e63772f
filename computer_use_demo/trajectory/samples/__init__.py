"""Bundled trajectories. `terminal_edit` is the keyless demo: it opens a terminal, types and edits a file.

It was recorded from a scripted run (`tests/support/sample_trajectory.py`) on a 1024x768 Xvfb.
"""

from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
DEFAULT_SAMPLE = SAMPLES_DIR / "terminal_edit"
