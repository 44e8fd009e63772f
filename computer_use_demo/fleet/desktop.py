"""One pooled desktop as the pool's process sees it, and what every backend must do.

A pooled desktop runs only its X session, noVNC and the desktop tool server (TCP, a per-desktop token):
`image/supervisor.sh pool-desktop`. The agent loops run in the pool's process, which reaches the desktop's
tools through `tools_for(handle, group)`, so the API key never enters a desktop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from computer_use_demo.tools import ToolCollection, ToolGroup
from computer_use_demo.tools.computer.scaling import ImageTier
from computer_use_demo.tools.server.address import parse_address
from computer_use_demo.tools.server.proxy import remote_tool_collection

# Every container, service, process and run folder a pool makes carries this label (or name prefix),
# with the pool's id as value, so `pool cleanup` finds what a killed pool left.
OWNER_LABEL = "computer-use-demo.pool"


class DesktopError(RuntimeError):
    """A desktop could not be made, reset, checked or reached; the message says which and why."""


@dataclass(frozen=True)
class DesktopHandle:
    desktop_id: str  # unique within its backend, e.g. "local-3" or a container name
    backend: str  # "local", "docker" or "swarm"
    tool_server: str  # tcp://host:port
    token: str = field(repr=False)  # what tool-server clients present; never logged
    novnc: str  # http://host:port, where /vnc.html and its websocket are served
    vnc_password: str = field(default="", repr=False)
    created_at: float = field(default_factory=time.time)

    def describe(self) -> dict[str, object]:
        """What the API and the pool page show (no token, no password)."""
        return {
            "id": self.desktop_id,
            "backend": self.backend,
            "tool_server": self.tool_server,
            "novnc": self.novnc,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str = ""


class DesktopBackend(Protocol):
    """Makes and unmakes desktops. Every method may block for seconds: the pool calls them in threads."""

    name: str

    def create(self) -> DesktopHandle:
        """A new desktop, ready (its tool server answers) when this returns; `DesktopError` otherwise."""
        ...

    def reset(self, handle: DesktopHandle) -> None:
        """Back to a fresh desktop: apps closed, home restored, display restarted; `DesktopError` if not."""
        ...

    def problems(self, handle: DesktopHandle) -> list[str]:
        """Why this desktop is not clean and healthy (empty: ready for the next session)."""
        ...

    def destroy(self, handle: DesktopHandle) -> None:
        """Gone, with every process, container, service and folder it had; never raises for a dead one."""
        ...

    def cleanup(self, pool_id: str | None = None) -> list[str]:
        """Remove what a pool (this one, or any when None) left behind; returns what was removed."""
        ...


def tools_for(handle: DesktopHandle, group: ToolGroup, *, image_tier: ImageTier) -> ToolCollection:
    """A run's tools on this desktop: proxies to its tool server."""
    return remote_tool_collection(
        parse_address(handle.tool_server), group, image_tier=image_tier, token=handle.token
    )
