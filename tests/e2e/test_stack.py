"""The desktop stack natively, started through the project's own scripts (image/run-native.sh, what
`make run` runs) on a free display and free ports, checked over its real protocols."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import stack_checks as checks
from tests.support.key_probes import run_probes
from tests.support.tool_server import PLANTED_KEY
from tests.support.xvfb import free_display_number

ROOT = Path(__file__).resolve().parents[2]
RUN_NATIVE = ROOT / "image" / "run-native.sh"
XVFB_SCRIPT = ROOT / "image" / "components" / "xvfb.sh"
RESET_SCRIPT = ROOT / "image" / "reset-desktop.sh"
READY_TIMEOUT = 120
COMPONENTS = [c.name for c in checks.components()]
DESKTOP_COMPONENTS = [c.name for c in checks.components() if c.user == "desktop"]
RESET_COMPONENTS = [c.name for c in checks.components() if c.reset == "reset"]


@dataclass
class NativeStack:
    process: subprocess.Popen
    env: dict[str, str]
    run_dir: Path
    log: Path
    desktop: checks.Desktop
    seconds_to_ready: float

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _stack_env(run_dir: Path, display_number: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VNC_PASSWORD", "DISPLAY", "API_TOKEN")}
    env.update(
        DISPLAY_NUM=str(display_number),
        HTTP_PORT=str(checks.free_port()),
        STREAMLIT_PORT=str(checks.free_port()),
        API_PORT=str(checks.free_port()),
        ANTHROPIC_CONFIG_DIR=str(run_dir / "config"),  # the API's token and the store: not the user's
        NOVNC_PORT=str(checks.free_port()),
        VNC_PORT=str(checks.free_port()),
        STACK_RUN_DIR=str(run_dir),
        BIND_ADDRESS="127.0.0.1",
        # The app needs these; nothing on the desktop side may get them.
        ANTHROPIC_API_KEY=PLANTED_KEY,
        AWS_SECRET_ACCESS_KEY="planted-aws-secret-0123456789",
    )
    return env


def _stop(process: subprocess.Popen, run_dir: Path) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Whatever the supervisor left behind (it should be nothing) must not outlive the test.
    for pid_file in (run_dir / "pids").glob("*.pid"):
        with contextlib.suppress(ValueError, ProcessLookupError, PermissionError):
            os.killpg(int(pid_file.read_text()), signal.SIGKILL)


@pytest.fixture(scope="module")
def native_stack(tmp_path_factory) -> Iterator[NativeStack]:
    run_dir = tmp_path_factory.mktemp("stack")
    env = _stack_env(run_dir, free_display_number(120 + os.getpid() % 200))
    log = run_dir / "run-native.log"
    started = time.monotonic()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(RUN_NATIVE)], env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        ready = checks.wait_for(
            lambda: (run_dir / "ready").exists() or process.poll() is not None, READY_TIMEOUT
        )
        if not (run_dir / "ready").exists():
            pytest.fail(f"stack not ready (ready={ready}, exit={process.poll()}):\n{log.read_text()[-4000:]}")
        seconds = time.monotonic() - started
        print(f"\nnative stack: run-native.sh to ready in {seconds:.1f} s")

        def run(argv: Sequence[str]) -> subprocess.CompletedProcess:
            return subprocess.run(
                list(argv), env={**env, "DISPLAY": f":{env['DISPLAY_NUM']}"}, capture_output=True, text=True,
                timeout=30, check=False,
            )  # fmt: skip

        ports = checks.Ports(
            "127.0.0.1",
            int(env["HTTP_PORT"]),
            int(env["STREAMLIT_PORT"]),
            int(env["NOVNC_PORT"]),
            int(env["VNC_PORT"]),
        )
        desktop = checks.Desktop(
            ports,
            run,
            str(run_dir / "pids"),
            str(ROOT / "image" / "healthcheck.sh"),
            str(run_dir / "tools.sock"),
        )
        yield NativeStack(process, env, run_dir, log, desktop, seconds)
    finally:
        _stop(process, run_dir)


SERVICE_CHECKS = {
    "streamlit_health": checks.check_streamlit_health,
    "combined_page": checks.check_combined_page,
    "novnc_page": checks.check_novnc_page,
    "rfb_banner_direct": checks.check_rfb_direct,
    "rfb_banner_through_websocket": checks.check_rfb_through_websocket,
    "window_manager_registered": checks.check_window_manager,
    "screenshot_shows_panel": checks.check_panel_on_screen,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SERVICE_CHECKS))
def test_stack_serves(native_stack: NativeStack, name: str) -> None:
    ok, detail = SERVICE_CHECKS[name](native_stack.desktop)
    assert ok, detail


@pytest.mark.slow
def test_no_password_means_a_loud_warning_and_no_vnc_auth(native_stack: NativeStack) -> None:
    assert "NO VNC PASSWORD" in native_stack.output()
    assert checks.rfb_security_types("127.0.0.1", native_stack.desktop.ports.vnc) == [1]


@pytest.mark.slow
def test_servers_listen_on_loopback_only(native_stack: NativeStack) -> None:
    listening = _listening_addresses()
    ports = native_stack.desktop.ports
    for port in (ports.http, ports.streamlit, ports.novnc, ports.vnc, int(native_stack.env["API_PORT"])):
        addresses = [address for address, listening_port in listening if listening_port == port]
        assert addresses == ["127.0.0.1"], (port, addresses)


def _listening_addresses() -> list[tuple[str, int]]:
    """(address, port) of every listening TCP socket, from /proc/net/tcp{,6}."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state != "0A":  # LISTEN
                continue
            address_hex, port_hex = local.split(":")
            if len(address_hex) == 8:
                address = ".".join(str(b) for b in reversed(bytes.fromhex(address_hex)))
            else:
                address = "ipv6:" + address_hex
            found.append((address, int(port_hex, 16)))
    return found


@pytest.mark.slow
def test_the_api_answers_with_its_token_announced_once(native_stack: NativeStack) -> None:
    token_file = native_stack.run_dir / "config" / "api_token"
    token = token_file.read_text().strip()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert native_stack.output().count(token) == 1  # in the supervisor's output: `make run`, docker logs
    base = f"http://127.0.0.1:{native_stack.env['API_PORT']}"
    assert checks.http_get(f"{base}/health")[0] == 200
    assert checks.http_get(f"{base}/conversations")[0] == 401
    request = urllib.request.Request(f"{base}/conversations", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200 and json.loads(answer.read()) == []


@pytest.mark.slow
def test_no_desktop_process_and_no_tool_call_sees_a_credential(native_stack: NativeStack) -> None:
    """Natively one user runs everything, so the app's own processes hold the key (and the model could
    read them); every desktop component, what the panel starts, and the bash and editor tools do not."""
    for name in DESKTOP_COMPONENTS:
        environ = Path(f"/proc/{native_stack.desktop.pid(name)}/environ").read_bytes()
        assert PLANTED_KEY.encode() not in environ and b"planted-aws" not in environ, name
    streamlit = Path(f"/proc/{native_stack.desktop.pid('streamlit')}/environ").read_bytes()
    assert PLANTED_KEY.encode() in streamlit  # the app's key: a native run cannot hide it (README)

    def app_process(program: str, extra: dict[str, str]) -> subprocess.CompletedProcess:
        env = {**native_stack.env, "PYTHONPATH": str(ROOT), **extra}
        env["COMPUTER_USE_TOOL_SERVER"] = f"unix:{native_stack.desktop.tool_socket}"
        return subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "-"], input=program, env=env, capture_output=True,
            text=True, timeout=300,
        )  # fmt: skip

    report = run_probes(app_process, PLANTED_KEY)
    hits = "; ".join(f"{p.name} {p.hits}/{p.examined} {p.detail}" for p in report.probes if p.hits)
    print(f"\nnative probes: {report.summary()} (expected: the app's own processes) {hits}")
    tool_probes = [p for p in report.probes if not p.name.startswith(("bash proc-", "bash files"))]
    assert [p for p in tool_probes if p.hits] == [], tool_probes
    (environ_probe,) = report.named("bash proc-environ")
    hit_pids = {int(pid) for pid in environ_probe.detail.strip("-,").split(",") if pid}
    desktop_pids = {native_stack.desktop.pid(name) for name in DESKTOP_COMPONENTS}
    assert environ_probe.examined > len(desktop_pids) and not hit_pids & desktop_pids, environ_probe


@pytest.mark.slow
@pytest.mark.parametrize(
    "component", ["x11vnc", "novnc", "streamlit", "mutter", "tint2", "tool-server", "xvfb"]
)
def test_killed_component_is_back_within_5_seconds(native_stack: NativeStack, component: str) -> None:
    probe = checks.probes(native_stack.desktop)[component]
    ok, detail = checks.check_comes_back(native_stack.desktop, component, probe)
    assert ok, f"{detail}\n{native_stack.output()[-2500:]}"


@pytest.mark.slow
def test_reset_closes_apps_and_restarts_every_desktop_component(native_stack: NativeStack) -> None:
    desktop = native_stack.desktop
    display_env = {**native_stack.env, "DISPLAY": f":{native_stack.env['DISPLAY_NUM']}"}
    app = subprocess.Popen(["xterm"], env=display_env, start_new_session=True)
    try:
        assert checks.wait_for(lambda: f"{app.pid}" in _client_pids(desktop), 15), "xterm never mapped"
        components = RESET_COMPONENTS
        before = {name: desktop.pid(name) for name in components}
        chat_before = desktop.pid("streamlit")
        done = subprocess.run(
            [str(RESET_SCRIPT)], env=native_stack.env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert app.wait(timeout=5) is not None
        for name in components:
            assert desktop.pid(name) not in (None, before[name]), f"{name} was not restarted"
        assert desktop.pid("streamlit") == chat_before, "the chat must survive a desktop reset"
        assert checks.check_window_manager(desktop)[0]
        assert checks.wait_for(lambda: checks.check_panel_on_screen(desktop)[0], 10)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


def _client_pids(desktop: checks.Desktop) -> set[str]:
    listing = desktop.run(["xprop", "-root", "_NET_CLIENT_LIST"]).stdout
    pids = set()
    for window in listing.replace(",", " ").split():
        if window.startswith("0x"):
            pid = desktop.run(["xprop", "-id", window, "_NET_WM_PID"]).stdout.split()
            if pid and pid[-1].isdigit():
                pids.add(pid[-1])
    return pids


# Stale X locks (what `docker restart` leaves behind) never block a start; a live X server's always does.


def _xvfb_env(display_number: int, run_dir: Path) -> dict[str, str]:
    return {**os.environ, "DISPLAY_NUM": str(display_number), "STACK_RUN_DIR": str(run_dir)}


def test_xvfb_start_clears_a_stale_lock(tmp_path: Path) -> None:
    number = free_display_number(300 + os.getpid() % 100)
    lock = Path(f"/tmp/.X{number}-lock")
    # A lock naming a live process that is not an X server, as after a restart reuses PIDs.
    lock.write_text(f"{os.getpid():>10}\n")
    env = _xvfb_env(number, tmp_path)
    server = subprocess.Popen(
        [str(XVFB_SCRIPT), "run"], env=env, start_new_session=True, stderr=subprocess.PIPE
    )
    try:
        ready = checks.wait_for(
            lambda: subprocess.run([str(XVFB_SCRIPT), "ready"], env=env, check=False).returncode == 0, 15
        )
        assert ready, server.stderr.read().decode() if server.poll() is not None else "not ready"
        assert lock.read_text().strip() == str(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        server.stderr.close()
        lock.unlink(missing_ok=True)


def test_xvfb_start_refuses_a_display_a_live_server_holds(xvfb_factory, tmp_path: Path) -> None:
    taken = xvfb_factory(320, 240)
    done = subprocess.run(
        [str(XVFB_SCRIPT), "run"],
        env=_xvfb_env(taken.number, tmp_path),
        capture_output=True,
        text=True,
        timeout=15,
    )
    assert done.returncode == 1
    assert "held by a running Xvfb" in done.stdout + done.stderr


CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_combined_page_in_a_browser(native_stack: NativeStack, host: str) -> None:
    """Both frames follow the host the page was opened with; the toggle switches noVNC to control."""
    from playwright.sync_api import sync_playwright

    ports = native_stack.desktop.ports
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"http://{host}:{ports.http}/")
            assert page.get_attribute("#chat", "src") == f"http://{host}:{ports.streamlit}/"
            desktop_src = page.get_attribute("#desktop", "src")
            assert desktop_src.startswith(f"http://{host}:{ports.novnc}/vnc.html?")
            assert "view_only=1" in desktop_src
            assert page.text_content("#control-toggle") == "View only"

            # noVNC inside the frame connects (it marks its page noVNC_connected); Streamlit's app renders.
            page.frame_locator("#desktop").locator("html.noVNC_connected").wait_for(
                state="attached", timeout=20_000
            )
            page.frame_locator("#chat").locator("[data-testid='stApp']").wait_for(timeout=30_000)

            page.click("#control-toggle")
            assert "view_only=0" in page.get_attribute("#desktop", "src")
            assert page.text_content("#control-toggle") == "Control"
            page.reload()  # the choice is remembered
            assert "view_only=0" in page.get_attribute("#desktop", "src")
        finally:
            browser.close()


# Last, as it ends the module's stack.
@pytest.mark.slow
def test_interrupt_stops_everything_it_started(native_stack: NativeStack) -> None:
    """Ctrl-C on `make run` is SIGINT to run-native.sh, which is the supervisor after its exec."""
    pids = {name: native_stack.desktop.pid(name) for name in COMPONENTS}
    assert all(pids.values()), pids
    native_stack.process.send_signal(signal.SIGINT)
    assert native_stack.process.wait(timeout=30) == 0
    alive = {name: pid for name, pid in pids.items() if _alive(pid)}
    assert not alive, alive
    assert not Path(f"/tmp/.X{native_stack.env['DISPLAY_NUM']}-lock").exists()


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
