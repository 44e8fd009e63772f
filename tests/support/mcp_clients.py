"""The MCP SDK's own client against our server: over stdio (`python -m computer_use_demo mcp` as a real
subprocess) or over streamable HTTP (the API server's /mcp, with the bearer token)."""

from __future__ import annotations

import base64
import io
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
from mcp import Client, StdioServerParameters, types
from mcp.client.streamable_http import streamable_http_client
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
# What the server process needs from the test's environment: the display, the fake API, private folders.
PASSED_ON = (
    "DISPLAY",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_CONFIG_DIR",
    "COMPUTER_USE_LOCK_DIR",
    "WIDTH",
    "HEIGHT",
)


def stdio_client() -> Client:
    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "computer_use_demo", "mcp"], env=env, cwd=str(ROOT)
    )
    return Client(params, read_timeout_seconds=120)


@asynccontextmanager
async def http_client(base_url: str, token: str | None) -> AsyncIterator[Client]:
    """A connected client; the HTTP client it is given is ours to close (the SDK leaves it open)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http:
        transport = streamable_http_client(f"{base_url}/mcp", http_client=http)
        async with Client(transport, read_timeout_seconds=120) as client:
            yield client


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def image_of(result: types.CallToolResult) -> Image.Image:
    images = [c for c in result.content if isinstance(c, types.ImageContent)]
    assert len(images) == 1 and images[0].mime_type == "image/png", result
    return Image.open(io.BytesIO(base64.b64decode(images[0].data)))
