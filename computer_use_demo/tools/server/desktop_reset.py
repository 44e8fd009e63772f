"""Resetting the desktop from the app (the chat's Reset button, the HTTP API's reset route): through the
desktop tool server when the app has one (the desktop belongs to another user there), else by running the
reset script here."""

from __future__ import annotations

from pathlib import Path

from computer_use_demo.desktop.reset import (
    RESET_SCRIPT_ENV,
    TIMEOUT_SECONDS,
    ResetOutcome,
    reset_script,
    run_reset_script,
)
from computer_use_demo.tools.server.address import AddressError, configured_address, configured_token
from computer_use_demo.tools.server.client import ToolServerError, reset_through_server

__all__ = ["RESET_SCRIPT_ENV", "ResetOutcome", "reset_desktop", "reset_script"]


def reset_desktop(script: Path | None = None, *, timeout: float = TIMEOUT_SECONDS) -> ResetOutcome:
    """An explicit `script` always runs here; otherwise the configured tool server does the reset."""
    if script is None:
        try:
            address = configured_address()
            if address is not None:
                return reset_through_server(address, token=configured_token(), timeout=timeout)
        except (AddressError, ToolServerError, OSError) as exc:
            return ResetOutcome(False, f"The desktop reset failed: {exc}")
    return run_reset_script(script, timeout=timeout)
