"""Scrub on write: the configured API key is replaced by a marker in whatever is persisted.

A second line of defence: a tool result that printed the environment, a model reply quoting the key, or
an error message carrying it must not leave the key in the conversation database, a trajectory or a log.
The keys are the ones this machine is configured with: ANTHROPIC_API_KEY and the key saved by the UI.
"""

from __future__ import annotations

from collections.abc import Iterable

from computer_use_demo.models.credentials import environment_api_key, saved_api_key
from computer_use_demo.store.paths import config_dir

MARKER = "[redacted API key]"
# Shorter values are not plausible keys, and replacing them would mangle ordinary text.
MIN_SECRET_CHARS = 8


def configured_keys() -> list[str]:
    """The API keys in effect: the environment's and the saved one (read each time: the UI may change it)."""
    keys = [environment_api_key(), saved_api_key(config_dir(create=False))]
    return [key for key in keys if len(key) >= MIN_SECRET_CHARS]


def scrub_text(text: str, *, extra: Iterable[str] = ()) -> str:
    """`text` with every configured key (and every secret in `extra`) replaced by the marker."""
    secrets = {*configured_keys(), *(s for s in extra if s and len(s) >= MIN_SECRET_CHARS)}
    for secret in sorted(secrets, key=len, reverse=True):  # a key containing another goes first
        text = text.replace(secret, MARKER)
    return text
