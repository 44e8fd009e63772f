"""A run of a conversation on a desktop: its settings, its session, and the hooks that observe it."""
