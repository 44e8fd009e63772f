"""Where the Claude API key comes from: `ANTHROPIC_API_KEY`, or the key file in the config folder.

Every front end asks here, so they agree on the lookup. Only the Claude API takes a key; Bedrock and
Vertex use the cloud's own credential chains. The key is returned, never logged or shown.
"""

from __future__ import annotations

import os
from pathlib import Path

API_KEY_ENV = "ANTHROPIC_API_KEY"
API_KEY_FILE = "api_key"  # in the config folder, mode 0600


class MissingAPIKey(LookupError):
    """No key anywhere: the message says where to put one."""


def saved_api_key(config_dir: Path) -> str:
    """The key saved in `config_dir` (the web UI writes it there), or ""."""
    try:
        return (config_dir / API_KEY_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):  # none saved, or unreadable: no key from here
        return ""


def environment_api_key() -> str:
    return os.environ.get(API_KEY_ENV, "").strip()


def api_key_for(provider: str, config_dir: Path) -> str | None:
    """The key a run on `provider` should use: the environment's first, then the saved one.

    None for providers that take no key; `MissingAPIKey` when the Claude API has none.
    """
    if provider != "anthropic":
        return None
    key = environment_api_key() or saved_api_key(config_dir)
    if not key:
        raise MissingAPIKey(
            f"No API key: set {API_KEY_ENV} or save one in the web UI "
            f"(it goes to {config_dir / API_KEY_FILE})."
        )
    return key
