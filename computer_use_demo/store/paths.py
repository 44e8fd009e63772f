"""Where the app keeps its state: the config folder (`~/.anthropic`, the folder the container mounts).

`ANTHROPIC_CONFIG_DIR` moves it, so tests and parallel installs never touch a real home folder.
The UI's settings code and the store both resolve the folder here.
"""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_DIR_ENV = "ANTHROPIC_CONFIG_DIR"
DATABASE_NAME = "conversations.db"
API_KEY_FILE = "api_key"  # the key saved by the UI
SCREENSHOTS_DIR_NAME = "screenshots"


def config_dir(*, create: bool = True) -> Path:
    override = os.environ.get(CONFIG_DIR_ENV, "").strip()
    folder = Path(override).expanduser() if override else Path.home() / ".anthropic"
    if create:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def database_path() -> Path:
    return config_dir() / DATABASE_NAME
