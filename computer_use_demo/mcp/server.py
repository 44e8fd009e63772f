"""The MCP server (the official SDK's low-level `Server`): the desktop tools and `run_task`.

`python -m computer_use_demo mcp` serves it over stdio (what Claude Code and Claude Desktop start); the
HTTP API serves the same tools over streamable HTTP at `/mcp`. A tool call never fails at the protocol
level: unknown tools, bad arguments and tool failures are results with `isError` and a message.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from mcp import types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

from computer_use_demo.mcp.desktop_tools import DesktopToolbox
from computer_use_demo.mcp.results import error_result
from computer_use_demo.mcp.task_tool import LISTING as RUN_TASK_LISTING
from computer_use_demo.mcp.task_tool import NAME as RUN_TASK
from computer_use_demo.mcp.task_tool import TaskRunner
from computer_use_demo.service.state import ServiceState

log = logging.getLogger(__name__)

SERVER_NAME = "computer-use-demo"
OWNER = "the MCP server"
INSTRUCTIONS = (
    "A Linux desktop (X11) you can see and operate. Take a screenshot first: coordinates are pixels of the "
    "last screenshot. Each action returns the screen afterwards. bash and edit_file work on the same "
    "machine. run_task hands a whole task to Claude on this desktop and returns its answer."
)


def build_server(state: ServiceState, toolbox: DesktopToolbox) -> Server[Any]:
    tasks = TaskRunner(state)
    listing = [*toolbox.listing(), RUN_TASK_LISTING]

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listing)

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        arguments = params.arguments or {}
        if not isinstance(arguments, dict):
            return error_result("Tool arguments must be a JSON object.")
        try:
            if params.name == RUN_TASK:

                async def progress(step: float, message: str) -> None:
                    await ctx.session.report_progress(step, None, message)

                return await tasks.call(arguments, progress)
            if toolbox.has(params.name):
                return await toolbox.call(params.name, arguments)
        except Exception as exc:  # a bug of ours: still an answer the client's model can read
            log.exception("MCP tool %s failed", params.name)
            return error_result(f"{params.name} failed unexpectedly: {type(exc).__name__}: {exc}")
        known = ", ".join(tool.name for tool in listing)
        return error_result(f"Unknown tool {params.name!r}. Tools: {known}.")

    return Server(
        SERVER_NAME,
        version="1",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def serve_stdio() -> None:
    state = ServiceState.open(owner=OWNER)
    server = build_server(state, DesktopToolbox(state.desktop))
    try:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
    finally:
        await state.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m computer_use_demo mcp",
        description="Serve this desktop's tools and run_task over MCP on stdin/stdout (for Claude Code, "
        "Claude Desktop). Over HTTP, the API server has them at /mcp.",
    )
    parser.parse_args(argv)
    # stdout carries the protocol: every log line goes to stderr.
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(serve_stdio())
    except KeyboardInterrupt:
        return 130
    return 0
