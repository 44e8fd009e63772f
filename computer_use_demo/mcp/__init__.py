"""The MCP server: this desktop's tools and `run_task`, over stdio or streamable HTTP (`/mcp`).

Inside this package `mcp` is always the official SDK (absolute imports); this package is only ever
`computer_use_demo.mcp`. If it were found as a top-level `mcp` (its parent folder on sys.path), it would
hide the SDK, so that is refused at once rather than failing somewhere obscure.
"""

if __name__ == "mcp":  # pragma: no cover - a sys.path mistake
    raise ImportError(
        "computer_use_demo/mcp was imported as the top-level 'mcp' package and would hide the MCP SDK: "
        "remove the computer_use_demo folder from sys.path"
    )
