"""The `local` backend: desktops on this machine, no Docker. Each has its own X display, VNC, noVNC and
tool-server ports, home and run folder, and is started by the image's own scripts
(`image/supervisor.sh pool-desktop`) with the desktop allow-list environment, never a credential.

Every desktop lives in `<root>/<pool id>/<desktop id>/` (`owner.json` says which pool process made it and
which supervisor runs it), so `cleanup` finds what a killed pool left.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from computer_use_demo.desktop.environment import desktop_environment
from computer_use_demo.fleet.desktop import DesktopError, DesktopHandle
from computer_use_demo.fleet.hygiene import desktop_problems, reset_desktop

APP_ROOT = Path(__file__).resolve().parents[2]
SUPERVISOR = APP_ROOT / "image" / "supervisor.sh"
FIRST_DISPLAY = 100
LAST_DISPLAY = 999
READY_TIMEOUT_S = 60.0


def default_root() -> Path:
    return Path(tempfile.gettempdir()) / f"computer-use-pool-{os.getuid()}"


class LocalBackend:
    name = "local"

    def __init__(
        self, *, root: Path | None = None, pool_id: str | None = None, width: int = 1024, height: int = 768
    ) -> None:
        self.root = root or default_root()
        self.pool_id = pool_id or f"pool-{os.getpid()}-{secrets.token_hex(3)}"
        self.width, self.height = width, height
        self._lock = threading.Lock()  # display and port choice, between concurrent creates
        self._reserved_ports: set[int] = set()
        self._processes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def pool_dir(self) -> Path:
        return self.root / self.pool_id

    def create(self) -> DesktopHandle:
        with self._lock:
            display = _free_display(self.root)
            desktop_dir = self.pool_dir / f"local-{display}"
            desktop_dir.mkdir(parents=True, mode=0o700)
            ports = [self._free_port() for _ in range(3)]
        vnc_port, novnc_port, tool_port = ports
        home, run_dir = desktop_dir / "home", desktop_dir / "run"
        home.mkdir()
        token = secrets.token_urlsafe(24)
        token_file = desktop_dir / "token"
        token_file.write_text(token + "\n")
        token_file.chmod(0o600)
        env = desktop_environment(os.environ) | {
            "HOME": str(home),
            "DISPLAY_NUM": str(display),
            "WIDTH": str(self.width),
            "HEIGHT": str(self.height),
            "VNC_PORT": str(vnc_port),
            "NOVNC_PORT": str(novnc_port),
            "TOOL_SERVER_PORT": str(tool_port),
            "TOOL_SERVER_TOKEN_FILE": str(token_file),
            "BIND_ADDRESS": "127.0.0.1",
            "STACK_RUN_DIR": str(run_dir),
            "PYTHON": sys.executable,
        }
        with open(desktop_dir / "supervisor.log", "ab") as log_file:
            process = subprocess.Popen(
                [str(SUPERVISOR), "pool-desktop"],
                env=env,
                cwd=home,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        desktop_id = desktop_dir.name
        self._processes[desktop_id] = process
        owner = {"pool_pid": os.getpid(), "supervisor_pid": process.pid, "display": display, "ports": ports}
        (desktop_dir / "owner.json").write_text(json.dumps(owner))
        handle = DesktopHandle(
            desktop_id=desktop_id,
            backend=self.name,
            tool_server=f"tcp://127.0.0.1:{tool_port}",
            token=token,
            novnc=f"http://127.0.0.1:{novnc_port}",
        )
        try:
            self._wait_ready(process, run_dir / "ready", desktop_dir / "supervisor.log")
        except DesktopError:
            self.destroy(handle)
            raise
        return handle

    def reset(self, handle: DesktopHandle) -> None:
        reset_desktop(handle)

    def problems(self, handle: DesktopHandle) -> list[str]:
        process = self._processes.get(handle.desktop_id)
        if process is None or process.poll() is not None:
            return [f"{handle.desktop_id}: its supervisor is not running"]
        return desktop_problems(handle)

    def destroy(self, handle: DesktopHandle) -> None:
        process = self._processes.pop(handle.desktop_id, None)
        desktop_dir = self.pool_dir / handle.desktop_id
        _stop_desktop_dir(desktop_dir, process)

    def cleanup(self, pool_id: str | None = None) -> list[str]:
        removed = []
        pools = [self.root / pool_id] if pool_id else sorted(self.root.glob("*"))
        for pool_dir in pools:
            for desktop_dir in sorted(pool_dir.glob("local-*")):
                _stop_desktop_dir(desktop_dir, None)
                removed.append(f"{pool_dir.name}/{desktop_dir.name}")
            if pool_dir.is_dir() and not any(pool_dir.iterdir()):
                pool_dir.rmdir()
        return removed

    def _free_port(self) -> int:
        while True:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            if port not in self._reserved_ports:
                self._reserved_ports.add(port)
                return port

    @staticmethod
    def _wait_ready(process: subprocess.Popen[bytes], ready: Path, log_path: Path) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not ready.exists():
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
                raise DesktopError("the desktop stopped while starting: " + " | ".join(tail))
            if time.monotonic() > deadline:
                raise DesktopError(f"the desktop was not ready within {READY_TIMEOUT_S:.0f} s")
            time.sleep(0.05)


def _free_display(root: Path) -> int:
    for number in range(FIRST_DISPLAY, LAST_DISPLAY + 1):
        taken = Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists()
        if not taken and not any(root.glob(f"*/local-{number}")):
            return number
    raise DesktopError(f"no free X display between :{FIRST_DISPLAY} and :{LAST_DISPLAY}")


def _stop_desktop_dir(desktop_dir: Path, process: subprocess.Popen[bytes] | None) -> None:
    """Stop the supervisor (which stops its components), then anything its pid files still name."""
    supervisor_pid = process.pid if process else _owner(desktop_dir).get("supervisor_pid")
    if supervisor_pid:
        _signal_group(int(supervisor_pid), signal.SIGTERM)
        _wait_gone(int(supervisor_pid), process, 10.0)
        _signal_group(int(supervisor_pid), signal.SIGKILL)
    for pid_file in (desktop_dir / "run" / "pids").glob("*.pid"):
        with contextlib.suppress(ValueError):
            _signal_group(int(pid_file.read_text().strip()), signal.SIGKILL)
    display = _owner(desktop_dir).get("display")
    if display is not None:
        for leftover in (Path(f"/tmp/.X{display}-lock"), Path(f"/tmp/.X11-unix/X{display}")):
            leftover.unlink(missing_ok=True)
    shutil.rmtree(desktop_dir, ignore_errors=True)


def _owner(desktop_dir: Path) -> dict[str, object]:
    try:
        return json.loads((desktop_dir / "owner.json").read_text())
    except (OSError, ValueError):
        return {}


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _wait_gone(pid: int, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                return
        else:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.05)
