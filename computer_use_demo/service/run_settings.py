"""Which `RunConfig` a run of a stored conversation gets: its earlier settings, then what the caller changes.

A conversation keeps the model it was started with, whichever front end continues it: the store notes the
provider, model and tool version of the last run (every front end's run session writes them), and the
event log the settings a caller of the API chose. A caller's overrides win. A new model without a tool
version gets the model's own, not the old model's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from computer_use_demo.runs.config import SETTING_NAMES, RunConfig
from computer_use_demo.store import ConversationStore
from computer_use_demo.store.events import EventLog

SETTINGS_EVENT = "settings"
# Settings a remote caller may not choose: the key would be sent to whatever endpoint it names.
UNSAFE_SETTINGS = frozenset({"base_url"})
REMOTE_SETTING_NAMES = tuple(name for name in SETTING_NAMES if name not in UNSAFE_SETTINGS)


def merged_settings(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Later layers win; a layer that picks a model or provider drops the earlier tool version."""
    merged: dict[str, Any] = {}
    for layer in layers:
        if ("model" in layer or "provider" in layer) and "tool_version" not in layer:
            merged.pop("tool_version", None)
        merged.update(layer)
    return merged


def stored_settings(store: ConversationStore, events: EventLog, conversation_id: str) -> dict[str, Any]:
    """The settings the conversation's next run starts from (`ConversationNotFound` if there is none)."""
    noted = store.get(conversation_id).settings
    base = {name: noted[name] for name in ("provider", "model", "tool_version") if name in noted}
    chosen = events.last_of_type(conversation_id, SETTINGS_EVENT)
    return merged_settings(base, chosen.data.get("settings", {}) if chosen else {})


def run_config(settings: Mapping[str, Any]) -> RunConfig:
    """The config for these settings; ValueError (naming the setting) when they do not make one."""
    unsafe = sorted(UNSAFE_SETTINGS & set(settings))
    if unsafe:
        raise ValueError(f"{', '.join(unsafe)} cannot be set through a remote front end")
    return RunConfig.from_overrides(settings)


def setting_named_in(message: str) -> str | None:
    """The setting a config error is about (the first named in its message), for the error's field path."""
    found = []
    for name in SETTING_NAMES:
        match = re.search(rf"\b{name}\b(?!')", message)  # "the model's limit" is prose, not the setting
        if match:
            found.append((match.start(), name))
    return min(found)[1] if found else None
