"""The ASGI app: the routes, the token and body-size gates, closed CORS, and further endpoints behind
the same gates (the MCP server over streamable HTTP at `/mcp`: same process, store, runs and token).

    app = create_app(state, token="...", endpoints={"/mcp": McpHttpEndpoint})

Endpoints are handed in (by `python -m computer_use_demo serve`), so this front end imports no other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any, Protocol

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute

from computer_use_demo.api import (
    routes_control,
    routes_conversations,
    routes_desktop,
    routes_events,
    routes_runs,
)
from computer_use_demo.api.errors import install_error_handlers
from computer_use_demo.api.middleware import BearerTokenMiddleware, BodyLimitMiddleware
from computer_use_demo.service.state import ServiceState

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
API_VERSION = "1"


class Endpoint(Protocol):
    """Something served beside the routes: its route at a path, and what runs while the server does."""

    def route(self, path: str) -> BaseRoute: ...

    def running(self) -> AbstractAsyncContextManager[None]: ...


EndpointFactory = Callable[[ServiceState], Endpoint]


def create_app(
    state: ServiceState,
    *,
    token: str,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    cors_origins: Sequence[str] = (),
    endpoints: Mapping[str, EndpointFactory] | None = None,
) -> FastAPI:
    mounted = {path: make(state) for path, make in (endpoints or {}).items()}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for endpoint in mounted.values():
                await stack.enter_async_context(endpoint.running())
            stack.push_async_callback(state.close)  # first out: the runs stop before the endpoints go
            yield

    middleware: list[Middleware] = []
    if cors_origins:  # closed unless origins are named: no browser page elsewhere may call the API
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["GET", "POST", "DELETE"],
                allow_headers=["Authorization", "Content-Type", "Last-Event-ID", "Mcp-Session-Id"],
            )
        )
    middleware += [
        Middleware(BearerTokenMiddleware, token=token),
        Middleware(BodyLimitMiddleware, max_bytes=max_body_bytes),
    ]
    app = FastAPI(
        title="Computer use demo API",
        version=API_VERSION,
        description="Run Claude on this desktop: conversations, runs, their event streams, screenshots. "
        "Every route but /health needs 'Authorization: Bearer <token>'.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        middleware=middleware,
    )
    app.state.service = state
    install_error_handlers(app)

    @app.get("/health", tags=["server"])
    def health() -> dict[str, Any]:
        """Open to all (no token): the server answers."""
        return {"ok": True}

    for module in (routes_conversations, routes_runs, routes_control, routes_events, routes_desktop):
        app.include_router(module.router)
    for path, endpoint in mounted.items():
        app.router.routes.append(endpoint.route(path))
    return app
