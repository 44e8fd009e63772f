"""A Docker engine for the container test: Debian's docker.io, a dockerd started (and stopped by PID)
only when none runs, and the offline debian:bookworm-slim base image (no registry is reachable)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

# Debian's client: it speaks BuildKit through DOCKER_BUILDKIT=1 with Debian's engine.
DOCKER = "/usr/bin/docker"
DOCKERD = "/usr/sbin/dockerd"
ROOT = Path(__file__).resolve().parents[2]
OFFLINE_BASE_IMAGE = Path(
    os.environ.get("OFFLINE_BASE_IMAGE_SCRIPT", ROOT.parent / "shared" / "tools" / "offline-base-image.sh")
)


class DockerUnavailable(RuntimeError):
    """No engine can be had here (not root and none installed/running)."""


def docker(
    *args: str, timeout: float = 120, check: bool = True, env: dict[str, str] | None = None, **kwargs
) -> subprocess.CompletedProcess:
    """The docker client; `env` adds variables (for `-e NAME`, which passes a value without naming it)."""
    env = {**os.environ, **(env or {}), "DOCKER_BUILDKIT": "1"}
    return subprocess.run(
        [DOCKER, *args], env=env, capture_output=True, text=True, timeout=timeout, check=check, **kwargs
    )


def engine_answers() -> bool:
    try:
        return docker("info", "--format", "{{.ServerVersion}}", timeout=20, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_installed() -> None:
    if Path(DOCKER).exists() and Path(DOCKERD).exists():
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise DockerUnavailable("docker.io is not installed and this is not root on Debian")
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    subprocess.run(["apt-get", *lock, "update", "-qq"], check=True, timeout=600)
    subprocess.run(
        ["apt-get", *lock, "install", "-y", "-qq", "--no-install-recommends", "docker.io"],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, check=True, timeout=1200,
    )  # fmt: skip


@contextlib.contextmanager
def running_engine(log_path: Path) -> Iterator[None]:
    """A Docker engine for the duration; one we start is stopped by its PID afterwards."""
    ensure_installed()
    if engine_answers():
        yield
        return
    if os.geteuid() != 0:
        raise DockerUnavailable("no Docker engine runs and only root may start one")
    with log_path.open("wb") as log:
        daemon = subprocess.Popen([DOCKERD], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not engine_answers():
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dockerd did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()


def ensure_base_image() -> None:
    if docker("image", "inspect", "debian:bookworm-slim", check=False).returncode == 0:
        return
    if not OFFLINE_BASE_IMAGE.exists():
        raise RuntimeError(f"debian:bookworm-slim is missing and {OFFLINE_BASE_IMAGE} does not exist")
    subprocess.run([str(OFFLINE_BASE_IMAGE), DOCKER], check=True, timeout=1200)
