"""Checks of a running desktop stack, shared by the native test and the container test.

Everything goes over the real protocols: HTTP, RFB on the VNC port, RFB inside noVNC's websocket,
and X properties and screenshots taken on the stack's own display. `Desktop.run` runs a command next
to the stack (directly, or through `docker exec`), so the same checks serve both.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageStat

COMPONENTS_LIST = Path(__file__).resolve().parents[2] / "image" / "components.list"
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
RESTART_DEADLINE_SECONDS = 5.0
PANEL_HEIGHT = 40


@dataclass(frozen=True)
class Component:
    name: str
    ready_timeout: int
    user: str  # "desktop" (runs what the model can reach) or "app" (holds the API key)
    reset: str  # "reset" when Reset restarts it, else "-"
    x_role: str  # "x-server", "x-client" (dies with the X server) or "-"
    pool: str  # "pool" when a pooled desktop runs it too, else "-"


def components() -> list[Component]:
    """image/components.list, the one list of the stack's components, in start order."""
    rows = [line.split() for line in COMPONENTS_LIST.read_text().splitlines()]
    return [Component(r[0], int(r[1]), *r[2:6]) for r in rows if r and not r[0].startswith("#")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> object:
    """The predicate's first truthy value, or None when the timeout runs out."""
    deadline = time.monotonic() + timeout
    while True:
        with _quiet():
            value = predicate()
            if value:
                return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


class _quiet:
    """Connection errors while polling mean "not yet"."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, value, traceback) -> bool:
        return kind is not None and issubclass(kind, OSError | subprocess.SubprocessError | ValueError)


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def _recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError(f"connection closed after {len(data)} of {count} bytes")
        data += chunk
    return data


def rfb_banner(host: str, port: int, timeout: float = 5.0) -> bytes:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        return _recv_exactly(sock, 12)


def rfb_security_types(host: str, port: int, timeout: float = 5.0) -> list[int]:
    """The security types an RFB 3.8 server offers (1 = none, 2 = VNC password)."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        banner = _recv_exactly(sock, 12)
        sock.sendall(banner if banner == b"RFB 003.008\n" else b"RFB 003.008\n")
        count = _recv_exactly(sock, 1)[0]
        if count == 0:
            raise ConnectionError("server refused the connection")
        return list(_recv_exactly(sock, count))


def websocket_rfb_banner(host: str, port: int, path: str = "/websockify", timeout: float = 5.0) -> bytes:
    """Opens noVNC's websocket like the browser does and returns the first 12 bytes of RFB inside it."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n"
        f"Origin: http://{host}:{port}\r\n\r\n"
    )
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk:
                raise ConnectionError(f"no websocket handshake: {head!r}")
            head += chunk
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in status_line:
            raise ConnectionError(f"websocket upgrade refused: {status_line}")
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines if line)
        }
        expected = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            raise ConnectionError("bad Sec-WebSocket-Accept")
        payload = b""
        while len(payload) < 12:
            first, second = _recv_exactly(sock, 2)
            length = second & 0x7F
            if length == 126:
                length = int.from_bytes(_recv_exactly(sock, 2), "big")
            elif length == 127:
                length = int.from_bytes(_recv_exactly(sock, 8), "big")
            mask = _recv_exactly(sock, 4) if second & 0x80 else b""
            data = _recv_exactly(sock, length)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if first & 0x0F in (0x1, 0x2, 0x0):
                payload += data
            elif first & 0x0F == 0x8:
                raise ConnectionError("websocket closed before the RFB banner")
        return payload[:12]


def panel_visible(png: bytes, panel_height: int = PANEL_HEIGHT) -> tuple[bool, str]:
    """True when the bottom strip looks like a panel: unlike the area above it, and not one flat colour."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    panel = image.crop((0, height - panel_height, width, height))
    above = image.crop((0, height - 3 * panel_height, width, height - panel_height))
    panel_mean = ImageStat.Stat(panel).mean
    above_mean = ImageStat.Stat(above).mean
    difference = sum(abs(a - b) for a, b in zip(panel_mean, above_mean, strict=True))
    colours = len(panel.getcolors(maxcolors=1 << 16) or range(1 << 16))
    detail = f"panel/above mean difference {difference:.1f}, {colours} colours in the panel strip"
    return difference > 15 and colours > 200, detail


@dataclass
class Ports:
    """Where the test reaches each server; the *_inside ports are the servers' own (they differ under -p)."""

    host: str
    http: int
    streamlit: int
    novnc: int
    vnc: int
    streamlit_inside: int = 0
    novnc_inside: int = 0

    def __post_init__(self) -> None:
        self.streamlit_inside = self.streamlit_inside or self.streamlit
        self.novnc_inside = self.novnc_inside or self.novnc


@dataclass
class Desktop:
    """How to reach a running stack: its ports, and a way to run a command on its display.
    `app_pid_dir` is where the app components' pid files are when the app runs as its own user."""

    ports: Ports
    run: Callable[[Sequence[str]], subprocess.CompletedProcess]
    pid_dir: str
    healthcheck: str
    tool_socket: str = ""
    app_pid_dir: str = ""

    def pid(self, component: str) -> int | None:
        folder = self.app_pid_dir if self.app_pid_dir and component == "streamlit" else self.pid_dir
        done = self.run(["cat", f"{folder}/{component}.pid"])
        text = done.stdout.strip() if done.returncode == 0 else ""
        return int(text) if text.isdigit() else None


@dataclass
class CheckReport:
    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, function: Callable[[], tuple[bool, str]]) -> bool:
        try:
            ok, detail = function()
        except Exception as error:  # a failing check is a result, not the end of the run
            ok, detail = False, f"{type(error).__name__}: {error}"
        self.results.append((name, ok, detail))
        print(f"  [{'PASS' if ok else 'FAIL'}] {name}: {detail}", flush=True)
        return ok

    @property
    def failed(self) -> list[str]:
        return [name for name, ok, _ in self.results if not ok]

    def summary(self) -> str:
        passed = sum(ok for _, ok, _ in self.results)
        return f"{passed} passed, {len(self.results) - passed} failed"


# The individual checks: each returns (ok, detail) and raises only on connection errors.


def check_streamlit_health(desktop: Desktop) -> tuple[bool, str]:
    status, body = http_get(f"http://{desktop.ports.host}:{desktop.ports.streamlit}/_stcore/health")
    return status == 200 and body.strip() == "ok", f"HTTP {status} {body.strip()[:40]!r}"


def check_combined_page(desktop: Desktop) -> tuple[bool, str]:
    base = f"http://{desktop.ports.host}:{desktop.ports.http}"
    status, page = http_get(f"{base}/")
    config_status, config = http_get(f"{base}/config.js")
    script_status, script = http_get(f"{base}/page.js")
    ok = (
        status == 200
        and 'id="chat"' in page
        and 'id="desktop"' in page
        and 'id="control-toggle"' in page
        and config_status == 200
        and f"streamlitPort: {desktop.ports.streamlit_inside}" in config
        and f"novncPort: {desktop.ports.novnc_inside}" in config
        and script_status == 200
        and "window.location.origin" in script  # addresses are built from the page's own host
        and "localhost" not in page + script
    )
    return ok, f"HTTP {status}/{config_status}/{script_status}, config {config.strip()!r}"


def check_novnc_page(desktop: Desktop) -> tuple[bool, str]:
    status, body = http_get(f"http://{desktop.ports.host}:{desktop.ports.novnc}/vnc.html")
    return status == 200 and "noVNC" in body, f"HTTP {status}, {len(body)} bytes"


def check_rfb_direct(desktop: Desktop) -> tuple[bool, str]:
    banner = rfb_banner(desktop.ports.host, desktop.ports.vnc)
    return banner.startswith(b"RFB 003."), repr(banner)


def check_rfb_through_websocket(desktop: Desktop) -> tuple[bool, str]:
    banner = websocket_rfb_banner(desktop.ports.host, desktop.ports.novnc)
    return banner.startswith(b"RFB 003."), repr(banner)


def check_window_manager(desktop: Desktop) -> tuple[bool, str]:
    root = desktop.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"])
    if root.returncode != 0 or "window id #" not in root.stdout:
        return False, f"no _NET_SUPPORTING_WM_CHECK: {root.stdout.strip()} {root.stderr.strip()}"
    window = root.stdout.split()[-1]
    name = desktop.run(["xprop", "-id", window, "_NET_WM_NAME"])
    return name.returncode == 0 and "Mutter" in name.stdout, name.stdout.strip()


def check_panel_on_screen(desktop: Desktop) -> tuple[bool, str]:
    shot = desktop.run(["sh", "-c", 'f=$(mktemp --suffix=.png) && scrot -o "$f" && base64 "$f"; rm -f "$f"'])
    if shot.returncode != 0:
        return False, f"scrot failed: {shot.stderr.strip()}"
    return panel_visible(base64.b64decode(shot.stdout))


def check_comes_back(desktop: Desktop, component: str, probe: Callable[[], bool]) -> tuple[bool, str]:
    """Kills the component's process and measures until a new process of it answers its port."""
    old = desktop.pid(component)
    if old is None:
        return False, f"no pid file for {component}"
    killed = desktop.run(["kill", "-KILL", str(old)])
    if killed.returncode != 0:
        return False, f"could not kill {component} (pid {old}): {killed.stderr.strip()}"
    started = time.monotonic()

    def back() -> bool:
        # The cheap network probe first; the pid (a `docker exec` in a container) only once it answers.
        if not probe():
            return False
        new = desktop.pid(component)
        return new is not None and new != old

    came_back = wait_for(back, timeout=RESTART_DEADLINE_SECONDS + 5, interval=0.1)
    elapsed = time.monotonic() - started
    ok = bool(came_back) and elapsed <= RESTART_DEADLINE_SECONDS
    return ok, f"pid {old} killed, back after {elapsed:.2f} s (deadline {RESTART_DEADLINE_SECONDS:.0f} s)"


def probes(desktop: Desktop) -> dict[str, Callable[[], bool]]:
    """How to tell each component is back, from outside; Xvfb last, as every X client dies with it."""
    return {
        "x11vnc": lambda: check_rfb_direct(desktop)[0],
        "novnc": lambda: check_rfb_through_websocket(desktop)[0],
        "streamlit": lambda: check_streamlit_health(desktop)[0],
        "mutter": lambda: check_window_manager(desktop)[0],
        "tint2": lambda: desktop.run(["xdotool", "search", "--classname", "^tint2$"]).returncode == 0,
        "tool-server": lambda: desktop.run(["test", "-S", desktop.tool_socket]).returncode == 0,
        "xvfb": lambda: all_components_ready(desktop),
    }


def all_components_ready(desktop: Desktop) -> bool:
    """The whole desktop again: every component's own readiness check, then the RFB banner end to end."""
    healthy = desktop.run([desktop.healthcheck]).returncode == 0
    return healthy and check_rfb_through_websocket(desktop)[0] and check_window_manager(desktop)[0]


def run_service_checks(desktop: Desktop, report: CheckReport, label: str = "") -> None:
    prefix = f"{label}: " if label else ""
    report.check(f"{prefix}Streamlit health", lambda: check_streamlit_health(desktop))
    report.check(f"{prefix}combined page", lambda: check_combined_page(desktop))
    report.check(f"{prefix}noVNC /vnc.html", lambda: check_novnc_page(desktop))
    report.check(f"{prefix}RFB banner on the VNC port", lambda: check_rfb_direct(desktop))
    report.check(
        f"{prefix}RFB banner through noVNC's websocket", lambda: check_rfb_through_websocket(desktop)
    )
    report.check(f"{prefix}window manager registered", lambda: check_window_manager(desktop))
    report.check(f"{prefix}screenshot shows the panel", lambda: check_panel_on_screen(desktop))


def run_restart_checks(desktop: Desktop, report: CheckReport, label: str = "") -> None:
    prefix = f"{label}: " if label else ""
    for component, probe in probes(desktop).items():
        report.check(
            f"{prefix}{component} killed comes back",
            lambda c=component, p=probe: check_comes_back(desktop, c, p),
        )


def check_reset_closes_apps(desktop: Desktop, reset_command: Sequence[str]) -> tuple[bool, str]:
    """The chat's Reset: an open app window goes away; the X server and window manager are new processes."""
    # By class: the shell inside the xterm soon rewrites its title.
    probe = ["xdotool", "search", "--class", "^ResetProbe$"]
    desktop.run(["sh", "-c", "setsid xterm -class ResetProbe >/dev/null 2>&1 &"])
    if not wait_for(lambda: desktop.run(probe).returncode == 0, 15):
        return False, "the probe xterm never appeared"
    wm_before, x_before = desktop.pid("mutter"), desktop.pid("xvfb")
    done = desktop.run(reset_command)
    if done.returncode != 0:
        return False, f"reset failed ({done.returncode}): {(done.stdout + done.stderr)[-500:]}"
    gone = bool(wait_for(lambda: desktop.run(probe).returncode != 0, 5))
    wm_after, x_after = desktop.pid("mutter"), desktop.pid("xvfb")
    restarted = wm_after not in (None, wm_before) and x_after not in (None, x_before)
    ok = gone and restarted and check_window_manager(desktop)[0]
    return ok, f"probe window closed: {gone}, mutter {wm_before} -> {wm_after}, Xvfb {x_before} -> {x_after}"
