"""`python -m computer_use_demo [serve|mcp|run|list|replay|export]`.

`serve` (the HTTP API, with the MCP server at /mcp) and `mcp` (the MCP server on stdio) are front ends of
their own; everything else is the command line's (`cli/main.py`). Dispatching and composing here keeps
the front ends from importing one another.
"""

import sys


def main(argv: list[str]) -> int:
    command = argv[0] if argv else None
    if command == "serve":
        from computer_use_demo.api.server import main as serve
        from computer_use_demo.mcp.http import McpHttpEndpoint

        return serve(argv[1:], endpoints={"/mcp": McpHttpEndpoint})
    if command == "mcp":
        from computer_use_demo.mcp.server import main as mcp

        return mcp(argv[1:])
    from computer_use_demo.cli.main import main as cli

    return cli(argv)


sys.exit(main(sys.argv[1:]))
