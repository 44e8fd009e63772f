"""Settings kept between sessions, in one directory (default `~/.anthropic`).

The directory can be moved with `ANTHROPIC_CONFIG_DIR` (tests use temporary ones). The API key file is
written atomically with mode 0600 and the directory is created 0700: the key is a secret. Errors are appended
to a JSON-lines log with the key scrubbed out, so a user can read later what went wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from computer_use_demo.models.credentials import API_KEY_FILE, saved_api_key
from computer_use_demo.store.paths import config_dir
from computer_use_demo.store.scrub import scrub_text

SYSTEM_PROMPT_FILE = "system_prompt"
ERRORS_FILE = "errors.jsonl"
# The error log is trimmed to its newest entries when it grows past this many bytes.
ERRORS_MAX_BYTES = 1_000_000


def default_config_dir() -> Path:
    return config_dir(create=False)


def atomic_write_text(path: Path, text: str, *, mode: int) -> None:
    """Write `text` to `path` through a temporary file and a rename, so readers never see half a file."""
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


def scrub(text: str, secrets: list[str]) -> str:
    """`text` without the configured API keys and without `secrets` (of a plausible length)."""
    return scrub_text(text, extra=secrets)


@dataclass
class ConfigStore:
    directory: Path

    @classmethod
    def default(cls) -> ConfigStore:
        return cls(default_config_dir())

    def _ensure_dir(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _read(self, name: str) -> str | None:
        try:
            return (self.directory / name).read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None

    # The API key
    def load_api_key(self) -> str:
        return saved_api_key(self.directory)

    def save_api_key(self, key: str) -> None:
        key = key.strip()
        if not key:
            self.delete_api_key()
            return
        self._ensure_dir()
        atomic_write_text(self.directory / API_KEY_FILE, key + "\n", mode=0o600)

    def delete_api_key(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.directory / API_KEY_FILE).unlink()

    # The custom system prompt suffix
    def load_system_prompt_suffix(self) -> str:
        return self._read(SYSTEM_PROMPT_FILE) or ""

    def save_system_prompt_suffix(self, text: str) -> None:
        if not text.strip():
            with contextlib.suppress(FileNotFoundError):
                (self.directory / SYSTEM_PROMPT_FILE).unlink()
            return
        self._ensure_dir()
        atomic_write_text(self.directory / SYSTEM_PROMPT_FILE, text, mode=0o600)

    # The error log
    def log_error(self, kind: str, message: str, *, secrets: list[str], **details: Any) -> None:
        """Append one error; never raises (a full disk must not turn an error report into a crash)."""
        entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "kind": kind, "message": message}
        entry.update(details)
        line = scrub(json.dumps(entry, default=str, ensure_ascii=False), secrets)
        try:
            self._ensure_dir()
            path = self.directory / ERRORS_FILE
            if path.exists() and path.stat().st_size > ERRORS_MAX_BYTES:
                self._trim_errors(path)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError:
            pass

    def _trim_errors(self, path: Path) -> None:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        atomic_write_text(path, "".join(line + "\n" for line in lines[len(lines) // 2 :]), mode=0o600)

    def read_errors(self, limit: int = 50) -> list[dict[str, Any]]:
        text = self._read(ERRORS_FILE) or ""
        entries = []
        for line in text.splitlines()[-limit:]:
            with contextlib.suppress(json.JSONDecodeError):
                entries.append(json.loads(line))
        return entries
