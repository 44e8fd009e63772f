"""`python -m computer_use_demo.tools.server --listen unix:/path | tcp://host:port [options]`.

The server first makes its own environment the desktop allow-list (re-executing itself if anything else
is in it), so neither it nor anything it starts (bash, the editor, apps) can show a credential, even in
/proc/<pid>/environ. Its TCP token therefore comes from a file, never from the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from computer_use_demo.desktop.environment import desktop_environment
from computer_use_demo.desktop.reset import DEFAULT_SCRIPT
from computer_use_demo.tools.server.address import SERVER_ENV, AddressError, parse_address, read_token_file
from computer_use_demo.tools.server.server import ServerConfig, ToolServer

_CLEANED_FLAG = "--environment-cleaned"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m computer_use_demo.tools.server",
        description="Serve tool calls (computer, bash, editor) on this desktop to the app.",
    )
    parser.add_argument("--listen", help=f"unix:/path or tcp://host:port (default: ${SERVER_ENV})")
    parser.add_argument(
        "--allow-uid",
        action="append",
        type=int,
        default=[],
        metavar="UID",
        help="uid allowed on the Unix socket (repeatable; default: this process's own uid)",
    )
    parser.add_argument("--token-file", type=Path, help="file holding the token clients must present (TCP)")
    parser.add_argument("--reset-script", type=Path, default=DEFAULT_SCRIPT, help="what reset_desktop runs")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where bash sessions start (default: $HOME)"
    )
    parser.add_argument(_CLEANED_FLAG, action="store_true", help=argparse.SUPPRESS)
    return parser


def _clean_environment_or_reexec(argv: list[str]) -> None:
    clean = desktop_environment(os.environ)
    if dict(os.environ) == clean:
        return
    if _CLEANED_FLAG in argv:  # cannot happen (the allow-list is idempotent); never loop
        os.environ.clear()
        os.environ.update(clean)
        return
    os.execve(sys.executable, [sys.executable, "-m", __package__, *argv, _CLEANED_FLAG], clean)


async def _serve(server: ToolServer, listen: str) -> None:
    await server.start(parse_address(listen))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    serving = asyncio.create_task(server.serve_forever())
    await stop.wait()
    serving.cancel()
    await server.close()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    listen = args.listen or os.environ.get(SERVER_ENV, "")
    _clean_environment_or_reexec(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s [tool-server] %(message)s", datefmt="%H:%M:%S"
    )
    try:
        if not listen:
            raise AddressError(f"give --listen (or set {SERVER_ENV})")
        token = read_token_file(args.token_file) if args.token_file else None
        allowed = frozenset(args.allow_uid) if args.allow_uid else frozenset({os.getuid()})
        os.chdir(args.workdir or Path.home())
        server = ToolServer(ServerConfig(token=token, allowed_uids=allowed, reset_script=args.reset_script))
        asyncio.run(_serve(server, listen))
    except (AddressError, ValueError, OSError) as exc:
        print(f"tool server: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
