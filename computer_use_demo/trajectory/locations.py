"""Where recorded and exported trajectories go by default: `trajectories/` in the config folder, where
the UI's viewer lists them."""

from __future__ import annotations

import time
from pathlib import Path

from computer_use_demo.store.paths import config_dir

RECORDINGS_DIR_NAME = "trajectories"


def recordings_dir() -> Path:
    return config_dir(create=False) / RECORDINGS_DIR_NAME


def new_recording_folder(conversation_id: str) -> Path:
    """A fresh folder name for a recording of `conversation_id`, stamped with the time."""
    return recordings_dir() / f"{conversation_id}-{time.strftime('%Y%m%d-%H%M%S')}"
