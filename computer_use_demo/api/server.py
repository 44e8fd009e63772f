"""`python -m computer_use_demo serve`: the HTTP API (and MCP at /mcp) on uvicorn.

Port: `--port`, else `API_PORT`, else 8000. Address: `--host`, else `BIND_ADDRESS`, else loopback. The
token comes from `API_TOKEN` or the config folder; a newly generated one is announced once: on stderr,
or, under the image's supervisor (`API_TOKEN_NOTICE_FILE`), in a file the supervisor prints and removes.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from computer_use_demo.api.token import ApiToken, TokenError, load_or_create_token

if TYPE_CHECKING:
    from computer_use_demo.api.app import EndpointFactory

DEFAULT_PORT = 8000
NOTICE_FILE_ENV = "API_TOKEN_NOTICE_FILE"
OWNER = "the HTTP API"


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1-65535, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m computer_use_demo serve",
        description="Serve the HTTP API (conversations, runs, event streams, screenshots) and MCP at /mcp.",
    )
    parser.add_argument("--host", default=os.environ.get("BIND_ADDRESS") or "127.0.0.1")
    parser.add_argument("--port", type=_port, default=os.environ.get("API_PORT") or DEFAULT_PORT)
    parser.add_argument(
        "--max-body-bytes", type=int, default=int(os.environ.get("API_MAX_BODY_BYTES") or 1024 * 1024)
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[o for o in os.environ.get("API_CORS_ORIGINS", "").split(",") if o.strip()],
        help="allow browser pages from this origin (repeatable; default: none)",
    )
    return parser


def announce(token: ApiToken) -> None:
    """Tell the user a new token once; never when it came from the environment (they know it)."""
    if token.source != "generated":
        return
    notice = f"A new API token was generated and saved in {token.path}: {token.value}"
    target = os.environ.get(NOTICE_FILE_ENV, "").strip()
    if target:
        path = Path(target)
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(notice + "\n")
        print(f"A new API token was generated and saved in {token.path}.", file=sys.stderr)
    else:
        print(notice, file=sys.stderr)


def main(argv: list[str] | None = None, *, endpoints: Mapping[str, EndpointFactory] | None = None) -> int:
    """Serve until interrupted; `endpoints` (path -> factory) are served beside the routes."""
    args = build_parser().parse_args(argv)
    import uvicorn

    from computer_use_demo.api.app import create_app
    from computer_use_demo.service.state import ServiceState
    from computer_use_demo.store import config_dir

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        token = load_or_create_token(config_dir())
    except TokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    announce(token)
    app = create_app(
        ServiceState.open(owner=OWNER),
        token=token.value,
        max_body_bytes=args.max_body_bytes,
        cors_origins=args.cors_origin,
        endpoints=endpoints,
    )
    uvicorn.run(app, host=args.host, port=int(args.port), log_level="info", proxy_headers=False)
    return 0
