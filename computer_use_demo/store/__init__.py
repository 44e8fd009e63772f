"""Persistence: conversations, their messages, usage and screenshots in the config folder."""

from .conversations import ConversationNotFound, ConversationStore, ConversationSummary
from .paths import CONFIG_DIR_ENV, config_dir, database_path

__all__ = [
    "CONFIG_DIR_ENV",
    "ConversationNotFound",
    "ConversationStore",
    "ConversationSummary",
    "config_dir",
    "database_path",
]
