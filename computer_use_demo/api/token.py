"""The API's bearer token: `API_TOKEN`, or one generated at first start and kept in the config folder.

The file is written once, atomically, readable by its owner only (0600); later starts read it back, so
clients keep working across restarts. A token given in the environment is never written anywhere.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

API_TOKEN_ENV = "API_TOKEN"
TOKEN_FILE = "api_token"
MIN_TOKEN_CHARS = 16


class TokenError(RuntimeError):
    """The token is unusable (too short, or its file cannot be read or written)."""


@dataclass(frozen=True)
class ApiToken:
    value: str
    source: str  # "environment", "file" or "generated"
    path: Path | None = None

    def __repr__(self) -> str:  # never in a log by accident
        return f"ApiToken(source={self.source!r}, path={self.path!r})"


def token_path(config_dir: Path) -> Path:
    return config_dir / TOKEN_FILE


def load_or_create_token(config_dir: Path) -> ApiToken:
    given = os.environ.get(API_TOKEN_ENV, "").strip()
    if given:
        return ApiToken(_checked(given, API_TOKEN_ENV), "environment")
    path = token_path(config_dir)
    try:
        return ApiToken(_checked(path.read_text(encoding="utf-8").strip(), str(path)), "file", path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise TokenError(f"cannot read the API token file {path}: {exc}") from exc
    value = secrets.token_urlsafe(32)
    try:
        if _write_new(path, value):
            return ApiToken(value, "generated", path)
        # Another process created it first: use that one.
        return ApiToken(_checked(path.read_text(encoding="utf-8").strip(), str(path)), "file", path)
    except OSError as exc:
        raise TokenError(f"cannot write the API token file {path}: {exc}") from exc


def _checked(value: str, where: str) -> str:
    if len(value) < MIN_TOKEN_CHARS:
        raise TokenError(f"the API token in {where} is shorter than {MIN_TOKEN_CHARS} characters")
    return value


def _write_new(path: Path, value: str) -> bool:
    """Write the token into a new file (0600); False when the file appeared meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".api_token-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(value + "\n")
        os.chmod(temp, 0o600)
        try:
            os.link(temp, path)  # fails if the file exists: never replaces a token in use
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
