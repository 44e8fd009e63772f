"""Putting a pooled desktop back to a fresh state and checking it, through its own tool server, so the
same steps serve every backend (a local process tree, a container, a Swarm task)."""

from __future__ import annotations

from computer_use_demo.fleet.desktop import DesktopError, DesktopHandle
from computer_use_demo.tools.server.address import parse_address
from computer_use_demo.tools.server.client import ToolServerClient, ToolServerError, reset_through_server

RESET_TIMEOUT_S = 60.0
CHECK_TIMEOUT_S = 10.0


def reset_desktop(handle: DesktopHandle) -> None:
    """Apps closed and the display restarted by the desktop's reset script; `DesktopError` if not."""
    try:
        outcome = reset_through_server(
            parse_address(handle.tool_server), token=handle.token, timeout=RESET_TIMEOUT_S
        )
    except (ToolServerError, OSError) as exc:
        raise DesktopError(f"{handle.desktop_id}: reset failed: {exc}") from None
    if not outcome.ok:
        raise DesktopError(f"{handle.desktop_id}: reset failed: {outcome.message}")


def desktop_problems(handle: DesktopHandle) -> list[str]:
    """Why the desktop is not ready for another session (empty when it is)."""
    try:
        client = ToolServerClient(parse_address(handle.tool_server), token=handle.token).connect(
            timeout=CHECK_TIMEOUT_S
        )
    except (ToolServerError, OSError) as exc:
        return [f"{handle.desktop_id}: its tool server does not answer: {exc}"]
    client.close_blocking()
    return []
