"""Persistence: conversations, their messages, usage and screenshots in the config folder."""

from computer_use_demo.store.conversations import ConversationNotFound, ConversationStore, ConversationSummary
from computer_use_demo.store.paths import CONFIG_DIR_ENV, config_dir, database_path

__all__ = [
    "CONFIG_DIR_ENV",
    "ConversationNotFound",
    "ConversationStore",
    "ConversationSummary",
    "config_dir",
    "database_path",
]
