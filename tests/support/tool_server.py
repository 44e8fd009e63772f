"""A real desktop tool server for tests: `python -m computer_use_demo.tools.server` in its own process,
on a Unix socket in a temp folder or on loopback TCP, stopped by its PID."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A credential the server's environment receives: nothing it starts may show it.
PLANTED_KEY = "sk-ant-api03-PLANTED-test-key-0123456789abcdef"


@dataclass(frozen=True)
class RunningServer:
    address: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def client_env(address: str, **extra: str) -> dict[str, str]:
    """An app-side environment that sends every tool call to the server at `address`."""
    return {**os.environ, "COMPUTER_USE_TOOL_SERVER": address, "PYTHONPATH": str(ROOT), **extra}


@contextlib.contextmanager
def running_tool_server(
    folder: Path,
    *,
    listen: str | None = None,
    args: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 20.0,
) -> Iterator[RunningServer]:
    listen = listen or f"unix:{folder / 'tools.sock'}"
    log = folder / "tool-server.log"
    environ = {**os.environ, "ANTHROPIC_API_KEY": PLANTED_KEY, "VNC_PASSWORD": "planted-vnc", **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "computer_use_demo.tools.server", "--listen", listen,
             "--workdir", str(folder), *args],
            cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        while "tool server listening on" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the tool server did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)
        address = listen
        if listen.startswith("tcp://") and listen.endswith(":0"):
            line = next(x for x in log.read_text().splitlines() if "listening on" in x)
            address = line.rsplit(" ", 1)[1]
        yield RunningServer(address, process, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
