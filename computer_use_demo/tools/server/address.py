"""Where a tool server listens, and the token a TCP client presents.

`unix:/run/computer-use/tools/tools.sock` or `tcp://host:port`. The app finds its server in
`COMPUTER_USE_TOOL_SERVER`, and the token in `COMPUTER_USE_TOOL_TOKEN` or the file named by
`COMPUTER_USE_TOOL_TOKEN_FILE`. No address configured means tools run in-process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SERVER_ENV = "COMPUTER_USE_TOOL_SERVER"
TOKEN_ENV = "COMPUTER_USE_TOOL_TOKEN"
TOKEN_FILE_ENV = "COMPUTER_USE_TOOL_TOKEN_FILE"
MIN_TOKEN_CHARS = 16


class AddressError(ValueError):
    """A tool server address or token that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class ServerAddress:
    kind: str  # "unix" or "tcp"
    path: str = ""
    host: str = ""
    port: int = 0

    def __str__(self) -> str:
        if self.kind == "unix":
            return f"unix:{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"


def parse_address(text: str) -> ServerAddress:
    text = text.strip()
    if text.startswith("unix:"):
        path = text.removeprefix("unix:").removeprefix("//")
        if not path.startswith("/"):
            raise AddressError(f"tool server address {text!r}: a Unix socket path must be absolute")
        return ServerAddress("unix", path=path)
    if text.startswith("tcp://"):
        parts = urlsplit(text)
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None or parts.path not in ("", "/"):
            raise AddressError(f"tool server address {text!r}: expected tcp://HOST:PORT")
        return ServerAddress("tcp", host=parts.hostname, port=port)
    raise AddressError(f"tool server address {text!r}: expected unix:/path/to/socket or tcp://HOST:PORT")


def configured_address(environ: dict[str, str] | None = None) -> ServerAddress | None:
    """The app's tool server, or None when tool calls run in this process."""
    value = (environ if environ is not None else os.environ).get(SERVER_ENV, "").strip()
    return parse_address(value) if value else None


def read_token_file(path: str | Path) -> str:
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise AddressError(f"cannot read the tool server token file {path}: {exc.strerror}") from None
    return check_token(token, f"the token in {path}")


def check_token(token: str, where: str) -> str:
    if len(token) < MIN_TOKEN_CHARS or any(ch.isspace() for ch in token):
        raise AddressError(f"{where} must be at least {MIN_TOKEN_CHARS} characters without spaces")
    return token


def configured_token(environ: dict[str, str] | None = None) -> str | None:
    environ = environ if environ is not None else dict(os.environ)
    if environ.get(TOKEN_ENV, "").strip():
        return check_token(environ[TOKEN_ENV].strip(), TOKEN_ENV)
    if environ.get(TOKEN_FILE_ENV, "").strip():
        return read_token_file(environ[TOKEN_FILE_ENV].strip())
    return None
