"""The MCP server over streamable HTTP, as a route of the API server (`/mcp`).

It sits behind the API's own gates (bearer token, body limit), so the SDK's DNS-rebinding check is off: a
page that rebinds a name to this machine still has no token. Sessions live as long as the server; all
of them share the process's desktop tools (one bash shell), closed with the service state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route

from computer_use_demo.mcp.desktop_tools import DesktopToolbox
from computer_use_demo.mcp.server import build_server
from computer_use_demo.service.state import ServiceState


class McpHttpEndpoint:
    def __init__(self, state: ServiceState) -> None:
        self.sessions = StreamableHTTPSessionManager(
            app=build_server(state, DesktopToolbox(state.desktop)),
            security_settings=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )

    def route(self, path: str) -> Route:
        return Route(path, endpoint=StreamableHTTPASGIApp(self.sessions), methods=["GET", "POST", "DELETE"])

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with self.sessions.run():
            yield
