"""The HTTP API: conversations, runs, their event streams and screenshots, over the one run engine."""
